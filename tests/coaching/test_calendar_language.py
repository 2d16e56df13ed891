"""The coaching invitation in the language of whoever takes it (issue 21): an agent who chose
Swedish gets a calendar file whose summary and description are Swedish, and the notification of
the session scheduled for them is written in Swedish too; an English user's file is unchanged."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar

from coaching import plans
from qa_app.settings import reset_settings
from qa_app.tables import Notification, User
from tests.web import HTML, login

STOCKHOLM = ZoneInfo("Europe/Stockholm")


async def test_a_swedish_agents_invitation_is_in_swedish(client, centre, monkeypatch):
    monkeypatch.setenv("QA_TIMEZONE", "Europe/Stockholm")
    reset_settings()
    agent_user, leader = centre["users"]["agent"], centre["users"]["team_leader"]
    await User.update({User.language: "sv"}).where(User.id == agent_user)
    plan = await plans.create_plan(centre["agents"]["1"], leader, "Varmare öppningar")
    session = await plans.schedule_session(
        plan, "weekly", datetime(2026, 3, 27, 10, 0, tzinfo=STOCKHOLM), 30, "Rum 2", leader
    )
    (told,) = await Notification.select(Notification.text).where(Notification.user == agent_user)
    assert told["text"] == "Veckoavstämning fredag 27 mars kl. 10:00"

    await login(client, "agent@test.org")
    response = await client.get(f"/coaching/sessions/{session}/calendar.ics", headers=HTML)
    assert response.status_code == 200
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == "Veckoavstämning: Agent 1"
    assert str(event["description"]) == (
        f"Den förberedda sammanfattningen, anteckningarna och din reflektion: "
        f"http://testserver/coaching/sessions/{session}"
    )

    # The team leader has chosen no language (and the centre none): the same file in English.
    client.cookies.clear()
    await login(client, "team_leader@test.org")
    response = await client.get(f"/coaching/sessions/{session}/calendar.ics", headers=HTML)
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == "Weekly check-in: Agent 1"
    assert str(event["description"]).startswith("The prepared summary, notes and your reflection: ")
    reset_settings()
