"""The one-page scorecard of an agent for a month: the balanced scorecard's four parts with
their measures, n, intervals and targets (`scorecards.balanced_queries`, as on the agent's
page), six months of trend, and the coaching plan's goals with their progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kit.timeutil import previous_month
from qa_app.tables import Agent
from scorecards.balanced import BalancedScorecard
from scorecards.balanced_queries import month_key, scorecards_for_months


@dataclass
class AgentCard:
    agent: dict[str, Any]
    month: date
    card: BalancedScorecard
    trend: list[tuple[str, BalancedScorecard]]  # oldest first, this month last
    goals: list[tuple[dict, Any]]  # (goal row, progress)


async def agents_of(team: str | None = None) -> list[dict[str, Any]]:
    query = Agent.select(Agent.id, Agent.name, Agent.staff_number, Agent.team.name.as_alias("team")).where(
        Agent.active_to.is_null()
    )
    if team:
        query = query.where(Agent.team.name == team)
    return await query.order_by(Agent.team.name).order_by(Agent.name)


async def build(agents: list[dict[str, Any]], first: date, months: int = 6) -> list[AgentCard]:
    """Cards for many agents at once: the months' scorecards are computed for all of them in
    one pass."""
    from coaching import plans

    ids = [a["id"] for a in agents]
    steps = [first]
    for _ in range(months - 1):
        steps.insert(0, previous_month(steps[0]))
    by_month = await scorecards_for_months(ids, steps)
    cards = []
    for agent in agents:
        plan = await plans.open_plan(agent["id"])
        goals = await plans.goal_progress(agent["id"], plan["id"]) if plan else []
        cards.append(
            AgentCard(
                agent=agent,
                month=first,
                card=by_month[first][agent["id"]],
                trend=[(month_key(m), by_month[m][agent["id"]]) for m in steps],
                goals=goals,
            )
        )
    return cards
