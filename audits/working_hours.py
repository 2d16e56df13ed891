"""The centre's working hours: office hours per weekday and public holidays, and the time
between two moments counted in working hours only (how a resident's email is timed: a question
sent on Friday evening and answered on Monday at 10:00 waited two working hours, not 62).

Configured by environment variables (read through `from_settings()`):

    QA_OFFICE_HOURS   "Mon-Fri 08:00-17:00" (default); several parts with ";":
                      "Mon-Thu 08:00-17:00; Fri 08:00-15:00"
    QA_HOLIDAYS       a country (and subdivision) of the `holidays` package: SE, NL, BE,
                      GB-SCT, US-NY...; unset: no public holidays
    QA_EXTRA_HOLIDAYS dates the office is closed besides: "2026-12-24, 2026-12-31"

The rules are plain functions over a `WorkingCalendar`; times are aware datetimes (UTC in the
database), days and hours are those of the centre's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from qa_app.settings import ConfigError, get_settings

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_OFFICE_HOURS = "Mon-Fri 08:00-17:00"
_PART = re.compile(r"^\s*(\w{3})(?:\s*-\s*(\w{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class WorkingCalendar:
    tz: ZoneInfo
    hours: dict[int, tuple[time, time]]  # weekday (0 = Monday) -> opening and closing time
    holidays: frozenset[date] = field(default_factory=frozenset)
    holiday_names: dict[date, str] = field(default_factory=dict, compare=False)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.hours and day not in self.holidays

    def day_length(self, day: date) -> timedelta:
        opening, closing = self.hours[day.weekday()]
        return datetime.combine(day, closing) - datetime.combine(day, opening)

    @property
    def usual_day(self) -> timedelta:
        """The longest office day: "2 working days" is twice this."""
        return max((self.day_length(date(2024, 1, 1 + d)) for d in self.hours), default=timedelta(0))


def parse_office_hours(text: str) -> dict[int, tuple[time, time]]:
    hours: dict[int, tuple[time, time]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = _PART.match(part)
        if not match:
            raise ConfigError(f"QA_OFFICE_HOURS: cannot read {part!r} (like 'Mon-Fri 08:00-17:00')")
        first, last, h1, m1, h2, m2 = match.groups()
        try:
            start = DAYS.index(first.lower())
            end = DAYS.index((last or first).lower())
            opening, closing = time(int(h1), int(m1)), time(int(h2), int(m2))
        except ValueError:
            raise ConfigError(f"QA_OFFICE_HOURS: {part!r} has an unknown day or time") from None
        if closing <= opening or end < start:
            raise ConfigError(f"QA_OFFICE_HOURS: {part!r} must open before it closes, Monday first")
        for day in range(start, end + 1):
            hours[day] = (opening, closing)
    if not hours:
        raise ConfigError("QA_OFFICE_HOURS names no working day")
    return hours


def public_holidays(country: str, years: range) -> dict[date, str]:
    """The `holidays` package's public holidays for a country such as SE or GB-SCT."""
    import holidays

    code, _, subdivision = country.strip().upper().partition("-")
    try:
        calendar = holidays.country_holidays(code, subdiv=subdivision or None, years=list(years))
    except NotImplementedError:
        raise ConfigError(f"QA_HOLIDAYS: the holidays package has no calendar for {country!r}") from None
    return dict(calendar.items())


def make_calendar(
    tz: ZoneInfo,
    office_hours: str = DEFAULT_OFFICE_HOURS,
    country: str | None = None,
    extra: str | list[date] = "",
    years: range = range(2015, 2041),
) -> WorkingCalendar:
    names = public_holidays(country, years) if country else {}
    if isinstance(extra, str):
        try:
            extra = [date.fromisoformat(d.strip()) for d in extra.split(",") if d.strip()]
        except ValueError:
            raise ConfigError("QA_EXTRA_HOLIDAYS is a list of dates like 2026-12-24, 2026-12-31") from None
    for day in extra:
        names.setdefault(day, "office closed")
    return WorkingCalendar(tz, parse_office_hours(office_hours), frozenset(names), names)


@lru_cache(maxsize=4)
def _calendar_from(tz_name: str, office_hours: str, country: str, extra: str) -> WorkingCalendar:
    return make_calendar(ZoneInfo(tz_name), office_hours, country or None, extra)


def from_settings() -> WorkingCalendar:
    settings = get_settings()
    return _calendar_from(
        settings.timezone_name,
        settings.office_hours or DEFAULT_OFFICE_HOURS,
        settings.holidays_country,
        settings.extra_holidays,
    )


def working_time(start: datetime, end: datetime, calendar: WorkingCalendar) -> timedelta:
    """The office time between two moments: only office hours of working days count."""
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = start.astimezone(calendar.tz).date()
    last = end.astimezone(calendar.tz).date()
    while day <= last:
        if calendar.is_working_day(day):
            opening, closing = calendar.hours[day.weekday()]
            open_at = datetime.combine(day, opening, tzinfo=calendar.tz)
            close_at = datetime.combine(day, closing, tzinfo=calendar.tz)
            overlap = min(end, close_at) - max(start, open_at)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


def working_days(start: datetime, end: datetime, calendar: WorkingCalendar) -> float:
    """`working_time` in office days of the usual length (8:00-17:00 -> 9 hours a day)."""
    usual = calendar.usual_day
    return working_time(start, end, calendar) / usual if usual else 0.0
