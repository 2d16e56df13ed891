"""The case register in Chromium, as an agent and a manager use it (issue 18): a resident calls
back with the tracking number a colleague gave them, and the agent who answers finds the case
by it; the list pages through every case with the total shown, the statistics on a page of
their own; the quick entry keeps the agent's choice of service and asks "Resolved during this
call?" with no preset answer. axe-core finds no serious violation on these pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login, open_call

SHOTS = "/tmp"


async def _colleagues_case(call_id: int) -> str:
    from cases import register

    row = await register.create_case(
        channel="phone", description="Street light out on Mill Road, since Monday", service_id=None, call_id=call_id
    )
    return row["tracking_number"]


async def _many_cases(count: int) -> list[str]:
    from cases import case_rules
    from cases.tables import Case

    start = datetime.now(timezone.utc) - timedelta(days=2)
    rows = [
        Case(
            tracking_number=case_rules.tracking_number(2025, i + 1),
            channel=("phone", "email", "web")[i % 3],
            description=f"Seeded case {i}",
            status="open" if i % 4 else "closed",
            created_at=start - timedelta(hours=i),
            updated_at=start,
        )
        for i in range(count)
    ]
    await Case.insert(*rows)
    return [r.tracking_number for r in rows]


def test_an_agent_finds_a_colleagues_case_by_its_tracking_number(live_app, new_context):
    north = live_app.add_team("North", leader_email="leader@test.org")
    south = live_app.add_team("South", leader_email="south@test.org")
    live_app.add_agent("1001", "Robin Agent", team=north)
    live_app.add_agent("2002", "Sam Colleague", team=south)
    live_app.create_user("robin@test.org", "agent", agent="1001")
    colleague_call = live_app.add_call("2002")
    own_call = live_app.add_call("1001", service="Street light not working")
    live_app.add_call("1001", service="Missed bin collection")
    live_app.add_call("1001", service="Pothole report")
    number = live_app.run(_colleagues_case, colleague_call)

    page = new_context().new_page()
    login(page, "robin@test.org")
    page.goto("/cases")
    assert page.locator("tr", has_text=number).count() == 0  # not in their own list
    problems = serious_violations(page, "the agent's case list")
    page.get_by_label("Tracking number or words of the description").fill(number)
    page.get_by_role("button", name="Search").click()
    assert page.locator("h1").inner_text() == f"Case {number}"
    main = page.locator("main").inner_text()
    assert "Street light out on Mill Road" in main and "handled by a colleague" in main
    assert page.get_by_role("button", name="Change the status").count() == 0
    page.screenshot(path=f"{SHOTS}/case-by-number.png", full_page=True)
    problems += serious_violations(page, "a colleague's case by its number")

    page.goto("/cases")
    page.get_by_label("Tracking number or words of the description").fill("2026-999999")
    page.get_by_role("button", name="Search").click()
    assert "No case has the tracking number 2026-999999." in page.locator("main").inner_text()

    # The quick entry: no preset answer, and the agent's choice of service stays as they type.
    open_call(page, own_call)
    resolved = page.get_by_role("group", name="Resolved during this call?")
    assert (
        not resolved.get_by_label("Yes").is_checked()
        and not resolved.get_by_label("No, it needs follow-up").is_checked()
    )
    page.get_by_label("Service").select_option(label="Pothole report")
    page.wait_for_selector("#case-service input[name=service_picked]", state="attached")
    page.get_by_label("What the resident asked").fill("My bins were not collected on Tuesday")
    page.locator("#case-service").get_by_role("button", name="Use Missed bin collection", exact=False).wait_for()
    assert page.get_by_label("Service").evaluate("s => s.selectedOptions[0].textContent") == "Pothole report"
    assert "qa cases train" not in page.locator("main").inner_text()
    page.screenshot(path=f"{SHOTS}/case-entry-suggestions.png", full_page=True)
    problems += serious_violations(page, "the quick entry with suggestions beside the choice")
    page.locator("#case-service").get_by_role("button", name="Use Missed bin collection", exact=False).click()
    page.wait_for_function(
        "() => document.querySelector('#case-service-select').selectedOptions[0].textContent === 'Missed bin collection'"
    )
    resolved.get_by_label("No, it needs follow-up").check()
    page.get_by_role("button", name="Log the case").click()
    assert len(page.locator("strong.tracking").inner_text()) == 11
    assert not problems, "\n".join(problems)


def test_the_case_list_pages_through_every_case_with_the_total(live_app, new_context):
    live_app.create_user("manager@test.org", "manager")
    numbers = live_app.run(_many_cases, 120)

    page = new_context().new_page()
    login(page, "manager@test.org")
    page.goto("/cases")
    assert "120 cases." in page.locator("#cases-count").inner_text()
    page.screenshot(path=f"{SHOTS}/case-list.png", full_page=True)
    problems = serious_violations(page, "the case list")
    seen: list[str] = []
    while True:
        seen += page.locator("tbody th[scope=row] a").all_inner_texts()
        older = page.get_by_role("link", name="Older cases →")
        if not older.count():
            break
        older.click()
    assert seen == numbers  # every case once, newest first
    assert "Page 3 of 3" in page.locator("main").inner_text()

    page.get_by_label("Status").select_option(label="Resolved or closed")
    page.get_by_label("Channel").select_option(label="phone")
    page.get_by_role("button", name="Search").click()
    assert "10 cases." in page.locator("#cases-count").inner_text()  # i ≡ 0 (mod 12)
    problems += serious_violations(page, "the case list filtered")

    page.get_by_role("link", name="Show all cases").click()
    page.get_by_role("link", name="Case statistics").click()
    assert page.locator("h1").inner_text() == "Case statistics"
    assert "120 cases." in page.locator("main").inner_text()
    page.screenshot(path=f"{SHOTS}/case-statistics.png", full_page=True)
    problems += serious_violations(page, "the case statistics")
    assert not problems, "\n".join(problems)
