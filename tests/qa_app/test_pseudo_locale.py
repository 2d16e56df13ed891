"""Every text the staff see is marked for translation (issue 21, Must show 1), and no code or
telephony id reaches the screen (issue 17, Must show 4).

The demo centre is served in the pseudo-language (QA_LANGUAGE=qps), where each translated text
reads "⟦Ŧëxŧ⟧". Every role signs in and visits every page it can reach (links and HTMX panels,
one page per address pattern): outside the marks a page may show only data (the centre's names,
services, comments...), numbers, dates and punctuation. A text added without marking shows up
here as a phrase outside the marks, with its page."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

from tests.demo_data import built_sqlite_copy
from tests.live_app import QA_COMMAND, ROOT
from tests.pseudo_locale import (
    codes_in_text,
    codes_of,
    codes_shown,
    crawl,
    signed_in,
    unmarked_text,
    unmarked_words,
    vocabulary_of,
)


def test_the_checker_finds_text_outside_the_marks():
    vocabulary = {"ann archer", "ann", "archer", "october"}
    page = (
        '<p title="Open">⟦Şȧṽë⟧ Ann Archer, 12 October 2026</p><button aria-label="⟦Ƥŀȧÿ⟧">▶</button>'
        "<script>var unmarked = 'not text';</script><p>Mark all as read</p>"
    )
    assert unmarked_words(page, vocabulary) == ["open", "mark all as read"]
    assert unmarked_text("⟦Şçöŕë %(n)s⟧ 92.5% Ann", vocabulary) == []
    assert unmarked_text("⟦Ŧëẋŧ ⟦ñëşŧëđ⟧⟧ left over", vocabulary) == ["left over"]


def test_the_checker_finds_codes_and_telephony_ids():
    codes, ids = {"closing", "time_to_answer", "team_leader"}, {"1701.55"}
    page = (
        "<p>⟦Ḿöşŧ ƒȧïŀëđ⟧: closing, time_to_answer</p><td>team_leader</td><h1>⟦Ƈȧŀŀ⟧ 1701.55</h1>"
        "<p>Closing</p><code>closing</code><p>⟦çŀöşïñğ⟧ enclosing text</p><td>2026-11-03 1701.5</td>"
    )
    assert codes_shown(page, codes, ids) == ["closing", "time_to_answer", "team_leader", "1701.55"]


def test_every_page_of_every_role_is_marked_for_translation(new_live_app):
    app = new_live_app(start=False)
    if built := built_sqlite_copy():  # the demo centre an earlier test built
        shutil.copyfile(built[0], app.data_dir / "qa.sqlite3")
        logins = [list(login) for login in built[1]]
    else:
        subprocess.run([*QA_COMMAND, "demo", "--seed", "1"], cwd=ROOT, env=app.env(), check=True, timeout=1200)
        logins = [line.split() for line in (app.data_dir / "demo-logins.txt").read_text().splitlines()]
    vocabulary = vocabulary_of(app.data_dir / "qa.sqlite3")
    codes, telephony_ids = codes_of(app.data_dir / "qa.sqlite3")
    app.extra_env.update(QA_LANGUAGE="qps", QA_BACKGROUND="0")
    app.start()
    unmarked: dict[str, list[str]] = {}
    codes_seen: dict[str, list[str]] = {}
    pages = 0
    for role, email, password in logins:
        client = signed_in(app.url, email, password)
        for path, html in crawl(client, app.url):
            pages += 1
            assert "⟦" in html, (role, path)  # the page was made in the pseudo-language
            if words := unmarked_words(html, vocabulary):
                unmarked[f"{role} {path}"] = list(dict.fromkeys(words))
            if found := codes_shown(html, codes, telephony_ids):
                codes_seen[f"{role} {path}"] = list(dict.fromkeys(found))
        client.close()
    print(f"{pages} pages of {len(logins)} roles visited in the pseudo-language")
    assert pages > 100
    assert unmarked == {}
    # Issue 17, Must show 4: criteria by their titles, roles by their names, calls by date, time
    # and agent; no criterion code, role code or telephony id on any of these pages.
    assert codes_seen == {}

    # The printed report (its text as pdftotext reads it; the charts are pictures).
    with sqlite3.connect(app.data_dir / "qa.sqlite3") as conn:
        last = conn.execute("select max(offered_at) from call").fetchone()[0]
    year, month = int(last[:4]), int(last[5:7])
    month_key = f"{year}-{month - 1:02d}" if month > 1 else f"{year - 1}-12"
    pdf = app.data_dir / "report.pdf"
    app.qa("report", "monthly", "--month", month_key, "--out", str(pdf))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "⟦" in text
    assert unmarked_text(text, vocabulary) == []
    assert codes_in_text(text, codes, telephony_ids) == []


def test_the_digest_email_is_marked_for_translation():
    from qa_app import i18n
    from qa_app.notifications import _digest

    items = [{"email": "robin@city.example", "text": "Robin's note", "link": "/evaluations/7"}]
    with i18n.using("qps"):
        message = _digest(items, "https://qa.city.example", "qa@city.example")
    body = message.get_content()
    assert "⟦" in body and "⟦" in message["Subject"]
    assert unmarked_text(body + " " + message["Subject"], {"robin's note"}) == []
