"""The case register's rules, as plain functions (no I/O): tracking numbers, due dates,
repeat contacts, and the figures (first-contact resolution, repeat rate, closed in time).

A case repeats an earlier one when the same caller (by the keyed hash of their number) or the
same address raises the same service within `repeat_days` (default 14) of it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from kit.stats import Estimate, proportion_interval
from qa_app.i18n import pgettext

CHANNELS = ("phone", "email", "web", "letter", "desk", "survey")
OPEN_STATUSES = ("open", "in_progress", "transferred")
DONE_STATUSES = ("resolved", "closed")


def status_label(code: str) -> str:
    """What people read for a stored status code (the codes stay in the database and the API)."""
    return {
        "open": pgettext("case status", "open"),
        "in_progress": pgettext("case status", "in progress"),
        "transferred": pgettext("case status", "transferred"),
        "resolved": pgettext("case status", "resolved"),
        "closed": pgettext("case status", "closed"),
    }.get(code, code)


def channel_label(code: str) -> str:
    """What people read for a stored channel code."""
    return {
        "phone": pgettext("case channel", "phone"),
        "email": pgettext("case channel", "email"),
        "web": pgettext("case channel", "web"),
        "letter": pgettext("case channel", "letter"),
        "desk": pgettext("case channel", "desk"),
        "survey": pgettext("case channel", "survey"),
    }.get(code, code)


NONE = "(none)"  # the group of the cases without a value (no service, no district)
REPEAT_DAYS = 14
TRACKING_NUMBER = re.compile(r"\b(20\d\d-\d{6})\b")


def tracking_number(year: int, sequence: int) -> str:
    """`2026-004217`: the year, and the case's number within it, easy to read out."""
    return f"{year}-{sequence:06d}"


def due_date(opened: date, target_days: int) -> date:
    return opened + timedelta(days=target_days)


def address_key(address: str) -> str:
    """An address for comparison: case, punctuation and spacing do not matter."""
    return re.sub(r"[^\w]+", " ", address.lower()).strip()


def repeat_of(case: dict[str, Any], earlier: Iterable[dict[str, Any]], days: int = REPEAT_DAYS) -> int | None:
    """The id of the latest earlier case of the same service from the same caller or address
    within `days` before this one, or None. Cases are dicts with id, service, caller_hash,
    address and created_at."""
    if case.get("service") is None:
        return None
    caller = case.get("caller_hash")
    place = address_key(case.get("address") or "")
    best = None
    for other in earlier:
        if other["id"] == case.get("id") or other.get("service") != case["service"]:
            continue
        gap = case["created_at"] - other["created_at"]
        if not timedelta(0) <= gap <= timedelta(days=days):
            continue
        same_caller = caller is not None and other.get("caller_hash") == caller
        same_place = bool(place) and address_key(other.get("address") or "") == place
        if (same_caller or same_place) and (best is None or other["created_at"] > best["created_at"]):
            best = other
    return best["id"] if best else None


@dataclass(frozen=True)
class CaseFigures:
    cases: int
    first_contact_resolution: Estimate  # of the cases where it is known
    repeat_rate: Estimate
    closed_in_time: Estimate  # of the closed cases with a due date


def figures(cases: Sequence[dict[str, Any]], tz: tzinfo) -> CaseFigures:
    """Cases are dicts with first_contact_resolution, repeat_of, status, closed_at and due. A case
    is closed in time when it closed on or before its due date in the centre's time zone `tz`."""
    known = [c["first_contact_resolution"] for c in cases if c.get("first_contact_resolution") is not None]
    repeats = sum(1 for c in cases if c.get("repeat_of"))
    closed = [c for c in cases if c.get("closed_at") is not None and c.get("due") is not None]
    in_time = sum(1 for c in closed if _local_date(c["closed_at"], tz) <= c["due"])
    return CaseFigures(
        cases=len(cases),
        first_contact_resolution=proportion_interval(sum(1 for k in known if k), len(known)),
        repeat_rate=proportion_interval(repeats, len(cases)),
        closed_in_time=proportion_interval(in_time, len(closed)),
    )


def _local_date(value: datetime | date, tz: tzinfo) -> date:
    return value.astimezone(tz).date() if isinstance(value, datetime) else value


def by(cases: Sequence[dict[str, Any]], key: str, tz: tzinfo) -> dict[str, CaseFigures]:
    """Figures per value of `key` (service name, district, channel, department)."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in cases:
        grouped[case.get(key) or NONE].append(case)
    return {name: figures(rows, tz) for name, rows in sorted(grouped.items())}


def period_of(moment: datetime, period: str, tz) -> str:
    """ "2026-03-02" for a day, "2026-Q1" for a quarter, in the centre's time zone."""
    local = moment.astimezone(tz)
    if period == "day":
        return local.date().isoformat()
    if period == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    raise ValueError("a period is a day or a quarter")


def counts(cases: Sequence[dict[str, Any]], period: str, key: str, tz) -> dict[str, dict[str, int]]:
    """{period: {value of `key`: cases}}: the daily or quarterly statistics departments get."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case in cases:
        table[period_of(case["created_at"], period, tz)][case.get(key) or NONE] += 1
    return {p: dict(sorted(v.items())) for p, v in sorted(table.items())}
