"""Issue 17 in Chromium: downloading the monthly report shows that it is being made, and a second
click cannot start it again. The manager clicks "Download the PDF": the buttons are disabled and
"Making the report… (about 15 seconds)" shows; submitting again meanwhile sends no second
request; the PDF arrives as a download and the buttons come back. Screenshots in
/tmp/s9/report-download-*.png."""

from __future__ import annotations

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

SHOTS = "/tmp/s9"


def test_a_report_download_shows_it_is_being_made_and_runs_once(live_app, new_context):
    live_app.add_team("North")
    live_app.create_user("manager@test.org", "manager")
    page = new_context(accept_downloads=True).new_page()
    login(page, "manager@test.org")
    page.goto("/reports")
    asked = []
    page.on("request", lambda request: "/reports/monthly." in request.url and asked.append(request.url))

    form = page.locator("form[data-download]")
    buttons = form.get_by_role("button")
    status = form.get_by_role("status")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the PDF").click()
        assert status.inner_text() == "Making the report… (about 15 seconds)"
        assert all(buttons.nth(i).is_disabled() for i in range(buttons.count()))
        assert form.get_attribute("aria-busy") == "true"
        page.screenshot(path=f"{SHOTS}/report-download-making.png", full_page=True)
        page.evaluate("() => document.querySelector('form[data-download]').requestSubmit()")  # a second try
    assert download.value.suggested_filename.startswith(
        "quality-report-"
    ) and download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert len(asked) == 1 and "language=" in asked[0]
    page.wait_for_function("() => !document.querySelector('form[data-download]').hasAttribute('data-busy')")
    assert not any(buttons.nth(i).is_disabled() for i in range(buttons.count()))
    assert status.inner_text() == "The report is made: it is in your downloads."
    page.screenshot(path=f"{SHOTS}/report-download-done.png", full_page=True)
    problems = serious_violations(page, "reports page")
    assert not problems, "\n".join(problems)
