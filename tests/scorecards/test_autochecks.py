"""Automatic checks on every answered call, and the trust layer that measures them against the
QA markers (issue 15), on SQLite and PostgreSQL.

`qa autoscore` runs on the demo centre; the trust layer on a hand-made history of 30 marked
calls, with Krippendorff's alpha worked by hand (two coders, no missing values):
alpha = 1 - (n - 1) d / (n_pass n_fail), n answers in all, d calls where they differ.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from kit.timeutil import month_range
from qa_app.auth import load_user
from qa_app.settings import get_settings
from qa_app.tables import Call
from scorecards import autochecks, evaluations, trust, trust_store, versions
from scorecards.tables import Assignment, AutoCheck, Evaluation, EvaluationAnswer, Sample
from tests.qa_command import run_qa
from tests.web import HTML, login
from transcription.tables import Transcription

OCTOBER = date(2026, 10, 1)


async def stored_checks(month: str) -> list[tuple]:
    rows = (
        await AutoCheck.select(
            AutoCheck.id, AutoCheck.call, AutoCheck.criterion, AutoCheck.value, AutoCheck.basis, AutoCheck.scored_at
        )
        .where(AutoCheck.month == month)
        .order_by(AutoCheck.id)
    )
    return [tuple(r.values()) for r in rows]


async def test_autoscore_checks_every_answered_call_of_the_demo_month_once(demo_centre, database):
    start, end = month_range(OCTOBER, get_settings().timezone)
    october = (Call.offered_at >= start) & (Call.offered_at < end) & (Call.disposition != "abandoned")
    answered = await Call.count().where(october)
    transcribed = await Transcription.count().where(
        (Transcription.status == "done") & Transcription.call.is_in(Call.select(Call.id).where(october))
    )
    assert answered > 5000 and transcribed > 50

    first = run_qa("autoscore", "--month", "2026-10", "--json", database=database, timeout=300)
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["month"] == "2026-10"
    assert result["calls"] == result["scored"] == answered and result["coverage"] == 1.0
    assert f"{answered} of {answered} answered calls" in first.stderr and "coverage 100.0%" in first.stderr
    criteria = result["criteria"]
    assert set(criteria) == {"time_to_answer", "call_length", "greeting", "closing"}
    for code, counts in criteria.items():
        assert counts["pass"] + counts["fail"] + counts["na"] == answered, code
    # Call data decides every call; the transcript criteria decide exactly the transcribed ones.
    assert criteria["time_to_answer"]["na"] == 0
    assert criteria["greeting"]["pass"] + criteria["greeting"]["fail"] == transcribed
    waited = await Call.count().where(october & (Call.wait_seconds <= 60))
    assert criteria["time_to_answer"]["pass"] == waited
    before = await stored_checks("2026-10")
    assert len(before) == 4 * answered

    again = run_qa("autoscore", "--month", "2026-10", "--json", database=database, timeout=300)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["computed"] == 0 and json.loads(again.stdout)["criteria"] == criteria
    assert await stored_checks("2026-10") == before  # not a row rewritten

    # A month shared between two processes (a large month's way) gives the same answers, each
    # call's once: this process scores the first half, a child process the second.
    shared = await autochecks.score_month(OCTOBER, force=True, processes=2)
    assert (shared.calls, shared.computed, shared.scored) == (answered, answered, answered)
    assert shared.as_json()["criteria"] == criteria
    answers = sorted((call, criterion, value) for _id, call, criterion, value, _basis, _at in before)
    assert sorted((r[1], r[2], r[3]) for r in await stored_checks("2026-10")) == answers
    assert autochecks.processes_for(150_000, cores=2) == 2 and autochecks.processes_for(5_000, cores=2) == 1


async def test_a_changed_call_or_a_new_transcript_is_checked_again(centre):
    agent = centre["agents"]["1"]
    call_id = centre["calls"][agent][0]
    first = await autochecks.score_calls(centre["calls"][agent])
    assert first == len(centre["calls"][agent])
    assert await autochecks.score_calls([call_id]) == 0  # nothing changed
    checks = await autochecks.for_call(call_id)
    assert checks["greeting"]["value"] is None  # no transcript yet: undecided
    assert "No transcript yet" in checks["greeting"]["evidence"]["summary"]

    words = [("good", 0.2, 0.9), ("morning", 0.5, 0.95), ("my", 1.0, 0.3), ("name", 1.2, 0.9), ("is", 1.4, 0.9)]
    transcript = {
        "duration": 100.0,
        "turns": [
            {
                "speaker": "agent",
                "start": 0.2,
                "end": 1.6,
                "words": [{"word": w, "start": s, "end": s + 0.2, "conf": c} for w, s, c in words],
            }
        ],
    }
    await Transcription.insert(
        Transcription(
            call=call_id, status="done", transcript=transcript, finished_at=datetime.now(timezone.utc), duration=100.0
        )
    )
    assert await autochecks.score_calls([call_id]) == 1
    # "my" was heard with a confidence of 0.3, under the default 0.5: it is not evidence.
    assert (await autochecks.for_call(call_id))["greeting"]["value"] == 0
    transcript["turns"][0]["words"][2]["conf"] = 0.8
    await Transcription.update(
        {Transcription.transcript: transcript, Transcription.finished_at: datetime.now(timezone.utc)}
    ).where(Transcription.call == call_id)
    assert await autochecks.score_calls([call_id]) == 1
    greeting = (await autochecks.for_call(call_id))["greeting"]
    assert greeting["value"] == 1 and greeting["evidence"]["phrase"] == "my name is"
    assert greeting["evidence"]["at"] == pytest.approx(1.0)


# --- the trust layer -------------------------------------------------------------------------


def pairs_with(agreeing: int, human_pass: list[bool], flips: dict[int, bool]) -> list[trust.Pair]:
    moment = datetime(2026, 10, 31, tzinfo=timezone.utc)
    return [
        trust.Pair(call=i, evaluation=i, marked_at=moment - timedelta(hours=i), human=h, machine=flips.get(i, h))
        for i, h in enumerate(human_pass)
    ]


# 30 marked calls: the marker says pass on 20 (calls 0-19) and fail on 10 (calls 20-29).
HUMAN = [True] * 20 + [False] * 10
# Greeting: the machine differs on 2 calls (one each way). Answers: n = 60, pass 20 + 20 = 40,
# fail 20, d = 2: alpha = 1 - 59 * 2 / (40 * 20) = 1 - 118 / 800 = 0.8525.
GREETING_FLIPS = {0: False, 20: True}
# Closing: the machine differs on 15 calls: 10 of the marker's passes (0-9) and 5 of the fails
# (20-24). Machine: pass 10 + 5 = 15, fail 15. Answers: pass 20 + 15 = 35, fail 10 + 15 = 25,
# d = 15: alpha = 1 - 59 * 15 / (35 * 25) = 1 - 885 / 875 = -0.011428...
CLOSING_FLIPS = {**{i: False for i in range(10)}, **{i: True for i in range(20, 25)}}


def test_alpha_matches_the_hand_worked_figures():
    greeting = trust.judge("greeting", pairs_with(28, HUMAN, GREETING_FLIPS), alpha_min=0.667, window=30, min_calls=10)
    assert greeting.alpha == pytest.approx(1 - 118 / 800) and greeting.agreed == 28 and greeting.n == 30
    assert greeting.standing is trust.Standing.trusted and greeting.counts
    closing = trust.judge("closing", pairs_with(15, HUMAN, CLOSING_FLIPS), alpha_min=0.667, window=30, min_calls=10)
    assert closing.alpha == pytest.approx(1 - 885 / 875) and closing.agreed == 15
    assert closing.standing is trust.Standing.not_trusted and not closing.counts
    assert len(closing.disagreements) == 15
    # Fewer than the minimum: not judged yet, and not counted either.
    few = trust.judge("greeting", pairs_with(5, HUMAN[:5], {}), alpha_min=0.667, window=30, min_calls=10)
    assert few.standing is trust.Standing.unjudged and not few.counts
    # Only the last 30 decided calls count: 30 newer agreeing calls bring a criterion back.
    recovered = pairs_with(30, HUMAN, {}) + pairs_with(15, HUMAN, CLOSING_FLIPS)
    assert (
        trust.judge("closing", recovered, alpha_min=0.667, window=30, min_calls=10).standing is trust.Standing.trusted
    )


@pytest.fixture
async def marked_history(centre):
    """30 released evaluations in October on agent 1's and 2's calls, each with the marker's
    answers on greeting and closing and the machine's stored results, as worked above."""
    template = await versions.default()
    calls = [c for agent in ("1", "2") for c in centre["calls"][centre["agents"][agent]]][:31]
    agent_of = {c: int(agent) for agent, ids in centre["calls"].items() for c in ids}
    released = datetime(2026, 10, 31, 12, tzinfo=timezone.utc)
    for i, call in enumerate(calls[:30]):
        evaluation = (
            await Evaluation.insert(
                Evaluation(
                    call=call,
                    agent=agent_of[call],
                    template=template["id"],
                    marker=centre["users"]["qa"],
                    status="released",
                    month="2026-10",
                    score=0.9,
                    released_at=released - timedelta(hours=i),
                )
            ).returning(Evaluation.id)
        )[0]["id"]
        for code, flips in (("greeting", GREETING_FLIPS), ("closing", CLOSING_FLIPS)):
            human = HUMAN[i]
            machine = flips.get(i, human)
            await EvaluationAnswer.insert(
                EvaluationAnswer(evaluation=evaluation, criterion=code, value=float(human), passed=human)
            )
            await AutoCheck.insert(
                AutoCheck(
                    call=call,
                    agent=agent_of[call],
                    month="2026-10",
                    template=template["id"],
                    criterion=code,
                    value=float(machine),
                    evidence={"summary": "by hand"},
                )
            )
    return {**centre, "spare_call": calls[30]}


async def test_a_criterion_the_markers_disagree_with_is_demoted_and_counts_in_no_figure(marked_history):
    standings = await trust_store.standings()
    assert standings["greeting"].standing is trust.Standing.trusted
    assert standings["greeting"].alpha == pytest.approx(1 - 118 / 800)
    assert standings["closing"].standing is trust.Standing.not_trusted
    assert standings["closing"].alpha == pytest.approx(1 - 885 / 875)
    # Call-data criteria have no marked calls here: not judged yet.
    assert standings["time_to_answer"].standing is trust.Standing.unjudged
    assert await trust_store.trusted_criteria() == {"greeting"}

    # The month's figures: greeting's machine figure counts, closing's does not.
    month = {c.code: c for c in await autochecks.month_criteria(OCTOBER, None)}
    assert month["greeting"].counts and not month["closing"].counts
    assert month["greeting"].machine.n == 30 and month["greeting"].machine.value == pytest.approx(20 / 30)
    assert month["greeting"].marked.n == 30 and month["greeting"].marked.value == pytest.approx(20 / 30)
    assert month["closing"].machine.value == pytest.approx(15 / 30)

    # A new evaluation: the trusted check is filled in; the demoted one is a suggestion only.
    spare = marked_history["spare_call"]
    agent = next(int(a) for a, ids in marked_history["calls"].items() if spare in ids)
    sample = (await Sample.insert(Sample(month="2026-10", seed=1)).returning(Sample.id))[0]["id"]
    pick = (
        await Assignment.insert(
            Assignment(sample=sample, agent=agent, call=spare, marker=marked_history["users"]["qa"])
        ).returning(Assignment.id)
    )[0]["id"]
    words = "my name is sam anything else".split()
    transcript = {
        "duration": 20.0,
        "turns": [
            {
                "speaker": "agent",
                "start": 1.0,
                "end": 4.0,
                "words": [
                    {"word": w, "start": 1.0 + 0.5 * i, "end": 1.4 + 0.5 * i, "conf": 1.0} for i, w in enumerate(words)
                ],
            }
        ],
    }
    await Transcription.insert(Transcription(call=spare, status="done", transcript=transcript, duration=20.0))
    qa = await load_user(marked_history["users"]["qa"])
    opened = await evaluations.load(await evaluations.start_for_assignment(pick, qa))
    assert opened["answers"]["greeting"]["automatic"] and opened["answers"]["greeting"]["value"] == 1
    closing = opened["answers"]["closing"]
    assert not closing["automatic"] and closing["value"] is None
    assert closing["evidence"]["suggestion"] and closing["evidence"]["machine"] == 1


async def test_the_trust_page_lists_each_standing_and_links_the_differences(marked_history, client):
    await login(client, "qa@test.org")
    page = await client.get("/scorecards/trust", headers=HTML)
    assert page.status_code == 200
    text = page.text
    greeting_row = text[text.index('id="trust-greeting"') : text.index("</tr>", text.index('id="trust-greeting"'))]
    closing_row = text[text.index('id="trust-closing"') : text.index("</tr>", text.index('id="trust-closing"'))]
    assert "Trusted" in greeting_row and "agree on 28 of 30 calls" in greeting_row and "0.85" in greeting_row
    assert "Not trusted" in closing_row and "agree on 15 of 30 calls" in closing_row and "-0.01" in closing_row
    differences = text[text.index('id="differ-closing"') :]
    assert differences.count('href="/evaluations/') >= 15
    client.cookies.clear()
    await login(client, "agent@test.org")
    assert (await client.get("/scorecards/trust", headers=HTML)).status_code == 403


async def test_the_agents_month_shows_every_call_beside_the_marked_calls_in_plain_words(marked_history, client):
    agent = marked_history["agents"]["1"]
    machine = await AutoCheck.count().where((AutoCheck.agent == agent) & (AutoCheck.criterion == "greeting"))
    passed = await AutoCheck.count().where(
        (AutoCheck.agent == agent) & (AutoCheck.criterion == "greeting") & (AutoCheck.value == 1)
    )
    await login(client, "agent@test.org")
    page = await client.get(f"/scorecards/agents/{agent}?month=2026-10", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert "Checks on every call" in text and "Listened to by QA" in text
    greeting = text[text.index('id="check-greeting"') : text.index("</tr>", text.index('id="check-greeting"'))]
    assert f"{round(100 * passed / machine)}%" in greeting and f"n = {machine}" in greeting
    closing = text[text.index('id="check-closing"') : text.index("</tr>", text.index('id="check-closing"'))]
    assert "not counted" in closing and "disagree with QA" in closing
