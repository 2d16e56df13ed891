"""The directory servers of these tests: slapd and an OpenID Connect provider, each started once
for the session (tests that change a directory start a fresh slapd of their own)."""

from __future__ import annotations

import pytest

from tests.directory_servers import OidcProvider, Slapd


@pytest.fixture(scope="session")
def slapd():
    """OpenLDAP with the city directory of tests/directory_servers.py; do not change it."""
    server = Slapd().start()
    yield server
    server.stop()


@pytest.fixture
def fresh_slapd():
    """A slapd of this test's own, to change."""
    server = Slapd().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oidc_provider():
    provider = OidcProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def directory_env(monkeypatch):
    """Sets directory settings for this test: `directory_env(settings_dict)`."""
    from directory import oidc

    for key in ("QA_PASSWORD_LOGIN", "QA_BREAK_GLASS"):
        monkeypatch.delenv(key, raising=False)

    def apply(settings: dict[str, str]) -> None:
        for key, value in settings.items():
            monkeypatch.setenv(key, value)

    oidc.forget_providers()
    yield apply
    oidc.forget_providers()


@pytest.fixture
async def client(clean_db):
    """The app over ASGI on an empty database: the directory makes its own users (tests that want
    the `centre` fixture's users ask for it too)."""
    import httpx

    from qa_app.app import create_app

    app = create_app(manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client
