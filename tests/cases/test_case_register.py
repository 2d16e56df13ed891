"""The case register as the people who handle cases use it (issue 18): a tracking number finds
its case for whoever answers the resident's call back; the list is searched, filtered and paged
with its total, and the statistics are on a page of their own; the service suggestion never
replaces the agent's choice and says nothing meant for developers; "Resolved during this call?"
has no preset answer; saving the same status again without a note adds nothing to the history.
Over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from cases import case_rules, register
from cases.tables import Case, CaseEvent
from qa_app.tables import AuditLog, Service
from tests.web import HTML, csrf_from, login

HTMX = {**HTML, "hx-request": "true"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


async def case_of(centre, staff: str, description: str = "Bin not emptied") -> dict:
    call = centre["calls"][centre["agents"][staff]][0]
    return await register.create_case(channel="phone", description=description, service_id=None, call_id=call)


def numbers_in(html: str) -> list[str]:
    return re.findall(r'<a href="/cases/\d+">(20\d\d-\d{6})</a>', html)


# A tracking number finds its case, for everyone who handles cases.


@pytest.mark.parametrize("role", ["agent", "agent_b", "team_leader", "other_leader", "qa", "manager", "admin"])
async def test_everyone_finds_a_case_by_its_tracking_number(client, centre, role):
    colleague = await case_of(centre, "3", "Street light out on Mill Road")  # agent 3, team South
    await login(client, f"{role}@test.org")
    found = await client.get("/cases", params={"q": f" {colleague['tracking_number']} "}, headers=HTML)
    assert found.status_code == 302
    page = await client.get(found.headers["location"], headers=HTML)
    assert page.status_code == 200
    assert f"Case {colleague['tracking_number']}" in page.text and "Street light out on Mill Road" in page.text


async def test_an_agent_reads_a_colleagues_case_by_its_number_and_nothing_more(client, centre):
    colleague = await case_of(centre, "3", "Street light out on Mill Road")
    own = await case_of(centre, "1", "My own case")
    await login(client, "agent@test.org")
    number = colleague["tracking_number"]
    found = await client.get("/cases", params={"q": number}, headers=HTML)
    assert found.headers["location"] == f"/cases/number/{number}"
    page = await client.get(f"/cases/number/{number}", headers=HTML)
    assert page.status_code == 200
    assert "handled by a colleague" in page.text
    assert "Change the status" not in page.text and "On Open311" not in page.text  # reading only
    assert 'href="/calls/' not in page.text  # the colleague's call is not theirs to open
    logged = await AuditLog.select().where((AuditLog.entity == "case") & (AuditLog.action == "read by tracking number"))
    assert [(r["entity_id"], r["user"]) for r in logged] == [(str(colleague["id"]), centre["users"]["agent"])]
    # Other restrictions stay: by its id, in the list, and changing it.
    assert (await client.get(f"/cases/{colleague['id']}", headers=HTML)).status_code == 404
    listed = await client.get("/cases", headers=HTML)
    assert numbers_in(listed.text) == [own["tracking_number"]]
    token = csrf_from(listed.text)
    refused = await client.post(
        f"/cases/{colleague['id']}/status", data={"status": "closed", "_csrf_token": token}, headers=HTML
    )
    assert refused.status_code == 404
    assert (await Case.select(Case.status).where(Case.id == colleague["id"]).first())["status"] == "open"
    # Their own case by its number opens its ordinary page; a number nobody has is said so.
    mine = await client.get("/cases", params={"q": own["tracking_number"]}, headers=HTML)
    assert mine.headers["location"] == f"/cases/{own['id']}"
    missing = await client.get("/cases", params={"q": "2026-999999"}, headers=HTML)
    assert missing.status_code == 200 and "No case has the tracking number 2026-999999." in missing.text
    assert (await client.get("/cases/number/2026-999999", headers=HTML)).status_code == 404
    assert (await client.get("/cases/number/not-a-number", headers=HTML)).status_code == 404
    partial = await client.get("/cases", params={"q": number[5:]}, headers=HTML)  # "000001": a search, in scope
    assert number not in partial.text


# Search, filters and paging, with the total; the statistics on their own page.


async def seed(services: dict[str, int], agent: int | None = None, count: int = 120) -> list[str]:
    """`count` cases a day apart from T0 back, alternating service and channel; every third closed."""
    rows = []
    for i in range(count):
        done = i % 3 == 0
        rows.append(
            Case(
                tracking_number=case_rules.tracking_number(2026, i + 1),
                channel="phone" if i % 2 == 0 else "email",
                service=services["bins"] if i % 2 == 0 else services["lights"],
                description=f"Resident number {i}: " + ("bin not emptied" if i % 2 == 0 else "lamp is dark"),
                status="closed" if done else "open",
                created_at=T0 - timedelta(days=i),
                updated_at=T0,
                closed_at=T0 if done else None,
                agent=agent,
            )
        )
    await Case.insert(*rows)
    return [r.tracking_number for r in rows]


@pytest.fixture
async def services(centre):
    bins = (await Service.insert(Service(name="Missed bin collection")).returning(Service.id))[0]["id"]
    lights = (await Service.insert(Service(name="Street light not working")).returning(Service.id))[0]["id"]
    return {"bins": bins, "lights": lights}


async def test_the_list_pages_through_every_case_with_the_total(client, centre, services):
    numbers = await seed(services)
    await login(client, "manager@test.org")
    first = await client.get("/cases", headers=HTML)
    assert "120 cases." in first.text and "Showing 1–50." in first.text and "Page 1 of 3" in first.text
    seen = []
    for page in (1, 2, 3):
        shown = await client.get("/cases", params={"page": page}, headers=HTML)
        assert shown.status_code == 200
        seen += numbers_in(shown.text)
    assert seen == numbers  # newest first, every case once
    last = await client.get("/cases", params={"page": 3}, headers=HTML)
    assert "Showing 101–120." in last.text and 'rel="next"' not in last.text and 'rel="prev"' in last.text
    beyond = await client.get("/cases", params={"page": 99}, headers=HTML)
    assert numbers_in(beyond.text) == numbers[100:]  # the last page
    assert numbers_in((await client.get("/cases", params={"page": "x"}, headers=HTML)).text) == numbers[:50]


async def test_search_and_filters_narrow_the_list_and_its_total(client, centre, services):
    numbers = await seed(services)
    await login(client, "qa@test.org")

    async def shown(**params) -> tuple[str, list[str]]:
        page = await client.get("/cases", params=params, headers=HTML)
        assert page.status_code == 200
        return page.text, numbers_in(page.text)

    text, rows = await shown(q="LAMP IS")  # words of the description, whatever the case
    assert "60 cases." in text and all(int(n[5:]) % 2 == 0 for n in rows)  # i odd: tracking number even
    text, rows = await shown(q="number 17:")
    assert rows == [numbers[17]] and "1 case." in text
    text, rows = await shown(status="closed")
    assert "40 cases." in text
    text, _ = await shown(status="open", service=str(services["bins"]))
    assert "40 cases." in text  # 60 bins, every third closed
    text, _ = await shown(channel="email", q="bin")
    assert "No case matches." in text
    text, rows = await shown(service="none")
    assert "No case matches." in text
    # Opened in [1 Feb, 10 Feb] in the centre's zone (UTC here): i = 20..29 are 11..2 Feb.
    text, rows = await shown(**{"from": "2026-02-01", "to": "2026-02-10"})
    assert rows == numbers[20:30] and "10 cases." in text
    text, _ = await shown(**{"from": "2026-02-10", "to": "2026-02-01"})
    assert "The last day comes before the first." in text and "aria-invalid" in text
    text, rows = await shown(**{"from": "yesterday"})
    assert "Write the date as YYYY-MM-DD." in text and "120 cases." in text
    # The filters are kept when paging.
    text, _ = await shown(status="open")
    assert "80 cases." in text and "status=open&amp;page=2" in text


async def test_an_agent_lists_only_their_own_cases_with_the_total(client, centre, services):
    await seed(services, agent=centre["agents"]["3"], count=5)
    own = await case_of(centre, "1")
    await login(client, "agent@test.org")
    page = await client.get("/cases", headers=HTML)
    assert numbers_in(page.text) == [own["tracking_number"]] and "1 case." in page.text
    assert numbers_in((await client.get("/cases", params={"q": "bin"}, headers=HTML)).text) == [own["tracking_number"]]


async def test_the_statistics_are_on_their_own_page(client, centre, services):
    await seed(services, count=6)
    await login(client, "manager@test.org")
    listed = await client.get("/cases", headers=HTML)
    assert 'href="/cases/statistics"' in listed.text
    assert "By service" not in listed.text and "Cases per quarter and department" not in listed.text
    figures = await client.get("/cases/statistics", headers=HTML)
    assert figures.status_code == 200
    assert "6 cases." in figures.text and "By service" in figures.text and "Missed bin collection" in figures.text
    assert "2026-Q1" in figures.text
    client.cookies.clear()
    await login(client, "agent@test.org")
    assert "No case yet." in (await client.get("/cases/statistics", headers=HTML)).text  # their own cases only


# The quick entry: the suggestion never replaces the agent's choice; no preset answer.


async def suggest(client, token: str, **fields) -> str:
    page = await client.post("/cases/suggest", data={"_csrf_token": token, **fields}, headers=HTMX)
    assert page.status_code == 200
    return page.text


def selected(html: str) -> list[str]:
    return re.findall(r"<option value=\"\d+\" selected>([^<]+)</option>", html)


async def test_the_suggestion_never_replaces_the_agents_choice(client, centre, services):
    await Service.update({Service.keywords: "bin rubbish collection"}).where(Service.id == services["bins"])
    await login(client, "agent@test.org")
    call = centre["calls"][centre["agents"]["1"]][0]
    panel = (await client.get(f"/calls/{call}/cases", headers=HTMX)).text
    token = csrf_from(panel)
    text = "My bin was not emptied, the rubbish is on the street"
    # Nothing chosen yet: the best suggestion is chosen for the agent.
    fresh = await suggest(client, token, description=text, service="")
    assert selected(fresh) == ["Missed bin collection"] and "Suggested from the description" in fresh
    # The agent chose another service: it stays, and the suggestion is offered beside it.
    chosen = await suggest(client, token, description=text, service=str(services["lights"]), service_picked="yes")
    assert selected(chosen) == ["Street light not working"]
    assert 'name="service_picked" value="yes"' in chosen  # and so it stays as they type on
    assert "Use Missed bin collection" in chosen and f'"service": "{services["bins"]}"' in chosen
    # A service chosen for them (not by them) follows what they type.
    followed = await suggest(client, token, description=text, service=str(services["lights"]))
    assert selected(followed) == ["Missed bin collection"]
    for html in (panel, fresh, chosen, followed):
        assert "qa cases train" not in html and "trained model" not in html and "catalogue's keywords" not in html


async def test_resolved_during_this_call_has_no_preset_answer(client, centre, services):
    await login(client, "agent@test.org")
    call = centre["calls"][centre["agents"]["1"]][0]
    panel = (await client.get(f"/calls/{call}/cases", headers=HTMX)).text
    radios = re.findall(r'<input type="radio" name="resolved"[^>]*>', panel)
    assert len(radios) == 2 and not any("checked" in r for r in radios)
    token = csrf_from(panel)
    typed = {
        "description": "Lamp dark on Mill Road",
        "service": str(services["lights"]),
        "address": "Mill Road 3",
        "call": str(call),
        "_csrf_token": token,
    }
    unanswered = await client.post(f"/calls/{call}/cases", data=typed, headers=HTML, follow_redirects=False)
    assert unanswered.status_code == 400
    page = unanswered.text
    assert 'aria-describedby="case-resolved-error"' in page
    error_at = page.index('id="case-resolved-error"')
    assert page.index("Resolved during this call?") < error_at < page.index('name="resolved" value="yes"')
    assert "Answer whether it was resolved during this call." in page
    assert "Lamp dark on Mill Road</textarea>" in page and 'value="Mill Road 3"' in page
    assert selected(page) == ["Street light not working"]
    assert await Case.count() == 0
    answered = await client.post(
        f"/calls/{call}/cases", data={**typed, "resolved": "no"}, headers=HTML, follow_redirects=False
    )
    assert answered.status_code in (302, 303)
    row = await Case.select(Case.first_contact_resolution, Case.status).first()
    assert (row["first_contact_resolution"], row["status"]) == (False, "open")


# The same status saved again without a note adds nothing.


async def test_the_same_status_again_without_a_note_adds_nothing(client, centre):
    row = await case_of(centre, "1")

    async def history() -> list[tuple[str, str]]:
        events = (
            await CaseEvent.select(CaseEvent.status, CaseEvent.note)
            .where(CaseEvent.case == row["id"])
            .order_by(CaseEvent.id)
        )
        return [(e["status"], e["note"]) for e in events]

    assert await register.set_status(row["id"], "open", "  ", None) is False
    assert len(await history()) == 1
    assert await register.set_status(row["id"], "resolved", "", None) is True
    closed_at = (await Case.select(Case.closed_at).where(Case.id == row["id"]).first())["closed_at"]
    await login(client, "agent@test.org")
    page = await client.get(f"/cases/{row['id']}", headers=HTML)
    token = csrf_from(page.text)
    again = await client.post(
        f"/cases/{row['id']}/status", data={"status": "resolved", "note": "", "_csrf_token": token}, headers=HTML
    )
    assert again.status_code in (302, 303) and again.headers["location"] == f"/cases/{row['id']}?unchanged=1"
    shown = await client.get(again.headers["location"], headers=HTML)
    assert "Nothing changed: the case already had this status." in shown.text
    assert len(await history()) == 2
    noted = await client.post(
        f"/cases/{row['id']}/status",
        data={"status": "resolved", "note": "Resident thanked us", "_csrf_token": token},
        headers=HTML,
    )
    assert noted.headers["location"] == f"/cases/{row['id']}"
    assert ("resolved", "Resident thanked us") in await history() and len(await history()) == 3
    kept = (await Case.select(Case.closed_at).where(Case.id == row["id"]).first())["closed_at"]
    assert kept == closed_at  # a note does not move when it was closed
