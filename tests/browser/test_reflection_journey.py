"""An agent's reflection in Chromium: typed, then "I have read this and agree" pressed without
saving first; after a reload the text is still there. A session still to come offers no
acknowledgement."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

SHOTS = "/tmp"


async def _seed(staff_number: str, leader_id: int) -> tuple[int, int]:
    from coaching import plans
    from qa_app.tables import Agent

    agent = (await Agent.select(Agent.id).where(Agent.staff_number == staff_number).first())["id"]
    plan = await plans.create_plan(agent, leader_id, "Warmer openings")
    now = datetime.now(timezone.utc)
    held = await plans.schedule_session(plan, "weekly", now - timedelta(hours=3), 30, "Room 2", leader_id)
    to_come = await plans.schedule_session(plan, "monthly", now + timedelta(days=3), 60, "Room 2", leader_id)
    return held, to_come


def test_a_reflection_is_kept_when_the_agent_acknowledges(live_app, new_context):
    leader = live_app.create_user("leader@test.org", "team_leader", name="Lee Leader")
    team = live_app.add_team("North")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("robin@test.org", "agent", agent="1001", name="Robin Agent")
    held, to_come = live_app.run(_seed, "1001", leader)

    agent = new_context().new_page()
    login(agent, "robin@test.org")
    agent.goto(f"/coaching/sessions/{held}")
    agent.get_by_label("How did it go, and what will you try next?", exact=False).fill("I will say my name first.")
    agent.screenshot(path=f"{SHOTS}/coaching-session-held.png", full_page=True)
    agent.get_by_role("button", name="I have read this and agree it is a fair record").click()
    agent.wait_for_url(f"**/coaching/sessions/{held}?saved=acknowledged")
    assert agent.get_by_role("status").inner_text().startswith("Saved.")
    agent.screenshot(path=f"{SHOTS}/coaching-session-acknowledged.png", full_page=True)
    problems = serious_violations(agent, "acknowledged")
    agent.reload()
    assert agent.get_by_label("How did it go", exact=False).input_value() == "I will say my name first."
    assert "Acknowledged by Robin Agent" in agent.locator("main").inner_text()
    assert agent.get_by_role("button", name="I have read this and agree", exact=False).count() == 0

    # A session still to come: the reflection can be saved, not acknowledged.
    agent.goto(f"/coaching/sessions/{to_come}")
    assert agent.get_by_role("button", name="I have read this and agree", exact=False).count() == 0
    assert "You can acknowledge this session once it has taken place" in agent.locator("main").inner_text()
    agent.get_by_label("How did it go", exact=False).fill("Questions to ask")
    agent.get_by_role("button", name="Save my reflection").click()
    agent.wait_for_url(f"**/coaching/sessions/{to_come}?saved=reflection")
    assert agent.get_by_role("status").inner_text() == "Saved."
    agent.screenshot(path=f"{SHOTS}/coaching-session-to-come.png", full_page=True)
    problems += serious_violations(agent, "a session to come")
    assert not problems, "\n".join(problems)
    agent.reload()
    assert agent.get_by_label("How did it go", exact=False).input_value() == "Questions to ask"
