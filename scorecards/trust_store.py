"""The trust layer's data: each automatic criterion's marked calls, paired with the machine's
answer on the same call, and the standing `trust.judge` gives them (see scorecards/trust.py).

The machine's answer is the stored automatic result of the call (`AutoCheck`, the one figures
count); for a call marked before automatic checks were stored, the answer the evaluation was
opened with. The marker's answer is the final one (after any dispute).
"""

from __future__ import annotations

from typing import Any

from kit.timeutil import stored_time
from qa_app import db
from scorecards import config, trust, versions
from scorecards.tables import AutoCheck, Evaluation, EvaluationAnswer, EvaluationStatus

RELEASED = [s.value for s in EvaluationStatus if s is not EvaluationStatus.draft]
LOOK_BACK = 5  # answers read per place in the window: some calls are N/A or undecided


async def automatic_criteria() -> list[Any]:
    template = await versions.default()
    return [c for c in versions.definition_of(template).criteria() if c.automatic]


async def pairs(codes: list[str], limit: int) -> dict[str, list[trust.Pair]]:
    """Each criterion's marked calls, newest first, at most `limit` each: released, not
    calibration. Two queries for all the criteria (every month page asks for them)."""
    if not codes:
        return {}
    rows = await EvaluationAnswer.raw(
        f"""
        SELECT * FROM (
            SELECT a."criterion", a."evaluation", a."passed", a."evidence", e."call", e."released_at",
                   ROW_NUMBER() OVER (
                       PARTITION BY a."criterion" ORDER BY e."released_at" DESC, a."evaluation" DESC
                   ) AS place
            FROM "evaluation_answer" a JOIN "evaluation" e ON e."id" = a."evaluation"
            WHERE a."criterion" IN ({", ".join("{}" for _ in codes)})
              AND e."calibration" IS NULL AND e."status" IN ({", ".join("{}" for _ in RELEASED)})
        ) ranked
        WHERE "place" <= {int(limit)}
        ORDER BY "criterion", "place"
        """,
        *codes,
        *RELEASED,
    )
    calls = db.sql_in('"call"', sorted({r["call"] for r in rows if r["call"] is not None}))
    machine = {
        (r["criterion"], r["call"]): r["value"]
        for r in await AutoCheck.raw(
            f'SELECT "criterion", "call", "value" FROM "auto_check" WHERE {calls} '
            f'AND "criterion" IN ({", ".join("{}" for _ in codes)})',
            *codes,
        )
    }
    result: dict[str, list[trust.Pair]] = {code: [] for code in codes}
    for a in rows:
        key = (a["criterion"], a["call"])
        if key in machine:
            value = machine[key]
        else:  # marked before automatic results were stored: the answer the evaluation opened with
            evidence = db.json_value(a["evidence"])
            value = (evidence or {}).get("machine")
        result[a["criterion"]].append(
            trust.Pair(
                call=a["call"],
                evaluation=a["evaluation"],
                marked_at=stored_time(a["released_at"]),
                human=None if a["passed"] is None else bool(a["passed"]),
                machine=None if value is None else value >= 1,
            )
        )
    return result


async def standings() -> dict[str, trust.Trust]:
    """Each automatic criterion of the default template, by code, with its standing."""
    settings = (await config.load())["automatic"]
    window = settings["trust_window"]
    codes = [criterion.code for criterion in await automatic_criteria()]
    found = await pairs(codes, window * LOOK_BACK)
    return {
        code: trust.judge(
            code,
            found[code],
            alpha_min=settings["trust_alpha"],
            window=window,
            min_calls=settings["trust_min_calls"],
        )
        for code in codes
    }


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
