"""The QA team's side of disputes and calibration (issue 17, "Notifications for QA"): a "My
disputes" list of the disputes of the evaluations a marker marked (a team leader's team's, a
manager's everyone's), and notifications of a calibration invitation and of its closing, each in
its reader's language; on SQLite and PostgreSQL."""

from __future__ import annotations

from qa_app.auth import load_user
from qa_app.tables import Notification, User
from qa_app.users import create_user
from scorecards import calibration_store, evaluations
from scorecards.evaluations import Marked
from scorecards.tables import Evaluation
from tests.scorecards import test_evaluations
from tests.web import HTML, PASSWORD, login

marked_centre = test_evaluations.marked_centre

ANSWERS = {"greeting": Marked(1), "courtesy": Marked(4), "resolved": Marked(1), "privacy": Marked(0)}


async def _disputed(ids) -> int:
    qa = await load_user(ids["users"]["qa"])
    evaluation_id = await evaluations.start_for_assignment(ids["pick"], qa)
    await evaluations.save(evaluation_id, qa, ANSWERS, "", submit=True)
    agent = await load_user(ids["users"]["agent"])
    await evaluations.dispute(evaluation_id, agent, {"privacy": "I did check the address."}, "")
    return evaluation_id


async def _page(client, email: str, url: str = "/disputes") -> str:
    await login(client, email)
    response = await client.get(url, headers=HTML)
    assert response.status_code == 200, (email, response.status_code)
    await client.post("/logout", headers=HTML)
    client.cookies.clear()
    return response.text


async def test_my_disputes_lists_the_disputes_of_what_i_marked(client, marked_centre):
    evaluation_id = await _disputed(marked_centre)
    await create_user(email="qa2@test.org", role="qa", password=PASSWORD, name="Quinn Other")
    row = f'href="/evaluations/{evaluation_id}"'

    mine = await _page(client, "qa@test.org")
    assert "<h1>My disputes</h1>" in mine and row in mine
    assert "Data-protection check" in mine and ">privacy<" not in mine  # the criterion by its title
    assert "Waiting for an answer" in mine and "1 dispute." in mine
    other = await _page(client, "qa2@test.org")
    assert row not in other and "No dispute is waiting for an answer." in other
    assert row in await _page(client, "team_leader@test.org")
    assert row in await _page(client, "manager@test.org")

    leader = await load_user(marked_centre["users"]["team_leader"])
    await evaluations.resolve(evaluation_id, leader, amend=None, note="Listened again: it stands.")
    assert row not in await _page(client, "qa@test.org")  # open ones by default
    answered = await _page(client, "qa@test.org", "/disputes?shown=answered")
    assert row in answered and "Answered: the evaluation stands" in answered

    await login(client, "agent@test.org")
    assert (await client.get("/disputes", headers=HTML)).status_code == 403


async def test_calibration_markers_are_told_of_the_invitation_and_the_closing(marked_centre):
    users = marked_centre["users"]
    await User.update({User.language: "sv"}).where(User.id == users["team_leader"])
    session_id = await calibration_store.create(
        "Bin call", marked_centre["call"], [users["qa"], users["team_leader"], users["admin"]], users["admin"]
    )

    async def told(kind: str) -> dict[int, str]:
        rows = await Notification.select(Notification.user, Notification.text, Notification.link).where(
            Notification.kind == kind
        )
        assert {r["link"] for r in rows} == {f"/calibration/{session_id}"}
        return {r["user"]: r["text"] for r in rows}

    invited = await told("calibration_invited")
    assert set(invited) == {users["qa"], users["team_leader"]}  # not the administrator who made it
    assert invited[users["qa"]].startswith("You are invited to mark the calibration session “Bin call” (")
    assert invited[users["team_leader"]].startswith("Du är inbjuden")  # in the reader's own language

    for role in ("qa", "team_leader"):
        marker = await load_user(users[role])
        evaluation_id = await evaluations.start_for_calibration(session_id, marker)
        await evaluations.save(evaluation_id, marker, ANSWERS, "", submit=True)
    assert await Evaluation.count().where(Evaluation.calibration == session_id) == 2
    await calibration_store.close(session_id, users["qa"])
    closed = await told("calibration_closed")
    assert set(closed) == {users["team_leader"], users["admin"]}  # not the one who closed it
    assert "is closed" in closed[users["admin"]]
