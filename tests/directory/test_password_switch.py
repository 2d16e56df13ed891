"""QA_PASSWORD_LOGIN=off: the passwords this application keeps are refused, but the named
break-glass administrator's; the login page says so, and points to the organisation's button."""

from __future__ import annotations

import html

import pytest

from directory import sign_in
from qa_app.tables import AuditLog
from tests.directory_servers import PROVIDER_WARNINGS
from tests.web import HTML, PASSWORD
from tests.web import login as form_login

pytestmark = pytest.mark.filterwarnings(PROVIDER_WARNINGS)


async def login(client, email: str, password: str = PASSWORD):
    client.cookies.clear()
    return await form_login(client, email, password)


async def test_only_the_break_glass_administrator_can_use_a_password(centre, client, directory_env):
    directory_env({"QA_PASSWORD_LOGIN": "off", "QA_BREAK_GLASS": "Admin@Test.org"})
    admin = await login(client, "admin@test.org")
    assert admin.status_code == 302 and admin.headers["location"] == "/"
    assert (await client.get("/", headers=HTML)).status_code == 200
    for email in ("manager@test.org", "qa@test.org", "team_leader@test.org", "agent@test.org"):
        refused = await login(client, email)
        assert refused.status_code == 400, email
        assert "That e-mail and password do not match an account." in html.unescape(refused.text)
        assert (await client.get("/", headers=HTML, follow_redirects=False)).status_code in (302, 303)
    # The break-glass administrator's wrong password is still wrong.
    assert (await login(client, "admin@test.org", "not the password")).status_code == 400
    logins = await AuditLog.select(AuditLog.user).where(AuditLog.action == "login")
    assert [row["user"] for row in logins] == [centre["users"]["admin"]]


async def test_the_break_glass_account_must_be_an_administrator(centre, client, directory_env):
    directory_env({"QA_PASSWORD_LOGIN": "off", "QA_BREAK_GLASS": "qa@test.org"})
    assert (await login(client, "qa@test.org")).status_code == 400
    assert (await login(client, "admin@test.org")).status_code == 400


async def test_nobody_when_no_break_glass_is_named(centre, client, directory_env):
    directory_env({"QA_PASSWORD_LOGIN": "off"})
    assert (await login(client, "admin@test.org")).status_code == 400


async def test_the_login_page_points_to_the_organisations_button(centre, client, directory_env, oidc_provider):
    directory_env({**oidc_provider.settings(), "QA_PASSWORD_LOGIN": "off", "QA_BREAK_GLASS": "admin@test.org"})
    page = html.unescape((await client.get("/login?next=/calls", headers=HTML)).text)
    assert '<a class="sign-in" href="/login/oidc?next=/calls"><strong>Sign in with City account</strong></a>' in page
    assert "Passwords of this application are for the break-glass administrator only." in page
    refused = await login(client, "qa@test.org")
    assert refused.status_code == 400 and str(sign_in.PASSWORDS_OFF) in html.unescape(refused.text)
    assert (await login(client, "admin@test.org")).status_code == 302


async def test_passwords_work_for_everyone_by_default(centre, client, directory_env):
    directory_env({})
    for email in ("admin@test.org", "qa@test.org", "agent@test.org"):
        assert (await login(client, email)).status_code == 302
    page = (await client.get("/login", headers=HTML)).text
    assert 'class="sign-in"' not in page and "break-glass" not in page


async def test_a_setting_that_cannot_be_used_leaves_only_the_break_glass_administrator(centre, client, directory_env):
    directory_env({"QA_OIDC_ROLES": "qa-team means qa", "QA_BREAK_GLASS": "admin@test.org"})
    assert (await client.get("/login", headers=HTML)).status_code == 200
    refused = await login(client, "qa@test.org")
    assert refused.status_code == 400 and "Sign-in is not set up correctly here" in html.unescape(refused.text)
    assert (await login(client, "admin@test.org")).status_code == 302
