"""Months and days in the centre's time zone, stored times in UTC (DESIGN: conventions)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> date:
    """'2026-09' -> date(2026, 9, 1); a clear error otherwise."""
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"a month looks like 2026-09 (got {value!r})")
    return date(int(match.group(1)), int(match.group(2)), 1)


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def month_range(first: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start (inclusive) and end (exclusive) of a calendar month in the centre's zone."""
    return local_midnight_utc(first, zone), local_midnight_utc(next_month(first), zone)


def day_range(start: date, end_inclusive: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return local_midnight_utc(start, zone), local_midnight_utc(end_inclusive + timedelta(days=1), zone)


def current_month(zone: ZoneInfo, now: datetime | None = None) -> date:
    local = (now or datetime.now(timezone.utc)).astimezone(zone)
    return date(local.year, local.month, 1)


def kept_since(today: date, days: int, tz: ZoneInfo) -> datetime:
    """The oldest moment data kept `days` days may be from: what is from day D (the centre's
    calendar) goes on day D + days."""
    return local_midnight_utc(today - timedelta(days=days - 1), tz)


def stored_time(value: Any) -> Any:
    """A stored timestamp as a datetime in UTC, however the database gave it: raw SQL on SQLite
    gives its text (naive text is UTC, as everything is stored), PostgreSQL a datetime in the
    connection's zone. None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
