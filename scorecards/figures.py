"""The QA figures of a month, for the pages and the monthly report alike: evaluations released
against the sample's plan, mean scores by team and agent, the most failed criteria, critical
errors, and the calibration sessions closed.

All of these rest on the randomly picked calls only (`balanced_queries.counts_in_quality_figure`),
so they estimate a typical call without bias; the calls QA picked for a reason (targeted picks)
are reported apart, by reason."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kit.stats import Estimate, mean_interval
from kit.timeutil import month_range
from qa_app.settings import get_settings
from scorecards import calibration_store
from scorecards.balanced import SCORE_BOUNDS
from scorecards.balanced_queries import month_key
from scorecards.tables import (
    Assignment,
    CalibrationSession,
    Evaluation,
    EvaluationAnswer,
    PickKind,
    PickStatus,
    Sample,
)


@dataclass(frozen=True)
class QualityMonth:
    planned: int  # randomly picked calls in the month's sample (active picks)
    released: int  # evaluations of random picks released (not drafts, not calibration)
    by_team: list[tuple[str, Estimate]]
    by_agent: list[tuple[str, Estimate]]
    failed_criteria: list[tuple[str, int, int]]  # criterion, failed, answered; most failed first
    critical: list[tuple[str, int]]  # error group, evaluations zeroed
    calibrations: list[tuple[str, int, float | None]]  # session, markers, Krippendorff's alpha
    # Targeted picks, apart: reason, evaluations released, mean score, evaluations zeroed.
    targeted: list[tuple[str, int, Estimate, int]] = field(default_factory=list)


async def quality_month(first: date, agent_ids: list[int] | None) -> QualityMonth:
    key = month_key(first)
    where = (Evaluation.month == key) & Evaluation.calibration.is_null() & (Evaluation.status != "draft")
    if agent_ids is not None:
        where &= Evaluation.agent.is_in(agent_ids or [-1])
    rows = (
        await Evaluation.select(
            Evaluation.id,
            Evaluation.score,
            Evaluation.groups,
            Evaluation.agent.name.as_alias("agent"),
            Evaluation.agent.team.name.as_alias("team"),
            Evaluation.assignment.kind.as_alias("pick_kind"),
            Evaluation.assignment.reason.as_alias("pick_reason"),
        )
        .where(where)
        .output(load_json=True)
    )
    # As balanced_queries.counts_in_quality_figure: no pick (older rows) counts as random.
    evaluations = [e for e in rows if e["pick_kind"] != PickKind.targeted.value]
    sample = await Sample.select(Sample.id).where(Sample.month == key).first()
    planned = 0
    if sample:
        picks = Assignment.count().where(
            (Assignment.sample == sample["id"])
            & (Assignment.status == PickStatus.active)
            & (Assignment.kind == PickKind.random.value)
        )
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
        critical.update(zeroed_groups(e["groups"]))
    return QualityMonth(
        planned=planned,
        released=len(evaluations),
        by_team=[(name, mean_interval(s, bounds=SCORE_BOUNDS)) for name, s in sorted(grouped["team"].items())],
        by_agent=[(name, mean_interval(s, bounds=SCORE_BOUNDS)) for name, s in sorted(grouped["agent"].items())],
        failed_criteria=[(c, n, answered[c]) for c, n in failed.most_common(10) if n],
        critical=sorted(critical.items()),
        calibrations=await calibrations_closed(first),
        targeted=_targeted([e for e in rows if e["pick_kind"] == PickKind.targeted.value]),
    )


def zeroed_groups(result: dict[str, Any] | None) -> list[str]:
    """The error groups a critical failure zeroed in an evaluation's stored result
    (`scoring.ScoreResult.as_json`: the groups are under "groups")."""
    groups = (result or {}).get("groups") or {}
    return [name for name, group in groups.items() if isinstance(group, dict) and group.get("zeroed")]


def _targeted(rows: list[dict[str, Any]]) -> list[tuple[str, int, Estimate, int]]:
    by_reason: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in rows:
        by_reason[e["pick_reason"] or "(no reason given)"].append(e)
    result = []
    for reason, group in sorted(by_reason.items()):
        scores = [e["score"] for e in group if e["score"] is not None]
        zeroed = sum(bool(zeroed_groups(e["groups"])) for e in group)
        result.append((reason, len(group), mean_interval(scores, bounds=SCORE_BOUNDS), zeroed))
    return result


async def calibrations_closed(first: date) -> list[tuple[str, int, Any]]:
    start, end = month_range(first, get_settings().timezone)
    rows = []
    for session in await CalibrationSession.select(CalibrationSession.id, CalibrationSession.title).where(
        (CalibrationSession.closed_at >= start) & (CalibrationSession.closed_at < end)
    ):
        result = await calibration_store.results(session["id"])
        rows.append((session["title"], len(result["ratings"]), result["alpha"]))
    return rows
