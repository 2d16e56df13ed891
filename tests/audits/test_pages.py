"""The mystery-email pages on a real database (SQLite and PostgreSQL): QA staff create a
campaign from a CSV upload, record a test email sent from another program, upload the reply
as an .eml, see the automatic checks with their evidence and confirm the grade; managers read;
team leaders and agents are refused every route."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from audits.tables import AuditCampaign, AuditGrade, AuditScenario
from tests.web import HTML, csrf_from, login, routes_listed, routes_of

SCENARIOS_CSV = (
    "title,to,department,subject,question,key_points,resident_name\n"
    'Parking,transport@city.example,Transport,Parking permit,"How do I get a parking permit?",'
    '"Apply online: e-service/online | Cost: 400",Anna Svensson\n'
    "Sofa,waste@city.example,Waste,Old sofa,How do I get rid of a sofa?,,Bo Ek\n"
)

# Each route with what a user allowed on it gets for a bare request (a POST with only the CSRF
# token): the page, the redirect after doing what needs no input, or the error page that says
# what is missing. No mail servers are configured here: send and fetch say so.
ROUTES = [
    ("GET", "/audits", 200),
    ("POST", "/audits", 400),  # no CSV of scenarios
    ("GET", "/audits/{campaign}", 200),
    ("POST", "/audits/{campaign}/send", 400),  # QA_SMTP_URL is not set
    ("POST", "/audits/{campaign}/fetch", 400),  # QA_IMAP_URL is not set
    ("POST", "/audits/{campaign}/upload", 400),  # no file
    ("GET", "/audits/scenarios/{scenario}", 200),
    ("POST", "/audits/scenarios/{scenario}/grade", 400),  # checks unanswered
    ("POST", "/audits/scenarios/{scenario}/sent", 400),  # no time given
    ("POST", "/audits/replies/{reply}/kind", 400),  # no kind given
]


def test_every_audit_route_is_in_the_role_matrix():
    from audits.routes import ROUTES as HANDLERS

    assert routes_of(HANDLERS) == routes_listed(ROUTES)


async def _campaign_through_the_page(client) -> int:
    page = await client.get("/audits", headers=HTML)
    created = await client.post(
        "/audits",
        data={"name": "Spring", "ack_hours": "8", "answer_days": "2", "_csrf_token": csrf_from(page.text)},
        files={"scenarios": ("scenarios.csv", SCENARIOS_CSV.encode(), "text/csv")},
        headers=HTML,
    )
    assert created.status_code == 302, created.text[:500]
    return int(created.headers["location"].rsplit("/", 1)[1])


def _answer(scenario: dict, when: datetime) -> bytes:
    message = EmailMessage()
    message["From"] = "transport@city.example"
    message["Subject"] = f"Re: {scenario['subject']} (ref {scenario['token']})"
    message["Date"] = format_datetime(when)
    message["Message-ID"] = "<answer-1@city.example>"
    message["In-Reply-To"] = "<sent-by-hand@qa.example>"
    message.set_content(
        "Dear Anna Svensson,\n\nApply in our e-service; the permit costs 400 a month.\n"
        "Our reference: 2026-000123\n\nKind regards\nKarin\n08-123 456"
    )
    return message.as_bytes()


async def test_qa_runs_a_campaign_from_the_pages(client, centre):
    await login(client, "qa@test.org")
    campaign = await _campaign_through_the_page(client)
    page = await client.get(f"/audits/{campaign}", headers=HTML)
    assert page.status_code == 200 and "Parking" in page.text and "not sent" in page.text
    assert "set QA_SMTP_URL" in page.text and "set QA_IMAP_URL" in page.text  # the buttons say why they are off
    parking = await AuditScenario.select().where(AuditScenario.title == "Parking").output(load_json=True).first()
    assert parking["key_points"] == [
        {"point": "Apply online", "words": ["e-service", "online"]},
        {"point": "Cost", "words": ["400"]},
    ]
    # Sent from Outlook on Monday 9 March 2026 at 09:00 (UTC, the test centre's zone).
    scenario_page = await client.get(f"/audits/scenarios/{parking['id']}", headers=HTML)
    recorded = await client.post(
        f"/audits/scenarios/{parking['id']}/sent",
        data={
            "sent_at": "2026-03-09T09:00",
            "message_id": "<sent-by-hand@qa.example>",
            "_csrf_token": csrf_from(scenario_page.text),
        },
        headers=HTML,
    )
    assert recorded.status_code == 302
    # The answer arrives on Tuesday at 11:00: 8 + 3 = 11 working hours, 11/9 days.
    upload = await client.post(
        f"/audits/{campaign}/upload",
        data={"_csrf_token": csrf_from(scenario_page.text)},
        files={
            "files": ("answer.eml", _answer(parking, datetime(2026, 3, 10, 11, tzinfo=timezone.utc)), "message/rfc822")
        },
        headers=HTML,
    )
    assert upload.status_code == 302, upload.text[:500]
    scenario_page = await client.get(f"/audits/scenarios/{parking['id']}", headers=HTML)
    text = scenario_page.text
    assert "Found automatically: answered after 1.22 working days (target 2)" in text
    assert "Found automatically: 2 of 2 key points mentioned" in text
    assert "gives &#39;reference: 2026-000123&#39;" in text
    answers = {code: "yes" for code in re.findall(r'name="(\w+)" value="yes"', text)}
    assert len(answers) == 11
    answers["spelling"] = "no"
    graded = await client.post(
        f"/audits/scenarios/{parking['id']}/grade",
        data={**answers, "note": "One typo.", "_csrf_token": csrf_from(text)},
        headers=HTML,
    )
    assert graded.status_code == 302
    grade = await AuditGrade.select().output(load_json=True).first()
    assert grade["score"] == pytest.approx(10 / 11) and grade["checks"]["spelling"]["value"] is False
    page = await client.get(f"/audits/{campaign}", headers=HTML)
    assert "91%" in page.text and "Transport" in page.text
    # A grade with a check left out is refused and changes nothing.
    del answers["accurate"]
    missing = await client.post(
        f"/audits/scenarios/{parking['id']}/grade", data={**answers, "_csrf_token": csrf_from(text)}, headers=HTML
    )
    assert missing.status_code == 400 and "missing: Accurate" in missing.text


async def test_a_bad_scenario_file_is_reported_by_line(client, centre):
    await login(client, "admin@test.org")
    page = await client.get("/audits", headers=HTML)
    bad = "title,to,department,subject,question,key_points\nA,not-an-address,X,S,Q,\nB,b@city.example,X,,Q,\n"
    refused = await client.post(
        "/audits",
        data={"name": "Bad", "_csrf_token": csrf_from(page.text)},
        files={"scenarios": ("s.csv", bad.encode(), "text/csv")},
        headers=HTML,
    )
    assert refused.status_code == 400
    assert "line 2: &#39;not-an-address&#39; is not an email address" in refused.text
    assert "line 3: subject empty" in refused.text
    assert await AuditCampaign.count() == 0


@pytest.mark.parametrize("role", ["admin", "manager", "qa", "team_leader", "agent"])
async def test_each_role_on_every_audit_route(client, centre, role):
    from audits import campaigns
    from audits.tables import AuditReply

    campaign = await campaigns.create_campaign(
        "Matrix", [dict(title="T", to_address="t@city.example", subject="S", question="Q")]
    )
    (scenario,) = await campaigns.scenarios_of(campaign)
    await campaigns.record_sent_by_hand(scenario["id"], datetime.now(timezone.utc) - timedelta(days=1), "<m@x>")
    await campaigns.take_in(
        [(_answer(scenario, datetime.now(timezone.utc)).replace(b"answer-1", b"answer-9"), None)], "upload"
    )
    reply = (await AuditReply.select(AuditReply.id).first())["id"]
    ids = {"campaign": campaign, "scenario": scenario["id"], "reply": reply}
    await login(client, f"{role}@test.org")
    token = csrf_from((await client.get("/", headers=HTML)).text)  # the log-out form carries one
    for method, path, status_when_allowed in ROUTES:
        url = path.format(**ids)
        if method == "GET":
            response = await client.get(url, headers=HTML)
        else:
            response = await client.post(url, data={"_csrf_token": token}, headers=HTML)
        readers, runners = ("admin", "manager", "qa"), ("admin", "qa")
        expected = status_when_allowed if role in (readers if method == "GET" else runners) else 403
        assert response.status_code == expected, (role, method, url, response.status_code)
