"""A mystery-email campaign through real servers, on SQLite and PostgreSQL: five test emails
sent through SMTP (aiosmtpd), replies put in a Dovecot mailbox, fetched over IMAP by
`qa audits fetch`, matched, told acknowledgement from answer, and timed in working hours.

The clock is fixed: the emails go out on Maundy Thursday 2 April 2026 at 14:00 in Stockholm.
Office hours are 08:00-17:00 on weekdays, and Sweden's holidays (Good Friday 3 April, Easter
Monday 6 April) and the weekend between do not count. Worked by hand, in office hours:

| scenario | replies (local time) | to first reply | to answer |
|---|---|---|---|
| parking (Transport) | auto-ack Thu 14:05, answer Tue 7 Apr 10:00 | 5 min | 3 h Thu + 2 h Tue = 5 h |
| bulky waste (Waste) | answer Thu 16:30 (References only) | 2.5 h | 2.5 h |
| school place (Education) | none | - | never (25 h waited by Thu 9 Apr 12:00) |
| building permit (Planning) | answer Wed 8 Apr 15:00, new email with the token | 19 h | 3 + 9 + 7 = 19 h |
| library card (Culture) | answer Sat 4 Apr 11:00 | 3 h | 3 h |

A working day is 9 hours, so the answers took 5/9, 2.5/9, -, 19/9 and 3/9 working days
against a target of 2.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

import pytest

from audits import campaigns
from audits.tables import AuditReply, AuditScenario
from audits.working_hours import make_calendar
from qa_app import mail
from tests.qa_command import run_qa

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SENT = datetime(2026, 4, 2, 14, 0, tzinfo=STOCKHOLM)
NOW = datetime(2026, 4, 9, 12, 0, tzinfo=STOCKHOLM)
CALENDAR = make_calendar(STOCKHOLM, "Mon-Fri 08:00-17:00", "SE")

SCENARIOS = [
    {
        "title": "Parking permit",
        "to_address": "transport@city.example",
        "department": "Transport",
        "subject": "Parking permit for a new resident",
        "question": "Hello, I have just moved to Storgatan 5. How do I get a residents' parking permit?",
        "key_points": campaigns.parse_key_points("Apply online: e-service/online | Cost: 400 | Proof of address"),
        "resident_name": "Anna Svensson",
    },
    {
        "title": "Bulky waste",
        "to_address": "waste@city.example",
        "department": "Waste",
        "subject": "Old sofa",
        "question": "How do I get rid of an old sofa?",
        "key_points": [],
        "resident_name": "Bo Ek",
    },
    {
        "title": "School place",
        "to_address": "education@city.example",
        "department": "Education",
        "subject": "School place for my son",
        "question": "We move here in August. How do we apply for a school place?",
        "key_points": [],
        "resident_name": "Cecilia Lind",
    },
    {
        "title": "Building permit",
        "to_address": "planning@city.example",
        "department": "Planning",
        "subject": "Do I need a permit for a shed?",
        "question": "I want to build a 12 m2 shed in my garden. Do I need a building permit?",
        "key_points": [],
        "resident_name": "David Berg",
    },
    {
        "title": "Library card",
        "to_address": "culture@city.example",
        "department": "Culture",
        "subject": "Library card for my daughter",
        "question": "Can my 8-year-old daughter get her own library card?",
        "key_points": [],
        "resident_name": "Eva Holm",
    },
]

PARKING_ANSWER = """Dear Anna Svensson,

Thank you for your question. You apply for a residents' parking permit in our e-service.
The permit costs 400 kronor a month. You need to show a proof of address.

Case number: 2026-004217

Kind regards,
Karin Nyberg, Transport department
Phone 08-123 456 78
"""


def _reply(
    scenario: dict,
    when: datetime,
    body: str,
    *,
    thread: str = "in-reply-to",
    headers: dict[str, str] | None = None,
    subject: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Staff <{scenario['to_address']}>"
    message["To"] = "mystery@qa.city.example"
    message["Subject"] = subject or f"Re: {scenario['subject']} (ref {scenario['token']})"
    message["Date"] = format_datetime(when)
    message["Message-ID"] = make_msgid(domain="city.example")
    if thread == "in-reply-to":
        message["In-Reply-To"] = scenario["message_id"]
        message["References"] = scenario["message_id"]
    elif thread == "references":
        message["References"] = f"<older@elsewhere.example> {scenario['message_id']}"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture
async def campaign(clean_db, smtp_server):
    campaign_id = await campaigns.create_campaign(
        "Spring 2026", SCENARIOS, sender="mystery@qa.city.example", ack_target_hours=8, answer_target_days=2
    )
    sent = await campaigns.send_campaign(campaign_id, mail.parse_smtp_url(smtp_server.url), now=SENT)
    assert sent == 5
    return campaign_id


async def test_a_campaign_is_sent_fetched_matched_and_timed(campaign, database, smtp_server, imap_server):
    # Sent through SMTP: one email per scenario, the token in the subject, Message-ID recorded.
    received = smtp_server.wait_for(5)
    scenarios = {s["title"]: s for s in await campaigns.scenarios_of(campaign)}
    for message in received:
        scenario = next(s for s in scenarios.values() if s["to_address"] == message["To"])
        assert message["Message-ID"] == scenario["message_id"]
        assert message["Subject"] == f"{scenario['subject']} (ref {scenario['token']})"
        assert message["From"] == "mystery@qa.city.example"
        assert scenario["resident_name"] in message.get_content()
    assert all(s["sent_at"] == SENT for s in scenarios.values())

    # The departments reply into the QA mailbox.
    parking, waste = scenarios["Parking permit"], scenarios["Bulky waste"]
    permit, library = scenarios["Building permit"], scenarios["Library card"]
    local = lambda *args: datetime(*args, tzinfo=STOCKHOLM)  # noqa: E731
    mails = [
        _reply(
            parking,
            local(2026, 4, 2, 14, 5),
            "Thank you for your email. We will reply within two working days.",
            headers={"Auto-Submitted": "auto-replied"},
            subject=f"Automatic reply: {parking['subject']} (ref {parking['token']})",
        ),
        _reply(parking, local(2026, 4, 7, 10, 0), PARKING_ANSWER),
        _reply(waste, local(2026, 4, 2, 16, 30), "Hello Bo, book a collection on our website.", thread="references"),
        _reply(
            permit,
            local(2026, 4, 8, 15, 0),
            "Hello David, a shed under 15 m2 needs no permit.",
            thread="none",
            subject=f"Your question {permit['token']}",
        ),
        _reply(library, local(2026, 4, 4, 11, 0), "Dear Eva, yes: she can get one at any library."),
    ]
    newsletter = EmailMessage()
    newsletter["From"], newsletter["Subject"] = "news@elsewhere.example", "Our spring newsletter"
    newsletter["Date"], newsletter["Message-ID"] = format_datetime(NOW), make_msgid()
    newsletter.set_content("Spring news.")
    for raw in [*mails, newsletter.as_bytes()]:
        imap_server.append(raw)

    fetched = run_qa("audits", "fetch", "--json", database=database, env={"QA_IMAP_URL": imap_server.url})
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout) == {
        "read": 6,
        "matched": 5,
        "acknowledgements": 1,
        "unmatched": 1,
        "duplicates": 0,
        "unreadable": [],
    }
    again = run_qa("audits", "fetch", "--json", database=database, env={"QA_IMAP_URL": imap_server.url})
    assert json.loads(again.stdout)["duplicates"] == 6 and await AuditReply.count() == 6

    how = {r["subject"]: (r["matched_by"], r["kind"]) for r in await AuditReply.select()}
    assert how[f"Automatic reply: {parking['subject']} (ref {parking['token']})"] == ("in-reply-to", "ack")
    assert how[f"Re: {waste['subject']} (ref {waste['token']})"] == ("references", "answer")
    assert how[f"Your question {permit['token']}"] == ("token", "answer")
    assert how["Our spring newsletter"] == ("", "answer")

    view = {item["scenario"]["title"]: item for item in await campaigns.campaign_view(campaign, CALENDAR, NOW)}
    expected = {  # title: (hours to first reply, working days to answer, answered in time, status)
        "Parking permit": (5 / 60, 5 / 9, True, "answered"),
        "Bulky waste": (2.5, 2.5 / 9, True, "answered"),
        "School place": (None, None, False, "never answered"),
        "Building permit": (19, 19 / 9, False, "answered"),
        "Library card": (3, 3 / 9, True, "answered"),
    }
    for title, (ack_hours, answer_days, met, status) in expected.items():
        timed = view[title]["timing"]
        assert timed.ack_hours == (pytest.approx(ack_hours) if ack_hours is not None else None), title
        assert timed.answer_days == (pytest.approx(answer_days) if answer_days is not None else None), title
        assert (timed.answer_met, timed.status) == (met, status), title
    assert view["Parking permit"]["timing"].ack_met is True
    assert view["Building permit"]["timing"].ack_met is False  # 19 working hours > 8
    assert view["School place"]["timing"].ack_met is False
    # The parking answer's automatic checks, with their evidence.
    checks = view["Parking permit"]["prefilled"]
    assert checks["salutation"]["value"] is True and "Dear Anna Svensson" in checks["salutation"]["evidence"]
    assert checks["complete"] == {"value": True, "evidence": "3 of 3 key points mentioned", "automatic": True}
    assert checks["reference"]["value"] is True and "2026-004217" in checks["reference"]["evidence"]
    assert checks["signature"]["value"] is True and "08-123 456 78" in checks["signature"]["evidence"]
    assert checks["no_personal_data"]["value"] is True
    assert checks["answered_in_time"]["evidence"] == "answered after 0.56 working days (target 2)"
    assert checks["accurate"] == {"value": None, "evidence": "", "automatic": False}  # a person judges
    # Another answer: greeted by first name, no reference, no signature.
    assert view["Bulky waste"]["prefilled"]["reference"]["value"] is False
    assert view["Bulky waste"]["prefilled"]["signature"]["value"] is False


async def test_results_per_department_against_the_previous_campaign(campaign, smtp_server, qa_user):
    scenarios = {s["title"]: s for s in await campaigns.scenarios_of(campaign)}
    parking = scenarios["Parking permit"]
    await campaigns.take_in([(_reply(parking, SENT + timedelta(hours=20), PARKING_ANSWER), None)], "upload")
    view = await campaigns.campaign_view(campaign, CALENDAR, NOW)
    checks = next(i for i in view if i["scenario"]["id"] == parking["id"])["prefilled"]
    assert [code for code, check in checks.items() if check["automatic"] and check["value"]] == [
        "acknowledged_in_time",
        "answered_in_time",
        "complete",
        "salutation",
        "readable",
        "reference",
        "signature",
        "no_personal_data",
    ]
    for code in ("accurate", "clear_polite", "spelling"):  # the grader's own judgement
        checks[code] = {"value": code != "spelling", "evidence": "", "automatic": False}
    # 8 automatic passes, accurate and clear: 10 of 11 checks.
    assert await campaigns.save_grade(parking["id"], checks, "Good answer, one typo.", qa_user) == pytest.approx(
        10 / 11
    )
    # A second campaign: the same Transport question answered late.
    second = await campaigns.create_campaign("Autumn 2026", SCENARIOS[:1])
    later = SENT + timedelta(days=180)
    await campaigns.send_campaign(second, mail.parse_smtp_url(smtp_server.url), now=later)
    (autumn,) = await campaigns.scenarios_of(second)
    await campaigns.take_in(
        [(_reply(autumn, later + timedelta(days=6), "Hello Anna, see our website."), None)], "upload"
    )
    result = await campaigns.results(second, CALENDAR, later + timedelta(days=10))
    assert result["previous"]["name"] == "Spring 2026"
    rows = {name: (now, before) for name, now, before in result["rows"]}
    now, before = rows["Transport"]
    assert (now.tested, now.answered, now.answered_in_time) == (1, 1, 0)
    assert (before.tested, before.answered, before.answered_in_time, before.graded) == (1, 1, 1, 1)
    assert before.mean_score == pytest.approx(10 / 11) and now.mean_score is None
    assert rows["Education"][0] is None and rows["Education"][1].answered == 0  # only in the spring


@pytest.fixture
async def qa_user(clean_db):
    from qa_app.tables import User

    return (await User.insert(User(email="qa@test.org", name="QA", role="qa", password_hash="x")).returning(User.id))[
        0
    ]["id"]


async def test_a_test_email_sent_by_hand_and_replies_uploaded_as_files(clean_db, tmp_path, database):
    campaign = await campaigns.create_campaign("By hand", SCENARIOS[1:2])
    (scenario,) = await campaigns.scenarios_of(campaign)
    await campaigns.record_sent_by_hand(scenario["id"], SENT, "<sent-from-outlook@qa.city.example>")
    (scenario,) = await campaigns.scenarios_of(campaign)
    assert scenario["sent_by_hand"] and scenario["sent_at"] == SENT
    eml = tmp_path / "reply.eml"
    eml.write_bytes(_reply(scenario, SENT + timedelta(hours=1), "Hello Bo, call us."))
    mbox = tmp_path / "export.mbox"
    mbox.write_bytes(
        b"From MAILER-DAEMON Thu Apr  2 15:00:00 2026\n"
        + _reply(scenario, SENT + timedelta(hours=2), "Hello Bo, again.").replace(b"\r\n", b"\n")
        + b"\nFrom MAILER-DAEMON Thu Apr  2 15:00:00 2026\nSubject: broken\n\nno id\n"
    )
    done = run_qa("audits", "import", str(eml), str(mbox), "--json", database=database)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "read": 3,
        "matched": 2,
        "acknowledgements": 0,
        "unmatched": 0,
        "duplicates": 0,
        "unreadable": ["message 3: no Message-ID or date"],
    }
    assert "message 3: no Message-ID or date" in done.stderr
    wrong = run_qa("audits", "import", str(tmp_path / "reply.eml"), str(tmp_path / "x.txt"), database=database)
    assert wrong.returncode == 2
    (tmp_path / "notes.txt").write_text("x")
    wrong = run_qa("audits", "import", str(tmp_path / "notes.txt"), database=database)
    assert wrong.returncode == 2 and "upload an .eml file or an .mbox export" in wrong.stderr
    assert await AuditScenario.count() == 1
