"""The demo centre's coaching: every agent of the demo team leader's team has a plan with a
goal or two tied to what their evaluations show, an agreed action, weekly check-ins (the past
ones with notes, reflections and acknowledgements) and a monthly review; the next check-in is
in the coming days."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from coaching import plans
from coaching.goals import Goal
from coaching.tables import CoachingPlan
from qa_app.settings import get_settings
from qa_app.tables import Agent, Team

NOTES = [
    "We listened to two calls together; the opening is friendlier already.",
    "Good week. We talked about ending calls with a clear next step.",
    "Handle time is down; keep checking the knowledge base before transferring.",
]
REFLECTIONS = [
    "I will give my name at the start of every call.",
    "I felt rushed on Monday mornings; I will ask for help when the queue is long.",
    "Listening back helped. I want to hear a model call about council tax.",
]


async def load(*, seed: int, today: date, echo: Callable[[str], None]) -> None:
    if await CoachingPlan.count():
        return
    rng = random.Random(seed + 11)
    zone = get_settings().timezone
    team = await Team.select(Team.id, Team.leader).where(Team.leader.is_not_null()).order_by(Team.id).first()
    if team is None:
        return
    agents = (
        await Agent.select(Agent.id, Agent.name, Agent.user)
        .where(Agent.team == team["id"])
        .order_by(Agent.staff_number)
    )
    leader = team["leader"]
    for index, agent in enumerate(agents[:8]):
        plan = await plans.create_plan(
            agent["id"], leader, rng.choice(["Warmer openings", "Clear next steps", "Fewer transfers"])
        )
        await plans.add_goal(plan, Goal("criterion", 0.9, 6, "greeting", today + timedelta(days=30)), "", leader)
        if index % 2:
            await plans.add_goal(plan, Goal("csat", 0.8, 30, "", today + timedelta(days=45)), "", leader)
        else:
            await plans.add_goal(plan, Goal("handle_time", 300, 30, "", today + timedelta(days=45)), "", leader)
        await plans.add_action(
            plan,
            "model_call",
            "Listen to a model call with a clear closing",
            "",
            "agent",
            today + timedelta(days=7),
            leader,
        )
        for weeks_ago in (3, 2, 1):
            day = today - timedelta(weeks=weeks_ago)
            day -= timedelta(days=(day.weekday() - 1) % 7)  # that week's Tuesday
            starts = datetime.combine(day, time(9 + index % 6, 0), tzinfo=zone)
            session = await plans.schedule_session(
                plan, "monthly" if weeks_ago == 3 else "weekly", starts, 30, "Meeting room 2", leader
            )
            await plans.save_notes(session, rng.choice(NOTES), leader)
            if weeks_ago > 1 or index % 3:
                await plans.save_reflection(session, rng.choice(REFLECTIONS), agent["user"])
                await plans.acknowledge(session, agent["user"])
        upcoming = datetime.combine(today + timedelta(days=2 + index % 3), time(10, 0), tzinfo=zone)
        await plans.schedule_session(plan, "weekly", upcoming, 30, "Meeting room 2", leader)
    echo(f"coaching: {min(len(agents), 8)} plans with goals, actions and sessions")
