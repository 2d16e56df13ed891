"""Issue 17 in Chromium: a calibration session started from a call page, marked by three users,
closed, with the agreed answers recorded.

1. The QA lead opens the call and chooses "Add to calibration": the new session's page shows the
   call chosen (date, time, agent and service, no telephony id); the lead ticks three markers.
2. The lead, a second QA marker and a team leader each mark the call through the normal marking
   page; the team leader answers one criterion differently.
3. The lead closes the session: the box "I have checked the marks" must be ticked first.
4. The results show answers as words, "2 of 3 agree" on the criterion they split on (highlighted),
   each row linked to the call; the lead records the agreed answer with a note, and it shows.
Each page is checked with axe; screenshots in /tmp/s9/calibration-*.png.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

SHOTS = Path("/tmp/s9")
MARKERS = {"lead@test.org": "Quinn Lead", "sam@test.org": "Sam Marker", "tess@test.org": "Tess Leader"}


def _mark(page, session_url: str, *, differ_on: str | None = None) -> None:
    """Open the session, mark the call on the marking page: every criterion not yet answered gets
    its best answer (Yes, the scale's top), except `differ_on`, answered No."""
    page.goto(session_url)
    page.get_by_role("button", name=re.compile("^(Mark this call|Continue marking)$")).click()
    page.wait_for_url(re.compile(r"/evaluations/\d+$"))
    assert "calibration" in page.locator("main").inner_text()
    for index in range(page.locator("fieldset.criterion").count()):
        fieldset = page.locator("fieldset.criterion").nth(index)
        if fieldset.locator("input[type=radio]:checked").count():
            continue  # answered by the automatic check
        code = fieldset.get_attribute("id").removeprefix("c-")
        values = fieldset.locator("input[type=radio]").evaluate_all("rs => rs.map(r => r.value)")
        choice = "0" if code == differ_on else ("4" if "4" in values else "1")
        fieldset.locator(f"input[value='{choice}']").check()
    page.get_by_role("button", name="Submit my marks").click()
    page.wait_for_url(f"**{session_url}")
    assert "You have submitted your marks." in page.locator("main").inner_text()


def _first_manual_yes_no(page) -> str:
    """The code of the first criterion a marker answers by hand with Yes or No."""
    for index in range(page.locator("fieldset.criterion").count()):
        fieldset = page.locator("fieldset.criterion").nth(index)
        values = fieldset.locator("input[type=radio]").evaluate_all("rs => rs.map(r => r.value)")
        if not fieldset.locator("input[type=radio]:checked").count() and "0" in values and "2" not in values:
            return fieldset.get_attribute("id").removeprefix("c-")
    raise AssertionError("the default scorecard has no yes/no criterion marked by hand")


async def _make_leader(team_id: int, email: str) -> None:
    from qa_app.tables import Team, User

    user = await User.select(User.id).where(User.email == email).first()
    await Team.update({Team.leader: user["id"]}).where(Team.id == team_id)


def test_calibration_from_a_call_marked_by_three_closed_and_agreed(live_app, new_context):
    SHOTS.mkdir(parents=True, exist_ok=True)
    team = live_app.add_team("North")
    live_app.add_agent("1001", "Robin Agent", team=team)
    live_app.create_user("lead@test.org", "qa", name=MARKERS["lead@test.org"])
    live_app.create_user("sam@test.org", "qa", name=MARKERS["sam@test.org"])
    live_app.create_user("tess@test.org", "team_leader", name=MARKERS["tess@test.org"])
    live_app.run(_make_leader, team, "tess@test.org")
    offered = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(days=1)
    call = live_app.add_call(
        "1001", external_id="TEL-778812", offered_at=offered, talk_seconds=200, service="Parking permits"
    )
    live_app.add_call("1001", offered_at=offered - timedelta(days=2), service="Parking permits")  # another day
    problems: list[str] = []

    # 1. From the call page.
    lead = new_context().new_page()
    login(lead, "lead@test.org")
    lead.goto(f"/calls/{call}")
    lead.screenshot(path=str(SHOTS / "calibration-call.png"))
    lead.get_by_role("button", name="Add to calibration").click()
    lead.wait_for_url(re.compile(r"/calibration/new\?call=\d+$"))
    chosen = lead.locator(f"input[type=radio][name=call][value='{call}']")
    assert chosen.is_checked()
    label = lead.locator("label.choice", has=chosen).inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d — Robin Agent — Parking permits", label.strip()), label
    assert "TEL-778812" not in lead.locator("main").inner_text()
    assert lead.locator("input[type=radio][name=call]").count() == 1  # the agent's calls of that day
    assert lead.get_by_label("3. Title").input_value().endswith(label.strip())
    lead.get_by_label("Quinn Lead").check()  # one marker only: refused, the error beside the markers
    lead.get_by_role("button", name="Create the session").click()
    assert lead.locator("#markers-error").inner_text() == "Choose at least two markers."
    assert lead.locator(f"input[type=radio][name=call][value='{call}']").is_checked()
    assert lead.get_by_label("Quinn Lead").is_checked()
    problems += serious_violations(lead, "new session refused")
    lead.screenshot(path=str(SHOTS / "calibration-new-refused.png"), full_page=True)
    for name in MARKERS.values():
        lead.get_by_label(name).check()
    problems += serious_violations(lead, "new calibration session")
    lead.screenshot(path=str(SHOTS / "calibration-new.png"), full_page=True)
    lead.get_by_role("button", name="Create the session").click()
    lead.wait_for_url(re.compile(r"/calibration/\d+$"))
    session_url = "/" + lead.url.split("/", 3)[3]
    assert lead.get_by_role("link", name=label.strip(), exact=True).get_attribute("href") == f"/calls/{call}"
    markers_text = lead.locator("main ul").first.inner_text()
    assert all(f"{name}: not started" in markers_text for name in MARKERS.values())

    # 2. Three markers, each through the marking page; Tess answers one criterion No.
    lead.get_by_role("button", name="Mark this call").click()
    lead.wait_for_url(re.compile(r"/evaluations/\d+$"))
    split_on = _first_manual_yes_no(lead)
    _mark(lead, session_url)
    for email, differ_on in (("sam@test.org", None), ("tess@test.org", split_on)):
        marker = new_context().new_page()
        login(marker, email)
        marker.goto("/calibration")
        assert marker.get_by_role("link", name=label.strip(), exact=True).count() == 1  # the call, as people know it
        marker.screenshot(path=str(SHOTS / "calibration-list.png"))
        _mark(marker, session_url, differ_on=differ_on)

    # 3. The lead closes, confirming the marks were checked (required, without JavaScript too).
    lead.goto(session_url)
    assert "3 of 3 markers have submitted." in lead.locator("main").inner_text()
    close = lead.get_by_role("button", name="Close the session and show the results")
    close.click()
    assert lead.url.endswith(session_url)  # the browser refused: the box is not ticked
    assert lead.get_by_label("I have checked the marks").evaluate("e => !e.validity.valid")
    problems += serious_violations(lead, "calibration session before closing")
    lead.screenshot(path=str(SHOTS / "calibration-close.png"), full_page=True)
    lead.get_by_label("I have checked the marks").check()
    close.click()
    lead.wait_for_url(f"**{session_url}?closed=1")

    # 4. The results: words, "2 of 3 agree", the split highlighted, links to the call.
    row = lead.locator(f"tr#agreed-{split_on}")
    assert row.get_attribute("class") == "disagree"
    assert row.locator("[data-agreement]").inner_text() == "2 of 3 agree"
    answers = row.locator("td").all_inner_texts()[:3]
    assert sorted(answers) == ["No", "Yes", "Yes"], answers
    assert row.locator("td.differs").inner_text() == "No"
    assert row.locator("th a").get_attribute("href").startswith(f"/calls/{call}")
    agreeing = lead.locator("tr[data-criterion]:not(.disagree) [data-agreement]").all_inner_texts()
    assert agreeing and set(agreeing) == {"3 of 3 agree"}
    cells = lead.locator("table.calibration tbody td:not([data-agreement])").all_inner_texts()
    assert not any(cell.strip() in ("0", "1", "1.0", "0.0") for cell in cells)
    problems += serious_violations(lead, "calibration results")
    lead.screenshot(path=str(SHOTS / "calibration-results.png"), full_page=True)

    row.get_by_text("Record the agreed answer").click()
    row.get_by_role("combobox").select_option(label="Yes")
    row.get_by_label("Note for the markers (why)").fill("The agent did this at the start of the call")
    row.get_by_role("button", name="Save the agreed answer").click()
    lead.wait_for_url(f"**{session_url}#agreed-{split_on}")
    row = lead.locator(f"tr#agreed-{split_on}")
    assert row.locator("[data-agreed]").inner_text() == "Yes"
    assert row.locator("[data-note]").inner_text() == "The agent did this at the start of the call"
    assert "Quinn Lead" in row.inner_text()
    problems += serious_violations(lead, "agreed answer recorded")
    lead.screenshot(path=str(SHOTS / "calibration-agreed.png"), full_page=True)

    # A marker sees the agreed answer, but neither records one nor starts a session.
    tess = new_context().new_page()
    login(tess, "tess@test.org")
    tess.goto(session_url)
    assert tess.locator(f"tr#agreed-{split_on} [data-agreed]").inner_text() == "Yes"
    assert tess.get_by_role("button", name="Save the agreed answer").count() == 0  # only the lead records
    assert tess.get_by_role("button", name="Add to calibration").count() == 0
    tess.goto(f"/calls/{call}")  # her team's call: she sees it, but does not start sessions
    assert tess.get_by_role("heading", level=1).is_visible()
    assert tess.get_by_role("button", name="Add to calibration").count() == 0
    assert not problems, "\n".join(problems)
