"""Coaching plans, goals, actions and sessions on the database: the reads the pages need and
every change, each recorded in the audit log. Progress comes from `coaching/goals.py`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from typing import Any

from babel import dates as babel_dates

from coaching import goals as goal_rules
from coaching.tables import Action, CoachingPlan, CoachingSession, Goal
from qa_app import audit, db, i18n, notifications
from qa_app.i18n import _, _l
from qa_app.settings import get_settings
from qa_app.tables import Agent, Attendance, Call
from scorecards import versions
from scorecards.tables import Evaluation, EvaluationAnswer, EvaluationStatus
from surveys.tables import SurveyResponse

RELEASED = [s.value for s in EvaluationStatus if s != EvaluationStatus.draft]
ACTION_KINDS = {
    "training": _l("Training"),
    "model_call": _l("Listen to a model call"),
    "article": _l("Read an article"),
    "other": _l("Other"),
}
SESSION_KINDS = {"weekly": _l("Weekly check-in"), "monthly": _l("Monthly review")}
ACKNOWLEDGED = {
    "weekly": _l("%(agent)s acknowledged the weekly check-in of %(day)s"),
    "monthly": _l("%(agent)s acknowledged the monthly review of %(day)s"),
}


def _day(moment: datetime, weekday: bool = False) -> str:
    """A day in words without its year, in the current language: "05 October" (English as it
    always was), "Tuesday 05 October"; "5 oktober", "tisdag 5 oktober"."""
    if i18n.current() in (i18n.SOURCE, i18n.PSEUDO):
        return moment.strftime("%A %d %B" if weekday else "%d %B")
    return babel_dates.format_date(moment, "EEEE d MMMM" if weekday else "d MMMM", locale=i18n.babel_locale())


class CoachingError(Exception):
    pass


# Plans.


async def open_plan(agent_id: int) -> dict[str, Any] | None:
    return (
        await CoachingPlan.select(CoachingPlan.all_columns(), CoachingPlan.owner.name.as_alias("owner_name"))
        .where((CoachingPlan.agent == agent_id) & (CoachingPlan.status == "open"))
        .first()
    )


async def plan(plan_id: int) -> dict[str, Any] | None:
    return await CoachingPlan.select().where(CoachingPlan.id == plan_id).first()


async def create_plan(agent_id: int, owner_id: int, focus: str) -> int:
    if await open_plan(agent_id):
        raise CoachingError(_("this agent has an open plan already"))
    async with db.write_transaction():
        plan_id = (
            await CoachingPlan.insert(CoachingPlan(agent=agent_id, owner=owner_id, focus=focus.strip())).returning(
                CoachingPlan.id
            )
        )[0]["id"]
        await audit.record(owner_id, "create", "coaching_plan", plan_id, agent=agent_id, focus=focus.strip())
    return plan_id


async def scorecard_names() -> tuple[list[str], dict[str, list[str]]]:
    """The criterion codes and the sections (title -> codes) of the scorecard in use."""
    definition = versions.definition_of(await versions.default())
    return (
        [c.code for c in definition.criteria()],
        {s.title: [c.code for c in s.criteria] for s in definition.sections},
    )


async def criterion_titles() -> dict[str, str]:
    """Criterion code -> its title on the scorecard in use, to show people titles, not codes."""
    definition = versions.definition_of(await versions.default())
    return {c.code: c.title for c in definition.criteria()}


async def add_goal(plan_id: int, goal: goal_rules.Goal, note: str, user_id: int) -> int:
    codes, sections = await scorecard_names()
    goal_rules.check_goal(goal, codes, list(sections))
    async with db.write_transaction():
        goal_id = (
            await Goal.insert(
                Goal(
                    plan=plan_id,
                    kind=goal.kind,
                    subject=goal.subject,
                    target=goal.target,
                    window=goal.window,
                    due=goal.due,
                    note=note.strip(),
                )
            ).returning(Goal.id)
        )[0]["id"]
        await audit.record(user_id, "add goal", "coaching_plan", plan_id, goal=goal_id, **_plain(asdict(goal)))
    return goal_id


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


async def drop_goal(goal_id: int, user_id: int) -> None:
    async with db.write_transaction():
        await Goal.update({Goal.dropped_at: datetime.now(timezone.utc)}).where(Goal.id == goal_id)
        await audit.record(user_id, "drop goal", "coaching_goal", goal_id)


async def add_action(
    plan_id: int, kind: str, description: str, link: str, owner: str, due: date | None, user_id: int
) -> int:
    if kind not in ACTION_KINDS:
        raise CoachingError(_("an action is one of: %(kinds)s") % {"kinds": ", ".join(ACTION_KINDS)})
    if not description.strip():
        raise CoachingError(_("say what was agreed"))
    if owner not in ("agent", "leader"):
        raise CoachingError(_("an action is the agent's or the team leader's"))
    if link and not (link.startswith("/") or link.startswith("https://") or link.startswith("http://")):
        raise CoachingError(_("a link is a page of this app (/calls/12) or a web address"))
    async with db.write_transaction():
        action_id = (
            await Action.insert(
                Action(
                    plan=plan_id, kind=kind, description=description.strip(), link=link.strip(), owner=owner, due=due
                )
            ).returning(Action.id)
        )[0]["id"]
        await audit.record(
            user_id, "add action", "coaching_plan", plan_id, action_id=action_id, description=description.strip()
        )
    return action_id


async def action_done(action_id: int, user_id: int) -> None:
    async with db.write_transaction():
        await Action.update({Action.done_at: datetime.now(timezone.utc)}).where(Action.id == action_id)
        await audit.record(user_id, "action done", "coaching_action", action_id)


# Progress.


async def _evaluations(agent_id: int, limit: int = 60) -> list[dict[str, Any]]:
    """The agent's released evaluations, newest first, with their answers by criterion code."""
    rows = (
        await Evaluation.select(Evaluation.id, Evaluation.call, Evaluation.score, Evaluation.released_at)
        .where((Evaluation.agent == agent_id) & Evaluation.status.is_in(RELEASED) & Evaluation.calibration.is_null())
        .order_by(Evaluation.released_at, ascending=False)
        .limit(limit)
    )
    answers: dict[int, dict[str, dict]] = {r["id"]: {} for r in rows}
    for answer in (
        await EvaluationAnswer.select(
            EvaluationAnswer.evaluation,
            EvaluationAnswer.criterion,
            EvaluationAnswer.passed,
            EvaluationAnswer.na,
            EvaluationAnswer.evidence,
        )
        .where(EvaluationAnswer.evaluation.is_in([r["id"] for r in rows] or [-1]))
        .output(load_json=True)
    ):
        answers[answer["evaluation"]][answer["criterion"]] = answer
    return [{**row, "answers": answers[row["id"]]} for row in rows]


async def goal_progress(
    agent_id: int, plan_id: int, today: date | None = None
) -> list[tuple[dict, goal_rules.Progress]]:
    """Each live goal of the plan with its progress, computed from the data now."""
    today = today or datetime.now(get_settings().timezone).date()
    rows = await Goal.select().where((Goal.plan == plan_id) & Goal.dropped_at.is_null()).order_by(Goal.id)
    if not rows:
        return []
    evaluations = await _evaluations(agent_id)
    _codes, sections = await scorecard_names()
    titles = await criterion_titles()
    result = []
    for row in rows:
        goal = goal_rules.Goal(row["kind"], row["target"], row["window"], row["subject"], row["due"])
        since = datetime.now(timezone.utc) - timedelta(days=row["window"])
        data: dict[str, Any] = {}
        if row["kind"] == "csat":
            data["responses"] = await SurveyResponse.select(SurveyResponse.satisfaction).where(
                (SurveyResponse.agent == agent_id) & (SurveyResponse.created_at >= since)
            )
        elif row["kind"] == "handle_time":
            data["calls"] = await Call.select(Call.talk_seconds, Call.hold_seconds).where(
                (Call.agent == agent_id) & Call.answered_at.is_not_null() & (Call.offered_at >= since)
            )
        elif row["kind"] == "punctuality":
            data["attendance"] = await Attendance.select(Attendance.worked_minutes, Attendance.minutes_late).where(
                (Attendance.agent == agent_id) & (Attendance.day >= since.date())
            )
        result.append(
            (
                row,
                goal_rules.progress(
                    goal, evaluations=evaluations, sections=sections, today=today, titles=titles, **data
                ),
            )
        )
    return result


# Sessions.


async def schedule_session(
    plan_id: int, kind: str, starts_at: datetime, minutes: int, place: str, leader_id: int
) -> int:
    if kind not in SESSION_KINDS:
        raise CoachingError(_("a session is a weekly check-in or a monthly review"))
    if starts_at.tzinfo is None:
        raise CoachingError(_("a session's time needs its time zone"))
    if not 5 <= minutes <= 240:
        raise CoachingError(_("a session lasts 5 to 240 minutes"))
    row = await plan(plan_id)
    agent = await Agent.select(Agent.name, Agent.user).where(Agent.id == row["agent"]).first()
    async with db.write_transaction():
        session_id = (
            await CoachingSession.insert(
                CoachingSession(
                    plan=plan_id,
                    agent=row["agent"],
                    leader=leader_id,
                    kind=kind,
                    starts_at=starts_at.astimezone(timezone.utc),
                    minutes=minutes,
                    place=place.strip(),
                )
            ).returning(CoachingSession.id)
        )[0]["id"]
        await audit.record(
            leader_id, "schedule", "coaching_session", session_id, kind=kind, starts_at=starts_at.isoformat()
        )
        local = starts_at.astimezone(get_settings().timezone)
        with i18n.using(await notifications.language_of(agent["user"])):
            text = _("%(kind)s on %(day)s at %(time)s") % {
                "kind": SESSION_KINDS[kind],
                "day": _day(local, weekday=True),
                "time": f"{local:%H:%M}",
            }
        await notifications.notify(agent["user"], "session_scheduled", text, f"/coaching/sessions/{session_id}")
    return session_id


async def session(session_id: int) -> dict[str, Any] | None:
    return (
        await CoachingSession.select(
            CoachingSession.all_columns(),
            CoachingSession.agent.name.as_alias("agent_name"),
            CoachingSession.agent.user.as_alias("agent_user"),
            CoachingSession.agent.user.email.as_alias("agent_email"),
            CoachingSession.leader.name.as_alias("leader_name"),
            CoachingSession.leader.email.as_alias("leader_email"),
        )
        .where(CoachingSession.id == session_id)
        .output(load_json=True)
        .first()
    )


async def sessions_of(plan_id: int) -> list[dict[str, Any]]:
    return await CoachingSession.select().where(CoachingSession.plan == plan_id).order_by(CoachingSession.starts_at)


async def save_notes(session_id: int, notes: str, user_id: int) -> None:
    async with db.write_transaction():
        await CoachingSession.update({CoachingSession.notes: notes.strip()}).where(CoachingSession.id == session_id)
        await audit.record(user_id, "notes", "coaching_session", session_id, notes=notes.strip())


async def save_reflection(session_id: int, reflection: str, user_id: int) -> None:
    async with db.write_transaction():
        await CoachingSession.update({CoachingSession.reflection: reflection.strip()}).where(
            CoachingSession.id == session_id
        )
        await audit.record(user_id, "reflection", "coaching_session", session_id, reflection=reflection.strip())


def has_taken_place(row: dict[str, Any], now: datetime | None = None) -> bool:
    """A session can be acknowledged once it has begun: the agent acknowledges at its end or after."""
    return row["starts_at"] <= (now or datetime.now(timezone.utc))


async def acknowledge(session_id: int, user_id: int, reflection: str | None = None) -> None:
    """The agent agrees the session is a fair record, saving the reflection typed beside the
    button with it (None: the reflection is left as it is). Refused before the session."""
    row = await session(session_id)
    if not has_taken_place(row):
        local = row["starts_at"].astimezone(get_settings().timezone)
        raise CoachingError(
            _("this session has not taken place yet: you can acknowledge it from %(day)s at %(time)s")
            % {"day": _day(local), "time": f"{local:%H:%M}"}
        )
    changed = reflection is not None and reflection.strip() != row["reflection"]
    if row["acknowledged_at"] is not None:
        if changed:
            await save_reflection(session_id, reflection, user_id)
        return
    async with db.write_transaction():
        if changed:
            await CoachingSession.update({CoachingSession.reflection: reflection.strip()}).where(
                CoachingSession.id == session_id
            )
            await audit.record(user_id, "reflection", "coaching_session", session_id, reflection=reflection.strip())
        await CoachingSession.update({CoachingSession.acknowledged_at: datetime.now(timezone.utc)}).where(
            CoachingSession.id == session_id
        )
        await audit.record(user_id, "acknowledge", "coaching_session", session_id)
        with i18n.using(await notifications.language_of(row["leader"])):
            text = str(ACKNOWLEDGED[row["kind"]]) % {
                "agent": row["agent_name"],
                "day": _day(row["starts_at"].astimezone(get_settings().timezone)),
            }
        await notifications.notify(row["leader"], "session_acknowledged", text, f"/coaching/sessions/{session_id}")


async def prepared_summary(row: dict[str, Any]) -> dict[str, Any]:
    """What changed since the previous session of the plan (or the plan's start): released
    evaluations with their failed criteria as evidence links, residents' comments, and every
    goal's progress now."""
    previous = (
        await CoachingSession.select(CoachingSession.starts_at)
        .where((CoachingSession.plan == row["plan"]) & (CoachingSession.starts_at < row["starts_at"]))
        .order_by(CoachingSession.starts_at, ascending=False)
        .first()
    )
    the_plan = await plan(row["plan"])
    since = previous["starts_at"] if previous else the_plan["created_at"] - timedelta(days=31)
    evaluations = [
        e
        for e in await _evaluations(row["agent"])
        if e["released_at"] and since <= e["released_at"] <= row["starts_at"]
    ]
    titles = await criterion_titles()
    for evaluation in evaluations:
        evaluation["failed"] = [
            {
                "code": code,
                "title": titles.get(code, code),
                "link": _evidence_link(evaluation["call"], answer.get("evidence") or {}),
            }
            for code, answer in sorted(evaluation["answers"].items())
            if answer["passed"] is False
        ]
    comments = (
        await SurveyResponse.select(
            SurveyResponse.satisfaction,
            SurveyResponse.comment,
            SurveyResponse.voice_text,
            SurveyResponse.praise,
            SurveyResponse.created_at,
        )
        .where(
            (SurveyResponse.agent == row["agent"])
            & (SurveyResponse.created_at >= since)
            & (SurveyResponse.created_at <= row["starts_at"])
            & ((SurveyResponse.comment != "") | (SurveyResponse.voice_text != ""))
        )
        .order_by(SurveyResponse.created_at, ascending=False)
    )
    return {
        "since": since,
        "evaluations": evaluations,
        "comments": comments,
        "goals": await goal_progress(row["agent"], row["plan"]),
    }


def _evidence_link(call_id: int, evidence: dict[str, Any]) -> str:
    """The call page, at the moment the evidence points to when there is one."""
    at = evidence.get("at") if isinstance(evidence, dict) else None
    return f"/calls/{call_id}" + (f"?t={float(at):.1f}" if isinstance(at, int | float) else "")
