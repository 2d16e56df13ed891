"""A resident's personal data across the packages (privacy/requests.py and each package's
privacy.py): found by the keyed hash of a phone number written any way, or by an email; exported
as a zip with the audio; erased without a trace while another caller's data stays and the
statistics rows remain, with the counts (and never the number) in the audit log; and each kind
erased past its retention, to the day. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, time, timedelta, timezone

import pytest

from audits.tables import AuditReply
from cases import register
from cases.tables import Case
from privacy import requests as privacy
from qa_app import db, packages
from qa_app.security import caller_hash
from qa_app.settings import get_settings, reset_settings
from qa_app.tables import AuditLog, Call
from surveys.tables import SurveyInvitation, SurveyResponse
from surveys.voice import voice_dir
from tests.qa_command import run_qa
from transcription.tables import Transcription

PHONE = "+46 8-508 00 000"
SAME_PHONE = "0046 8 508 00 000"  # the resident's number as an Open311 app or a form wrote it
OTHER_PHONE = "+46 70 123 45 67"
EMAIL = "Anna.Resident@example.org"
# Words only the resident said or wrote, to look for anywhere in the database afterwards.
SECRET, KEPT = "annas-secret-words", "other-callers-words"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def key() -> str:
    return get_settings().secret_key


async def add_call(external_id: str, phone: str | None, *, age_days: float = 1, recording: bytes | None = None) -> int:
    path = None
    if recording is not None:
        path = f"{external_id}.wav"
        get_settings().recordings_dir.mkdir(parents=True, exist_ok=True)
        (get_settings().recordings_dir / path).write_bytes(recording)
    rows = await Call.insert(
        Call(
            external_id=external_id,
            offered_at=NOW - timedelta(days=age_days),
            talk_seconds=120,
            disposition="answered",
            caller_hash=caller_hash(phone, key()),
            recording_path=path,
        )
    ).returning(Call.id)
    return rows[0]["id"]


async def add_transcript(call_id: int, words: str, corrected: str | None = None) -> None:
    turns = [{"speaker": "caller", "start": 0.0, "end": 1.0, "text": words, "words": [{"word": words}]}]
    await Transcription.insert(
        Transcription(
            call=call_id,
            status="done",
            text=words,
            transcript={"text": words, "turns": turns},
            metrics={"caller_talk": 1.0},
            corrected_text=corrected,
            duration=1.0,
        )
    )


async def add_response(call_id: int, comment: str, *, age_days: float = 1, voice: bytes | None = None) -> int:
    rows = await SurveyResponse.insert(
        SurveyResponse(
            call=call_id,
            satisfaction=4,
            recommend=9,
            comment=comment,
            answers={"satisfaction": 4, "recommend": 9, "comment": comment},
            created_at=NOW - timedelta(days=age_days),
        )
    ).returning(SurveyResponse.id)
    response_id = rows[0]["id"]
    if voice is not None:
        voice_dir().mkdir(parents=True, exist_ok=True)
        (voice_dir() / f"{response_id}.wav").write_bytes(voice)
        await SurveyResponse.update(
            {
                SurveyResponse.voice_path: f"{response_id}.wav",
                SurveyResponse.voice_text: f"spoken {comment}",
                SurveyResponse.voice_status: "done",
            }
        ).where(SurveyResponse.id == response_id)
    return response_id


@pytest.fixture
async def residents(clean_db):
    """The resident (two calls, one recorded and transcribed, a survey answer with a voice
    comment, cases by call, by phone contact and by email) and another caller with the same."""
    from surveys.invitations import default_template

    mine = await add_call("mine-1", PHONE, recording=b"RIFF resident audio")
    mine_unrecorded = await add_call("mine-2", PHONE)
    other = await add_call("other-1", OTHER_PHONE, recording=b"RIFF other audio")
    await add_transcript(mine, f"my name is Anna {SECRET}", corrected=f"My name is Anna, {SECRET}.")
    await add_transcript(other, f"hello {KEPT}")
    template = await default_template()
    await SurveyInvitation.insert(
        SurveyInvitation(
            token_hash="t1",
            call=mine_unrecorded,
            template=template["id"],
            caller_hash=caller_hash(PHONE, key()),
            expires_at=NOW + timedelta(days=10),
        )
    )
    my_response = await add_response(mine, f"thanks {SECRET}", voice=b"resident voice")
    other_response = await add_response(other, f"thanks {KEPT}", voice=b"other voice")
    by_call = await register.create_case(channel="phone", description=f"bins {SECRET}", service_id=None, call_id=mine)
    by_phone = await register.create_case(
        channel="web", description=f"lamp {SECRET}", service_id=None, contact=SAME_PHONE, wants_reply=True
    )
    by_email = await register.create_case(
        channel="web", description="pothole on my street", service_id=None, contact=EMAIL.lower(), wants_reply=True
    )
    others = await register.create_case(
        channel="phone", description=f"bins {KEPT}", service_id=None, call_id=other, address="Mill Road 3"
    )
    await Case.update({Case.contact: OTHER_PHONE}).where(Case.id == others["id"])
    await AuditReply.insert(
        AuditReply(message_id="<r1@city>", from_address="clerk@city.example", body="Dear resident", received_at=NOW)
    )
    return {
        "calls": (mine, mine_unrecorded, other),
        "responses": (my_response, other_response),
        "cases": {"call": by_call["id"], "phone": by_phone["id"], "email": by_email["id"], "other": others["id"]},
    }


def test_every_package_with_personal_data_declares_it():
    declared = {ref for package in packages.installed() for ref in package.personal_data}
    assert declared == {
        "transcription.privacy:CALL_AUDIO",
        "cases.privacy:CASES",
        "surveys.privacy:SURVEYS",  # one line in surveys/package.py: personal_data=[...]
        "audits.privacy:REPLIES",
        "scorecards.privacy:FLAGS",  # the caller's words quoted by flags (tests/privacy/test_erasure_gaps.py)
    }
    assert any(job.function is privacy.erase_expired_job for job in packages.cron_jobs())


async def test_find_lists_everything_linked_to_the_number_written_any_way(residents):
    found = await privacy.find(*privacy.subject(SAME_PHONE, None))
    assert [c["call"] for c in found["calls"]] == ["mine-1", "mine-2"]
    assert [r["call"] for r in found["recordings"]] == ["mine-1"]
    assert [t["corrected_text"] for t in found["transcripts"]] == [f"My name is Anna, {SECRET}."]
    assert [(s["call"], s["comment"]) for s in found["surveys"]] == [("mine-1", f"thanks {SECRET}")]
    assert [v["text"] for v in found["voice"]] == [f"spoken thanks {SECRET}"]
    assert sorted(c["description"] for c in found["cases"]) == [f"bins {SECRET}", f"lamp {SECRET}"]
    assert found["replies"] == []
    by_email = await privacy.find(*privacy.subject(None, EMAIL))
    assert [c["contact"] for c in by_email["cases"]] == [EMAIL.lower()] and by_email["calls"] == []
    staff = await privacy.find(*privacy.subject(None, "Clerk@City.example"))
    assert [r["body"] for r in staff["replies"]] == ["Dear resident"]
    for nothing in ((None, None), ("anonymous", None), (None, "not-an-address")):
        with pytest.raises(ValueError, match="phone number"):
            privacy.subject(*nothing)


async def test_export_writes_the_json_and_the_audio(residents, tmp_path):
    out = tmp_path / "anna.zip"
    counts = await privacy.export(*privacy.subject(PHONE, EMAIL), out)
    assert counts == {
        "calls": 2,
        "recordings": 1,
        "unredacted_recordings": 0,
        "transcripts": 1,
        "cases": 3,
        "surveys": 1,
        "voice": 1,
        "replies": 0,
        "flags": 0,
    }
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        data = json.loads(archive.read("personal-data.json"))
        assert archive.read("files/recordings/mine-1.wav") == b"RIFF resident audio"
        assert archive.read(f"files/voice/{residents['responses'][0]}.wav") == b"resident voice"
    assert names == {
        "personal-data.json",
        "files/recordings/mine-1.wav",
        f"files/voice/{residents['responses'][0]}.wav",
    }
    assert data["recordings"] == [{"call": "mine-1", "file": "files/recordings/mine-1.wav"}]
    assert data["transcripts"][0]["transcript"]["turns"][0]["words"] == [{"word": f"my name is Anna {SECRET}"}]
    assert data["surveys"][0]["comment"] == f"thanks {SECRET}" and data["surveys"][0]["satisfaction"] == 4
    assert {c["contact"] for c in data["cases"]} == {None, SAME_PHONE, EMAIL.lower()}
    assert KEPT not in json.dumps(data)


async def everything_stored() -> str:
    """Every row of every table, as text: where a trace would be."""
    rows = [await table.select() for table in db.all_tables() if table.__name__ != "Migration"]
    return json.dumps(rows, default=str)


async def test_erasing_by_phone_number_leaves_no_trace_and_keeps_the_other_caller(residents):
    mine, mine_unrecorded, other = residents["calls"]
    my_response, other_response = residents["responses"]
    hashed = caller_hash(PHONE, key())
    assert SECRET in await everything_stored()

    counts = await privacy.erase(*privacy.subject(SAME_PHONE, None), user_id=None)

    assert counts == {
        "calls": 2,
        "recordings": 1,
        "unredacted_recordings": 0,
        "transcripts": 1,
        "cases": 2,
        "surveys": 1,
        "voice": 1,
        "replies": 0,
        "flags": 0,
    }
    stored = await everything_stored()
    assert SECRET not in stored and hashed not in stored
    assert "850800000" not in stored  # the number's digits, in no form
    # The statistics rows stay: the calls' times, the answer's scores, the cases and the talk metrics.
    calls = {r["id"]: r for r in await Call.select()}
    assert calls[mine]["talk_seconds"] == 120 and calls[mine]["caller_hash"] is None
    assert calls[mine]["recording_path"] is None and calls[other]["recording_path"] == "other-1.wav"
    recordings = get_settings().recordings_dir
    assert not (recordings / "mine-1.wav").exists() and (recordings / "other-1.wav").exists()
    transcripts = {r["call"]: r for r in await Transcription.select().output(load_json=True)}
    assert transcripts[mine]["text"] == "" and transcripts[mine]["corrected_text"] is None
    assert transcripts[mine]["transcript"]["turns"] == [] and transcripts[mine]["metrics"] == {"caller_talk": 1.0}
    assert transcripts[other]["text"] == f"hello {KEPT}"
    responses = {r["id"]: r for r in await SurveyResponse.select().output(load_json=True)}
    assert (responses[my_response]["satisfaction"], responses[my_response]["comment"]) == (4, "")
    assert responses[my_response]["answers"] == {"satisfaction": 4, "recommend": 9}
    assert responses[my_response]["voice_path"] is None and responses[my_response]["voice_text"] == ""
    assert not (voice_dir() / f"{my_response}.wav").exists() and (voice_dir() / f"{other_response}.wav").exists()
    assert responses[other_response]["comment"] == f"thanks {KEPT}"
    assert responses[other_response]["voice_text"] == f"spoken thanks {KEPT}"
    assert await SurveyInvitation.count().where(SurveyInvitation.caller_hash.is_not_null()) == 0
    cases = {r["id"]: r for r in await Case.select()}
    for erased in (residents["cases"]["call"], residents["cases"]["phone"]):
        assert (cases[erased]["contact"], cases[erased]["description"], cases[erased]["caller_hash"]) == (
            None,
            "",
            None,
        )
        assert cases[erased]["tracking_number"] and cases[erased]["status"] == "open"
    assert cases[residents["cases"]["email"]]["contact"] == EMAIL.lower()  # asked by email only
    assert cases[residents["cases"]["other"]]["contact"] == OTHER_PHONE
    assert cases[residents["cases"]["other"]]["description"] == f"bins {KEPT}"
    assert KEPT in stored

    (entry,) = (
        await AuditLog.select()
        .where(AuditLog.action == "erase personal data")
        .where(AuditLog.entity == "resident")
        .output(load_json=True)
    )
    assert entry["entity_id"] == hashed[:8]
    assert entry["detail"] == counts
    log = json.dumps(await AuditLog.select(), default=str)
    assert "850800000" not in log and hashed not in log

    found = await privacy.find(*privacy.subject(PHONE, None))
    assert all(items == [] for items in found.values())
    again = await privacy.erase(*privacy.subject(PHONE, None))
    assert set(again.values()) == {0}


async def test_erasing_by_email_clears_the_contact_and_a_staff_members_replies(residents):
    counts = await privacy.erase(*privacy.subject(None, EMAIL))
    assert (counts["cases"], counts["calls"], counts["replies"]) == (1, 0, 0)
    case = await Case.select().where(Case.id == residents["cases"]["email"]).first()
    assert (case["contact"], case["description"]) == (None, "")
    staff = await privacy.erase(*privacy.subject(None, "clerk@city.example"))
    assert staff["replies"] == 1
    assert await AuditReply.select(AuditReply.body, AuditReply.from_address) == [{"body": "", "from_address": ""}]
    (entry, _) = await AuditLog.select().where(AuditLog.entity == "resident").order_by(AuditLog.id)
    assert "example.org" not in json.dumps(entry, default=str)


async def test_each_kind_is_erased_past_its_retention_to_the_day(clean_db, monkeypatch):
    """QA_RETENTION days per kind; what is from day D goes on day D + days, not the day before."""
    monkeypatch.setenv("QA_RETENTION", "recordings=30, transcripts=20, voice=10, comments=40, contacts=5, replies=15")
    reset_settings()
    today = NOW.date()

    def at(age: int) -> datetime:  # noon of the day `age` days before today
        return datetime.combine(today - timedelta(days=age), time(12), tzinfo=timezone.utc)

    calls = {}
    for age in (19, 20, 29, 30):
        calls[age] = await add_call(f"c{age}", PHONE, recording=b"audio")
        await Call.update({Call.offered_at: at(age)}).where(Call.id == calls[age])
        await add_transcript(calls[age], f"words {age}")
    responses = {}
    for age in (9, 10, 39, 40):
        responses[age] = await add_response(calls[19], f"comment {age}", voice=b"voice")
        await SurveyResponse.update({SurveyResponse.created_at: at(age)}).where(SurveyResponse.id == responses[age])
    cases = {}
    for age in (4, 5):
        cases[age] = (
            await register.create_case(
                channel="web", description="lamp", service_id=None, contact=f"r{age}@example.org", wants_reply=True
            )
        )["id"]
        await Case.update({Case.status: "closed", Case.closed_at: at(age)}).where(Case.id == cases[age])
    still_open = await register.create_case(
        channel="web", description="lamp", service_id=None, contact="open@example.org", wants_reply=True
    )
    await Case.update({Case.created_at: at(400)}).where(Case.id == still_open["id"])
    for age in (14, 15):
        await AuditReply.insert(
            AuditReply(message_id=f"<{age}@city>", from_address="clerk@city.example", body="Hi", received_at=at(age))
        )

    counts = await privacy.erase_expired(today)

    assert counts == {"recordings": 1, "transcripts": 3, "contacts": 1, "voice": 3, "comments": 1, "replies": 1}
    recording = {r["id"]: r["recording_path"] for r in await Call.select(Call.id, Call.recording_path)}
    assert [age for age in calls if recording[calls[age]] is None] == [30]
    assert not (get_settings().recordings_dir / "c30.wav").exists()
    assert (get_settings().recordings_dir / "c29.wav").exists()
    texts = {r["call"]: r["text"] for r in await Transcription.select(Transcription.call, Transcription.text)}
    assert [age for age in calls if texts[calls[age]] == ""] == [20, 29, 30]
    rows = {r["id"]: r for r in await SurveyResponse.select()}
    assert [age for age in responses if rows[responses[age]]["voice_path"] is None] == [10, 39, 40]
    assert [age for age in responses if rows[responses[age]]["comment"] == ""] == [40]
    assert (voice_dir() / f"{responses[9]}.wav").exists() and not (voice_dir() / f"{responses[10]}.wav").exists()
    contacts = {r["id"]: r["contact"] for r in await Case.select(Case.id, Case.contact)}
    assert (contacts[cases[4]], contacts[cases[5]], contacts[still_open["id"]]) == (
        "r4@example.org",
        None,
        "open@example.org",
    )
    assert [r["body"] for r in await AuditReply.select(AuditReply.body).order_by(AuditReply.id)] == ["Hi", ""]
    (entry,) = await AuditLog.select().where(AuditLog.action == "erase expired personal data").output(load_json=True)
    assert entry["detail"] == counts
    assert set((await privacy.erase_expired(today)).values()) == {0}  # nothing left to erase
    assert set((await privacy.erase_expired_job({})).values()) == {0}  # the worker's daily job


async def test_the_privacy_commands(residents, database, tmp_path):
    found = run_qa("privacy", "find", "--phone", SAME_PHONE, "--json", database=database)
    assert found.returncode == 0, found.stderr
    assert [c["call"] for c in json.loads(found.stdout)["calls"]] == ["mine-1", "mine-2"]
    listed = run_qa("privacy", "find", "--email", EMAIL, database=database)
    assert "cases: 1" in listed.stdout and EMAIL.lower() in listed.stdout
    out = tmp_path / "export.zip"
    exported = run_qa("privacy", "export", "--phone", PHONE, "--out", str(out), database=database)
    assert exported.returncode == 0 and "recordings: 1 exported" in exported.stdout
    assert "files/recordings/mine-1.wav" in zipfile.ZipFile(out).namelist()
    erased = run_qa("privacy", "erase", "--phone", PHONE, "--json", database=database)
    assert erased.returncode == 0, erased.stderr
    assert json.loads(erased.stdout)["transcripts"] == 1
    expired = run_qa("privacy", "erase-expired", "--json", database=database)
    assert expired.returncode == 0 and set(json.loads(expired.stdout)) == set(get_settings().retention_days)
    nobody = run_qa("privacy", "erase", database=database)
    assert nobody.returncode == 2 and "phone number" in nobody.stderr


async def test_a_voice_transcript_without_its_file_is_still_found_and_a_published_case_is_withdrawn(residents):
    """A voice comment whose file was already deleted still has its words to list; a case the
    resident asked about that staff published on Open311 is no longer public once erased."""
    await SurveyResponse.update({SurveyResponse.voice_path: None}).where(SurveyResponse.voice_text != "")
    await Case.update({Case.public: True, Case.public_description: "Bins not emptied"}).where(
        Case.id == residents["cases"]["call"]
    )
    hashes, emails = privacy.subject(SAME_PHONE, None)
    found = await privacy.find(hashes, emails)
    assert [(v["text"], v["file"]) for v in found["voice"]] == [(f"spoken thanks {SECRET}", None)]
    await privacy.erase(hashes, emails)
    case = await Case.select(Case.public, Case.public_description).where(Case.id == residents["cases"]["call"]).first()
    assert case == {"public": False, "public_description": ""}
