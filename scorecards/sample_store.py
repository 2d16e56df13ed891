"""The monthly sample in the database: draw it (or top it up), replace a pick with a reason,
list a month's assignments. The rules are in `sampling.py`.

A month's sample is drawn once with a stored seed and rules; drawing again keeps every
existing pick and only tops up agents who are short (a call imported later, an agent who
started mid-month). Picks go to the active QA markers by workload.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from kit.timeutil import month_range, next_month
from qa_app import audit, db
from qa_app.settings import get_settings
from qa_app.tables import Agent, Call, Role, User
from scorecards import config
from scorecards.sampling import Candidate, balance_markers, pick, week_of
from scorecards.tables import Assignment, Evaluation, EvaluationStatus, PickStatus, Sample


class SampleError(Exception):
    """The sample cannot be drawn or changed as asked; the message says why."""


@dataclass
class SampleResult:
    month: str
    sample_id: int
    seed: int
    per_agent: int
    picks: list[tuple[str, str]] = field(default_factory=list)  # (staff number, external id)
    flagged: list[str] = field(default_factory=list)
    created: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "seed": self.seed,
            "per_agent": self.per_agent,
            "created": self.created,
            "picks": [{"agent": agent, "call": call} for agent, call in self.picks],
            "flagged": self.flagged,
        }


def _key(first: date) -> str:
    return first.strftime("%Y-%m")


async def _active_agents(first: date) -> list[dict[str, Any]]:
    last = next_month(first) - timedelta(days=1)
    return await Agent.select(Agent.id, Agent.staff_number).where(
        (Agent.active_from.is_null() | (Agent.active_from <= last))
        & (Agent.active_to.is_null() | (Agent.active_to >= first))
    )


def _eligible_where(agent_ids: list[int]) -> str:
    return (
        'WHERE "offered_at" >= {} AND "offered_at" < {} AND "answered_at" IS NOT NULL '
        'AND "recording_path" IS NOT NULL AND "talk_seconds" >= {} AND ' + db.sql_in('"agent"', agent_ids)
    )


async def _eligible_counts(first: date, min_seconds: int, agent_ids: list[int]) -> dict[int, int]:
    start, end = month_range(first, get_settings().timezone)
    rows = await Call.raw(
        'SELECT "agent", COUNT(*) AS n FROM "call" ' + _eligible_where(agent_ids) + ' GROUP BY "agent"',
        start,
        end,
        min_seconds,
    )
    return {row["agent"]: row["n"] for row in rows}


async def _eligible(first: date, min_seconds: int, agent_ids: list[int]) -> dict[int, list[Candidate]]:
    zone = get_settings().timezone
    start, end = month_range(first, zone)
    if not agent_ids:
        return {}
    rows = await Call.raw(
        'SELECT "id", "external_id", "agent", "offered_at" FROM "call" ' + _eligible_where(agent_ids),
        start,
        end,
        min_seconds,
    )
    by_agent: dict[int, list[Candidate]] = {}
    for row in rows:
        day = row["offered_at"].astimezone(zone).day
        by_agent.setdefault(row["agent"], []).append(Candidate(row["id"], row["external_id"], row["agent"], day))
    return by_agent


async def _markers() -> list[int]:
    rows = await User.select(User.id).where((User.role == Role.qa.value) & (User.active == True))  # noqa: E712
    return sorted(r["id"] for r in rows)


async def run_sample(
    month: date,
    *,
    per_agent: int | None = None,
    seed: int | None = None,
    min_seconds: int | None = None,
    user_id: int | None = None,
) -> SampleResult:
    first = month.replace(day=1)
    key = _key(first)
    async with db.write_transaction():
        sample = await Sample.select().where(Sample.month == key).first()
        if sample is None:
            settings = await config.load()
            per_agent = settings["per_agent"] if per_agent is None else per_agent
            min_seconds = settings["min_seconds"] if min_seconds is None else min_seconds
            if per_agent < 1:
                raise SampleError("--per-agent must be at least 1")
            if min_seconds < 0:
                raise SampleError("--min-seconds cannot be negative")
            seed = secrets.randbelow(2**31) if seed is None else seed
            rows = await Sample.insert(
                Sample(month=key, seed=seed, per_agent=per_agent, min_seconds=min_seconds, created_by=user_id)
            ).returning(Sample.id)
            sample = {"id": rows[0]["id"], "seed": seed, "per_agent": per_agent, "min_seconds": min_seconds}
        else:
            for name, given in (("seed", seed), ("per_agent", per_agent), ("min_seconds", min_seconds)):
                if given is not None and given != sample[name]:
                    raise SampleError(
                        f"the sample of {key} was drawn with {name.replace('_', ' ')} {sample[name]}; "
                        f"it keeps its rules (asked for {given})"
                    )
        seed, per_agent, min_seconds = sample["seed"], sample["per_agent"], sample["min_seconds"]
        agents = await _active_agents(first)
        staff = {a["id"]: a["staff_number"] for a in agents}
        counts = await _eligible_counts(first, min_seconds, sorted(staff))
        existing = await Assignment.select(
            Assignment.agent, Assignment.call, Assignment.week, Assignment.status, Assignment.marker
        ).where(Assignment.sample == sample["id"])
        used = {row["call"] for row in existing}
        active_weeks: dict[int, list[int]] = {}
        used_by_agent: Counter[int] = Counter()
        for row in existing:
            used_by_agent[row["agent"]] += 1
            if row["status"] == PickStatus.active:
                active_weeks.setdefault(row["agent"], []).append(row["week"])
        # Only agents short of picks who have calls not yet used need their calls read.
        short = [a for a in staff if len(active_weeks.get(a, [])) < per_agent and counts.get(a, 0) > used_by_agent[a]]
        eligible = await _eligible(first, min_seconds, sorted(short))
        new: list[Candidate] = []
        flagged = []
        for agent_id in sorted(staff, key=lambda a: staff[a]):
            if counts.get(agent_id, 0) < per_agent:
                flagged.append(staff[agent_id])
            candidates = eligible.get(agent_id, [])
            have = active_weeks.get(agent_id, [])
            fresh = [c for c in candidates if c.call_id not in used]
            new += pick(fresh, per_agent - len(have), seed, already_by_week=have)
        markers = await _markers()
        chosen = [None] * len(new)
        if markers:
            workload = {m: 0 for m in markers}
            for row in existing:
                if row["status"] == PickStatus.active and row["marker"] in workload:
                    workload[row["marker"]] += 1
            chosen = balance_markers(len(new), workload)
        for start in range(0, len(new), 500):
            batch = list(zip(new[start : start + 500], chosen[start : start + 500], strict=True))
            await Assignment.insert(
                *[
                    Assignment(
                        sample=sample["id"], agent=c.agent_id, call=c.call_id, week=week_of(c.day), marker=marker
                    )
                    for c, marker in batch
                ]
            )
        await Sample.update({Sample.flagged: flagged, Sample.updated_at: datetime.now(timezone.utc)}).where(
            Sample.id == sample["id"]
        )
        picks = await Assignment.select(
            Assignment.agent.staff_number.as_alias("staff"), Assignment.call.external_id.as_alias("call")
        ).where((Assignment.sample == sample["id"]) & (Assignment.status == PickStatus.active))
        await audit.record(user_id, "sample", "sample", sample["id"], month=key, created=len(new))
    return SampleResult(
        month=key,
        sample_id=sample["id"],
        seed=seed,
        per_agent=per_agent,
        picks=sorted((p["staff"], p["call"]) for p in picks),
        flagged=flagged,
        created=len(new),
    )


async def replace_pick(assignment_id: int, reason: str, user_id: int | None) -> int:
    """Swap a pick that cannot be marked for another call of the same agent and month; the old
    pick stays, with its reason, pointing at the new one. A draft evaluation of it is dropped."""
    if not reason.strip():
        raise SampleError("say why this call cannot be marked")
    async with db.write_transaction():
        old = (
            await Assignment.select(
                Assignment.all_columns(),
                Assignment.sample.month.as_alias("month"),
                Assignment.sample.seed.as_alias("seed"),
                Assignment.sample.min_seconds.as_alias("min_seconds"),
            )
            .where(Assignment.id == assignment_id)
            .first()
        )
        if old is None or old["status"] != PickStatus.active:
            raise SampleError("only a pick that is still in the sample can be replaced")
        evaluation = (
            await Evaluation.select(Evaluation.id, Evaluation.status)
            .where(Evaluation.assignment == assignment_id)
            .first()
        )
        if evaluation and evaluation["status"] != EvaluationStatus.draft:
            raise SampleError("this call is marked already; it can no longer be replaced")
        first = date.fromisoformat(old["month"] + "-01")
        candidates = (await _eligible(first, old["min_seconds"], [old["agent"]])).get(old["agent"], [])
        siblings = await Assignment.select(Assignment.call, Assignment.week, Assignment.status).where(
            Assignment.sample == old["sample"]
        )
        used = {row["call"] for row in siblings}
        weeks = [row["week"] for row in siblings if row["status"] == PickStatus.active and row["call"] != old["call"]]
        fresh = [c for c in candidates if c.call_id not in used and c.agent_id == old["agent"]]
        chosen = pick(fresh, 1, old["seed"], already_by_week=weeks)
        if not chosen:
            raise SampleError("this agent has no other recorded call in that month to take its place")
        if evaluation:
            await Evaluation.delete().where(Evaluation.id == evaluation["id"])
        new = chosen[0]
        rows = await Assignment.insert(
            Assignment(
                sample=old["sample"], agent=old["agent"], call=new.call_id, week=week_of(new.day), marker=old["marker"]
            )
        ).returning(Assignment.id)
        new_id = rows[0]["id"]
        await Assignment.update(
            {
                Assignment.status: PickStatus.replaced,
                Assignment.replace_reason: reason.strip(),
                Assignment.replaced_at: datetime.now(timezone.utc),
                Assignment.replaced_by: new_id,
            }
        ).where(Assignment.id == assignment_id)
        await audit.record(user_id, "replace", "assignment", assignment_id, reason=reason.strip(), new=new_id)
    return new_id


async def get_sample(month: date) -> dict[str, Any] | None:
    return await Sample.select().where(Sample.month == _key(month)).output(load_json=True).first()


async def assignment_month(assignment_id: int) -> str | None:
    row = (
        await Assignment.select(Assignment.sample.month.as_alias("month")).where(Assignment.id == assignment_id).first()
    )
    return row["month"] if row else None


async def month_assignments(month: date, marker_id: int | None = None) -> list[dict[str, Any]]:
    """The month's picks for the QA queue, with their evaluation if one is started."""
    query = Assignment.select(
        Assignment.id,
        Assignment.status,
        Assignment.week,
        Assignment.replace_reason,
        Assignment.marker.as_alias("marker_id"),
        Assignment.marker.name.as_alias("marker_name"),
        Assignment.agent.as_alias("agent_id"),
        Assignment.agent.name.as_alias("agent_name"),
        Assignment.agent.staff_number.as_alias("staff_number"),
        Assignment.call.as_alias("call_id"),
        Assignment.call.external_id.as_alias("call_external_id"),
        Assignment.call.offered_at.as_alias("offered_at"),
        Assignment.call.talk_seconds.as_alias("talk_seconds"),
    ).where(Assignment.sample.month == _key(month))
    if marker_id is not None:
        query = query.where(Assignment.marker == marker_id)
    rows = await query.order_by(Assignment.agent.name).order_by(Assignment.week).order_by(Assignment.id)
    evaluations = await Evaluation.select(Evaluation.id, Evaluation.assignment, Evaluation.status).where(
        Evaluation.assignment.is_in([r["id"] for r in rows] or [-1])
    )
    by_assignment = {e["assignment"]: e for e in evaluations}
    for row in rows:
        found = by_assignment.get(row["id"])
        row["evaluation_id"] = found["id"] if found else None
        row["evaluation_status"] = found["status"] if found else None
    return rows
