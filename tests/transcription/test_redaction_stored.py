"""With redaction on, a personal number said in a call is kept nowhere: not in the database (the
whole SQLite file, or every row of every PostgreSQL table, searched as text) and not in the
log (issue 19, must show 3).

The speech engine here is the one narrow stand-in of this test: the only model on this machine is
Korean and the number is said in English, so `EnglishWords` hands the pipeline the words an
English model would hear. Everything after the recogniser is the product's: the batch, the
redaction of the words and of the recording, the stored transcript, the automatic checks and
flags that read it.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import pytest

from qa_app import db
from qa_app.settings import database_kind, get_settings
from qa_app.tables import Agent, Call
from tests.transcription.test_batch import clips  # noqa: F401 - the espeak-ng clips fixture
from transcription import batch
from transcription.model import ModelInfo
from transcription.tables import Transcription
from transcription.transcript import Word, build_transcript

SAID = "hello my personal number is one nine eight five zero three one two three four five six thank you"
DIGITS = ("198503123456", "8503123456", "one nine eight five zero three", "eight five zero three one two")


class EnglishWords:
    """The recogniser's stand-in: the words of SAID, a third of a second each."""

    info = ModelInfo(path=Path("/nonexistent"), name="english words (test stand-in)", sample_rate=16000)
    sample_rate = 16000

    def transcribe_audio(self, audio, agent_channel: int = 0):
        words = [Word(w, 0.3 * i, 0.3 * i + 0.25, 0.95) for i, w in enumerate(SAID.split())]
        return build_transcript({None: words}, audio.duration)


async def everything_stored(url: str) -> str:
    """Every byte of the database as text: the SQLite file and its write-ahead log, or every row
    of every PostgreSQL table."""
    if database_kind(url) == "sqlite":
        path = db.sqlite_path(url)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        parts = [path.read_bytes()] + [p.read_bytes() for p in path.parent.glob(path.name + "-wal")]
        return b"".join(parts).decode("latin-1")
    conn = await asyncpg.connect(url)
    try:
        names = [
            r["table_name"]
            for r in await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        ]
        rows = []
        for name in names:
            rows += [r[0] for r in await conn.fetch(f'SELECT row_to_json(t)::text FROM "{name}" t')]
        return "\n".join(rows)
    finally:
        await conn.close()


async def test_no_original_number_is_stored_or_logged(clean_db, database, clips, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    assert get_settings().redact_mode == "on"  # the default
    root = get_settings().recordings_dir / "redacted"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copy(clips[0], root / "call.wav")
    agent = (await Agent.insert(Agent(staff_number="7", name="Ada")).returning(Agent.id))[0]["id"]
    await Call.insert(
        Call(
            external_id="pn1",
            agent=agent,
            offered_at=datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
            answered_at=datetime(2026, 11, 2, 9, 0, 10, tzinfo=timezone.utc),
            disposition="answered",
            talk_seconds=60,
            recording_path="redacted/call.wav",
        )
    )
    summary = await batch.run_batch(workers=1, engine=EnglishWords())
    assert summary.done == 1
    row = await Transcription.select(Transcription.text, Transcription.transcript).output(load_json=True).first()
    assert "[personal number]" in row["text"] and row["text"].startswith("hello my personal number is")
    assert [r["kind"] for r in row["transcript"]["redactions"]] == ["national_id"]

    stored = await everything_stored(database)
    logged = caplog.text
    assert "[personal number]" in stored  # the search does see the transcript
    for digits in DIGITS:
        assert digits not in stored, digits
        assert digits not in logged, digits


@pytest.mark.parametrize("mode", ["off", "test"])
async def test_with_redaction_off_or_in_test_mode_the_words_stay(clean_db, clips, mode, monkeypatch):  # noqa: F811
    from qa_app.settings import reset_settings

    monkeypatch.setenv("QA_REDACT_MODE", mode)
    reset_settings()
    root = get_settings().recordings_dir / "kept"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copy(clips[0], root / "call.wav")
    original = (root / "call.wav").read_bytes()
    agent = (await Agent.insert(Agent(staff_number="8", name="Bo")).returning(Agent.id))[0]["id"]
    await Call.insert(
        Call(
            external_id="pn2",
            agent=agent,
            offered_at=datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
            disposition="answered",
            recording_path="kept/call.wav",
        )
    )
    assert (await batch.run_batch(workers=1, engine=EnglishWords())).done == 1
    row = await Transcription.select(Transcription.text, Transcription.transcript).output(load_json=True).first()
    assert "one nine eight five" in row["text"] and "redactions" not in row["transcript"]
    assert (root / "call.wav").read_bytes() == original
    if mode == "test":
        assert [r["kind"] for r in row["transcript"]["would_redact"]] == ["national_id"]
    else:
        assert "would_redact" not in row["transcript"]
    reset_settings()
