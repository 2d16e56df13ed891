"""Residents' spoken comments: an audio file uploaded on the survey page, or sent by the phone
system after its keypad survey. The file is kept under `QA_DATA_DIR/voice/` and transcribed
offline by the transcription package's Vosk engine; the transcript joins the written comment
when deciding whether the resident thanked the agent (praise, "kudos").

A few megabytes of audio can decode to days (half a megabyte of FLAC holds six hours of
silence), so an upload is opened with the demuxer its suffix names and its header read before it
is kept: a recording longer than QA_MAX_VOICE_SECONDS is refused with its length. A header that
says nothing (a browser's WebM) or lies is caught when the comment is transcribed: decoding
stops at the limit (the sample budget) and the comment fails with that reason.

The web process never loads the speech model (hundreds of MB). Right after the answer it hands the
comment on: with a shared queue (QA_QUEUE_URL) as a `transcribe_voice_job` for `qa worker`,
otherwise to a `qa surveys transcribe-voice` process it starts, one at a time. That command
also catches up whatever is still pending (after a restart, or once a model is configured), and
`catch_up_job` runs every 10 minutes for comments left without a transcript. Each comment is
claimed before it is transcribed, so two runs never do the same one twice.

A comment being transcribed when the web app stops is not lost: `on_shutdown` (the package's
shutdown hook) gives the transcriber started here SHUTDOWN_WAIT_SECONDS to finish, then stops it
and marks the comments it held pending again, for the catch-up after the restart.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from functools import lru_cache
from pathlib import Path

from saq import CronJob

from qa_app import db
from qa_app.redaction import redact_text
from qa_app.settings import get_settings
from surveys.questions import is_praise
from surveys.tables import SurveyResponse

log = logging.getLogger(__name__)

VOICE_LIMIT_BYTES = 10 * 1024 * 1024
SHUTDOWN_WAIT_SECONDS = 30.0  # docker-compose.yml gives the app 45 s to stop (stop_grace_period)
STOP_SECONDS = 5.0  # a transcriber asked to stop is killed after this long
INTERRUPTED = "the app stopped while this was being transcribed; it will be transcribed again"
SUFFIXES = {".wav", ".mp3", ".m4a", ".mp4", ".aac", ".ogg", ".oga", ".opus", ".webm", ".amr", ".3gp", ".flac"}
PENDING, WORKING, DONE, FAILED = "pending", "working", "done", "failed"


class VoiceError(Exception):
    pass


class VoiceTooLong(VoiceError):
    """Longer than QA_MAX_VOICE_SECONDS: `seconds` as the header gives it, None when decoding
    went past the limit."""

    def __init__(self, seconds: float | None, limit: float):
        from transcription.audio import clock

        self.seconds, self.limit = seconds, limit
        if seconds is None:
            super().__init__(f"the recording goes on past {clock(limit)}; voice comments may be at most {clock(limit)}")
        else:
            super().__init__(f"the recording is {clock(seconds)} long; voice comments may be at most {clock(limit)}")


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


def check_recording(filename: str, data: bytes) -> str:
    """`check_upload`, then the container's header, read by the demuxer the suffix names:
    VoiceTooLong when it says the recording is longer than QA_MAX_VOICE_SECONDS (nothing is
    decoded), VoiceError when the file is not that audio (its first frame does not decode).
    Returns the suffix."""
    from transcription.audio import AudioError, TooLong, probe

    suffix = check_upload(filename, data)
    try:
        probe(data, suffix, max_seconds=get_settings().max_voice_seconds)
    except TooLong as error:
        raise VoiceTooLong(error.seconds, error.limit) from None
    except AudioError as error:
        raise VoiceError(str(error)) from None
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
    """The words of a voice comment (its first channel: a phone or a browser records mono),
    decoded under the QA_MAX_VOICE_SECONDS budget before the model is loaded."""
    from transcription.audio import decode
    from transcription.model import find_model

    audio = decode(path, find_model().sample_rate, max_seconds=get_settings().max_voice_seconds)
    engine = _engine()
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
    from transcription.audio import AudioError, TooLong
    from transcription.model import ModelError

    counts = {DONE: 0, FAILED: 0, PENDING: 0}
    while (row := await _claim(response_id)) is not None:
        path = voice_dir() / row["voice_path"]
        values: dict = {}
        try:
            if not path.is_file():
                raise AudioError(f"the audio file is missing: {path.name}")
            text = redact_text(await asyncio.to_thread(transcribe_audio, path))
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
        except TooLong as error:
            values = {
                SurveyResponse.voice_status: FAILED,
                SurveyResponse.voice_error: str(VoiceTooLong(error.seconds, error.limit)),
            }
            counts[FAILED] += 1
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


# --- transcription outside the web process --------------------------------------------------


async def response_for_invitation(invitation_id: int) -> int | None:
    row = await SurveyResponse.select(SurveyResponse.id).where(SurveyResponse.invitation == invitation_id).first()
    return row["id"] if row else None


async def transcribe_elsewhere(response_id: int | None) -> None:
    """Hand a kept voice comment to what transcribes it outside the web process: a job on the
    shared queue for `qa worker` (QA_QUEUE_URL), or else a `qa surveys transcribe-voice` process
    started here. Runs as the answer's background task; a failure leaves the comment pending for
    the next run."""
    try:
        if not get_settings().queue_url:
            start_transcriber()
        elif response_id is not None:
            await _enqueue(response_id)
    except Exception:  # the answer is in; the comment waits for `qa surveys transcribe-voice`
        log.exception("voice comment %s could not be handed on for transcription", response_id)


async def _enqueue(response_id: int) -> None:
    from qa_app.jobs import queue

    shared = queue()
    await shared.connect()
    try:
        # The key makes a second hand-over of the same comment add nothing.
        await shared.enqueue("transcribe_voice_job", response_id=response_id, key=f"voice-{response_id}", timeout=900)
    finally:
        await shared.disconnect()


async def transcribe_voice_job(ctx: dict, response_id: int) -> dict[str, int]:
    """The SAQ job `qa worker` runs: one voice comment, claimed like any other run does."""
    return await transcribe_pending(response_id)


TRANSCRIBER = (sys.executable, "-m", "qa_app.cli", "surveys", "transcribe-voice")
_transcriber: asyncio.Task | None = None
_process: asyncio.subprocess.Process | None = None
_again = False


def start_transcriber() -> None:
    """Start `qa surveys transcribe-voice` in a process of its own, unless one started here is
    still running: then it is started once more when that one ends (it may have looked for
    pending comments before this one was kept). At most one runs at a time."""
    global _transcriber, _again
    loop = asyncio.get_running_loop()
    if _transcriber is not None and not _transcriber.done() and _transcriber.get_loop() is loop:
        _again = True
        return
    _again = False
    _transcriber = loop.create_task(_run_transcriber(), name="voice transcriber")


async def _run_transcriber() -> None:
    global _again, _process
    while True:
        _again = False
        try:
            # A session of its own: a Ctrl+C at the terminal stops the app, which stops this in turn
            # (on_shutdown), rather than killing it in the middle of a comment.
            process = _process = await asyncio.create_subprocess_exec(
                *TRANSCRIBER, stdin=asyncio.subprocess.DEVNULL, start_new_session=True
            )
            returncode = await process.wait()
        except OSError:
            log.exception("cannot start the voice transcriber (%s)", " ".join(TRANSCRIBER))
            return
        if returncode:
            log.warning("the voice transcriber ended with exit code %s", returncode)
        if not _again:
            return


async def transcriber_finished() -> None:
    """Wait for the transcriber process started here, if one is running (tests use it)."""
    task = _transcriber
    if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
        await asyncio.shield(task)


async def on_shutdown() -> None:
    """The web app is stopping (the package's shutdown hook): wait up to SHUTDOWN_WAIT_SECONDS
    for the transcriber started here; if it is still at work (or ended without finishing), stop
    it and mark the comments it held pending again, for `catch_up_job` after the restart. With a
    shared queue nothing is transcribed here, and nothing waits."""
    global _again
    task = _transcriber
    if task is None or task.get_loop() is not asyncio.get_running_loop():
        return
    _again = False  # comments kept from now on are the catch-up's
    if not task.done():
        try:
            await asyncio.wait_for(asyncio.shield(task), SHUTDOWN_WAIT_SECONDS)
        except TimeoutError:
            log.warning("a voice comment was still being transcribed at shutdown: it will be transcribed again")
            task.cancel()
            await _stop(_process)
    if _process is not None and _process.returncode != 0:
        await release_claims()


async def _stop(process: asyncio.subprocess.Process | None) -> None:
    if process is None or process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()


async def release_claims() -> int:
    """Mark the comments a stopped transcriber had claimed pending again; how many."""
    async with db.write_transaction():
        rows = (
            await SurveyResponse.update({SurveyResponse.voice_status: PENDING, SurveyResponse.voice_error: INTERRUPTED})
            .where(SurveyResponse.voice_status == WORKING)
            .returning(SurveyResponse.id)
        )
    return len(rows)


async def catch_up_job(ctx: dict) -> dict[str, int]:
    """Every 10 minutes: voice comments still without a transcript (the hand-over failed, the app
    stopped, no model yet) are transcribed: here in `qa worker` (QA_QUEUE_URL), or else by the
    transcriber process `qa serve` starts (the web process never loads the speech model)."""
    if not await SurveyResponse.exists().where(SurveyResponse.voice_status == PENDING):
        return {PENDING: 0}
    if get_settings().queue_url:
        return await transcribe_pending()
    start_transcriber()
    return {"started": 1}


CRON_JOBS = [CronJob(catch_up_job, cron="*/10 * * * *")]
