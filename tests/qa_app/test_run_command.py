"""The README's run command, for real: `scripts/demo` on a fresh data folder serves the demo
centre over HTTP on the SQLite default; each printed login shows its role's pages."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.live_app import free_port
from tests.web import HTML

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo-data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_DATA_DIR=str(data), PORT=str(port))
    log = data / "run.log"
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "demo")],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"scripts/demo exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the app did not answer within 240 s:\n{log.read_text()[-3000:]}")
        logins = re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)$", log.read_text(), re.M)
        yield f"http://127.0.0.1:{port}", dict((role, (email, password)) for role, email, password in logins), log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def logged_in(base: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers=HTML)
    page = client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"email": email, "password": password, "_csrf_token": token, "next": "/"})
    assert response.status_code == 302, response.text[:500]
    return client


# Each role's navigation: at most seven links (issue 17); the groups hold the rest.
EXPECTED_NAV = {
    "admin": ["Home", "Calls", "Quality", "People", "Residents", "Reports", "Administration"],
    "manager": ["Home", "Calls", "Quality", "People", "Residents", "Reports", "Administration"],
    "qa": ["Home", "Calls", "Quality", "People", "Residents", "Reports", "Services"],
    "team_leader": ["Home", "Calls", "Quality", "People", "Surveys", "Reports", "Services"],
    "agent": ["Home", "My calls", "Search", "Cases", "My month", "My coaching", "My page"],
}
# Every page in the navigation, groups opened, for each role: each answers.
EXPECTED_PAGES = {
    "admin": 24,
    "manager": 19,
    "qa": 18,
    "team_leader": 13,
    "agent": 7,
}


def test_health_reports_sqlite(served):
    base, _logins, _log = served
    assert httpx.get(f"{base}/health").json() == {"status": "ok", "database": "sqlite"}


@pytest.mark.parametrize("role", sorted(EXPECTED_NAV))
def test_each_demo_login_shows_its_pages(served, role):
    base, logins, _log = served
    assert sorted(logins) == sorted(EXPECTED_NAV)
    client = logged_in(base, *logins[role])
    home = client.get("/")
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', home.text, re.S).group(1)
    top = re.sub(r'<ul class="sub".*?</ul>', "", nav, flags=re.S)
    assert re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', top) == EXPECTED_NAV[role]
    overview = client.get("/calls/overview")  # a manager's home has the month's targets instead
    figures = re.search(r"Calls offered</dt><dd>([^<]+)</dd>", overview.text).group(1)
    assert int(figures.replace("\u202f", "")) > 0  # the demo month has calls
    pages = set(re.findall(r'<a href="([^"]+)"', nav))
    assert len(pages) == EXPECTED_PAGES[role]
    for href in pages:
        assert client.get(href, follow_redirects=True).status_code == 200, (role, href)


def test_agent_gets_404_for_another_agents_call(served):
    base, logins, _log = served
    qa = logged_in(base, *logins["qa"])
    agent = logged_in(base, *logins["agent"])
    own = re.findall(r'<td><a href="/calls/(\d+)"', agent.get("/calls").text)
    assert own
    everyone = re.findall(r'<td><a href="/calls/(\d+)"', qa.get("/calls").text)
    others = [c for c in everyone if c not in own]
    assert others
    for call in others[:5]:
        assert qa.get(f"/calls/{call}").status_code == 200
        assert agent.get(f"/calls/{call}").status_code == 404
    assert agent.get(f"/calls/{own[0]}").status_code == 200


def test_demo_agent_balanced_scorecard_shows_four_parts_with_sizes_and_intervals(served):
    """Last month is fully marked in the demo: the agent's own month shows every part, each
    measure with its n and a 95% interval, residents' satisfaction included."""
    base, logins, _log = served
    agent = logged_in(base, *logins["agent"])
    home = agent.get("/")
    href = re.search(r'<a href="(/scorecards/agents/\d+)"[^>]*>My month</a>', home.text).group(1)
    last_month = re.search(r'href="\?month=(\d{4}-\d{2})"', agent.get(href).text).group(1)
    page = agent.get(f"{href}?month={last_month}")
    assert page.status_code == 200
    for part in ("quality", "customer", "efficiency", "people"):
        assert f'id="part-{part}"' in page.text
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\">([^<]+).*?</th>\s*<td class=\"num\">([^<]*)</td>\s*"
        r"<td class=\"num\">(\d+)</td>\s*<td>(.*?)</td>",
        page.text,
        re.S,
    )
    measures = {label.strip(): (value, int(n), interval) for label, value, n, interval in rows}
    assert measures["Mean evaluation score"][1] == 6  # six evaluations in a fully marked month
    assert "–" in measures["Mean evaluation score"][2] and "%" in measures["Mean evaluation score"][2]
    assert measures["Attendance"][1] > 10 and "%" in measures["Attendance"][2]
    assert measures["Average handle time"][1] > 50 and ":" in measures["Average handle time"][2]
    assert (
        measures["Satisfied residents (4 or 5 of 5)"][1] > 3 and "%" in measures["Satisfied residents (4 or 5 of 5)"][2]
    )
    assert "No post-call surveys are collected yet." not in page.text
