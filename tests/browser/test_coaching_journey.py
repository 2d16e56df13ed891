"""A coaching journey in Chromium: the team leader creates a plan with a goal tied to a
criterion, schedules a weekly session and writes notes; the agent sees the plan and the
prepared summary, writes a reflection and acknowledges; the team leader sees the
acknowledgement."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.browser.conftest import login


def test_a_plan_a_session_and_its_acknowledgement(live_app, new_context):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("robin@test.org", "agent", agent="1001", name="Robin Agent")

    leader = new_context().new_page()
    login(leader, "leader@test.org")
    leader.goto("/coaching")
    leader.get_by_role("link", name="Robin Agent").click()
    leader.get_by_label("What you agreed to work on together").fill("Warmer openings: greet and give your name.")
    leader.get_by_role("button", name="Start a coaching plan").click()
    leader.locator("summary", has_text="Add a goal").click()
    leader.locator("summary", has_text="A criterion passed").click()
    form = leader.get_by_role("form", name="Add a goal: A criterion passed")
    form.get_by_label("Criterion").select_option("greeting")
    form.get_by_label("Target", exact=False).fill("90")
    form.get_by_role("button", name="Add the goal").click()
    goals = leader.locator("table").first
    assert "A criterion passed: Greeting and name" in goals.inner_text()
    assert "Greeting and name: no evaluation yet" in goals.inner_text()
    leader.locator("summary", has_text="Schedule a session").click()
    leader.get_by_label("Kind of session").select_option("weekly")
    # Held yesterday (a session is acknowledged once it has taken place).
    when = (datetime.now(timezone.utc) - timedelta(days=1)).replace(hour=10, minute=0)
    leader.get_by_label("When").fill(when.strftime("%Y-%m-%dT%H:%M"))
    leader.get_by_label("Where").fill("Room 2")
    leader.get_by_role("button", name="Schedule").click()
    assert leader.locator("h1").inner_text().startswith("Weekly check-in")
    leader.get_by_label("The team leader's notes").fill("We listened to two calls together.")
    leader.get_by_role("button", name="Save the notes").click()
    session_url = leader.url

    agent = new_context().new_page()
    login(agent, "robin@test.org")
    agent.get_by_role("link", name="My coaching").click()
    assert agent.locator("h1").inner_text() == "My coaching"
    assert "Warmer openings" in agent.locator("main").inner_text()
    assert "Greeting and name: no evaluation yet" in agent.locator("main").inner_text()  # progress, not typed in
    agent.get_by_role("link", name="Weekly check-in").click()
    assert agent.locator("h2", has_text="Since the last session").count() == 1
    assert "No new evaluation." in agent.locator("main").inner_text()
    assert agent.locator("#notes").inner_text() == "We listened to two calls together."
    agent.get_by_label("How did it go, and what will you try next?", exact=False).fill("I will say my name first.")
    agent.get_by_role("button", name="Save my reflection").click()
    agent.get_by_role("button", name="I have read this and agree it is a fair record").click()
    assert "Acknowledged by Robin Agent" in agent.locator("main").inner_text()
    # The calendar file is offered to the agent.
    assert agent.get_by_role("link", name="Add to my calendar").get_attribute("href").endswith("/calendar.ics")

    leader.goto(session_url)
    text = leader.locator("main").inner_text()
    assert "Acknowledged by Robin Agent" in text and "I will say my name first." in text
    leader.goto("/notifications")
    assert "Robin Agent acknowledged the weekly check-in" in leader.locator("main").inner_text()
