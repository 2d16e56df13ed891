"""An evaluation's life on a real database (SQLite and PostgreSQL), through the web app: a QA
marker opens an assigned call, the automatic criteria are filled in with their evidence, the
marks are saved and submitted, the agent sees the released evaluation and disputes it, a team
leader amends it, and the history shows each step. Another agent, or a leader of another team,
gets 404.

The template used here is published by the test, so the expected scores are worked by hand:
  greeting (transcript, weight 1), courtesy (scale 0-4, weight 2, passes from 3),
  resolved (yes/no, weight 2, customer-critical, zeroes its group),
  privacy (yes/no, weight 1, compliance-critical, zeroes the evaluation, N/A allowed).
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

import pytest

from qa_app.auth import load_user
from scorecards import evaluations, versions
from scorecards.definition import parse_definition
from scorecards.evaluations import EvaluationError, Marked
from scorecards.tables import Assignment, Dispute, Evaluation, EvaluationEvent, Sample
from tests.web import HTML, csrf_from, login
from transcription.tables import Transcription

DEFINITION = {
    "critical_effect": {"customer": "group", "compliance": "evaluation"},
    "sections": [
        {
            "code": "service",
            "title": "Service",
            "criteria": [
                {
                    "code": "greeting",
                    "title": "Greeting and name",
                    "guidance": "Says the council's name and their own in the first 10 seconds.",
                    "weight": 1,
                    "kind": "transcript",
                    "na_allowed": False,
                    "error_group": "none",
                    "rule": {"phrases": ["my name is"], "present": True, "within": "first", "seconds": 10},
                },
                {
                    "code": "courtesy",
                    "title": "Courtesy",
                    "guidance": "Warm, patient, plain words.",
                    "weight": 2,
                    "kind": "scale",
                    "scale_max": 4,
                    "pass_from": 3,
                    "na_allowed": False,
                    "error_group": "none",
                },
            ],
        },
        {
            "code": "outcome",
            "title": "Outcome",
            "criteria": [
                {
                    "code": "resolved",
                    "title": "Issue resolved or case number given",
                    "guidance": "",
                    "weight": 2,
                    "kind": "yes_no",
                    "na_allowed": False,
                    "error_group": "customer",
                },
                {
                    "code": "privacy",
                    "title": "Data-protection check",
                    "guidance": "",
                    "weight": 1,
                    "kind": "yes_no",
                    "na_allowed": True,
                    "error_group": "compliance",
                },
            ],
        },
    ],
}

TRANSCRIPT = {
    "text": "good morning my name is anna how can i help my bin was not emptied",
    "duration": 20.0,
    "turns": [
        {
            "speaker": "agent",
            "start": 0.4,
            "end": 3.0,
            "text": "good morning my name is anna how can i help",
            "words": [
                {"word": w, "start": 0.4 + 0.3 * i, "end": 0.6 + 0.3 * i, "conf": 1.0}
                for i, w in enumerate("good morning my name is anna how can i help".split())
            ],
        },
        {
            "speaker": "caller",
            "start": 4.0,
            "end": 6.0,
            "text": "my bin was not emptied",
            "words": [
                {"word": w, "start": 4.0 + 0.4 * i, "end": 4.3 + 0.4 * i, "conf": 1.0}
                for i, w in enumerate("my bin was not emptied".split())
            ],
        },
    ],
}


@pytest.fixture
async def marked_centre(centre):
    """The test's template, a sample with one pick for agent 1 (assigned to the QA user), and a
    transcript of that call."""
    await versions.publish("test", "Test scorecard", DEFINITION, note="for the test")
    agent_1 = centre["agents"]["1"]
    call_id = centre["calls"][agent_1][0]
    sample = (await Sample.insert(Sample(month="2026-11", seed=1)).returning(Sample.id))[0]["id"]
    pick = (
        await Assignment.insert(
            Assignment(sample=sample, agent=agent_1, call=call_id, week=0, marker=centre["users"]["qa"])
        ).returning(Assignment.id)
    )[0]["id"]
    await Transcription.insert(
        Transcription(call=call_id, status="done", text=TRANSCRIPT["text"], transcript=TRANSCRIPT, duration=20.0)
    )
    return {**centre, "pick": pick, "call": call_id}


async def _user(ids, role):
    return await load_user(ids["users"][role])


async def test_automatic_criteria_are_filled_in_with_their_evidence(marked_centre):
    qa = await _user(marked_centre, "qa")
    evaluation_id = await evaluations.start_for_assignment(marked_centre["pick"], qa)
    # Opening it again gives the same evaluation, not a second one.
    assert await evaluations.start_for_assignment(marked_centre["pick"], qa) == evaluation_id
    evaluation = await evaluations.load(evaluation_id)
    greeting = evaluation["answers"]["greeting"]
    assert greeting["automatic"] and greeting["value"] == 1
    assert greeting["evidence"]["phrase"] == "my name is"
    assert greeting["evidence"]["at"] == pytest.approx(0.4 + 0.3 * 2)  # "my" is the third word
    assert evaluation["answers"]["courtesy"]["value"] is None and not evaluation["answers"]["courtesy"]["automatic"]
    assert evaluation["status"] == "draft" and evaluation["score"] is None


async def test_two_markers_opening_one_pick_at_once_share_one_draft(marked_centre):
    """Both get the same evaluation; neither gets an error (on PostgreSQL both inserted a draft
    and one failed on the unique pick before the pick's row was locked)."""
    qa = await _user(marked_centre, "qa")
    first, second = await asyncio.gather(
        evaluations.start_for_assignment(marked_centre["pick"], qa),
        evaluations.start_for_assignment(marked_centre["pick"], qa),
    )
    assert first == second
    assert await Evaluation.count().where(Evaluation.assignment == marked_centre["pick"]) == 1


async def test_score_is_computed_on_the_server_from_the_answers(marked_centre):
    qa = await _user(marked_centre, "qa")
    evaluation_id = await evaluations.start_for_assignment(marked_centre["pick"], qa)
    # A draft with only courtesy: no final score, and submitting is refused with what is open.
    await evaluations.save(evaluation_id, qa, {"courtesy": Marked(3)}, "", submit=False)
    draft = await evaluations.load(evaluation_id)
    assert draft["score"] is None and draft["status"] == "draft"
    with pytest.raises(EvaluationError, match="Issue resolved or case number given"):
        await evaluations.save(evaluation_id, qa, {}, "", submit=True)
    # greeting 1 of 1, courtesy 3/4 of 2 = 1.5, resolved 2 of 2, privacy N/A: 4.5 / 5 = 0.9
    await evaluations.save(
        evaluation_id,
        qa,
        {"resolved": Marked(1, comment="Case number given"), "privacy": Marked(None, True)},
        "Well handled.",
        submit=True,
    )
    released = await evaluations.load(evaluation_id)
    assert released["status"] == "released"
    assert released["score"] == pytest.approx(0.9)
    assert released["answers"]["courtesy"]["passed"] is True and released["answers"]["privacy"]["passed"] is None
    assert released["respond_by"] == date.today() + timedelta(days=7)
    # Once submitted, the marks cannot be changed on the marking page.
    with pytest.raises(EvaluationError):
        await evaluations.save(evaluation_id, qa, {"courtesy": Marked(4)}, "", submit=False)


async def test_critical_failures_zero_their_group_or_the_evaluation(marked_centre):
    qa = await _user(marked_centre, "qa")
    evaluation_id = await evaluations.start_for_assignment(marked_centre["pick"], qa)
    # resolved = No (customer-critical, its group zeroed): 1 + 2 (courtesy 4/4) + 0 + 1 = 4 of 6
    await evaluations.save(
        evaluation_id, qa, {"courtesy": Marked(4), "resolved": Marked(0), "privacy": Marked(1)}, "", submit=False
    )
    row = (
        await Evaluation.select(Evaluation.score, Evaluation.critical_failed, Evaluation.groups)
        .where(Evaluation.id == evaluation_id)
        .output(load_json=True)
        .first()
    )
    assert row["score"] == pytest.approx(4 / 6) and row["critical_failed"]
    assert row["groups"]["groups"]["customer"]["zeroed"] is True
    # privacy = No (compliance-critical, zeroes the evaluation): 0
    await evaluations.save(evaluation_id, qa, {"resolved": Marked(1), "privacy": Marked(0)}, "", submit=False)
    row = await Evaluation.select(Evaluation.score).where(Evaluation.id == evaluation_id).first()
    assert row["score"] == 0


async def test_marking_page_to_dispute_to_amendment_over_http(client, marked_centre):
    ids = marked_centre
    assert (await login(client, "qa@test.org")).status_code == 302
    queue_token = csrf_from((await client.get("/calls", headers=HTML)).text)
    opened = await client.post(
        f"/qa/assignments/{ids['pick']}/mark", data={"_csrf_token": queue_token}, headers=HTML, follow_redirects=False
    )
    assert opened.status_code == 302
    page_url = opened.headers["location"]
    evaluation_id = int(page_url.rsplit("/", 1)[1])
    page = await client.get(page_url, headers=HTML)
    assert page.status_code == 200
    assert "Automatic:" in page.text and 'data-seek="1.0"' in page.text  # evidence, playable
    assert 'id="recording"' not in page.text or "/recording" in page.text
    token = csrf_from(page.text)
    form = {
        "_csrf_token": token,
        "value_greeting": "1",
        "value_courtesy": "2",
        "comment_courtesy": "A little abrupt at the start.",
        "value_resolved": "1",
        "value_privacy": "na",
        "comment": "Good call overall.",
        "action": "submit",
    }
    submitted = await client.post(page_url, data=form, headers=HTML, follow_redirects=False)
    assert submitted.status_code == 302, submitted.text[:500]
    # greeting 1 + courtesy 2/4*2 = 1 + resolved 2, of 5: 0.8
    assert (await Evaluation.select(Evaluation.score).where(Evaluation.id == evaluation_id).first())[
        "score"
    ] == pytest.approx(0.8)
    await client.post("/logout", data={"_csrf_token": token}, headers=HTML)

    # Another agent, and the leader of another team, get 404; the agent sees it.
    for email in ("agent_b@test.org", "other_leader@test.org"):
        await login(client, email)
        assert (await client.get(page_url, headers=HTML)).status_code == 404
        token = csrf_from((await client.get("/calls", headers=HTML)).text)
        await client.post("/logout", data={"_csrf_token": token}, headers=HTML)
    await login(client, "agent@test.org")
    mine = await client.get(page_url, headers=HTML)
    assert mine.status_code == 200 and "A little abrupt at the start." in mine.text and "80%" in mine.text
    token = csrf_from(mine.text)
    empty = await client.post(f"{page_url}/dispute", data={"_csrf_token": token}, headers=HTML)
    assert empty.status_code == 400 and "which criterion" in empty.text
    disputed = await client.post(
        f"{page_url}/dispute",
        data={"_csrf_token": token, "reason_courtesy": "I was polite; the caller interrupted me."},
        headers=HTML,
        follow_redirects=False,
    )
    assert disputed.status_code == 303  # see other: a reload does not send it again
    await client.post("/logout", data={"_csrf_token": token}, headers=HTML)

    # The team leader amends courtesy to 3: 1 + 1.5 + 2 = 4.5 of 5.
    await login(client, "team_leader@test.org")
    page = await client.get(page_url, headers=HTML)
    assert "I was polite; the caller interrupted me." in page.text and "Resolve the dispute" in page.text
    token = csrf_from(page.text)
    resolved = await client.post(
        f"{page_url}/resolve",
        data={"_csrf_token": token, "decision": "amend", "amend_value_courtesy": "3", "note": "Listened again: fair."},
        headers=HTML,
        follow_redirects=False,
    )
    assert resolved.status_code == 303
    final = await Evaluation.select(Evaluation.score, Evaluation.status).where(Evaluation.id == evaluation_id).first()
    assert final["status"] == "resolved" and final["score"] == pytest.approx(0.9)
    dispute = await Dispute.select().where(Dispute.evaluation == evaluation_id).first()
    assert dispute["status"] == "amended" and dispute["resolution"] == "Listened again: fair."
    events = (
        await EvaluationEvent.select(EvaluationEvent.action, EvaluationEvent.detail)
        .where(EvaluationEvent.evaluation == evaluation_id)
        .order_by(EvaluationEvent.id)
        .output(load_json=True)
    )
    assert [e["action"] for e in events] == ["opened", "submitted", "disputed", "amended"]
    assert (
        events[-1]["detail"]["before"]["courtesy"]["value"] == 2
        and events[-1]["detail"]["after"]["courtesy"]["value"] == 3
    )
    history = (await client.get(page_url, headers=HTML)).text
    assert re.search(r"Courtesy: 2 → 3", history) and "80% → 90%" in history


async def test_dispute_window_and_who_may_respond(marked_centre):
    qa = await _user(marked_centre, "qa")
    agent = await _user(marked_centre, "agent")
    other = await _user(marked_centre, "agent_b")
    evaluation_id = await evaluations.start_for_assignment(marked_centre["pick"], qa)
    answers = {"courtesy": Marked(4), "resolved": Marked(1), "privacy": Marked(1)}
    with pytest.raises(EvaluationError):
        await evaluations.acknowledge(evaluation_id, agent)  # not released yet
    await evaluations.save(evaluation_id, qa, answers, "", submit=True)
    with pytest.raises(EvaluationError):
        await evaluations.dispute(evaluation_id, other, {"courtesy": "not mine"}, "")
    await Evaluation.update({Evaluation.respond_by: date.today() - timedelta(days=1)}).where(
        Evaluation.id == evaluation_id
    )
    with pytest.raises(EvaluationError, match="ended on"):
        await evaluations.dispute(evaluation_id, agent, {"courtesy": "late"}, "")
    await evaluations.acknowledge(evaluation_id, agent)
    assert (await evaluations.load(evaluation_id))["status"] == "acknowledged"
    with pytest.raises(EvaluationError, match="already"):
        await evaluations.acknowledge(evaluation_id, agent)


async def test_an_edited_template_is_a_new_version_and_old_evaluations_keep_theirs(marked_centre):
    qa = await _user(marked_centre, "qa")
    evaluation_id = await evaluations.start_for_assignment(marked_centre["pick"], qa)
    old_template = (await evaluations.load(evaluation_id))["template"]
    edited = {**DEFINITION, "sections": [DEFINITION["sections"][0]]}
    new_id = await versions.publish("test", "Test scorecard", edited, note="outcome section removed")
    assert new_id != old_template and (await versions.default())["id"] == new_id
    assert (await versions.get(new_id))["version"] == 2
    kept = await evaluations.load(evaluation_id)
    assert kept["template"] == old_template and [c.code for c in kept["definition"].criteria()] == [
        "greeting",
        "courtesy",
        "resolved",
        "privacy",
    ]
    assert versions.definition_of(await versions.get(old_template)) == parse_definition(DEFINITION)
