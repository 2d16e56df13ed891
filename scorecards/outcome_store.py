"""Which criteria matter, on the database: the (passed, outcome) pairs of a period for
`scorecards/outcomes.py`, per source of results, outcome and criterion.

Results come from two sources, kept apart:
- "human": QA marks, the answers (not N/A) on released, non-calibration evaluations of random
  picks (targeted picks are chosen for a reason and would bias the comparison);
- "automatic": the automatic results on every call (AutoCheck, 1 pass or 0 fail), of the
  criteria the trust layer trusts only (the caller passes them in).

Outcomes of a call (see `outcomes.py` for the rules):
- csat: the resident's satisfaction answer about the call was 4 or 5 (the latest answer, when
  there are several); calls without an answer are left out;
- repeat: a case logged from the call was repeated (the case register's `repeat_of` link: the
  same caller or address, the same service) within 7 days of being opened; calls without a
  case, or whose case is younger than 7 days and not repeated yet, are left out;
- reopened: a case logged from the call went back to an open status after being resolved or
  closed; calls without a case that was ever resolved or closed are left out.

The period is whole months in the centre's time zone: by default the last three full months.
Every read is one grouped query, whatever the number of calls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from cases.tables import Case, CaseEvent, CaseLink
from kit.timeutil import current_month, month_range, previous_month, stored_time
from qa_app.i18n import _l
from qa_app.settings import get_settings
from scorecards import outcomes
from scorecards.definition import DefinitionError
from scorecards.evaluations import AFTER_RELEASE
from scorecards.tables import AutoCheck, EvaluationAnswer, PickKind, ScorecardTemplate
from scorecards.versions import definition_of
from surveys.tables import SurveyResponse

HUMAN = "human"
AUTOMATIC = "automatic"
SOURCES = {HUMAN: _l("QA marks (random picks)"), AUTOMATIC: _l("Automatic checks (trusted criteria)")}

# source -> outcome code -> criterion code -> [(passed, outcome)]
PairsBySource = dict[str, dict[str, dict[str, list[outcomes.Pair]]]]


@dataclass(frozen=True)
class Gathered:
    months: list[date]  # the period's months, oldest first
    pairs: PairsBySource
    titles: dict[str, str]  # criterion code -> its title in the newest template that has it


def default_months(now: datetime | None = None) -> list[date]:
    """The last three full months in the centre's time zone, oldest first."""
    last = previous_month(current_month(get_settings().timezone, now))
    return [previous_month(previous_month(last)), previous_month(last), last]


CASES_PER_READ = 900  # ids per IN list: under SQLite's oldest limit of 999 variables


def _keys(months: Sequence[date]) -> list[str]:
    return [m.strftime("%Y-%m") for m in months]


def _period(months: Sequence[date]) -> tuple[datetime, datetime]:
    """The UTC start and end of the months (whole months in the centre's zone)."""
    zone = get_settings().timezone
    return month_range(min(months), zone)[0], month_range(max(months), zone)[1]


# Every read goes from the (few) survey answers and case links to their calls by the call's key,
# never from the (many) calls of the months: a year of a 300-agent centre has a quarter of a
# million calls in three months and a few thousand of them with a case (issue 14: the outcomes
# page took 1,100 ms there, now about 400).
# An answer comes after its call, so only answers made since the period began can be about it.
ANSWERS = """
    SELECT r."call", r."satisfaction" FROM "survey_response" r JOIN "call" c ON c."id" = r."call"
    WHERE r."satisfaction" IS NOT NULL AND r."created_at" >= {} AND c."offered_at" >= {} AND c."offered_at" < {}
    ORDER BY r."created_at", r."id"
"""
# Each link's call looked up by its key: a join let PostgreSQL walk the calls' key from the
# first linked call to the last (130 ms for 6,000 links, against 24 ms).
LINKS = """
    SELECT x."call", x."case", k."created_at" AS "opened_at" FROM (
        SELECT l."ref" AS "call", l."case", (SELECT c."offered_at" FROM "call" c WHERE c."id" = l."ref") AS "offered"
        FROM "case_link" l WHERE l."kind" = 'call'
    ) x JOIN "case" k ON k."id" = x."case"
    WHERE x."offered" >= {} AND x."offered" < {}
"""


async def call_outcomes(months: Sequence[date], now: datetime | None = None) -> dict[int, dict[str, bool | None]]:
    """{call id: {outcome code: True, False or None}} for the calls of the months that have a
    survey answer or a case; `now` decides whether 7 days have passed since a case was opened."""
    now = now or datetime.now(timezone.utc)
    result: dict[int, dict[str, bool | None]] = defaultdict(lambda: dict.fromkeys(outcomes.OUTCOME_BY_CODE))
    start, end = _period(months)

    for row in await SurveyResponse.raw(ANSWERS, start, start, end):  # oldest first: the latest answer wins
        result[row["call"]]["csat"] = outcomes.satisfied(row["satisfaction"])

    links = await CaseLink.raw(LINKS, start, end)
    if not links:
        return dict(result)
    cases = sorted({row["case"] for row in links})
    repeats: dict[int, list[datetime]] = defaultdict(list)
    statuses: dict[int, list[str]] = defaultdict(list)
    for first in range(0, len(cases), CASES_PER_READ):
        chunk = cases[first : first + CASES_PER_READ]
        for row in await Case.select(Case.repeat_of, Case.created_at).where(Case.repeat_of.is_in(chunk)):
            repeats[row["repeat_of"]].append(stored_time(row["created_at"]))
        for row in (
            await CaseEvent.select(CaseEvent.case, CaseEvent.status)
            .where(CaseEvent.case.is_in(chunk))
            .order_by(CaseEvent.at, CaseEvent.id)
        ):
            statuses[row["case"]].append(row["status"])

    by_call: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in links:
        by_call[row["call"]].append(row)
    for call, linked in by_call.items():
        result[call]["repeat"] = outcomes.any_of(
            outcomes.repeated_within(stored_time(c["opened_at"]), repeats.get(c["case"], []), now) for c in linked
        )
        result[call]["reopened"] = outcomes.any_of(outcomes.reopened(statuses.get(c["case"], [])) for c in linked)
    return dict(result)


async def human_results(months: Sequence[date]) -> list[tuple[int, str, bool]]:
    """(call, criterion, passed) of the QA marks that count: answered (not N/A) on released,
    non-calibration evaluations of random picks of the months."""
    answer = EvaluationAnswer
    rows = await answer.select(answer.evaluation.call.as_alias("call"), answer.criterion, answer.passed).where(
        answer.evaluation.month.is_in(_keys(months))
        & answer.evaluation.calibration.is_null()
        & answer.evaluation.status.is_in([s.value for s in AFTER_RELEASE])
        & (answer.evaluation.assignment.kind == PickKind.random.value)
        & answer.passed.is_not_null()
        & (answer.na == False)  # noqa: E712
    )
    return [(r["call"], r["criterion"], bool(r["passed"])) for r in rows]


async def automatic_results(months: Sequence[date], trusted: set[str]) -> list[tuple[int, str, bool]]:
    """(call, criterion, passed) of the decided automatic results of trusted criteria, on the
    calls of the months that have a survey answer or a case (the others have no outcome)."""
    if not trusted:
        return []
    start = _period(months)[0]  # an answer about a call of the months was made after they began
    answered = SurveyResponse.select(SurveyResponse.call).where(
        SurveyResponse.satisfaction.is_not_null() & (SurveyResponse.created_at >= start)
    )
    with_outcome = AutoCheck.call.is_in(answered) | AutoCheck.call.is_in(
        CaseLink.select(CaseLink.ref).where(CaseLink.kind == "call")
    )
    rows = await AutoCheck.select(AutoCheck.call, AutoCheck.criterion, AutoCheck.value).where(
        AutoCheck.month.is_in(_keys(months))
        & AutoCheck.criterion.is_in(sorted(trusted))
        & AutoCheck.value.is_not_null()
        & with_outcome
    )
    # One result per call and criterion (a unique index), so no order is needed.
    return [(r["call"], r["criterion"], r["value"] >= 1) for r in rows]


async def automatic_criteria(months: Sequence[date]) -> set[str]:
    """The criteria with automatic results in the months."""
    rows = await AutoCheck.select(AutoCheck.criterion).where(AutoCheck.month.is_in(_keys(months))).distinct()
    return {r["criterion"] for r in rows}


async def criterion_titles() -> dict[str, str]:
    """Criterion code -> title, the newest template version's wording winning."""
    titles: dict[str, str] = {}
    rows = (
        await ScorecardTemplate.select(ScorecardTemplate.definition)
        .order_by(ScorecardTemplate.id)
        .output(load_json=True)
    )
    for row in rows:
        try:
            titles.update({c.code: c.title for c in definition_of(row).criteria()})
        except (DefinitionError, KeyError, TypeError, AttributeError):  # an unreadable old version: skip it
            continue
    return titles


async def gather(months: Sequence[date], trusted: set[str], now: datetime | None = None) -> Gathered:
    """The pairs of the months, by source, outcome and criterion (only calls whose outcome is
    known), with the criteria's titles."""
    months = sorted(months)
    known = await call_outcomes(months, now)
    pairs: PairsBySource = {}
    for source, results in (
        (HUMAN, await human_results(months)),
        (AUTOMATIC, await automatic_results(months, trusted)),
    ):
        by_outcome: dict[str, dict[str, list[outcomes.Pair]]] = {o.code: defaultdict(list) for o in outcomes.OUTCOMES}
        for call, criterion, passed in results:
            for by_criterion in by_outcome.values():  # every criterion with results is listed, n 0 or not
                by_criterion.setdefault(criterion, [])
            for code, happened in known.get(call, {}).items():
                if happened is not None:
                    by_outcome[code][criterion].append((passed, happened))
        pairs[source] = {code: dict(by_criterion) for code, by_criterion in by_outcome.items()}
    return Gathered(months=list(months), pairs=pairs, titles=await criterion_titles())
