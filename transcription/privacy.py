"""The personal data of calls' audio: the recordings (files under QA_RECORDINGS_DIR, named by
`Call.recording_path`, which this package reads for every call), their unredacted originals when
QA_REDACT_KEEP_ORIGINAL keeps them (transcription/redact_audio.py), and the words of their
transcripts (the machine's, a QA user's correction and the search's index of them). Erasing a
recording deletes the file (and its original) and forgets its path; erasing a transcript keeps the
row with its talk metrics, duration and accuracy counts (statistics) and removes the words, and
the row stays so that the call is not transcribed again."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from kit.timeutil import kept_since
from qa_app import db
from qa_app.settings import get_settings
from qa_app.tables import Call
from transcription.redact_audio import unredacted_path
from transcription.search import index_calls
from transcription.tables import Transcription

T = Transcription
ERASED = {"turns": [], "erased": True}


def _has_words():
    return (T.text != "") | T.corrected_text.is_not_null()


class CallAudio:
    async def find(self, hashes: set[str], emails: set[str]) -> dict[str, list[dict[str, Any]]]:
        root = get_settings().recordings_dir
        recorded = (
            await Call.select(Call.external_id, Call.recording_path)
            .where(db.among(Call.caller_hash, hashes) & Call.recording_path.is_not_null())
            .order_by(Call.offered_at)
            .order_by(Call.id)
        )
        transcripts = (
            await T.select(T.call.external_id.as_alias("call"), T.text, T.corrected_text, T.transcript)
            .where(db.among(T.call.caller_hash, hashes) & _has_words())
            .order_by(T.id)
            .output(load_json=True)
        )
        originals = [(r["external_id"], unredacted_path(root / r["recording_path"])) for r in recorded]
        return {
            "recordings": [{"call": r["external_id"], "file": root / r["recording_path"]} for r in recorded],
            "unredacted_recordings": [{"call": call, "file": path} for call, path in originals if path.is_file()],
            "transcripts": transcripts,
        }

    async def erase(self, hashes: set[str], emails: set[str]) -> dict[str, int]:
        calls = db.among(Call.caller_hash, hashes)
        originals = await _kept_originals(calls)
        return {
            "transcripts": await _erase_transcripts(calls),
            "recordings": await _erase_recordings(calls),
            "unredacted_recordings": originals,  # deleted with their recordings
        }

    async def erase_expired(self, today: date, retention_days: dict[str, int]) -> dict[str, int]:
        return {
            "transcripts": await _erase_transcripts(
                Call.offered_at < kept_since(today, retention_days["transcripts"], get_settings().timezone)
            ),
            "recordings": await _erase_recordings(
                Call.offered_at < kept_since(today, retention_days["recordings"], get_settings().timezone)
            ),
        }


async def _kept_originals(calls) -> int:
    root = get_settings().recordings_dir
    paths = await Call.select(Call.recording_path).where(calls & Call.recording_path.is_not_null())
    return sum(unredacted_path(root / row["recording_path"]).is_file() for row in paths)


async def _erase_transcripts(calls) -> int:
    """Remove the words, then take them out of the search's index."""
    async with db.write_transaction():
        rows = (
            await T.update({T.text: "", T.transcript: ERASED, T.corrected_text: None})
            .where(T.call.is_in(Call.select(Call.id).where(calls)) & _has_words())
            .returning(T.id, T.call)
        )
    await index_calls([row["call"] for row in rows])
    return len(rows)


async def _erase_recordings(calls) -> int:
    """Delete the files and their kept originals (a path outside QA_RECORDINGS_DIR is only
    forgotten), then their paths."""
    root, erased = get_settings().recordings_dir.resolve(), 0
    while (
        rows := await Call.select(Call.id, Call.recording_path)
        .where(calls & Call.recording_path.is_not_null())
        .limit(500)
    ):
        for row in rows:
            if (path := (root / row["recording_path"]).resolve()).is_relative_to(root):
                await asyncio.to_thread(path.unlink, missing_ok=True)
                await asyncio.to_thread(unredacted_path(path).unlink, missing_ok=True)
        async with db.write_transaction():
            await Call.update({Call.recording_path: None}).where(Call.id.is_in([r["id"] for r in rows]))
        erased += len(rows)
    return erased


CALL_AUDIO = CallAudio()
