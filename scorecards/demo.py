"""The demo centre's quality work: each month's sample drawn, the sampled calls of the last two
full months marked (and this month's partly), most acknowledged by their agents, one disputed,
and a closed calibration session, so every scorecard page has something true to show.

Marks go through the same functions as the marking page: automatic criteria come from the
call and its transcript, and the other answers follow each agent's own skill.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from kit.timeutil import current_month, previous_month
from qa_app.auth import CurrentUser
from qa_app.settings import get_settings
from qa_app.tables import Agent, Role, User
from scorecards import autochecks, calibration_store, evaluations, sample_store, versions
from scorecards.evaluations import Marked
from scorecards.tables import Evaluation, EvaluationStatus, Sample

DEMO_SEED = 4242
# How often the demo's marker overrules an automatic answer (never for the phone system's figures).
OVERRULED = {"closing": 0.3, "greeting": 0.02}


async def load(*, seed: int, today: date, echo: Callable[[str], None]) -> None:
    if await Sample.count():
        return
    zone = get_settings().timezone
    rng = random.Random(seed)
    qa_user = await User.select(User.id, User.email, User.name).where(User.role == Role.qa.value).first()
    if qa_user is None:
        return
    marker = CurrentUser(id=qa_user["id"], email=qa_user["email"], name=qa_user["name"], role=Role.qa)
    skills = {a["id"]: rng.uniform(0.72, 0.97) for a in await Agent.select(Agent.id)}
    definition = versions.definition_of(await versions.default())
    this = current_month(zone, datetime.combine(today, time(12), tzinfo=zone))
    months = [previous_month(previous_month(this)), previous_month(this), this]
    checked = 0
    for first in [previous_month(months[0]), *months]:
        checked += (await autochecks.score_month(first)).scored
    echo(f"automatic checks: {checked} answered calls checked")
    marked = 0
    for first in months:
        await sample_store.run_sample(first, seed=seed + first.month)
        picks = [r for r in await sample_store.month_assignments(first) if r["status"] == "active"]
        share = 1.0 if first != this else 0.35
        for pick in picks:
            if rng.random() > share:
                continue
            evaluation_id = await evaluations.start_for_assignment(pick["id"], marker)
            await evaluations.save(
                evaluation_id,
                marker,
                _answers(
                    rng,
                    definition,
                    skills.get(pick["agent_id"], 0.85),
                    (await evaluations.load(evaluation_id))["answers"],
                ),
                rng.choice(
                    [
                        "",
                        "",
                        "Clear and friendly call.",
                        "Good use of the knowledge base.",
                        "Remember to offer the case number at the end.",
                    ]
                ),
                submit=True,
            )
            marked += 1
            released = datetime.combine(
                min(today, pick["offered_at"].astimezone(zone).date() + timedelta(days=rng.randint(2, 9))),
                time(rng.randint(9, 16)),
                tzinfo=zone,
            ).astimezone(timezone.utc)
            update = {Evaluation.released_at: released}
            if first != this and rng.random() < 0.85:
                update.update({Evaluation.status: EvaluationStatus.acknowledged, Evaluation.acknowledged_at: released})
            await Evaluation.update(update).where(Evaluation.id == evaluation_id)
    await _dispute_one(today)
    await _calibration(rng, definition, months[1])
    echo(f"demo quality work: samples for {len(months)} months, {marked} evaluations released")


def _answers(rng: random.Random, definition, skill: float, stored: dict) -> dict[str, Marked]:
    result = {}
    for criterion in definition.criteria():
        existing = stored.get(criterion.code)
        machine = None
        if criterion.automatic and existing:
            machine = existing["value"] if existing["automatic"] else (existing["evidence"] or {}).get("machine")
        if machine is not None:
            # The automatic check decided (or suggested); the marker mostly agrees. The closing
            # check hears "anything else" in calls that did not end well, so markers overrule it
            # often: the trust page shows it demoted.
            if rng.random() < OVERRULED.get(criterion.code, 0.0):
                result[criterion.code] = Marked(
                    1.0 - machine,
                    False,
                    "The automatic check got this wrong.",
                    reason="Listened to the call: the automatic check misheard it.",
                )
            elif not existing["automatic"]:
                result[criterion.code] = Marked(machine, False, "")
            continue
        if criterion.na_allowed and rng.random() < 0.35:
            result[criterion.code] = Marked(None, True, "")
        elif criterion.kind == "scale":
            top = criterion.scale_max
            value = top if rng.random() < skill else max(0, top - rng.choice([1, 1, 2]))
            result[criterion.code] = Marked(float(value), False, "")
        else:
            ok = rng.random() < (skill if criterion.error_group == "none" else min(0.99, skill + 0.08))
            comment = "" if ok else "See the transcript around this point."
            result[criterion.code] = Marked(1.0 if ok else 0.0, False, comment)
    return result


async def _dispute_one(today: date) -> None:
    """The demo agent login disputes their latest released evaluation of this month."""
    agent = await Agent.select(Agent.id, Agent.user).where(Agent.staff_number == "1001").first()
    if not agent or not agent["user"]:
        return
    latest = (
        await Evaluation.select(Evaluation.id)
        .where((Evaluation.agent == agent["id"]) & (Evaluation.status == EvaluationStatus.released))
        .order_by(Evaluation.id, ascending=False)
        .first()
    )
    if latest is None:
        return
    user = await User.select(User.email, User.name).where(User.id == agent["user"]).first()
    me = CurrentUser(id=agent["user"], email=user["email"], name=user["name"], role=Role.agent, agent_id=agent["id"])
    evaluation = await evaluations.load(latest["id"])
    scale = next((c for c in evaluation["definition"].criteria() if c.kind == "scale"), None)
    if scale is not None:
        await evaluations.dispute(
            latest["id"],
            me,
            {scale.code: "The caller was upset and I stayed calm throughout; please listen again."},
            "",
        )


async def _calibration(rng: random.Random, definition, first: date) -> None:
    """A closed session: the QA marker and two team leaders on one call of last month."""
    columns = (User.id, User.email, User.name, User.role)
    qa = await User.select(*columns).where(User.role == Role.qa.value).order_by(User.id)
    leaders = await User.select(*columns).where(User.role == Role.team_leader.value).order_by(User.id)
    picks = [r for r in await sample_store.month_assignments(first) if r["status"] == "active"]
    chosen = (qa + leaders)[:3]
    if len(chosen) < 3 or not picks:
        return
    session_id = await calibration_store.create(
        "Monthly calibration", picks[0]["call_external_id"], [m["id"] for m in chosen], chosen[0]["id"]
    )
    # Markers differ in how strict they are, so the results have something to show.
    for person, strictness in zip(chosen, (0.9, 0.7, 0.55), strict=True):
        user = CurrentUser(id=person["id"], email=person["email"], name=person["name"], role=Role(person["role"]))
        evaluation_id = await evaluations.start_for_calibration(session_id, user)
        stored = (await evaluations.load(evaluation_id))["answers"]
        await evaluations.save(evaluation_id, user, _answers(rng, definition, strictness, stored), "", submit=True)
    await calibration_store.close(session_id, chosen[0]["id"])
