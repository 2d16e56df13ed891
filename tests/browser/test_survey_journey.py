"""The resident's survey in Chromium: the link arrives by email (a real SMTP server on
loopback), is answered once from the keyboard, says so kindly on a second visit, and the answer
counts in the agent's month. axe-core checks the page in each language for serious or critical
accessibility violations."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import login

LINK = re.compile(r"http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]+(?:\?lang=\w\w)?")


def _invite(live_app, smtp_server, tmp_path, addresses: str) -> list[str]:
    offered = datetime.now(timezone.utc) - timedelta(days=1)
    live_app.extra_env["QA_SMTP_URL"] = smtp_server.url
    file = tmp_path / "addresses.csv"
    file.write_text(addresses)
    month = offered.strftime("%Y-%m")
    live_app.qa("surveys", "invite", "--month", month, "--base-url", live_app.url, "--email", str(file))
    return [LINK.search(message.get_content()).group(0) for message in smtp_server.messages()]


def test_a_resident_answers_from_the_emailed_link_once(live_app, new_context, smtp_server, tmp_path):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("robin@test.org", "agent", agent="1001")
    offered = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    live_app.add_call("1001", external_id="call-1", offered_at=offered)
    (link,) = _invite(live_app, smtp_server, tmp_path, "call_id,email\ncall-1,resident@example.org\n")

    resident = new_context(java_script_enabled=False, locale="en-GB").new_page()
    resident.goto(link)
    assert resident.locator("h1").inner_text() == "How did we do?"
    # The keyboard alone: Tab into the first group, arrows choose within it, Tab on.
    resident.locator('input[name="satisfaction"]').first.focus()
    for _ in range(4):
        resident.keyboard.press("ArrowRight")
    assert resident.locator('input[name="satisfaction"][value="5"]').is_checked()
    resident.get_by_label("Yes", exact=True).check()
    resident.locator("textarea").fill("Thank you, Robin was very helpful!")
    resident.get_by_role("button", name="Send my answers").click()
    assert resident.locator("h1").inner_text() == "Thank you"

    again = new_context(java_script_enabled=False).new_page()
    again.goto(link)
    assert again.locator("h1").inner_text() == "Your answers are already in"
    assert again.locator("form").count() == 0

    agent = new_context().new_page()
    login(agent, "robin@test.org")
    agent.goto(f"/scorecards/agents/{_agent_id(live_app)}?month={offered.strftime('%Y-%m')}")
    customer = agent.locator('section[aria-labelledby="part-customer"] tbody tr').first
    cells = customer.locator("td").all_inner_texts()
    assert cells[0].strip() == "100.0%" and cells[1].strip() == "1"
    assert "Robin was very helpful" in agent.locator("ul.kudos").inner_text()


def _agent_id(live_app) -> int:
    async def find() -> int:
        from qa_app.tables import Agent

        return (await Agent.select(Agent.id).where(Agent.staff_number == "1001").first())["id"]

    return live_app.run(find)


@pytest.mark.parametrize("language", ["en", "sv", "nl"])
def test_the_survey_page_has_no_serious_accessibility_violation(live_app, new_context, smtp_server, tmp_path, language):
    live_app.add_agent("1001", "Robin Agent")
    offered = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    live_app.add_call("1001", external_id="call-1", offered_at=offered)
    (link,) = _invite(live_app, smtp_server, tmp_path, f"call_id,email,language\ncall-1,r@example.org,{language}\n")
    page = new_context().new_page()
    axe = Axe()
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == language
    problems = []
    for state in ("blank", "with errors"):
        if state == "with errors":  # the page as it comes back with a missing answer
            page.locator("button[type=submit]").click()
            assert page.locator("#errors").count() == 1
        results = axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]})
        violations = results.response["violations"]
        problems += [
            f"{state}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        assert len(results.response["passes"]) > 10  # axe really ran its rules on this page
    assert not problems, "\n".join(problems)
