"""Reads and writes of transcripts that pages and other packages use."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from qa_app import audit, db
from qa_app.i18n import _
from qa_app.settings import get_settings
from transcription.accuracy import Score, pooled, score
from transcription.tables import Status, Transcription


async def for_call(call_id: int) -> dict[str, Any] | None:
    return (
        await Transcription.select(
            Transcription.all_columns(), Transcription.corrected_by.name.as_alias("corrected_by_name")
        )
        .where(Transcription.call == call_id)
        .output(load_json=True)
        .first()
    )


class CorrectionError(Exception):
    pass


async def save_correction(call_id: int, text: str, by_user: int) -> Score:
    """Keep a QA user's corrected text beside the machine's and score the machine against it."""
    text = " ".join(text.split())
    if not text:
        raise CorrectionError(_("the corrected text is empty"))
    async with db.write_transaction():
        row = (
            await Transcription.select(
                Transcription.id, Transcription.text, Transcription.status, Transcription.scripted
            )
            .where(Transcription.call == call_id)
            .first()
        )
        if row is None or row["status"] != Status.done:
            raise CorrectionError(_("this call has no finished transcript to correct"))
        if row["scripted"]:
            raise CorrectionError(_("this is scripted demo text, not a machine transcript"))
        result = score(text, row["text"])
        await Transcription.update(
            {
                Transcription.corrected_text: text,
                Transcription.corrected_by: by_user,
                Transcription.corrected_at: datetime.now(timezone.utc),
                Transcription.word_errors: result.word_errors,
                Transcription.ref_words: result.ref_words,
                Transcription.char_errors: result.char_errors,
                Transcription.ref_chars: result.ref_chars,
            }
        ).where(Transcription.id == row["id"])
        await audit.record(by_user, "correct", "transcript", row["id"], call=call_id, wer=result.wer, cer=result.cer)
    return result


async def accuracy_by_model_and_month() -> list[dict[str, Any]]:
    """Pooled WER and CER of corrected transcripts, per model and per month of the call."""
    rows = await Transcription.select(
        Transcription.model,
        Transcription.call.offered_at.as_alias("offered_at"),
        Transcription.word_errors,
        Transcription.ref_words,
        Transcription.char_errors,
        Transcription.ref_chars,
    ).where(Transcription.corrected_text.is_not_null() & Transcription.ref_words.is_not_null())
    zone = get_settings().timezone
    groups: dict[tuple[str, str], list[Score]] = defaultdict(list)
    for row in rows:
        month = row["offered_at"].astimezone(zone).strftime("%Y-%m")
        groups[(row["model"], month)].append(
            Score(row["word_errors"], row["ref_words"], row["char_errors"], row["ref_chars"])
        )
    result = []
    for (model, month), scores in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0]), reverse=True):
        total = pooled(scores)
        result.append(
            {
                "model": model,
                "month": month,
                "calls": len(scores),
                "words": total.ref_words,
                "wer": total.wer,
                "cer": total.cer,
            }
        )
    return result


async def status_counts() -> dict[str, int]:
    rows = await Transcription.raw('SELECT "status", COUNT(*) AS n FROM "transcription" GROUP BY "status"')
    return {r["status"]: r["n"] for r in rows}
