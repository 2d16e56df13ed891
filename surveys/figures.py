"""Residents' figures from survey responses, in one place for pages, the balanced scorecard
and the monthly report. Each carries its count and a 95% interval.

- CSAT: share of satisfaction answers that are 4 or 5;
- NPS: share of 9-10 minus share of 0-6 on the recommend question, from -100 to 100;
- CES: mean effort, 1 (very easy) to 7 (very difficult), lower is better;
- resident-reported resolution: share of "yes" among yes/partly/no;
- response rate: responses / invitations created in the period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from kit.stats import Estimate, mean_interval, net_score_interval, proportion_interval
from qa_app.i18n import _
from surveys.tables import SurveyInvitation, SurveyResponse


@dataclass(frozen=True)
class SurveyFigures:
    responses: int
    invited: int
    csat: Estimate
    nps: Estimate
    ces: Estimate
    resolution: Estimate
    response_rate: Estimate


def summarise(rows: list[dict], invited: int) -> SurveyFigures:
    """The figures of some response rows (plain arithmetic, no I/O)."""
    satisfaction = [r["satisfaction"] for r in rows if r["satisfaction"] is not None]
    recommend = [r["recommend"] for r in rows if r["recommend"] is not None]
    effort = [r["effort"] for r in rows if r["effort"] is not None]
    resolved = [r["resolved"] for r in rows if r["resolved"] is not None]
    return SurveyFigures(
        responses=len(rows),
        invited=invited,
        csat=proportion_interval(sum(s >= 4 for s in satisfaction), len(satisfaction)),
        nps=net_score_interval(sum(r >= 9 for r in recommend), sum(r <= 6 for r in recommend), len(recommend)),
        ces=mean_interval([float(e) for e in effort], bounds=(1.0, 7.0)),  # effort is asked 1..7
        resolution=proportion_interval(sum(r == "yes" for r in resolved), len(resolved)),
        response_rate=proportion_interval(min(len(rows), invited), invited),
    )


async def _rows(start: datetime, end: datetime, agent_ids: list[int] | None) -> list[dict]:
    """Responses about calls offered in [start, end)."""
    query = SurveyResponse.select(
        SurveyResponse.agent,
        SurveyResponse.satisfaction,
        SurveyResponse.recommend,
        SurveyResponse.effort,
        SurveyResponse.resolved,
        SurveyResponse.call.service.as_alias("service"),
    ).where((SurveyResponse.call.offered_at >= start) & (SurveyResponse.call.offered_at < end))
    if agent_ids is not None:
        query = query.where(SurveyResponse.agent.is_in(agent_ids or [-1]))
    return await query


async def by_group(start: datetime, end: datetime, agent_ids: list[int] | None = None) -> dict[str, list]:
    """Figures per team, agent and service for calls offered in [start, end), within a scope."""
    responses = SurveyResponse.select(
        SurveyResponse.satisfaction,
        SurveyResponse.recommend,
        SurveyResponse.effort,
        SurveyResponse.resolved,
        SurveyResponse.call.agent.name.as_alias("agent"),
        SurveyResponse.call.agent.team.name.as_alias("team"),
        SurveyResponse.call.service.name.as_alias("service"),
    ).where((SurveyResponse.call.offered_at >= start) & (SurveyResponse.call.offered_at < end))
    invited = SurveyInvitation.select(
        SurveyInvitation.call.agent.name.as_alias("agent"),
        SurveyInvitation.call.agent.team.name.as_alias("team"),
        SurveyInvitation.call.service.name.as_alias("service"),
    ).where((SurveyInvitation.call.offered_at >= start) & (SurveyInvitation.call.offered_at < end))
    if agent_ids is not None:
        responses = responses.where(SurveyResponse.call.agent.is_in(agent_ids or [-1]))
        invited = invited.where(SurveyInvitation.call.agent.is_in(agent_ids or [-1]))
    rows, links = await responses, await invited
    result = {}
    for key in ("team", "agent", "service"):
        groups: dict[str, list[dict]] = defaultdict(list)
        counts: dict[str, int] = defaultdict(int)
        for row in rows:
            groups[row[key] or "–"].append(row)
        for link in links:
            counts[link[key] or "–"] += 1
        result[key] = sorted(
            ((name, summarise(groups.get(name, []), counts[name])) for name in set(groups) | set(counts)),
            key=lambda item: item[0],
        )
    return result


async def praise(start: datetime, end: datetime, agent_ids: list[int] | None = None, limit: int = 50) -> list[dict]:
    """Residents' thanks ("kudos") on calls offered in [start, end), newest first."""
    query = SurveyResponse.select(
        SurveyResponse.comment,
        SurveyResponse.voice_text,
        SurveyResponse.satisfaction,
        SurveyResponse.created_at,
        SurveyResponse.call.agent.name.as_alias("agent"),
        SurveyResponse.call.as_alias("call"),
    ).where(
        (SurveyResponse.praise == True)  # noqa: E712
        & (SurveyResponse.call.offered_at >= start)
        & (SurveyResponse.call.offered_at < end)
    )
    if agent_ids is not None:
        query = query.where(SurveyResponse.call.agent.is_in(agent_ids or [-1]))
    rows = await query.order_by(SurveyResponse.created_at, ascending=False).limit(limit)
    for row in rows:  # a spoken comment is shown as its transcript, marked as such
        spoken = _("(spoken) %(text)s") % {"text": row["voice_text"]} if row["voice_text"] else ""
        row["comment"] = " ".join(part for part in (row["comment"], spoken) if part)
    return rows


async def figures(start: datetime, end: datetime, *, agent_ids: list[int] | None = None) -> SurveyFigures:
    rows = await _rows(start, end, agent_ids)
    invited = SurveyInvitation.count().where(
        (SurveyInvitation.call.offered_at >= start) & (SurveyInvitation.call.offered_at < end)
    )
    if agent_ids is not None:
        invited = invited.where(SurveyInvitation.call.agent.is_in(agent_ids or [-1]))
    return summarise(rows, await invited)


async def csat_by_agent(agent_ids: list[int], start: datetime, end: datetime) -> dict[int, tuple[int, int]]:
    """(satisfied, answered) per agent: the Customer part of the balanced scorecard."""
    return (await csat_by_agent_months(agent_ids, [(start, end)]))[0]


async def csat_by_agent_months(
    agent_ids: list[int], ranges: list[tuple[datetime, datetime]]
) -> list[dict[int, tuple[int, int]]]:
    """The same for several [start, end) ranges (an agent's months) in one query: a dict per
    range, in their order. A response counts in the range its call was offered in."""
    if not ranges:
        return []
    rows = await SurveyResponse.select(
        SurveyResponse.agent, SurveyResponse.satisfaction, SurveyResponse.call.offered_at.as_alias("offered_at")
    ).where(
        (SurveyResponse.call.offered_at >= min(start for start, _ in ranges))
        & (SurveyResponse.call.offered_at < max(end for _, end in ranges))
        & SurveyResponse.agent.is_in(agent_ids or [-1])
        & SurveyResponse.satisfaction.is_not_null()
    )
    tallies: list[dict[int, list[int]]] = [defaultdict(lambda: [0, 0]) for _ in ranges]
    for row in rows:
        for index, (start, end) in enumerate(ranges):
            if start <= row["offered_at"] < end:
                tallies[index][row["agent"]][0] += row["satisfaction"] >= 4
                tallies[index][row["agent"]][1] += 1
    return [{agent: (s, n) for agent, (s, n) in tally.items()} for tally in tallies]


async def surveys_in_use() -> bool:
    """Whether the centre collects surveys at all (else the Customer part says so)."""
    return bool(await SurveyInvitation.exists() or await SurveyResponse.exists())


async def other_comments(
    start: datetime, end: datetime, agent_ids: list[int] | None = None, limit: int = 3
) -> list[dict]:
    """Residents' comments that are not praise, on calls offered in [start, end), newest first."""
    query = SurveyResponse.select(SurveyResponse.comment, SurveyResponse.call.agent.name.as_alias("agent")).where(
        (SurveyResponse.call.offered_at >= start)
        & (SurveyResponse.call.offered_at < end)
        & (SurveyResponse.praise == False)  # noqa: E712
        & (SurveyResponse.comment != "")
    )
    if agent_ids is not None:
        query = query.where(SurveyResponse.call.agent.is_in(agent_ids or [-1]))
    return await query.order_by(SurveyResponse.created_at, ascending=False).limit(limit)
