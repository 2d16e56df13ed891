"""The calls list: filters by service, team, recorded and evaluated, the total, paging, and the
CSV export of the filtered list within each role's scope."""

from __future__ import annotations

import csv
import io
import re

from qa_app import queries
from qa_app.queries import PAGE_SIZE
from qa_app.tables import Call, Service
from scorecards.tables import Evaluation, ScorecardTemplate
from tests.web import HTML, login


def _total(html: str) -> int:
    return int(re.search(r'<span role="status">([\d\u202f,.]+) calls?</span>', html).group(1).replace("\u202f", ""))


def _row_links(html: str) -> list[str]:
    return re.findall(r'<a href="/calls/(\d+)">', html)


async def _csv(client, query: str = "") -> list[dict[str, str]]:
    response = await client.get(f"/calls/export.csv{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


async def _mark_up(centre) -> dict[str, list[int]]:
    """A service on agent 1's first 10 calls, a recording on agent 2's first 7, and a submitted
    evaluation of agent 3's first 4 calls (plus a draft one that does not count)."""
    service = (await Service.insert(Service(name="=Parking permits")).returning(Service.id))[0]["id"]
    agents = centre["agents"]
    serviced = centre["calls"][agents["1"]][:10]
    recorded = centre["calls"][agents["2"]][:7]
    evaluated = centre["calls"][agents["3"]][:4]
    await Call.update({Call.service: service}).where(Call.id.is_in(serviced))
    await Call.update({Call.recording_path: "r.wav"}).where(Call.id.is_in(recorded))
    template = (
        await ScorecardTemplate.insert(ScorecardTemplate(key="k", name="Card")).returning(ScorecardTemplate.id)
    )[0]["id"]
    for call_id in evaluated:
        await Evaluation.insert(Evaluation(call=call_id, template=template, status="released", month="2026-01"))
    draft_call = centre["calls"][agents["3"]][5]
    await Evaluation.insert(Evaluation(call=draft_call, template=template, status="draft", month="2026-01"))
    return {"service": [service], "serviced": serviced, "recorded": recorded, "evaluated": evaluated}


async def test_filters_and_the_total(client, centre):
    marked = await _mark_up(centre)
    await login(client, "manager@test.org")
    everything = await client.get("/calls", headers=HTML)
    assert everything.status_code == 200
    assert _total(everything.text) == 120
    cases = [
        (f"service={marked['service'][0]}", set(marked["serviced"])),
        ("recorded=yes", set(marked["recorded"])),
        ("evaluated=yes", set(marked["evaluated"])),
        (f"team={centre['teams']['south']}&evaluated=yes", set(marked["evaluated"])),
        (f"team={centre['teams']['north']}&evaluated=yes", set()),
        (f"recorded=yes&agent={centre['agents']['1']}", set()),
    ]
    for query, expected in cases:
        page = await client.get(f"/calls?{query}", headers=HTML)
        assert _total(page.text) == len(expected), query
        assert {int(i) for i in _row_links(page.text)} == expected, query
    not_recorded = await client.get("/calls?recorded=no", headers=HTML)
    assert _total(not_recorded.text) == 120 - len(marked["recorded"])
    not_evaluated = await client.get("/calls?evaluated=no", headers=HTML)
    assert _total(not_evaluated.text) == 120 - len(marked["evaluated"])
    south = await client.get(f"/calls?team={centre['teams']['south']}", headers=HTML)
    assert _total(south.text) == 40
    # The filters stay chosen in the form.
    assert re.search(r'<option value="yes" selected>', (await client.get("/calls?evaluated=yes", headers=HTML)).text)


async def test_the_total_is_counted_up_to_a_limit_and_says_more_beyond_it(client, centre, monkeypatch):
    monkeypatch.setattr(queries, "COUNTED", 50)
    await login(client, "manager@test.org")
    everything = await client.get("/calls", headers=HTML)
    assert '<span role="status">More than 50 calls</span>' in everything.text
    assert len(_row_links(everything.text)) == PAGE_SIZE  # the list itself is not cut
    south = await client.get(f"/calls?team={centre['teams']['south']}", headers=HTML)
    assert _total(south.text) == 40
    client.cookies.clear()
    await login(client, "team_leader@test.org")  # North: 80 calls, counted in the leader's scope
    north = await client.get("/calls", headers=HTML)
    assert '<span role="status">More than 50 calls</span>' in north.text
    one_agent = await client.get(f"/calls?agent={centre['agents']['1']}", headers=HTML)
    assert _total(one_agent.text) == 40
    assert await queries.count_calls([centre["agents"]["1"], centre["agents"]["2"]], queries.CallFilter()) == 51


async def test_paging_walks_every_call_once_and_the_phone_system_id_is_never_shown(client, centre):
    await login(client, "admin@test.org")
    seen: list[str] = []
    page = await client.get("/calls", headers=HTML)
    pages = 0
    while True:
        pages += 1
        links = _row_links(page.text)
        assert len(links) <= PAGE_SIZE
        seen += links
        assert _total(page.text) == 120
        assert not re.search(r">x\d+<", page.text)  # the external ids x0..x119
        older = re.search(r'href="(/calls\?[^"]*before=[^"]+)"', page.text)
        if not older:
            break
        page = await client.get(older.group(1).replace("&amp;", "&"), headers=HTML)
    assert pages == -(-120 // PAGE_SIZE)
    assert len(seen) == len(set(seen)) == 120


async def test_the_export_has_the_filtered_calls_neutralised_and_without_phone_ids(client, centre):
    marked = await _mark_up(centre)
    await login(client, "qa@test.org")
    rows = await _csv(client, f"?service={marked['service'][0]}")
    assert len(rows) == len(marked["serviced"])
    assert {r["Agent"] for r in rows} == {"Agent 1"}
    assert {r["Team"] for r in rows} == {"North"}
    assert {r["Service"] for r in rows} == {"'=Parking permits"}  # a formula is shown, not run
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["Date"]) and re.fullmatch(r"\d\d:\d\d:\d\d", r["Time"]) for r in rows)
    text = (await client.get("/calls/export.csv")).text
    assert not re.search(r"\bx\d+\b", text)
    evaluated = await _csv(client, "?evaluated=yes")
    assert len(evaluated) == len(marked["evaluated"]) and {r["Evaluated"] for r in evaluated} == {"yes"}
    recorded = await _csv(client, "?recorded=yes")
    assert len(recorded) == len(marked["recorded"]) and {r["Recorded"] for r in recorded} == {"yes"}


async def test_each_role_lists_and_exports_only_its_scope(client, centre):
    expected = {
        "admin": {"Agent 1", "Agent 2", "Agent 3"},
        "manager": {"Agent 1", "Agent 2", "Agent 3"},
        "team_leader": {"Agent 1", "Agent 2"},
        "other_leader": {"Agent 3"},
        "agent": {"Agent 1"},
    }
    for role, agents in expected.items():
        client.cookies.clear()
        await login(client, f"{role}@test.org")
        page = await client.get("/calls", headers=HTML)
        assert page.status_code == 200
        assert _total(page.text) == 40 * len(agents), role
        rows = await _csv(client)
        assert len(rows) == 40 * len(agents), role
        assert {r["Agent"] for r in rows} == agents, role
        # Asking for another team's calls gives nothing beyond the scope.
        other = await _csv(client, f"?team={centre['teams']['south']}")
        assert {r["Agent"] for r in other} <= agents & {"Agent 3"}, role


async def test_the_export_asks_for_a_login(client):
    response = await client.get("/calls/export.csv", follow_redirects=False)
    assert response.status_code == 401
