"""Call-handling figures, computed in one place for the pages, the CLI and the monthly report.

Definitions (as Stockholm and Edinburgh use them):
- offered: every call that reached a queue; answered includes transferred calls;
- service level: share of answered calls answered within the threshold (default 60 s);
- average speed of answer (ASA): mean wait of answered calls;
- abandonment rate: abandoned / offered;
- average handle time (AHT): mean talk + hold of answered calls.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from kit.timeutil import current_month, month_range, previous_month
from qa_app import db
from qa_app.i18n import _
from qa_app.settings import get_settings
from qa_app.tables import Call

DEFAULT_THRESHOLD_SECONDS = 60


@dataclass(frozen=True)
class CallFigures:
    offered: int
    answered: int
    abandoned: int
    transferred: int
    answered_within_threshold: int
    threshold_seconds: int
    total_wait_answered: int
    total_handle: int

    @property
    def service_level(self) -> float | None:
        return self.answered_within_threshold / self.answered if self.answered else None

    @property
    def abandonment_rate(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None

    @property
    def average_speed_of_answer(self) -> float | None:
        return self.total_wait_answered / self.answered if self.answered else None

    @property
    def average_handle_time(self) -> float | None:
        return self.total_handle / self.answered if self.answered else None


async def call_figures(
    start: datetime,
    end: datetime,
    *,
    agent_ids: list[int] | None = None,
    threshold_seconds: int = DEFAULT_THRESHOLD_SECONDS,
) -> CallFigures:
    """Figures for calls offered in [start, end), optionally only those of some agents."""
    where = '"offered_at" >= {} AND "offered_at" < {}'
    if agent_ids is not None:
        where += " AND " + db.sql_in('"agent"', agent_ids)
    sql = f"""
        SELECT COUNT(*) AS offered,
               COALESCE(SUM(CASE WHEN "disposition" <> 'abandoned' THEN 1 ELSE 0 END), 0) AS answered,
               COALESCE(SUM(CASE WHEN "disposition" = 'abandoned' THEN 1 ELSE 0 END), 0) AS abandoned,
               COALESCE(SUM(CASE WHEN "disposition" = 'transferred' THEN 1 ELSE 0 END), 0) AS transferred,
               COALESCE(SUM(CASE WHEN "disposition" <> 'abandoned' AND "wait_seconds" <= {threshold_seconds:d} THEN 1 ELSE 0 END), 0) AS within,
               COALESCE(SUM(CASE WHEN "disposition" <> 'abandoned' THEN "wait_seconds" ELSE 0 END), 0) AS wait,
               COALESCE(SUM(CASE WHEN "disposition" <> 'abandoned' THEN "talk_seconds" + COALESCE("hold_seconds", 0) ELSE 0 END), 0) AS handle
        FROM "call" WHERE {where}
    """
    row = (await Call.raw(sql, start, end))[0]
    return CallFigures(
        offered=int(row["offered"]),
        answered=int(row["answered"]),
        abandoned=int(row["abandoned"]),
        transferred=int(row["transferred"]),
        answered_within_threshold=int(row["within"]),
        threshold_seconds=threshold_seconds,
        total_wait_answered=int(row["wait"]),
        total_handle=int(row["handle"]),
    )


@dataclass(frozen=True)
class ContactCounts:
    """Calls offered in a period by service, department, hour of day and weekday (local time)."""

    calls: int
    by_service: list[tuple[str, int]]  # most first
    by_department: list[tuple[str, int]]
    by_hour: list[tuple[int, int]]  # in the order of the day
    by_weekday: list[tuple[int, int]]  # 0 = Monday


async def contact_counts(start: datetime, end: datetime, *, agent_ids: list[int] | None = None) -> ContactCounts:
    zone = get_settings().timezone
    query = Call.select(
        Call.offered_at, Call.service.name.as_alias("service"), Call.service.department.name.as_alias("department")
    ).where((Call.offered_at >= start) & (Call.offered_at < end))
    if agent_ids is not None:
        query = query.where(Call.agent.is_in(agent_ids or [-1]))
    calls = await query
    local = [c["offered_at"].astimezone(zone) for c in calls]
    hours, weekdays = Counter(t.hour for t in local), Counter(t.weekday() for t in local)
    return ContactCounts(
        calls=len(calls),
        by_service=Counter(c["service"] or _("(not recorded)") for c in calls).most_common(),
        by_department=Counter(c["department"] or _("(not recorded)") for c in calls).most_common(),
        by_hour=sorted(hours.items()),
        by_weekday=sorted(weekdays.items()),
    )


async def month_figures(agent_ids: list[int] | None) -> tuple[date, CallFigures, CallFigures]:
    """This month's figures and last month's (the centre's months), for some agents or all."""
    zone = get_settings().timezone
    month = current_month(zone)
    this = await call_figures(*month_range(month, zone), agent_ids=agent_ids)
    last = await call_figures(*month_range(previous_month(month), zone), agent_ids=agent_ids)
    return month, this, last
