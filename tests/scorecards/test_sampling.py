"""The monthly sample: pure rules, then the database (SQLite and PostgreSQL) and `qa sample`."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest

from qa_app.tables import Agent, Call, Role, User
from scorecards import sample_store
from scorecards.sample_store import SampleError, replace_pick, run_sample
from scorecards.sampling import Candidate, balance_markers, pick, week_of
from scorecards.tables import Assignment, PickStatus
from tests.qa_command import run_qa


def candidates(agent: int, days: list[int], prefix: str = "c") -> list[Candidate]:
    return [Candidate(i, f"{prefix}{agent}-{i}", agent, day) for i, day in enumerate(days, start=agent * 1000)]


def test_weeks_of_the_month():
    assert [week_of(d) for d in (1, 7, 8, 14, 15, 22, 28, 29, 31)] == [0, 0, 1, 1, 2, 3, 3, 4, 4]


def test_six_picks_spread_over_every_week_with_calls():
    month = candidates(1, [d for d in range(1, 31) for _ in range(5)])  # 5 calls a day, 30 days
    picks = pick(month, 6, seed=7)
    weeks = Counter(week_of(c.day) for c in picks)
    assert len(picks) == 6 and set(weeks) == {0, 1, 2, 3, 4} and max(weeks.values()) == 2
    assert pick(month, 6, seed=7) == picks  # same seed, same picks
    assert pick(list(reversed(month)), 6, seed=7) == picks  # whatever the order of the rows
    assert pick(month, 6, seed=8) != picks


def test_adding_calls_never_changes_how_existing_calls_rank():
    month = candidates(1, [d for d in range(1, 29) for _ in range(3)])
    first = pick(month, 6, seed=3)
    later = month + candidates(1, [5, 12, 19, 26], prefix="late")
    second = pick(later, 6, seed=3)
    # A later call only enters where it outranks the call it displaces; the others stay.
    assert len(set(first) & set(second)) >= 6 - 4


def test_a_top_up_keeps_the_spread():
    month = candidates(1, [d for d in range(1, 29) for _ in range(2)])
    picks = pick(month, 2, seed=1, already_by_week=[0, 1, 2, 3])
    assert len(picks) == 2 and len({week_of(c.day) for c in picks}) == 2


def test_fewer_calls_than_asked_gives_them_all():
    few = candidates(1, [3, 17])
    assert set(pick(few, 6, seed=1)) == set(few)
    assert pick([], 6, seed=1) == [] and pick(few, 0, seed=1) == []


def test_markers_share_the_work():
    assert Counter(balance_markers(10, {5: 0, 3: 0, 9: 0})) == {3: 4, 5: 3, 9: 3}
    assert balance_markers(3, {1: 4, 2: 0}) == [2, 2, 2]


# --- the database -------------------------------------------------------------------------------

MONTH = date(2026, 9, 1)


async def seed_month(calls_per_day=2, agents=("101", "102", "103"), few=("103",)):
    """Agents with recorded, answered calls every weekday of September 2026; agent 103 has only
    three. Every agent also has short, unrecorded and abandoned calls that must never be picked,
    and 104 left before the month."""
    ids = {}
    for staff in (*agents, "104"):
        rows = await Agent.insert(
            Agent(staff_number=staff, name=f"Agent {staff}", active_to=date(2026, 8, 20) if staff == "104" else None)
        ).returning(Agent.id)
        ids[staff] = rows[0]["id"]
    calls = []
    for staff in (*agents, "104"):
        days = [d for d in range(1, 31) if date(2026, 9, d).weekday() < 5]
        if staff in few:
            days = days[:3]
        for day in days:
            for n in range(1 if staff in few else calls_per_day):
                offered = datetime(2026, 9, day, 9 + n, 0, tzinfo=timezone.utc)
                calls.append(
                    _call(f"{staff}-{day}-{n}", ids[staff], offered, talk=120, recording=f"{staff}-{day}-{n}.wav")
                )
            calls.append(_call(f"{staff}-{day}-short", ids[staff], offered, talk=12, recording="short.wav"))
            calls.append(_call(f"{staff}-{day}-unrecorded", ids[staff], offered, talk=300, recording=None))
            calls.append(_call(f"{staff}-{day}-abandoned", ids[staff], offered, talk=0, recording=None, answered=False))
        calls.append(_call(f"{staff}-august", ids[staff], datetime(2026, 8, 31, 12, tzinfo=timezone.utc), 200, "a.wav"))
    await Call.insert(*calls)
    for email in ("qa1@test.org", "qa2@test.org"):
        await User.insert(User(email=email, name=email, role=Role.qa.value, password_hash="x"))
    return ids


def _call(external_id, agent, offered, talk, recording, answered=True):
    return Call(
        external_id=external_id,
        agent=agent,
        offered_at=offered,
        answered_at=offered + timedelta(seconds=20) if answered else None,
        wait_seconds=20,
        talk_seconds=talk,
        disposition="answered" if answered else "abandoned",
        recording_path=recording,
    )


async def test_six_per_agent_only_eligible_calls_and_few_calls_flagged(clean_db):
    await seed_month()
    result = await run_sample(MONTH, seed=11)
    by_agent = Counter(agent for agent, _ in result.picks)
    assert by_agent == {"101": 6, "102": 6, "103": 3}  # 104 had left
    assert result.flagged == ["103"] and result.created == 15
    chosen = [call for _agent, call in result.picks]
    assert all(not c.endswith(("short", "unrecorded", "abandoned", "august")) for c in chosen)
    rows = await Assignment.select(Assignment.agent.staff_number.as_alias("staff"), Assignment.week, Assignment.marker)
    for staff in ("101", "102"):
        assert len({r["week"] for r in rows if r["staff"] == staff}) == 5  # September 2026 has 5 weeks of weekdays
    load = Counter(r["marker"] for r in rows)
    assert sorted(load.values()) == [7, 8]  # 15 picks over two markers


async def test_a_rerun_gives_the_same_sample_and_later_calls_do_not_reshuffle(clean_db):
    ids = await seed_month()
    first = await run_sample(MONTH, seed=5)
    again = await run_sample(MONTH)
    assert again.picks == first.picks and again.created == 0 and again.seed == 5
    # Calls imported later: agent 103 gets more recorded calls; nobody's picks move, 103 is topped up.
    later = [
        _call(f"103-late-{d}", ids["103"], datetime(2026, 9, d, 15, tzinfo=timezone.utc), 200, f"late{d}.wav")
        for d in (14, 21, 22, 28, 29)
    ]
    await Call.insert(*later)
    topped = await run_sample(MONTH)
    assert set(first.picks) <= set(topped.picks)
    assert Counter(a for a, _ in topped.picks)["103"] == 6 and topped.created == 3 and topped.flagged == []
    with pytest.raises(SampleError, match="drawn with seed 5"):
        await run_sample(MONTH, seed=6)


async def test_the_same_seed_gives_the_same_sample_on_another_database(clean_db):
    await seed_month()
    first = await run_sample(MONTH, seed=99)
    await Assignment.delete(force=True)
    from scorecards.tables import Sample

    await Sample.delete(force=True)
    assert (await run_sample(MONTH, seed=99)).picks == first.picks


async def test_a_replaced_pick_keeps_its_reason(clean_db):
    await seed_month()
    await run_sample(MONTH, seed=2)
    old = await Assignment.select().where(Assignment.agent.staff_number == "101").first()
    with pytest.raises(SampleError, match="say why"):
        await replace_pick(old["id"], "  ", None)
    new_id = await replace_pick(old["id"], "Recording is silent after 10 seconds", None)
    replaced = await Assignment.select().where(Assignment.id == old["id"]).first()
    assert replaced["status"] == PickStatus.replaced and replaced["replaced_by"] == new_id
    assert replaced["replace_reason"] == "Recording is silent after 10 seconds"
    new = await Assignment.select().where(Assignment.id == new_id).first()
    assert new["agent"] == old["agent"] and new["call"] != old["call"] and new["marker"] == old["marker"]
    with pytest.raises(SampleError, match="still in the sample"):
        await replace_pick(old["id"], "again", None)
    # The re-run keeps the replacement and does not bring the replaced call back.
    picks = (await run_sample(MONTH)).picks
    assert Counter(a for a, _ in picks)["101"] == 6
    rows = await sample_store.month_assignments(MONTH)
    assert sum(r["status"] == "replaced" for r in rows) == 1


async def test_agent_with_no_other_call_cannot_have_a_pick_replaced(clean_db):
    await seed_month()
    await run_sample(MONTH, seed=2)
    pick_103 = await Assignment.select().where(Assignment.agent.staff_number == "103").first()
    with pytest.raises(SampleError, match="no other recorded call"):
        await replace_pick(pick_103["id"], "unusable", None)


async def test_qa_sample_json(clean_db, database):
    await seed_month()
    done = run_qa("sample", "--month", "2026-09", "--seed", "4", "--json", database=database)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["month"] == "2026-09" and document["flagged"] == ["103"]
    assert Counter(p["agent"] for p in document["picks"]) == {"101": 6, "102": 6, "103": 3}
    assert all(set(p) == {"agent", "call"} for p in document["picks"])
    assert "15 calls for 3 agents" in done.stderr
    bad = run_qa("sample", "--month", "2026-13", database=database)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("qa: a month looks like 2026-09")
    other_seed = run_qa("sample", "--month", "2026-09", "--seed", "5", database=database)
    assert other_seed.returncode == 2 and "drawn with seed 4" in other_seed.stderr
    assert len(other_seed.stderr.strip().splitlines()) == 1
