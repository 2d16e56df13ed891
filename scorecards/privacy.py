"""The personal data scorecards hold: the caller's own words, quoted by a call's flag of complaint
or of asking for a manager ("The caller said “…” at 1:12.") and by the reason of a targeted pick
chosen for such a flag. The automatic checks' evidence holds the scorecard's own phrases and
times, never what the caller said, so it stays.

Erasing keeps the flag (its kind, month and agent: statistics) and the pick with its kind of
reason, and replaces the quoted words by a note. The quotes go with the transcripts they come
from: past the transcripts' retention they are erased too (counted with the transcripts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from kit.timeutil import kept_since
from qa_app import db
from qa_app.settings import get_settings
from qa_app.tables import Call
from scorecards.flags import KINDS, PHRASE_KINDS
from scorecards.tables import Assignment, CallFlag

ERASED = "The caller's words were erased."
QUOTE = "said “"  # how every quote of the caller starts (scorecards/flags.py)


def _quoting_flags(calls):
    return (
        CallFlag.call.is_in(Call.select(Call.id).where(calls))
        & CallFlag.kind.is_in(list(PHRASE_KINDS))
        & CallFlag.detail.like(f"%{QUOTE}%")
    )


def _quoting_picks(calls):
    return Assignment.call.is_in(Call.select(Call.id).where(calls)) & Assignment.reason.like(f"%{QUOTE}%")


def _erased_reason(reason: str) -> str:
    """A pick's reason without the quote, still starting with its kind of flag (sample_store reads it)."""
    label = next((label for label in KINDS.values() if reason.startswith(f"{label}: ")), None)
    return f"{label}: {ERASED}" if label else ERASED


async def _erase(calls) -> int:
    async with db.write_transaction():
        flags = await CallFlag.update({CallFlag.detail: ERASED}).where(_quoting_flags(calls)).returning(CallFlag.id)
        picks = await Assignment.select(Assignment.id, Assignment.reason).where(_quoting_picks(calls))
        for pick in picks:
            await Assignment.update({Assignment.reason: _erased_reason(pick["reason"])}).where(
                Assignment.id == pick["id"]
            )
    return len(flags) + len(picks)


class Flags:
    async def find(self, hashes: set[str], emails: set[str]) -> dict[str, list[dict[str, Any]]]:
        calls = db.among(Call.caller_hash, hashes)
        flags = (
            await CallFlag.select(CallFlag.call.external_id.as_alias("call"), CallFlag.kind, CallFlag.detail)
            .where(_quoting_flags(calls))
            .order_by(CallFlag.id)
        )
        picks = (
            await Assignment.select(Assignment.call.external_id.as_alias("call"), Assignment.reason)
            .where(_quoting_picks(calls))
            .order_by(Assignment.id)
        )
        return {"flags": flags + [{"call": p["call"], "kind": "targeted pick", "detail": p["reason"]} for p in picks]}

    async def erase(self, hashes: set[str], emails: set[str]) -> dict[str, int]:
        return {"flags": await _erase(db.among(Call.caller_hash, hashes))}

    async def erase_expired(self, today: date, retention_days: dict[str, int]) -> dict[str, int]:
        await _erase(Call.offered_at < kept_since(today, retention_days["transcripts"], get_settings().timezone))
        return {}  # part of the transcripts, which transcription counts


FLAGS = Flags()
