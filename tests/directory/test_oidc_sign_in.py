"""The OpenID Connect sign-in through the app's own routes (over ASGI), with the real provider:
users made and kept up to date from their claims, agents linked by their staff number, the
errors a person can act on, signing out at the provider, and the administrator's page."""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, urlparse

import pytest

from directory.tables import ExternalIdentity
from qa_app.tables import Agent, AuditLog, User
from tests.directory_servers import PROVIDER_WARNINGS
from tests.live_app import free_port
from tests.web import HTML, PASSWORD, csrf_from
from tests.web import login as form_login

pytestmark = pytest.mark.filterwarnings(PROVIDER_WARNINGS)


@pytest.fixture
def provider(oidc_provider, directory_env):
    directory_env(oidc_provider.settings())
    oidc_provider.set_user("mia", email="mia@city.example", name="Mia Marker", groups=["qa-team"])
    oidc_provider.set_user(
        "ann", email="ann@city.example", name="Ann Agent", groups=["contact-centre-agents"], staff_number="1001"
    )
    oidc_provider.set_user("ola", email="ola@city.example", name="Ola Outsider", groups=["canteen"])
    return oidc_provider


async def oidc_sign_in(client, provider, sub: str, next_: str = "/"):
    """The app's button, the provider's sign-in page as `sub`, and back: the callback's answer."""
    client.cookies.clear()
    start = await client.get(f"/login/oidc?next={next_}", headers=HTML)
    assert start.status_code in (302, 303), start.text[:500]
    callback = provider.authorize(start.headers["location"], sub)
    assert callback.startswith("http://testserver/login/oidc/callback?")
    return await client.get(callback, headers=HTML)


def text(response) -> str:
    return html.unescape(response.text)


async def test_first_sign_in_makes_the_user_and_later_ones_follow_the_groups(client, provider):
    await Agent.insert(Agent(staff_number="1001", name="Ann Agent"))
    landed = await oidc_sign_in(client, provider, "mia", "/qa/queue")
    assert landed.status_code in (302, 303) and landed.headers["location"] == "/qa/queue"
    assert (await client.get("/qa/queue", headers=HTML)).status_code == 200
    mia = await User.select().where(User.email == "mia@city.example").first()
    assert mia["role"] == "qa" and mia["name"] == "Mia Marker" and mia["active"]

    assert (await oidc_sign_in(client, provider, "ann")).status_code in (302, 303)
    ann = await User.select().where(User.email == "ann@city.example").first()
    agent = await Agent.select(Agent.user).where(Agent.staff_number == "1001").first()
    assert ann["role"] == "agent" and agent["user"] == ann["id"]

    # Promoted at the provider: the next sign-in says so here.
    provider.set_user("mia", email="mia@city.example", name="Mia Marker", groups=["qa-team", "it-admins"])
    await oidc_sign_in(client, provider, "mia")
    assert (await User.select(User.role).where(User.id == mia["id"]).first())["role"] == "admin"
    actions = [row["action"] for row in await AuditLog.select(AuditLog.action).order_by(AuditLog.id)]
    assert actions.count("create") == 2 and "link_agent" in actions and "directory_update" in actions


async def test_no_mapped_group_ends_access_and_says_whom_to_ask(client, provider):
    await oidc_sign_in(client, provider, "mia")
    kept = dict(client.cookies)  # mia's session in this browser
    refused = await oidc_sign_in(client, provider, "ola")
    assert refused.status_code == 403
    assert (
        "ask your administrator to add you to one of: contact-centre-agents, contact-centre-leaders, "
        "it-admins, qa-team." in text(refused)
    )
    assert not await User.exists().where(User.email == "ola@city.example")

    provider.set_user("mia", email="mia@city.example", name="Mia Marker", groups=["canteen"])
    again = await oidc_sign_in(client, provider, "mia")
    assert again.status_code == 403 and "ask your administrator" in text(again)
    # Her other session (another browser) ended with it.
    client.cookies.clear()
    client.cookies.update(kept)
    ended = await client.get("/", headers=HTML, follow_redirects=False)
    assert ended.status_code in (302, 303) and ended.headers["location"].startswith("/login")
    audit = await AuditLog.select(AuditLog.detail).where(AuditLog.action == "directory_suspend").output(load_json=True)
    assert audit[0]["detail"]["reason"] == "no mapped role"


async def test_a_provider_that_cannot_be_reached(client, provider, directory_env):
    directory_env({"QA_OIDC_ISSUER": f"http://127.0.0.1:{free_port()}", "QA_OIDC_TIMEOUT": "2"})
    page = await client.get("/login/oidc", headers=HTML)
    assert page.status_code == 503
    assert "sign-in service cannot be reached just now. Try again in a few minutes" in text(page)
    assert 'class="sign-in"' in page.text  # the login page, to try again from


async def test_a_callback_is_good_once(client, provider):
    client.cookies.clear()
    start = await client.get("/login/oidc", headers=HTML)
    callback = provider.authorize(start.headers["location"], "mia")
    assert (await client.get(callback, headers=HTML)).status_code in (302, 303)
    replayed = await client.get(callback, headers=HTML)
    assert replayed.status_code == 400 and "used already" in text(replayed)
    forged = await client.get("/login/oidc/callback?code=x&state=made-up", headers=HTML)
    assert forged.status_code == 400


async def test_signing_out_signs_out_at_the_provider_too(client, provider):
    await oidc_sign_in(client, provider, "mia")
    page = await client.get("/", headers=HTML)
    out = await client.post("/logout", data={"_csrf_token": csrf_from(page.text)}, headers=HTML)
    assert out.status_code == 200
    url = html.unescape(out.text.split('id="provider-logout" href="')[1].split('"')[0])
    assert url.startswith(f"{provider.issuer}/oauth2/end_session?")
    query = dict(parse_qsl(urlparse(url).query))
    assert query["post_logout_redirect_uri"] == "http://testserver/login/oidc/signed-out"
    assert query["id_token_hint"].count(".") == 2 and query["client_id"] == "qa-app"
    assert f'http-equiv="refresh" content="0; url={url}' in html.unescape(out.text)
    assert (await client.get("/", headers=HTML, follow_redirects=False)).status_code in (302, 303)
    back = await client.get("/login/oidc/signed-out", headers=HTML, follow_redirects=False)
    assert back.headers["location"] == "/login"


async def test_an_administrator_fixes_an_agent_link(centre, client, provider):
    provider.set_user("ann", email="ann@city.example", name="Ann Agent", groups=["contact-centre-agents"])
    await oidc_sign_in(client, provider, "ann")  # no staff number at the provider: no link
    ann = await User.select().where(User.email == "ann@city.example").first()
    client.cookies.clear()
    await form_login(client, "admin@test.org", PASSWORD)
    page = await client.get("/admin/directory", headers=HTML)
    assert page.status_code == 200 and "ann@city.example" in page.text
    fixed = await client.post(
        "/admin/directory/link",
        data={"user": ann["id"], "staff_number": "3", "action": "fix", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert fixed.status_code in (302, 303)
    agent = await Agent.select(Agent.user).where(Agent.staff_number == "3").first()
    assert agent["user"] == ann["id"]
    identity = await ExternalIdentity.select().where(ExternalIdentity.user == ann["id"]).first()
    assert identity["link_fixed"]
    taken = await client.post(
        "/admin/directory/link",
        data={"user": ann["id"], "staff_number": "1", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert taken.status_code == 400 and "linked to another user already" in text(taken)
    # The directory's staff number no longer moves a link the administrator fixed.
    provider.set_user("ann", email="ann@city.example", groups=["contact-centre-agents"], staff_number="2")
    await oidc_sign_in(client, provider, "ann")
    assert (await Agent.select(Agent.user).where(Agent.staff_number == "3").first())["user"] == ann["id"]
    audit = (
        await AuditLog.select(AuditLog.user, AuditLog.detail)
        .where(AuditLog.action == "link_agent")
        .output(load_json=True)
    )
    assert audit[-1]["user"] == centre["users"]["admin"] and audit[-1]["detail"]["by"] == "administrator"
    # Only an administrator sees the page.
    client.cookies.clear()
    await form_login(client, "qa@test.org", PASSWORD)
    assert (await client.get("/admin/directory", headers=HTML)).status_code == 403
