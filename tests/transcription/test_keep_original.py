"""QA_REDACT_KEEP_ORIGINAL (off by default): when on, the unredacted original of a recording whose
personal numbers were silenced is kept in QA_DATA_DIR/unredacted-recordings (mode 0600) instead
of being gone once the call is transcribed; a resident's access request lists and exports it, and
their erasure deletes it. The recogniser is the stand-in of tests/transcription/test_redaction_stored.py
(its words hold a personnummer); everything after it is the product's."""

from __future__ import annotations

import json
import shutil
import stat
import zipfile
from datetime import datetime, timezone

import pytest

from privacy import requests as privacy
from qa_app.security import caller_hash
from qa_app.settings import ConfigError, get_settings, reset_settings
from qa_app.tables import Agent, Call
from tests.transcription.test_batch import clips  # noqa: F401 - the espeak-ng clips fixture
from tests.transcription.test_redaction_stored import EnglishWords
from transcription import batch
from transcription.redact_audio import AudioSpan, redact_audio, unredacted_dir

PHONE = "+31 20 555 0101"


@pytest.fixture
def keep_original(monkeypatch):
    monkeypatch.setenv("QA_REDACT_KEEP_ORIGINAL", "on")
    reset_settings()
    shutil.rmtree(unredacted_dir(), ignore_errors=True)
    yield
    monkeypatch.delenv("QA_REDACT_KEEP_ORIGINAL")
    reset_settings()


async def transcribed_call(clip, folder: str) -> tuple[int, object]:
    """A call of the resident with a recording in which a personnummer is said, transcribed."""
    root = get_settings().recordings_dir / folder
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copy(clip, root / "call.wav")
    agent = (await Agent.insert(Agent(staff_number="9", name="Ada")).returning(Agent.id))[0]["id"]
    call = (
        await Call.insert(
            Call(
                external_id=f"{folder}-1",
                agent=agent,
                offered_at=datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
                answered_at=datetime(2026, 11, 2, 9, 0, 10, tzinfo=timezone.utc),
                disposition="answered",
                talk_seconds=60,
                caller_hash=caller_hash(PHONE, get_settings().secret_key),
                recording_path=f"{folder}/call.wav",
            )
        ).returning(Call.id)
    )[0]["id"]
    assert (await batch.run_batch(workers=1, engine=EnglishWords())).done == 1
    return call, root / "call.wav"


def test_the_setting_is_off_by_default_and_says_what_is_wrong(monkeypatch):
    assert get_settings().redact_keep_original is False
    monkeypatch.setenv("QA_REDACT_KEEP_ORIGINAL", "maybe")
    reset_settings()
    with pytest.raises(ConfigError, match="QA_REDACT_KEEP_ORIGINAL must be on or off"):
        get_settings()
    monkeypatch.delenv("QA_REDACT_KEEP_ORIGINAL")
    reset_settings()


async def test_by_default_the_original_is_not_kept(clean_db, clips):  # noqa: F811
    shutil.rmtree(unredacted_dir(), ignore_errors=True)
    original = clips[0].read_bytes()
    _, recording = await transcribed_call(clips[0], "not-kept")
    assert recording.read_bytes() != original  # silenced over the number
    assert not unredacted_dir().exists()
    found = await privacy.find(*privacy.subject(PHONE, None))
    assert found["unredacted_recordings"] == []


async def test_kept_original_is_private_listed_exported_and_erased(clean_db, clips, keep_original, tmp_path):  # noqa: F811
    original = clips[0].read_bytes()
    _, recording = await transcribed_call(clips[0], "kept")
    kept = unredacted_dir() / "kept" / "call.wav"
    assert recording.read_bytes() != original and kept.read_bytes() == original
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(unredacted_dir().stat().st_mode) == 0o700
    # Redacted again (a second transcription): the kept copy stays the original.
    redact_audio(recording, [AudioSpan(0.0, 0.5)])
    assert kept.read_bytes() == original

    found = await privacy.find(*privacy.subject(PHONE, None))
    assert [(r["call"], r["file"]) for r in found["unredacted_recordings"]] == [("kept-1", kept)]
    out = tmp_path / "export.zip"
    counts = await privacy.export(*privacy.subject(PHONE, None), out)
    assert counts["unredacted_recordings"] == 1
    with zipfile.ZipFile(out) as archive:
        assert archive.read("files/unredacted_recordings/call.wav") == original
        assert json.loads(archive.read("personal-data.json"))["unredacted_recordings"] == [
            {"call": "kept-1", "file": "files/unredacted_recordings/call.wav"}
        ]

    erased = await privacy.erase(*privacy.subject(PHONE, None))
    assert (erased["unredacted_recordings"], erased["recordings"]) == (1, 1)
    assert not kept.exists() and not recording.exists()


async def test_a_kept_original_goes_with_its_recording_past_retention(clean_db, clips, keep_original, monkeypatch):  # noqa: F811
    _, recording = await transcribed_call(clips[0], "expiring")
    kept = unredacted_dir() / "expiring" / "call.wav"
    assert kept.exists()
    monkeypatch.setenv("QA_RETENTION", "recordings=1")
    reset_settings()
    counts = await privacy.erase_expired(datetime(2026, 11, 10, tzinfo=timezone.utc).date())
    assert counts["recordings"] == 1
    assert not kept.exists() and not recording.exists()
