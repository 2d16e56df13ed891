"""Must-show 1 of issue 17: the marking loop from the keyboard only, in Chromium.

From the queue, a QA marker marks three calls in a row with the default scorecard using only
keys (no click after logging in): 1/2/3 (and a scale's points) answer the focused criterion and
move to the next unanswered one, j/k move between criteria, arrows change an answer one step
without wrapping round (and the first arrow on an unanswered criterion picks "Yes", never "No"),
c opens one comment, Ctrl+Enter submits and the next call opens with a confirmation (the queue
after the last). A background draft save (HTMX) happens while the recording plays, and the
recording keeps playing. The keys pressed for each call are counted and printed: at most 15.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, login

SCRIPT = [
    ("agent", "Good morning, City Council, my name is Sam. How can I help you today?"),
    ("caller", "Hello. My recycling bin was not emptied this morning, on Orchard Road."),
    ("agent", "I'm sorry about that. I have booked a return collection for tomorrow. Your case number is four two."),
    ("caller", "Thank you very much."),
    ("agent", "Is there anything else I can help with? Thank you for calling the council."),
]
AGENTS = [("2001", "Ann Archer"), ("2002", "Ben Baker"), ("2003", "Cara Cole")]  # the queue's order
MAX_KEYS_PER_CALL = 15


@pytest.fixture(scope="module")
def browser():
    """Chromium as in conftest, allowed to play audio without a click (the keys are gestures
    already; this keeps the test independent of Chromium's autoplay heuristics)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"], headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


async def _sample(month: str, marker: int, picks: list[tuple[int, int]]) -> None:
    from scorecards.tables import Assignment, Sample

    sample = (await Sample.insert(Sample(month=month, seed=1)).returning(Sample.id))[0]["id"]
    for agent, call in picks:
        await Assignment.insert(Assignment(sample=sample, agent=agent, call=call, week=0, marker=marker))


async def _answers() -> dict[str, dict[str, tuple]]:
    """Each evaluation's answers by agent name: {code: (value, na, comment)}, and its status."""
    from scorecards.tables import Evaluation, EvaluationAnswer

    result = {}
    for e in await Evaluation.select(Evaluation.id, Evaluation.status, Evaluation.agent.name.as_alias("agent")):
        rows = await EvaluationAnswer.select().where(EvaluationAnswer.evaluation == e["id"])
        result[e["agent"]] = {
            "status": e["status"],
            **{r["criterion"]: (r["value"], r["na"], r["comment"]) for r in rows},
        }
    return result


def test_three_calls_marked_from_the_keyboard_only(live_app, new_context):
    qa_user = live_app.create_user("qa@test.org", "qa", name="Quinn Marker")
    team = live_app.add_team("North")
    rendered = live_app.speak("keyboard-call", SCRIPT)
    offered = datetime.now(timezone.utc).replace(microsecond=0, second=0) - timedelta(days=1)
    picks = []
    for index, (staff, name) in enumerate(AGENTS):
        agent = live_app.add_agent(staff, name, team=team)
        call = live_app.add_call(
            staff, recording=rendered.recording_path, offered_at=offered + timedelta(minutes=index), talk_seconds=150
        )
        live_app.add_transcript(call, rendered)
        picks.append((agent, call))
    month = offered.strftime("%Y-%m")
    live_app.run(_sample, month, qa_user, picks)

    page = new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(page, "qa@test.org")
    page.goto(f"/qa/queue?month={month}")
    assert page.locator("[data-to-mark]").inner_text() == "3 still to mark"
    problems = serious_violations(page, "the queue")
    counts = [0, 0, 0]
    typed = [0, 0, 0]
    call = 0
    opened: list[str] = []

    def press(key: str) -> None:
        counts[call] += 1
        page.keyboard.press(key)

    def focused_criterion() -> str | None:
        return page.evaluate("() => { const f = document.activeElement.closest('fieldset'); return f && f.id; }")

    def open_call(agent_name: str) -> None:
        page.wait_for_url(re.compile(r"/evaluations/\d+(\?submitted=\d+)?$"))
        assert agent_name in page.locator("h1").inner_text()
        # Focus lands on the first unanswered criterion: the automatic ones are filled in.
        page.wait_for_function("() => document.activeElement && document.activeElement.type === 'radio'")
        assert focused_criterion() == "c-resolved"
        page.evaluate("() => { window.samePage = true; window.player = document.getElementById('recording'); }")
        opened[:] = [page.url]

    def recording_and_criteria_in_view() -> int:
        """At 1366x768 the recording's controls and at least three criteria are in view together,
        wherever the focus has scrolled the form to."""
        return page.evaluate(
            """() => {
                const inView = (el) => { const r = el.getBoundingClientRect();
                    return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; };
                if (!inView(document.getElementById('recording'))) return 0;
                return [...document.querySelectorAll('fieldset[id^="c-"]')].filter(inView).length;
            }"""
        )

    def play() -> None:
        press("p")
        page.wait_for_function("() => { const a = document.getElementById('recording'); return !a.paused; }")

    def playing_after_a_background_save() -> None:
        page.wait_for_function("() => document.getElementById('draft-status').textContent.includes('Draft saved')")
        state = page.evaluate(
            "() => { const a = document.getElementById('recording');"
            " return {same: window.samePage === true && a === window.player, paused: a.paused, t: a.currentTime}; }"
        )
        assert state["same"] and state["paused"] is False, state
        time.sleep(0.4)
        later = page.evaluate("() => document.getElementById('recording').currentTime")
        assert later > state["t"], (later, state)

    def value(code: str) -> str | None:
        return page.evaluate(
            f"() => {{ const r = document.querySelector('input[name=value_{code}]:checked'); return r && r.value; }}"
        )

    def submit_and_next(confirmation: str) -> None:
        press("Control+Enter")
        page.wait_for_load_state()
        page.wait_for_function("() => !!document.getElementById('submitted')")
        assert page.locator("#submitted").inner_text().startswith(f"Submitted: {confirmation}, call of ")

    # Call 1: from the queue, the first call to mark has the focus; Enter opens it.
    assert page.evaluate("() => document.activeElement.id") == "mark-next"
    press("Enter")
    open_call("Ann Archer")
    assert recording_and_criteria_in_view() >= 3
    play()
    press("1")  # resolved: Yes, and on to "accurate"
    assert value("resolved") == "1" and focused_criterion() == "c-accurate"
    press("1")  # accurate: Yes, on to "courtesy" (greeting is filled in)
    assert focused_criterion() == "c-courtesy"
    press("4")  # courtesy 4 of 4, on to data protection (closing is filled in)
    assert focused_criterion() == "c-data_protection"
    assert recording_and_criteria_in_view() >= 2  # at the last criterion (and the buttons) the recording is in view
    press("3")  # N/A: every criterion is answered
    press("k")  # back over closing...
    press("k")  # ...to courtesy
    assert focused_criterion() == "c-courtesy"
    press("3")  # courtesy 3 after all
    press("c")  # one comment: typing in it triggers no shortcut
    text = "A bit rushed at the start, 1 2 3 j k"
    page.keyboard.type(text)
    typed[call] = len(text)
    press("Enter")  # back to the criterion; Enter never submits from a comment
    assert focused_criterion() == "c-courtesy" and page.url == opened[0]  # not submitted
    assert value("courtesy") == "3" and value("data_protection") == "na"
    playing_after_a_background_save()
    submit_and_next("Ann Archer")

    problems += serious_violations(page, "the next call to mark, with the confirmation")

    # Call 2: the first arrow on an unanswered criterion picks Yes, never No.
    call = 1
    open_call("Ben Baker")
    play()
    press("ArrowDown")
    assert value("resolved") == "1" and focused_criterion() == "c-resolved"
    press("j")
    press("2")  # accurate: No
    press("4")  # courtesy
    press("1")  # data protection: Yes
    assert value("accurate") == "0" and value("data_protection") == "1"
    playing_after_a_background_save()
    submit_and_next("Ben Baker")

    # Call 3: arrows do not wrap round and flip a filled-in automatic answer.
    call = 2
    open_call("Cara Cole")
    play()
    press("1")
    press("1")
    press("2")  # courtesy 2
    press("3")  # data protection N/A
    press("k")  # closing, filled in with Yes
    assert focused_criterion() == "c-closing" and value("closing") == "1"
    press("ArrowUp")  # Yes is the first answer: nothing above it, no wrapping round to No
    assert value("closing") == "1"
    playing_after_a_background_save()
    submit_and_next("Cara Cole")
    page.wait_for_url(re.compile(r"/qa/queue\?month=\d{4}-\d\d&submitted=\d+$"))
    assert page.locator("[data-to-mark]").inner_text() == "0 still to mark"

    assert not problems, "\n".join(problems)
    answers = live_app.run(_answers)
    ann, ben, cara = (answers[name] for _, name in AGENTS)
    assert {a["status"] for a in (ann, ben, cara)} == {"released"}
    assert ann["courtesy"] == (3, False, text) and ann["data_protection"] == (None, True, "")
    assert ben["resolved"][0] == 1 and ben["accurate"][0] == 0 and ben["courtesy"][0] == 4
    assert cara["closing"][0] == 1 and cara["courtesy"][0] == 2 and cara["data_protection"][1] is True
    print(
        "\nkeys pressed per call (default template): "
        + ", ".join(
            f"call {i + 1}: {n}" + (f" (+{typed[i]} characters of comment)" if typed[i] else "")
            for i, n in enumerate(counts)
        )
    )
    assert max(counts) <= MAX_KEYS_PER_CALL, counts
