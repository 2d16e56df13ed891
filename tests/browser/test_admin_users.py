"""Issue 17 in Chromium: the administrator finds a user, changes their role and makes a
one-time reset link; the user sets a new password through the link and signs in with it.
Each page is checked with axe; screenshots in /tmp/s9/admin-*.png."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import login

SHOTS = "/tmp/s9"
NEW_PASSWORD = "my own new password"


def test_admin_changes_a_role_and_the_user_resets_their_password(live_app, new_context):
    live_app.create_user("admin@test.org", "admin", name="Alex Admin")
    live_app.create_user("quinn@test.org", "qa", name="Quinn Marker")
    live_app.create_user("other@test.org", "manager", name="Morgan Manager")
    violations: list[str] = []

    admin = new_context().new_page()
    login(admin, "admin@test.org")
    admin.goto("/admin/users")
    assert admin.locator("#u-role").input_value() == "agent"  # the least privileged role first
    admin.get_by_label("E-mail", exact=True).fill("quinn@test.org")  # taken already
    admin.get_by_label("Name", exact=True).fill("Quinn Again")
    admin.get_by_label("Role", exact=True).select_option(label="Manager")
    admin.get_by_label("Password (at least 10 characters)").fill("long enough pw")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Create user").click()
    assert "exists already" in admin.locator("#u-email-error").inner_text()
    assert admin.get_by_label("Name", exact=True).input_value() == "Quinn Again"
    assert admin.get_by_label("Role", exact=True).input_value() == "manager"
    admin.screenshot(path=f"{SHOTS}/admin-users-error.png", full_page=True)
    violations += serious_violations(admin, "new user refused")
    admin.get_by_label("Name or e-mail").fill("quinn")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Search").click()
    assert "1 user." in admin.locator("#users-count").inner_text()
    admin.screenshot(path=f"{SHOTS}/admin-users.png", full_page=True)
    violations += serious_violations(admin, "users found")
    with admin.expect_navigation():
        admin.get_by_role("link", name="Quinn Marker").click()

    admin.get_by_label("Role", exact=True).select_option(label="Team leader")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Save changes").click()
    assert "Saved." in admin.locator("main").inner_text()
    assert admin.get_by_label("Role", exact=True).input_value() == "team_leader"
    with admin.expect_navigation():
        admin.get_by_role("button", name="Make a reset link").click()
    link = admin.locator("#reset-link").input_value()
    assert urlparse(link).path == "/login/reset"
    history = admin.locator("table").inner_text()
    assert "Quality assurance" in history and "Team leader" in history
    admin.screenshot(path=f"{SHOTS}/admin-user.png", full_page=True)
    violations += serious_violations(admin, "user with a reset link")

    user = new_context().new_page()
    user.goto(link)
    assert "quinn@test.org" in user.locator("main").inner_text()
    user.locator("#pw-new").fill(NEW_PASSWORD)
    user.get_by_label("New password again").fill(NEW_PASSWORD + "!")
    with user.expect_navigation():
        user.get_by_role("button", name="Save my new password").click()
    assert user.locator("#pw-repeated-error").is_visible()
    user.screenshot(path=f"{SHOTS}/admin-reset-error.png", full_page=True)
    violations += serious_violations(user, "reset refused")
    user.locator("#pw-new").fill(NEW_PASSWORD)
    user.get_by_label("New password again").fill(NEW_PASSWORD)
    with user.expect_navigation():
        user.get_by_role("button", name="Save my new password").click()
    assert "Your new password is saved" in user.locator("h1").inner_text()
    user.screenshot(path=f"{SHOTS}/admin-reset-done.png", full_page=True)
    with user.expect_navigation():
        user.get_by_role("link", name="Log in with your new password").click()
    login(user, "quinn@test.org", NEW_PASSWORD)
    assert urlparse(user.url).path == "/"
    assert "Quinn Marker" in user.locator("header").inner_text()

    user.goto(link)  # used: it works no more
    assert "does not work any more" in user.locator("main").inner_text()

    admin.goto("/admin/audit")
    log = admin.locator("table").inner_text()
    assert "Set a new password through a reset link" in log and "Made a password reset link" in log
    admin.screenshot(path=f"{SHOTS}/admin-audit.png", full_page=True)
    violations += serious_violations(admin, "audit log")
    assert not violations, "\n".join(violations)
