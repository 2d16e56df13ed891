"""The case register's figures for a period, for its page and the monthly report alike: first
contact resolution, repeats and cases closed in time, overall, by channel and by service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cases import case_rules, register
from cases.tables import Case
from qa_app.settings import get_settings


async def cases_in(start: datetime, end: datetime, agent_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """The cases opened in [start, end), optionally only those of some agents."""
    where = (Case.created_at >= start) & (Case.created_at < end)
    if agent_ids is not None:
        where &= Case.agent.is_in(agent_ids or [-1])
    return await register.case_rows(where)


async def month_figures(start: datetime, end: datetime, agent_ids: list[int] | None = None) -> case_rules.CaseFigures:
    return case_rules.figures(await cases_in(start, end, agent_ids), get_settings().timezone)


def by_channel(rows: list[dict[str, Any]]) -> dict[str, case_rules.CaseFigures]:
    return case_rules.by(rows, "channel", get_settings().timezone)


def most_repeated(rows: list[dict[str, Any]], limit: int = 10) -> list[tuple[str, case_rules.CaseFigures]]:
    """Services by their repeat rate, highest first, those with repeats only."""
    by_service = case_rules.by(rows, "service_name", get_settings().timezone).items()
    ranked = sorted(by_service, key=lambda item: -(item[1].repeat_rate.value or 0))
    return [(name, f) for name, f in ranked if f.repeat_rate.value][:limit]
