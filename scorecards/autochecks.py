"""Automatic checks on every answered call, kept apart from human evaluations.

The default template version's automatic criteria run on every answered call: the call-data
criteria on all of them, the transcript criteria on those with a finished transcript (undecided
on the others). Each answer is stored per call and criterion in `AutoCheck`, with its evidence
and the basis it was worked from (template version, word-confidence threshold, the call's
fingerprint, when its transcript finished). A run recomputes only the calls whose basis changed,
so running it again changes nothing.

Runs after an import and after each transcript (the package's `after_calls`), and by
`qa autoscore --month`. Reads in batches of calls, so memory stays flat over a month of any
size, and overlaps the work: while one batch is checked (Python, on this thread), the next is
read and the last one written (the database's work: SQLite on its connection threads without
the GIL, PostgreSQL in the server). A large month is shared between processes, one per core
(`processes_for`). benchmarks/autoscore.py times a month of 150,000 calls, 80% transcribed;
docs/benchmarks.md has its figures.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from array import array
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from kit.stats import Estimate, proportion_interval
from kit.timeutil import month_range, stored_time
from qa_app import db
from qa_app.settings import get_settings
from qa_app.tables import Call
from scorecards import automatic, config, trust, trust_store, versions
from scorecards.definition import Criterion
from scorecards.tables import AutoCheck, EvaluationAnswer, EvaluationStatus, PickKind
from transcription.tables import Transcription

PAGE = 5000  # calls per read of the calls and their stored bases
BATCH = 500  # calls per read of transcripts: with one read ahead, two batches' are in memory
# Calls per write transaction. A transaction writes every index page it touches once, and even a
# few hundred calls' answers touch a page per agent in the indexes by agent: fewer, larger
# transactions write far less (on SQLite, 500 calls at a time wrote gigabytes for a month).
WRITE_EVERY = 5000
YIELD_EVERY = 25  # calls checked between yields to the event loop, so reads and writes go on
ID_PAGE = 10_000  # call ids per read when listing a month
# Calls per process in a month's run: below this a second process costs more to start (imports,
# its own connection) than it saves. Checking is Python work and holds the GIL, so the cores of
# the machine are used by processes, each scoring a contiguous share of the month's calls.
CALLS_PER_PROCESS = 20_000
CALL, AGENT = '"call"', '"agent"'  # quoted: "call" is a reserved word in SQL
CALL_COLUMNS = (
    'c."id", c."agent", c."offered_at", c."wait_seconds", c."talk_seconds", c."hold_seconds", '
    'c."transferred", c."fingerprint", t."finished_at" AS "transcribed_at"'
)
FROM_CALLS = """FROM "call" c LEFT JOIN "transcription" t ON t."call" = c."id" AND t."status" = 'done'"""
INSERT_HEAD = (
    'INSERT INTO "auto_check" ("call", "agent", "month", "template", "criterion", "value", "evidence", '
    '"transcribed", "basis")'
)


@dataclass
class Run:
    """What a run found for one month."""

    month: str
    calls: int = 0  # answered calls in the month
    computed: int = 0  # calls answered afresh by this run (new, or their basis changed)
    transcribed: int = 0  # calls whose transcript criteria could be decided
    criteria: dict[str, Counter] = field(default_factory=dict)  # code -> pass / fail / na
    scored: int = 0  # calls of the month with automatic answers now

    @property
    def coverage(self) -> float | None:
        return self.scored / self.calls if self.calls else None

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "calls": self.calls,
            "scored": self.scored,
            "coverage": self.coverage,
            "computed": self.computed,
            "transcribed": self.transcribed,
            "criteria": {
                code: {"pass": c["pass"], "fail": c["fail"], "na": c["na"]} for code, c in sorted(self.criteria.items())
            },
        }


@dataclass(frozen=True)
class Plan:
    template_id: int
    criteria: list[Criterion]
    min_confidence: float

    def basis(self, call: dict[str, Any]) -> str:
        finished = call.get("transcribed_at")
        heard = f"{stored_time(finished).timestamp():.3f}" if finished else "-"
        return f"{self.template_id}:{self.min_confidence:g}:{call.get('fingerprint') or ''}:{heard}"

    @cached_property
    def checks(self) -> automatic.Checks:
        return automatic.Checks(self.criteria, self.min_confidence)


async def plan() -> Plan:
    """The criteria to run: the automatic ones of the default template version."""
    template = await versions.default()
    settings = await config.load()
    criteria = [c for c in versions.definition_of(template).criteria() if c.automatic]
    return Plan(template["id"], criteria, float(settings["automatic"]["min_confidence"]))


def _month_of(offered_at: Any) -> str:
    return stored_time(offered_at).astimezone(get_settings().timezone).strftime("%Y-%m")


async def _stored_bases(call_ids: list[int]) -> dict[int, str]:
    rows = await AutoCheck.raw(
        f'SELECT "call", MIN("basis") AS basis FROM "auto_check" WHERE {db.sql_in(CALL, call_ids)} GROUP BY "call"'
    )
    return {r["call"]: r["basis"] for r in rows}


async def _transcripts(call_ids: list[int]) -> dict[int, Any]:
    """The finished transcripts of these calls as stored: JSON text, which `automatic.Checks`
    reads only as far as it needs. The status is checked here rather than in SQL: given
    `"status" = 'done'`, SQLite's planner walks the status index over every finished transcript
    of the database, for each batch, instead of looking the calls up by their unique index."""
    if not call_ids:
        return {}
    rows = await Transcription.raw(
        f'SELECT "call", "status", "transcript" FROM "transcription" WHERE {db.sql_in(CALL, call_ids)}'
    )
    return {r["call"]: r["transcript"] for r in rows if r["status"] == "done"}


@dataclass
class _Batch:
    """Up to BATCH calls whose basis changed, with their bases and transcripts; `calls` counts
    the calls read for it (the first batch of a page counts the page's)."""

    calls: int
    stale: list[dict[str, Any]]
    bases: dict[int, str]
    transcripts: dict[int, Any]


async def _batches(pages: AsyncIterator[list[dict[str, Any]]], chosen: Plan, *, force: bool) -> AsyncIterator[_Batch]:
    """The pages' calls whose basis changed, BATCH at a time with their transcripts. A page's
    stored bases are read in one query (a re-run with nothing changed reads nothing else)."""
    async for calls in pages:
        bases = {c["id"]: chosen.basis(c) for c in calls}
        stored = {} if force else await _stored_bases(list(bases))
        stale = [c for c in calls if stored.get(c["id"]) != bases[c["id"]]]
        yield _Batch(len(calls), [], {}, {})
        for offset in range(0, len(stale), BATCH):
            part = stale[offset : offset + BATCH]
            transcripts = await _transcripts([c["id"] for c in part if c["transcribed_at"]])
            yield _Batch(0, part, {c["id"]: bases[c["id"]] for c in part}, transcripts)


async def _answer(batch: _Batch, chosen: Plan, month: str | None) -> list[tuple]:
    """The AutoCheck rows of the batch's stale calls. Yields to the event loop now and then, so
    that the read ahead and the write behind go on meanwhile."""
    checks, rows = chosen.checks, []
    for done, call in enumerate(batch.stale, 1):
        transcript = batch.transcripts.get(call["id"])
        call_month = month or _month_of(call["offered_at"])
        heard, basis = transcript is not None, batch.bases[call["id"]]
        for code, result in checks.answer(call, transcript).items():
            row = (call["id"], call["agent"], call_month, chosen.template_id, code, result.value, result.evidence_json)
            rows.append((*row, heard, basis))
        if done % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    return rows


async def _write(call_ids: list[int], rows: list[tuple]) -> None:
    async with db.write_transaction() as tx:
        await db.tune_for_bulk_writes(tx)
        await AutoCheck.delete().where(AutoCheck.call.is_in(call_ids))
        await db.insert_many(tx, INSERT_HEAD, "", rows)


async def _score(
    pages: AsyncIterator[list[dict[str, Any]]], chosen: Plan, *, force: bool, month: str | None
) -> tuple[int, int, int]:
    """Answer the calls whose basis changed, page by page: (calls, computed, with a transcript).
    The next page is read while this one is checked; the answers are written WRITE_EVERY calls
    at a time while the next ones are checked."""

    batches = _batches(pages, chosen, force=force)

    async def read_next() -> _Batch | None:
        return await anext(batches, None)

    async def write(ids: list[int], rows: list[tuple], before: asyncio.Future | None) -> None:
        if before is not None:
            await before  # one writer at a time, in order
        await _write(ids, rows)

    seen = computed = transcribed = 0
    ids: list[int] = []
    rows: list[tuple] = []
    reading: asyncio.Future = asyncio.ensure_future(read_next())
    writing: asyncio.Future | None = None
    try:
        while (batch := await reading) is not None:
            reading = asyncio.ensure_future(read_next())
            seen += batch.calls
            computed += len(batch.stale)
            transcribed += len(batch.transcripts)
            if batch.stale:
                rows += await _answer(batch, chosen, month)
                ids += [c["id"] for c in batch.stale]
            if len(ids) >= WRITE_EVERY:
                if writing is not None and writing.done():
                    writing.result()  # a failed write stops the run now, not at its end
                writing = asyncio.ensure_future(write(ids, rows, writing))
                ids, rows = [], []
        if ids:
            writing = asyncio.ensure_future(write(ids, rows, writing))
        if writing is not None:
            await writing
    finally:
        for task in (reading, writing):  # after a failure: nothing left running behind us
            if task is not None and not task.done():
                task.cancel()
            if task is not None:
                await asyncio.gather(task, return_exceptions=True)
    return seen, computed, transcribed


async def _month_ids(first: date) -> array:
    """The ids of the month's answered calls, in order: 8 bytes a call. Read a page at a time
    along the (offered_at, id) index, each page starting after the last one's last call (its
    time read back in SQL, so stored values are compared, whatever their text form)."""
    start, end = month_range(first, get_settings().timezone)
    answered = """FROM "call" c WHERE c."offered_at" < {} AND c."disposition" <> 'abandoned' """
    order = 'ORDER BY c."offered_at", c."id" LIMIT ' + str(ID_PAGE)
    found = array("q")
    page = await Call.raw(f'SELECT c."id" {answered} AND c."offered_at" >= {{}} {order}', end, start)
    while page:
        found.extend(r["id"] for r in page)
        if len(page) < ID_PAGE:
            break
        after = 'SELECT "offered_at", "id" FROM "call" WHERE "id" = ' + str(int(page[-1]["id"]))
        page = await Call.raw(f'SELECT c."id" {answered} AND (c."offered_at", c."id") > ({after}) {order}', end)
    return array("q", sorted(found))


async def _call_pages(call_ids: Sequence[int], *, month: date | None = None) -> AsyncIterator[list[dict[str, Any]]]:
    """These calls (those still answered, and in `month` if given), PAGE at a time in id order:
    looked up by primary key, and their answers inserted in call order, which keeps the writes
    to the indexes on the call short (in time order they land all over them)."""
    within = ""
    if month is not None:
        start, end = month_range(month, get_settings().timezone)
        within = ' AND c."offered_at" >= {} AND c."offered_at" < {}'
    for offset in range(0, len(call_ids), PAGE):
        chunk = list(call_ids[offset : offset + PAGE])
        yield await Call.raw(
            f"SELECT {CALL_COLUMNS} {FROM_CALLS} "
            f"""WHERE c."disposition" <> 'abandoned' AND {db.sql_in('c."id"', chunk)}{within}""",
            *((start, end) if month is not None else ()),
        )


def processes_for(calls: int, cores: int | None = None) -> int:
    """How many processes a month of `calls` is scored with: one per CALLS_PER_PROCESS calls, at
    most one per core."""
    return max(1, min(cores or os.cpu_count() or 1, calls // CALLS_PER_PROCESS))


def _score_share(url: str, call_ids: array, first: date, chosen: Plan, force: bool) -> tuple[int, int, int]:
    """A child process's share of a month (`score_month`): its own connection to the same database."""

    async def run() -> tuple[int, int, int]:
        db.use_database(url)
        try:
            key = first.strftime("%Y-%m")
            return await _score(_call_pages(call_ids, month=first), chosen, force=force, month=key)
        finally:
            await db.close_pool()

    return asyncio.run(run())


async def score_month(first: date, *, force: bool = False, processes: int | None = None) -> Run:
    """Answer the automatic criteria on every answered call of the month (see the module). A large
    month is shared between `processes` (by default `processes_for` its size): this process
    scores the first share, children the others, each writing its own calls' answers."""
    chosen = await plan()
    key = first.strftime("%Y-%m")
    run = Run(month=key)
    ids = await _month_ids(first)
    shares = processes or processes_for(len(ids))
    size = -(-len(ids) // shares) if ids else 0
    parts = [ids[offset : offset + size] for offset in range(0, len(ids), size)] if size else [ids]
    if len(parts) > 1:
        loop = asyncio.get_running_loop()
        spawn = multiprocessing.get_context("spawn")  # never fork a process with an event loop and threads
        with ProcessPoolExecutor(max_workers=len(parts) - 1, mp_context=spawn) as pool:
            others = [
                loop.run_in_executor(pool, _score_share, db.current_url(), part, first, chosen, force)
                for part in parts[1:]
            ]
            try:
                mine = await _score(_call_pages(parts[0], month=first), chosen, force=force, month=key)
            finally:
                results = await asyncio.gather(*others, return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise failed[0]
        totals = [mine, *results]
    else:
        totals = [await _score(_call_pages(ids, month=first), chosen, force=force, month=key)]
    run.calls, run.computed, run.transcribed = (sum(t[k] for t in totals) for k in range(3))
    # Calls that stopped being answered calls (a corrected import) keep no automatic answers.
    async with db.write_transaction():
        await AutoCheck.delete().where(
            (AutoCheck.month == key) & AutoCheck.call.is_in(Call.select(Call.id).where(Call.disposition == "abandoned"))
        )
    run.criteria, run.scored = await month_counts(key)
    return run


async def score_calls(call_ids: Sequence[int]) -> int:
    """Answer the automatic criteria on these calls (after an import or a transcript); the
    number of calls answered afresh."""
    chosen = await plan()
    _seen, computed, _transcribed = await _score(_call_pages(sorted(set(call_ids))), chosen, force=False, month=None)
    return computed


async def after_calls(call_ids: Sequence[int]) -> None:
    """The package's hook: calls were imported or transcribed."""
    await score_calls(call_ids)


async def month_counts(key: str, agent_ids: list[int] | None = None) -> tuple[dict[str, Counter], int]:
    """Pass / fail / na per criterion over the month's stored answers, and how many calls have them."""
    where = f'"month" = {{}}{" AND " + db.sql_in(AGENT, agent_ids) if agent_ids is not None else ""}'
    rows = await AutoCheck.raw(
        f'SELECT "criterion", "value", COUNT(*) AS n FROM "auto_check" WHERE {where} GROUP BY "criterion", "value"',
        key,
    )
    counts: dict[str, Counter] = {}
    for row in rows:
        outcome = "na" if row["value"] is None else ("pass" if row["value"] >= 1 else "fail")
        counts.setdefault(row["criterion"], Counter())[outcome] += row["n"]
    scored = await AutoCheck.raw(f'SELECT COUNT(DISTINCT "call") AS n FROM "auto_check" WHERE {where}', key)
    return counts, scored[0]["n"] if scored else 0


async def for_call(call_id: int) -> dict[str, dict[str, Any]]:
    """The stored automatic answers of one call, by criterion code."""
    rows = (
        await AutoCheck.select(AutoCheck.criterion, AutoCheck.value, AutoCheck.evidence, AutoCheck.template)
        .where(AutoCheck.call == call_id)
        .output(load_json=True)
    )
    return {r["criterion"]: r for r in rows}


@dataclass(frozen=True)
class CriterionMonth:
    """One automatic criterion over a month: its pass rate over every checked call (the
    machine's) beside its pass rate over the calls QA marked (random picks only), each with its n
    and interval, and whether the machine's figure counts (the trust layer)."""

    code: str
    title: str
    machine: Estimate  # over every call the machine could decide
    undecided: int  # calls it could not decide (no transcript yet, nothing recorded)
    marked: Estimate  # over the month's marked random picks
    trust: trust.Trust

    @property
    def counts(self) -> bool:
        return self.trust.counts


async def month_criteria(first: date, agent_ids: list[int] | None) -> list[CriterionMonth]:
    """Every automatic criterion of the default template for these agents' month (None: all)."""
    key = first.strftime("%Y-%m")
    counts, _scored = await month_counts(key, agent_ids)
    standings = await trust_store.standings()
    released = [s.value for s in EvaluationStatus if s is not EvaluationStatus.draft]
    where = (
        (EvaluationAnswer.evaluation.month == key)
        & EvaluationAnswer.evaluation.calibration.is_null()
        & EvaluationAnswer.evaluation.status.is_in(released)
        & EvaluationAnswer.passed.is_not_null()
        & (
            EvaluationAnswer.evaluation.assignment.is_null()
            | (EvaluationAnswer.evaluation.assignment.kind != PickKind.targeted)
        )
    )
    if agent_ids is not None:
        where &= EvaluationAnswer.evaluation.agent.is_in(agent_ids or [-1])
    marked: dict[str, Counter] = {}
    for row in await EvaluationAnswer.select(EvaluationAnswer.criterion, EvaluationAnswer.passed).where(where):
        marked.setdefault(row["criterion"], Counter())[bool(row["passed"])] += 1
    result = []
    for criterion in await trust_store.automatic_criteria():
        machine = counts.get(criterion.code, Counter())
        human = marked.get(criterion.code, Counter())
        result.append(
            CriterionMonth(
                code=criterion.code,
                title=criterion.title,
                machine=proportion_interval(machine["pass"], machine["pass"] + machine["fail"]),
                undecided=machine["na"],
                marked=proportion_interval(human[True], human[True] + human[False]),
                trust=standings[criterion.code],
            )
        )
    return result
