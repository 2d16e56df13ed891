"""An agent responds to two evaluations in Chromium and the team leader resolves the dispute:

- the evaluation page says how the score is made and why a critical error makes it 0%;
- acknowledging and disputing end on the evaluation's own address (a 303 redirect: a reload
  sends nothing again) with a message, focused, saying what happens next;
- a dispute without a reason, and a resolution without a decision, are refused with the error
  beside the field and what was typed kept; the resolution has no decision chosen in advance;
- the history says "No → Yes".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

SHOTS = "/tmp"


async def _release(qa_email: str, call_ids: list[int], month: str) -> list[int]:
    """Pick the calls for QA, mark each as QA would, every criterion passed but the
    data-protection check (a compliance-critical error), and release them."""
    from qa_app.auth import load_user
    from qa_app.tables import Call, User
    from scorecards import evaluations, versions
    from scorecards.evaluations import Marked
    from scorecards.tables import Assignment, Sample

    qa = await load_user((await User.select(User.id).where(User.email == qa_email).first())["id"])
    definition = versions.definition_of(await versions.default())
    marked = {c.code: Marked(c.max_value) for c in definition.criteria()}
    marked["data_protection"] = Marked(0)
    sample = (await Sample.insert(Sample(month=month, seed=1)).returning(Sample.id))[0]["id"]
    released = []
    for call_id in call_ids:
        agent = (await Call.select(Call.agent).where(Call.id == call_id).first())["agent"]
        pick = (
            await Assignment.insert(
                Assignment(sample=sample, agent=agent, call=call_id, week=0, marker=qa.id)
            ).returning(Assignment.id)
        )[0]["id"]
        evaluation_id = await evaluations.start_for_assignment(pick, qa)
        await evaluations.save(evaluation_id, qa, marked, "Clear and friendly call", submit=True)
        released.append(evaluation_id)
    return released


def _focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def test_acknowledge_dispute_and_resolve(live_app, new_context):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("qa@test.org", "qa", name="Quinn Marker")
    live_app.create_user("robin@test.org", "agent", agent="1001", name="Robin Agent")
    offered = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    calls = [live_app.add_call("1001", offered_at=offered - timedelta(hours=h), talk_seconds=180) for h in (0, 1)]
    first, second = live_app.run(_release, "qa@test.org", calls, offered.strftime("%Y-%m"))

    agent = new_context().new_page()
    login(agent, "robin@test.org")
    # Home says what to do: both evaluations, each with its last day; the header counts the news.
    assert agent.locator("h1").first.inner_text() == "What to do next"
    to_do = agent.locator(".to-do li")
    assert to_do.count() == 2
    assert all(
        re.search(r"\(0%\) and acknowledge or dispute it by \d{4}-\d\d-\d\d$", t) for t in to_do.all_inner_texts()
    )
    assert agent.get_by_role("link", name=re.compile(r"^Notifications 2 unread$")).count() == 1
    problems = serious_violations(agent, "the agent's home")
    agent.screenshot(path=f"{SHOTS}/home-agent.png", full_page=True)
    agent.locator(f".to-do a[href='/evaluations/{first}']").click()
    assert agent.url.endswith(f"/evaluations/{first}")
    assert agent.title().startswith("Evaluation of the call of ")
    main = agent.locator("main").inner_text()
    assert "How the score is made:" in main and "compliance-critical error sets the whole evaluation to 0%" in main
    assert "This call has a critical error: Data-protection check." in main
    assert "Keys outside text fields" not in main
    agent.screenshot(path=f"{SHOTS}/evaluation-agent.png", full_page=True)
    problems += serious_violations(agent, "the agent's evaluation")
    agent.get_by_role("button", name="I have read this and acknowledge it").click()
    agent.wait_for_url(f"**/evaluations/{first}?done=acknowledged")
    assert agent.get_by_role("status").inner_text().startswith("Thank you: you acknowledged this evaluation.")
    assert _focused_id(agent) == "response-message"
    problems += serious_violations(agent, "acknowledged")

    agent.goto(f"/evaluations/{second}")
    agent.get_by_text("I disagree with part of it").click()
    agent.get_by_label("Anything else").fill("Please listen to the start again.")
    agent.get_by_role("button", name="Send my dispute").click()
    error = agent.locator("form #dispute-error")
    assert error.inner_text() == "Say which criterion you disagree with and why."
    assert _focused_id(agent) == "dispute-error"  # moved to the error, inside the form
    assert agent.get_by_label("Anything else").input_value() == "Please listen to the start again."
    agent.screenshot(path=f"{SHOTS}/evaluation-dispute-error.png", full_page=True)
    problems += serious_violations(agent, "dispute refused")
    agent.get_by_label("Data-protection check").fill("I checked the address before reading the case.")
    agent.get_by_role("button", name="Send my dispute").click()
    agent.wait_for_url(f"**/evaluations/{second}?done=disputed")
    message = agent.get_by_role("status").inner_text()
    assert re.match(r"Your dispute goes to your team leader, who answers by \w+day \d\d \w+ \d{4}\.", message)
    assert _focused_id(agent) == "response-message"
    agent.screenshot(path=f"{SHOTS}/evaluation-disputed.png", full_page=True)
    problems += serious_violations(agent, "disputed")
    agent.reload()  # a GET: nothing is sent again
    assert agent.locator("h2", has_text="Dispute").count() == 1

    agent.goto("/")
    assert agent.locator(".to-do li").count() == 0  # both answered: nothing left to do here

    # The team leader is told, on their home page and in their notifications, and answers.
    leader = new_context().new_page()
    login(leader, "leader@test.org")
    item = leader.locator(".to-do li")
    assert item.count() == 1 and item.inner_text().startswith("Answer Robin Agent's dispute of the evaluation")
    leader.get_by_role("link", name=re.compile(r"^Notifications 1 unread$")).click()
    notice = leader.locator("main li").first.inner_text()
    assert notice.startswith("Robin Agent disputes 1 answer of the evaluation of the call of"), notice
    leader.locator("main li a").first.click()
    assert leader.url.endswith(f"/evaluations/{second}")
    form = leader.locator("#resolve-form")
    assert form.locator("input[type=radio]:checked").count() == 0  # nothing chosen for the leader
    leader.get_by_label("Note to the agent").fill("Listened again: the address was checked.")
    leader.get_by_role("button", name="Resolve").click()
    assert "Choose whether the evaluation stands" in leader.locator("#decision-error").inner_text()
    assert _focused_id(leader) == "decision-error"
    assert leader.get_by_label("Note to the agent").input_value() == "Listened again: the address was checked."
    leader.screenshot(path=f"{SHOTS}/evaluation-resolve-error.png", full_page=True)
    problems += serious_violations(leader, "resolution refused")
    leader.get_by_label("Amend the disputed answers").check()
    form.locator("input[name='amend_value_data_protection'][value='1']").check()
    leader.get_by_role("button", name="Resolve").click()
    leader.wait_for_url(f"**/evaluations/{second}")
    assert "Data-protection check: No → Yes" in leader.locator(".history").inner_text()
    problems += serious_violations(leader, "resolved")
    assert not problems, "\n".join(problems)
