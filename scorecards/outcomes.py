"""Which criteria matter: how a criterion's result relates to what happened after the call, as
plain functions over plain data (no database, no web).

For one criterion and one outcome the input is a list of (passed, outcome) pairs, one per call:
`passed` is the criterion's result on the call, `outcome` whether the outcome happened (the
resident was satisfied, rang again within 7 days, had the case reopened), None when it is not
known (no survey answer, no case, too soon to tell); unknown outcomes are left out.

The figure is the difference in outcome rate, passed calls minus failed calls, with each side's
rate and n and a 95% interval for the difference: Newcombe's hybrid score interval (method 10
of Newcombe 1998), built from the two sides' Wilson score intervals (scipy's, through
`kit.stats.proportion_interval`). With p1, p2 the rates and [l1, u1], [l2, u2] their Wilson
intervals, d = p1 - p2 and

    low  = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)
    high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)

It stays inside -1..1, behaves at rates of 0 and 1 and on small n, and needs no iteration.

The verdict, in the order it is decided:
- "too few to judge" when either side has fewer than `min_n` calls (no verdict on so few);
- "related" when the interval excludes 0; `better` says whether passed calls had the better
  outcome (a higher satisfied rate, a lower repeat or reopened rate);
- "predicts nothing we can see" when the interval includes 0 and is narrow: its half-width,
  (high - low) / 2, is at most `max_half_width` (10 points by default), so whatever difference
  there is must be small. Such a criterion is a candidate to drop;
- "too few to judge" otherwise: the interval includes 0 but is too wide to say the difference
  is small.

A criterion is named a candidate to drop (for one source of results) when it is related to no
outcome and predicts nothing we can see on at least one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cases.case_rules import DONE_STATUSES, OPEN_STATUSES
from kit.stats import Estimate, proportion_interval

RELATED = "related"
NOTHING = "predicts nothing we can see"
TOO_FEW = "too few to judge"

MAX_HALF_WIDTH = 0.10  # an interval around 0 at most ±10 points wide: the difference is small
REPEAT_WITHIN_DAYS = 7


@dataclass(frozen=True)
class Outcome:
    code: str
    title: str  # what the rate counts, in words
    higher_is_better: bool


OUTCOMES = (
    Outcome("csat", "Resident satisfied (survey answer 4 or 5)", True),
    Outcome("repeat", f"Repeat contact within {REPEAT_WITHIN_DAYS} days", False),
    Outcome("reopened", "Case reopened", False),
)
OUTCOME_BY_CODE = {o.code: o for o in OUTCOMES}

Pair = tuple[bool, bool | None]


@dataclass(frozen=True)
class Comparison:
    """Passed calls against failed calls on one outcome."""

    passed: Estimate  # the outcome rate among passed calls, with its n and Wilson interval
    failed: Estimate
    difference: Estimate  # passed rate minus failed rate; n is both sides together
    enough: bool  # both sides have at least min_n calls
    verdict: str  # RELATED, NOTHING or TOO_FEW
    better: bool | None  # when related: whether passed calls had the better outcome

    @property
    def candidate(self) -> bool:
        return self.verdict == NOTHING


def difference_interval(successes_1: int, n_1: int, successes_2: int, n_2: int, confidence: float = 0.95) -> Estimate:
    """p1 - p2 with Newcombe's hybrid score interval from the two Wilson intervals; no value
    when either side is empty."""
    first = proportion_interval(successes_1, n_1, confidence)
    second = proportion_interval(successes_2, n_2, confidence)
    return _newcombe(first, second)


def _newcombe(first: Estimate, second: Estimate) -> Estimate:
    n = first.n + second.n
    if first.value is None or second.value is None:
        return Estimate(None, n, None, None)
    p1, p2 = first.value, second.value
    d = p1 - p2
    low = d - math.sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2)
    high = d + math.sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2)
    return Estimate(d, n, max(-1.0, low), min(1.0, high))


def compare(
    pairs: Iterable[Pair],
    *,
    higher_is_better: bool = True,
    min_n: int = 5,
    max_half_width: float = MAX_HALF_WIDTH,
    confidence: float = 0.95,
) -> Comparison:
    """The difference in outcome rate between passed and failed calls, and its verdict (see
    the module's notes). Pairs whose outcome is None are left out."""
    counts = {True: [0, 0], False: [0, 0]}  # passed -> [calls, with the outcome]
    for passed, outcome in pairs:
        if outcome is None:
            continue
        side = counts[bool(passed)]
        side[0] += 1
        side[1] += bool(outcome)
    passed = proportion_interval(counts[True][1], counts[True][0], confidence)
    failed = proportion_interval(counts[False][1], counts[False][0], confidence)
    difference = _newcombe(passed, failed)
    enough = passed.n >= min_n and failed.n >= min_n
    verdict, better = TOO_FEW, None
    if enough and difference.low is not None:
        if difference.low > 0 or difference.high < 0:
            verdict = RELATED
            better = (difference.value > 0) == higher_is_better
        elif (difference.high - difference.low) / 2 <= max_half_width:
            verdict = NOTHING
    return Comparison(passed, failed, difference, enough, verdict, better)


def compare_all(
    pairs_by_outcome: Mapping[str, Mapping[str, Sequence[Pair]]],
    *,
    min_n: int = 5,
    max_half_width: float = MAX_HALF_WIDTH,
) -> dict[str, dict[str, Comparison]]:
    """{outcome code: {criterion: Comparison}} for {outcome code: {criterion: pairs}}."""
    return {
        outcome: {
            criterion: compare(
                pairs,
                higher_is_better=OUTCOME_BY_CODE[outcome].higher_is_better,
                min_n=min_n,
                max_half_width=max_half_width,
            )
            for criterion, pairs in sorted(by_criterion.items())
        }
        for outcome, by_criterion in pairs_by_outcome.items()
    }


def candidates_to_drop(results: Mapping[str, Mapping[str, Comparison]]) -> list[tuple[str, list[str]]]:
    """Criteria related to no outcome that predict nothing we can see on at least one:
    [(criterion, [outcome codes where it predicts nothing])], by criterion."""
    related: set[str] = set()
    nothing: dict[str, list[str]] = {}
    for outcome, by_criterion in results.items():
        for criterion, comparison in by_criterion.items():
            if comparison.verdict == RELATED:
                related.add(criterion)
            elif comparison.candidate:
                nothing.setdefault(criterion, []).append(outcome)
    return [(c, outcomes) for c, outcomes in sorted(nothing.items()) if c not in related]


# --- the outcomes of one call ---------------------------------------------------------------------


def satisfied(satisfaction: int | None) -> bool | None:
    """CSAT's rule (surveys/figures.py): an answer of 4 or 5 is satisfied; no answer, unknown."""
    return None if satisfaction is None else satisfaction >= 4


def repeated_within(
    opened_at: datetime, repeats_opened_at: Iterable[datetime], now: datetime, days: int = REPEAT_WITHIN_DAYS
) -> bool | None:
    """Whether a case was repeated within `days` of being opened. `repeats_opened_at` are the
    opening times of the cases that repeat it (the case register's rule, `case_rules.repeat_of`:
    the same caller or address, the same service). None while the `days` have not passed yet
    and no repeat came."""
    window = timedelta(days=days)
    if any(timedelta(0) <= later - opened_at <= window for later in repeats_opened_at):
        return True
    return False if now - opened_at >= window else None


def reopened(statuses: Sequence[str]) -> bool | None:
    """Whether a case was reopened, from its statuses in time order (its history, the opening
    included): an open status after a resolved or closed one. None for a case never resolved
    or closed, which cannot have been reopened yet."""
    closed = False
    for status in statuses:
        if status in DONE_STATUSES:
            closed = True
        elif status in OPEN_STATUSES and closed:
            return True
    return False if closed else None


def any_of(values: Iterable[bool | None]) -> bool | None:
    """A call's outcome from its cases' outcomes: True if any is, False if none is and one is
    known to be False, None when none is known."""
    known = [v for v in values if v is not None]
    return any(known) if known else None
