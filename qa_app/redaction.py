"""Residents' free text without personal numbers, as the centre's settings say (QA_REDACT,
QA_REDACT_COUNTRIES, QA_REDACT_MODE; the rules are kit/redaction.py's). Every package that
stores what a resident or an agent typed or said about a resident calls `redact_text` first;
`entry_note` is the warning an agent sees while typing (a case description)."""

from __future__ import annotations

from collections.abc import Sequence

from kit import redaction
from qa_app.settings import get_settings

# What an agent is told a number looks like: the kind, and whose identity number when that is clear.
KIND_WORDS = {
    "national_id": "a personal number",
    "card": "a card number",
    "bank_account": "a bank account number",
    "phone": "a phone number",
    "email": "an email address",
}
ID_NAMES = {
    "SE": "personnummer",
    "NL": "BSN",
    "BE": "national register number",
    "NO": "fødselsnummer",
    "GB": "National Insurance number",
    "US": "SSN",
}


def redacted(text: str) -> redaction.RedactedText:
    """`text` with personal numbers replaced by "[personal number]"..., and how many of each kind
    were taken out; unchanged when the mode is off or test (test mode only reports: see
    `would_redact`)."""
    settings = get_settings()
    if settings.redact_mode != "on" or not text:
        return redaction.RedactedText(text)
    return redaction.redact_text(text, settings.redaction)


def redact_text(text: str) -> str:
    """`redacted(text)`'s text."""
    return redacted(text).text


def would_redact(text: str) -> dict[str, int]:
    """The kinds of personal number in `text` and how many of each (for a warning on entry)."""
    if not text:
        return {}
    return redaction.count_kinds(redaction.find_in_text(text, get_settings().redaction))


def _id_name(found: str, countries: Sequence[str]) -> str | None:
    """Whose identity number `found` is, when that is clear: the one country whose check it
    passes, or else the one whose length it has (a number after a cue whose check fails)."""
    compact = "".join(c for c in found if c.isalnum())
    if any(c.isalpha() for c in compact):  # only the UK's has letters
        return ID_NAMES["GB"] if "GB" in countries else None
    passing = [c for c in countries if redaction.NATIONAL_IDS[c](compact, [])]
    shaped = passing or [c for c in countries if len(compact) in redaction.ID_DIGITS[c]]
    return ID_NAMES[shaped[0]] if len(shaped) == 1 else None


def entry_note(text: str) -> str:
    """A short note for an agent typing a case description that seems to hold a personal number
    ("This looks like a personal number (BSN). Leave it out; ..."); "" when it holds none."""
    config = get_settings().redaction
    described: list[str] = []
    for span in redaction.find_in_text(text, config) if text else []:
        words = KIND_WORDS[span.kind]
        if span.kind == "national_id" and (name := _id_name(text[span.start : span.end], config.countries)):
            words += f" ({name})"
        if words not in described:
            described.append(words)
    if not described:
        return ""
    them = "it" if len(described) == 1 else "them"
    return (
        f"This looks like {' and '.join(described)}. "
        f"Leave {them} out; the case keeps the resident's contact separately."
    )
