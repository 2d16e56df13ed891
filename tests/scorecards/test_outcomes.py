"""Which criteria matter (issue 15): the difference in outcome rate between the calls that
passed a criterion and those that failed it, worked by hand, then gathered from a real database
(QA marks that count and those that do not, automatic results of trusted criteria, survey
answers and cases) and shown on its page to QA leads and managers only.

The hand-worked example, used throughout: 20 passed calls of which 16 residents were satisfied,
10 failed calls of which 4 were.

    passed: p1 = 16/20 = 0.8     failed: p2 = 4/10 = 0.4     difference d = p1 - p2 = 0.4

Wilson's 95% interval, z = 1.95996 (z^2 = 3.84146):
    centre = (p + z^2/2n) / (1 + z^2/n),  half = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2)
    16/20: z^2/n = 0.19207; centre = 0.89604 / 1.19207 = 0.75167;
           half = 1.64417 * sqrt(0.00800 + 0.00240) = 0.16768  ->  l1 = 0.58398, u1 = 0.91934
    4/10:  z^2/n = 0.38415; centre = 0.59207 / 1.38415 = 0.42775;
           half = 1.41601 * sqrt(0.02400 + 0.00960) = 0.25957  ->  l2 = 0.16818, u2 = 0.68733

Newcombe's hybrid score interval for d:
    low  = d - sqrt((p1 - l1)^2 + (u2 - p2)^2) = 0.4 - sqrt(0.21602^2 + 0.28733^2)
         = 0.4 - sqrt(0.046664 + 0.082558) = 0.4 - 0.35947 = 0.0405
    high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2) = 0.4 + sqrt(0.11934^2 + 0.23182^2)
         = 0.4 + sqrt(0.014242 + 0.053740) = 0.4 + 0.26073 = 0.6607

The interval (0.0405, 0.6607) excludes 0: related, and passed calls do better (more satisfied).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cases import register
from kit.stats import proportion_interval
from kit.timeutil import month_range, previous_month
from qa_app.settings import get_settings
from qa_app.tables import Call, Service
from scorecards import outcome_store, outcomes, versions
from scorecards.outcomes import NOTHING, RELATED, TOO_FEW, compare
from scorecards.tables import (
    Assignment,
    AutoCheck,
    CalibrationSession,
    Evaluation,
    EvaluationAnswer,
    PickKind,
    Sample,
)
from surveys.tables import SurveyResponse
from tests.web import HTML, login

HAND_LOW, HAND_HIGH = 0.0405, 0.6607


def _pairs(passed_yes: int, passed_no: int, failed_yes: int, failed_no: int) -> list[tuple[bool, bool]]:
    return (
        [(True, True)] * passed_yes
        + [(True, False)] * passed_no
        + [(False, True)] * failed_yes
        + [(False, False)] * failed_no
    )


# --- the rules ----------------------------------------------------------------------------------


def test_hand_worked_difference_and_newcombe_interval():
    wilson_16_20 = proportion_interval(16, 20)
    wilson_4_10 = proportion_interval(4, 10)
    assert (wilson_16_20.low, wilson_16_20.high) == pytest.approx((0.58398, 0.91934), abs=5e-5)
    assert (wilson_4_10.low, wilson_4_10.high) == pytest.approx((0.16818, 0.68733), abs=5e-5)

    result = compare(_pairs(16, 4, 4, 6) + [(True, None), (False, None)])  # unknown outcomes left out
    assert (result.passed.value, result.passed.n) == (0.8, 20)
    assert (result.failed.value, result.failed.n) == (0.4, 10)
    assert result.difference.value == pytest.approx(0.4)
    assert result.difference.n == 30
    assert (result.difference.low, result.difference.high) == pytest.approx((HAND_LOW, HAND_HIGH), abs=5e-5)
    assert result.verdict == RELATED and result.better is True and result.enough


def test_related_the_wrong_way_when_lower_is_better():
    """Repeat contacts: passed calls 16 of 20 rang again, failed 4 of 10; lower is better, so
    passing goes with the worse outcome."""
    result = compare(_pairs(16, 4, 4, 6), higher_is_better=False)
    assert result.verdict == RELATED and result.better is False


def test_too_few_below_min_n_on_either_side_whatever_the_difference():
    """20 of 20 against 0 of 4: the interval is far from 0, but 4 failed calls are below 5."""
    result = compare(_pairs(20, 0, 0, 4), min_n=5)
    assert result.difference.low > 0
    assert result.verdict == TOO_FEW and not result.enough and result.better is None
    assert compare(_pairs(20, 0, 0, 5), min_n=5).verdict == RELATED


def test_too_few_when_the_interval_includes_zero_but_is_wide():
    """3 of 6 against 3 of 6: d = 0, Wilson 3/6 = (0.1876, 0.8124), so the interval is
    ±sqrt(2 * 0.3124^2) = ±0.4418: far wider than ±10 points."""
    result = compare(_pairs(3, 3, 3, 3))
    assert result.difference.low == pytest.approx(-0.4418, abs=1e-4)
    assert result.verdict == TOO_FEW


def test_predicts_nothing_when_the_interval_is_narrow_around_zero():
    """300 of 400 against 150 of 200 (both 75%): the interval is about −7 to +8 points, within
    ±10: a candidate to drop. 30 of 40 against 15 of 20 is the same rate but too wide."""
    result = compare(_pairs(300, 100, 150, 50))
    assert result.difference.value == pytest.approx(0.0)
    assert result.difference.low < 0 < result.difference.high
    assert (result.difference.high - result.difference.low) / 2 <= outcomes.MAX_HALF_WIDTH
    assert result.verdict == NOTHING and result.candidate
    assert compare(_pairs(30, 10, 15, 5)).verdict == TOO_FEW


def test_candidates_to_drop_are_related_to_no_outcome():
    nothing = compare(_pairs(300, 100, 150, 50))
    related = compare(_pairs(16, 4, 4, 6))
    too_few = compare(_pairs(1, 1, 1, 1))
    results = {
        "csat": {"courtesy": nothing, "greeting": nothing, "closing": too_few},
        "repeat": {"courtesy": too_few, "greeting": related, "closing": too_few},
        "reopened": {"courtesy": nothing},
    }
    assert outcomes.candidates_to_drop(results) == [("courtesy", ["csat", "reopened"])]


def test_outcome_rules_of_one_call():
    assert [outcomes.satisfied(s) for s in (None, 1, 3, 4, 5)] == [None, False, False, True, True]
    opened = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    later = opened + timedelta(days=30)
    assert outcomes.repeated_within(opened, [opened + timedelta(days=7)], later) is True  # 7 days is within
    assert outcomes.repeated_within(opened, [opened + timedelta(days=7, seconds=1)], later) is False
    assert outcomes.repeated_within(opened, [], opened + timedelta(days=6)) is None  # too soon to tell
    assert outcomes.repeated_within(opened, [opened + timedelta(days=1)], opened + timedelta(days=2)) is True
    assert outcomes.reopened(["open", "in_progress"]) is None  # never closed: cannot be reopened yet
    assert outcomes.reopened(["resolved"]) is False
    assert outcomes.reopened(["open", "closed", "in_progress", "closed"]) is True
    assert outcomes.any_of([None, False]) is False and outcomes.any_of([False, True]) is True
    assert outcomes.any_of([None]) is None


# --- the store on a real database -----------------------------------------------------------------


async def _hand_worked_centre(centre) -> dict:
    """Calls of the last full month with QA marks of "courtesy" as in the hand-worked example,
    and everything that must not count. Cases, worked by hand:

    call  courtesy  case                                         repeat in 7 days  reopened
    0     passed    resolved, repeated after 3 days, reopened    yes               yes
    1     passed    resolved, repeated after 10 days             no                no
    2     passed    open, never closed                           no                (unknown)
    20    failed    resolved, repeated after 2 days              yes               no
    21    failed    closed, then back in progress                no                yes

    repeat: passed 1 of 3, failed 1 of 2; reopened: passed 1 of 2, failed 1 of 2.
    """
    zone = get_settings().timezone
    months = outcome_store.default_months()
    last = months[-1]
    key = last.strftime("%Y-%m")
    start = month_range(last, zone)[0]
    agent = centre["agents"]["1"]
    calls = [
        Call(
            external_id=f"outcome-{i}",
            queue="general",
            agent=agent,
            offered_at=start + timedelta(hours=i),
            answered_at=start + timedelta(hours=i, seconds=10),
            wait_seconds=10,
            talk_seconds=100,
            disposition="answered",
            caller_hash=f"caller-{i}",
        )
        for i in range(40)
    ]
    ids = sorted(r["id"] for r in await Call.insert(*calls).returning(Call.id))
    before = month_range(previous_month(months[0]), zone)[0]  # a month before the period
    outside = (
        await Call.insert(
            Call(external_id="outcome-old", queue="general", agent=agent, offered_at=before, disposition="answered")
        ).returning(Call.id)
    )[0]["id"]
    template = (await versions.default())["id"]
    sample = (await Sample.insert(Sample(month=key, seed=1)).returning(Sample.id))[0]["id"]
    old_sample = (
        await Sample.insert(Sample(month=previous_month(months[0]).strftime("%Y-%m"), seed=1)).returning(Sample.id)
    )[0]["id"]

    async def mark(call, passed, *, status="released", kind=PickKind.random, calibration=False, na=False, month=key):
        assignment = None
        if not calibration:
            assignment = (
                await Assignment.insert(
                    Assignment(sample=sample if month == key else old_sample, agent=agent, call=call, kind=kind)
                ).returning(Assignment.id)
            )[0]["id"]
        session = None
        if calibration:
            session = (
                await CalibrationSession.insert(
                    CalibrationSession(title="Calibration", call=call, template=template)
                ).returning(CalibrationSession.id)
            )[0]["id"]
        evaluation = (
            await Evaluation.insert(
                Evaluation(
                    call=call,
                    agent=agent,
                    template=template,
                    assignment=assignment,
                    calibration=session,
                    status=status,
                    month=month,
                )
            ).returning(Evaluation.id)
        )[0]["id"]
        await EvaluationAnswer.insert(
            EvaluationAnswer(
                evaluation=evaluation,
                criterion="courtesy",
                value=None if na else float(passed),
                na=na,
                passed=None if na else passed,
            )
        )

    async def answer(call, satisfaction, when=None):
        await SurveyResponse.insert(
            SurveyResponse(call=call, agent=agent, source="ivr", satisfaction=satisfaction, created_at=when or start)
        )

    # Passed: calls 0-19, 16 satisfied (5s and 4s: 4 is satisfied), then 3, 2, 1, 3.
    for index, satisfaction in enumerate([5, 4] * 8 + [3, 2, 1, 3]):
        await mark(ids[index], True)
        await answer(ids[index], satisfaction, start + timedelta(days=2))
    await answer(ids[0], 1, start + timedelta(days=1))  # an earlier answer about call 0: the latest (5) counts
    # Failed: calls 20-29, 4 satisfied.
    for index, satisfaction in enumerate([4, 5, 4, 5, 1, 2, 3, 1, 2, 3], start=20):
        await mark(ids[index], False)
        await answer(ids[index], satisfaction)
    # Passed marks that do not count, each on a call whose resident was not satisfied.
    await mark(ids[30], True, status="draft")
    await mark(ids[31], True, calibration=True)
    await mark(ids[32], True, kind=PickKind.targeted)
    await mark(ids[33], True, na=True)
    await mark(outside, True, month=previous_month(months[0]).strftime("%Y-%m"))
    for call in (ids[30], ids[31], ids[32], ids[33], outside):
        await answer(call, 1)
    await answer(ids[34], 1)  # a survey answer on a call nobody marked

    # Automatic results: time_to_answer (trusted) passed on calls 14-19 (satisfied: 14, 15),
    # failed on 20-25 (satisfied: 20-23); undecided on call 0; greeting is not trusted.
    auto = [
        AutoCheck(call=ids[i], agent=agent, month=key, template=template, criterion="time_to_answer", value=value)
        for i, value in [*((i, 1.0) for i in range(14, 20)), *((i, 0.0) for i in range(20, 26)), (0, None)]
    ]
    auto += [
        AutoCheck(call=ids[i], agent=agent, month=key, template=template, criterion="greeting", value=1.0)
        for i in range(30)
    ]
    auto.append(AutoCheck(call=ids[39], agent=agent, month=key, template=template, criterion="time_to_answer"))
    await AutoCheck.insert(*auto)

    # Cases, logged from calls through the case register (its repeat rule links the repeats).
    service = (await Service.insert(Service(name="Waste collection", target_days=10)).returning(Service.id))[0]["id"]

    async def case(index, *, resolved, repeat_after=None):
        opened = start + timedelta(hours=index)
        row = await register.create_case(
            channel="phone",
            description="Bin not emptied",
            service_id=service,
            call_id=ids[index],
            resolved_now=resolved,
            now=opened,
        )
        if repeat_after is not None:
            repeat = await register.create_case(
                channel="email",
                description="Bin still not emptied",
                service_id=service,
                caller_hash=f"caller-{index}",
                now=opened + timedelta(days=repeat_after),
            )
            assert repeat["repeat_of"] == row["id"]
        return row["id"]

    await register.set_status(await case(0, resolved=True, repeat_after=3), "open", "rang again", None)
    await case(1, resolved=True, repeat_after=10)
    await case(2, resolved=False)
    await case(20, resolved=True, repeat_after=2)
    reopened = await case(21, resolved=False)
    await register.set_status(reopened, "closed", "", None)
    await register.set_status(reopened, "in_progress", "the resident says it is not done", None)
    return {"months": months, "calls": ids}


def _counts(pairs):
    result = compare(pairs)
    return (sum(o for p, o in pairs if p), result.passed.n, sum(o for p, o in pairs if not p), result.failed.n)


async def test_store_gathers_the_hand_worked_example(centre):
    data = await _hand_worked_centre(centre)
    gathered = await outcome_store.gather(data["months"], trusted={"time_to_answer"})

    human = gathered.pairs[outcome_store.HUMAN]
    assert set(human["csat"]) == {"courtesy"}
    csat = compare(human["csat"]["courtesy"])
    assert (csat.passed.value, csat.passed.n, csat.failed.value, csat.failed.n) == (0.8, 20, 0.4, 10)
    assert csat.difference.value == pytest.approx(0.4)
    assert (csat.difference.low, csat.difference.high) == pytest.approx((HAND_LOW, HAND_HIGH), abs=5e-5)
    assert csat.verdict == RELATED and csat.better is True

    assert _counts(human["repeat"]["courtesy"]) == (1, 3, 1, 2)
    assert _counts(human["reopened"]["courtesy"]) == (1, 2, 1, 2)

    automatic = gathered.pairs[outcome_store.AUTOMATIC]
    assert set(automatic["csat"]) == {"time_to_answer"}  # greeting is not trusted
    assert _counts(automatic["csat"]["time_to_answer"]) == (2, 6, 4, 6)
    assert _counts(automatic["repeat"]["time_to_answer"]) == (0, 0, 1, 2)  # calls 20 and 21 have cases
    assert gathered.titles["courtesy"] == "Courtesy"

    assert await outcome_store.automatic_criteria(data["months"]) == {"time_to_answer", "greeting"}
    nothing_trusted = await outcome_store.gather(data["months"], trusted=set())
    assert nothing_trusted.pairs[outcome_store.AUTOMATIC]["csat"] == {}


# --- the page -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("qa", 200), ("manager", 200), ("team_leader", 403), ("agent", 403)],
)
async def test_who_reads_the_page(client, centre, role, status):
    await login(client, f"{role}@test.org")
    response = await client.get("/scorecards/outcomes", headers=HTML)
    assert response.status_code == status


async def test_page_shows_the_hand_worked_figures(client, centre):
    await _hand_worked_centre(centre)
    await login(client, "manager@test.org")
    response = await client.get("/scorecards/outcomes", headers=HTML)
    assert response.status_code == 200
    page = response.text
    csat_table = page.split("Resident satisfied")[1].split("</table>")[0]
    row = csat_table.split("Courtesy")[1].split("</tr>")[0]
    assert '80% <small class="hint">n=20</small>' in row
    assert '40% <small class="hint">n=10</small>' in row
    assert "+40" in row and "+4 to +66" in row
    assert RELATED in row and "passed calls do better" in row
    repeat_row = page.split("Repeat contact within 7 days")[1].split("</table>")[0].split("Courtesy")[1]
    assert TOO_FEW in repeat_row.split("</tr>")[0]
    assert "Candidates to drop" in page
    assert (await client.get("/scorecards/outcomes?to=2026-13", headers=HTML)).status_code == 404
