"""Browser tests: the real app (`qa serve` in a subprocess, on a free port) driven by Debian's
headless Chromium through Playwright's sync API.

They run on SQLite only: each `live_app` has a fresh data folder of its own (the SQLite file,
in WAL mode, and the recordings folder), whatever database the rest of the suite uses.

Rules for browser test modules:
- Tests are plain `def` functions and use no async fixtures (`clean_db`, `database`...).
  Playwright's sync API refuses to start inside a running event loop, and between its calls it
  marks its own loop as running in this thread, so nothing asyncio may run here meanwhile.
  That is also why the browser lives for one module only: it is closed before the suite's async
  tests run again.
- Seed data with `live_app.run(async_function, ...)`: it runs in a fresh thread with its own
  event loop, against the app's database (migrated first) and settings, before the server
  starts or while it runs (SQLite's WAL lets both write), and the suite's own database binding
  is restored afterwards. The shortcuts below (`create_user`, `add_agent`, `add_call`...) use it;
  `live_app.qa(...)` runs the `qa` command against the app instead.
- Chromium is /usr/bin/chromium (`QA_TEST_CHROMIUM` names another); when it is missing the
  tests fail, they are never skipped.
- Logins are rate-limited per client address (10 a minute); every browser comes from
  127.0.0.1, and each `live_app` is a new server with a new count.

A journey across roles, each in a browser context of its own:

    from tests.browser.conftest import PASSWORD, login

    def test_marking_journey(live_app, new_context):
        team = live_app.add_team("North", leader_email="leader@test.org")
        live_app.add_agent("1001", "Robin Agent", team=team)
        live_app.create_user("qa@test.org", "qa")
        live_app.create_user("robin@test.org", "agent", agent="1001")
        call = live_app.add_call("1001", recording=live_app.speak("call-1", SCRIPT).recording_path)

        qa = new_context().new_page()
        login(qa, "qa@test.org")            # PASSWORD unless given
        qa.goto(f"/calls/{call}")           # relative to live_app.url
        ...
        agent = new_context().new_page()
        login(agent, "robin@test.org")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.live_app import PASSWORD

CHROMIUM = os.environ.get("QA_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000  # for every Playwright action and wait


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for one module of sync tests (see the module docstring)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"the browser tests need Chromium at {CHROMIUM} (Debian: apt install chromium; scripts/bootstrap "
            "installs it; QA_TEST_CHROMIUM names another executable)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(browser, live_app):
    """Makes fresh browser contexts (cookies of their own: one per person in a journey) whose
    relative URLs go to `live_app`. Any uncaught JavaScript error on their pages fails the test."""
    contexts = []
    errors: list[str] = []

    def make(**options: Any):
        context = browser.new_context(base_url=live_app.url, **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}")))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not errors, "JavaScript errors in the pages:\n" + "\n".join(errors)


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


def settled(page) -> None:
    """Wait until HTMX has set up what it last swapped in. It marks new content with the class
    "htmx-added" in the same step that inserts it, and takes the class away in the step that
    attaches the content's triggers; typing into a field before that step is not seen (a call
    page's panels arrive this way, after the page has loaded)."""
    page.wait_for_function("() => !document.querySelector('.htmx-added, .htmx-request')")


def open_call(page, call_id: int) -> None:
    """Open a call page and wait until its cases panel, which arrives over HTMX after the page,
    is in and set up: typing into it sooner is not seen (it timed out under the full suite)."""
    page.goto(f"/calls/{call_id}")
    page.get_by_label("What the resident asked").wait_for()
    settled(page)


def login(page, email: str, password: str = PASSWORD) -> None:
    """Log in over the real login form (logging out whoever is logged in on this page first);
    fails with the page's reason when refused."""
    page.goto("/login")
    if urlparse(page.url).path != "/login":  # someone is logged in already
        logout(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    if urlparse(page.url).path == "/login":
        error = page.locator("#login-error")
        reason = error.inner_text() if error.count() else page.locator("main").inner_text()
        raise AssertionError(f"login as {email} failed: {reason}")


def logout(page) -> None:
    """Log out with the button in the page's header."""
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    assert urlparse(page.url).path == "/login", page.url
