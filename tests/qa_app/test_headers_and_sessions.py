"""Headers and sessions: a Content-Security-Policy the pages keep (no inline script or style),
no caching of signed-in pages, Secure `__Host-` cookies and HSTS over HTTPS; sessions that end
when idle, when the password changes elsewhere, and the browser's previous one at login."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from qa_app.app import create_app
from qa_app.settings import reset_settings
from tests.web import HTML, PASSWORD, csrf_from, login

TEMPLATES = [p for p in Path(__file__).resolve().parents[2].glob("*/templates/**/*.html") if "reports" not in p.parts]


def test_no_template_has_inline_script_or_style():
    """The policy allows scripts and styles from /static only: a template that slipped one in
    would break in the browser."""
    assert len(TEMPLATES) > 30
    for path in TEMPLATES:
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "<style" not in text and ' style="' not in text, path
        assert not re.search(r"\son[a-z]+=", text), path  # onclick= and the like


async def test_every_page_carries_the_security_headers(client):
    await login(client, "qa@test.org")
    page = await client.get("/calls", headers=HTML)
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"  # a signed-in page
    assert "strict-transport-security" not in page.headers  # plain HTTP: the local demo
    login_page = await client.get("/static/app.css")
    assert (
        login_page.headers["x-content-type-options"] == "nosniff"
        and login_page.headers.get("cache-control") != "no-store"
    )


async def test_over_https_cookies_are_secure_host_cookies_and_hsts_is_sent(centre, monkeypatch):
    app = create_app(manage_database=False, secure_cookies=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://qa.city.example") as client:
        page = await client.get("/login", headers=HTML)
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert "__Host-qa_csrf=" in page.headers["set-cookie"] and "Secure" in page.headers["set-cookie"]
        done = await client.post(
            "/login",
            data={"email": "qa@test.org", "password": PASSWORD, "next": "/", "_csrf_token": csrf_from(page.text)},
            headers=HTML,
        )
        assert done.status_code == 302
        cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("__Host-qa_session="))
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie and "HttpOnly" in cookie


async def test_a_session_idle_too_long_ends(client, monkeypatch):
    await login(client, "qa@test.org")
    assert (await client.get("/calls", headers=HTML)).status_code == 200
    import qa_app.auth as auth

    later = auth.time.time() + 61 * 60  # the default idle limit is 60 minutes
    monkeypatch.setattr(auth.time, "time", lambda: later)
    after = await client.get("/calls", headers=HTML, follow_redirects=False)
    assert after.status_code == 302 and after.headers["location"].startswith("/login")


async def test_a_page_view_does_not_write_the_session_but_a_minutes_use_does(client, monkeypatch):
    """Reading pages costs no session write; the last-seen time (for the idle limit) is written
    once a minute of use, and that write renews the session's expiry."""
    import qa_app.auth as auth
    from qa_app.tables import WebSession

    await login(client, "qa@test.org")
    assert (await client.get("/calls", headers=HTML)).status_code == 200
    before = await WebSession.select(WebSession.data, WebSession.expires_at)
    for _ in range(3):
        assert (await client.get("/calls", headers=HTML)).status_code == 200
    assert await WebSession.select(WebSession.data, WebSession.expires_at) == before
    later = auth.time.time() + 2 * 60
    monkeypatch.setattr(auth.time, "time", lambda: later)
    assert (await client.get("/calls", headers=HTML)).status_code == 200
    after = await WebSession.select(WebSession.data, WebSession.expires_at)
    assert len(after) == 1 and after[0]["data"] != before[0]["data"]


async def test_changing_the_password_ends_the_other_sessions(client, centre):
    other = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(manage_database=False)), base_url="http://testserver"
    )
    async with other:
        await login(other, "qa@test.org")
        assert (await other.get("/calls", headers=HTML)).status_code == 200
        await login(client, "qa@test.org")
        form = await client.get("/account/password", headers=HTML)
        wrong = await client.post(
            "/account/password",
            data={
                "current": "not it at all",
                "new": "a new passphrase",
                "repeated": "a new passphrase",
                "_csrf_token": csrf_from(form.text),
            },
            headers=HTML,
        )
        assert wrong.status_code == 400 and "current password is not right" in wrong.text
        changed = await client.post(
            "/account/password",
            data={
                "current": PASSWORD,
                "new": "a new passphrase",
                "repeated": "a new passphrase",
                "_csrf_token": csrf_from(form.text),
            },
            headers=HTML,
        )
        assert changed.status_code == 302
        assert (await client.get("/calls", headers=HTML)).status_code == 200  # this browser stays in
        ended = await other.get("/calls", headers=HTML, follow_redirects=False)
        assert ended.status_code == 302 and ended.headers["location"].startswith("/login")
        assert (await login(other, "qa@test.org", "a new passphrase")).status_code == 302


async def test_logging_in_ends_the_browsers_previous_session(client):
    from qa_app.session_store import DatabaseStore

    await login(client, "qa@test.org")
    first = client.cookies["qa_session"]
    assert await DatabaseStore().get(first) is not None
    page = await client.get("/", headers=HTML)
    again = await client.post(
        "/login",
        data={"email": "agent@test.org", "password": PASSWORD, "next": "/", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert again.status_code == 302 and client.cookies["qa_session"] != first
    assert await DatabaseStore().get(first) is None  # a copy of the old cookie opens nothing


@pytest.fixture(autouse=True)
def _settings():
    reset_settings()
    yield
    reset_settings()
