"""An agent logging a case types the resident's BSN into the description: a note says so as they
type (HTMX), and once they have left it out, the note goes. If they save it anyway, the number
is taken out and the call page says so; without JavaScript, the "Check for personal numbers"
button gives the same note on a page of its own, and saving shows the new case."""

from __future__ import annotations

from tests.browser.conftest import login, open_call

NOTE = "This looks like a personal number (BSN). Leave it out; the case keeps the resident's contact separately."


def test_an_agent_is_told_about_a_personal_number_as_they_type(live_app, new_context):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("robin@test.org", "agent", agent="1001")
    call = live_app.add_call("1001", service="Missed bin collection")

    page = new_context().new_page()
    login(page, "robin@test.org")
    open_call(page, call)
    description = page.get_by_label("What the resident asked")
    description.fill("Resident gave BSN 111222333, bins not collected")
    note = page.locator("#case-description-note")
    note.get_by_text(NOTE).wait_for()
    description.fill("Bins not collected on Tuesday")
    page.wait_for_function("() => document.querySelector('#case-description-note').innerText.trim() === ''")

    description.fill("Resident gave BSN 111222333, bins not collected")  # saved anyway
    note.get_by_text(NOTE).wait_for()
    page.get_by_label("No, it needs follow-up").check()
    page.get_by_role("button", name="Log the case").click()
    status = page.locator("#cases p[role=status]")
    status.get_by_text("1 personal number was taken out of the description").wait_for()
    number = page.locator("strong.tracking").inner_text()
    page.get_by_role("link", name=number).click()
    assert "BSN [personal number], bins not collected" in page.locator("main").inner_text()


def test_without_javascript_the_check_is_a_button(live_app, new_context):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("robin@test.org", "agent", agent="1001")
    call = live_app.add_call("1001", service="Missed bin collection")

    page = new_context(java_script_enabled=False).new_page()
    login(page, "robin@test.org")
    page.goto(f"/calls/{call}/cases")  # what the call page's "Open cases" link gives without JavaScript
    page.get_by_label("What the resident asked").fill("Resident gave BSN 111222333, bins not collected")
    page.get_by_role("button", name="Check for personal numbers").click()
    assert NOTE in page.locator("main").inner_text()
    description = page.get_by_label("What the resident asked")
    assert description.input_value() == "Resident gave BSN 111222333, bins not collected"
    description.fill("Bins not collected")
    page.get_by_label("Service").select_option(label="Missed bin collection")
    page.get_by_label("No, it needs follow-up").check()
    page.get_by_role("button", name="Log the case").click()
    assert page.locator("h1").inner_text().startswith("Case ")
    assert "Case logged." in page.locator("main").inner_text()
    assert "taken out" not in page.locator("main").inner_text()
