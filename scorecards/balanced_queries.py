"""Gathers the balanced scorecard's inputs for many agents at once (a few grouped queries, not
one per agent) and hands them to `balanced.balanced_scorecard`."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from kit.timeutil import month_range, next_month, previous_month
from qa_app import db
from qa_app.settings import get_settings
from qa_app.tables import Agent, Attendance, Call
from scorecards import config
from scorecards.balanced import BalancedScorecard, Inputs, Sums, balanced_scorecard
from scorecards.evaluations import AFTER_RELEASE
from scorecards.tables import Evaluation, PickKind
from surveys import figures as survey_figures

PLANNED_ABSENCE = ("leave", "training")  # rostered off, not missing


def month_key(first: date) -> str:
    return first.strftime("%Y-%m")


def counts_in_quality_figure():
    """The evaluations an agent's quality figure rests on: of randomly picked calls. A targeted
    pick (chosen by QA from flagged calls) is marked the same way but reported apart, or the
    figure would lean towards the calls that stood out; an evaluation without a pick (from
    before targeted picks existed, when every pick was random, or whose pick was since
    removed) counts as it always did. Calibration marks are never an agent's figure."""
    return Evaluation.calibration.is_null() & (
        Evaluation.assignment.is_null() | (Evaluation.assignment.kind == PickKind.random.value)
    )


async def _scores(agent_ids: list[int], months: list[str]) -> dict[tuple[int, str], list[float]]:
    rows = await Evaluation.select(Evaluation.agent, Evaluation.month, Evaluation.score).where(
        Evaluation.agent.is_in(agent_ids or [-1])
        & Evaluation.month.is_in(months)
        & counts_in_quality_figure()
        & Evaluation.status.is_in([s.value for s in AFTER_RELEASE])
        & Evaluation.score.is_not_null()
    )
    result: dict[tuple[int, str], list[float]] = defaultdict(list)
    for row in rows:
        result[(row["agent"], row["month"])].append(row["score"])
    return result


async def _calls(agent_ids: list[int], firsts: list[date], threshold: int) -> dict[tuple[int, date], dict[str, Any]]:
    """Answered calls per agent and month (of those starting on `firsts`): one grouped query,
    each call counted in the month (in the centre's time zone) it was offered in."""
    zone = get_settings().timezone
    ranges = [month_range(first, zone) for first in firsts]
    which = " ".join(f'WHEN "offered_at" >= {{}} AND "offered_at" < {{}} THEN {index}' for index in range(len(firsts)))
    sql = f"""
        SELECT "agent", CASE {which} END AS month_index, COUNT(*) AS answered,
               SUM(CASE WHEN "wait_seconds" <= {int(threshold)} THEN 1 ELSE 0 END) AS within,
               SUM("talk_seconds" + COALESCE("hold_seconds", 0)) AS handle,
               SUM(CAST("talk_seconds" + COALESCE("hold_seconds", 0) AS REAL)
                   * ("talk_seconds" + COALESCE("hold_seconds", 0))) AS squares
        FROM "call"
        WHERE "offered_at" >= {{}} AND "offered_at" < {{}} AND "disposition" <> 'abandoned'
          AND {db.sql_in('"agent"', agent_ids)}
        GROUP BY 1, 2
    """
    args = [edge for pair in ranges for edge in pair] + [min(r[0] for r in ranges), max(r[1] for r in ranges)]
    return {
        (row["agent"], firsts[row["month_index"]]): row
        for row in await Call.raw(sql, *args)
        if row["month_index"] is not None
    }


async def _attendance(agent_ids: list[int], firsts: list[date]) -> dict[tuple[int, date], tuple[int, int, int]]:
    """(days rostered, worked, on time) per agent and month, leave and training left out."""
    rows = await Attendance.select(
        Attendance.agent, Attendance.day, Attendance.scheduled_minutes, Attendance.absence, Attendance.minutes_late
    ).where(
        Attendance.agent.is_in(agent_ids or [-1])
        & (Attendance.day >= min(firsts))
        & (Attendance.day <= next_month(max(firsts)) - timedelta(days=1))
        & (Attendance.scheduled_minutes > 0)
    )
    wanted = set(firsts)
    counts: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        month = row["day"].replace(day=1)
        if row["absence"] in PLANNED_ABSENCE or month not in wanted:
            continue
        tally = counts[(row["agent"], month)]
        tally[0] += 1
        if not row["absence"]:
            tally[1] += 1
            tally[2] += row["minutes_late"] == 0
    return {key: (r, w, o) for key, (r, w, o) in counts.items()}


async def scorecards_for(agent_ids: list[int], first: date) -> dict[int, BalancedScorecard]:
    """Each agent's balanced scorecard for the month starting `first`; efficiency compares an
    agent with their team's average over the same month."""
    return (await scorecards_for_months(agent_ids, [first]))[first]


async def scorecards_for_months(agent_ids: list[int], firsts: list[date]) -> dict[date, dict[int, BalancedScorecard]]:
    """The same for several months at once (an agent's six-month trend): the same few grouped
    queries whatever the number of months."""
    if not agent_ids or not firsts:
        return {first: {} for first in firsts}
    settings = await config.load()
    threshold = settings["service_level_seconds"]
    zone = get_settings().timezone

    def quarter(first: date) -> list[str]:  # the month and the two before it
        return [month_key(first), month_key(previous_month(first)), month_key(previous_month(previous_month(first)))]

    teams = {r["id"]: r["team"] for r in await Agent.select(Agent.id, Agent.team).where(Agent.id.is_in(agent_ids))}
    team_ids = sorted({t for t in teams.values() if t is not None})
    team_members = await Agent.select(Agent.id, Agent.team).where(Agent.team.is_in(team_ids or [-1]))
    everyone = sorted(set(agent_ids) | {m["id"] for m in team_members})
    calls = await _calls(everyone, firsts, threshold)
    scores = await _scores(agent_ids, sorted({key for first in firsts for key in quarter(first)}))
    attendance = await _attendance(agent_ids, firsts)
    # The Customer part: residents' satisfaction with the agent's calls, once surveys are collected.
    collecting = await survey_figures.surveys_in_use()
    ranges = [month_range(first, zone) for first in firsts]
    csats = await survey_figures.csat_by_agent_months(agent_ids, ranges) if collecting else [{} for _ in firsts]
    result: dict[date, dict[int, BalancedScorecard]] = {}
    for first, csat in zip(firsts, csats, strict=True):
        months = quarter(first)
        team_sums: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
        for member in team_members:
            row = calls.get((member["id"], first))
            if row:
                team_sums[member["team"]][0] += row["answered"]
                team_sums[member["team"]][1] += row["handle"] or 0
        cards = result[first] = {}
        for agent_id in agent_ids:
            row = calls.get((agent_id, first)) or {}
            team_n, team_total = team_sums.get(teams.get(agent_id), (0, 0.0))
            rostered, worked, on_time = attendance.get((agent_id, first), (0, 0, 0))
            inputs = Inputs(
                scores_month=scores.get((agent_id, months[0]), []),
                scores_three_months=[s for m in months for s in scores.get((agent_id, m), [])],
                survey=csat.get(agent_id, (0, 0)) if collecting else None,
                answered=int(row.get("answered") or 0),
                answered_within=int(row.get("within") or 0),
                handle=Sums(
                    int(row.get("answered") or 0), float(row.get("handle") or 0), float(row.get("squares") or 0)
                ),
                team_handle_mean=team_total / team_n if team_n else None,
                days_rostered=rostered,
                days_worked=worked,
                days_on_time=on_time,
            )
            cards[agent_id] = balanced_scorecard(
                inputs, settings["weights"], settings["targets"], threshold_seconds=threshold, min_n=settings["min_n"]
            )
    return result
