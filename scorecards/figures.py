"""The QA figures of a month, for the pages and the monthly report alike: evaluations released
against the sample's plan, mean scores by team and agent, the most failed criteria, critical
errors, and the calibration sessions closed."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from kit.stats import Estimate, mean_interval
from kit.timeutil import month_range
from qa_app.settings import get_settings
from scorecards import calibration_store
from scorecards.balanced import SCORE_BOUNDS
from scorecards.balanced_queries import month_key
from scorecards.tables import Assignment, CalibrationSession, Evaluation, EvaluationAnswer, PickStatus, Sample


@dataclass(frozen=True)
class QualityMonth:
    planned: int  # calls in the month's sample (active picks)
    released: int  # evaluations released (not drafts, not calibration)
    by_team: list[tuple[str, Estimate]]
    by_agent: list[tuple[str, Estimate]]
    failed_criteria: list[tuple[str, int, int]]  # criterion, failed, answered; most failed first
    critical: list[tuple[str, int]]  # error group, evaluations zeroed
    calibrations: list[tuple[str, int, float | None]]  # session, markers, Krippendorff's alpha


async def quality_month(first: date, agent_ids: list[int] | None) -> QualityMonth:
    key = month_key(first)
    where = (Evaluation.month == key) & Evaluation.calibration.is_null() & (Evaluation.status != "draft")
    if agent_ids is not None:
        where &= Evaluation.agent.is_in(agent_ids or [-1])
    evaluations = (
        await Evaluation.select(
            Evaluation.id,
            Evaluation.score,
            Evaluation.groups,
            Evaluation.agent.name.as_alias("agent"),
            Evaluation.agent.team.name.as_alias("team"),
        )
        .where(where)
        .output(load_json=True)
    )
    sample = await Sample.select(Sample.id).where(Sample.month == key).first()
    planned = 0
    if sample:
        picks = Assignment.count().where((Assignment.sample == sample["id"]) & (Assignment.status == PickStatus.active))
        if agent_ids is not None:
            picks = picks.where(Assignment.agent.is_in(agent_ids or [-1]))
        planned = await picks
    grouped: dict[str, dict[str, list[float]]] = {"team": defaultdict(list), "agent": defaultdict(list)}
    for e in evaluations:
        if e["score"] is not None:
            for group_key, scores in grouped.items():
                scores[e[group_key] or "(none)"].append(e["score"])
    answers = await EvaluationAnswer.select(EvaluationAnswer.criterion, EvaluationAnswer.passed).where(
        EvaluationAnswer.evaluation.is_in([e["id"] for e in evaluations] or [-1])
        & EvaluationAnswer.passed.is_not_null()
    )
    failed, answered = Counter(), Counter()
    for a in answers:
        answered[a["criterion"]] += 1
        failed[a["criterion"]] += not a["passed"]
    critical: Counter[str] = Counter()
    for e in evaluations:
        for group, result in (e["groups"] or {}).items():
            if isinstance(result, dict) and result.get("zeroed"):
                critical[group] += 1
    return QualityMonth(
        planned=planned,
        released=len(evaluations),
        by_team=[(name, mean_interval(s, bounds=SCORE_BOUNDS)) for name, s in sorted(grouped["team"].items())],
        by_agent=[(name, mean_interval(s, bounds=SCORE_BOUNDS)) for name, s in sorted(grouped["agent"].items())],
        failed_criteria=[(c, n, answered[c]) for c, n in failed.most_common(10) if n],
        critical=sorted(critical.items()),
        calibrations=await calibrations_closed(first),
    )


async def calibrations_closed(first: date) -> list[tuple[str, int, Any]]:
    start, end = month_range(first, get_settings().timezone)
    rows = []
    for session in await CalibrationSession.select(CalibrationSession.id, CalibrationSession.title).where(
        (CalibrationSession.closed_at >= start) & (CalibrationSession.closed_at < end)
    ):
        result = await calibration_store.results(session["id"])
        rows.append((session["title"], len(result["ratings"]), result["alpha"]))
    return rows
