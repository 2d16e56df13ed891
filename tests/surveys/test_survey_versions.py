"""Survey versions on a real database (SQLite and PostgreSQL): a mistake in an edited survey is
named with its place; publishing makes the next version, new links use it, links already sent
keep theirs; only QA staff and administrators publish."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import pytest

from surveys import invitations
from surveys.questions import DEFAULT_SURVEY, definition_problems
from tests.web import HTML, csrf_from, login


def test_survey_mistakes_are_named_with_their_place():
    assert definition_problems(DEFAULT_SURVEY) == []
    broken = copy.deepcopy(DEFAULT_SURVEY)
    broken["questions"][1]["code"] = "solved"
    del broken["questions"][2]["text"]["nl"]
    broken["questions"][3]["labels"]["sv"] = ["Inte alls", "Mycket"]
    broken["questions"].append({"code": "comment", "kind": "text", "text": {"en": "x", "sv": "x", "nl": "x"}})
    broken["questions"].append({"code": "x", "kind": "stars"})
    assert definition_problems(broken) == [
        "question 2: a resolved question has the code 'resolved'",
        "question 3: the text in nl is missing",
        "question 4: 11 labels in sv (empty ones allowed)",
        "question 7: only one text question",
        "question 8: kind must be one of satisfaction, resolved, effort, recommend, text, voice",
    ]
    no_csat = {"questions": DEFAULT_SURVEY["questions"][1:]}
    assert definition_problems(no_csat) == ["the survey needs its satisfaction question (CSAT is read from it)"]
    assert definition_problems([]) == ['the survey is {"questions": [...]}']


async def _link(call: str):
    now = datetime.now(timezone.utc)
    return (await invitations.create_invitations(now - timedelta(days=3), now, only_calls={call}))[0]


async def test_publishing_a_new_version_leaves_sent_links_alone(client, centre):
    old_link = await _link("x0")
    await login(client, "qa@test.org")
    page = await client.get("/surveys/questions", headers=HTML)
    assert page.status_code == 200 and "version 1" in page.text
    edited = copy.deepcopy(DEFAULT_SURVEY)
    edited["questions"][0]["text"]["en"] = "All in all, how was your call?"
    bad = await client.post(
        "/surveys/questions",
        data={"definition": "{not json", "name": "After your call", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert bad.status_code == 400 and "not valid JSON" in bad.text
    published = await client.post(
        "/surveys/questions",
        data={"definition": json.dumps(edited), "name": "After your call", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert published.status_code == 302
    page = await client.get(published.headers["location"], headers=HTML)
    assert "version 2" in page.text and "All in all, how was your call?" in page.text
    new_link = await _link("x1")
    assert "All in all, how was your call?" in (await client.get(f"/s/{new_link.token}?lang=en")).text
    old = (await client.get(f"/s/{old_link.token}?lang=en")).text
    assert "How satisfied are you with how your call was handled?" in old and "All in all" not in old


@pytest.mark.parametrize(
    "role, read, publish",
    [("admin", 200, 302), ("manager", 200, 403), ("qa", 200, 302), ("team_leader", 403, 403), ("agent", 403, 403)],
)
async def test_who_reads_and_publishes_survey_versions(client, centre, role, read, publish):
    await login(client, f"{role}@test.org")
    assert (await client.get("/surveys/questions", headers=HTML)).status_code == read
    token = csrf_from((await client.get("/", headers=HTML)).text)
    posted = await client.post(
        "/surveys/questions", data={"definition": json.dumps(DEFAULT_SURVEY), "_csrf_token": token}, headers=HTML
    )
    assert posted.status_code == publish
