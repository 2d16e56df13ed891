"""The trust layer's data: each automatic criterion's marked calls, paired with the machine's
answer on the same call, and the standing `trust.judge` gives them (see scorecards/trust.py).

The machine's answer is the stored automatic result of the call (`AutoCheck`, the one figures
count); for a call marked before automatic checks were stored, the answer the evaluation was
opened with. The marker's answer is the final one (after any dispute).
"""

from __future__ import annotations

from typing import Any

from scorecards import config, trust, versions
from scorecards.tables import AutoCheck, Evaluation, EvaluationAnswer, EvaluationStatus

RELEASED = [s.value for s in EvaluationStatus if s is not EvaluationStatus.draft]
LOOK_BACK = 5  # answers read per place in the window: some calls are N/A or undecided


async def automatic_criteria() -> list[Any]:
    template = await versions.default()
    return [c for c in versions.definition_of(template).criteria() if c.automatic]


async def pairs(code: str, limit: int) -> list[trust.Pair]:
    """The criterion's marked calls, newest first: released, not calibration."""
    answers = (
        await EvaluationAnswer.select(
            EvaluationAnswer.evaluation,
            EvaluationAnswer.passed,
            EvaluationAnswer.evidence,
            EvaluationAnswer.evaluation.call.as_alias("call"),
            EvaluationAnswer.evaluation.released_at.as_alias("released_at"),
        )
        .where(
            (EvaluationAnswer.criterion == code)
            & EvaluationAnswer.evaluation.calibration.is_null()
            & EvaluationAnswer.evaluation.status.is_in(RELEASED)
        )
        .order_by(EvaluationAnswer.evaluation.released_at, ascending=False)
        .order_by(EvaluationAnswer.evaluation, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    machine = {
        r["call"]: r["value"]
        for r in await AutoCheck.select(AutoCheck.call, AutoCheck.value).where(
            (AutoCheck.criterion == code) & AutoCheck.call.is_in([a["call"] for a in answers] or [-1])
        )
    }
    result = []
    for a in answers:
        value = machine[a["call"]] if a["call"] in machine else (a["evidence"] or {}).get("machine")
        result.append(
            trust.Pair(
                call=a["call"],
                evaluation=a["evaluation"],
                marked_at=a["released_at"],
                human=a["passed"],
                machine=None if value is None else value >= 1,
            )
        )
    return result


async def standings() -> dict[str, trust.Trust]:
    """Each automatic criterion of the default template, by code, with its standing."""
    settings = (await config.load())["automatic"]
    window = settings["trust_window"]
    result = {}
    for criterion in await automatic_criteria():
        found = await pairs(criterion.code, window * LOOK_BACK)
        result[criterion.code] = trust.judge(
            criterion.code,
            found,
            alpha_min=settings["trust_alpha"],
            window=window,
            min_calls=settings["trust_min_calls"],
        )
    return result


async def trusted_criteria() -> set[str]:
    """The automatic criteria whose results count in figures."""
    return {code for code, standing in (await standings()).items() if standing.counts}


async def demoted_criteria() -> set[str]:
    """The automatic criteria whose results are suggestions only (marked and found wanting)."""
    return {code for code, s in (await standings()).items() if s.standing is trust.Standing.not_trusted}


async def evaluation_links(evaluation_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Agent name and call time of the evaluations a disagreement list links to."""
    rows = await Evaluation.select(
        Evaluation.id,
        Evaluation.call,
        Evaluation.agent.name.as_alias("agent_name"),
        Evaluation.call.offered_at.as_alias("offered_at"),
    ).where(Evaluation.id.is_in(evaluation_ids or [-1]))
    return {r["id"]: r for r in rows}
