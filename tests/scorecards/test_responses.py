"""The agent's and the team leader's side of an evaluation, in plain words: criteria by their
titles, history as "No → Yes", how the score is made; after acknowledging or disputing, a
redirect (303) to a message saying what happens next; errors beside the field they are about;
the dispute resolution form has no answer chosen in advance."""

from __future__ import annotations

import re
from datetime import timedelta

from qa_app.auth import load_user
from scorecards import config, evaluations
from scorecards.evaluations import Marked
from scorecards.tables import Dispute, Evaluation
from tests.scorecards import test_evaluations
from tests.web import HTML, csrf_from, login

marked_centre = test_evaluations.marked_centre  # the fixture: that module's template, pick and transcript

ANSWERS = {"greeting": Marked(1), "courtesy": Marked(4), "resolved": Marked(1), "privacy": Marked(0)}


async def _released(ids) -> int:
    qa = await load_user(ids["users"]["qa"])
    evaluation_id = await evaluations.start_for_assignment(ids["pick"], qa)
    await evaluations.save(evaluation_id, qa, ANSWERS, "Clear and friendly call", submit=True)
    return evaluation_id


async def _as(client, email: str, url: str) -> str:
    await login(client, email)
    return csrf_from((await client.get(url, headers=HTML)).text)


async def test_the_agent_reads_how_the_score_is_made_and_why_it_is_zero(client, marked_centre):
    evaluation_id = await _released(marked_centre)
    await login(client, "agent@test.org")
    page = (await client.get(f"/evaluations/{evaluation_id}", headers=HTML)).text
    assert "How the score is made:" in page
    assert "a compliance-critical error sets the whole evaluation to 0%" in page
    assert "This call has a critical error: Data-protection check." in page
    assert "<strong data-score>0%</strong>" in page
    assert "Keys outside text fields" not in page  # the marker's keyboard help
    # The failed criteria of an error group by their titles, not their codes.
    assert "<td>Data-protection check" in page and "<td>privacy" not in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith("Evaluation of the call of ") and "·" in title


async def test_acknowledging_redirects_to_a_message_and_a_reload_sends_nothing(client, marked_centre):
    evaluation_id = await _released(marked_centre)
    url = f"/evaluations/{evaluation_id}"
    token = await _as(client, "agent@test.org", url)
    response = await client.post(f"{url}/acknowledge", data={"_csrf_token": token}, headers=HTML)
    assert response.status_code == 303 and response.headers["location"] == f"{url}?done=acknowledged"
    page = (await client.get(response.headers["location"], headers=HTML)).text
    assert 'id="response-message" tabindex="-1" autofocus>Thank you: you acknowledged this evaluation.' in page
    again = await client.post(f"{url}/acknowledge", data={"_csrf_token": token}, headers=HTML)
    assert again.status_code == 400
    assert 'id="respond-error" tabindex="-1" autofocus>You have responded to this evaluation already.' in again.text


async def test_a_dispute_says_who_answers_by_when_and_errors_stay_at_the_field(client, marked_centre):
    evaluation_id = await _released(marked_centre)
    url = f"/evaluations/{evaluation_id}"
    token = await _as(client, "agent@test.org", url)
    empty = await client.post(f"{url}/dispute", data={"_csrf_token": token, "comment": "kept"}, headers=HTML)
    assert empty.status_code == 400
    # The error is inside the dispute form, which stays open with what was typed.
    form = empty.text[empty.text.index(f'action="{url}/dispute"') :]
    assert 'id="dispute-error"' in form[: form.index("</form>")]
    assert "Say which criterion you disagree with and why." in form
    assert "<details open>" in empty.text and ">kept</textarea>" in empty.text
    disputed = await client.post(
        f"{url}/dispute", data={"_csrf_token": token, "reason_privacy": "I did check the address."}, headers=HTML
    )
    assert disputed.status_code == 303 and disputed.headers["location"] == f"{url}?done=disputed"
    raised = (await Dispute.select(Dispute.raised_at).first())["raised_at"]
    by = raised.date() + timedelta(days=(await config.load())["respond_days"])  # QA_TIMEZONE is UTC here
    page = (await client.get(disputed.headers["location"], headers=HTML)).text
    assert f"Your dispute goes to your team leader, who answers by {by:%A %d %B %Y}." in page


async def test_the_resolution_form_has_no_answer_chosen_and_keeps_what_was_typed(client, marked_centre):
    evaluation_id = await _released(marked_centre)
    agent = await load_user(marked_centre["users"]["agent"])
    await evaluations.dispute(evaluation_id, agent, {"privacy": "I did check the address."}, "")
    url = f"/evaluations/{evaluation_id}"
    await login(client, "team_leader@test.org")
    page = (await client.get(url, headers=HTML)).text
    resolve_form = page[page.index('id="resolve-form"') :]
    assert " checked" not in resolve_form[: resolve_form.index("</form>")]
    token = csrf_from(page)
    refused = await client.post(f"{url}/resolve", data={"_csrf_token": token, "note": "Listened again."}, headers=HTML)
    assert refused.status_code == 400
    assert 'id="decision-error" tabindex="-1" autofocus>Choose whether the evaluation stands' in refused.text
    assert ">Listened again.</textarea>" in refused.text
    assert (await Evaluation.select(Evaluation.status).where(Evaluation.id == evaluation_id).first())[
        "status"
    ] == "disputed"
    amended = await client.post(
        f"{url}/resolve",
        data={"_csrf_token": token, "decision": "amend", "amend_value_privacy": "1", "note": "Listened again."},
        headers=HTML,
    )
    assert amended.status_code == 303
    history = (await client.get(url, headers=HTML)).text
    assert "Data-protection check: No → Yes" in history and "0% → 100%" in history
