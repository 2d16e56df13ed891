"""The marking journey across three people, in a real browser against the real app:

1. the monthly sample (`qa sample`) assigns the agent's recorded call to the QA marker;
2. the QA marker opens it from the queue, plays the recording from the keyboard, marks every
   criterion (the automatic ones come filled in with their evidence) and submits;
3. the agent sees the released evaluation in their month and disputes one criterion;
4. the team leader finds the dispute in the team's month and amends it; the history shows it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from tests.browser.conftest import login

SCRIPT = [
    ("agent", "Good morning, City Council, my name is Sam. How can I help you today?"),
    ("caller", "Hello. My recycling bin was not emptied this morning, on Orchard Road."),
    (
        "agent",
        "I'm sorry about that. I have booked a return collection for tomorrow. Your case number is four two one seven.",
    ),
    ("caller", "Thank you very much."),
    ("agent", "Is there anything else I can help with? Thank you for calling the council."),
]


def test_mark_release_dispute_resolve(live_app, new_context):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("qa@test.org", "qa", name="Quinn Marker")
    live_app.create_user("robin@test.org", "agent", agent="1001")
    rendered = live_app.speak("journey-call", SCRIPT)
    offered = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    call = live_app.add_call("1001", recording=rendered.recording_path, offered_at=offered, talk_seconds=180)
    live_app.add_transcript(call, rendered)
    month = offered.strftime("%Y-%m")
    sample = json.loads(live_app.qa("sample", "--month", month, "--json").stdout)
    assert [p["agent"] for p in sample["picks"]] == ["1001"] and sample["flagged"] == ["1001"]

    # 2. The QA marker.
    qa = new_context().new_page()
    login(qa, "qa@test.org")
    qa.get_by_role("link", name="Quality").hover()  # the group opens under its link
    qa.get_by_role("link", name="Marking").click()
    qa.goto(f"/qa/queue?month={month}")
    qa.get_by_role("button", name=re.compile("^Mark the call of Robin Agent")).click()
    qa.wait_for_url(re.compile(r"/evaluations/\d+$"))
    evaluation_url = qa.url
    qa.locator("#transcript .w").first.wait_for()  # the transcript beside the scorecard
    assert qa.locator(".evidence").count() >= 1  # automatic criteria with their evidence
    qa.locator("body").press("p")  # play from the keyboard
    qa.wait_for_function(
        "() => { const a = document.getElementById('recording'); return !a.paused && a.currentTime > 0.3; }"
    )
    qa.locator("body").press("p")
    assert qa.eval_on_selector("#recording", "a => a.paused")
    criteria = qa.locator("fieldset.criterion")
    assert criteria.count() >= 6
    for index in range(criteria.count()):
        fieldset = criteria.nth(index)
        radios = fieldset.locator("input[type=radio]")
        values = [radios.nth(i).get_attribute("value") for i in range(radios.count())]
        choice = "1" if "1" in values and "2" not in values else max(v for v in values if v != "na")
        # Choose with the keyboard: focus the group and move with the arrow keys.
        fieldset.locator(f"input[type=radio][value='{choice}']").focus()
        qa.keyboard.press("Space")
        assert fieldset.locator(f"input[type=radio][value='{choice}']").is_checked()
    scale = qa.locator("fieldset.criterion:has(input[value='4'])").first
    scale_code = scale.get_attribute("id").removeprefix("c-")
    scale.locator("input[value='3']").check()
    scale.locator(".add-comment").click()  # comment boxes open with "+ comment"
    scale.locator("input[type=text]").fill("Slightly rushed at the start.")
    qa.get_by_label("Overall comment for the agent").fill("A clear, helpful call.")
    qa.get_by_role("button", name="Submit and release to the agent").click()
    # Submit and next: no call is left to mark, so the queue opens with the confirmation.
    qa.wait_for_url(re.compile(r"/qa/queue\?month=\d{4}-\d\d&submitted=\d+$"))
    assert qa.locator("#submitted").inner_text().startswith("Submitted: Robin Agent, call of ")
    qa.goto(evaluation_url)
    assert "released to the agent" in qa.locator(".summary").inner_text()
    score_before = qa.locator("[data-score]").inner_text()

    # 3. The agent.
    agent = new_context().new_page()
    login(agent, "robin@test.org")
    agent.get_by_role("link", name="My month").click()
    agent.get_by_role("link", name=re.compile(r"\d{4}-\d{2}-\d{2}")).first.click()
    assert agent.url == evaluation_url
    assert "Slightly rushed at the start." in agent.content()
    agent.get_by_text("I disagree with part of it").click()
    agent.locator(f"textarea[name='reason_{scale_code}']").fill("I was calm and friendly; please listen again.")
    agent.get_by_role("button", name="Send my dispute").click()
    agent.wait_for_url(evaluation_url + "?done=disputed")
    assert "disputed" in agent.locator(".summary").inner_text()
    assert "I was calm and friendly" in agent.content()

    # 4. The team leader.
    leader = new_context().new_page()
    login(leader, "leader@test.org")
    leader.get_by_role("link", name="Quality").focus()  # and on keyboard focus
    leader.get_by_role("link", name="Scorecards").click()
    leader.get_by_role("link", name=re.compile("Robin Agent, call")).click()
    assert leader.url == evaluation_url
    leader.get_by_label("Amend the disputed answers").check()
    leader.locator(f"input[name='amend_value_{scale_code}'][value='4']").check()
    leader.get_by_label("Note to the agent").fill("Listened again: courteous throughout.")
    leader.get_by_role("button", name="Resolve").click()
    leader.wait_for_url(evaluation_url)
    assert "dispute resolved" in leader.locator(".summary").inner_text()
    history = leader.locator(".history").inner_text()
    assert "amended" in history and "3 → 4" in history
    score_after = leader.locator("[data-score]").inner_text()
    assert score_after != score_before

    # The agent sees the outcome.
    agent.reload()
    assert "Listened again: courteous throughout." in agent.content()
