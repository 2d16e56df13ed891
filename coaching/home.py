"""What coaching asks of a person, on their home page: an agent's next session and the sessions
held whose notes they have not acknowledged yet; a team leader's sessions of today."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from coaching.plans import SESSION_KINDS
from coaching.tables import CoachingSession
from qa_app import formatting
from qa_app.auth import CurrentUser
from qa_app.i18n import _
from qa_app.packages import ToDo
from qa_app.settings import get_settings
from qa_app.tables import Role


async def to_do(user: CurrentUser) -> list[ToDo]:
    if user.role == Role.agent and user.agent_id:
        return await _agents(user.agent_id)
    if user.role == Role.team_leader:
        return await _leaders(user.id)
    return []


async def _agents(agent_id: int) -> list[ToDo]:
    now = datetime.now(timezone.utc)
    sessions = (
        await CoachingSession.select(CoachingSession.id, CoachingSession.kind, CoachingSession.starts_at)
        .where((CoachingSession.agent == agent_id) & CoachingSession.acknowledged_at.is_null())
        .order_by(CoachingSession.starts_at)
    )
    items = []
    held = [s for s in sessions if s["starts_at"] <= now]
    for s in held[-5:]:  # the latest few; older ones are on the coaching page
        items.append(
            ToDo(
                _("Read the notes of your %(kind)s of %(when)s, add your reflection and acknowledge them")
                % {
                    "kind": str(SESSION_KINDS.get(s["kind"], s["kind"])).lower(),
                    "when": formatting.local(s["starts_at"]),
                },
                f"/coaching/sessions/{s['id']}",
                sort=s["starts_at"].isoformat(),
            )
        )
    coming = next((s for s in sessions if s["starts_at"] > now), None)
    if coming:
        items.append(
            ToDo(
                _("Your next coaching session: %(kind)s on %(when)s")
                % {
                    "kind": SESSION_KINDS.get(coming["kind"], coming["kind"]),
                    "when": formatting.local(coming["starts_at"]),
                },
                f"/coaching/sessions/{coming['id']}",
                sort=coming["starts_at"].isoformat(),
            )
        )
    return items


async def _leaders(user_id: int) -> list[ToDo]:
    zone = get_settings().timezone
    today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        await CoachingSession.select(
            CoachingSession.id,
            CoachingSession.kind,
            CoachingSession.starts_at,
            CoachingSession.agent.name.as_alias("agent_name"),
        )
        .where(
            (CoachingSession.leader == user_id)
            & (CoachingSession.starts_at >= today)
            & (CoachingSession.starts_at < today + timedelta(days=1))
        )
        .order_by(CoachingSession.starts_at)
    )
    return [
        ToDo(
            _("%(kind)s with %(agent)s today at %(time)s")
            % {
                "kind": SESSION_KINDS.get(r["kind"], r["kind"]),
                "agent": r["agent_name"],
                "time": formatting.local(r["starts_at"], "%H:%M"),
            },
            f"/coaching/sessions/{r['id']}",
            sort=r["starts_at"].isoformat(),
        )
        for r in rows
    ]
