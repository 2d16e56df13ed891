"""Signing in with the organisation's account: Chromium goes from the login page's button through
the OpenID Connect provider's own sign-in page (oidc-provider-mock on loopback) and lands on the
pages of the role its groups give, as a QA marker and as an agent; signing out signs out at the
provider too; and someone whose group is taken away at the provider cannot sign in again, while
their other sessions end."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.directory_servers import PROVIDER_WARNINGS, OidcProvider

pytestmark = pytest.mark.filterwarnings(PROVIDER_WARNINGS)
BUTTON = "Sign in with City account"


@pytest.fixture(scope="module")
def provider():
    server = OidcProvider().start()
    yield server
    server.stop()


@pytest.fixture
def live_app(new_live_app, provider):
    """The app, set up to sign in with the provider, with an agent and a call of theirs."""
    app = new_live_app(start=False)
    app.extra_env.update(provider.settings())
    team = app.add_team("North")
    app.add_agent("1001", "Ann Agent", team=team)
    app.add_call("1001")
    return app.start()


def sign_in_with_the_organisation(page, provider: OidcProvider, sub: str) -> None:
    """The login page's button, then the provider's own sign-in page as `sub`."""
    page.goto("/login")
    page.get_by_role("link", name=BUTTON).click()
    page.wait_for_url(f"{provider.issuer}/oauth2/authorize?*")
    page.get_by_placeholder("sub").fill(sub)
    with page.expect_navigation():
        page.get_by_role("button", name="Authorize").click()


def test_signing_in_with_the_organisations_account(live_app, new_context, provider):
    provider.set_user("mia", email="mia@city.example", name="Mia Marker", groups=["qa-team"])
    provider.set_user(
        "ann", email="ann@city.example", name="Ann Agent", groups=["contact-centre-agents"], staff_number="1001"
    )
    home = re.compile(re.escape(live_app.url) + r"/$")

    # A QA marker lands on the QA team's pages.
    marker = new_context().new_page()
    sign_in_with_the_organisation(marker, provider, "mia")
    expect(marker).to_have_url(home)
    expect(marker.locator(".who")).to_contain_text("Mia Marker · Quality assurance")
    marker.get_by_role("link", name="Quality").hover()
    marker.get_by_role("link", name="Marking").click()
    expect(marker).to_have_url(re.compile(r"/qa/queue$"))
    expect(marker.get_by_role("link", name="My page")).to_have_count(0)

    # An agent lands on their own pages, linked to their agent by the staff number claim.
    agent = new_context().new_page()
    sign_in_with_the_organisation(agent, provider, "ann")
    expect(agent).to_have_url(home)
    expect(agent.locator(".who")).to_contain_text("Ann Agent · Agent")
    expect(agent.get_by_role("link", name="Marking")).to_have_count(0)
    agent.get_by_role("link", name="My page").click()
    expect(agent).to_have_url(re.compile(r"/agents/\d+$"))
    expect(agent.get_by_role("heading", level=1)).to_contain_text("Ann Agent")
    agent.get_by_role("link", name="My calls").click()
    expect(agent.locator("main")).to_contain_text("general")  # her call's queue

    # Signing out ends the session here and at the provider (its end-session page), then back.
    agent.get_by_role("button", name="Log out").click()
    agent.wait_for_url(f"{provider.issuer}/oauth2/end_session?*")
    with agent.expect_navigation():
        agent.get_by_role("button", name="End session").click()
    expect(agent).to_have_url(re.compile(r"/login$"))
    agent.goto("/")
    expect(agent).to_have_url(re.compile(r"/login\?next=/$"))

    # Ann signs in again in a second browser; then her group is taken away at the provider.
    other_browser = new_context().new_page()
    sign_in_with_the_organisation(other_browser, provider, "ann")
    expect(other_browser).to_have_url(home)
    provider.set_user("ann", email="ann@city.example", name="Ann Agent", groups=[], staff_number="1001")
    sign_in_with_the_organisation(agent, provider, "ann")
    expect(agent).to_have_url(re.compile(r"/login/oidc/callback\?"))
    expect(agent.locator("#login-error")).to_contain_text(
        "ask your administrator to add you to one of: contact-centre-agents, contact-centre-leaders, it-admins, qa-team"
    )
    agent.goto("/")
    expect(agent).to_have_url(re.compile(r"/login\?next=/$"))
    # Her session in the other browser has ended with it; the QA marker's goes on.
    other_browser.goto("/")
    expect(other_browser).to_have_url(re.compile(r"/login\?next=/$"))
    marker.goto("/")
    expect(marker).to_have_url(home)
