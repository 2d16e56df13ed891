"""Issue 17: an automatic answer the marker changes leaves a trace, and a released evaluation
can be corrected while the agent's response window is open (SQLite and PostgreSQL).

On the test template of `test_evaluations` greeting is automatic and passes on the test call
(the machine says Yes); the other criteria are marked by hand.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from qa_app.tables import Notification
from scorecards import evaluations, trust_store
from scorecards.evaluations import EvaluationError, Marked, MissingReasons
from scorecards.tables import AutoCheck, Evaluation, EvaluationEvent
from tests.scorecards.test_evaluations import _user, marked_centre  # noqa: F401 - the shared fixture
from tests.web import HTML, csrf_from, login

REST = {"courtesy": Marked(2), "resolved": Marked(1), "privacy": Marked(None, True)}


async def _opened(ids) -> tuple[int, object]:
    qa = await _user(ids, "qa")
    return await evaluations.start_for_assignment(ids["pick"], qa), qa


async def test_changing_an_automatic_answer_needs_a_reason_and_is_kept_with_it(marked_centre):  # noqa: F811
    evaluation_id, qa = await _opened(marked_centre)
    # A draft may change it without a reason yet: it is marked as changed, the machine's kept.
    await evaluations.save(evaluation_id, qa, {"greeting": Marked(0)}, "", submit=False)
    greeting = (await evaluations.load(evaluation_id))["answers"]["greeting"]
    assert greeting["value"] == 0 and greeting["evidence"]["overridden"] and greeting["evidence"]["machine"] == 1
    assert greeting["override_reason"] == ""
    # Changed back, it is the machine's answer again.
    await evaluations.save(evaluation_id, qa, {"greeting": Marked(1, reason="no")}, "", submit=False)
    greeting = (await evaluations.load(evaluation_id))["answers"]["greeting"]
    assert not greeting["evidence"]["overridden"] and greeting["override_reason"] == ""
    # Submitting a changed automatic answer without a reason is refused, naming the criterion.
    with pytest.raises(MissingReasons, match="Greeting and name") as refused:
        await evaluations.save(evaluation_id, qa, {**REST, "greeting": Marked(0, reason="  ")}, "", submit=True)
    assert refused.value.codes == ["greeting"]
    assert (await evaluations.load(evaluation_id))["status"] == "draft"
    # With a reason (one line), it is released with the machine's answer and the reason.
    await evaluations.save(
        evaluation_id, qa, {**REST, "greeting": Marked(0, reason="Name said\nafter 15 seconds")}, "", submit=True
    )
    released = await evaluations.load(evaluation_id)
    greeting = released["answers"]["greeting"]
    assert released["status"] == "released" and greeting["passed"] is False
    assert greeting["evidence"]["machine"] == 1 and greeting["evidence"]["overridden"]
    assert greeting["override_reason"] == "Name said after 15 seconds"
    # An unchanged automatic answer needs no reason: courtesy etc. are not automatic at all.
    assert not released["answers"]["courtesy"]["evidence"]


async def test_a_reason_given_in_a_draft_is_enough_at_submit(marked_centre):  # noqa: F811
    evaluation_id, qa = await _opened(marked_centre)
    await evaluations.save(evaluation_id, qa, {"greeting": Marked(0, reason="Too late")}, "", submit=False)
    await evaluations.save(evaluation_id, qa, REST, "", submit=True)  # greeting as stored, with its reason
    assert (await evaluations.load(evaluation_id))["answers"]["greeting"]["override_reason"] == "Too late"


async def test_the_trust_figures_count_the_override(marked_centre):  # noqa: F811
    evaluation_id, qa = await _opened(marked_centre)
    await evaluations.save(evaluation_id, qa, {**REST, "greeting": Marked(0, reason="Too late")}, "", submit=True)
    # Without a stored automatic result, the answer the evaluation was opened with is the machine's.
    [pair] = (await trust_store.pairs(["greeting"], 10))["greeting"]
    assert pair.evaluation == evaluation_id and pair.human is False and pair.machine is True
    # With one (the figures' own), that one; the human's final answer either way.
    evaluation = await evaluations.load(evaluation_id)
    await AutoCheck.insert(
        AutoCheck(
            call=marked_centre["call"],
            agent=evaluation["agent"],
            month=evaluation["month"],
            template=evaluation["template"],
            criterion="greeting",
            value=1.0,
        )
    )
    [pair] = (await trust_store.pairs(["greeting"], 10))["greeting"]
    assert pair.human is False and pair.machine is True
    # A correction back to the machine's answer counts as agreement from then on.
    await evaluations.correct(evaluation_id, qa, {"greeting": Marked(1)}, "", "Listened again: the name was given")
    [pair] = (await trust_store.pairs(["greeting"], 10))["greeting"]
    assert pair.human is True and pair.machine is True
    greeting = (await evaluations.load(evaluation_id))["answers"]["greeting"]
    assert not greeting["evidence"]["overridden"] and greeting["override_reason"] == ""


async def test_a_released_evaluation_is_corrected_with_a_reason_and_the_agent_told(marked_centre):  # noqa: F811
    evaluation_id, qa = await _opened(marked_centre)
    await evaluations.save(evaluation_id, qa, REST, "First look.", submit=True)  # 1 + 1 + 2 of 5
    before = await evaluations.load(evaluation_id)
    assert before["score"] == pytest.approx(0.8)
    agent_user = marked_centre["users"]["agent"]
    await Notification.delete().where(Notification.user == agent_user)
    # Who may: the QA team; not a team leader, manager or the agent.
    for role in ("team_leader", "manager", "agent"):
        other = await _user(marked_centre, role)
        assert not evaluations.can_correct(other, before)
        with pytest.raises(EvaluationError):
            await evaluations.correct(evaluation_id, other, {"courtesy": Marked(3)}, "", "why not")
    # A reason is needed, and a change.
    with pytest.raises(EvaluationError, match="say why"):
        await evaluations.correct(evaluation_id, qa, {"courtesy": Marked(3)}, "First look.", "  ")
    with pytest.raises(EvaluationError, match="nothing was changed"):
        await evaluations.correct(evaluation_id, qa, {"courtesy": Marked(2)}, "First look.", "No reason")
    # Changing the automatic answer in a correction needs its own reason too.
    with pytest.raises(MissingReasons):
        await evaluations.correct(evaluation_id, qa, {"greeting": Marked(0)}, "First look.", "Listened again")
    admin = await _user(marked_centre, "admin")  # a QA lead, not the marker
    result = await evaluations.correct(
        evaluation_id, admin, {"courtesy": Marked(3, comment="Patient throughout")}, "Second look.", "Misheard the tone"
    )
    assert result.score == pytest.approx(0.9)
    after = await evaluations.load(evaluation_id)
    assert after["status"] == "released" and after["score"] == pytest.approx(0.9) and after["comment"] == "Second look."
    assert after["answers"]["courtesy"]["comment"] == "Patient throughout"
    assert after["respond_by"] >= date.today() + timedelta(days=7)  # a full window for the new marks
    event = after["events"][-1]
    assert event["action"] == "corrected" and event["note"] == "Misheard the tone" and event["user"] == admin.id
    assert event["detail"]["before"] == {"courtesy": {"value": 2, "na": False}}
    assert event["detail"]["after"] == {"courtesy": {"value": 3, "na": False}}
    assert event["detail"]["score_before"] == pytest.approx(0.8) and event["detail"]["score_after"] == pytest.approx(
        0.9
    )
    [told] = await Notification.select().where(Notification.user == agent_user)
    assert told["kind"] == "evaluation_released" and told["link"] == f"/evaluations/{evaluation_id}"
    assert told["text"].startswith("The evaluation of your call of ") and told["text"].endswith("was corrected: 90%")


async def test_no_correction_once_the_agent_answered_or_the_window_closed(marked_centre):  # noqa: F811
    evaluation_id, qa = await _opened(marked_centre)
    await evaluations.save(evaluation_id, qa, REST, "", submit=True)
    # The window closed yesterday.
    await Evaluation.update({Evaluation.respond_by: date.today() - timedelta(days=1)}).where(
        Evaluation.id == evaluation_id
    )
    with pytest.raises(EvaluationError, match="can no longer be corrected"):
        await evaluations.correct(evaluation_id, qa, {"courtesy": Marked(3)}, "", "Late thought")
    await Evaluation.update({Evaluation.respond_by: date.today()}).where(Evaluation.id == evaluation_id)
    assert evaluations.can_correct(qa, await evaluations.load(evaluation_id))  # the last day counts
    agent = await _user(marked_centre, "agent")
    await evaluations.dispute(evaluation_id, agent, {"courtesy": "I was polite"}, "")
    with pytest.raises(EvaluationError, match="can no longer be corrected"):
        await evaluations.correct(evaluation_id, qa, {"courtesy": Marked(3)}, "", "Disputed: the resolution decides")
    actions = [e["action"] for e in await EvaluationEvent.select(EvaluationEvent.action).order_by(EvaluationEvent.id)]
    assert "corrected" not in actions


async def test_override_and_correction_over_http(client, marked_centre):  # noqa: F811
    ids = marked_centre
    await login(client, "qa@test.org")
    evaluation_id, _qa = await _opened(ids)
    url = f"/evaluations/{evaluation_id}"
    page = await client.get(url, headers=HTML)
    # The reason box is there for the automatic criterion, hidden while its answer is the machine's.
    assert 'data-machine="1"' in page.text and 'id="override-greeting"' in page.text
    assert '<div class="override-reason" hidden>' in page.text
    form = {
        "_csrf_token": csrf_from(page.text),
        "value_greeting": "0",
        "override_greeting": "",
        "value_courtesy": "2",
        "comment_courtesy": "A little abrupt.",
        "value_resolved": "1",
        "value_privacy": "na",
        "comment": "Good call overall.",
        "action": "submit",
    }
    refused = await client.post(url, data=form, headers=HTML)
    assert refused.status_code == 400
    text = refused.text
    assert 'id="override_greeting-error"' in text and "Say in one line why you changed the automatic result." in text
    assert '<div class="override-reason">' in text  # shown: the answer differs from the machine's
    assert "A little abrupt." in text and "Good call overall." in text  # what was typed is kept
    assert 'value="0" data-key="2" checked' in text
    form["override_greeting"] = "The name came after 15 seconds"
    submitted = await client.post(url, data=form, headers=HTML, follow_redirects=False)
    assert submitted.status_code == 302, submitted.text[:300]

    # The marker's view: the trace, and the offer to correct.
    page = await client.get(url, headers=HTML)
    assert "changed from the automatic result" in page.text and "The name came after 15 seconds" in page.text
    assert f'href="/evaluations/{evaluation_id}/correct"' in page.text
    correcting = await client.get(f"{url}/correct", headers=HTML)
    assert correcting.status_code == 200 and f'action="/evaluations/{evaluation_id}/correct"' in correcting.text
    assert "hx-post" not in correcting.text.split('id="marking-form"')[1].split(">")[0]  # no background drafts
    fix = {**form, "_csrf_token": csrf_from(correcting.text), "value_courtesy": "3", "correction_reason": ""}
    fix.pop("action")
    refused = await client.post(f"{url}/correct", data=fix, headers=HTML)
    assert refused.status_code == 400 and 'id="correction-error"' in refused.text
    assert 'value="3" data-key="3" checked' in refused.text  # the correction typed so far is kept
    fix["correction_reason"] = "Listened again: the tone was fine"
    done = await client.post(f"{url}/correct", data=fix, headers=HTML, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{url}?corrected=1"
    page = await client.get(done.headers["location"], headers=HTML)
    assert "The evaluation is corrected and the agent has been told." in page.text
    client.cookies.clear()

    # The agent: the trace, the history with the reason, and a notification.
    await login(client, "agent@test.org")
    mine = (await client.get(url, headers=HTML)).text
    assert "changed from the automatic result" in mine and "The automatic check said: Yes." in mine
    history = mine[mine.index('class="history"') :]
    assert "corrected" in history and "Listened again: the tone was fine" in history
    assert "Courtesy: 2 → 3" in history and "60% → 70%" in history
    assert "/correct" not in mine  # the agent cannot correct
    assert (await client.get(f"{url}/correct", headers=HTML)).status_code == 403
    notices = await Notification.select(Notification.text).where(Notification.user == ids["users"]["agent"])
    assert any(n["text"].endswith("was corrected: 70%") for n in notices)
