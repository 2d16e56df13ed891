"""Finding product text that is not marked for translation (issue 21, Must show 1).

In the pseudo-language `qps` every translated text is shown as "⟦Ŧëxŧ⟧" (qa_app/i18n.py). A
page's visible text (text nodes, and the attributes people read: title, aria-label,
placeholder, alt, a button's value) with the marked parts taken out must hold only data: words
the centre's database holds (names, services, scorecards, comments), numbers, dates and
punctuation. Any other word is product text that was not marked.

Run against a live server to see what is left, page by page:
    QA_LANGUAGE=qps qa serve --port 8123 &
    python -m tests.pseudo_locale http://127.0.0.1:8123 EMAIL PASSWORD [--prefix /audits]
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx
from babel import dates

OPEN, CLOSE = "⟦", "⟧"
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Words that are not the product's text in any language: units, codes and names of standards.
NOT_PRODUCT_TEXT = {
    "CSAT",
    "NPS",
    "CES",
    "CSV",
    "XLSX",
    "PDF",
    "JSON",
    "HTTP",
    "HTTPS",
    "URL",
    "IMAP",
    "SMTP",
    "ISO",
    "UTC",
    "ID",
    "Open311",
    "Vosk",
    "LDAP",
    "OpenID",
    "GeoReport",
    "IVR",
    "QA",
    "CER",
    "WER",
    "ics",
    "iCalendar",
    "mm",
    "ss",
    "hh",
    "yyyy",
    "dd",
    "kB",
    "MB",
    "GB",
    "ms",
    "alpha",
    "English",
    "Svenska",
    "Nederlands",
}  # each language by its own name
NOT_PRODUCT_LOWER = {w.lower() for w in NOT_PRODUCT_TEXT}
SKIP = re.compile(
    r"^/(logout|static/|s/|open311/|api/|schema)|\.(pdf|xlsx|zip|csv|ics|wav|mp3|ogg|json)$|/recording|/audio"
)


HIDDEN = ("script", "style", "template", "textarea", "pre", "code")  # code, or what a user typed


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self._hidden += 1
        values = dict(attrs)
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.parts.append(values["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN:
            self._hidden -= 1

    def handle_endtag(self, tag):
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def outside_marks(text: str) -> str:
    """The text with every marked part (nested ones too) taken out."""
    out, depth = [], 0
    for ch in text:
        if ch == OPEN:
            depth += 1
        elif ch == CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
        else:
            continue
    return "".join(out)


# A phrase: words joined by spaces or hyphens ("bulky waste pick-up"), compared word by word.
# (one space between words: a line break or a wider gap, as between a table's columns, ends it)
CHUNK = re.compile(r"[A-Za-z][A-Za-z'’]*(?:(?: ?- ?| )[A-Za-z][A-Za-z'’]*)*")
TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*")
LONGEST = 8  # words in a data phrase matched as a whole


URL = re.compile(r"https?://\S+|\S+@\S+")  # addresses are data


def _chunks(text: str) -> list[list[str]]:
    """Runs of words (a phrase) outside the marks, each to be found whole in the data."""
    return [[w.lower() for w in TOKEN.findall(c)] for c in CHUNK.findall(URL.sub(" ", outside_marks(text)))]


def _known(words: list[str], vocabulary: set[str]) -> bool:
    if all(w in NOT_PRODUCT_LOWER for w in words):
        return True
    # a long phrase: each part of at most LONGEST words must be data
    return all(" ".join(words[i : i + LONGEST]) in vocabulary for i in range(0, len(words), LONGEST))


def unmarked_words(html: str, vocabulary: set[str]) -> list[str]:
    """Phrases on the page outside the marks that are not data."""
    return [" ".join(c) for part in visible_text(html) for c in _chunks(part) if not _known(c, vocabulary)]


def unmarked_text(text: str, vocabulary: set[str]) -> list[str]:
    """The same for plain text (an email, a PDF's text)."""
    return [" ".join(c) for c in _chunks(text) if not _known(c, vocabulary)]


def _phrases(value: str) -> set[str]:
    words = [w.lower() for w in TOKEN.findall(value)]
    return {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(len(words), i + LONGEST) + 1)}


def _strings(value: object) -> list[str]:
    """The text values inside a JSON document (its keys are code, not data)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def vocabulary_of(sqlite_file: Path) -> set[str]:
    """Every phrase (up to LONGEST words) in the centre's data: any text column of any table
    (and the text values of JSON ones), lower-cased; with the English names of months and
    weekdays (dates in English formats)."""
    phrases: set[str] = set()
    conn = sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            if table.startswith("sqlite_") or "fts" in table or table == "migration":
                continue
            columns = [
                r[1]
                for r in conn.execute(f'pragma table_info("{table}")')
                if "CHAR" in r[2].upper() or "TEXT" in r[2].upper() or "JSON" in r[2].upper()
            ]
            for column in columns:
                query = f'select distinct "{column}" from "{table}" where typeof("{column}") = \'text\''
                for (value,) in conn.execute(query):
                    texts = [value]
                    if value.lstrip().startswith(("{", "[")):
                        try:
                            texts = _strings(json.loads(value))
                        except ValueError:
                            pass
                    for text in texts:
                        phrases.update(_phrases(text))
    finally:
        conn.close()
    for width in ("wide", "abbreviated"):
        phrases.update(name.lower() for name in dates.get_month_names(width, locale="en").values())
        phrases.update(name.lower() for name in dates.get_day_names(width, locale="en").values())
    return phrases


# Where a code would stand on its own: between separators of a list or a label ("Most failed
# criteria: closing, time_to_answer"), or as a whole text ("team_leader").
SEGMENT = re.compile(r"[,;:()|·•/]+|\s{2,}|\s[-–—]\s")
TOKEN_OR_ID = re.compile(r"[\w.\-]+")


def codes_of(sqlite_file: Path) -> tuple[set[str], set[str]]:
    """The codes people must never read: every scorecard section's and criterion's code and
    every role's code; and every call's telephony id."""
    codes = {"admin", "manager", "qa", "team_leader", "agent"}
    conn = sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True)
    try:
        for (definition,) in conn.execute("select definition from scorecard_template"):
            for section in json.loads(definition).get("sections", []):
                codes.add(section["code"])
                codes.update(criterion["code"] for criterion in section.get("criteria", []))
        ids = {row[0] for row in conn.execute("select external_id from call")}
    finally:
        conn.close()
    return codes, ids


def codes_shown(html: str, codes: set[str], ids: set[str]) -> list[str]:
    """The codes and telephony ids a reader of the page sees (visible text outside the marks;
    a <code> element or a text box is not read as text). A code counts when it stands on its own
    (exactly, same case: "Closing" is a title, "closing" the code); a telephony id anywhere."""
    return [found for part in visible_text(html) for found in codes_in_text(part, codes, ids)]


def codes_in_text(text: str, codes: set[str], ids: set[str]) -> list[str]:
    """codes_shown for plain text (a report as pdftotext reads it)."""
    found: list[str] = []
    for line in text.splitlines():
        line = outside_marks(line)
        found += [s.strip(" .") for s in SEGMENT.split(line) if s.strip(" .") in codes]
        found += [token for token in TOKEN_OR_ID.findall(line) if token in ids]
    return found


def crawl(client: httpx.Client, base_url: str, prefixes: tuple[str, ...] = ("/",), most: int = 400):
    """(path, html) of every page reachable from the home page by links and HTMX loads, GET
    only, one page per address pattern (digits count as one), no downloads or sign-out."""
    seen_patterns: set[str] = set()
    queue = ["/", *[p for p in prefixes if p != "/"]]
    while queue and len(seen_patterns) < most:
        path = queue.pop(0)
        pattern = re.sub(r"\d+", "N", path.split("?")[0]) + (
            "?" + re.sub(r"=[^&]*", "=", path.split("?")[1]) if "?" in path else ""
        )
        if pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        response = client.get(path, headers={"accept": "text/html"})
        if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        if any(path.startswith(p) for p in prefixes):
            yield path, response.text
        for href in re.findall(r'(?:href|hx-get)="([^"#]+)"', response.text):
            target = urlparse(urljoin(base_url + path, href.replace("&amp;", "&")))
            if target.netloc == urlparse(base_url).netloc and not SKIP.search(target.path):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))


def signed_in(base_url: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=120, follow_redirects=True)
    page = client.get("/login", headers={"accept": "text/html"})
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    client.post(
        "/login",
        data={"email": email, "password": password, "next": "/", "_csrf_token": token},
        headers={"accept": "text/html"},
    )
    return client


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("email")
    parser.add_argument("password")
    parser.add_argument("--prefix", action="append", default=[])
    parser.add_argument("--database", default=None, help="the SQLite file, for the data's words")
    args = parser.parse_args(argv)
    vocabulary = vocabulary_of(Path(args.database)) if args.database else set()
    client = signed_in(args.url, args.email, args.password)
    bad = 0
    for path, html in crawl(client, args.url, tuple(args.prefix) or ("/",)):
        words = unmarked_words(html, vocabulary)
        if words:
            bad += 1
            print(f"{path}: {' '.join(dict.fromkeys(words))}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
