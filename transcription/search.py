"""Search across every transcript: the index, the query language, the search itself and the
weekly counts of saved searches.

The index is written when a transcript is saved: `index_calls` is the package's after-calls hook,
and the demo calls it for its scripted transcripts. It keeps, per call, the turns as the search's
words with the moment each word is said (`TranscriptIndex`: the snippet of a hit and the moment
its link opens the call at), and the full-text documents:
- SQLite: an FTS5 document per call (rowid = the call) with a column per side (agent, caller,
  other) holding that side's turns with "¦" between them, a word no search can contain, so that
  no phrase runs from one turn into the next;
- PostgreSQL: a tsvector per side of each call (`transcript_terms`, GIN index) with each word at
  its position (a position left out between turns), and every run of two and three words within
  a turn as one lexeme more, so the GIN index alone answers words, prefixes and phrases of up to
  three words (a longer phrase: its three-word runs from the index, then its positions checked
  in the candidates' documents). Without a speaker, each term is looked up in either side's
  document and the calls crossed; with one, all terms in that side's.

Words are split here, in Python, once (`words`): Unicode case folding after NFKC, then runs of
letters and digits; everything else separates words. Both engines index exactly those words:
FTS5's ascii tokenizer splits on the spaces between them only, and PostgreSQL gets tsvector and
tsquery literals built here (its text parser is never used). So both databases find the same calls.

What a user may type (`parse`), and the escaping rule:
- words: every word must be said in the call (by the chosen side, if one is chosen);
- "words in quotes": said together, in that order, in one turn (a phrase);
- a word ending in `*` (two letters or more before it): any word that starts so (`park*`);
- a word that splits into several (`it's`, `pick-up`) is a phrase of its parts.
Nothing else has a meaning: a quote without its pair runs to the end of the text; operators
(AND, OR, NOT, NEAR), `-`, `:`, `^`, parentheses and all other punctuation are separators or
plain words. The engine's query is then built from the words alone, each inside the engine's
own quotes (FTS5 `"..."`, tsquery `'...'`), and passed as a bound parameter, so nothing a user
types can make an SQL or full-text syntax error.

On PostgreSQL a tsvector keeps positions up to 16,383 and 256 positions of one word, so in a
side of a call with more than about 16,000 words (hours of talk) a phrase of four words or more
is found in its first 16,000 words only; words and shorter phrases are found throughout.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from babel import dates as babel_dates

from kit.timeutil import day_range, stored_time
from qa_app import db, i18n
from qa_app.i18n import _
from qa_app.settings import get_settings
from transcription.tables import Status, TranscriptIndex, Transcription

WORD = re.compile(r"[^\W_]+")
MAX_WORD = 60  # characters; a longer "word" is noise, left out of the index and of searches
TURN_BREAK = "¦"  # between turns in an FTS5 column: not a word a search can contain
MAX_QUERY = 300  # characters a search may have
MAX_TERMS = 10  # words and phrases in one search
MIN_PREFIX = 2  # letters before a `*`
SPEAKERS = ("agent", "caller")
COLUMNS = {"agent": "agent", "caller": "caller", None: "other"}  # FTS5 column of each side
NGRAM = 3  # PostgreSQL indexes runs of up to this many words as single lexemes
MAX_POSITION = 16383  # the largest position a tsvector keeps
PAGE_SIZE = 20
SNIPPET_BEFORE, SNIPPET_WORDS = 8, 28  # words shown before the first hit, and in all
CALLS_PER_BATCH = 500  # calls indexed in one transaction
WEEKS = 12


class SearchError(ValueError):
    """What the user should change in their search, in a sentence."""


def words(text: str) -> list[str]:
    """The words of a text as the search sees them."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [w for w in WORD.findall(folded) if len(w) <= MAX_WORD]


# --- The query language ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One word, or the words of a phrase in order; with `prefix`, the last word may go on."""

    words: tuple[str, ...]
    prefix: bool = False

    def matches_at(self, tokens: Sequence[str], at: int) -> bool:
        if at + len(self.words) > len(tokens):
            return False
        *head, last = self.words
        if any(tokens[at + k] != word for k, word in enumerate(head)):
            return False
        found = tokens[at + len(head)]
        return found.startswith(last) if self.prefix else found == last

    def __str__(self) -> str:
        text = " ".join(self.words) + ("*" if self.prefix else "")
        return f'"{text}"' if len(self.words) > 1 else text


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    def __str__(self) -> str:
        return " ".join(str(t) for t in self.terms)


def _term(piece: str, quoted: bool) -> Term | None:
    found = words(piece)
    if not found:
        return None
    prefix = piece.rstrip().endswith("*") and len(found[-1]) >= MIN_PREFIX
    if quoted or len(found) > 1 or prefix:
        return Term(tuple(found), prefix)
    return Term((found[0],))


def parse(text: str) -> Query:
    """The search a user typed, or a SearchError saying what to change (see the module)."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY:
        raise SearchError(_("A search has at most %(n)s characters.") % {"n": MAX_QUERY})
    terms: list[Term] = []
    for index, piece in enumerate(text.split('"')):
        if index % 2:  # inside quotes (an unpaired quote runs to the end)
            found = _term(piece, quoted=True)
            terms.extend([found] if found else [])
        else:
            terms.extend(t for chunk in piece.split() if (t := _term(chunk, quoted=False)))
    unique = tuple(dict.fromkeys(terms))
    if not unique:
        raise SearchError(_("Type a word or a phrase to search for: letters or digits, not only punctuation."))
    if len(unique) > MAX_TERMS:
        raise SearchError(_("A search has at most %(n)s words or phrases.") % {"n": MAX_TERMS})
    return Query(unique)


def fts5_query(query: Query, speaker: str | None = None) -> str:
    """FTS5's query: each term a quoted string ("phrase" or "word"), a trailing * for a prefix,
    terms side by side (all must match); with a speaker, only that side's column."""
    terms = " ".join(
        '"' + " ".join(w.replace('"', '""') for w in term.words) + '"' + ("*" if term.prefix else "")
        for term in query.terms
    )
    return f"{COLUMNS[speaker]} : ({terms})" if speaker else terms


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(term: Term) -> str:
    """PostgreSQL's query for one term, as a tsquery literal over a side's document (see
    `tsvector`): a word, or a phrase of up to three words, is one lexeme (with `:*` for a prefix),
    which the GIN index answers alone; a longer phrase is its three-word runs, all present, and
    the words at consecutive positions (the one case PostgreSQL reads the document for)."""
    star = ":*" if term.prefix else ""
    found = term.words
    if len(found) <= NGRAM:
        return _lexeme(" ".join(found)) + star
    runs = [" ".join(found[i : i + NGRAM]) for i in range(len(found) - NGRAM + 1)]
    needed = [_lexeme(run) for run in runs[:-1]] + [_lexeme(runs[-1]) + star]
    phrase = " <-> ".join([_lexeme(w) for w in found[:-1]] + [_lexeme(found[-1]) + star])
    return "(" + " & ".join(needed) + f" & ({phrase}))"


# --- The index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexTurn:
    speaker: str | None
    tokens: tuple[str, ...]
    times: tuple[int, ...]  # centiseconds, one per token


def _seconds(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def index_turns(transcript: dict[str, Any] | None) -> list[IndexTurn]:
    """A transcript's turns as the search reads them, each word with the start of the word it
    came from (a turn without timed words: the turn's start); turns without words are left out."""
    turns: list[IndexTurn] = []
    for turn in (transcript or {}).get("turns") or []:
        speaker = turn.get("speaker") if turn.get("speaker") in SPEAKERS else None
        turn_start = _seconds(turn.get("start"), 0.0)
        tokens: list[str] = []
        times: list[int] = []
        spoken = turn.get("words") or []
        if spoken:
            for word in spoken:
                at = round(100 * _seconds(word.get("start"), turn_start))
                said = word.get("word", "")
                if isinstance(said, str) and said.isascii() and said.isalnum() and len(said) <= MAX_WORD:
                    tokens.append(said.lower())  # what words() gives, the common case made quick
                    times.append(at)
                    continue
                for token in words(str(said)):
                    tokens.append(token)
                    times.append(at)
        else:
            tokens = words(str(turn.get("text", "")))
            times = [round(100 * turn_start)] * len(tokens)
        if tokens:
            turns.append(IndexTurn(speaker, tuple(tokens), tuple(times)))
    return turns


def stored_turns(turns: Sequence[IndexTurn]) -> str:
    """`TranscriptIndex.turns`: compact JSON."""
    return json.dumps(
        [[t.speaker, " ".join(t.tokens), " ".join(map(str, t.times))] for t in turns],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def fts5_columns(turns: Sequence[IndexTurn]) -> tuple[str, str, str]:
    """The FTS5 document: the agent's, the caller's and other turns, a break between turns."""
    sides: dict[str | None, list[str]] = {"agent": [], "caller": [], None: []}
    for turn in turns:
        sides[turn.speaker].append(" ".join(turn.tokens))
    separator = f" {TURN_BREAK} "
    return separator.join(sides["agent"]), separator.join(sides["caller"]), separator.join(sides[None])


def tsvector(turns: Sequence[IndexTurn]) -> str:
    """The tsvector literal of one side's turns: each word at its position (one position left out
    between turns, so that no phrase runs from one turn into the next), and, without positions,
    every run of two and of three words within a turn ("direct debit", "council tax bill")."""
    positions: dict[str, list[str]] = {}
    runs: set[str] = set()
    at = 0
    for turn in turns:
        tokens = turn.tokens
        for token in tokens:
            at += 1
            positions.setdefault(token, []).append(str(min(at, MAX_POSITION)))
        at += 1
        for size in range(2, NGRAM + 1):
            runs.update(" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1))
    words_part = " ".join(f"{_lexeme(word)}:{','.join(places[:256])}" for word, places in positions.items())
    return " ".join([words_part, *map(_lexeme, runs)])


def side_documents(turns: Sequence[IndexTurn]) -> list[tuple[str, str]]:
    """PostgreSQL's documents of a call: (side, tsvector literal) for each side that spoke."""
    sides: dict[str, list[IndexTurn]] = {}
    for turn in turns:
        sides.setdefault(COLUMNS[turn.speaker], []).append(turn)
    return [(side, tsvector(side_turns)) for side, side_turns in sides.items()]


INSERT_SQLITE = 'INSERT INTO "transcript_index" ("call", "turns")'
INSERT_FTS5 = 'INSERT INTO "transcript_fts" (rowid, "agent", "caller", "other")'
INSERT_POSTGRES = """
    INSERT INTO "transcript_index" ("call", "turns") SELECT u.c, u.t FROM unnest($1::int[], $2::text[]) AS u(c, t)
"""
INSERT_TERMS = """
    INSERT INTO "transcript_terms" ("call", "side", "terms")
    SELECT u.c, u.s, u.v::tsvector FROM unnest($1::int[], $2::text[], $3::text[]) AS u(c, s, v)
"""


async def _write(tx: Any, documents: list[tuple[int, list[IndexTurn]]]) -> None:
    if not documents:
        return
    if db.is_sqlite():
        await db.insert_many(tx, INSERT_SQLITE, "", [(call, stored_turns(turns)) for call, turns in documents])
        await db.insert_many(tx, INSERT_FTS5, "", [(call, *fts5_columns(turns)) for call, turns in documents])
        return
    await tx.connection.execute(
        INSERT_POSTGRES, [call for call, _ in documents], [stored_turns(turns) for _, turns in documents]
    )
    sides = [(call, side, terms) for call, turns in documents for side, terms in side_documents(turns)]
    await tx.connection.execute(INSERT_TERMS, *map(list, zip(*sides, strict=True)))


FINISHED = """
    SELECT t."call", t."transcript", EXISTS (SELECT 1 FROM "transcript_index" i WHERE i."call" = t."call") AS "indexed"
    FROM "transcription" t WHERE t."status" = 'done' AND {calls}
"""


async def index_calls(call_ids: Sequence[int]) -> int:
    """Index the finished transcripts of these calls again, in place of what the index held for
    them (a transcript that is gone, failed or erased leaves nothing); how many were indexed.

    The package's after-calls hook: it runs when calls were imported or a transcript finished.
    Idempotent; within a transaction already open (a transcript being stored, the demo's) it
    writes in that one. A finished transcript stored costs one read and its two inserts (what
    the index held is deleted only when it held something); 500 imported calls without a
    transcript cost one read and one delete that finds nothing."""
    ids = sorted({int(i) for i in call_ids})
    indexed = 0
    for first in range(0, len(ids), CALLS_PER_BATCH):
        chunk = ids[first : first + CALLS_PER_BATCH]
        async with db.write_transaction() as tx:
            rows = await Transcription.raw(FINISHED.format(calls=db.sql_in('t."call"', chunk)))
            finished = {r["call"] for r in rows}
            # Entries to go: those of calls being indexed again, and of calls whose transcript is
            # no longer finished (erased, failed). SQLite's FTS5 documents go with the entries by
            # a trigger, PostgreSQL's by a foreign key.
            stale = [r["call"] for r in rows if r["indexed"]] + [c for c in chunk if c not in finished]
            if stale:
                where = db.sql_in('"call"', stale)
                await TranscriptIndex.raw(f'DELETE FROM "transcript_index" WHERE {where}')
            documents = []
            for row in rows:
                if turns := index_turns(db.json_value(row["transcript"])):
                    documents.append((row["call"], turns))
            await _write(tx, documents)
        indexed += len(documents)
    return indexed


async def index_all(echo: Callable[[int], None] | None = None) -> int:
    """Index every finished transcript again (after an upgrade, or to repair the index); how
    many transcripts were read."""
    done = last = 0
    while (
        rows := await Transcription.select(Transcription.id, Transcription.call)
        .where((Transcription.status == Status.done) & (Transcription.id > last))
        .order_by(Transcription.id)
        .limit(CALLS_PER_BATCH)
    ):
        await index_calls([r["call"] for r in rows])
        done += len(rows)
        last = rows[-1]["id"]
        if echo:
            echo(done)
    return done


# --- Searching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What narrows a search, as ids and words the form and the command give. Days are the
    centre's calendar days, both included."""

    agent: int | None = None
    team: int | None = None
    queue: str | None = None
    service: int | None = None
    speaker: str | None = None  # "agent" or "caller": only what that side said
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.speaker is not None and self.speaker not in SPEAKERS:
            raise SearchError(_("The speaker is the agent or the caller."))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise SearchError(_("The first day comes after the last day."))

    def saved(self) -> dict[str, Any]:
        """The filters a saved search keeps (its weeks are always the last twelve)."""
        kept = {"agent": self.agent, "team": self.team, "queue": self.queue, "service": self.service}
        return {k: v for k, v in {**kept, "speaker": self.speaker}.items() if v not in (None, "")}

    @classmethod
    def from_saved(cls, data: dict[str, Any]) -> Filters:
        def number(key: str) -> int | None:
            value = data.get(key)
            return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None

        speaker = data.get("speaker") if data.get("speaker") in SPEAKERS else None
        return cls(number("agent"), number("team"), data.get("queue") or None, number("service"), speaker)

    def without_days(self) -> Filters:
        return Filters(self.agent, self.team, self.queue, self.service, self.speaker)

    def without_speaker(self) -> Filters:
        return Filters(self.agent, self.team, self.queue, self.service, None, self.date_from, self.date_to)


class _Sql:
    """The FROM and WHERE of a search (`c` the call, `c."id"` its id), with its arguments in
    order ({} placeholders)."""

    def __init__(self, query: Query, filters: Filters, scope: list[int] | None, extra: Sequence[tuple[Any, str]] = ()):
        self.sqlite = db.is_sqlite()
        if self.sqlite:
            # CROSS JOIN keeps SQLite from reordering: the full-text match goes first.
            self.source = '"transcript_fts" CROSS JOIN "call" c'
            where = ['"transcript_fts" MATCH {}', 'c."id" = "transcript_fts".rowid']
            args: list[Any] = [fts5_query(query, filters.speaker)]
        else:
            # The calls of the side documents that match: with a speaker, all terms in that side's
            # document; without, each term in either side's (one set of calls per term, crossed).
            if filters.speaker:
                matched = 'SELECT "call" FROM "transcript_terms" WHERE "side" = {} AND "terms" @@ {}::tsquery'
                args = [filters.speaker, " & ".join(f"({tsquery(term)})" for term in query.terms)]
            else:
                matched = " INTERSECT ".join(
                    ['SELECT "call" FROM "transcript_terms" WHERE "terms" @@ {}::tsquery'] * len(query.terms)
                )
                args = [tsquery(term) for term in query.terms]
            self.source = f'(SELECT DISTINCT "call" FROM ({matched}) AS m) AS m JOIN "call" c ON c."id" = m."call"'
            where = []
        if scope is not None:
            where.append(db.sql_in('c."agent"', scope))
        zone = get_settings().timezone
        start = day_range(filters.date_from, filters.date_from, zone)[0] if filters.date_from else None
        end = day_range(filters.date_to, filters.date_to, zone)[1] if filters.date_to else None
        for value, clause in (
            (filters.agent, 'c."agent" = {}'),
            (filters.team, 'c."agent" IN (SELECT "id" FROM "agent" WHERE "team" = {})'),
            (filters.queue, 'c."queue" = {}'),
            (filters.service, 'c."service" = {}'),
            (start, 'c."offered_at" >= {}'),
            (end, 'c."offered_at" < {}'),
            *extra,
        ):
            if value is not None and value != "":
                where.append(clause)
                args.append(value)
        self.where = " AND ".join(where) or "TRUE"
        self.args = args


# PostgreSQL's planner does not count the cost of reading a tsvector from the TOAST table, so for
# a common word it would read every document instead of asking the GIN index; and compiling the
# plan (JIT) takes longer than the search. For the search's own transaction only.
POSTGRES_PLANNER = ("SET LOCAL enable_seqscan = off", "SET LOCAL jit = off")


async def _rows(sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    if db.is_sqlite():
        return await TranscriptIndex.raw(sql, *args)
    async with db.current_engine().transaction():
        for setting in POSTGRES_PLANNER:
            await TranscriptIndex.raw(setting)
        return await TranscriptIndex.raw(sql, *args)


@dataclass
class Hit:
    """A call that matches: its first matching moment, with a snippet of words around it."""

    call_id: int
    external_id: str
    offered_at: datetime
    agent_id: int | None
    staff_number: str | None
    agent_name: str | None
    queue: str
    service_name: str | None
    speaker: str | None
    start: float  # seconds into the call of the first matching word
    moments: int  # turns that match
    parts: list[tuple[str, bool]] = field(default_factory=list)  # (words, matched) in order
    cut_before: bool = False
    cut_after: bool = False

    @property
    def snippet(self) -> str:
        text = " ".join(words for words, _hit in self.parts)
        return ("… " if self.cut_before else "") + text + (" …" if self.cut_after else "")

    @property
    def link(self) -> str:
        """The call page, with the recording at this moment."""
        return f"/calls/{self.call_id}?t={self.start:.1f}"

    def as_json(self) -> dict[str, Any]:
        return {
            "call": self.external_id,
            "agent": self.staff_number,
            "start": round(self.start, 2),
            "speaker": self.speaker,
            "snippet": self.snippet,
        }


@dataclass
class Results:
    query: Query
    hits: list[Hit]
    total: int  # calls
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def as_json(self) -> dict[str, Any]:
        return {"hits": [hit.as_json() for hit in self.hits], "total": self.total}


def highlight(query: Query, tokens: Sequence[str]) -> tuple[int | None, list[tuple[str, bool]], bool, bool]:
    """Where the query first matches in a turn's words (None: nowhere), and the words around it
    with the matched ones marked: (index of the first matched word, parts, cut before, cut after)."""
    marked = [False] * len(tokens)
    first = None
    for at in range(len(tokens)):
        for term in query.terms:
            if term.matches_at(tokens, at):
                first = at if first is None else first
                for k in range(len(term.words)):
                    marked[at + k] = True
    begin = max(0, (first or 0) - SNIPPET_BEFORE)
    end = min(len(tokens), begin + SNIPPET_WORDS)
    parts: list[tuple[str, bool]] = []
    for index in range(begin, end):
        if parts and parts[-1][1] == marked[index]:
            parts[-1] = (parts[-1][0] + " " + tokens[index], marked[index])
        else:
            parts.append((tokens[index], marked[index]))
    return first, parts, begin > 0, end < len(tokens)


def _may_match(term: Term, padded: str) -> bool:
    """A quick test on a turn's text (" word word "): can the term match there at all?"""
    *head, last = term.words
    return all(f" {w} " in padded for w in head) and (f" {last}" if term.prefix else f" {last} ") in padded


def first_moment(query: Query, turns_json: str, speaker: str | None) -> dict[str, Any]:
    """The call's first turn that matches (of `speaker`'s side, if given): its speaker, the moment
    of the first matched word, the snippet, and how many turns match."""
    shown: dict[str, Any] | None = None
    moments = 0
    opening = None
    for side, text, times in json.loads(turns_json or "[]"):
        if speaker and side != speaker:
            continue
        if opening is None:
            opening = (side, text, times)
        padded = f" {text} "
        if not any(_may_match(term, padded) for term in query.terms):
            continue
        tokens = text.split()
        anchor, parts, cut_before, cut_after = highlight(query, tokens)
        if anchor is None:
            continue
        moments += 1
        if shown is None:
            start = int(times.split()[anchor]) / 100
            shown = {"speaker": side, "parts": parts, "cut_before": cut_before, "cut_after": cut_after, "start": start}
    if shown is None:  # not expected: the engine found the call; show its opening
        side, text, times = opening or (None, "", "")
        _anchor, parts, cut_before, cut_after = highlight(query, text.split())
        start = int(times.split()[0]) / 100 if times else 0.0
        shown = {"speaker": side, "parts": parts, "cut_before": cut_before, "cut_after": cut_after, "start": start}
    return {**shown, "moments": moments}


async def search(
    query: Query,
    filters: Filters = Filters(),
    scope: list[int] | None = None,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Results:
    """The calls whose transcripts match, newest first, a page at a time; `scope` (agent ids, None
    for everyone) limits them to what the user may see, whatever the filters say."""
    page = max(1, page)
    sql = _Sql(query, filters, scope)
    limit = f"LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}"
    order = "ORDER BY offered_at DESC, call_id DESC"
    if sql.sqlite:
        # The page (a top-N sort) and the count apart: cheaper than a window over every match,
        # and without filters on the call the count is FTS5's alone.
        found = await _rows(
            f'SELECT c."id" AS call_id, c."offered_at" AS offered_at FROM {sql.source} WHERE {sql.where} {order} {limit}',
            sql.args,
        )
        total = await count(query, filters, scope) if found or page > 1 else 0
    else:
        # Materialized: else the planner walks the calls newest first reading each one's tsvector,
        # hoping to stop after a page, where the count needs every match anyway.
        found = await _rows(
            f"""
            WITH hits AS MATERIALIZED (
                SELECT c."id" AS call_id, c."offered_at" AS offered_at FROM {sql.source} WHERE {sql.where}
            )
            SELECT call_id, offered_at, COUNT(*) OVER () AS total FROM hits {order} {limit}
            """,
            sql.args,
        )
        total = int(found[0]["total"]) if found else await count(query, filters, scope) if page > 1 else 0
    rows = []
    if found:
        details = await TranscriptIndex.raw(
            f"""
            SELECT c."id" AS call_id, c."offered_at" AS offered_at, ti."turns", c."external_id", c."queue",
                   c."agent" AS agent_id, a."staff_number", a."name" AS agent_name, s."name" AS service_name
            FROM "call" c
            JOIN "transcript_index" ti ON ti."call" = c."id"
            LEFT JOIN "agent" a ON a."id" = c."agent"
            LEFT JOIN "service" s ON s."id" = c."service"
            WHERE {db.sql_in('c."id"', [r["call_id"] for r in found])}
            """
        )
        by_id = {r["call_id"]: r for r in details}
        rows = [by_id[r["call_id"]] for r in found if r["call_id"] in by_id]
    hits = []
    for row in rows:
        moment = first_moment(query, row["turns"], filters.speaker)
        hits.append(
            Hit(
                call_id=row["call_id"],
                external_id=row["external_id"],
                offered_at=stored_time(row["offered_at"]),
                agent_id=row["agent_id"],
                staff_number=row["staff_number"],
                agent_name=row["agent_name"],
                queue=row["queue"],
                service_name=row["service_name"],
                **moment,
            )
        )
    return Results(query=query, hits=hits, total=total, page=page, page_size=page_size)


async def count(query: Query, filters: Filters = Filters(), scope: list[int] | None = None) -> int:
    """How many calls match."""
    sql = _Sql(query, filters, scope)
    if sql.sqlite and filters.without_speaker() == Filters() and scope is None:
        rows = await _rows('SELECT COUNT(*) AS n FROM "transcript_fts" WHERE "transcript_fts" MATCH {}', sql.args)
    else:
        rows = await _rows(f"SELECT COUNT(*) AS n FROM {sql.source} WHERE {sql.where}", sql.args)
    return int(rows[0]["n"])


# --- Saved searches: weekly counts ----------------------------------------------------------


@dataclass(frozen=True)
class Week:
    monday: date
    calls: int
    partial: bool  # the current week, so far

    @property
    def label(self) -> str:
        day = _short_day(self.monday)
        return _("%(day)s (so far)") % {"day": day} if self.partial else day


def _short_day(day: date) -> str:
    """A week's Monday as a chart's label: "23 Nov" (English), "23 nov." (sv), "23 nov" (nl)."""
    if i18n.current() in (i18n.SOURCE, i18n.PSEUDO):
        return day.strftime("%d %b")
    return babel_dates.format_date(day, "d MMM", locale=i18n.babel_locale())


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last `weeks` weeks, oldest first; the last is this week's."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def bucket_by_week(offered: Sequence[datetime], mondays: Sequence[date], today: date) -> list[Week]:
    """Calls counted by the week (Monday to Sunday, the centre's calendar) they were offered in."""
    zone = get_settings().timezone
    counts = dict.fromkeys(mondays, 0)
    for moment in offered:
        day = moment.astimezone(zone).date()
        monday = day - timedelta(days=day.weekday())
        if monday in counts:
            counts[monday] += 1
    last = mondays[-1]
    return [
        Week(monday, counts[monday], partial=monday == last and today < last + timedelta(days=6)) for monday in mondays
    ]


async def weekly_counts(
    query: Query, filters: Filters, scope: list[int] | None, *, today: date | None = None, weeks: int = WEEKS
) -> list[Week]:
    """Calls matching per week over the last `weeks` weeks (this week so far included); the
    filters' own days are not used."""
    zone = get_settings().timezone
    today = today or datetime.now(zone).date()
    mondays = week_starts(today, weeks)
    start, end = day_range(mondays[0], mondays[-1] + timedelta(days=6), zone)
    extra = [(start, 'c."offered_at" >= {}'), (end, 'c."offered_at" < {}')]
    sql = _Sql(query, filters.without_days(), scope, extra=extra)
    rows = await _rows(f'SELECT c."offered_at" FROM {sql.source} WHERE {sql.where}', sql.args)
    return bucket_by_week([stored_time(r["offered_at"]) for r in rows], mondays, today)
