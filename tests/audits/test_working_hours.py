"""Working hours, worked by hand: office hours per weekday, weekends, public holidays from the
`holidays` package and the centre's own closed days, across a daylight-saving change."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from audits.working_hours import make_calendar, parse_office_hours, working_days, working_time
from qa_app.settings import ConfigError

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def hours(start: datetime, end: datetime, calendar) -> float:
    return working_time(start, end, calendar) / timedelta(hours=1)


def test_office_hours_weekends_and_holidays():
    calendar = make_calendar(STOCKHOLM, "Mon-Fri 08:00-17:00", "SE")
    # Friday 16:00 to Monday 09:00: one hour on Friday, one on Monday.
    assert hours(at(2026, 3, 13, 16), at(2026, 3, 16, 9), calendar) == 2
    # Before opening and after closing count nothing; the same day counts the overlap.
    assert hours(at(2026, 3, 16, 6), at(2026, 3, 16, 7, 59), calendar) == 0
    assert hours(at(2026, 3, 16, 7), at(2026, 3, 16, 18), calendar) == 9
    # Easter 2026: Good Friday 3 April and Easter Monday 6 April are holidays in Sweden.
    assert hours(at(2026, 4, 2, 16), at(2026, 4, 7, 9), calendar) == 2
    assert working_days(at(2026, 4, 2, 8), at(2026, 4, 8, 8), calendar) == pytest.approx(2)
    # Across the change to summer time (29 March 2026): office hours are local hours.
    assert hours(at(2026, 3, 27, 16), at(2026, 3, 30, 9), calendar) == 2
    assert hours(at(2026, 4, 2, 10), at(2026, 4, 2, 9), calendar) == 0  # backwards: nothing
    # The centre's own closed days come on top of the country's.
    closed = make_calendar(STOCKHOLM, "Mon-Fri 08:00-17:00", "SE", "2026-04-08")
    assert hours(at(2026, 4, 7, 16), at(2026, 4, 9, 9), closed) == 2
    assert closed.holiday_names[date(2026, 4, 8)] == "office closed"
    assert closed.holiday_names[date(2026, 4, 3)] == "Good Friday"


def test_different_hours_per_day_and_bad_settings():
    hours_ = parse_office_hours("Mon-Thu 08:00-17:00; Fri 08:00-15:00")
    assert hours_[4][1].hour == 15 and 5 not in hours_
    calendar = make_calendar(STOCKHOLM, "Mon-Thu 08:00-17:00; Fri 08:00-15:00")
    assert hours(at(2026, 3, 12, 8), at(2026, 3, 14, 8), calendar) == 9 + 7
    assert calendar.usual_day == timedelta(hours=9)
    for bad in ("Mon-Fri 8-17", "Fri-Mon 08:00-17:00", "Mon 17:00-08:00", "Xyz 08:00-09:00", ""):
        with pytest.raises(ConfigError):
            parse_office_hours(bad)
    with pytest.raises(ConfigError, match="no calendar for 'XX'"):
        make_calendar(STOCKHOLM, country="XX")
    with pytest.raises(ConfigError):
        make_calendar(STOCKHOLM, extra="24 December")
