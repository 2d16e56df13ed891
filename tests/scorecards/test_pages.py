"""Scorecard pages on a real database: which role reaches which page, team and agent scope,
the balanced scorecard's figures against hand-worked inputs, calibration results for a
hand-worked session of three markers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kit.timeutil import current_month
from qa_app.auth import load_user
from qa_app.settings import get_settings
from qa_app.tables import Attendance, Call
from scorecards import calibration_store, evaluations, versions
from scorecards.balanced import Inputs, Sums, balanced_scorecard
from scorecards.balanced_queries import scorecards_for
from scorecards.config import DEFAULTS
from scorecards.evaluations import Marked
from scorecards.tables import Evaluation
from tests.web import HTML, csrf_from, login

PAGES = {
    "queue": "/qa/queue",
    "teams": "/scorecards/teams",
    "team": "/scorecards/teams/{north}",
    "calibration": "/calibration",
    "templates": "/scorecards/templates",
    "settings": "/scorecards/settings",
    "agent_month": "/scorecards/agents/{agent_1}",
}
ALLOWED = {
    "admin": set(PAGES),
    "manager": {"teams", "team", "calibration", "templates", "agent_month"},
    "qa": {"queue", "teams", "team", "calibration", "templates", "agent_month"},
    "team_leader": {"teams", "team", "calibration", "templates", "agent_month"},
    "agent": {"agent_month"},
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
async def test_each_role_reaches_its_scorecard_pages_only(client, centre, role):
    await login(client, f"{role}@test.org")
    for name, pattern in PAGES.items():
        url = pattern.format(north=centre["teams"]["north"], agent_1=centre["agents"]["1"])
        response = await client.get(url, headers=HTML, follow_redirects=True)
        assert response.status_code == (200 if name in ALLOWED[role] else 403), (role, url, response.status_code)


async def test_scope_other_team_and_other_agent_get_404(client, centre):
    await login(client, "other_leader@test.org")
    assert (await client.get(f"/scorecards/teams/{centre['teams']['north']}", headers=HTML)).status_code == 404
    assert (await client.get(f"/scorecards/agents/{centre['agents']['1']}", headers=HTML)).status_code == 404
    assert (await client.get(f"/scorecards/agents/{centre['agents']['3']}", headers=HTML)).status_code == 200
    token = csrf_from((await client.get("/calls", headers=HTML)).text)
    await client.post("/logout", data={"_csrf_token": token}, headers=HTML)
    await login(client, "agent@test.org")
    assert (await client.get(f"/scorecards/agents/{centre['agents']['2']}", headers=HTML)).status_code == 404


def test_balanced_scorecard_arithmetic():
    """With the minimum n at 3 (the default 5 would leave the quality figure too few to judge):
    Quality: scores .8, .9, 1.0 -> mean .9, n 3, target .85: met. Its bounded interval
    (kit.stats.bounded_mean): s^2 = .01, p(1 - p) = .09, n_eff = 3 * 9 = 27, times
    (1.95996 / 4.30265)^2 = .207497: n* = 5.60242; Wilson on .9 of n*: z^2 / n* = .685679,
    centre = 1.242840 / 1.685679 = .737292, half = 1.162713 * sqrt(.0160645 + .0305972) = .251162
    -> (.48613, .98845): below 100%, where t's (.6516, 1.1484) runs past it.
    Customer: no surveys -> no data, left out of the overall.
    Efficiency: 90 of 100 within 60 s (.9 >= .85, met); handle 200 s against a team's 180 s at
    most 110% (198 s): not met, attainment 198/200 = .99; part (1 + .99) / 2 = .995.
    People: 19 of 20 days worked (.95, met), 17 of 19 on time (.8947 < .95, not met,
    attainment .9418); part .9709.
    Overall: (.4 * 1 + .2 * .995 + .2 * .9709) / .8."""
    inputs = Inputs(
        scores_month=[0.8, 0.9, 1.0],
        scores_three_months=[0.8, 0.9, 1.0, 0.7],
        survey=None,
        answered=100,
        answered_within=90,
        handle=Sums(4, 800.0, 4 * 200.0**2),
        team_handle_mean=180.0,
        days_rostered=20,
        days_worked=19,
        days_on_time=17,
    )
    card = balanced_scorecard(inputs, DEFAULTS["weights"], DEFAULTS["targets"], min_n=3)
    quality = card.part("quality").measures[0]
    assert quality.estimate.value == pytest.approx(0.9) and quality.estimate.n == 3
    assert (quality.estimate.low, quality.estimate.high) == pytest.approx((0.48613, 0.98845), abs=1e-4)
    assert not quality.too_few and quality.met is True and card.part("quality").value == 1.0
    assert card.part("quality").measures[1].estimate.n == 4 and not card.part("quality").measures[1].scored
    assert card.part("customer").value is None and "surveys" in card.part("customer").note
    efficiency = card.part("efficiency")
    assert [m.met for m in efficiency.measures] == [True, False]
    assert efficiency.measures[1].target == pytest.approx(198.0)
    assert efficiency.value == pytest.approx((1 + 0.99) / 2)
    people = card.part("people")
    assert [m.met for m in people.measures] == [True, False] and people.met is False
    assert people.value == pytest.approx((1 + (17 / 19) / 0.95) / 2)
    assert card.overall == pytest.approx((0.4 * 1 + 0.2 * 0.995 + 0.2 * people.value) / 0.8)


async def test_balanced_scorecard_from_the_database(client, centre):
    """Agent 1: 40 answered calls, all within 10 s, 100 s each, as the whole team (mean 100 s).
    Released evaluations .8 and 1.0 count; a draft and a calibration mark do not.
    Rota: 10 days, one sick, one on leave (not rostered work), two late: 9 rostered, 8 worked,
    6 on time."""
    agent_1 = centre["agents"]["1"]
    zone = get_settings().timezone
    first_call = (await Call.select(Call.offered_at).where(Call.agent == agent_1).first())["offered_at"]
    month = current_month(zone, first_call)
    calls = centre["calls"][agent_1]
    template = (await versions.default())["id"]
    key = month.strftime("%Y-%m")
    for call, score, status in ((calls[0], 0.8, "released"), (calls[1], 1.0, "acknowledged"), (calls[2], 0.1, "draft")):
        await Evaluation.insert(
            Evaluation(call=call, agent=agent_1, template=template, month=key, status=status, score=score)
        )
    days = [month + timedelta(days=i) for i in range(10)]
    rota = []
    for index, day in enumerate(days):
        absence = {0: "sick", 1: "leave"}.get(index, "")
        late = 5 if index in (2, 3) else 0
        rota.append(
            Attendance(
                agent=agent_1,
                day=day,
                scheduled_minutes=450,
                worked_minutes=0 if absence else 450,
                absence=absence,
                minutes_late=late,
            )
        )
    await Attendance.insert(*rota)
    card = (await scorecards_for([agent_1], month))[agent_1]
    quality = card.part("quality").measures[0].estimate
    assert quality.n == 2 and quality.value == pytest.approx(0.9)
    service_level, handle = card.part("efficiency").measures
    assert service_level.estimate.n == 40 and service_level.estimate.value == 1.0
    assert handle.estimate.value == pytest.approx(100.0) and handle.target == pytest.approx(110.0)
    attendance, punctuality = card.part("people").measures
    assert (attendance.estimate.n, attendance.estimate.value) == (9, pytest.approx(8 / 9))
    assert (punctuality.estimate.n, punctuality.estimate.value) == (8, pytest.approx(6 / 8))

    await login(client, "agent@test.org")
    page = await client.get(f"/scorecards/agents/{agent_1}?month={key}", headers=HTML)
    assert page.status_code == 200
    for part in ("Quality", "Customer", "Efficiency", "People"):
        assert f'id="part-{part.lower()}"' in page.text
    assert "No post-call surveys are collected yet." in page.text
    assert "88.9%" in page.text and "90.0%" in page.text  # attendance 8/9, quality mean


async def test_calibration_results_for_a_hand_worked_session(centre):
    """Three markers, four yes/no criteria of weight 1 (values A, B, C):
      c1: 1 1 1   agreement 3/3 pairs
      c2: 1 1 0   agreement 1/3
      c3: 0 0 0   agreement 3/3
      c4: 1 0 1   agreement 1/3
    Coincidence matrix (each unit of 3 values adds its ordered pairs / 2):
      o11 = 3 + 1 + 0 + 1 = 5, o00 = 3, o10 = o01 = 2; n1 = 7, n0 = 5, n = 12.
    Nominal alpha = 1 - (n - 1) * (o10 + o01) / (2 * n1 * n0) = 1 - 11 * 4 / 70 = 26/70 = 0.3714
    (for two values every level of measurement gives the same alpha).
    Totals: A .75, B .5, C .5: mean .5833, range .25; A is .25 above the others' mean."""
    definition = {
        "critical_effect": {},
        "sections": [
            {
                "code": "all",
                "title": "All",
                "criteria": [
                    {
                        "code": f"c{i}",
                        "title": f"Criterion {i}",
                        "guidance": "",
                        "weight": 1,
                        "kind": "yes_no",
                        "na_allowed": False,
                        "error_group": "none",
                    }
                    for i in range(1, 5)
                ],
            }
        ],
    }
    await versions.publish("calibration-test", "Calibration test", definition)
    call = await Call.select(Call.external_id).first()
    users = centre["users"]
    markers = {"A": users["qa"], "B": users["team_leader"], "C": users["admin"]}
    session_id = await calibration_store.create("Hand-worked", call["external_id"], list(markers.values()), users["qa"])
    values = {"A": [1, 1, 0, 1], "B": [1, 1, 0, 0], "C": [1, 0, 0, 1]}
    evaluation_ids = {}
    for name, user_id in markers.items():
        user = await load_user(user_id)
        evaluation_ids[name] = await evaluations.start_for_calibration(session_id, user)
        marks = {f"c{i + 1}": Marked(float(v)) for i, v in enumerate(values[name])}
        await evaluations.save(evaluation_ids[name], user, marks, "", submit=True)
    # Blind while open: a marker cannot open another's marks, even as QA.
    marker_a = await load_user(markers["A"])
    assert await evaluations.can_view(marker_a, await evaluations.load(evaluation_ids["A"]))
    assert not await evaluations.can_view(marker_a, await evaluations.load(evaluation_ids["B"]))
    await calibration_store.close(session_id, users["qa"])
    assert await evaluations.can_view(marker_a, await evaluations.load(evaluation_ids["B"]))
    results = await calibration_store.results(session_id)
    names = {(await load_user(uid)).name: key for key, uid in markers.items()}
    agreement = {code: row["agreement"] for code, row in results["agreement"].items()}
    assert agreement == pytest.approx({"c1": 1.0, "c2": 1 / 3, "c3": 1.0, "c4": 1 / 3})
    assert results["alpha"] == pytest.approx(26 / 70, abs=1e-9)
    assert results["spread"]["mean"] == pytest.approx(7 / 12) and results["spread"]["range"] == pytest.approx(0.25)
    distance = {names[name]: row for name, row in results["distance"].items()}
    assert distance["A"]["from_mean"] == pytest.approx(0.25) and distance["B"]["from_mean"] == pytest.approx(-0.125)
    # Calibration marks are never shown to the call's agent.
    agent = await load_user(centre["users"]["agent"])
    rows = await Evaluation.select(Evaluation.id).where(Evaluation.calibration == session_id)
    for row in rows:
        assert not await evaluations.can_view(agent, await evaluations.load(row["id"]))
