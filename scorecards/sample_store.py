"""The monthly sample in the database: draw it (or top it up), replace a pick with a reason,
add targeted picks from flagged calls and more random picks to settle an agent's interval,
list a month's assignments. The rules are in `sampling.py`.

A month's sample is drawn once with a stored seed and rules; drawing again keeps every
existing pick and only tops up agents who are short (a call imported later, an agent who
started mid-month). Picks go to the active QA markers by workload.

Random picks make the agent's quality figure; targeted picks (flagged calls QA chose, each with
its reason) are marked the same way but reported apart. So that the random picks stay a random
sample, a targeted pick that a random draw would have taken becomes a random pick (it keeps its
reason): choosing a call for its flag never takes it out of the random draw.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from kit.stats import mean_interval
from kit.timeutil import month_range, next_month, stored_time
from qa_app import audit, db
from qa_app.i18n import _
from qa_app.settings import get_settings
from qa_app.tables import Agent, Call, Role, User
from scorecards import config
from scorecards.evaluations import AFTER_RELEASE
from scorecards.flags import KIND_LABELS, KINDS
from scorecards.sampling import (
    Candidate,
    Flagged,
    balance_markers,
    more_to_settle,
    pick,
    pick_targeted,
    week_of,
)
from scorecards.tables import Assignment, CallFlag, Evaluation, EvaluationStatus, PickKind, PickStatus, Sample

SCORE_BOUNDS = (0.0, 1.0)  # an evaluation score, as the quality figure bounds it


class SampleError(Exception):
    """The sample cannot be drawn or changed as asked; the message says why."""


@dataclass
class SampleResult:
    month: str
    sample_id: int
    seed: int
    per_agent: int
    picks: list[tuple[str, str]] = field(default_factory=list)  # random: (staff number, external id)
    flagged: list[str] = field(default_factory=list)  # agents with too few eligible calls
    created: int = 0
    targeted: list[TargetedPick] = field(default_factory=list)  # the month's targeted picks

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "seed": self.seed,
            "per_agent": self.per_agent,
            "created": self.created,
            "picks": [{"agent": agent, "call": call} for agent, call in self.picks],
            "flagged": self.flagged,
            "targeted": [t.as_json() for t in self.targeted],
        }


@dataclass(frozen=True)
class TargetedPick:
    staff_number: str
    call: str  # external id
    kind: str  # the flag it was picked for ("" when picked by hand for all its flags)
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"agent": self.staff_number, "call": self.call, "kind": self.kind, "reason": self.reason}


@dataclass(frozen=True)
class Settle:
    """An agent whose quality interval straddles the target: how many more random picks would
    settle it at the current mean and spread (`more`, None when no number would), how many of
    their random picks are still to mark, and how many to draw now."""

    agent_id: int
    name: str
    staff_number: str
    n: int
    mean: float
    low: float
    high: float
    more: int | None
    pending: int
    available: int  # eligible calls of the month not yet in the sample

    @property
    def draw(self) -> int:
        if self.more is None:
            return 0
        return max(0, min(self.more - self.pending, self.available))


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
                raise SampleError(_("--per-agent must be at least 1"))
            if min_seconds < 0:
                raise SampleError(_("--min-seconds cannot be negative"))
            seed = secrets.randbelow(2**31) if seed is None else seed
            rows = await Sample.insert(
                Sample(month=key, seed=seed, per_agent=per_agent, min_seconds=min_seconds, created_by=user_id)
            ).returning(Sample.id)
            sample = {"id": rows[0]["id"], "seed": seed, "per_agent": per_agent, "min_seconds": min_seconds}
        else:
            for name, given in (("seed", seed), ("per_agent", per_agent), ("min_seconds", min_seconds)):
                if given is not None and given != sample[name]:
                    raise SampleError(
                        _(
                            "the sample of %(month)s was drawn with %(rule)s %(value)s; it keeps its rules (asked for %(given)s)"
                        )
                        % {"month": key, "rule": name.replace("_", " "), "value": sample[name], "given": given}
                    )
        seed, per_agent, min_seconds = sample["seed"], sample["per_agent"], sample["min_seconds"]
        agents = await _active_agents(first)
        staff = {a["id"]: a["staff_number"] for a in agents}
        counts = await _eligible_counts(first, min_seconds, sorted(staff))
        state = await _state(sample["id"])
        # Only agents short of picks who have calls not yet used need their calls read.
        short = [
            a
            for a in staff
            if len(state.random_weeks.get(a, [])) < per_agent and counts.get(a, 0) > state.used_by_agent[a]
        ]
        eligible = await _eligible(first, min_seconds, sorted(short))
        new: list[Candidate] = []
        flagged = []
        for agent_id in sorted(staff, key=lambda a: staff[a]):
            if counts.get(agent_id, 0) < per_agent:
                flagged.append(staff[agent_id])
            candidates = eligible.get(agent_id, [])
            have = state.random_weeks.get(agent_id, [])
            fresh = [c for c in candidates if c.call_id not in state.used]
            new += pick(fresh, per_agent - len(have), seed, already_by_week=have)
        await _take_random(sample["id"], new, state)
        await Sample.update({Sample.flagged: flagged, Sample.updated_at: datetime.now(timezone.utc)}).where(
            Sample.id == sample["id"]
        )
        await audit.record(user_id, "sample", "sample", sample["id"], month=key, created=len(new))
    picks, targeted = await picks_of(sample["id"])
    return SampleResult(
        month=key,
        sample_id=sample["id"],
        seed=seed,
        per_agent=per_agent,
        picks=picks,
        flagged=flagged,
        created=len(new),
        targeted=targeted,
    )


@dataclass
class _State:
    """A sample's picks so far, as the draws need them."""

    rows: list[dict[str, Any]]
    used: set[int]  # calls no draw may take: every pick but the active targeted ones
    targeted: dict[int, dict[str, Any]]  # call -> its active targeted pick (a random draw may take it)
    random_weeks: dict[int, list[int]]  # agent -> the weeks of their active random picks
    used_by_agent: Counter[int]


async def _state(sample_id: int) -> _State:
    rows = await Assignment.select(
        Assignment.id,
        Assignment.agent,
        Assignment.call,
        Assignment.week,
        Assignment.status,
        Assignment.marker,
        Assignment.kind,
        Assignment.reason,
    ).where(Assignment.sample == sample_id)
    targeted = {r["call"]: r for r in rows if r["status"] == PickStatus.active and r["kind"] == PickKind.targeted}
    random_weeks: dict[int, list[int]] = {}
    used_by_agent: Counter[int] = Counter()
    for row in rows:
        if row["call"] in targeted:
            continue
        used_by_agent[row["agent"]] += 1
        if row["status"] == PickStatus.active:
            random_weeks.setdefault(row["agent"], []).append(row["week"])
    return _State(rows, {r["call"] for r in rows} - set(targeted), targeted, random_weeks, used_by_agent)


async def _workload(state: _State) -> dict[int, int]:
    workload = {m: 0 for m in await _markers()}
    for row in state.rows:
        if row["status"] == PickStatus.active and row["marker"] in workload:
            workload[row["marker"]] += 1
    return workload


async def _take_random(sample_id: int, chosen: list[Candidate], state: _State) -> None:
    """Make `chosen` random picks: a call already picked as targeted becomes random (its marker
    and any marking stay); the others are inserted, shared among the markers by workload."""
    converted = [state.targeted[c.call_id]["id"] for c in chosen if c.call_id in state.targeted]
    if converted:
        await Assignment.update({Assignment.kind: PickKind.random.value}).where(Assignment.id.is_in(converted))
    new = [c for c in chosen if c.call_id not in state.targeted]
    workload = await _workload(state)
    markers = balance_markers(len(new), workload) if workload else [None] * len(new)
    for start in range(0, len(new), 500):
        batch = list(zip(new[start : start + 500], markers[start : start + 500], strict=True))
        await Assignment.insert(
            *[
                Assignment(sample=sample_id, agent=c.agent_id, call=c.call_id, week=week_of(c.day), marker=marker)
                for c, marker in batch
            ]
        )


async def picks_of(sample_id: int) -> tuple[list[tuple[str, str]], list[TargetedPick]]:
    """The sample's active picks: the random ones as (staff number, call), the targeted ones."""
    rows = await Assignment.select(
        Assignment.agent.staff_number.as_alias("staff"),
        Assignment.call.external_id.as_alias("call"),
        Assignment.kind,
        Assignment.reason,
    ).where((Assignment.sample == sample_id) & (Assignment.status == PickStatus.active))
    random = sorted((r["staff"], r["call"]) for r in rows if r["kind"] == PickKind.random)
    targeted = sorted(
        (
            TargetedPick(r["staff"], r["call"], _kind_of(r["reason"]), r["reason"])
            for r in rows
            if r["kind"] == PickKind.targeted
        ),
        key=lambda t: (t.staff_number, t.call),
    )
    return random, targeted


async def _sample_for(first: date) -> dict[str, Any]:
    sample = await Sample.select().where(Sample.month == _key(first)).first()
    if sample is None:
        raise SampleError(_("no sample is drawn for %(month)s yet; draw it first") % {"month": _key(first)})
    return sample


# --- targeted picks ------------------------------------------------------------------------------


async def unsampled_flagged(first: date) -> tuple[list[Flagged], dict[int, dict[str, str]]]:
    """The month's flagged calls that could be picked (recorded, with an agent, not in the
    sample), and each one's flags: call -> {kind: detail}."""
    start, end = month_range(first, get_settings().timezone)
    rows = await CallFlag.raw(
        'SELECT f."call", f."kind", f."detail", c."external_id", c."agent", c."offered_at" '
        'FROM "call_flag" f JOIN "call" c ON c."id" = f."call" '
        'WHERE f."month" = {} AND c."offered_at" >= {} AND c."offered_at" < {} AND c."agent" IS NOT NULL '
        'AND c."recording_path" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "assignment" a WHERE a."call" = f."call") '
        'ORDER BY f."call"',
        _key(first),
        start,
        end,
    )
    zone = get_settings().timezone
    details: dict[int, dict[str, str]] = {}
    calls: dict[int, dict[str, Any]] = {}
    for row in rows:
        details.setdefault(row["call"], {})[row["kind"]] = row["detail"]
        calls.setdefault(row["call"], row)
    flagged = [
        Flagged(
            call_id,
            row["external_id"],
            row["agent"],
            stored_time(row["offered_at"]).astimezone(zone).day,
            tuple(sorted(k for k in details[call_id] if k in KINDS)),
        )
        for call_id, row in calls.items()
    ]
    return [f for f in flagged if f.kinds], details


def reason_for(flags: dict[str, str], kind: str | None = None) -> str:
    """A targeted pick's reason: the flag it was picked for, or all its flags."""
    kinds = [kind] if kind else [k for k in KINDS if k in flags]
    return " ".join(f"{KINDS[k]}: {flags[k]}" for k in kinds)


async def add_targeted(
    first: date, n: int | None = None, *, call_ids: list[int] | None = None, user_id: int | None = None
) -> list[TargetedPick]:
    """Add targeted picks to the month's sample from its flagged calls: up to `n` chosen by
    `sampling.pick_targeted` (spread over kinds of flag and agents, in the sample's seeded
    order), or exactly the calls `call_ids` (picked by hand, for all their flags). Each pick
    keeps its reason. Returns the picks added."""
    if call_ids is None and (n is None or n < 1):
        raise SampleError(_("say how many targeted picks to add (at least 1)"))
    async with db.write_transaction():
        sample = await _sample_for(first)
        flagged, details = await unsampled_flagged(first)
        state = await _state(sample["id"])
        if call_ids is not None:
            by_id = {f.call_id: f for f in flagged}
            missing = [c for c in call_ids if c not in by_id]
            if missing:
                raise SampleError(
                    _("only a flagged, recorded call of this month that is not in the sample yet can be picked")
                )
            chosen = [(by_id[c], "") for c in dict.fromkeys(call_ids)]
        else:
            chosen = pick_targeted(flagged, n or 0, sample["seed"], already=_already(state))
        workload = await _workload(state)
        markers = balance_markers(len(chosen), workload) if workload else [None] * len(chosen)
        staff = {a["id"]: a["staff_number"] for a in await Agent.select(Agent.id, Agent.staff_number)}
        added = []
        for (call, kind), marker in zip(chosen, markers, strict=True):
            reason = reason_for(details[call.call_id], kind or None)
            await Assignment.insert(
                Assignment(
                    sample=sample["id"],
                    agent=call.agent_id,
                    call=call.call_id,
                    week=week_of(call.day),
                    marker=marker,
                    kind=PickKind.targeted.value,
                    reason=reason,
                )
            )
            added.append(TargetedPick(staff.get(call.agent_id, ""), call.external_id, kind, reason))
        await audit.record(
            user_id, "targeted", "sample", sample["id"], month=_key(first), calls=[a.call for a in added]
        )
    return added


def _already(state: _State) -> list[tuple[int, str]]:
    """(agent, kind of flag) of the sample's active targeted picks."""
    return [
        (row["agent"], _kind_of(row["reason"]))
        for row in state.rows
        if row["kind"] == PickKind.targeted and row["status"] == PickStatus.active
    ]


async def flagged_overview(first: date, *, kind: str | None = None, limit: int = 10) -> dict[str, Any] | None:
    """For the queue page: how many of the month's flagged calls could still be picked, by kind,
    and the next `limit` of them in the order `add_targeted` takes them (of one kind when
    `kind` is given); None before the month's sample is drawn."""
    sample = await Sample.select().where(Sample.month == _key(first)).first()
    if sample is None:
        return None
    flagged, details = await unsampled_flagged(first)
    counts = Counter(k for f in flagged for k in f.kinds)
    pool = [replace(f, kinds=(kind,)) for f in flagged if kind in f.kinds] if kind else flagged
    chosen = pick_targeted(pool, limit, sample["seed"], already=_already(await _state(sample["id"])))
    calls = {
        r["id"]: r
        for r in await Call.select(
            Call.id,
            Call.offered_at,
            Call.talk_seconds,
            Call.agent.name.as_alias("agent_name"),
            Call.agent.staff_number.as_alias("staff_number"),
        ).where(Call.id.is_in([c.call_id for c, _ in chosen] or [-1]))
    }
    rows = []
    for call, picked_for in chosen:
        flags = details[call.call_id]
        rows.append(
            {
                **calls[call.call_id],
                "call_id": call.call_id,
                "kind": picked_for,
                "flags": [(str(KIND_LABELS[k]), flags[k]) for k in KINDS if k in flags],
            }
        )
    return {"total": len(flagged), "by_kind": {k: counts[k] for k in KINDS if counts[k]}, "calls": rows}


def _kind_of(reason: str) -> str:
    """The kind of flag a targeted pick was chosen for, from its reason (see `reason_for`)."""
    return next((kind for kind, label in KINDS.items() if reason.startswith(f"{label}: ")), "")


# --- enough calls to decide ----------------------------------------------------------------------


async def settle_plan(first: date) -> list[Settle]:
    """The agents whose quality interval (random picks only, as the figure) straddles the
    target, with how many more random picks would settle it."""
    sample = await Sample.select().where(Sample.month == _key(first)).first()
    if sample is None:
        return []
    settings = await config.load()
    target = float(settings["targets"]["quality"])
    picks = await Assignment.select(
        Assignment.id,
        Assignment.agent,
        Assignment.call,
        Assignment.agent.name.as_alias("name"),
        Assignment.agent.staff_number.as_alias("staff"),
    ).where(
        (Assignment.sample == sample["id"])
        & (Assignment.status == PickStatus.active)
        & (Assignment.kind == PickKind.random.value)
    )
    marked = await Evaluation.select(Evaluation.assignment, Evaluation.score).where(
        Evaluation.assignment.is_in([p["id"] for p in picks] or [-1])
        & Evaluation.calibration.is_null()
        & Evaluation.status.is_in([s.value for s in AFTER_RELEASE])
        & Evaluation.score.is_not_null()
    )
    score_of = {m["assignment"]: m["score"] for m in marked}
    scores: dict[int, list[float]] = {}
    pending: Counter[int] = Counter()
    names: dict[int, tuple[str, str]] = {}
    for row in picks:
        names[row["agent"]] = (row["name"], row["staff"])
        if row["id"] in score_of:
            scores.setdefault(row["agent"], []).append(float(score_of[row["id"]]))
        else:
            pending[row["agent"]] += 1
    straddling = {}
    for agent_id, values in scores.items():
        if len(values) < 2:
            continue  # one mark shows no spread: its picks still to mark come first
        estimate = mean_interval(values, bounds=SCORE_BOUNDS)
        if estimate.low is None or estimate.high is None or not estimate.low <= target <= estimate.high:
            continue
        straddling[agent_id] = estimate
    if not straddling:
        return []
    counts = await _eligible_counts(first, sample["min_seconds"], sorted(straddling))
    state = await _state(sample["id"])
    result = []
    for agent_id, estimate in sorted(straddling.items(), key=lambda item: names[item[0]]):
        values = scores[agent_id]
        more = more_to_settle(values, target, bounds=SCORE_BOUNDS)
        if more is not None:
            more = max(more, int(settings["min_n"]) - len(values))
        result.append(
            Settle(
                agent_id,
                *names[agent_id],
                n=len(values),
                mean=float(estimate.value),
                low=float(estimate.low),
                high=float(estimate.high),
                more=more,
                pending=pending[agent_id],
                available=max(0, counts.get(agent_id, 0) - state.used_by_agent[agent_id]),
            )
        )
    return result


async def add_random(first: date, agent_id: int, n: int, *, user_id: int | None = None) -> int:
    """Draw `n` more random picks for one agent (to settle their interval), continuing the
    sample's seeded order and keeping the spread over the weeks; the number drawn (fewer when
    the agent has fewer calls left)."""
    if n < 1:
        raise SampleError(_("say how many calls to draw (at least 1)"))
    async with db.write_transaction():
        sample = await _sample_for(first)
        state = await _state(sample["id"])
        candidates = (await _eligible(first, sample["min_seconds"], [agent_id])).get(agent_id, [])
        fresh = [c for c in candidates if c.call_id not in state.used]
        chosen = pick(fresh, n, sample["seed"], already_by_week=state.random_weeks.get(agent_id, []))
        if not chosen:
            raise SampleError(_("this agent has no other recorded call in that month to draw"))
        await _take_random(sample["id"], chosen, state)
        await audit.record(
            user_id, "sample", "sample", sample["id"], month=_key(first), agent=agent_id, created=len(chosen)
        )
    return len(chosen)


async def replace_pick(assignment_id: int, reason: str, user_id: int | None) -> int | None:
    """Swap a random pick that cannot be marked for another call of the same agent and month;
    the old pick stays, with its reason, pointing at the new one (whose id is returned). A
    targeted pick is withdrawn instead (None). A draft evaluation of it is dropped."""
    if not reason.strip():
        raise SampleError(_("say why this call cannot be marked"))
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
            raise SampleError(_("only a pick that is still in the sample can be replaced"))
        evaluation = (
            await Evaluation.select(Evaluation.id, Evaluation.status)
            .where(Evaluation.assignment == assignment_id)
            .first()
        )
        if evaluation and evaluation["status"] != EvaluationStatus.draft:
            raise SampleError(_("this call is marked already; it can no longer be replaced"))
        first = date.fromisoformat(old["month"] + "-01")
        if evaluation:
            await Evaluation.delete().where(Evaluation.id == evaluation["id"])
        now = datetime.now(timezone.utc)
        if old["kind"] == PickKind.targeted:
            # A targeted pick is withdrawn: no call takes its place (QA may pick another flagged call).
            await Assignment.update(
                {
                    Assignment.status: PickStatus.replaced,
                    Assignment.replace_reason: reason.strip(),
                    Assignment.replaced_at: now,
                }
            ).where(Assignment.id == assignment_id)
            await audit.record(user_id, "withdraw", "assignment", assignment_id, reason=reason.strip())
            return None
        candidates = (await _eligible(first, old["min_seconds"], [old["agent"]])).get(old["agent"], [])
        state = await _state(old["sample"])
        weeks = list(state.random_weeks.get(old["agent"], []))
        weeks.remove(old["week"])
        fresh = [c for c in candidates if c.call_id not in state.used and c.agent_id == old["agent"]]
        chosen = pick(fresh, 1, old["seed"], already_by_week=weeks)
        if not chosen:
            raise SampleError(_("this agent has no other recorded call in that month to take its place"))
        new = chosen[0]
        if new.call_id in state.targeted:  # the draw takes a call picked as targeted: it becomes random
            new_id = state.targeted[new.call_id]["id"]
            await Assignment.update({Assignment.kind: PickKind.random.value}).where(Assignment.id == new_id)
        else:
            rows = await Assignment.insert(
                Assignment(
                    sample=old["sample"],
                    agent=old["agent"],
                    call=new.call_id,
                    week=week_of(new.day),
                    marker=old["marker"],
                )
            ).returning(Assignment.id)
            new_id = rows[0]["id"]
        await Assignment.update(
            {
                Assignment.status: PickStatus.replaced,
                Assignment.replace_reason: reason.strip(),
                Assignment.replaced_at: now,
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
        Assignment.kind,
        Assignment.reason,
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
        row["to_mark"] = row["status"] == PickStatus.active and row["evaluation_status"] in (
            None,
            EvaluationStatus.draft,
        )
    return rows
