"""Administering users in the browser (organisation/admin.py): search and pages, editing,
switching a login off, the last administrator, and one-time password reset links."""

from __future__ import annotations

import hashlib
import re
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from html import unescape
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from qa_app import users
from qa_app.app import create_app
from qa_app.security import hash_password
from qa_app.settings import reset_settings
from qa_app.tables import Agent, AuditLog, PasswordReset, User
from tests.web import HTML, PASSWORD, csrf_from, login

NEW_PASSWORD = "a brand new secret"


@asynccontextmanager
async def another_browser():
    """A second client with cookies of its own, on the same database (sessions live there)."""
    transport = httpx.ASGITransport(app=create_app(manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        yield other


async def admin_token(client) -> str:
    await login(client, "admin@test.org")
    return csrf_from((await client.get("/admin/users", headers=HTML)).text)


async def signed_in(client) -> bool:
    return (await client.get("/", headers=HTML, follow_redirects=False)).status_code == 200


def selected(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)" selected>', select)


async def test_the_new_user_form_starts_at_the_least_privileged_role(client):
    await login(client, "admin@test.org")
    page = await client.get("/admin/users", headers=HTML)
    assert page.status_code == 200
    assert selected(page.text, "u-role") == ["agent"]
    assert "Administrator" in page.text and ">admin<" not in page.text  # roles by their names


async def test_a_refused_new_user_keeps_what_was_typed_and_says_why_beside_the_field(client):
    token = await admin_token(client)
    data = {"email": "qa@test.org", "name": "Sam Second", "role": "qa", "password": "long enough pw"}
    response = await client.post("/admin/users", data={**data, "_csrf_token": token}, headers=HTML)
    assert response.status_code == 400
    assert 'id="u-email-error"' in response.text and "exists already" in response.text
    assert 'value="Sam Second"' in response.text and selected(response.text, "u-role") == ["qa"]
    assert not await User.exists().where(User.name == "Sam Second")


async def test_search_role_filter_pages_and_total(client):
    hashed = hash_password(PASSWORD)
    await User.insert(
        *[
            User(email=f"bulk{n:02}@test.org", name=f"Bulk Person {n:02}", role="qa", password_hash=hashed)
            for n in range(60)
        ]
    )
    await login(client, "admin@test.org")
    first = await client.get("/admin/users", params={"q": "BULK"}, headers=HTML)
    matching = await User.count().where(User.email.like("bulk%"))
    assert f"{matching} users." in first.text
    names = re.findall(r"Bulk Person (\d\d)", first.text)
    assert names == [f"{n:02}" for n in range(50)]
    assert "Page 1 of 2" in first.text and 'href="/admin/users?q=BULK&amp;page=2"' in first.text
    second = await client.get("/admin/users", params={"q": "BULK", "page": "2"}, headers=HTML)
    assert re.findall(r"Bulk Person (\d\d)", second.text) == [f"{n:02}" for n in range(50, 60)]
    by_name = await client.get("/admin/users", params={"q": "person 07"}, headers=HTML)
    assert "1 user." in by_name.text and "bulk07@test.org" in by_name.text
    leaders = await client.get("/admin/users", params={"role": "team_leader"}, headers=HTML)
    listed = set(re.findall(r"<td>([\w.]+@test\.org)</td>", leaders.text))
    assert listed == {"team_leader@test.org", "other_leader@test.org"}


async def test_admin_edits_a_user_and_the_audit_log_keeps_before_and_after(client, centre):
    token = await admin_token(client)
    qa = centre["users"]["qa"]
    page = await client.get(f"/admin/users/{qa}", headers=HTML)
    assert page.status_code == 200 and selected(page.text, "u-role") == ["qa"]
    data = {"name": "Quinn Marker", "email": "Quinn@Test.org", "role": "team_leader", "agent": ""}
    saved = await client.post(
        f"/admin/users/{qa}", data={**data, "_csrf_token": token}, headers=HTML, follow_redirects=False
    )
    assert saved.status_code == 302 and saved.headers["location"] == f"/admin/users/{qa}?saved=true"
    row = await User.select(User.name, User.email, User.role).where(User.id == qa).first()
    assert row == {"name": "Quinn Marker", "email": "quinn@test.org", "role": "team_leader"}
    entry = await AuditLog.select().where(AuditLog.action == "update").first()
    assert entry["user"] == centre["users"]["admin"] and entry["entity_id"] == str(qa)
    detail = entry["detail"] if isinstance(entry["detail"], dict) else __import__("json").loads(entry["detail"])
    assert detail == {
        "name": ["Qa", "Quinn Marker"],
        "email": ["qa@test.org", "quinn@test.org"],
        "role": ["qa", "team_leader"],
    }
    shown = await client.get(f"/admin/users/{qa}", headers=HTML)
    assert "<del>Quality assurance</del>" in shown.text and "<ins>Team leader</ins>" in shown.text


async def test_an_agent_login_moves_between_agents_and_loses_its_agent_with_another_role(client, centre):
    token = await admin_token(client)
    agent_user = centre["users"]["agent"]
    data = {"name": "Agent", "email": "agent@test.org", "role": "agent", "agent": "3", "_csrf_token": token}
    assert (
        await client.post(f"/admin/users/{agent_user}", data=data, headers=HTML, follow_redirects=False)
    ).status_code == 302
    linked = await Agent.select(Agent.staff_number).where(Agent.user == agent_user)
    assert linked == [{"staff_number": "3"}]
    taken = {**data, "agent": "2", "name": "Typed Name"}  # agent 2 has a login of its own
    refused = await client.post(f"/admin/users/{agent_user}", data=taken, headers=HTML)
    assert refused.status_code == 400 and 'id="u-agent-error"' in refused.text
    assert 'value="Typed Name"' in refused.text and selected(refused.text, "u-role") == ["agent"]
    manager = {**data, "role": "manager", "agent": "3"}
    assert (
        await client.post(f"/admin/users/{agent_user}", data=manager, headers=HTML, follow_redirects=False)
    ).status_code == 302
    assert not await Agent.exists().where(Agent.user == agent_user)
    without = {**data, "agent": ""}
    refused = await client.post(f"/admin/users/{agent_user}", data=without, headers=HTML)
    assert refused.status_code == 400 and 'id="u-agent-error"' in refused.text


async def test_a_switched_off_user_is_signed_out_and_cannot_sign_in(client, centre):
    token = await admin_token(client)
    qa = centre["users"]["qa"]
    async with another_browser() as other:
        assert (await login(other, "qa@test.org")).status_code == 302 and await signed_in(other)
        off = await client.post(
            f"/admin/users/{qa}/active",
            data={"active": "0", "_csrf_token": token},
            headers=HTML,
            follow_redirects=False,
        )
        assert off.status_code == 302
        assert not await signed_in(other)
        assert (await login(other, "qa@test.org")).status_code == 400
        on = await client.post(
            f"/admin/users/{qa}/active",
            data={"active": "1", "_csrf_token": token},
            headers=HTML,
            follow_redirects=False,
        )
        assert on.status_code == 302
        assert (await login(other, "qa@test.org")).status_code == 302
    changes = [r["detail"] for r in await AuditLog.select(AuditLog.detail).where(AuditLog.action == "update")]
    assert len(changes) == 2


async def test_an_administrator_cannot_lock_themselves_out(client, centre):
    token = await admin_token(client)
    admin = centre["users"]["admin"]
    demote = {"name": "Admin", "email": "admin@test.org", "role": "manager", "agent": "", "_csrf_token": token}
    refused = await client.post(f"/admin/users/{admin}", data=demote, headers=HTML)
    assert refused.status_code == 400 and 'id="u-role-error"' in refused.text
    off = await client.post(f"/admin/users/{admin}/active", data={"active": "0", "_csrf_token": token}, headers=HTML)
    assert off.status_code == 400
    assert await User.exists().where((User.id == admin) & (User.role == "admin") & (User.active == True))  # noqa: E712
    # The last active administrator stays one, whoever asks (here: no user, as the CLI would).
    with pytest.raises(users.UserError, match="last active administrator"):
        await users.update_user(
            admin, email="admin@test.org", name="Admin", role="qa", agent_staff_number=None, by_user=None
        )
    with pytest.raises(users.UserError, match="last active administrator"):
        await users.set_active(admin, False, by_user=None)
    # With a second administrator, one may take the other's role away.
    await User.update({User.role: "admin"}).where(User.id == centre["users"]["manager"])
    await users.set_active(centre["users"]["manager"], False, by_user=admin)
    with pytest.raises(users.UserError, match="last active administrator"):
        await users.set_active(admin, False, by_user=None)
    await users.set_active(centre["users"]["manager"], True, by_user=admin)
    demote_other = {**demote, "email": "manager@test.org", "name": "Manager"}
    moved = await client.post(
        f"/admin/users/{centre['users']['manager']}", data=demote_other, headers=HTML, follow_redirects=False
    )
    assert moved.status_code == 302
    assert await User.exists().where((User.id == centre["users"]["manager"]) & (User.role == "manager"))


async def make_link(client, token: str, user_id: int) -> str:
    page = await client.post(f"/admin/users/{user_id}/reset-link", data={"_csrf_token": token}, headers=HTML)
    assert page.status_code == 200
    link = unescape(re.search(r'id="reset-link"[^>]*value="([^"]+)"', page.text).group(1))
    assert urlparse(link).path == "/login/reset"
    return link


async def test_a_reset_link_works_once_and_ends_the_users_other_sessions(client, centre):
    token = await admin_token(client)
    qa = centre["users"]["qa"]
    link = await make_link(client, token, qa)
    secret = parse_qs(urlparse(link).query)["token"][0]
    # Stored as its hash only: the token itself is nowhere in the database.
    stored = await PasswordReset.select()
    assert [r["token_hash"] for r in stored] == [hashlib.sha256(secret.encode()).hexdigest()]
    assert secret not in repr(stored) and secret not in repr(await AuditLog.select())
    # Shown once: the user's page does not show it again.
    assert secret not in (await client.get(f"/admin/users/{qa}", headers=HTML)).text

    async with another_browser() as signed, another_browser() as anonymous:
        await login(signed, "qa@test.org")
        form = await anonymous.get(link, headers=HTML)
        assert form.status_code == 200 and "qa@test.org" in form.text
        csrf = csrf_from(form.text)
        mismatch = await anonymous.post(
            "/login/reset",
            data={"token": secret, "new": NEW_PASSWORD, "repeated": NEW_PASSWORD + "x", "_csrf_token": csrf},
            headers=HTML,
        )
        assert mismatch.status_code == 400 and 'id="pw-repeated-error"' in mismatch.text
        short = await anonymous.post(
            "/login/reset",
            data={"token": secret, "new": "short", "repeated": "short", "_csrf_token": csrf},
            headers=HTML,
        )
        assert short.status_code == 400 and 'id="pw-new-error"' in short.text
        no_csrf = await anonymous.post(
            "/login/reset", data={"token": secret, "new": NEW_PASSWORD, "repeated": NEW_PASSWORD}, headers=HTML
        )
        assert no_csrf.status_code == 403
        done = await anonymous.post(
            "/login/reset",
            data={"token": secret, "new": NEW_PASSWORD, "repeated": NEW_PASSWORD, "_csrf_token": csrf},
            headers=HTML,
        )
        assert done.status_code == 200 and 'href="/login"' in done.text
        assert not await signed_in(signed)  # their other session ended
        again = await anonymous.post(
            "/login/reset",
            data={
                "token": secret,
                "new": "yet another password",
                "repeated": "yet another password",
                "_csrf_token": csrf,
            },
            headers=HTML,
        )
        assert again.status_code == 404
        assert (await anonymous.get(link, headers=HTML)).status_code == 404
        assert (await login(signed, "qa@test.org")).status_code == 400
        assert (await login(signed, "qa@test.org", NEW_PASSWORD)).status_code == 302
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).where(AuditLog.entity_id == str(qa))]
    assert "make_reset_link" in actions and "reset_password" in actions


async def test_a_reset_link_expires_and_a_newer_one_replaces_it(client, centre):
    token = await admin_token(client)
    qa = centre["users"]["qa"]
    first = await make_link(client, token, qa)
    second = await make_link(client, token, qa)
    assert (await client.get(first, headers=HTML)).status_code == 404
    assert (await client.get(second, headers=HTML)).status_code == 200
    await PasswordReset.update({PasswordReset.expires_at: datetime.now(timezone.utc) - timedelta(minutes=1)}).where(
        PasswordReset.user == qa
    )
    expired = await client.get(second, headers=HTML)
    assert expired.status_code == 404 and "Ask your administrator for a new one" in expired.text
    assert (await client.get("/login/reset?token=made-up", headers=HTML)).status_code == 404


async def test_a_switched_off_user_gets_no_reset_link(client, centre):
    token = await admin_token(client)
    qa = centre["users"]["qa"]
    link = await make_link(client, token, qa)
    await users.set_active(qa, False, by_user=centre["users"]["admin"])
    assert (await client.get(link, headers=HTML)).status_code == 404
    refused = await client.post(f"/admin/users/{qa}/reset-link", data={"_csrf_token": token}, headers=HTML)
    assert refused.status_code == 400 and 'id="u-reset-error"' in refused.text


@pytest.mark.parametrize("role", ["manager", "qa", "team_leader", "agent"])
async def test_only_administrators_reach_the_user_pages(client, centre, role):
    await login(client, f"{role}@test.org")
    token = csrf_from((await client.get("/account", headers=HTML)).text)
    target = centre["users"]["qa"]
    data = {"name": "X", "email": "x@test.org", "role": "admin", "agent": "", "active": "0", "_csrf_token": token}
    assert (await client.get("/admin/users", headers=HTML)).status_code == 403
    assert (await client.get(f"/admin/users/{target}", headers=HTML)).status_code == 403
    for path in (
        "/admin/users",
        f"/admin/users/{target}",
        f"/admin/users/{target}/active",
        f"/admin/users/{target}/reset-link",
    ):
        assert (await client.post(path, data=data, headers=HTML)).status_code == 403, path
    assert await User.exists().where((User.id == target) & (User.role == "qa") & (User.active == True))  # noqa: E712
    assert not await PasswordReset.exists()


async def test_an_unknown_user_is_not_found(client):
    token = await admin_token(client)
    assert (await client.get("/admin/users/999999", headers=HTML)).status_code == 404
    assert (await client.get(f"/admin/users/{2**40}", headers=HTML)).status_code == 404
    missing = await client.post("/admin/users/999999/reset-link", data={"_csrf_token": token}, headers=HTML)
    assert missing.status_code == 404


async def test_the_reset_link_is_mailed_too_when_mail_is_configured(client, centre, smtp_server, monkeypatch):
    monkeypatch.setenv("QA_SMTP_URL", smtp_server.url)
    reset_settings()
    token = await admin_token(client)
    link = await make_link(client, token, centre["users"]["qa"])
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "qa@test.org" and link in message.get_content()
    page = await client.get(link, headers=HTML)
    assert page.status_code == 200


async def test_the_reset_page_is_rate_limited_like_login_and_never_cached(client, centre):
    token = await admin_token(client)
    link = await make_link(client, token, centre["users"]["qa"])
    async with another_browser() as anonymous:
        page = await anonymous.get(link, headers=HTML)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        statuses = [(await anonymous.get("/login/reset?token=guess", headers=HTML)).status_code for _ in range(12)]
        assert statuses[:9] == [404] * 9 and statuses[-1] == 429


async def test_too_long_a_name_is_refused_beside_the_field(client, centre):
    token = await admin_token(client)
    qa = centre["users"]["qa"]
    long_name = "N" * 201
    edit = {"name": long_name, "email": "qa@test.org", "role": "qa", "agent": "", "_csrf_token": token}
    refused = await client.post(f"/admin/users/{qa}", data=edit, headers=HTML)
    assert refused.status_code == 400 and 'id="u-name-error"' in refused.text
    new = {
        "email": "long@test.org",
        "name": long_name,
        "role": "qa",
        "password": "long enough pw",
        "_csrf_token": token,
    }
    refused = await client.post("/admin/users", data=new, headers=HTML)
    assert refused.status_code == 400 and 'id="u-name-error"' in refused.text
    assert not await User.exists().where(User.email == "long@test.org")
