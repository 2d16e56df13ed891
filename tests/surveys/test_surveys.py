"""Post-call surveys on a real database (SQLite and PostgreSQL): invitations by rule, the
resident's page without login or JavaScript, one answer per link, kind messages for used,
expired and unknown links, the figures with their intervals, and the Customer part of the
balanced scorecard."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from kit.timeutil import current_month
from qa_app.app import create_app
from qa_app.tables import Call
from scorecards.balanced_queries import scorecards_for
from surveys import invitations
from surveys.figures import figures, summarise
from surveys.questions import DEFAULT_SURVEY, check_answers, choose_language, is_praise
from surveys.tables import SurveyInvitation, SurveyResponse

HTML = {"accept": "text/html"}


def test_language_comes_from_the_link_then_the_browser():
    assert choose_language("sv", "nl-BE,nl;q=0.9") == "sv"
    assert choose_language(None, "nl-BE,nl;q=0.9,en;q=0.5") == "nl"
    assert choose_language(None, "de-DE,fr;q=0.8") == "en"
    assert choose_language("xx", None, invitation_language="sv") == "sv"


def test_answers_are_checked_with_messages_in_the_residents_language():
    answers, errors = check_answers(DEFAULT_SURVEY, {"recommend": "11", "effort": "3", "comment": " Fine "}, "nl")
    assert errors == {"satisfaction": "Kies een antwoord.", "recommend": "Kies een van de gegeven antwoorden."}
    assert answers == {"effort": 3, "comment": "Fine"}
    answers, errors = check_answers(DEFAULT_SURVEY, {"satisfaction": "5", "resolved": "partly"}, "en")
    assert errors == {} and answers == {"satisfaction": 5, "resolved": "partly"}
    _answers, errors = check_answers(DEFAULT_SURVEY, {"satisfaction": "4", "comment": "x" * 2001}, "sv")
    assert errors["comment"].startswith("Håll kommentaren under 2000")


def test_praise_is_a_satisfied_residents_thanks():
    assert is_praise("Thank you, Aisha was so helpful!", 5)
    assert is_praise("Tack för hjälpen, mycket trevlig", 4)
    assert is_praise("Heel vriendelijk geholpen, bedankt", None)
    assert not is_praise("Thanks for nothing, not helpful at all", 5)
    assert not is_praise("Thank you", 2)
    assert not is_praise("", 5)


def test_figures_by_hand():
    """Ten responses: satisfaction 5,5,4,4,4,3,2,1 and two blanks -> CSAT 5/8; recommend
    10,9,9,8,7,6,3 -> promoters 3, detractors 2 of 7: NPS 1/7; effort 1,2,2,3 -> CES 2;
    resolved yes,yes,partly,no -> 2/4; 10 of 40 invited answered."""
    satisfaction = [5, 5, 4, 4, 4, 3, 2, 1, None, None]
    recommend = [10, 9, 9, 8, 7, 6, 3, None, None, None]
    effort = [1, 2, 2, 3] + [None] * 6
    resolved = ["yes", "yes", "partly", "no"] + [None] * 6
    rows = [
        {"satisfaction": s, "recommend": r, "effort": e, "resolved": v}
        for s, r, e, v in zip(satisfaction, recommend, effort, resolved, strict=True)
    ]
    result = summarise(rows, invited=40)
    assert (result.csat.value, result.csat.n) == (pytest.approx(5 / 8), 8)
    assert (result.nps.value, result.nps.n) == (pytest.approx(1 / 7), 7)
    assert result.nps.low < 1 / 7 < result.nps.high
    assert (result.ces.value, result.ces.n) == (2.0, 4)
    assert (result.resolution.value, result.resolution.n) == (0.5, 4)
    assert (result.response_rate.value, result.response_rate.n) == (0.25, 40)


@pytest.fixture
async def client(centre):
    app = create_app(manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def _links(**rule):
    start = datetime.now(timezone.utc) - timedelta(days=3)
    return await invitations.create_invitations(start, datetime.now(timezone.utc), **rule)


async def test_invitations_follow_the_rule_and_keep_no_token(centre):
    # Two calls of the same caller a minute apart: only the first is asked (quiet days).
    first_two = [r["id"] for r in await Call.select(Call.id).order_by(Call.id).limit(2)]
    await Call.update({Call.caller_hash: "same-caller"}).where(Call.id.is_in(first_two))
    share = await _links(share=0.5)
    assert 40 < len(share) < 80  # about half of 120
    assert await _links(share=0.5) == []  # no call gets a second link
    rest = await _links()
    assert len(share) + len(rest) == 119  # 120 calls, one caller asked once
    stored = await SurveyInvitation.select(SurveyInvitation.token_hash)
    tokens = {link.token for link in share + rest}
    assert all(len(t) >= 32 for t in tokens)  # 192 random bits, URL-safe
    assert not tokens & {r["token_hash"] for r in stored}  # only hashes are kept
    with pytest.raises(invitations.SurveyError):
        await _links(share=0)


async def test_the_resident_answers_once_without_login(client, centre):
    link = (await _links())[0]
    url = f"/s/{link.token}"
    page = await client.get(url, headers={**HTML, "accept-language": "sv-SE,sv;q=0.9"})
    assert page.status_code == 200 and '<html lang="sv">' in page.text
    assert "Hur nöjd är du med hur ditt samtal hanterades?" in page.text
    assert "<script" not in page.text and page.headers["cache-control"] == "no-store"
    assert len(re.findall(r"<fieldset", page.text)) == 4 and len(re.findall(r"<legend>", page.text)) == 4
    # A missing required answer: 400, the message tied to its question, nothing stored.
    bad = await client.post(url, data={"lang": "en", "recommend": "9"}, headers=HTML)
    assert bad.status_code == 400
    assert 'id="q-satisfaction" class="invalid" aria-describedby="e-satisfaction"' in bad.text
    assert 'id="e-satisfaction">Please choose an answer.' in bad.text and 'value="9" checked' in bad.text
    assert await SurveyResponse.count() == 0
    done = await client.post(
        url,
        data={
            "lang": "en",
            "satisfaction": "5",
            "resolved": "yes",
            "effort": "2",
            "recommend": "10",
            "comment": "Thank you, very helpful!",
        },
        headers=HTML,
    )
    assert done.status_code == 200 and "Your answers have reached us" in done.text
    response = await SurveyResponse.select().first()
    assert (response["satisfaction"], response["recommend"], response["resolved"]) == (5, 10, "yes")
    assert response["praise"] and response["agent"] is not None and response["source"] == "web"
    # The same link again, to read or to answer: kindly told, nothing changes.
    again = await client.get(url, headers=HTML)
    assert again.status_code == 200 and "Your answers are already in" in again.text and "<form" not in again.text
    twice = await client.post(url, data={"satisfaction": "1"}, headers=HTML)
    assert "already in" in twice.text and await SurveyResponse.count() == 1
    assert (await SurveyResponse.select(SurveyResponse.satisfaction).first())["satisfaction"] == 5


async def test_expired_and_unknown_links_say_so(client, centre):
    link = (await _links())[0]
    await SurveyInvitation.update({SurveyInvitation.expires_at: datetime.now(timezone.utc) - timedelta(hours=1)}).where(
        SurveyInvitation.token_hash == invitations.token_hash(link.token)
    )
    expired = await client.get(f"/s/{link.token}?lang=nl", headers=HTML)
    assert expired.status_code == 410 and "Deze link is verlopen" in expired.text
    unknown = await client.get("/s/not-a-real-token", headers=HTML)
    assert unknown.status_code == 404 and "This survey link is not valid" in unknown.text
    assert (await client.post("/s/not-a-real-token", data={"satisfaction": "5"})).status_code == 404
    assert await SurveyResponse.count() == 0


async def test_survey_links_are_rate_limited(client, centre):
    statuses = [(await client.get("/s/guess-" + str(i), headers=HTML)).status_code for i in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


async def test_figures_and_the_customer_part_of_the_balanced_scorecard(client, centre):
    agent_1 = centre["agents"]["1"]
    links = await _links()
    own = {r["external_id"] for r in await Call.select(Call.external_id).where(Call.agent == agent_1)}
    mine = [link for link in links if link.call_external_id in own][:4]
    for link, satisfaction in zip(mine, (5, 4, 2, 5), strict=True):
        answered = await client.post(f"/s/{link.token}", data={"satisfaction": str(satisfaction)}, headers=HTML)
        assert answered.status_code == 200
    start, end = datetime.now(timezone.utc) - timedelta(days=3), datetime.now(timezone.utc)
    result = await figures(start, end, agent_ids=[agent_1])
    assert (result.csat.value, result.csat.n) == (0.75, 4) and result.response_rate.n == 40
    first_call = (await Call.select(Call.offered_at).where(Call.agent == agent_1).first())["offered_at"]
    card = (await scorecards_for([agent_1], current_month(timezone.utc, first_call)))[agent_1]
    csat = card.part("customer").measures[0]
    # 75% against the 80% target, but on 4 answers, fewer than the minimum n (5): no verdict.
    assert (csat.estimate.value, csat.estimate.n, csat.met, csat.too_few) == (0.75, 4, None, True)
    assert card.part("customer").note == ""


async def test_qa_surveys_invite_writes_links_for_a_gateway(client, centre, database, tmp_path):
    import csv

    from tests.qa_command import run_qa

    month = current_month(timezone.utc, (await Call.select(Call.offered_at).first())["offered_at"]).strftime("%Y-%m")
    out = tmp_path / "links.csv"
    invite = ("surveys", "invite", "--month", month)
    done = run_qa(
        *invite, "--share", "0.25", "--base-url", "https://survey.city.example", "--csv", str(out), database=database
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open()))
    assert 15 < len(rows) < 50 and set(rows[0]) == {"call_id", "link", "expires_at"}
    assert all(r["link"].startswith("https://survey.city.example/s/") for r in rows)
    token = rows[0]["link"].rsplit("/", 1)[1]
    assert (await client.get(f"/s/{token}", headers=HTML)).status_code == 200
    unknown = run_qa(*invite, "--service", "Nope", "--base-url", "https://x.example", "--csv", "-", database=database)
    assert unknown.returncode == 2 and unknown.stderr.strip() == "qa: no service named 'Nope' in the catalogue"


async def test_the_phone_system_posts_keypad_answers_with_its_api_key(client, centre):
    from qa_app import api_keys

    key = await api_keys.create("Asterisk IVR", api_keys.Scope.surveys)
    call = await Call.select(Call.external_id, Call.agent).first()
    body = {"call_id": call["external_id"], "satisfaction": 4, "resolved": "2", "effort": 2}
    assert (await client.post("/api/surveys/ivr", json=body)).status_code == 401
    assert (await client.post("/api/surveys/ivr", json=body, headers={"x-api-key": "qa_wrong"})).status_code == 401
    created = await client.post("/api/surveys/ivr", json=body, headers={"x-api-key": key})
    assert created.status_code == 201, created.text
    stored = await SurveyResponse.select().where(SurveyResponse.id == created.json()["id"]).first()
    assert (stored["source"], stored["satisfaction"], stored["resolved"], stored["agent"]) == (
        "ivr",
        4,
        "partly",
        call["agent"],
    )
    again = await client.post("/api/surveys/ivr", json=body, headers={"authorization": f"Bearer {key}"})
    assert again.status_code == 409 and "already" in again.json()["detail"]
    unknown = await client.post("/api/surveys/ivr", json={**body, "call_id": "nope"}, headers={"x-api-key": key})
    assert unknown.status_code == 404
    other = (await Call.select(Call.external_id).order_by(Call.id, ascending=False).first())["external_id"]
    wrong = await client.post(
        "/api/surveys/ivr", json={"call_id": other, "satisfaction": 9}, headers={"x-api-key": key}
    )
    assert wrong.status_code == 400 and "satisfaction" in wrong.json()["detail"]
    assert await SurveyResponse.count() == 1
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/surveys/ivr" in schema["paths"]


async def test_import_ivr_reports_bad_lines_and_imports_all_or_nothing(centre, tmp_path):
    from surveys.ivr import import_file

    ids = [r["external_id"] for r in await Call.select(Call.external_id).order_by(Call.id).limit(4)]
    path = tmp_path / "ivr.csv"
    path.write_text(
        "call_id;satisfaction;resolved\n"
        f"{ids[0]};5;1\n"
        f"{ids[1]};7;1\n"  # line 3: out of range
        f"unknown-call;4;3\n"  # line 4
        f"{ids[2]};3;2\n"
        f"{ids[0]};4;1\n"  # line 6: the same call twice
    )
    refused = await import_file(path)
    assert not refused.committed and refused.created == 0 and await SurveyResponse.count() == 0
    assert [e["line"] for e in refused.errors] == [3, 4, 6]
    assert "satisfaction" in refused.errors[0]["reason"] and "no call 'unknown-call'" in refused.errors[1]["reason"]
    partial = await import_file(path, skip_invalid=True)
    assert (partial.read, partial.created, partial.rejected) == (5, 2, 3)
    rows = await SurveyResponse.select(SurveyResponse.resolved).order_by(SurveyResponse.id)
    assert [r["resolved"] for r in rows] == ["yes", "partly"]
    assert (await import_file(path, skip_invalid=True)).created == 0  # a re-import duplicates nothing


@pytest.mark.parametrize(
    "role, status", [("admin", 200), ("manager", 200), ("qa", 200), ("team_leader", 200), ("agent", 403)]
)
async def test_survey_figures_page_by_role_and_scope(client, centre, role, status):
    from tests.web import login

    links = await _links()
    by_agent = {r["external_id"]: r["agent"] for r in await Call.select(Call.external_id, Call.agent)}
    south_agent = centre["agents"]["3"]
    for link in links[:9]:
        comment = "Thank you, very helpful" if by_agent[link.call_external_id] == south_agent else "Thanks, lovely"
        await client.post(f"/s/{link.token}", data={"satisfaction": "5", "comment": comment}, headers=HTML)
    await login(client, f"{role}@test.org")
    page = await client.get("/surveys", headers=HTML)
    assert page.status_code == status
    if status == 200:
        assert "By team" in page.text and "By service" in page.text
        # A team leader of North sees North's agents and praise only, never South's.
        assert ("Agent 3" in page.text) == (role != "team_leader")
        assert ("Thank you, very helpful" in page.text) == (role != "team_leader")
