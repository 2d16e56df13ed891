"""A journey in Swedish, in Chromium (issue 21, Must show 3): an agent chooses Svenska under
"My account" and reads their month and an evaluation; a team leader whose browser asks for
Swedish starts a coaching plan with a goal typed with a decimal comma and schedules a session.
The texts, the month names and the decimal commas are Swedish."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login
from tests.browser.test_evaluation_response import _release

NBSP = "\xa0"


def _swedish_login(page, email: str) -> None:
    from tests.live_app import PASSWORD

    page.goto("/login")
    assert page.locator("h1").inner_text() == "Logga in"
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_an_agent_and_a_team_leader_in_swedish(live_app, new_context):
    team = live_app.add_team("Nord", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("qa@test.org", "qa", name="Quinn Marker")
    live_app.create_user("robin@test.org", "agent", agent="1001", name="Robin Agent")
    offered = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    call = live_app.add_call("1001", offered_at=offered, talk_seconds=180)
    (evaluation,) = live_app.run(_release, "qa@test.org", [call], offered.strftime("%Y-%m"))

    # The agent's browser asks for English; they choose Swedish for themselves.
    agent = new_context(locale="en-GB").new_page()
    login(agent, "robin@test.org")
    agent.get_by_role("link", name="My account").click()
    agent.get_by_label("Language").select_option("sv")
    agent.get_by_role("button", name="Save my language").click()
    assert agent.locator("html").get_attribute("lang") == "sv"
    assert agent.get_by_role("status").inner_text().startswith("Sparat.")
    assert agent.get_by_role("link", name="Mina samtal").count() == 1
    assert agent.get_by_role("button", name="Logga ut").count() == 1

    agent.get_by_role("link", name="Min månad").click()
    main = agent.locator("main").inner_text()
    assert agent.locator("h1").inner_text().startswith("Min månad")
    month_name = agent.locator("h1 small").inner_text()
    assert month_name.split()[0] in {
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    }, month_name
    assert "Balanserat styrkort" in main, main[:400]
    assert "Mina bedömningar" in main
    agent.screenshot(path="/tmp/swedish-agent-month.png", full_page=True)
    assert f"100,0{NBSP}%" in main  # answered within 60 s: one call of one, with a decimal comma

    agent.goto(f"/evaluations/{evaluation}")
    assert agent.title().startswith("Bedömning av samtalet ")
    main = agent.locator("main").inner_text()
    assert "Så räknas resultatet:" in main
    assert f"0{NBSP}%" in main  # a compliance-critical error: the whole evaluation at 0 %
    assert "Det här samtalet har ett kritiskt fel" in main
    assert agent.get_by_role("button", name="Jag har läst bedömningen och bekräftar den").count() == 1
    problems = serious_violations(agent, "the agent's evaluation in Swedish")
    agent.screenshot(path="/tmp/swedish-evaluation.png", full_page=True)

    # The team leader's browser asks for Swedish; they have chosen no language of their own.
    leader = new_context(locale="sv-SE").new_page()
    _swedish_login(leader, "leader@test.org")
    leader.get_by_role("link", name="Personal").hover()  # the group "People" opens under its link
    leader.get_by_role("link", name="Coachning").click()
    leader.get_by_role("link", name="Robin Agent").click()
    leader.get_by_label("Det ni har kommit överens om att arbeta med tillsammans").fill("Varmare hälsning.")
    leader.get_by_role("button", name="Starta en coachningsplan").click()
    leader.locator("summary", has_text="Lägg till ett mål").click()
    leader.locator("summary", has_text="Ett kriterium uppfyllt").click()
    form = leader.get_by_role("form", name="Lägg till ett mål: Ett kriterium uppfyllt")
    form.get_by_label("Kriterium").select_option("greeting")
    form.get_by_label("Mål", exact=False).fill("92,5")  # a Swedish decimal comma
    form.get_by_role("button", name="Lägg till målet").click()
    goals = leader.locator("table").first.inner_text()
    assert f"mål 92{NBSP}%" in goals, goals  # the target read with its comma, shown the Swedish way

    leader.locator("summary", has_text="Boka ett samtal").click()
    leader.get_by_label("Typ av samtal").select_option("weekly")
    when = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    leader.get_by_label("När", exact=True).fill(when.strftime("%Y-%m-%dT%H:%M"))
    leader.get_by_label("Var", exact=True).fill("Rum 2")
    leader.get_by_role("button", name="Boka", exact=True).click()
    heading = leader.locator("h1").inner_text()
    assert heading.startswith("Veckoavstämning"), heading
    assert when.strftime("%Y-%m-%d %H:%M") in heading  # the centre's time zone is UTC here
    leader.screenshot(path="/tmp/swedish-session.png", full_page=True)
    problems += serious_violations(leader, "the session in Swedish")
    assert problems == []

    # The agent is told in Swedish, with the day written the Swedish way.
    agent.goto("/notifications")
    notice = agent.locator("main li").first.inner_text()
    assert "Veckoavstämning" in notice, notice
