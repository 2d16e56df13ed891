"""Which calls to mark: the rules of the monthly sample, as plain functions over plain data.

- Each eligible call gets a rank from a keyed hash of (seed, external id): random, but fixed
  for a call whatever else is in the month, so adding calls later never changes how the
  existing ones compare, and a re-run with the same seed picks the same calls.
- Picks are spread across the weeks of the month (days 1-7, 8-14, 15-21, 22-28, 29-end): each
  pick goes to the week with the fewest picks so far that still has calls (ties in a seeded
  order of the weeks), and takes that week's best-ranked call. With six picks and five weeks
  every week with calls gets one before any gets two.
- An agent with fewer eligible calls than asked for gets them all and is flagged.
- Targeted picks come from flagged calls (scorecards/flags.py), spread over the kinds of flag
  and over agents, in a seeded order; they are reported apart from the random picks.
- Enough calls to decide: when an agent's interval straddles the quality target, how many more
  marked calls at the current mean and spread would put it on one side (`more_to_settle`).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kit.stats import mean_from_sums


@dataclass(frozen=True)
class Candidate:
    call_id: int
    external_id: str
    agent_id: int
    day: int  # day of the month in the centre's time zone


def week_of(day: int) -> int:
    """0 for days 1-7, ... 4 for days 29-31."""
    return (day - 1) // 7


def rank(seed: int, key: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest(), "big")


def pick(
    candidates: Sequence[Candidate], need: int, seed: int, *, already_by_week: Iterable[int] = ()
) -> list[Candidate]:
    """Up to `need` of one agent's candidates, spread over the weeks; `already_by_week` lists
    the weeks of picks the agent has already (so a top-up keeps the spread)."""
    if need <= 0 or not candidates:
        return []
    weeks: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        weeks.setdefault(week_of(candidate.day), []).append(candidate)
    for calls in weeks.values():
        calls.sort(key=lambda c: rank(seed, c.external_id), reverse=True)  # best last: pop()
    agent = candidates[0].agent_id
    order = {week: rank(seed, f"week:{agent}:{week}") for week in weeks}
    taken = {week: 0 for week in weeks}
    for week in already_by_week:
        taken[week] = taken.get(week, 0) + 1
    chosen = []
    while len(chosen) < need:
        open_weeks = [w for w, calls in weeks.items() if calls]
        if not open_weeks:
            break
        week = min(open_weeks, key=lambda w: (taken[w], order[w]))
        chosen.append(weeks[week].pop())
        taken[week] += 1
    return chosen


def balance_markers(new_picks: int, workload: dict[int, int]) -> list[int]:
    """The marker for each of `new_picks` picks: always the one with the least work so far
    (ties by user id), so that loads differ by at most one where they can."""
    load = dict(workload)
    result = []
    for _ in range(new_picks):
        marker = min(load, key=lambda m: (load[m], m))
        load[marker] += 1
        result.append(marker)
    return result


@dataclass(frozen=True)
class Flagged:
    """A flagged call not yet in the sample, with the kinds of its flags."""

    call_id: int
    external_id: str
    agent_id: int
    day: int
    kinds: tuple[str, ...]


def pick_targeted(
    flagged: Sequence[Flagged], n: int, seed: int, *, already: Iterable[tuple[int, str]] = ()
) -> list[tuple[Flagged, str]]:
    """Up to `n` flagged calls, each with the kind of flag it is picked for, spread over the
    kinds and the agents: each pick takes the kind with the fewest picks so far (ties in a
    seeded order), within it the agent with the fewest targeted picks so far (ties seeded),
    and that agent's best-ranked call with that flag. `already` lists (agent, kind) of the
    month's targeted picks so far. The same calls and seed give the same picks."""
    pools: dict[str, dict[int, list[Flagged]]] = {}
    for call in flagged:
        for kind in call.kinds:
            pools.setdefault(kind, {}).setdefault(call.agent_id, []).append(call)
    for by_agent in pools.values():
        for calls in by_agent.values():
            calls.sort(key=lambda c: rank(seed, f"targeted:{c.external_id}"), reverse=True)  # best last
    per_kind: Counter[str] = Counter()
    per_agent: Counter[int] = Counter()
    for agent, kind in already:
        per_agent[agent] += 1
        per_kind[kind] += 1
    taken: set[int] = set()
    chosen: list[tuple[Flagged, str]] = []
    while len(chosen) < n:
        for by_agent in pools.values():
            for agent in list(by_agent):
                calls = by_agent[agent]
                while calls and calls[-1].call_id in taken:
                    calls.pop()
                if not calls:
                    del by_agent[agent]
        open_kinds = [kind for kind, by_agent in pools.items() if by_agent]
        if not open_kinds:
            break
        kind = min(open_kinds, key=lambda k: (per_kind[k], rank(seed, f"kind:{k}")))
        agent = min(pools[kind], key=lambda a: (per_agent[a], rank(seed, f"agent:{a}")))
        call = pools[kind][agent].pop()
        taken.add(call.call_id)
        per_kind[kind] += 1
        per_agent[agent] += 1
        chosen.append((call, kind))
    return chosen


def more_to_settle(
    scores: Sequence[float],
    target: float,
    *,
    bounds: tuple[float, float] | None = None,
    confidence: float = 0.95,
    limit: int = 1000,
) -> int | None:
    """How many more marked calls, at the current mean and spread, would put the interval of
    the mean entirely on one side of `target`: 0 when it is already, None when no number up to
    `limit` would (the mean is on the target) or the spread is unknown (fewer than two scores).

    The interval is kit.stats' (`mean_from_sums`): Student's t (scipy's quantile) without
    `bounds`, the bounded interval the quality figure uses with them. It narrows as calls are
    added, so the smallest number is found by bisection.
    """
    n = len(scores)
    if n < 2:
        return None
    mean = math.fsum(scores) / n
    variance = math.fsum((s - mean) ** 2 for s in scores) / (n - 1)

    def settled(more: int) -> bool:
        size = n + more
        estimate = mean_from_sums(size, mean * size, (size - 1) * variance + size * mean * mean, confidence, bounds)
        if estimate.low is None or estimate.high is None:
            return False
        return estimate.high < target or estimate.low > target

    if settled(0):
        return 0
    if not settled(limit):
        return None
    low, high = 0, limit  # not settled at low, settled at high
    while high - low > 1:
        middle = (low + high) // 2
        if settled(middle):
            high = middle
        else:
            low = middle
    return high
