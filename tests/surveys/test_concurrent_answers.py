"""Many residents at once, on a real database (SQLite and PostgreSQL): 200 links answered at
the same moment all land, each exactly once; one link submitted 50 times at once lands once.

Each resident is a client of its own address (the survey page is rate-limited per address, as
residents on their own phones are), and all requests are in flight together through the app.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx

from qa_app.app import create_app
from qa_app.tables import Call
from surveys import invitations
from surveys.tables import InvitationStatus, SurveyInvitation, SurveyResponse


async def _submit(app, address: str, token: str, satisfaction: int) -> tuple[int, str]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(f"/s/{token}", data={"satisfaction": str(satisfaction), "lang": "en"})
        return response.status_code, response.text


async def _links(count: int):
    agent = (await Call.select(Call.agent).first())["agent"]
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=2)
    await Call.insert(
        *[
            Call(
                external_id=f"c{index}",
                queue="general",
                agent=agent,
                offered_at=start + timedelta(seconds=index),
                answered_at=start + timedelta(seconds=index + 5),
                wait_seconds=5,
                talk_seconds=90,
                disposition="answered",
            )
            for index in range(count)
        ]
    )
    links = await invitations.create_invitations(
        start, start + timedelta(seconds=count), quiet_days=0, now=datetime.now(timezone.utc)
    )
    assert len(links) == count
    return links


async def test_200_residents_answering_at_once_all_land_exactly_once(centre):
    app = create_app(manage_database=False)
    links = await _links(200)
    results = await asyncio.gather(
        *[
            _submit(app, f"10.0.{index // 250}.{index % 250 + 1}", link.token, index % 5 + 1)
            for index, link in enumerate(links)
        ]
    )
    assert [status for status, _ in results] == [200] * 200
    assert all("Your answers have reached us" in text for _, text in results)
    responses = await SurveyResponse.select(SurveyResponse.invitation, SurveyResponse.satisfaction)
    assert len(responses) == 200 and len({r["invitation"] for r in responses}) == 200
    # Each answer is the one its resident gave: satisfaction cycles 1..5 in link order.
    by_hash = {invitations.token_hash(link.token): index % 5 + 1 for index, link in enumerate(links)}
    stored = {
        r["token_hash"]: r["id"]
        for r in await SurveyInvitation.select(SurveyInvitation.id, SurveyInvitation.token_hash).where(
            SurveyInvitation.status == InvitationStatus.answered
        )
    }
    assert len(stored) == 200
    given = {stored[h]: satisfaction for h, satisfaction in by_hash.items()}
    assert {r["invitation"]: r["satisfaction"] for r in responses} == given


async def test_one_link_submitted_50_times_at_once_lands_once(centre):
    app = create_app(manage_database=False)
    link = (await _links(1))[0]
    results = await asyncio.gather(*[_submit(app, f"10.1.0.{index + 1}", link.token, 4) for index in range(50)])
    assert [status for status, _ in results] == [200] * 50
    landed = [text for _, text in results if "Your answers have reached us" in text]
    told = [text for _, text in results if "Your answers are already in" in text]
    assert (len(landed), len(told)) == (1, 49)
    assert await SurveyResponse.count() == 1
