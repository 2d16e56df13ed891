"""Coaching on a real database (SQLite and PostgreSQL): every coaching route checked for every
role, agents and other teams' leaders getting 404 for what is not theirs, every change in the
audit log, the calendar file read back by the `icalendar` parser in the centre's time zone, and
notifications in the app and by email digest."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from coaching import plans
from coaching.goals import Goal as GoalRule
from coaching.routes import ROUTES as HANDLERS
from coaching.tables import Action, CoachingSession, Goal
from qa_app import mail, notifications
from qa_app.settings import reset_settings
from qa_app.tables import AuditLog, Notification
from tests.web import HTML, csrf_from, login, routes_listed, routes_of

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Each route with what a user allowed on it gets for a bare request (a POST with only the CSRF
# token): the page, the redirect after doing what needs no input, or the page with the error.
ROUTES = [
    ("GET", "/coaching", 200),  # an agent is sent on to their own page (302)
    ("GET", "/coaching/agents/{agent}", 200),
    ("POST", "/coaching/agents/{agent}/plan", 400),  # the agent has an open plan already
    ("POST", "/coaching/plans/{plan}/goals", 400),  # no measure chosen
    ("POST", "/coaching/goals/{goal}/drop", 302),
    ("POST", "/coaching/plans/{plan}/actions", 400),  # no action described
    ("POST", "/coaching/actions/{action}/done", 302),
    ("POST", "/coaching/plans/{plan}/sessions", 400),  # no time given
    ("GET", "/coaching/sessions/{session}", 200),
    ("POST", "/coaching/sessions/{session}/notes", 302),
    ("POST", "/coaching/sessions/{session}/reflection", 302),
    ("POST", "/coaching/sessions/{session}/acknowledge", 302),
    ("GET", "/coaching/sessions/{session}/calendar.ics", 200),
]


def test_every_coaching_route_is_in_the_role_matrix():
    assert routes_of(HANDLERS) == routes_listed(ROUTES)


async def _plan_for(centre, staff: str, leader: str) -> dict[str, int]:
    agent = centre["agents"][staff]
    owner = centre["users"][leader]
    plan = await plans.create_plan(agent, owner, "Warmer openings")
    goal = await plans.add_goal(plan, GoalRule("criterion", 0.9, 6, "greeting"), "", owner)
    action = await plans.add_action(plan, "model_call", "Listen to a model call", "/calls/1", "agent", None, owner)
    session = await plans.schedule_session(
        plan, "weekly", datetime(2026, 3, 27, 10, 0, tzinfo=STOCKHOLM), 30, "Room 2", owner
    )
    return {"agent": agent, "plan": plan, "goal": goal, "action": action, "session": session}


# Whose records each role may reach: agent 1 and 2 are North's (team_leader), 3 is South's.
def reachable(role: str, owner_staff: str) -> bool:
    return {
        "admin": True,
        "manager": True,
        "team_leader": owner_staff in ("1", "2"),
        "other_leader": owner_staff == "3",
        "agent": owner_staff == "1",
        "agent_b": owner_staff == "2",
        "qa": False,
    }[role]


COACH_ONLY = {"plan", "goals", "drop", "actions", "sessions", "notes"}
AGENT_ONLY = {"reflection", "acknowledge"}


@pytest.mark.parametrize("role", ["admin", "manager", "qa", "team_leader", "other_leader", "agent", "agent_b"])
async def test_each_role_on_every_coaching_route(client, centre, role):
    north = await _plan_for(centre, "1", "team_leader")
    south = await _plan_for(centre, "3", "other_leader")
    await login(client, f"{role}@test.org")
    token = csrf_from((await client.get("/", headers=HTML)).text)
    for staff, ids in (("1", north), ("3", south)):
        for method, path, status_when_allowed in ROUTES:
            url = path.format(**ids)
            if method == "GET":
                response = await client.get(url, headers=HTML)
            else:
                response = await client.post(url, data={"_csrf_token": token}, headers=HTML)
            last = url.rstrip("/").rsplit("/", 1)[-1]
            db_role = {"other_leader": "team_leader", "agent_b": "agent"}.get(role, role)
            if role == "qa":
                expected = 403
            elif url == "/coaching":
                expected = 302 if db_role == "agent" else 200
            elif db_role == "agent" and last in COACH_ONLY:
                expected = 403
            elif db_role != "agent" and last in AGENT_ONLY:
                expected = 403
            elif not reachable(role, staff):
                expected = 404
            else:
                expected = status_when_allowed
            assert response.status_code == expected, (role, method, url, response.status_code)


async def test_an_agent_gets_404_for_another_agents_plan_session_and_evaluation(client, centre):
    from scorecards.tables import Evaluation
    from scorecards.versions import default

    other = await _plan_for(centre, "2", "team_leader")
    template = (await default())["id"]
    call = centre["calls"][centre["agents"]["2"]][0]
    evaluation = (
        await Evaluation.insert(
            Evaluation(call=call, agent=centre["agents"]["2"], template=template, status="released", month="2026-03")
        ).returning(Evaluation.id)
    )[0]["id"]
    await login(client, "agent@test.org")
    for url in (
        f"/coaching/agents/{other['agent']}",
        f"/coaching/sessions/{other['session']}",
        f"/coaching/sessions/{other['session']}/calendar.ics",
        f"/evaluations/{evaluation}",
    ):
        assert (await client.get(url, headers=HTML)).status_code == 404, url


async def test_changes_are_audited_and_progress_is_shown(client, centre):
    ids = await _plan_for(centre, "1", "team_leader")
    await plans.save_notes(ids["session"], "Good progress on the greeting.", centre["users"]["team_leader"])
    await plans.save_reflection(ids["session"], "I will smile as I answer.", centre["users"]["agent"])
    await plans.acknowledge(ids["session"], centre["users"]["agent"])
    actions = [
        (r["action"], r["entity"])
        for r in await AuditLog.select(AuditLog.action, AuditLog.entity).order_by(AuditLog.id)
        if r["entity"].startswith("coaching")
    ]
    assert actions == [
        ("create", "coaching_plan"),
        ("add goal", "coaching_plan"),
        ("add action", "coaching_plan"),
        ("schedule", "coaching_session"),
        ("notes", "coaching_session"),
        ("reflection", "coaching_session"),
        ("acknowledge", "coaching_session"),
    ]
    await login(client, "agent@test.org")
    page = await client.get(f"/coaching/agents/{ids['agent']}", headers=HTML)
    assert "My coaching" in page.text and "Greeting and name: no evaluation yet" in page.text
    assert "Listen to a model call" in page.text
    # The leader was told of the acknowledgement; the agent of the session.
    told = {r["kind"]: r["user"] for r in await Notification.select(Notification.kind, Notification.user)}
    assert told == {
        "session_scheduled": centre["users"]["agent"],
        "session_acknowledged": centre["users"]["team_leader"],
    }
    assert await Goal.count() == 1 and await Action.count() == 1 and await CoachingSession.count() == 1


async def test_the_calendar_file_is_read_by_a_standard_parser(client, centre, monkeypatch):
    monkeypatch.setenv("QA_TIMEZONE", "Europe/Stockholm")
    reset_settings()
    # 27 March 2026, 10:00 in Stockholm (CET, UTC+1), and 30 March after the change to CEST.
    ids = await _plan_for(centre, "1", "team_leader")
    owner = centre["users"]["team_leader"]
    after = await plans.schedule_session(
        ids["plan"], "monthly", datetime(2026, 3, 30, 9, 0, tzinfo=STOCKHOLM), 60, "", owner
    )
    await login(client, "agent@test.org")
    for session_id, start, minutes, summary in (
        (ids["session"], datetime(2026, 3, 27, 10, 0, tzinfo=STOCKHOLM), 30, "Weekly check-in: Agent 1"),
        (after, datetime(2026, 3, 30, 9, 0, tzinfo=STOCKHOLM), 60, "Monthly review: Agent 1"),
    ):
        response = await client.get(f"/coaching/sessions/{session_id}/calendar.ics", headers=HTML)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(response.content)
        (event,) = calendar.walk("VEVENT")
        dtstart = event.decoded("dtstart")
        assert dtstart == start and str(dtstart.tzinfo) == "Europe/Stockholm"
        assert dtstart.utcoffset() == start.utcoffset()
        assert event.decoded("dtend") - dtstart == timedelta(minutes=minutes)
        assert str(event["summary"]) == summary
        assert str(event["attendee"]) == "mailto:agent@test.org"
        assert str(event["organizer"]) == "mailto:team_leader@test.org"
        assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    assert (
        datetime(2026, 3, 27, 10, 0, tzinfo=STOCKHOLM).utcoffset()
        != datetime(2026, 3, 30, 9, 0, tzinfo=STOCKHOLM).utcoffset()
    )  # the two sessions straddle the change to summer time
    reset_settings()


async def test_notifications_can_be_turned_off_and_arrive_by_email(client, centre, smtp_server):
    agent_user = centre["users"]["agent"]
    await notifications.save_settings(
        agent_user,
        {
            "session_scheduled": {"in_app": False, "email": True},
            "evaluation_released": {"in_app": False, "email": False},
        },
    )
    await notifications.notify(agent_user, "evaluation_released", "off entirely")
    await notifications.notify(agent_user, "session_scheduled", "by email only", "/coaching/sessions/1")
    await notifications.notify(agent_user, "dispute_answered", "both", "/evaluations/1")
    assert [n["text"] for n in await notifications.unread(agent_user)] == ["both"]
    sent = await notifications.send_digests("https://qa.city.example", mail.parse_smtp_url(smtp_server.url))
    assert sent == 1
    (message,) = smtp_server.messages("agent@test.org")
    body = message.get_content().replace("\r\n", "\n")
    assert message["Subject"] == "2 new in the quality app"
    assert "by email only\n  https://qa.city.example/coaching/sessions/1" in body and "both" in body
    assert "off entirely" not in body
    assert await notifications.send_digests("https://qa.city.example", mail.parse_smtp_url(smtp_server.url)) == 0
    # The page shows the choice and saves a new one.
    await login(client, "agent@test.org")
    page = await client.get("/notifications", headers=HTML)
    assert 'name="dispute_answered:in_app" aria-label="An answer to your dispute in the app" checked' in page.text
    saved = await client.post(
        "/notifications/settings",
        data={"dispute_answered:email": "on", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert saved.status_code == 302
    choices = await notifications.settings_for(agent_user)
    assert choices["dispute_answered"] == {"in_app": False, "email": True}
    assert choices["session_scheduled"] == {"in_app": False, "email": False}
