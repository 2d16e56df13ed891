"""A resident's erasure by phone number leaves no trace of that number's calls' transcripts, voice
comments, survey comments or case contacts (issue 14, must show 1), including where the caller's
words are quoted: the search's index of the transcript, the flags that quote the caller and the
targeted pick chosen for one, and a mystery-email reply (with its grade's evidence) that quotes
the resident's number. The test builds all of it for one number through the product's own
functions, erases, then reads every text column of every table in the database (the search's
own tables too) and finds neither the words nor the number. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import asyncpg
import pytest

from audits import mail_rules
from audits.tables import AuditCampaign, AuditGrade, AuditReply, AuditScenario
from cases import register
from privacy import requests as privacy
from qa_app import db, packages
from qa_app.security import caller_hash
from qa_app.settings import database_kind, get_settings
from qa_app.tables import Agent, Call
from scorecards.sample_store import reason_for
from scorecards.tables import Assignment, AutoCheck, CallFlag, Sample
from surveys.tables import SurveyResponse
from transcription import search
from transcription.tables import TranscriptIndex, Transcription

PHONE = "+46 8-508 00 000"
WRITTEN_ELSEWHERE = "08-508 00 000"  # how a clerk wrote it in an email
NUMBER_FORMS = ("850800000", "508 00 000", "508-00-000")
SECRET = "gooseberry"  # a word only this caller said or wrote
QUOTED = "absolutely ridiculous"  # the caller's words a flag of complaint quotes
COMPLAINT = f"my {SECRET} fence is broken again it is {QUOTED}"
OTHER_PHONE = "+46 70 123 45 67"
KEPT = "elderflower"
NOW = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)


def words(text: str, start: float) -> list[dict]:
    return [
        {"word": w, "start": start + i * 0.4, "end": start + i * 0.4 + 0.3, "conf": 0.99}
        for i, w in enumerate(text.split())
    ]


async def transcribed_call(external_id: str, phone: str, agent: int, said: str) -> int:
    """An answered, recorded call whose finished transcript has the caller say `said`; every
    package then reads it as after a real transcription (search index, automatic checks, flags)."""
    call = (
        await Call.insert(
            Call(
                external_id=external_id,
                agent=agent,
                offered_at=NOW,
                answered_at=NOW + timedelta(seconds=5),
                talk_seconds=60,
                disposition="answered",
                caller_hash=caller_hash(phone, get_settings().secret_key),
            )
        ).returning(Call.id)
    )[0]["id"]
    greeting = "good morning you are through to the council how can I help"
    turns = [
        {"speaker": "agent", "start": 0.0, "end": 5.0, "text": greeting, "words": words(greeting, 0.0)},
        {"speaker": "caller", "start": 6.0, "end": 10.0, "text": said, "words": words(said, 6.0)},
    ]
    text = f"{greeting} {said}"
    await Transcription.insert(
        Transcription(
            call=call,
            status="done",
            text=text,
            transcript={"text": text, "duration": 60.0, "turns": turns},
            metrics={"caller_talk": 4.0},
            duration=60.0,
        )
    )
    await packages.calls_changed([call])
    return call


async def text_columns(url: str) -> str:
    """Every text value of every table of the database, the search's own tables included."""
    if database_kind(url) == "sqlite":
        with sqlite3.connect(db.sqlite_path(url)) as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            values = [
                value
                for name in names
                for row in conn.execute(f'SELECT * FROM "{name}"')
                for value in row
                if isinstance(value, str)
            ]
        return "\n".join(values)
    conn = await asyncpg.connect(url)
    try:
        names = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        rows = []
        for row in names:
            rows += [r[0] for r in await conn.fetch(f'SELECT row_to_json(t)::text FROM "{row["table_name"]}" t')]
        return "\n".join(rows)
    finally:
        await conn.close()


async def test_erasure_by_phone_number_leaves_no_quoted_words_or_number(clean_db, database):
    agent = (await Agent.insert(Agent(staff_number="41", name="Ada")).returning(Agent.id))[0]["id"]
    mine = await transcribed_call("mine", PHONE, agent, COMPLAINT)
    other = await transcribed_call("other", OTHER_PHONE, agent, f"I am fed up with my {KEPT} hedge")

    # The flags quote the caller; QA picked the call for its flag.
    details = {r["kind"]: r["detail"] for r in await CallFlag.select().where(CallFlag.call == mine)}
    assert QUOTED in details["complaint"]
    sample = (await Sample.insert(Sample(month=NOW.strftime("%Y-%m"), seed=1)).returning(Sample.id))[0]["id"]
    await Assignment.insert(
        Assignment(sample=sample, agent=agent, call=mine, kind="targeted", reason=reason_for(details, "complaint"))
    )
    assert await AutoCheck.count().where(AutoCheck.call == mine) > 0  # the automatic checks read it too
    assert await search.index_calls([mine, other]) == 2

    # The resident's survey answer with a voice comment, and a case with their contact.
    await SurveyResponse.insert(
        SurveyResponse(
            call=mine,
            satisfaction=1,
            comment=f"the {SECRET} fence again",
            answers={"satisfaction": 1, "comment": f"the {SECRET} fence again"},
            voice_text=f"spoken {SECRET}",
            voice_status="done",
        )
    )
    await register.create_case(
        channel="phone", description=f"{SECRET} fence broken", service_id=None, call_id=mine, address="Mill Lane 4"
    )
    await register.create_case(
        channel="web", description=f"{SECRET} lamp", service_id=None, contact=PHONE, wants_reply=True
    )

    # A clerk's reply to a mystery email that quotes the resident's number; its grade quotes the reply.
    campaign = (await AuditCampaign.insert(AuditCampaign(name="Autumn")).returning(AuditCampaign.id))[0]["id"]
    scenario = (
        await AuditScenario.insert(
            AuditScenario(
                campaign=campaign,
                title="Fence",
                to_address="parks@city.example",
                subject="Fence",
                question="Who mends fences?",
                token="T1",
            )
        ).returning(AuditScenario.id)
    )[0]["id"]
    body = f"Dear Anna,\nWe will mend it.\nYour neighbour left {WRITTEN_ELSEWHERE} for you.\nKind regards\n{WRITTEN_ELSEWHERE}"
    await AuditReply.insert(
        AuditReply(
            scenario=scenario, message_id="<m1@city>", from_address="parks@city.example", body=body, received_at=NOW
        )
    )
    timed = mail_rules.Timing(None, NOW, None, 1.0, None, True, "answered")
    checks = mail_rules.prefill(body, {"resident_name": "Anna", "key_points": []}, timed, 8, 2)
    assert "508 00 000" in checks["signature"]["evidence"]
    await AuditGrade.insert(AuditGrade(scenario=scenario, checks=checks, score=mail_rules.score(checks)))

    before = await text_columns(database)
    assert SECRET in before and QUOTED in before and "508 00 000" in before and KEPT in before

    found = await privacy.find(*privacy.subject(PHONE, None))
    assert [f["kind"] for f in found["flags"]] == ["complaint", "targeted pick"]
    assert [r["body"] for r in found["replies"]] == [body]
    counts = await privacy.erase(*privacy.subject(PHONE, None))
    assert (counts["flags"], counts["replies"], counts["transcripts"], counts["cases"]) == (2, 1, 1, 2)

    after = await text_columns(database)
    assert SECRET not in after and QUOTED not in after
    for form in NUMBER_FORMS:
        assert form not in after, form
    assert caller_hash(PHONE, get_settings().secret_key) not in after
    assert KEPT in after and "fed up" in after  # the other caller's words stay, and their flag's quote

    # What stays: the statistics (the flag's kind, the pick's kind, the grade's values and score).
    flag = await CallFlag.select().where((CallFlag.call == mine) & (CallFlag.kind == "complaint")).first()
    assert flag["detail"] == "The caller's words were erased."
    pick = await Assignment.select(Assignment.reason).where(Assignment.call == mine).first()
    assert pick["reason"] == "Words of complaint: The caller's words were erased."
    grade = await AuditGrade.select().where(AuditGrade.scenario == scenario).output(load_json=True).first()
    assert grade["checks"]["signature"] == {**checks["signature"], "evidence": ""}
    assert grade["checks"]["answered_in_time"] == checks["answered_in_time"]  # times quote nothing
    assert grade["score"] == pytest.approx(mail_rules.score(checks))
    assert await TranscriptIndex.count().where(TranscriptIndex.call == mine) == 0
    assert await search.index_calls([other]) == 1
    assert json.dumps(await privacy.find(*privacy.subject(PHONE, None)), default=str).count(SECRET) == 0
