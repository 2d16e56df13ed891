"""The marking loop over HTTP (issue 17): submit and next (the next open pick of the marker's
queue opens with a confirmation, or the queue when none is left), the queue's filters, count
and pages, and the background draft save that answers the status line and the server's score."""

from __future__ import annotations

import re

from scorecards import versions
from scorecards.tables import Assignment, Evaluation, Sample
from tests.web import HTML, csrf_from, login

MONTH = "2026-11"


async def _picks(centre, n_per_agent: int = 2, marker: str = "qa") -> list[int]:
    """Picks of the month for the three agents, assigned to `marker`, in the queue's order
    (by agent, then week, then pick)."""
    sample = (await Sample.insert(Sample(month=MONTH, seed=1)).returning(Sample.id))[0]["id"]
    ids = []
    for staff in ("1", "2", "3"):
        agent = centre["agents"][staff]
        for week, call in enumerate(centre["calls"][agent][:n_per_agent]):
            row = Assignment(sample=sample, agent=agent, call=call, week=week, marker=centre["users"][marker])
            ids.append((await Assignment.insert(row).returning(Assignment.id))[0]["id"])
    return ids


def _all_yes(page: str) -> dict[str, str]:
    """Every criterion of the marking form answered with its highest value."""
    form = {"_csrf_token": csrf_from(page), "action": "submit"}
    for name in set(re.findall(r'name="(value_\w+)"', page)):
        values = re.findall(rf'name="{name}" value="(\w+)"', page)
        form[name] = max((v for v in values if v != "na"), key=int)
    return form


async def test_submit_opens_the_next_pick_then_the_queue(client, centre):
    picks = await _picks(centre, n_per_agent=1)
    await login(client, "qa@test.org")
    token = csrf_from((await client.get("/qa/queue?month=" + MONTH, headers=HTML)).text)
    opened = await client.post(
        f"/qa/assignments/{picks[1]}/mark", data={"_csrf_token": token}, headers=HTML, follow_redirects=False
    )
    url = opened.headers["location"]
    seen = []
    for _ in range(3):
        page = (await client.get(url, headers=HTML)).text
        evaluation_id = int(re.search(r"/evaluations/(\d+)", url).group(1))
        seen.append(
            (await Evaluation.select(Evaluation.assignment).where(Evaluation.id == evaluation_id).first())["assignment"]
        )
        submitted = await client.post(url.split("?")[0], data=_all_yes(page), headers=HTML, follow_redirects=False)
        assert submitted.status_code == 302, submitted.text[:400]
        url = submitted.headers["location"]
        assert url.endswith(f"submitted={evaluation_id}")
        landed = (await client.get(url, headers=HTML)).text
        agent = {picks[0]: "Agent 1", picks[1]: "Agent 2", picks[2]: "Agent 3"}[seen[-1]]
        assert re.search(rf"Submitted: {agent}, call of \d{{4}}-\d\d-\d\d \d\d:\d\d\.", landed)
    # From the second pick: the third (after it in the queue's order), then the first, then the queue.
    assert seen == [picks[1], picks[2], picks[0]]
    assert url.startswith(f"/qa/queue?month={MONTH}&")
    assert "Nothing is left to mark for you this month." in landed
    assert "<strong data-to-mark>0 still to mark</strong>" in landed


async def test_the_queue_filters_counts_and_pages(client, centre, monkeypatch):
    from scorecards import routes

    picks = await _picks(centre, n_per_agent=2)
    await login(client, "qa@test.org")
    page = (await client.get(f"/qa/queue?month={MONTH}", headers=HTML)).text
    assert "<strong data-to-mark>6 still to mark</strong>" in page and "Picks 1–6 of 6" in page
    assert 'id="mark-next"' in page and "Mark the next call: Agent 1" in page
    south = centre["teams"]["south"]
    page = (await client.get(f"/qa/queue?month={MONTH}&team={south}", headers=HTML)).text
    assert "Picks 1–2 of 2 matching the filters (6 in all)" in page
    assert page.count("data-pick=") == 2 and "Agent 3" in page
    agent_2 = centre["agents"]["2"]
    page = (await client.get(f"/qa/queue?month={MONTH}&agent={agent_2}&week=2", headers=HTML)).text
    assert re.findall(r'data-pick="(\d+)"', page) == [str(picks[3])]
    page = (await client.get(f"/qa/queue?month={MONTH}&status=done", headers=HTML)).text
    assert "No pick matches the filters." in page
    # One screen: a page of picks at a time, what is still to mark first.
    await Evaluation.insert(
        Evaluation(
            call=centre["calls"][centre["agents"]["1"]][0],
            agent=centre["agents"]["1"],
            assignment=picks[0],
            template=(await versions.default())["id"],
            month=MONTH,
            status="released",
            score=1.0,
        )
    )
    monkeypatch.setattr(routes, "QUEUE_PAGE", 4)
    page = (await client.get(f"/qa/queue?month={MONTH}", headers=HTML)).text
    assert "Picks 1–4 of 6" in page and "Page 1 of 2" in page and 'rel="next"' in page
    assert str(picks[0]) not in re.findall(r'data-pick="(\d+)"', page)  # marked: last
    page = (await client.get(f"/qa/queue?month={MONTH}&page=2", headers=HTML)).text
    assert re.findall(r'data-pick="(\d+)" data-status="(\w+)"', page)[-1] == (str(picks[0]), "done")


async def test_a_background_draft_save_answers_the_status_and_the_score(client, centre):
    picks = await _picks(centre, n_per_agent=1)
    await login(client, "qa@test.org")
    token = csrf_from((await client.get("/qa/queue?month=" + MONTH, headers=HTML)).text)
    opened = await client.post(
        f"/qa/assignments/{picks[0]}/mark", data={"_csrf_token": token}, headers=HTML, follow_redirects=False
    )
    url = opened.headers["location"]
    form = _all_yes((await client.get(url, headers=HTML)).text)
    del form["action"]
    saved = await client.post(f"{url}/draft", data=form, headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "Draft saved at" in saved.text
    assert 'id="score-now" hx-swap-oob="true"' in saved.text and "100%" in saved.text
    evaluation = await Evaluation.select().where(Evaluation.assignment == picks[0]).first()
    assert evaluation["status"] == "draft" and evaluation["score"] == 1.0
    # Without the CSRF token nothing is saved.
    assert (await client.post(f"{url}/draft", data={"value_resolved": "0"})).status_code == 403


async def test_a_markers_home_says_what_is_left_to_mark_this_month(client, centre):
    from kit.timeutil import current_month
    from qa_app import formatting
    from qa_app.settings import get_settings

    first = current_month(get_settings().timezone)
    sample = (await Sample.insert(Sample(month=first.strftime("%Y-%m"), seed=1)).returning(Sample.id))[0]["id"]
    agent = centre["agents"]["1"]
    for week, call in enumerate(centre["calls"][agent][:3]):
        row = Assignment(sample=sample, agent=agent, call=call, week=week, marker=centre["users"]["qa"])
        await Assignment.insert(row)
    await login(client, "qa@test.org")
    home = (await client.get("/", headers=HTML)).text
    month = formatting.month(first)
    assert f'<a href="/qa/queue?month={first:%Y-%m}">3 calls left to mark in {month}</a>' in home
    assert "draft to finish" not in home
    pick = (await Assignment.select(Assignment.id).order_by(Assignment.id).first())["id"]
    token = csrf_from(home)
    opened = await client.post(f"/qa/assignments/{pick}/mark", data={"_csrf_token": token}, headers=HTML)
    assert opened.status_code in (200, 302)
    home = (await client.get("/", headers=HTML)).text
    assert "3 calls left to mark" in home  # a draft is still to mark
    assert f'<a href="/qa/queue?month={first:%Y-%m}&amp;status=draft">1 draft to finish</a>' in home
