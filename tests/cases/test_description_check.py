"""A case description that seems to hold a personal number is pointed out as the agent types it
(`POST /cases/description-check`, an HTMX fragment; a page of its own without JavaScript), the
number is taken out when the case is saved, and the page that follows says how many were. The
route asks for a signed-in user and a CSRF token like the other case routes, and an agent can
check only on a call they may see. Over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from cases.tables import Case
from qa_app.settings import reset_settings
from tests.web import HTML, csrf_from, login

BSN = "111222333"  # a Dutch BSN with a valid check digit
NOTE = "This looks like a personal number (BSN). Leave it out; the case keeps the resident&#39;s contact separately."
HTMX = {**HTML, "hx-request": "true"}


async def panel(client, call_id: int, query: str = "") -> str:
    page = await client.get(f"/calls/{call_id}/cases{query}", headers=HTMX)
    assert page.status_code == 200
    return page.text


async def check(client, token: str, description: str, call_id: int, headers=HTMX, **fields):
    data = {"description": description, "call": str(call_id), "_csrf_token": token, **fields}
    return await client.post("/cases/description-check", data=data, headers=headers, follow_redirects=False)


async def test_a_personal_number_is_pointed_out_as_the_agent_types(client, centre):
    await login(client, "agent@test.org")
    call = centre["calls"][centre["agents"]["1"]][0]
    form = await panel(client, call)
    assert 'hx-post="/cases/description-check"' in form and 'id="case-description-note"' in form
    token = csrf_from(form)

    found = await check(client, token, f"Resident gave BSN {BSN} for the tax office", call)
    assert found.status_code == 200
    assert NOTE in found.text and "<form" not in found.text  # the note alone, for the page to swap in
    clean = await check(client, token, "Bins not emptied on 14 Church Street since 2 March, case 2026-000012", call)
    assert clean.status_code == 200 and clean.text.strip() == ""
    several = await check(client, token, "personnummer 198503123456, card 4111 1111 1111 1111", call)
    assert "a personal number (personnummer) and a card number. Leave them out" in several.text


async def test_saving_takes_the_number_out_and_says_how_many(client, centre):
    await login(client, "agent@test.org")
    call = centre["calls"][centre["agents"]["1"]][0]
    token = csrf_from(await panel(client, call))
    saved = await client.post(
        f"/calls/{call}/cases",
        data={
            "description": f"BSN {BSN}, phone 070-123 45 67, about the bins",
            "call": str(call),
            "resolved": "no",
            "_csrf_token": token,
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert saved.status_code in (302, 303)
    target = saved.headers["location"]
    case_id = int(re.search(r"case=(\d+)", target).group(1))
    assert "redacted=2" in target
    stored = await Case.select(Case.description).where(Case.id == case_id).first()
    assert stored["description"] == "BSN [personal number], phone [phone number], about the bins"
    shown = await panel(client, call, "?" + target.split("?", 1)[1].split("#")[0])
    assert "Case logged." in shown and "2 personal numbers were taken out of the description" in shown

    plain = await client.post(
        f"/calls/{call}/cases",
        data={"description": "Bins not emptied", "call": str(call), "resolved": "no", "_csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert "redacted" not in plain.headers["location"]
    assert "taken out" not in await panel(client, call, "?" + plain.headers["location"].split("?", 1)[1].split("#")[0])


async def test_without_javascript_the_check_is_a_page_and_saving_shows_the_case(client, centre):
    await login(client, "agent@test.org")
    call = centre["calls"][centre["agents"]["1"]][0]
    token = csrf_from(await panel(client, call))
    page = await check(
        client, token, f"BSN {BSN} needs a new bin", call, headers=HTML, address="Mill Road 3", resolved="yes"
    )
    assert page.status_code == 200
    assert "<html" in page.text and NOTE in page.text
    assert f"BSN {BSN} needs a new bin</textarea>" in page.text  # the entry, filled in as typed
    assert 'value="Mill Road 3"' in page.text and 'value="yes" checked' in page.text
    assert 'name="then" value="case"' in page.text
    saved = await client.post(
        f"/calls/{call}/cases",
        data={
            "description": f"BSN {BSN} needs a new bin",
            "then": "case",
            "resolved": "yes",
            "_csrf_token": csrf_from(page.text),
        },
        headers=HTML,
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert "Case logged." in saved.text and "1 personal number was taken out of the description" in saved.text
    assert BSN not in saved.text and "BSN [personal number] needs a new bin" in saved.text
    nothing = await check(client, token, "A new bin", call, headers=HTML)
    assert "No personal number found in the description." in nothing.text


async def test_the_check_is_guarded_like_the_other_case_routes(client, centre):
    call = centre["calls"][centre["agents"]["1"]][0]
    other_team = centre["calls"][centre["agents"]["3"]][0]
    anonymous = await client.post("/cases/description-check", data={"description": BSN}, follow_redirects=False)
    assert anonymous.status_code in (401, 403) or anonymous.headers["location"].startswith("/login")
    await login(client, "agent@test.org")
    no_token = await client.post("/cases/description-check", data={"description": BSN}, headers=HTMX)
    assert no_token.status_code == 403  # CSRF
    token = csrf_from(await panel(client, call))
    assert (await check(client, token, BSN, other_team, headers=HTML)).status_code == 404  # not their call
    assert (await check(client, token, BSN, 0, headers=HTML)).status_code == 404


@pytest.mark.parametrize("mode", ["test", "off"])
async def test_in_test_mode_or_off_the_note_still_shows_and_nothing_is_taken_out(client, centre, monkeypatch, mode):
    monkeypatch.setenv("QA_REDACT_MODE", mode)
    reset_settings()
    await login(client, "agent@test.org")
    call = centre["calls"][centre["agents"]["1"]][0]
    token = csrf_from(await panel(client, call))
    assert NOTE in (await check(client, token, f"BSN {BSN}", call)).text
    saved = await client.post(
        f"/calls/{call}/cases",
        data={"description": f"BSN {BSN}", "resolved": "no", "_csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert "redacted" not in saved.headers["location"]
    assert (await Case.select(Case.description).first())["description"] == f"BSN {BSN}"
    reset_settings()
