"""Which calls to mark: the rules of the monthly sample, as plain functions over plain data.

- Each eligible call gets a rank from a keyed hash of (seed, external id): random, but fixed
  for a call whatever else is in the month, so adding calls later never changes how the
  existing ones compare, and a re-run with the same seed picks the same calls.
- Picks are spread across the weeks of the month (days 1-7, 8-14, 15-21, 22-28, 29-end): each
  pick goes to the week with the fewest picks so far that still has calls (ties in a seeded
  order of the weeks), and takes that week's best-ranked call. With six picks and five weeks
  every week with calls gets one before any gets two.
- An agent with fewer eligible calls than asked for gets them all and is flagged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


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
