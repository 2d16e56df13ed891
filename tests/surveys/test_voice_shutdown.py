"""A resident's voice comment being transcribed when the app stops is not lost: the app's shutdown
(the surveys package's `on_shutdown` hook) waits up to 30 s for the transcriber process it
started; one still at work is stopped and the comment it claimed is marked pending again; the
catch-up job every 10 minutes transcribes what is left without a transcript.

The transcriber here is the product's own claiming and saving (`voice.transcribe_pending`, in a
process of its own as `qa surveys transcribe-voice` runs it); only the speech model is a stand-in
that takes as long as the test says (the comment's words are given, not heard)."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timezone

import pytest

from qa_app import packages
from qa_app.app import create_app
from qa_app.settings import reset_settings
from qa_app.tables import Call
from surveys import voice
from surveys.tables import SurveyResponse

WORDS = "thank you so much for your help"

# `qa surveys transcribe-voice`, with a speech model that takes `seconds` to hear WORDS.
CHILD = """
import time
from qa_app.cli_support import run_with_database
from surveys import voice

def hear(path):
    time.sleep({seconds})
    return {words!r}

voice.transcribe_audio = hear
run_with_database(voice.transcribe_pending)
"""


def transcriber(seconds: float) -> tuple[str, ...]:
    return (sys.executable, "-c", CHILD.format(seconds=seconds, words=WORDS))


@pytest.fixture(autouse=True)
async def no_transcriber_left_running():
    yield
    process = voice._process
    if process is not None and process.returncode is None:
        process.kill()
        await process.wait()
    await asyncio.wait_for(voice.transcriber_finished(), timeout=60)


async def voice_comment() -> int:
    """A resident's answer with a voice comment kept and waiting for its transcript."""
    call = (
        await Call.insert(
            Call(external_id="v1", offered_at=datetime.now(timezone.utc), disposition="answered")
        ).returning(Call.id)
    )[0]["id"]
    response = (await SurveyResponse.insert(SurveyResponse(call=call, satisfaction=5)).returning(SurveyResponse.id))[0][
        "id"
    ]
    await voice.attach(response, "comment.wav", b"RIFF the resident's voice")
    return response


async def row(response_id: int) -> dict:
    return await SurveyResponse.select().where(SurveyResponse.id == response_id).first()


async def until(response_id: int, status: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while (found := await row(response_id))["voice_status"] != status:
        assert time.monotonic() < deadline, f"still {found['voice_status']}, not {status}"
        await asyncio.sleep(0.1)
    return found


async def test_a_comment_still_in_transcription_is_stopped_marked_and_caught_up_later(clean_db, monkeypatch):
    response = await voice_comment()
    monkeypatch.setattr(voice, "TRANSCRIBER", transcriber(seconds=120))
    voice.start_transcriber()
    await until(response, voice.WORKING)  # claimed by the transcriber process

    monkeypatch.setattr(voice, "SHUTDOWN_WAIT_SECONDS", 1.0)
    started = time.monotonic()
    await voice.on_shutdown()
    assert time.monotonic() - started < 1.0 + voice.STOP_SECONDS + 2
    assert voice._process.returncode not in (None, 0)  # stopped
    stopped = await row(response)
    assert (stopped["voice_status"], stopped["voice_error"]) == (voice.PENDING, voice.INTERRUPTED)
    assert stopped["voice_path"] and stopped["voice_text"] == ""  # the file is kept for the next run

    # After the restart, the catch-up job hands it to a transcriber process again.
    monkeypatch.setattr(voice, "TRANSCRIBER", transcriber(seconds=0))
    assert await voice.catch_up_job({}) == {"started": 1}
    await asyncio.wait_for(voice.transcriber_finished(), timeout=60)
    done = await row(response)
    assert (done["voice_status"], done["voice_text"], done["voice_error"]) == (voice.DONE, WORDS, "")
    assert done["praise"] is True
    assert await voice.catch_up_job({}) == {voice.PENDING: 0}  # nothing left: nothing started


async def test_shutdown_waits_for_a_comment_that_finishes_in_time(clean_db, monkeypatch):
    response = await voice_comment()
    monkeypatch.setattr(voice, "TRANSCRIBER", transcriber(seconds=2))
    voice.start_transcriber()
    await until(response, voice.WORKING)
    started = time.monotonic()
    await voice.on_shutdown()  # up to 30 s
    assert time.monotonic() - started < voice.SHUTDOWN_WAIT_SECONDS
    assert voice._process.returncode == 0
    done = await row(response)
    assert (done["voice_status"], done["voice_text"], done["voice_error"]) == (voice.DONE, WORDS, "")


async def test_with_a_shared_queue_the_catch_up_runs_in_the_worker(clean_db, monkeypatch):
    response = await voice_comment()
    monkeypatch.setenv("QA_QUEUE_URL", "redis://localhost:6379")
    reset_settings()
    monkeypatch.setattr(voice, "transcribe_audio", lambda path: WORDS)
    started = []
    monkeypatch.setattr(voice, "start_transcriber", lambda: started.append(1))
    counts = await voice.catch_up_job({})
    assert counts[voice.DONE] == 1 and started == []
    assert (await row(response))["voice_text"] == WORDS
    monkeypatch.delenv("QA_QUEUE_URL")
    reset_settings()


async def test_the_app_runs_every_packages_shutdown_hook_and_the_catch_up_is_scheduled(monkeypatch):
    assert "surveys.voice:on_shutdown" in [ref for p in packages.installed() for ref in p.on_shutdown]
    assert [job.cron for job in packages.cron_jobs() if job.function is voice.catch_up_job] == ["*/10 * * * *"]
    called = []

    async def hook() -> None:
        called.append("voice")

    async def broken() -> None:
        raise RuntimeError("one package's failure")

    monkeypatch.setattr(packages, "shutdown_hooks", lambda: [broken, hook])
    app = create_app(manage_database=False)
    async with app.lifespan():
        assert called == []
    assert called == ["voice"]  # run at shutdown, and a failing hook stops no other


async def test_shutdown_without_a_transcriber_returns_at_once(clean_db, monkeypatch):
    monkeypatch.setattr(voice, "_transcriber", None)
    started = time.monotonic()
    await voice.on_shutdown()
    assert time.monotonic() - started < 0.5
