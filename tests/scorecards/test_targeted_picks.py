"""Targeted picks from flagged calls and enough calls to decide: the plain rules, then the
database (SQLite and PostgreSQL), `qa sample --targeted` and the queue page."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from kit.stats import mean_from_sums
from kit.timeutil import current_month
from qa_app.settings import get_settings
from qa_app.tables import Call
from scorecards import flag_store, sample_store, versions
from scorecards.sample_store import SampleError, add_random, add_targeted, replace_pick, run_sample, settle_plan
from scorecards.sampling import Flagged, more_to_settle, pick_targeted
from scorecards.tables import Assignment, CallFlag, Evaluation, PickKind, PickStatus
from surveys.tables import SurveyResponse
from tests.qa_command import run_qa
from tests.scorecards.test_sampling import MONTH, seed_month
from tests.web import HTML, csrf_from, login


def flagged(agent: int, kinds: tuple[str, ...], count: int, start: int = 0) -> list[Flagged]:
    return [Flagged(agent * 100 + i, f"c{agent}-{i}", agent, 1 + i % 28, kinds) for i in range(start, start + count)]


def test_targeted_picks_spread_over_kinds_and_agents_and_repeat_with_the_seed():
    calls = flagged(1, ("silence",), 20) + flagged(2, ("silence",), 20) + flagged(3, ("transfer",), 3)
    calls += flagged(1, ("complaint", "silence"), 2, start=50)
    chosen = pick_targeted(calls, 6, seed=5)
    assert Counter(kind for _, kind in chosen) == {"silence": 2, "transfer": 2, "complaint": 2}
    assert len({c.call_id for c, _ in chosen}) == 6  # a call is picked once, whatever its kinds
    # Only agent 1 has complaints and only agent 3 transfers: the silences go to agent 2.
    assert Counter(c.agent_id for c, _ in chosen) == {1: 2, 2: 2, 3: 2}
    assert pick_targeted(list(reversed(calls)), 6, seed=5) == chosen  # the same whatever the row order
    assert pick_targeted(calls, 6, seed=6) != chosen
    # Picks so far count: with two transfers picked already, the next picks go to the other kinds.
    later = pick_targeted(calls, 2, seed=5, already=[(3, "transfer"), (3, "transfer")])
    assert {kind for _, kind in later} == {"silence", "complaint"}
    assert len(pick_targeted(calls[:3], 10, seed=1)) == 3 and pick_targeted(calls, 0, seed=1) == []


def test_how_many_more_calls_settle_a_hand_worked_interval():
    """Scores .7, .9, .7, .9, .8: mean .8, sd .1 (squares .04 / 4 = .01), target .85.
    Now: t(4) = 2.776, .8 ± 2.776 * .1 / sqrt 5 = ± .124: straddles .85.
    The interval lies below .85 once t(n - 1) * .1 / sqrt n < .05:
    n = 17: t(16) = 2.1199, / sqrt 17 = 4.1231: .0514, not yet;
    n = 18: t(17) = 2.1098, / sqrt 18 = 4.2426: .0497, below. 18 - 5 = 13 more calls."""
    scores = [0.7, 0.9, 0.7, 0.9, 0.8]
    assert more_to_settle(scores, 0.85) == 13
    assert more_to_settle(scores, 0.75) == 13  # the same distance above the mean
    assert more_to_settle(scores, 0.95) == 0  # already wholly below: .924 < .95
    assert more_to_settle([0.8, 0.9], 0.85) is None  # the mean sits on the target
    assert more_to_settle([0.8], 0.85) is None  # one score has no spread
    # With bounds, the quality figure's interval: after `more` calls it lies on one side, one fewer it does not.
    more = more_to_settle(scores, 0.85, bounds=(0.0, 1.0))
    assert more and more > 0

    def high(n: int) -> float:
        return mean_from_sums(n, 0.8 * n, (n - 1) * 0.01 + n * 0.64, bounds=(0.0, 1.0)).high

    assert high(5 + more) < 0.85 <= high(5 + more - 1)


# --- the database -------------------------------------------------------------------------------


async def flag_some_calls(ids: dict[str, int]) -> dict[str, list[int]]:
    """Real flags for `flag_month` to find: agent 101's calls on the 2nd and 9th were
    transferred; agent 102's on the 3rd and 10th got a survey answer of 1. The month's
    12-second calls (flagged as unusually short) lose their recordings: they cannot be picked."""
    await Call.update({Call.recording_path: None}).where(Call.external_id.like("%-short"))
    transferred = [
        r["id"]
        for r in await Call.select(Call.id).where(Call.external_id.is_in(["101-2-0", "101-9-0", "101-2-1", "101-9-1"]))
    ]
    await Call.update({Call.transferred: True}).where(Call.id.is_in(transferred))
    unhappy = [
        r["id"]
        for r in await Call.select(Call.id).where(
            Call.external_id.is_in(["102-3-0", "102-10-0", "102-3-1", "102-10-1"])
        )
    ]
    await SurveyResponse.insert(*[SurveyResponse(call=c, agent=ids["102"], satisfaction=1) for c in unhappy])
    return {"transfer": transferred, "low_survey": unhappy}


async def random_calls(agent: int | None = None) -> set[int]:
    query = Assignment.select(Assignment.call).where(
        (Assignment.kind == PickKind.random.value) & (Assignment.status == PickStatus.active)
    )
    if agent is not None:
        query = query.where(Assignment.agent == agent)
    return {r["call"] for r in await query}


async def test_targeted_picks_come_from_flagged_calls_with_their_reason(clean_db):
    ids = await seed_month()
    with pytest.raises(SampleError, match="draw it first"):
        await add_targeted(MONTH, 2)
    by_kind = await flag_some_calls(ids)
    await run_sample(MONTH, seed=3)
    await flag_store.flag_month(MONTH)
    before = await random_calls()
    added = await add_targeted(MONTH, 4)
    assert Counter(p.kind for p in added) == {"transfer": 2, "low_survey": 2}
    rows = await Assignment.select().where(Assignment.kind == PickKind.targeted.value)
    assert len(rows) == 4 and not {r["call"] for r in rows} & before
    reasons = {r["call"]: r["reason"] for r in rows}
    for call, reason in reasons.items():
        if call in by_kind["transfer"]:
            assert reason == "Transferred: The call was transferred."
        else:
            assert call in by_kind["low_survey"] and reason == "Low survey answer: The resident rated the call 1 of 5."
    assert all(r["marker"] is not None for r in rows)  # shared among the QA markers like any pick
    # Targeted picks do not count towards the six random picks: a top-up draws nothing new.
    again = await run_sample(MONTH)
    assert again.created == 0 and Counter(a for a, _ in again.picks) == {"101": 6, "102": 6, "103": 3}
    assert len(again.targeted) == 4
    # More targeted picks take the flagged calls that are left, then there are none.
    more = await add_targeted(MONTH, 10)
    assert len(more) == 8 - 4 - len(set(by_kind["transfer"] + by_kind["low_survey"]) & before)
    assert await add_targeted(MONTH, 1) == []
    # A call picked by hand must be flagged and not in the sample.
    with pytest.raises(SampleError, match="flagged"):
        await add_targeted(MONTH, call_ids=[next(iter(before))])
    # A targeted pick that cannot be marked is withdrawn, not replaced by another call.
    assert await replace_pick(rows[0]["id"], "wrong agent on the recording", None) is None
    withdrawn = await Assignment.select().where(Assignment.id == rows[0]["id"]).first()
    assert withdrawn["status"] == PickStatus.replaced and withdrawn["replaced_by"] is None


async def test_a_targeted_pick_the_random_draw_would_take_becomes_random(clean_db):
    """Choosing a call for its flag never takes it out of the random draw: the estimate stays unbiased."""
    ids = await seed_month()
    await run_sample(MONTH, seed=8, per_agent=2)
    agent = ids["101"]
    # Which call the draw takes next for agent 101 (then undo it).
    drawn = await random_calls(agent)
    await add_random(MONTH, agent, 1)
    (call,) = (await random_calls(agent)) - drawn
    await Assignment.delete().where(Assignment.call == call)
    await CallFlag.insert(
        CallFlag(call=call, agent=agent, month="2026-09", kind="silence", detail="Nobody spoke for 0:40.")
    )
    (targeted,) = await add_targeted(MONTH, call_ids=[call])
    assert targeted.reason == "Long silence: Nobody spoke for 0:40."
    count = await Assignment.count()
    assert await add_random(MONTH, agent, 1) == 1
    assert await Assignment.count() == count  # no new row: the targeted pick became the random one
    row = await Assignment.select().where(Assignment.call == call).first()
    assert row["kind"] == PickKind.random and row["reason"] == "Long silence: Nobody spoke for 0:40."


async def test_qa_sample_targeted(clean_db, database):
    ids = await seed_month()
    by_kind = await flag_some_calls(ids)
    done = run_qa("sample", "--month", "2026-09", "--seed", "4", "--targeted", "4", "--json", database=database)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert Counter(p["agent"] for p in document["picks"]) == {"101": 6, "102": 6, "103": 3}  # random only
    assert len(document["added"]) == len(document["targeted"]) == 4
    assert Counter(p["kind"] for p in document["added"]) == {"transfer": 2, "low_survey": 2}
    assert {p["agent"] for p in document["added"]} == {"101", "102"}
    assert all(p["reason"].startswith(("Transferred: ", "Low survey answer: ")) for p in document["added"])
    assert document["flags"]["kinds"]["low_survey"] == 4 and document["flags"]["kinds"]["transfer"] == 4
    assert "4 targeted picks added" in done.stderr
    stored = await Assignment.select(Assignment.call, Assignment.reason).where(
        Assignment.kind == PickKind.targeted.value
    )
    assert {r["call"] for r in stored} <= set(by_kind["transfer"] + by_kind["low_survey"])
    bad = run_qa("sample", "--month", "2026-09", "--targeted", "0", database=database)
    assert bad.returncode == 2 and "--targeted must be at least 1" in bad.stderr


# --- the queue page -----------------------------------------------------------------------------


async def queue_month(centre) -> tuple:
    """The centre's calls, recorded; the month's sample drawn with five calls per agent."""
    await Call.update({Call.recording_path: "r.wav"}, force=True)
    first_call = (await Call.select(Call.offered_at).order_by(Call.id).first())["offered_at"]
    month = current_month(get_settings().timezone, first_call)
    await run_sample(month, seed=1, per_agent=5)
    return month, month.strftime("%Y-%m")


async def test_the_queue_page_picks_a_flagged_call(client, centre):
    month, key = await queue_month(centre)
    sampled = await random_calls()
    transferred = [c for c in centre["calls"][centre["agents"]["2"]] if c not in sampled][:3]
    await Call.update({Call.transferred: True}).where(Call.id.is_in(transferred))
    await flag_store.flag_month(month)
    await login(client, "qa@test.org")
    page = await client.get(f"/qa/queue?month={key}&everyone=1", headers=HTML)
    assert page.status_code == 200
    assert "Flagged calls" in page.text and "3 flagged calls not in the sample" in page.text
    assert "quality figure and its interval come from the random picks only" in page.text
    assert re.search(r"<strong data-to-mark>15 still to mark</strong>", page.text)
    picked = transferred[1]
    response = await client.post(
        "/qa/targeted",
        data={"_csrf_token": csrf_from(page.text), "month": key, "call": str(picked)},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code in (302, 303) and response.headers["location"] == f"/qa/queue?month={key}&everyone=1"
    row = await Assignment.select().where(Assignment.call == picked).first()
    assert row["kind"] == PickKind.targeted and row["reason"] == "Transferred: The call was transferred."
    page = await client.get(f"/qa/queue?month={key}&everyone=1", headers=HTML)
    assert "2 flagged calls not in the sample" in page.text
    assert "16 still to mark" in page.text
    # The queue shows a page of picks at a time; the agent's filter finds the targeted pick.
    page = await client.get(f"/qa/queue?month={key}&everyone=1&agent={centre['agents']['2']}", headers=HTML)
    assert "data-targeted" in page.text
    # Without the CSRF token, or for another role, nothing is added.
    assert (await client.post("/qa/targeted", data={"month": key, "n": "1"}, headers=HTML)).status_code == 403
    assert await Assignment.count().where(Assignment.kind == PickKind.targeted.value) == 1


async def test_targeted_and_settle_forms_are_for_qa_and_admin_only(client, centre):
    month, key = await queue_month(centre)
    await login(client, "team_leader@test.org")
    token = csrf_from((await client.get("/calls", headers=HTML)).text)
    for url, data in (("/qa/targeted", {"n": "1"}), ("/qa/settle", {"agent": str(centre["agents"]["1"])})):
        response = await client.post(url, data={"_csrf_token": token, "month": key, **data}, headers=HTML)
        assert response.status_code == 403


async def test_the_queue_page_says_how_many_more_calls_settle_an_interval_and_draws_them(client, centre):
    month, key = await queue_month(centre)
    agent = centre["agents"]["1"]
    template = (await versions.default())["id"]
    picks = await Assignment.select().where(Assignment.agent == agent).order_by(Assignment.id)
    scores = [0.7, 0.9, 0.7, 0.9, 0.8]
    for pick, score in zip(picks, scores, strict=True):
        await Evaluation.insert(
            Evaluation(
                call=pick["call"],
                agent=agent,
                assignment=pick["id"],
                template=template,
                month=key,
                status="released",
                score=score,
            )
        )
    expected = more_to_settle(scores, 0.85, bounds=(0.0, 1.0))
    plan = await settle_plan(month)
    assert [(s.agent_id, s.n, s.more, s.pending, s.draw) for s in plan] == [(agent, 5, expected, 0, expected)]
    await login(client, "qa@test.org")
    page = await client.get(f"/qa/queue?month={key}&everyone=1", headers=HTML)
    assert f'data-more="{expected}"' in page.text and f"{expected} more random calls would settle it" in page.text
    assert f"Draw {expected} random calls for Agent 1" in page.text
    before = await random_calls(agent)
    response = await client.post(
        "/qa/settle",
        data={"_csrf_token": csrf_from(page.text), "month": key, "agent": str(agent)},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code in (302, 303)
    after = await random_calls(agent)
    assert before < after and len(after - before) == expected
    assert not after - before & {
        r["call"] for r in await Assignment.select(Assignment.call).where(Assignment.agent != agent)
    }
    # The new picks are still to mark: nothing more to draw now, and the page says so.
    (again,) = await settle_plan(month)
    assert again.pending == expected and again.draw == 0
    page = await client.get(f"/qa/queue?month={key}&everyone=1", headers=HTML)
    assert "Draw " not in page.text and f"{expected} of its random picks are still to mark" in page.text
    assert (
        await client.post(
            "/qa/settle", data={"_csrf_token": csrf_from(page.text), "month": key, "agent": str(agent)}, headers=HTML
        )
    ).status_code == 400


async def test_no_settle_plan_before_the_sample_or_when_settled(clean_db):
    assert await settle_plan(MONTH) == []
    assert await sample_store.flagged_overview(MONTH) is None
    ids = await seed_month()
    await run_sample(MONTH, seed=2)
    template = (await versions.default())["id"]
    picks = await Assignment.select().where(Assignment.agent == ids["101"])
    for pick in picks:  # six scores of .95 and 1: wholly above .85
        await Evaluation.insert(
            Evaluation(
                call=pick["call"],
                agent=ids["101"],
                assignment=pick["id"],
                template=template,
                month="2026-09",
                status="released",
                score=0.95 + 0.05 * (pick["id"] % 2),
            )
        )
    assert await settle_plan(MONTH) == []
    with pytest.raises(SampleError, match="no other recorded call"):
        await add_random(MONTH, ids["103"], 1)  # 103 has only three calls, all picked
