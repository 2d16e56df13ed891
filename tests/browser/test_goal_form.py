"""The team leader's goal form in Chromium: each kind of goal asks only for what applies to it;
a handle-time target is typed as m:ss like everywhere else; after an error the form stays open
with what was typed and the error beside it."""

from __future__ import annotations

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

SHOTS = "/tmp"


def test_a_handle_time_goal_typed_as_minutes_and_seconds(live_app, new_context):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)

    leader = new_context().new_page()
    login(leader, "leader@test.org")
    leader.goto("/coaching")
    leader.get_by_role("link", name="Robin Agent").click()
    leader.get_by_label("What you agreed to work on together").fill("Shorter calls without rushing.")
    leader.get_by_role("button", name="Start a coaching plan").click()
    leader.locator("summary", has_text="Add a goal").click()
    leader.locator("summary", has_text="Average handle time").click()
    form = leader.get_by_role("form", name="Add a goal: Average handle time")
    # Only what applies: no criterion, no section, a window in days.
    assert form.get_by_label("Criterion").count() == 0 and form.get_by_label("Scorecard section").count() == 0
    assert form.get_by_label("Counted over the last … days").input_value() == "30"
    leader.screenshot(path=f"{SHOTS}/coaching-goal-form.png", full_page=True)

    form.get_by_label("Target", exact=False).fill("4:75")
    form.get_by_label("Note").fill("Less hold time")
    form.get_by_role("button", name="Add the goal").click()
    form = leader.get_by_role("form", name="Add a goal: Average handle time")
    assert form.is_visible()  # still open, with what was typed and the reason beside it
    assert "minutes and seconds (4:30)" in form.get_by_role("alert").inner_text()
    assert form.get_by_label("Target", exact=False).input_value() == "4:75"
    assert form.get_by_label("Note").input_value() == "Less hold time"
    leader.screenshot(path=f"{SHOTS}/coaching-goal-form-error.png", full_page=True)
    problems = serious_violations(leader, "goal refused")
    assert not problems, "\n".join(problems)

    form.get_by_label("Target", exact=False).fill("4:30")
    form.get_by_role("button", name="Add the goal").click()
    goals = leader.locator("table").first.inner_text()
    assert "Average handle time" in goals and "no answered call in the last 30 days" in goals
    assert leader.get_by_role("alert").count() == 0
    assert live_app.run(_targets) == [("handle_time", 270.0, 30, "Less hold time")]


async def _targets() -> list[tuple]:
    from coaching.tables import Goal

    return [(g["kind"], g["target"], g["window"], g["note"]) for g in await Goal.select()]
