"""An agent on a call page logs a case in a few seconds: the service is suggested from what
they type, the tracking number is shown to read out, and the case is in the register and in
the call's links."""

from __future__ import annotations

from tests.browser.conftest import login, open_call


def test_an_agent_logs_a_case_from_the_call_page(live_app, new_context):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("robin@test.org", "agent", agent="1001")
    call = live_app.add_call("1001", service="Street light not working")
    live_app.add_call("1001", service="Missed bin collection")
    live_app.add_call("1001", service="Pothole report")

    page = new_context().new_page()
    login(page, "robin@test.org")
    open_call(page, call)
    page.get_by_label("What the resident asked").fill("My bins were not collected on Tuesday")
    page.wait_for_function(  # suggested as they typed (HTMX)
        "() => document.querySelector('#case-service-select').selectedOptions[0].textContent"
        ".startsWith('Missed bin collection')"
    )
    assert "Suggested from the description" in page.locator("#case-service-hint").inner_text()
    page.get_by_label("Address (if it is about a place)").fill("14 Church Street")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Log the case").click()
    number = page.locator("strong.tracking").inner_text()
    assert len(number) == 11 and number[4] == "-"  # 2026-000001
    assert page.get_by_role("link", name=number).count() == 1  # in the call's cases
    page.get_by_role("link", name="Cases", exact=True).click()
    row = page.locator("tr", has_text=number)
    assert "Missed bin collection" in row.inner_text() and "phone" in row.inner_text()
    row.get_by_role("link", name=number).click()
    assert page.locator("h1").inner_text() == f"Case {number}"
    assert page.get_by_role("link", name="Call", exact=True).get_attribute("href") == f"/calls/{call}"
