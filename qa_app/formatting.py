"""How figures and times are shown, in the app's pages and in the printed reports alike (both
Jinja environments register these filters), in the formats of the current language.

English keeps the centre's neutral formats (ISO dates "2026-10-05 09:12", "92.5%", thousands
with a thin space); Swedish and Dutch take their locale's from Babel ("92,5 %", "5 okt. 2026").
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from qa_app import i18n
from qa_app.settings import get_settings

MISSING = "–"
_DATE_ONLY = {"%Y-%m-%d"}
_WITH_SECONDS = {"%Y-%m-%d %H:%M:%S"}
_TIME_ONLY = {"%H:%M"}


def _babel() -> bool:
    """Whether the current language formats through Babel (everything but English)."""
    return i18n.current() not in (i18n.SOURCE, i18n.PSEUDO)


def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time in the centre's time zone; `fmt` is the English (strftime) format,
    other languages show the same parts (date, minutes or seconds) in their own order."""
    if value is None:
        return MISSING
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(get_settings().timezone)
    if not _babel():
        return value.strftime(fmt)
    locale = i18n.babel_locale()
    if fmt in _TIME_ONLY:
        return babel_dates.format_time(value, "HH:mm", locale=locale)
    if fmt in _DATE_ONLY:
        return babel_dates.format_date(value, "short", locale=locale)
    time_format = "HH:mm:ss" if fmt in _WITH_SECONDS else "HH:mm"
    return f"{babel_dates.format_date(value, 'short', locale=locale)} {babel_dates.format_time(value, time_format, locale=locale)}"


def day(value: date | datetime | None) -> str:
    """A calendar day: "2026-10-05", "2026-10-05" (sv), "05-10-2026" (nl)."""
    if value is None:
        return MISSING
    if not _babel():
        return value.strftime("%Y-%m-%d")
    return babel_dates.format_date(value, "short", locale=i18n.babel_locale())


def long_day(value: date | datetime | None) -> str:
    """A day in words: "Monday 5 October 2026", "måndag 5 oktober 2026"."""
    if value is None:
        return MISSING
    return babel_dates.format_date(value, "EEEE d MMMM y", locale=i18n.babel_locale())


def month(value: date | datetime | str | None) -> str:
    """A month in words: "October 2026", "oktober 2026"; a "YYYY-MM" string too."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        year, _, number = value.partition("-")
        value = date(int(year), int(number), 1)
    return babel_dates.format_date(value, "LLLL y", locale=i18n.babel_locale())


def weekday(value: date | datetime | int) -> str:
    """A weekday's name: a date's, or Monday=0 … Sunday=6."""
    if isinstance(value, int):
        return babel_dates.get_day_names("wide", locale=i18n.babel_locale())[value]
    return babel_dates.format_date(value, "EEEE", locale=i18n.babel_locale())


def duration(seconds: float | int | None) -> str:
    """Seconds as m:ss (the same in every language)."""
    if seconds is None:
        return MISSING
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def percent(value: float | None, digits: int = 1) -> str:
    """A share (0..1) as a percentage: "92.5%", "92,5 %" (sv), "92,5%" (nl)."""
    if value is None:
        return MISSING
    if not _babel():
        return f"{100 * value:.{digits}f}%"
    locale = i18n.babel_locale()
    pattern = locale.percent_formats[None].pattern  # the locale's own: "#,##0 %" (sv), "#,##0%" (nl)
    if digits:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return babel_numbers.format_percent(value, pattern, locale=locale)


def decimal(value: float | None, digits: int = 1) -> str:
    """A number with a fixed count of decimals: "4.2", "4,2"."""
    if value is None:
        return MISSING
    if not _babel():
        return f"{value:.{digits}f}"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return babel_numbers.format_decimal(value, pattern, locale=i18n.babel_locale())


def number(value: int | float | None) -> str:
    """A count with the thousands grouped: "1 234" (a thin space), "1 234" (sv), "1.234" (nl)."""
    if value is None:
        return MISSING
    if not _babel():
        return f"{value:,}".replace(",", "\u202f")
    return babel_numbers.format_decimal(value, locale=i18n.babel_locale())


FILTERS = {
    "local": local,
    "day": day,
    "long_day": long_day,
    "month": month,
    "weekday": weekday,
    "duration": duration,
    "percent": percent,
    "decimal": decimal,
    "number": number,
}
