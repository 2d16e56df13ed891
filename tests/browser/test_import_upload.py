"""An administrator imports a CSV of calls in Chromium: chooses the file and its kind in plain
words, asks for the good rows to be kept, and sees the run's counts with the wrong row named by
its line. Then the calls list: filters, the total and the export link; and the scorecard
settings with each label above its own input."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

SHOTS = "/tmp/s9"
CSV = (
    "external_id,offered_at,agent,answered_at,ended_at\n"
    "b1,2026-09-01 08:10:00,1001,2026-09-01 08:10:20,2026-09-01 08:15:00\n"
    "b2,2026-09-01 08:20:00,1001,2026-09-01 08:20:15,2026-09-01 08:24:00\n"
    "b3,2026-09-01 08:30:00,9999,2026-09-01 08:30:10,2026-09-01 08:31:00\n"
    "b4,2026-09-01 08:40:00,1001,,\n"
)


def test_an_administrator_uploads_a_csv_and_sees_the_wrong_line(live_app, new_context, tmp_path):
    live_app.add_agent("1001", "Robin Agent")
    live_app.create_user("admin@test.org", "admin")
    file = tmp_path / "september.csv"
    file.write_text(CSV)

    admin = new_context().new_page()
    login(admin, "admin@test.org")
    admin.goto("/admin/imports")
    admin.get_by_label("A spreadsheet of calls (CSV with a header row)").check()
    admin.get_by_label("File (up to 64 MB)").set_input_files(str(file))
    admin.get_by_label("Import the good rows and list the wrong ones", exact=False).check()
    admin.screenshot(path=f"{SHOTS}/import-form.png", full_page=True)
    assert serious_violations(admin, "import form") == []
    with admin.expect_navigation():
        admin.get_by_role("button", name="Import").click()

    assert admin.get_by_role("heading", name="Import of september.csv").is_visible()
    assert "Imported, except the rows listed below." in admin.get_by_role("status").inner_text()
    counts = admin.locator("table.import-counts")
    assert counts.get_by_role("row", name="Created").inner_text().split()[-1] == "3"
    assert counts.get_by_role("row", name="Rejected").inner_text().split()[-1] == "1"
    error = admin.locator("table.import-errors tbody tr")
    assert error.count() == 1
    assert "line 4" in error.inner_text() and "unknown agent '9999'" in error.inner_text()
    admin.screenshot(path=f"{SHOTS}/import-result.png", full_page=True)
    assert serious_violations(admin, "import result") == []

    admin.get_by_role("link", name="← Imports").click()
    assert admin.get_by_role("cell", name="september.csv").is_visible()

    # The imported calls in the list: a total, no phone-system ids, an export of what is shown.
    admin.goto("/calls")
    assert admin.get_by_role("status").inner_text() == "3 calls"
    assert admin.get_by_text("b1", exact=True).count() == 0
    admin.get_by_label("Recorded").select_option("no")
    admin.wait_for_url("**/calls?*recorded=no*")
    assert admin.get_by_role("link", name="Export CSV").get_attribute("href") == "/calls/export.csv?recorded=no"
    admin.screenshot(path=f"{SHOTS}/calls-list.png", full_page=True)

    admin.goto("/scorecards/settings")
    admin.locator("#w-quality").fill("50")
    # The total follows what is typed, before anything is sent.
    expect(admin.locator("#weights-total")).to_have_text("110%")
    admin.get_by_role("button", name="Save").click()
    assert "add up to 110%" in admin.locator("#weights-error").inner_text()
    assert admin.locator("#w-quality").input_value() == "50"
    admin.screenshot(path=f"{SHOTS}/settings-error.png", full_page=True)
