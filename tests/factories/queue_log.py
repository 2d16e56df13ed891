"""Writes realistic Asterisk queue_log files and returns what each call really was.

Calls arrive through the month's working hours; each one rings agents (RINGNOANSWER), is
answered (CONNECT, then COMPLETEAGENT/COMPLETECALLER or TRANSFER) or given up on (ABANDON,
EXITWITHTIMEOUT). Events of overlapping calls interleave as in a real log: a heap releases them
in time order, so a million calls are written in flat memory.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TextIO


@dataclass(slots=True)
class TrueCall:
    callid: str
    queue: str
    agent: str | None  # interface
    offered: int  # epoch seconds
    answered: int | None
    ended: int
    wait: int
    talk: int
    outcome: str  # answered | transferred | abandoned | timeout
    caller: str


def interfaces(count: int) -> list[str]:
    return [f"PJSIP/{2001 + i}" for i in range(count)]


def _days(year: int, month: int) -> Iterator[date]:
    day = date(year, month, 1)
    while day.month == month:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def generate(
    handle: TextIO,
    *,
    calls: int,
    agents: int = 40,
    year: int = 2026,
    month: int = 9,
    seed: int = 7,
    keep_truth: bool = True,
) -> list[TrueCall]:
    """Write about `calls` calls spread over the weekdays of the month; return their truth
    (an empty list when keep_truth is False, for very large files)."""
    rng = random.Random(seed)
    members = interfaces(agents)
    queues = ["general", "waste", "tax", "housing"]
    days = list(_days(year, month))
    truth: list[TrueCall] = []
    pending: list[tuple[int, int, str]] = []  # (time, order, line)
    order = 0
    start = int(datetime.combine(days[0], time(7, 55), tzinfo=timezone.utc).timestamp())
    handle.write(f"{start}|NONE|NONE|NONE|QUEUESTART|\n")
    for member in members:
        handle.write(f"{start}|NONE|general|{member}|ADDMEMBER|\n")
    written = 0
    sequence = 0

    def emit(when: int, line: str) -> None:
        nonlocal order
        order += 1
        heapq.heappush(pending, (when, order, line))

    for index, day in enumerate(days):
        target = calls * (index + 1) // len(days) - written
        opening = int(datetime.combine(day, time(8, 0), tzinfo=timezone.utc).timestamp())
        seconds_open = 10 * 3600
        arrivals = sorted(opening + rng.randrange(seconds_open) for _ in range(target))
        for offered in arrivals:
            while pending and pending[0][0] <= offered:
                handle.write(heapq.heappop(pending)[2])
            sequence += 1
            written += 1
            callid = f"{offered}.{sequence}"
            queue = rng.choice(queues)
            caller = f"07{rng.randint(10000000, 99999999)}"
            handle.write(f"{offered}|{callid}|{queue}|NONE|ENTERQUEUE||{caller}|{rng.randint(1, 6)}\n")
            wait = int(rng.expovariate(1 / 35))
            roll = rng.random()
            if roll < 0.05:
                outcome, wait = "abandoned", wait + 1
            elif roll < 0.07:
                outcome, wait = "timeout", 300
            elif roll < 0.12:
                outcome = "transferred"
            else:
                outcome = "answered"
            if outcome in ("abandoned", "timeout"):
                event = "ABANDON" if outcome == "abandoned" else "EXITWITHTIMEOUT"
                emit(offered + wait, f"{offered + wait}|{callid}|{queue}|NONE|{event}|1|1|{wait}\n")
                if keep_truth:
                    truth.append(TrueCall(callid, queue, None, offered, None, offered + wait, wait, 0, outcome, caller))
                continue
            agent = rng.choice(members)
            if wait > 15 and rng.random() < 0.5:
                other = rng.choice(members)
                emit(offered + wait - 15, f"{offered + wait - 15}|{callid}|{queue}|{other}|RINGNOANSWER|15000\n")
            talk = max(10, int(rng.lognormvariate(5.3, 0.5)))
            answered = offered + wait
            ended = answered + talk
            emit(answered, f"{answered}|{callid}|{queue}|{agent}|CONNECT|{wait}|{callid}.1|{rng.randint(1, 9)}\n")
            if outcome == "transferred":
                emit(ended, f"{ended}|{callid}|{queue}|{agent}|TRANSFER|2100|from-internal|{wait}|{talk}|1\n")
            else:
                event = rng.choice(["COMPLETEAGENT", "COMPLETECALLER"])
                emit(ended, f"{ended}|{callid}|{queue}|{agent}|{event}|{wait}|{talk}|1\n")
            if keep_truth:
                truth.append(TrueCall(callid, queue, agent, offered, answered, ended, wait, talk, outcome, caller))
    while pending:
        handle.write(heapq.heappop(pending)[2])
    return truth


def write(path: Path, **kwargs) -> list[TrueCall]:
    with open(path, "w", encoding="utf-8") as handle:
        return generate(handle, **kwargs)
