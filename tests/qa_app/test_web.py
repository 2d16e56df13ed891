"""The web app in-process (real database, real sessions, real CSRF): roles on every route,
who sees which records, login safety."""

from __future__ import annotations

import re

import pytest

from qa_app.settings import get_settings
from qa_app.tables import Agent, AuditLog, Call, Team, User
from tests.web import HTML, PASSWORD, csrf_from, login

ROUTES = [
    "/",
    "/calls",
    "/agents",
    "/teams",
    "/services",
    "/transcription/accuracy",
    "/admin/users",
    "/admin/audit",
    "/admin/imports",
]
ALLOWED = {
    "admin": set(ROUTES),
    "manager": {"/", "/calls", "/agents", "/teams", "/services", "/transcription/accuracy", "/admin/imports"},
    "qa": {"/", "/calls", "/agents", "/teams", "/services", "/transcription/accuracy"},
    "team_leader": {"/", "/calls", "/agents", "/teams", "/services"},
    "agent": {"/", "/calls"},
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
async def test_each_role_sees_its_pages_and_nothing_else(client, role):
    response = await login(client, f"{role}@test.org")
    assert response.status_code == 302
    home = await client.get("/", headers=HTML)
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', home.text, re.S).group(1)
    for route in ROUTES:
        status = (await client.get(route, headers=HTML)).status_code
        assert status == (200 if route in ALLOWED[role] else 403), (role, route, status)
        assert (f'href="{route}"' in nav) == (route in ALLOWED[role]), (role, route)


async def test_anonymous_visitors_are_sent_to_login(client):
    response = await client.get("/calls?agent=1", headers=HTML, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=/calls%3Fagent%3D1"
    assert (await client.get("/calls", headers={"accept": "application/json"})).status_code == 401


async def test_agent_sees_only_own_calls_and_404_for_others(client, centre):
    await login(client, "agent@test.org")
    own, other = centre["agents"]["1"], centre["agents"]["2"]
    listing = await client.get("/calls", headers=HTML)
    ids = {int(i) for i in re.findall(r'href="/calls/(\d+)"', listing.text)}
    assert ids and ids <= set(centre["calls"][own])
    assert "Agent 2" not in listing.text
    # Even asking for another agent's calls by filter gives only their own.
    filtered = await client.get(f"/calls?agent={other}", headers=HTML)
    assert not set(map(int, re.findall(r'href="/calls/(\d+)"', filtered.text))) - set(centre["calls"][own])
    assert (await client.get(f"/calls/{centre['calls'][own][0]}", headers=HTML)).status_code == 200
    assert (await client.get(f"/calls/{centre['calls'][other][0]}", headers=HTML)).status_code == 404
    assert (await client.get(f"/calls/{centre['calls'][other][0]}/recording")).status_code == 404
    assert (await client.get(f"/agents/{own}", headers=HTML)).status_code == 200
    assert (await client.get(f"/agents/{other}", headers=HTML)).status_code == 404
    assert (await client.get("/calls/999999", headers=HTML)).status_code == 404


async def test_team_leader_sees_own_team_only(client, centre):
    await login(client, "team_leader@test.org")
    south_agent = centre["agents"]["3"]
    assert (await client.get(f"/agents/{centre['agents']['2']}", headers=HTML)).status_code == 200
    assert (await client.get(f"/agents/{south_agent}", headers=HTML)).status_code == 404
    assert (await client.get(f"/calls/{centre['calls'][south_agent][0]}", headers=HTML)).status_code == 404
    assert (await client.get(f"/teams/{centre['teams']['south']}", headers=HTML)).status_code == 404
    assert (await client.get(f"/teams/{centre['teams']['north']}", headers=HTML)).status_code == 200
    agents_page = await client.get("/agents", headers=HTML)
    assert "Agent 1" in agents_page.text and "Agent 3" not in agents_page.text


async def test_call_list_pages_cover_every_call_once(client, centre):
    await login(client, "qa@test.org")
    seen: list[int] = []
    url = "/calls"
    pages = 0
    while url:
        page = await client.get(url, headers=HTML)
        seen.extend(int(i) for i in re.findall(r'<td><a href="/calls/(\d+)"', page.text))
        older = re.search(r'href="(/calls\?[^"]*before=[^"]+)"', page.text)
        url = older.group(1).replace("&amp;", "&") if older else None
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 120


async def test_newer_link_returns_to_the_previous_page(client):
    await login(client, "qa@test.org")
    first = await client.get("/calls", headers=HTML)
    first_ids = re.findall(r'<td><a href="/calls/(\d+)"', first.text)
    older = re.search(r'href="(/calls\?[^"]*before=[^"]+)"', first.text).group(1).replace("&amp;", "&")
    second = await client.get(older, headers=HTML)
    newer = re.search(r'href="(/calls\?[^"]*after=[^"]+)"', second.text).group(1).replace("&amp;", "&")
    back = await client.get(newer, headers=HTML)
    assert re.findall(r'<td><a href="/calls/(\d+)"', back.text) == first_ids


async def test_htmx_filter_returns_only_the_table(client, centre):
    await login(client, "qa@test.org")
    response = await client.get(
        f"/calls?agent={centre['agents']['3']}", headers={**HTML, "hx-request": "true", "hx-target": "calls-table"}
    )
    assert response.text.lstrip().startswith('<div id="calls-table">')
    assert "<html" not in response.text
    assert set(re.findall(r"<td>Agent (\d)</td>", response.text)) == {"3"}


async def test_login_without_csrf_token_is_refused(client):
    await client.get("/login", headers=HTML)
    response = await client.post("/login", data={"email": "admin@test.org", "password": PASSWORD}, headers=HTML)
    assert response.status_code == 403
    assert (await client.get("/", headers=HTML, follow_redirects=False)).status_code == 302


async def test_wrong_password_says_so_without_saying_which(client):
    wrong = await login(client, "admin@test.org", "not the password")
    unknown = await login(client, "nobody@test.org", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert "do not match an account" in wrong.text and "do not match an account" in unknown.text
    assert 'aria-describedby="login-error"' in wrong.text


async def test_login_is_rate_limited(client):
    # A new account each time: the per-account back-off (tests/qa_app/test_network_edge.py) stays out of it.
    statuses = [(await login(client, f"user{i}@test.org", "guess-guess-guess")).status_code for i in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429


async def test_next_never_leaves_the_site(client):
    response = await login(client, "admin@test.org", next_="https://evil.example/steal")
    assert response.headers["location"] == "/"
    await client.post("/logout", data={"_csrf_token": csrf_from((await client.get("/", headers=HTML)).text)})
    response = await login(client, "admin@test.org", next_="//evil.example")
    assert response.headers["location"] == "/"


async def test_session_id_is_renewed_at_login_and_cleared_at_logout(client):
    client.cookies.set("qa_session", "a" * 64)
    response = await login(client, "admin@test.org")
    new_session = response.cookies.get("qa_session")
    assert new_session and new_session != "a" * 64
    home = await client.get("/", headers=HTML)
    assert home.status_code == 200
    await client.post("/logout", data={"_csrf_token": csrf_from(home.text)}, headers=HTML)
    assert (await client.get("/", headers=HTML, follow_redirects=False)).status_code == 302
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).order_by(AuditLog.id)]
    assert actions == ["login", "logout"]


async def test_admin_creates_users_through_the_form(client, centre):
    await login(client, "admin@test.org")
    token = csrf_from((await client.get("/admin/users", headers=HTML)).text)

    async def create(email: str, role: str, name: str = "", agent: str = ""):
        data = {
            "email": email,
            "name": name,
            "role": role,
            "agent": agent,
            "password": "long enough pw",
            "_csrf_token": token,
        }
        return await client.post("/admin/users", data=data, headers=HTML, follow_redirects=False)

    created = await create("New.Marker@Test.org", "qa", name="New Marker")
    assert created.status_code == 302
    assert await User.exists().where(User.email == "new.marker@test.org")
    duplicate = await create("new.marker@test.org", "qa")
    assert duplicate.status_code == 400 and "exists already" in duplicate.text
    agent_without_staff = await create("a@test.org", "agent")
    assert agent_without_staff.status_code == 400 and "needs --agent" in agent_without_staff.text


async def test_recordings_are_served_to_those_who_may_hear_them(client, centre):
    root = get_settings().recordings_dir
    root.mkdir(parents=True, exist_ok=True)
    (root / "x0.wav").write_bytes(b"RIFF0000WAVE")
    (root.parent / "secret.txt").write_text("not for you")
    own_call, other_call = centre["calls"][centre["agents"]["1"]][:2]
    await Call.update({Call.recording_path: "x0.wav"}).where(Call.id == own_call)
    await Call.update({Call.recording_path: "../secret.txt"}).where(Call.id == other_call)
    await login(client, "agent@test.org")
    audio = await client.get(f"/calls/{own_call}/recording")
    assert audio.status_code == 200 and audio.content == b"RIFF0000WAVE"
    assert audio.headers["content-type"] == "audio/wav" and audio.headers["accept-ranges"] == "bytes"
    # Byte ranges, which browsers need to seek in a recording.
    part = await client.get(f"/calls/{own_call}/recording", headers={"range": "bytes=4-7"})
    assert part.status_code == 206 and part.content == b"0000"
    assert part.headers["content-range"] == "bytes 4-7/12" and part.headers["content-type"] == "audio/wav"
    tail = await client.get(f"/calls/{own_call}/recording", headers={"range": "bytes=-4"})
    assert tail.status_code == 206 and tail.content == b"WAVE"
    open_end = await client.get(f"/calls/{own_call}/recording", headers={"range": "bytes=8-"})
    assert open_end.content == b"WAVE" and open_end.headers["content-range"] == "bytes 8-11/12"
    beyond = await client.get(f"/calls/{own_call}/recording", headers={"range": "bytes=50-60"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == "bytes */12"
    assert (await client.get(f"/calls/{other_call}/recording")).status_code == 404
    assert (await client.get(f"/calls/{other_call}/recording", headers={"range": "bytes=0-3"})).status_code == 404


async def test_health_and_openapi(client, clean_db):
    health = await client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": clean_db}
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200 and "/health" in schema.json()["paths"]


async def test_managers_add_teams_and_agents_and_each_change_is_audited(client, centre):
    await login(client, "manager@test.org")
    token = csrf_from((await client.get("/teams", headers=HTML)).text)
    created = await client.post(
        "/teams",
        data={"name": "East", "leader": str(centre["users"]["other_leader"]), "_csrf_token": token},
        headers=HTML,
    )
    assert created.status_code == 302
    east = int(created.headers["location"].rsplit("/", 1)[1])
    not_a_leader = await client.post(
        "/teams", data={"name": "West", "leader": str(centre["users"]["qa"]), "_csrf_token": token}, headers=HTML
    )
    assert not_a_leader.status_code == 400 and "role team leader" in not_a_leader.text

    fields = {
        "staff_number": "77",
        "name": "New Starter",
        "team": str(east),
        "interface": "PJSIP/7777",
        "active_from": "2026-10-01",
        "active_to": "",
    }
    added = await client.post("/agents", data={**fields, "_csrf_token": token}, headers=HTML)
    assert added.status_code == 302
    agent_id = int(added.headers["location"].rsplit("/", 1)[1])
    clash = await client.post("/agents", data={**fields, "name": "Someone Else", "_csrf_token": token}, headers=HTML)
    assert clash.status_code == 400 and "staff number 77 belongs to another agent" in clash.text
    assert 'value="Someone Else"' in clash.text  # what was typed is kept

    leaving = await client.post(
        f"/agents/{agent_id}", data={**fields, "active_to": "2026-12-31", "_csrf_token": token}, headers=HTML
    )
    assert leaving.status_code == 302
    stored = await Agent.select(Agent.team, Agent.interface, Agent.active_to).where(Agent.id == agent_id).first()
    assert (stored["team"], stored["interface"], str(stored["active_to"])) == (east, "PJSIP/7777", "2026-12-31")
    backwards = await client.post(
        f"/agents/{agent_id}", data={**fields, "active_to": "2026-01-01", "_csrf_token": token}, headers=HTML
    )
    assert backwards.status_code == 400 and "before active from" in backwards.text

    log = [
        (r["action"], r["entity"], r["detail"])
        for r in await AuditLog.select(AuditLog.action, AuditLog.entity, AuditLog.detail)
        .where(AuditLog.entity != "user")
        .order_by(AuditLog.id)
        .output(load_json=True)
    ]
    assert [(a, e) for a, e, _ in log] == [("create", "team"), ("create", "agent"), ("update", "agent")]
    assert log[2][2] == {"active_to": [None, "2026-12-31"]}


@pytest.mark.parametrize("role", ["qa", "team_leader", "agent"])
async def test_only_administrators_and_managers_change_the_organisation(client, centre, role):
    await login(client, f"{role}@test.org")
    token = csrf_from((await client.get("/", headers=HTML)).text)
    for path, data in (
        ("/teams", {"name": "X"}),
        ("/agents", {"staff_number": "9", "name": "X"}),
        (f"/agents/{centre['agents']['1']}", {"staff_number": "1", "name": "X"}),
    ):
        response = await client.post(path, data={**data, "_csrf_token": token}, headers=HTML)
        assert response.status_code == 403, (role, path)
    assert await Team.count() == 2 and await Agent.count() == 3
