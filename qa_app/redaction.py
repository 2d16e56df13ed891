"""Residents' free text without personal numbers, as the centre's settings say (QA_REDACT,
QA_REDACT_COUNTRIES, QA_REDACT_MODE; the rules are kit/redaction.py's). Every package that
stores what a resident or an agent typed or said about a resident calls `redact_text` first."""

from __future__ import annotations

from kit import redaction
from qa_app.settings import get_settings


def redact_text(text: str) -> str:
    """`text` with personal numbers replaced by "[personal number]"...; unchanged when the mode is
    off or test (test mode only reports: see `would_redact`)."""
    settings = get_settings()
    if settings.redact_mode != "on" or not text:
        return text
    return redaction.redact_text(text, settings.redaction).text


def would_redact(text: str) -> dict[str, int]:
    """The kinds of personal number in `text` and how many of each (for a warning on entry)."""
    if not text:
        return {}
    return redaction.count_kinds(redaction.find_in_text(text, get_settings().redaction))
