"""The coaching figures of a month, for the monthly report: sessions scheduled, due, held and
acknowledged, and how many goals of the open plans are met now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from coaching import plans
from coaching.tables import CoachingPlan, CoachingSession
from kit.timeutil import month_range
from qa_app.i18n import _l
from qa_app.settings import get_settings

SESSION_KINDS = (("weekly", _l("Weekly check-ins")), ("monthly", _l("Monthly reviews")))


@dataclass(frozen=True)
class SessionCounts:
    kind: str
    label: str
    scheduled: int
    due: int  # starting before now
    held: int  # due, with notes or acknowledged
    acknowledged: int


@dataclass(frozen=True)
class CoachingMonth:
    sessions: list[SessionCounts]
    open_plans: int
    goals: int
    goals_met: int

    @property
    def empty(self) -> bool:
        return not self.open_plans and not any(s.scheduled for s in self.sessions)


async def coaching_month(first: date, agent_ids: list[int] | None) -> CoachingMonth:
    start, end = month_range(first, get_settings().timezone)
    sessions = CoachingSession.select(
        CoachingSession.kind, CoachingSession.starts_at, CoachingSession.notes, CoachingSession.acknowledged_at
    ).where((CoachingSession.starts_at >= start) & (CoachingSession.starts_at < end))
    open_plans = CoachingPlan.select(CoachingPlan.id, CoachingPlan.agent).where(CoachingPlan.status == "open")
    if agent_ids is not None:
        sessions = sessions.where(CoachingSession.agent.is_in(agent_ids or [-1]))
        open_plans = open_plans.where(CoachingPlan.agent.is_in(agent_ids or [-1]))
    sessions, open_plans = await sessions, await open_plans
    now = datetime.now(timezone.utc)
    counts = []
    for kind, label in SESSION_KINDS:
        own = [s for s in sessions if s["kind"] == kind]
        due = [s for s in own if s["starts_at"] <= now]
        counts.append(
            SessionCounts(
                kind,
                str(label),  # in the report's language
                scheduled=len(own),
                due=len(due),
                held=sum(1 for s in due if s["notes"] or s["acknowledged_at"]),
                acknowledged=sum(1 for s in own if s["acknowledged_at"]),
            )
        )
    met = total = 0
    for plan in open_plans:
        for _goal, progress in await plans.goal_progress(plan["agent"], plan["id"]):
            total += 1
            met += progress.met is True
    return CoachingMonth(counts, len(open_plans), total, met)
