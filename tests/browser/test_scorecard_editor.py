"""Must-show of issue 17 ("Scorecards without JSON"), in Chromium: a QA lead adds a criterion
with the form editor, moves it up from the keyboard (Tab to "Move up", Enter: the focus stays on
the moved criterion), meets a mistake shown beside its field with the note kept, and publishes;
a new evaluation uses the new version and the one started before keeps the old."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

NEW = "Offers a call-back"


async def _sample(month: str, marker: int, picks: list[tuple[int, int]]) -> None:
    from scorecards.tables import Assignment, Sample

    sample = (await Sample.insert(Sample(month=month, seed=1)).returning(Sample.id))[0]["id"]
    for agent, call in picks:
        await Assignment.insert(Assignment(sample=sample, agent=agent, call=call, week=0, marker=marker))


async def _templates_of_evaluations() -> dict[str, tuple[int, list[str]]]:
    """Each evaluation's template version and its criteria's titles, by agent name."""
    from scorecards.tables import Evaluation, ScorecardTemplate

    result = {}
    for e in await Evaluation.select(Evaluation.template, Evaluation.agent.name.as_alias("agent")):
        t = await ScorecardTemplate.select().where(ScorecardTemplate.id == e["template"]).output(load_json=True).first()
        titles = [c["title"] for s in t["definition"]["sections"] for c in s["criteria"]]
        result[e["agent"]] = (t["version"], titles)
    return result


def _mark(page, month: str, agent: str) -> str:
    page.goto(f"/qa/queue?month={month}")
    page.get_by_role("button", name=re.compile(f"^Mark the call of {agent}")).click()
    page.wait_for_url(re.compile(r"/evaluations/\d+$"))
    return page.url


def test_qa_lead_adds_moves_and_publishes_a_criterion(live_app, new_context):
    qa_user = live_app.create_user("qa@test.org", "qa", name="Quinn Lead")
    team = live_app.add_team("North")
    offered = datetime.now(timezone.utc).replace(microsecond=0, second=0) - timedelta(days=1)
    picks = []
    for index, (staff, name) in enumerate([("3001", "Ann Archer"), ("3002", "Ben Baker")]):
        agent = live_app.add_agent(staff, name, team=team)
        picks.append((agent, live_app.add_call(staff, offered_at=offered + timedelta(minutes=index))))
    month = offered.strftime("%Y-%m")
    live_app.run(_sample, month, qa_user, picks)

    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, "qa@test.org")
    old_url = _mark(page, month, "Ann Archer")  # started on the shipped version
    assert NEW not in page.locator("#marking-form").inner_text()

    page.goto("/scorecards/templates")
    service = page.locator("fieldset.editor-section", has=page.get_by_label("Section title").and_(
        page.locator("[value='Service']")))  # fmt: skip
    before = [t.input_value() for t in service.locator("fieldset.editor-criterion input[name$='.title']").all()]
    page.get_by_role("button", name="Add a criterion to Service").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The new row's title has the focus: type it, and its weight.
    focused = page.evaluate("document.activeElement.id")
    assert re.fullmatch(r"f-s2-c\d+-title", focused), focused
    row = focused.removesuffix("-title").removeprefix("f-")
    page.keyboard.type(NEW)
    page.locator(f"#f-{row}-weight").fill("2")
    page.locator(f"#f-{row}-error_group").select_option("customer")
    # What "critical" does, in a sentence, redrawn as soon as it is chosen.
    page.wait_for_function(f"() => document.getElementById('effect-{row}').textContent.includes('zero')")

    # Keyboard reorder: Tab to "Move up", Enter, twice; the focus follows the criterion.
    page.locator(f"#f-{row}-guidance").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == f"up-{row}":
            break
    assert page.evaluate("document.activeElement.id") == f"up-{row}"
    for _step in range(2):
        with page.expect_navigation():
            page.keyboard.press("Enter")
        focused = page.evaluate("document.activeElement.id")
        assert focused.startswith("up-") and page.locator(f"#f-{focused[3:]}-title").input_value() == NEW, focused
    after = [t.input_value() for t in service.locator("fieldset.editor-criterion input[name$='.title']").all()]
    assert after == [*before[:-2], NEW, *before[-2:]]
    share = page.locator(f"#share-{focused[3:]}").inner_text()
    assert re.search(r"\d+%", share), share  # its weight as a share of the score
    page.screenshot(path="/tmp/s9/scorecard_editor.png", full_page=True)
    assert serious_violations(page, "the scorecard editor") == []

    # A mistake: shown beside the weight, and the note typed is kept.
    page.get_by_label("What changed (for the version list)").fill("Call-back offer added")
    page.locator(f"#f-{focused[3:]}-weight").fill("0")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish as the next version").click()
    error = page.locator(f"#err-{focused[3:]}-weight")
    assert error.inner_text() == "Give a weight above 0."
    assert page.get_by_label("What changed (for the version list)").input_value() == "Call-back offer added"
    assert page.locator(f"#f-{focused[3:]}-title").input_value() == NEW
    error.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/s9/scorecard_editor_error_field.png")
    page.locator(f"#f-{focused[3:]}-weight").fill("2")
    page.get_by_role("button", name="Publish as the next version").click()
    page.wait_for_url(re.compile(r"/scorecards/templates\?show=\d+$"))
    assert "Call-back offer added" in page.locator("table").first.inner_text()

    # A new evaluation uses the new version; the one started before keeps the old.
    new_url = _mark(page, month, "Ben Baker")
    legends = page.locator("#marking-form fieldset.criterion legend").all_inner_texts()
    titles = [t.split("\n")[0].strip() for t in legends]
    assert any(t.startswith(NEW) for t in titles)
    page.goto(old_url)
    assert NEW not in page.locator("main").inner_text()
    templates = live_app.run(_templates_of_evaluations)
    assert templates["Ann Archer"][0] == 1 and NEW not in templates["Ann Archer"][1]
    assert templates["Ben Baker"][0] == 2
    old_titles = templates["Ann Archer"][1]
    at = old_titles.index(before[0]) + 1  # right after the Service section's first criterion
    assert templates["Ben Baker"][1] == [*old_titles[:at], NEW, *old_titles[at:]]
    assert new_url != old_url
