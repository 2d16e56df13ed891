"""Residents' spoken comments: an audio file uploaded on the survey page, or sent by the phone
system after its keypad survey. The file is kept under `QA_DATA_DIR/voice/` and transcribed
offline by the transcription package's Vosk engine; the transcript joins the written comment
when deciding whether the resident thanked the agent (praise, "kudos").

Transcription runs in the web process right after the answer (a background task, so the
resident does not wait), and `qa surveys transcribe-voice` catches up whatever is still pending
(after a restart, or once a model is configured). Each comment is claimed before it is
transcribed, so two runs never do the same one twice.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from pathlib import Path

from qa_app import db
from qa_app.settings import get_settings
from surveys.questions import is_praise
from surveys.tables import SurveyResponse

log = logging.getLogger(__name__)

VOICE_LIMIT_BYTES = 10 * 1024 * 1024
SUFFIXES = {".wav", ".mp3", ".m4a", ".mp4", ".aac", ".ogg", ".oga", ".opus", ".webm", ".amr", ".3gp", ".flac"}
PENDING, WORKING, DONE, FAILED = "pending", "working", "done", "failed"


class VoiceError(Exception):
    pass


def check_upload(filename: str, data: bytes) -> str:
    """The file's suffix if it can be a voice comment; raises VoiceError otherwise."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise VoiceError(f"a voice comment is an audio file ({', '.join(sorted(SUFFIXES))})")
    if not data:
        raise VoiceError("the audio file is empty")
    if len(data) > VOICE_LIMIT_BYTES:
        raise VoiceError(f"a voice comment is at most {VOICE_LIMIT_BYTES // 1024 // 1024} MB")
    return suffix


def praise_with_voice(comment: str, spoken: str, satisfaction: int | None) -> bool:
    """Written and spoken words are read together: thanks in either counts, and a complaint in
    either cancels it (the praise rule is cautious)."""
    return is_praise(f"{comment} {spoken}".strip(), satisfaction)


def voice_dir() -> Path:
    return get_settings().data_dir / "voice"


async def attach(response_id: int, filename: str, data: bytes) -> None:
    """Keep the audio of a response and queue it for transcription."""
    suffix = check_upload(filename, data)
    folder = voice_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{response_id}{suffix}"
    await asyncio.to_thread((folder / name).write_bytes, data)
    async with db.write_transaction():
        await SurveyResponse.update(
            {SurveyResponse.voice_path: name, SurveyResponse.voice_status: PENDING, SurveyResponse.voice_error: ""}
        ).where(SurveyResponse.id == response_id)


@lru_cache(maxsize=1)
def _engine():
    from transcription.engine import Engine

    return Engine()


def transcribe_audio(path: Path) -> str:
    """The words of a voice comment (its first channel: a phone or a browser records mono)."""
    from transcription.audio import decode

    engine = _engine()
    audio = decode(path, engine.sample_rate)
    return " ".join(word.word for word in engine.words(audio.channels[0]))


async def _claim(response_id: int | None) -> dict | None:
    async with db.write_transaction():
        query = SurveyResponse.select(SurveyResponse.id).where(SurveyResponse.voice_status == PENDING)
        if response_id is not None:
            query = query.where(SurveyResponse.id == response_id)
        row = await query.order_by(SurveyResponse.id).first()
        if row is None:
            return None
        claimed = (
            await SurveyResponse.update({SurveyResponse.voice_status: WORKING})
            .where((SurveyResponse.id == row["id"]) & (SurveyResponse.voice_status == PENDING))
            .returning(
                SurveyResponse.id, SurveyResponse.voice_path, SurveyResponse.comment, SurveyResponse.satisfaction
            )
        )
    return claimed[0] if claimed else None


async def transcribe_pending(response_id: int | None = None) -> dict[str, int]:
    """Transcribe pending voice comments (or just one); returns counts of done and failed.
    A broken file fails with its reason and the rest go on; a missing model leaves the comment
    pending with the reason, for a later run."""
    from transcription.audio import AudioError
    from transcription.model import ModelError

    counts = {DONE: 0, FAILED: 0, PENDING: 0}
    while (row := await _claim(response_id)) is not None:
        path = voice_dir() / row["voice_path"]
        values: dict = {}
        try:
            if not path.is_file():
                raise AudioError(f"the audio file is missing: {path.name}")
            text = await asyncio.to_thread(transcribe_audio, path)
            values = {
                SurveyResponse.voice_text: text,
                SurveyResponse.voice_status: DONE,
                SurveyResponse.voice_error: "",
                SurveyResponse.praise: praise_with_voice(row["comment"], text, row["satisfaction"]),
            }
            counts[DONE] += 1
        except ModelError as error:
            values = {SurveyResponse.voice_status: PENDING, SurveyResponse.voice_error: str(error)}
            counts[PENDING] += 1
            log.warning("voice comment %s waits for a model: %s", row["id"], error)
            await _save(row["id"], values)
            break  # no model: the others would fail the same way
        except AudioError as error:
            values = {SurveyResponse.voice_status: FAILED, SurveyResponse.voice_error: str(error)}
            counts[FAILED] += 1
        except Exception as error:  # an engine failure on one file must not stop the others
            values = {
                SurveyResponse.voice_status: FAILED,
                SurveyResponse.voice_error: f"{type(error).__name__}: {error}",
            }
            counts[FAILED] += 1
        await _save(row["id"], values)
        if response_id is not None:
            break
    return counts


async def _save(response_id: int, values: dict) -> None:
    async with db.write_transaction():
        await SurveyResponse.update(values).where(SurveyResponse.id == response_id)
