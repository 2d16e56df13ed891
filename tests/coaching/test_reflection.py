"""The agent's reflection is never lost: acknowledging a session saves the reflection typed
beside the button; a session is acknowledged only once it has taken place; saving says so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from coaching import plans
from coaching.tables import CoachingSession, Goal
from tests.web import HTML, csrf_from, login


async def _session(centre, starts_at: datetime) -> int:
    owner = centre["users"]["team_leader"]
    plan = await plans.create_plan(centre["agents"]["1"], owner, "Warmer openings")
    return await plans.schedule_session(plan, "weekly", starts_at, 30, "Room 2", owner)


async def _row(session_id: int) -> dict:
    return await CoachingSession.select().where(CoachingSession.id == session_id).first()


async def test_acknowledging_saves_the_reflection_typed_beside_the_button(client, centre):
    session = await _session(centre, datetime.now(timezone.utc) - timedelta(hours=2))
    await login(client, "agent@test.org")
    page = await client.get(f"/coaching/sessions/{session}", headers=HTML)
    assert "I have read this and agree it is a fair record" in page.text
    # One form: the acknowledge button posts the textarea too.
    assert f'formaction="/coaching/sessions/{session}/acknowledge"' in page.text
    response = await client.post(
        f"/coaching/sessions/{session}/acknowledge",
        data={"reflection": "  I will say my name first.  ", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert response.status_code == 302
    assert response.headers["location"] == f"/coaching/sessions/{session}?saved=acknowledged"
    row = await _row(session)
    assert row["reflection"] == "I will say my name first." and row["acknowledged_at"] is not None
    shown = await client.get(response.headers["location"], headers=HTML)
    assert "I will say my name first.</textarea>" in shown.text
    assert 'role="status" id="saved">Saved.' in shown.text
    assert "I have read this and agree" not in shown.text  # acknowledged once


async def test_a_bare_acknowledgement_keeps_the_reflection_saved_before(client, centre):
    session = await _session(centre, datetime.now(timezone.utc) - timedelta(days=1))
    await plans.save_reflection(session, "Saved earlier.", centre["users"]["agent"])
    await login(client, "agent@test.org")
    token = csrf_from((await client.get(f"/coaching/sessions/{session}", headers=HTML)).text)
    response = await client.post(f"/coaching/sessions/{session}/acknowledge", data={"_csrf_token": token}, headers=HTML)
    assert response.status_code == 302
    row = await _row(session)
    assert row["reflection"] == "Saved earlier." and row["acknowledged_at"] is not None


async def test_saving_the_reflection_says_saved(client, centre):
    session = await _session(centre, datetime.now(timezone.utc) + timedelta(days=2))
    await login(client, "agent@test.org")
    token = csrf_from((await client.get(f"/coaching/sessions/{session}", headers=HTML)).text)
    response = await client.post(
        f"/coaching/sessions/{session}/reflection",
        data={"reflection": "Notes to self", "_csrf_token": token},
        headers=HTML,
    )
    assert response.headers["location"] == f"/coaching/sessions/{session}?saved=reflection"
    page = await client.get(response.headers["location"], headers=HTML)
    assert 'role="status" id="saved">Saved.</p>' in page.text and "Notes to self</textarea>" in page.text


async def test_a_session_to_come_cannot_be_acknowledged(client, centre):
    session = await _session(centre, datetime.now(timezone.utc) + timedelta(days=2))
    await login(client, "agent@test.org")
    page = await client.get(f"/coaching/sessions/{session}", headers=HTML)
    assert "I have read this and agree" not in page.text  # the button is not offered
    assert "You can acknowledge this session once it has taken place" in page.text
    response = await client.post(
        f"/coaching/sessions/{session}/acknowledge",
        data={"reflection": "Typed too early", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert response.status_code == 400
    assert "Not acknowledged: this session has not taken place yet" in response.text
    assert "Typed too early</textarea>" in response.text  # what was typed is still there
    row = await _row(session)
    assert row["acknowledged_at"] is None and row["reflection"] == ""


async def test_a_refused_goal_comes_back_open_with_what_was_typed(client, centre):
    plan = await plans.create_plan(centre["agents"]["1"], centre["users"]["team_leader"], "Shorter calls")
    await login(client, "team_leader@test.org")
    page = await client.get(f"/coaching/agents/{centre['agents']['1']}", headers=HTML)
    form = {
        "kind": "handle_time",
        "target": "4:75",
        "window": "14",
        "note": "Less hold",
        "_csrf_token": csrf_from(page.text),
    }
    refused = await client.post(f"/coaching/plans/{plan}/goals", data=form, headers=HTML)
    assert refused.status_code == 400
    assert "The goal was not added: give the handle-time target as minutes and seconds (4:30)" in refused.text
    assert '<details class="goal-kind" open><summary>Average handle time</summary>' in refused.text
    assert 'value="4:75"' in refused.text and 'value="14"' in refused.text and 'value="Less hold"' in refused.text
    added = await client.post(f"/coaching/plans/{plan}/goals", data={**form, "target": "4:30"}, headers=HTML)
    assert added.status_code == 302
    goal = await Goal.select().first()
    assert (goal["kind"], goal["target"], goal["window"]) == ("handle_time", 270, 14)
    nothing = await client.post(
        f"/coaching/plans/{plan}/goals", data={"_csrf_token": form["_csrf_token"]}, headers=HTML
    )
    assert nothing.status_code == 400 and "choose what the goal is measured by" in nothing.text
