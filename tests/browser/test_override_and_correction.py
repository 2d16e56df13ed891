"""Issue 17 in Chromium: an automatic answer changed by the marker leaves a trace, and a released
evaluation is corrected while the agent's response window is open.

1. The QA marker changes the automatic "answered within 60 seconds" (the call waited 12 s, so
   the machine says Yes) to No from the keyboard: "changed from the automatic result" shows and
   the reason box takes the focus. Submitted without a reason, the form is refused with the
   error beside the box and everything typed kept; with the reason, it is released.
2. The agent sees "changed from the automatic result", what the check said and why.
3. The marker corrects the released evaluation: without a reason refused, with one saved.
4. The agent is notified and reads the correction, with its reason, in the history.
Each page is checked with axe; screenshots in /tmp/override-*.png.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

SHOTS = "/tmp"


async def _open_for_marking(qa_email: str, call_id: int, month: str) -> int:
    """The call picked for the QA marker and its evaluation opened as a draft (the automatic
    criteria filled in)."""
    from qa_app.auth import load_user
    from qa_app.tables import Call, User
    from scorecards import evaluations
    from scorecards.tables import Assignment, Sample

    qa = await load_user((await User.select(User.id).where(User.email == qa_email).first())["id"])
    agent = (await Call.select(Call.agent).where(Call.id == call_id).first())["agent"]
    sample = (await Sample.insert(Sample(month=month, seed=1)).returning(Sample.id))[0]["id"]
    pick = (
        await Assignment.insert(Assignment(sample=sample, agent=agent, call=call_id, week=0, marker=qa.id)).returning(
            Assignment.id
        )
    )[0]["id"]
    return await evaluations.start_for_assignment(pick, qa)


def _focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def test_override_leaves_a_trace_and_a_released_evaluation_is_corrected(live_app, new_context):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("qa@test.org", "qa", name="Quinn Marker")
    live_app.create_user("robin@test.org", "agent", agent="1001", name="Robin Agent")
    offered = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    call = live_app.add_call("1001", offered_at=offered, talk_seconds=180)
    evaluation_id = live_app.run(_open_for_marking, "qa@test.org", call, offered.strftime("%Y-%m"))
    url = f"/evaluations/{evaluation_id}"

    # 1. The marker changes the automatic answer from the keyboard.
    qa = new_context().new_page()
    login(qa, "qa@test.org")
    qa.goto(url)
    automatic = qa.locator("#c-time_to_answer")
    assert automatic.get_attribute("data-machine") == "1"
    assert automatic.locator("input[value='1']").is_checked()
    assert automatic.locator(".override-reason").is_hidden() and automatic.locator(".override-tag").is_hidden()
    automatic.locator("input[value='1']").focus()
    qa.keyboard.press("2")
    assert automatic.locator("input[value='0']").is_checked()
    assert automatic.locator(".override-tag").inner_text() == "changed from the automatic result"
    assert _focused_id(qa) == "override-time_to_answer"  # the reason is asked for at once
    assert qa.get_by_label(
        "Why did you change the automatic result? (one line, needed to submit) on time to answer"
    ).is_visible()
    assert qa.locator("#override-call_length").is_hidden()  # unchanged: no reason asked
    problems = serious_violations(qa, "override asked for its reason")
    qa.screenshot(path=f"{SHOTS}/override-asked.png", full_page=True)
    qa.keyboard.press("Enter")  # back to the criterion, nothing submitted
    assert _focused_id(qa) == "" and automatic.locator("input[value='0']").evaluate("e => e === document.activeElement")
    # Every other criterion: its first answer (Yes, or the scale's top), by the keys.
    for index in range(qa.locator("fieldset.criterion").count()):
        fieldset = qa.locator("fieldset.criterion").nth(index)
        if fieldset.get_attribute("id") == "c-time_to_answer":
            continue
        values = fieldset.locator("input[type=radio]").evaluate_all("rs => rs.map(r => r.value)")
        choice = "4" if "4" in values else "1"
        fieldset.locator(f"input[value='{choice}']").check()
    qa.get_by_label("Overall comment for the agent").fill("Friendly and clear.")
    qa.get_by_role("button", name="Submit and release to the agent").click()
    error = qa.locator("#override_time_to_answer-error")
    assert error.inner_text() == "Say in one line why you changed the automatic result."
    assert (
        qa.locator("#form-error").inner_text()
        == "say in one line why you changed the automatic result of Time to answer"
    )
    assert _focused_id(qa) == "form-error"
    assert qa.get_by_label("Overall comment for the agent").input_value() == "Friendly and clear."
    assert automatic.locator("input[value='0']").is_checked() and automatic.locator(".override-reason").is_visible()
    problems += serious_violations(qa, "override refused without a reason")
    qa.screenshot(path=f"{SHOTS}/override-refused.png", full_page=True)
    automatic.locator("#override-time_to_answer").fill("The queue log shows a transfer wait of 80 seconds")
    qa.get_by_role("button", name="Submit and release to the agent").click()
    qa.wait_for_url(re.compile(r"/qa/queue\?month=\d{4}-\d\d&submitted=\d+$"))

    # 2. The agent sees the trace.
    agent = new_context().new_page()
    login(agent, "robin@test.org")
    agent.goto(url)
    row = agent.locator("tr#c-time_to_answer")
    assert "changed from the automatic result" in row.inner_text()
    assert "The automatic check said: Yes." in row.inner_text()
    assert "The queue log shows a transfer wait of 80 seconds" in row.inner_text()
    assert agent.get_by_role("link", name="Correct this evaluation").count() == 0
    problems += serious_violations(agent, "the agent's evaluation with an override")
    agent.screenshot(path=f"{SHOTS}/override-agent.png", full_page=True)

    # 3. The marker corrects it: the reason is required, then kept.
    qa.goto(url)
    assert "changed from the automatic result" in qa.locator("tr#c-time_to_answer").inner_text()
    score_before = qa.locator("[data-score]").inner_text()
    qa.get_by_role("link", name="Correct this evaluation").click()
    qa.wait_for_url(f"**{url}/correct")
    assert automatic.locator(".override-reason input").input_value().startswith("The queue log shows")
    qa.locator("#c-courtesy input[value='2']").check()
    qa.get_by_role("button", name="Save the correction and tell the agent").click()
    assert qa.locator("#correction-error").inner_text() == "Say why you correct this evaluation."
    assert qa.locator("#c-courtesy input[value='2']").is_checked()  # what was changed is kept
    problems += serious_violations(qa, "correction refused without a reason")
    qa.screenshot(path=f"{SHOTS}/override-correction-refused.png", full_page=True)
    qa.get_by_label("Why do you correct this evaluation?").fill("Listened again: the caller was kept waiting twice")
    qa.get_by_role("button", name="Save the correction and tell the agent").click()
    qa.wait_for_url(f"**{url}?corrected=1")
    assert qa.locator("#corrected-note").inner_text() == "The evaluation is corrected and the agent has been told."
    score_after = qa.locator("[data-score]").inner_text()
    assert score_after != score_before
    history = qa.locator(".history").inner_text()
    assert "corrected" in history and "Listened again: the caller was kept waiting twice" in history
    problems += serious_violations(qa, "corrected")
    qa.screenshot(path=f"{SHOTS}/override-corrected.png", full_page=True)

    # 4. The agent is told, and reads the correction in the history.
    agent.goto("/")
    agent.get_by_role("link", name=re.compile(r"^Notifications \d+ unread$")).click()
    notices = agent.locator("main li").all_inner_texts()
    assert any(
        re.search(rf"The evaluation of your call of .+ was corrected: {re.escape(score_after)}", n) for n in notices
    ), notices
    agent.locator(f"main li a[href='{url}']").first.click()
    assert agent.url.endswith(url)
    history = agent.locator(".history").inner_text()
    assert "Quinn Marker: corrected" in history and "Listened again: the caller was kept waiting twice" in history
    assert re.search(r"Courtesy: 4 → 2; score \d+% → \d+%", history), history
    problems += serious_violations(agent, "the agent's corrected evaluation")
    agent.screenshot(path=f"{SHOTS}/override-agent-corrected.png", full_page=True)
    assert not problems, "\n".join(problems)
