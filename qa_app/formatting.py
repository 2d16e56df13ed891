"""How figures and times are shown, in the app's pages and in the printed reports alike (both
Jinja environments register these filters)."""

from __future__ import annotations

from datetime import datetime, timezone

from qa_app.settings import get_settings

MISSING = "–"


def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time in the centre's time zone."""
    if value is None:
        return MISSING
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(get_settings().timezone).strftime(fmt)


def duration(seconds: float | int | None) -> str:
    """Seconds as m:ss."""
    if seconds is None:
        return MISSING
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def percent(value: float | None, digits: int = 1) -> str:
    """A share (0..1) as a percentage."""
    return MISSING if value is None else f"{100 * value:.{digits}f}%"


def number(value: int | float | None) -> str:
    """A count with thin spaces between the thousands."""
    return MISSING if value is None else f"{value:,}".replace(",", "\u202f")


FILTERS = {"local": local, "duration": duration, "percent": percent, "number": number}
