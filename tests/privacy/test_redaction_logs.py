"""Logs never hold a resident's personal number (issue 19, must show 3), even with every logger at
DEBUG: aiosqlite's DEBUG lines would echo each SQL statement with its parameters, so qa_app/db.py
keeps it at INFO. With redaction on, what residents typed or said (a survey comment, a voice
comment's transcript, a case description) is stored without the number, and the number is in
no log record and nowhere in the database file. A call's transcript is the same test in
tests/transcription/test_redaction_stored.py (the batch, the recording, the automatic checks)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from cases import register
from cases.tables import Case
from qa_app.settings import get_settings
from qa_app.tables import Call
from surveys import invitations, voice
from surveys.tables import SurveyResponse
from tests.transcription.test_redaction_stored import everything_stored

BSN = "111222333"  # a Dutch BSN with a valid check digit
PERSONNUMMER = "198503123456"
SPOKEN = "my personal number is one nine eight five zero three one two three four five six"
FORMS = (BSN, PERSONNUMMER, "8503123456", "one nine eight five zero three")


async def test_an_unredacted_parameter_is_not_echoed_at_debug(clean_db, caplog):
    """What aiosqlite would log: a statement whose parameter is a personal number (a search for it)."""
    caplog.set_level(logging.DEBUG)
    assert logging.getLogger("aiosqlite").getEffectiveLevel() == logging.INFO
    assert await Call.select(Call.id).where(Call.external_id == PERSONNUMMER) == []
    assert PERSONNUMMER not in caplog.text


async def test_residents_text_with_a_number_is_stored_redacted_and_never_logged(
    clean_db, database, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    assert get_settings().redact_mode == "on"  # the default
    now = datetime.now(timezone.utc)
    call = (
        await Call.insert(
            Call(external_id="n1", offered_at=now - timedelta(hours=2), answered_at=now, disposition="answered")
        ).returning(Call.id)
    )[0]["id"]

    # A written survey comment, then a voice comment (its words as the speech model would hear them).
    (link,) = await invitations.create_invitations(now - timedelta(days=1), now + timedelta(minutes=1))
    comment = f"They asked for my BSN {BSN} on the phone"
    assert await invitations.answer(link.token, {"satisfaction": 4, "comment": comment}, "en") == "answered"
    response = await SurveyResponse.select(SurveyResponse.id).first()
    await voice.attach(response["id"], "comment.wav", b"RIFF not really audio")
    monkeypatch.setattr(voice, "transcribe_audio", lambda path: SPOKEN)
    assert (await voice.transcribe_pending(response["id"]))[voice.DONE] == 1

    # A case description an agent typed.
    await register.create_case(
        channel="phone", description=f"Resident gave personnummer {PERSONNUMMER}", service_id=None, call_id=call
    )

    stored = await SurveyResponse.select().first()
    assert stored["comment"] == "They asked for my BSN [personal number] on the phone"
    assert "[personal number]" in stored["voice_text"]
    assert (await Case.select(Case.description).first())[
        "description"
    ] == "Resident gave personnummer [personal number]"
    everything, logged = await everything_stored(database), caplog.text
    for form in FORMS:
        assert form not in everything, form
        assert form not in logged, form
