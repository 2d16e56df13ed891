"""The case register, worked by hand: repeat contacts (same caller or same address, same service,
within 14 days), first-contact resolution, closed in time, tracking numbers and due dates, and
the resident's contact erased after its retention period. Rules on plain data, then the same
through the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest

from cases import case_rules, register
from cases.tables import Case, CaseEvent, CaseLink
from qa_app.settings import reset_settings
from qa_app.tables import Call, Service

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def case(id_, service, *, caller=None, address="", days=0.0):
    return {
        "id": id_,
        "service": service,
        "caller_hash": caller,
        "address": address,
        "created_at": T0 + timedelta(days=days),
    }


def test_repeats_by_hand():
    earlier = [
        case(1, "bins", caller="c1", days=0),
        case(2, "bins", address="14 Church  Street", days=3),
        case(3, "lights", caller="c1", days=4),
        case(4, "bins", caller="c2", days=5),
    ]
    # Same caller, same service, 6 days later: repeats case 1.
    assert case_rules.repeat_of(case(5, "bins", caller="c1", days=6), earlier) == 1
    # Same address written differently, 10 days later: repeats case 2 (the latest match wins).
    assert case_rules.repeat_of(case(6, "bins", caller="c9", address="14 church street.", days=10), earlier) == 2
    # Same caller, another service: not a repeat; same caller after 15 days: not a repeat.
    assert case_rules.repeat_of(case(7, "potholes", caller="c1", days=6), earlier) is None
    assert case_rules.repeat_of(case(8, "bins", caller="c1", days=15.5), earlier) is None
    assert case_rules.repeat_of(case(9, "bins", caller="c2", days=19), earlier) == 4  # 14 days after case 4
    assert case_rules.repeat_of(case(10, "bins", days=1), earlier) is None  # nothing to compare by


def test_figures_by_hand():
    rows = [
        {"first_contact_resolution": True, "repeat_of": None, "closed_at": T0, "due": date(2026, 3, 2)},
        {
            "first_contact_resolution": True,
            "repeat_of": None,
            "closed_at": T0 + timedelta(days=9),
            "due": date(2026, 3, 7),
        },
        {
            "first_contact_resolution": False,
            "repeat_of": 1,
            "closed_at": T0 + timedelta(days=2),
            "due": date(2026, 3, 7),
        },
        {"first_contact_resolution": None, "repeat_of": 2, "closed_at": None, "due": date(2026, 3, 7)},
        {"first_contact_resolution": False, "repeat_of": None, "closed_at": None, "due": None},
    ]
    result = case_rules.figures(rows, timezone.utc)
    assert result.cases == 5
    assert (result.first_contact_resolution.value, result.first_contact_resolution.n) == (0.5, 4)  # 2 of 4 known
    assert (result.repeat_rate.value, result.repeat_rate.n) == (0.4, 5)  # 2 of 5
    assert (result.closed_in_time.value, result.closed_in_time.n) == (pytest.approx(2 / 3), 3)  # 2 of 3 closed
    assert case_rules.tracking_number(2026, 4217) == "2026-004217"
    assert case_rules.due_date(date(2026, 3, 2), 5) == date(2026, 3, 7)


def test_closed_in_time_is_judged_on_the_centres_calendar():
    """Due 7 March: closed at 23:30 UTC that day is 00:30 on the 8th in Stockholm (late there),
    and 02:00 UTC on the 8th is still the 7th in New York (in time there)."""
    from zoneinfo import ZoneInfo

    due = date(2026, 3, 7)
    late_in_stockholm = [{"closed_at": datetime(2026, 3, 7, 23, 30, tzinfo=timezone.utc), "due": due}]
    early_in_new_york = [{"closed_at": datetime(2026, 3, 8, 2, 0, tzinfo=timezone.utc), "due": due}]
    assert case_rules.figures(late_in_stockholm, timezone.utc).closed_in_time.value == 1.0
    assert case_rules.figures(late_in_stockholm, ZoneInfo("Europe/Stockholm")).closed_in_time.value == 0.0
    assert case_rules.figures(early_in_new_york, timezone.utc).closed_in_time.value == 0.0
    assert case_rules.figures(early_in_new_york, ZoneInfo("America/New_York")).closed_in_time.value == 1.0
    by_channel = case_rules.by([{**late_in_stockholm[0], "channel": "phone"}], "channel", ZoneInfo("Europe/Stockholm"))
    assert by_channel["phone"].closed_in_time.value == 0.0


@pytest.fixture
async def services(clean_db):
    bins = (await Service.insert(Service(name="Missed bin collection", target_days=3)).returning(Service.id))[0]["id"]
    lights = (await Service.insert(Service(name="Street light not working")).returning(Service.id))[0]["id"]
    return {"bins": bins, "lights": lights}


async def test_cases_through_the_database(services):
    first = await register.create_case(
        channel="phone", description="Bin not emptied", service_id=services["bins"], caller_hash="c1", now=T0
    )
    assert first["tracking_number"] == "2026-000001" and first["due"] == date(2026, 3, 5) and first["repeat_of"] is None
    again = await register.create_case(
        channel="phone",
        description="Bin still not emptied",
        service_id=services["bins"],
        caller_hash="c1",
        resolved_now=True,
        now=T0 + timedelta(days=4),
    )
    assert again["tracking_number"] == "2026-000002" and again["repeat_of"] == first["id"]
    assert (again["status"], again["first_contact_resolution"]) == ("resolved", True)
    other = await register.create_case(
        channel="email", description="Lamp out", service_id=services["lights"], address="Mill Road 3", now=T0
    )
    assert other["repeat_of"] is None and other["due"] == date(2026, 3, 12)  # the default 10 days
    await register.set_status(first["id"], "transferred", "to the waste team", None)
    await register.set_status(first["id"], "resolved", "collected", None)
    history = [
        r["status"]
        for r in await CaseEvent.select(CaseEvent.status).where(CaseEvent.case == first["id"]).order_by(CaseEvent.id)
    ]
    assert history == ["open", "transferred", "resolved"]
    result = case_rules.figures(await register.case_rows(), timezone.utc)
    assert (result.repeat_rate.value, result.first_contact_resolution.n) == (pytest.approx(1 / 3), 1)
    with pytest.raises(register.CaseError, match="channel"):
        await register.create_case(channel="pigeon", description="x", service_id=None)
    await register.link(other["id"], "survey", 42)
    await register.link(other["id"], "survey", 42)  # once only
    assert await CaseLink.count().where(CaseLink.case == other["id"]) == 1


async def test_a_residents_contact_is_erased_after_its_retention(services, monkeypatch):
    """Kept while the case is open (the reply needs it), then QA_RETENTION `contacts` days after
    it is closed, to the day."""
    monkeypatch.setenv("QA_RETENTION", "contacts=5")
    reset_settings()
    row = await register.create_case(
        channel="web",
        description="Lamp out",
        service_id=services["lights"],
        contact="anna@example.org",
        wants_reply=True,
        now=T0,
    )
    still_open = await register.create_case(
        channel="web", description="Bin", service_id=None, contact="ben@example.org", wants_reply=True, now=T0
    )
    await register.set_status(row["id"], "closed", "fixed", None)
    kept = await Case.select(Case.contact, Case.contact_erase_after, Case.closed_at).where(Case.id == row["id"]).first()
    assert kept["contact"] == "anna@example.org"
    erase_on = kept["contact_erase_after"]
    assert erase_on == kept["closed_at"].date() + timedelta(days=5)
    assert await register.erase_expired_contacts(erase_on - timedelta(days=1)) == 0
    assert await register.erase_expired_contacts(erase_on) == 1
    assert (await Case.select(Case.contact).where(Case.id == row["id"]).first())["contact"] is None
    assert await register.erase_expired_contacts(erase_on + timedelta(days=400)) == 0  # the open case keeps it
    assert (await Case.select(Case.contact).where(Case.id == still_open["id"]).first())["contact"] == "ben@example.org"


async def test_a_contact_is_kept_only_when_a_reply_will_use_it(services):
    quick = await register.create_case(
        channel="phone", description="Bin", service_id=None, contact="0701234567", resolved_now=True
    )
    wanted = await register.create_case(
        channel="web", description="Lamp", service_id=None, contact=" anna@example.org ", wants_reply=True
    )
    assert (quick["contact"], wanted["contact"]) == (None, "anna@example.org")


async def test_an_open311_request_keeps_the_email_a_reply_goes_to_not_a_phone_number(client):
    from qa_app import api_keys

    key = await api_keys.create("FixMyStreet", api_keys.Scope.open311)
    service = (await Service.insert(Service(name="Street light not working")).returning(Service.id))[0]["id"]
    base = {"api_key": key, "service_code": str(service), "address_string": "Storgatan 5", "description": "Lamp out"}
    for extra in ({"phone": "+46 70 123 45 67"}, {"phone": "+46 70 123 45 67", "email": "resident@example.org"}):
        assert (await client.post("/open311/v2/requests.json", data={**base, **extra})).status_code == 201
    contacts = [r["contact"] for r in await Case.select(Case.contact).order_by(Case.id)]
    assert contacts == [None, "resident@example.org"]


async def test_the_old_erase_expired_command_still_works(services, database):
    from tests.qa_command import run_qa

    row = await register.create_case(
        channel="web", description="Lamp out", service_id=None, contact="anna@example.org", wants_reply=True
    )
    await Case.update({Case.status: "closed", Case.closed_at: T0}).where(Case.id == row["id"])
    done = run_qa("cases", "erase-expired", database=database)
    assert done.returncode == 0, done.stderr
    assert "1 residents' contacts erased" in done.stderr
    assert (await Case.select(Case.contact).where(Case.id == row["id"]).first())["contact"] is None


@pytest.mark.parametrize(
    "role, own, other",
    [
        ("admin", 200, 200),
        ("manager", 200, 200),
        ("qa", 200, 200),
        ("team_leader", 200, 404),
        ("agent", 200, 404),
        ("agent_b", 404, 404),
    ],
)
async def test_who_sees_which_case(client, centre, role, own, other):
    """Agent 1's case (North) and agent 3's (South): agents see their own, leaders their team's."""
    from tests.web import HTML, login

    cases_by_agent = {}
    for staff in ("1", "3"):
        call = centre["calls"][centre["agents"][staff]][0]
        row = await register.create_case(channel="phone", description=f"case of {staff}", service_id=None, call_id=call)
        cases_by_agent[staff] = row
    await login(client, f"{role}@test.org")
    assert (await client.get(f"/cases/{cases_by_agent['1']['id']}", headers=HTML)).status_code == own
    assert (await client.get(f"/cases/{cases_by_agent['3']['id']}", headers=HTML)).status_code == other
    page = await client.get("/cases", headers=HTML)
    assert page.status_code == 200
    assert (cases_by_agent["1"]["tracking_number"] in page.text) == (own == 200)
    assert (cases_by_agent["3"]["tracking_number"] in page.text) == (other == 200)


def test_daily_and_quarterly_counts_in_the_centres_time_zone():
    from zoneinfo import ZoneInfo

    stockholm = ZoneInfo("Europe/Stockholm")
    rows = [
        {"created_at": datetime(2026, 3, 31, 22, 30, tzinfo=timezone.utc), "channel": "phone"},  # 1 April in Stockholm
        {"created_at": datetime(2026, 3, 31, 12, 0, tzinfo=timezone.utc), "channel": "phone"},
        {"created_at": datetime(2026, 3, 31, 13, 0, tzinfo=timezone.utc), "channel": "web"},
    ]
    assert case_rules.counts(rows, "quarter", "channel", stockholm) == {
        "2026-Q1": {"phone": 1, "web": 1},
        "2026-Q2": {"phone": 1},
    }
    assert case_rules.counts(rows, "day", "channel", stockholm) == {
        "2026-03-31": {"phone": 1, "web": 1},
        "2026-04-01": {"phone": 1},
    }


async def test_survey_answers_and_emails_join_their_cases(centre):
    """A resident's survey answer about a call joins the cases logged from that call; a reply
    that gives a tracking number joins that case."""
    from audits import campaigns
    from surveys import invitations
    from surveys.ivr import record

    calls = centre["calls"][centre["agents"]["1"]]
    logged = await register.create_case(
        channel="phone", description="Bin not emptied", service_id=None, call_id=calls[0]
    )
    other = await register.create_case(channel="phone", description="IVR caller", service_id=None, call_id=calls[1])
    now = datetime.now(timezone.utc)
    first_call = (await Call.select(Call.external_id).where(Call.id == calls[0]).first())["external_id"]
    (link,) = await invitations.create_invitations(now - timedelta(days=3), now, only_calls={first_call})
    assert await invitations.answer(link.token, {"satisfaction": 5}, "en") == "answered"
    second_call = (await Call.select(Call.external_id).where(Call.id == calls[1]).first())["external_id"]
    await record(second_call, {"satisfaction": 2})
    campaign = await campaigns.create_campaign(
        "Links", [dict(title="T", to_address="t@city.example", subject="Bins", question="Q")]
    )
    (scenario,) = await campaigns.scenarios_of(campaign)
    raw = (
        f"From: t@city.example\r\nSubject: Re: Bins (ref {scenario['token']})\r\nMessage-ID: <r@x>\r\n"
        f"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n\r\nYour case number is {logged['tracking_number']}.\r\n"
    ).encode()
    await campaigns.take_in([(raw, None)], "upload")
    kinds = {(r["case"], r["kind"]) for r in await CaseLink.select(CaseLink.case, CaseLink.kind)}
    assert kinds == {
        (logged["id"], "call"),
        (logged["id"], "survey"),
        (logged["id"], "email"),
        (other["id"], "call"),
        (other["id"], "survey"),
    }


async def test_tracking_numbers_stay_unique_when_cases_open_at_once_or_are_deleted(services):
    rows = await asyncio.gather(
        *[register.create_case(channel="web", description=f"case {i}", service_id=None, now=T0) for i in range(12)]
    )
    numbers = sorted(r["tracking_number"] for r in rows)
    assert numbers == [f"2026-{i:06d}" for i in range(1, 13)]
    await Case.delete().where(Case.tracking_number == "2026-000012")
    await Case.delete().where(Case.tracking_number == "2026-000003")
    after = await register.create_case(channel="web", description="next", service_id=None, now=T0)
    assert after["tracking_number"] == "2026-000012"  # the highest left plus one: 3 is never reused
