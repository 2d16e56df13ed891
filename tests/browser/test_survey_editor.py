"""Issue 17 in Chromium, without JavaScript: the QA lead adds a survey question in English,
Swedish and Dutch side by side on the question form (no JSON), is told beside the field what is
missing, publishes, and the next survey link asks the new question. Screenshots at 1366 px wide in
/tmp/s9/survey-editor-*.png; axe checks the form."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from surveys.questions import DEFAULT_SURVEY
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

SHOTS = "/tmp/s9"
TEXTS = {
    "en": "How much effort did it take to get your answer?",
    "sv": "Hur mycket ansträngning krävdes för att få ditt svar?",
    "nl": "Hoeveel moeite kostte het om uw antwoord te krijgen?",
}


async def _publish_without_effort() -> None:
    """The centre's survey as it is today: the effort question was taken out earlier."""
    from surveys import survey_versions

    definition = copy.deepcopy(DEFAULT_SURVEY)
    definition["questions"] = [q for q in definition["questions"] if q["kind"] != "effort"]
    await survey_versions.publish(definition, "After your call", None)


async def _new_link(call: str) -> str:
    from surveys import invitations

    now = datetime.now(timezone.utc)
    return (await invitations.create_invitations(now - timedelta(days=3), now, only_calls={call}))[0].token


def test_the_qa_lead_adds_a_question_in_three_languages(live_app, new_context):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("lead@test.org", "qa", name="Quinn Lead")
    live_app.add_call("1001", external_id="call-1", offered_at=datetime.now(timezone.utc) - timedelta(days=1))
    live_app.run(_publish_without_effort)

    lead = new_context(java_script_enabled=False, viewport={"width": 1366, "height": 900}).new_page()
    login(lead, "lead@test.org")
    lead.goto("/surveys/questions")
    assert lead.locator("h1").inner_text() == "Survey questions"
    assert lead.locator("fieldset.question").count() == 5

    # Add the effort question from the keyboard: choose its kind in plain words, press Add.
    lead.get_by_label("Add a question").select_option(label="Effort, 1 to 7")
    lead.get_by_label("Add a question").focus()
    lead.keyboard.press("Tab")
    lead.keyboard.press("Enter")
    new = lead.locator("fieldset.question").nth(5)
    assert new.get_by_label("Kind").evaluate("e => e.options[e.selectedIndex].text") == "Effort, 1 to 7"
    assert lead.evaluate("() => document.activeElement.id") == "q5-kind"  # the keyboard stays with it
    # The scale's end labels start from the usual words, side by side in the three languages.
    assert new.get_by_label("Label of answer 7 in Swedish").input_value() == "Mycket svårt"
    new.get_by_label("Question in English").fill(TEXTS["en"])
    new.get_by_label("Question in Dutch").fill(TEXTS["nl"])
    lead.get_by_label("Name of the survey").first.fill("After your call (with effort)")
    lead.get_by_role("button", name="Publish as the next version").click()

    # Swedish is missing: said beside the Swedish box, everything typed kept.
    swedish = new.get_by_label("Question in Swedish")
    assert swedish.get_attribute("aria-invalid") == "true"
    assert lead.locator("#q5-text-sv-error").inner_text() == "Write question 6 in Swedish."
    assert lead.evaluate("() => document.activeElement.id") == "q5-text-sv"  # the keyboard is put there
    assert new.get_by_label("Question in English").input_value() == TEXTS["en"]
    assert new.get_by_label("Question in Dutch").input_value() == TEXTS["nl"]
    assert lead.get_by_label("Name of the survey").first.input_value() == "After your call (with effort)"
    new.scroll_into_view_if_needed()
    lead.screenshot(path=f"{SHOTS}/survey-editor-error.png")
    summary = lead.locator(".error-summary")
    assert summary.get_by_role("link", name="Write question 6 in Swedish.").get_attribute("href") == "#q5-text-sv"
    summary.scroll_into_view_if_needed()
    lead.screenshot(path=f"{SHOTS}/survey-editor-summary.png")
    # axe needs JavaScript: a second look, in a browser with it, at the same form with an error.
    checker = new_context(viewport={"width": 1366, "height": 900}).new_page()
    login(checker, "lead@test.org")
    checker.goto("/surveys/questions")
    checker.get_by_label("Question in Swedish").first.fill("")
    checker.get_by_role("button", name="Publish as the next version").click()
    assert checker.locator("#q0-text-sv-error").is_visible()
    assert serious_violations(checker, "question form with an error") == []

    swedish.fill(TEXTS["sv"])
    # Three languages side by side at 1366 px: the boxes share one row and each is wide enough.
    boxes = [new.get_by_label(f"Question in {name}").bounding_box() for name in ("English", "Swedish", "Dutch")]
    assert len({round(box["y"]) for box in boxes}) == 1 and min(box["width"] for box in boxes) > 300
    new.scroll_into_view_if_needed()
    lead.screenshot(path=f"{SHOTS}/survey-editor-filled.png")
    lead.get_by_role("button", name="Publish as the next version").click()

    assert "version 3" in lead.locator("h2").nth(0).inner_text()
    assert lead.get_by_role("cell", name=TEXTS["sv"]).is_visible()
    lead.screenshot(path=f"{SHOTS}/survey-editor-published.png", full_page=True)
    lead.get_by_text("Advanced: import/export JSON").click()
    assert (
        TEXTS["sv"]
        in lead.get_by_label("Questions, their texts in English, Swedish, Dutch and answer labels (JSON)").input_value()
    )
    lead.locator("details.advanced").scroll_into_view_if_needed()
    lead.screenshot(path=f"{SHOTS}/survey-editor-json.png")

    resident = new_context(java_script_enabled=False, viewport={"width": 1366, "height": 900}).new_page()
    resident.goto(f"/s/{live_app.run(_new_link, 'call-1')}?lang=nl")
    assert resident.get_by_text(TEXTS["nl"]).is_visible()
