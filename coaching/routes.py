"""Coaching pages: the team at a glance, an agent's plan (goals with computed progress, agreed
actions, sessions), and one session (prepared summary, the leader's notes, the agent's
reflection and acknowledgement, the calendar file).

Who sees what: an agent sees their own plan and sessions only; a team leader those of the
agents in their teams; managers and administrators everyone. QA staff mark calls and do not
coach. Anything out of reach is "not found", so ids reveal nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from msgspec import Struct

from coaching import goals as goal_rules
from coaching import plans
from coaching.calendar_file import session_calendar
from coaching.tables import Action, CoachingPlan, CoachingSession, Goal
from kit.timeutil import current_month, previous_month
from qa_app.auth import agent_scope, require
from qa_app.i18n import _
from qa_app.settings import get_settings
from qa_app.tables import Agent, Role
from qa_app.web import Form
from scorecards.balanced_queries import month_key, scorecards_for
from scorecards.tables import EvaluationAnswer

COACHES = (Role.admin, Role.manager, Role.team_leader)
PEOPLE = (*COACHES, Role.agent)


class PlanForm(Struct):
    focus: str = ""


class GoalForm(Struct):
    kind: str = ""
    target: str = ""
    window: str = ""
    criterion: str = ""
    section: str = ""
    due: str = ""
    note: str = ""


class ActionForm(Struct):
    kind: str = "other"
    description: str = ""
    link: str = ""
    owner: str = "agent"
    due: str = ""


class SessionForm(Struct):
    kind: str = "weekly"
    starts_at: str = ""
    minutes: str = ""
    place: str = ""


class NotesForm(Struct):
    notes: str = ""


class ReflectionForm(Struct):
    reflection: str = ""


class AcknowledgeForm(Struct):
    reflection: str | None = None  # the reflection typed beside the button, saved with it


async def _visible_agent(request: Request, agent_id: int) -> dict[str, Any]:
    scope = await agent_scope(request.user)
    if scope is not None and agent_id not in scope:
        raise NotFoundException()
    agent = (
        await Agent.select(Agent.id, Agent.name, Agent.team.name.as_alias("team")).where(Agent.id == agent_id).first()
    )
    if agent is None:
        raise NotFoundException()
    return agent


async def _plan_of(request: Request, plan_id: int) -> dict[str, Any]:
    row = await plans.plan(plan_id)
    if row is None:
        raise NotFoundException()
    await _visible_agent(request, row["agent"])
    return row


async def _session_of(request: Request, session_id: int) -> dict[str, Any]:
    row = await plans.session(session_id)
    if row is None:
        raise NotFoundException()
    await _visible_agent(request, row["agent"])
    return row


# The team at a glance.


@get("/coaching", name="coaching", guards=[require(*PEOPLE)], include_in_schema=False)
async def team_page(request: Request) -> Template | Redirect:
    if request.user.role == Role.agent:
        if not request.user.agent_id:
            raise NotFoundException()
        return Redirect(f"/coaching/agents/{request.user.agent_id}")
    scope = await agent_scope(request.user)
    query = Agent.select(Agent.id, Agent.name, Agent.team.name.as_alias("team")).where(Agent.active_to.is_null())
    if scope is not None:
        query = query.where(Agent.id.is_in(scope or [-1]))
    agents = await query.order_by(Agent.name)
    ids = [a["id"] for a in agents]
    zone = get_settings().timezone
    today = datetime.now(zone).date()
    month = current_month(zone)
    cards = await scorecards_for(ids, month) if ids else {}
    open_plans = {
        p["agent"]: p
        for p in await CoachingPlan.select().where(
            CoachingPlan.agent.is_in(ids or [-1]) & (CoachingPlan.status == "open")
        )
    }
    sessions = await CoachingSession.select().where(CoachingSession.agent.is_in(ids or [-1]))
    last_review: dict[int, datetime] = {}
    upcoming: dict[int, datetime] = {}
    now = datetime.now(zone)
    for s in sessions:
        if s["starts_at"] <= now and s["kind"] == "monthly":
            last_review[s["agent"]] = max(last_review.get(s["agent"], s["starts_at"]), s["starts_at"])
        if s["starts_at"] > now:
            upcoming[s["agent"]] = min(upcoming.get(s["agent"], s["starts_at"]), s["starts_at"])
    goals_due = (
        await Goal.select(
            Goal.id,
            Goal.kind,
            Goal.subject,
            Goal.due,
            Goal.plan.agent.as_alias("agent"),
            Goal.plan.agent.name.as_alias("agent_name"),
        )
        .where(
            Goal.plan.is_in([p["id"] for p in open_plans.values()] or [-1])
            & Goal.dropped_at.is_null()
            & Goal.due.is_not_null()
            & (Goal.due <= today + timedelta(days=7))
        )
        .order_by(Goal.due)
    )
    rows = []
    for agent in agents:
        card = cards.get(agent["id"])
        below = [p.title for p in card.parts if p.met is False] if card else []
        review = last_review.get(agent["id"])
        rows.append(
            {
                **agent,
                "below": below,
                "plan": open_plans.get(agent["id"]),
                "last_review": review,
                # A monthly review is due for agents being coached: none in the last 31 days.
                "review_overdue": agent["id"] in open_plans and (review is None or review < now - timedelta(days=31)),
                "next_session": upcoming.get(agent["id"]),
            }
        )
    return Template(
        "coaching/team.html",
        context={
            "rows": rows,
            "month": month,
            "goals_due": goals_due,
            "today": today,
            "failed": await _failed_criteria(ids, month),
            "titles": await plans.criterion_titles(),
            "kinds": goal_rules.KINDS,
        },
    )


async def _failed_criteria(agent_ids: list[int], month: date) -> list[tuple[str, int, int]]:
    """The team's most failed criteria this month, with last month's count beside."""
    counts = {}
    for key in (month_key(month), month_key(previous_month(month))):
        rows = await EvaluationAnswer.select(EvaluationAnswer.criterion).where(
            EvaluationAnswer.evaluation.agent.is_in(agent_ids or [-1])
            & (EvaluationAnswer.evaluation.month == key)
            & EvaluationAnswer.evaluation.calibration.is_null()
            & (EvaluationAnswer.evaluation.status != "draft")
            & (EvaluationAnswer.passed == False)  # noqa: E712
        )
        counts[key] = Counter(r["criterion"] for r in rows)
    now, before = counts[month_key(month)], counts[month_key(previous_month(month))]
    return [(code, n, before.get(code, 0)) for code, n in now.most_common(8)]


# One agent's plan.


@get("/coaching/agents/{agent_id:int}", name="coaching_plan", guards=[require(*PEOPLE)], include_in_schema=False)
async def plan_page(request: Request, agent_id: FromPath[int]) -> Template:
    agent = await _visible_agent(request, agent_id)
    return await _render_plan(request, agent)


async def _render_plan(
    request: Request, agent: dict[str, Any], error: str = "", goal: GoalForm | None = None
) -> Template:
    """The plan page; after a refused goal, `goal` is what was typed, shown again in its open
    form with the `error` beside it."""
    plan = await plans.open_plan(agent["id"])
    codes, sections = await plans.scorecard_names()
    context: dict[str, Any] = {
        "agent": agent,
        "plan": plan,
        "is_self": request.user.agent_id == agent["id"],
        "can_coach": request.user.role in COACHES,
        "goal_kinds": goal_rules.KINDS,
        "windows": goal_rules.DEFAULT_WINDOWS,
        "criteria": codes,
        "titles": await plans.criterion_titles(),
        "sections": list(sections),
        "action_kinds": plans.ACTION_KINDS,
        "session_kinds": plans.SESSION_KINDS,
        "error": "" if goal else error,
        "goal_error": error if goal else "",
        "typed": msgspec.structs.asdict(goal) if goal else {},
    }
    if plan:
        context["progress"] = await plans.goal_progress(agent["id"], plan["id"])
        context["actions"] = await Action.select().where(Action.plan == plan["id"]).order_by(Action.id)
        context["sessions"] = await plans.sessions_of(plan["id"])
    return Template("coaching/plan.html", context=context, status_code=HTTP_400_BAD_REQUEST if error else 200)


@post("/coaching/agents/{agent_id:int}/plan", guards=[require(*COACHES)], include_in_schema=False)
async def create_plan(
    request: Request,
    agent_id: FromPath[int],
    data: Form[PlanForm],
) -> Redirect | Template:
    agent = await _visible_agent(request, agent_id)
    try:
        await plans.create_plan(agent_id, request.user.id, data.focus)
    except plans.CoachingError as error:
        return await _render_plan(request, agent, str(error))
    return Redirect(f"/coaching/agents/{agent_id}")


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


@post("/coaching/plans/{plan_id:int}/goals", guards=[require(*COACHES)], include_in_schema=False)
async def add_goal(
    request: Request,
    plan_id: FromPath[int],
    data: Form[GoalForm],
) -> Redirect | Template:
    plan = await _plan_of(request, plan_id)
    kind = data.kind
    try:
        if kind not in goal_rules.KINDS:
            raise goal_rules.GoalError(_("choose what the goal is measured by"))
        target = goal_rules.parse_target(kind, data.target)
        try:
            window = int(data.window or goal_rules.DEFAULT_WINDOWS[kind])
        except ValueError:
            raise goal_rules.GoalError(_("give the number of evaluations or days as a whole number")) from None
        try:
            due = _date(data.due)
        except ValueError:
            raise goal_rules.GoalError(_("give the due date as a date")) from None
        subject = ""
        if kind in goal_rules.EVALUATION_KINDS:
            subject = data.criterion if kind == "criterion" else data.section
        goal = goal_rules.Goal(kind, target, window, subject, due)
        await plans.add_goal(plan_id, goal, data.note, request.user.id)
    except goal_rules.GoalError as error:
        agent = await _visible_agent(request, plan["agent"])
        return await _render_plan(
            request, agent, _("The goal was not added: %(reason)s.") % {"reason": error}, goal=data
        )
    return Redirect(f"/coaching/agents/{plan['agent']}")


@post("/coaching/goals/{goal_id:int}/drop", guards=[require(*COACHES)], include_in_schema=False)
async def drop_goal(request: Request, goal_id: FromPath[int]) -> Redirect:
    goal = await Goal.select(Goal.plan).where(Goal.id == goal_id).first()
    if goal is None:
        raise NotFoundException()
    plan = await _plan_of(request, goal["plan"])
    await plans.drop_goal(goal_id, request.user.id)
    return Redirect(f"/coaching/agents/{plan['agent']}")


@post("/coaching/plans/{plan_id:int}/actions", guards=[require(*COACHES)], include_in_schema=False)
async def add_action(
    request: Request,
    plan_id: FromPath[int],
    data: Form[ActionForm],
) -> Redirect | Template:
    plan = await _plan_of(request, plan_id)
    try:
        await plans.add_action(
            plan_id, data.kind, data.description, data.link, data.owner, _date(data.due), request.user.id
        )
    except (ValueError, plans.CoachingError) as error:
        agent = await _visible_agent(request, plan["agent"])
        reason = error if isinstance(error, plans.CoachingError) else _("give the due date as a date")
        return await _render_plan(request, agent, _("The action was not added: %(reason)s.") % {"reason": reason})
    return Redirect(f"/coaching/agents/{plan['agent']}")


@post("/coaching/actions/{action_id:int}/done", guards=[require(*PEOPLE)], include_in_schema=False)
async def action_done(request: Request, action_id: FromPath[int]) -> Redirect:
    action = await Action.select(Action.plan).where(Action.id == action_id).first()
    if action is None:
        raise NotFoundException()
    plan = await _plan_of(request, action["plan"])
    await plans.action_done(action_id, request.user.id)
    return Redirect(f"/coaching/agents/{plan['agent']}")


@post("/coaching/plans/{plan_id:int}/sessions", guards=[require(*COACHES)], include_in_schema=False)
async def schedule(
    request: Request,
    plan_id: FromPath[int],
    data: Form[SessionForm],
) -> Redirect | Template:
    plan = await _plan_of(request, plan_id)
    try:
        starts = datetime.fromisoformat(data.starts_at)
        if starts.tzinfo is None:
            starts = starts.replace(tzinfo=get_settings().timezone)
        session_id = await plans.schedule_session(
            plan_id, data.kind, starts, int(data.minutes or 30), data.place, request.user.id
        )
    except (ValueError, plans.CoachingError) as error:
        agent = await _visible_agent(request, plan["agent"])
        message = str(error) if isinstance(error, plans.CoachingError) else _("give the date and time of the session")
        return await _render_plan(request, agent, _("The session was not scheduled: %(reason)s.") % {"reason": message})
    return Redirect(f"/coaching/sessions/{session_id}")


# One session.


@get("/coaching/sessions/{session_id:int}", name="coaching_session", guards=[require(*PEOPLE)], include_in_schema=False)
async def session_page(request: Request, session_id: FromPath[int], saved: FromQuery[str | None] = None) -> Template:
    row = await _session_of(request, session_id)
    return await _render_session(request, row, saved=saved or "")


async def _render_session(
    request: Request, row: dict[str, Any], *, saved: str = "", error: str = "", reflection: str | None = None
) -> Template:
    """The session page; `saved` names what was just saved ("reflection", "acknowledged"),
    `error` why the agent's last post was refused, with the `reflection` they typed kept."""
    return Template(
        "coaching/session.html",
        context={
            "s": row,
            "summary": await plans.prepared_summary(row),
            "kinds": plans.SESSION_KINDS,
            "is_agent": request.user.agent_id == row["agent"],
            "can_coach": request.user.role in COACHES,
            "taken_place": plans.has_taken_place(row),
            "saved": saved,
            "error": error,
            "reflection": row["reflection"] if reflection is None else reflection,
        },
        status_code=HTTP_400_BAD_REQUEST if error else 200,
    )


@post("/coaching/sessions/{session_id:int}/notes", guards=[require(*COACHES)], include_in_schema=False)
async def session_notes(
    request: Request,
    session_id: FromPath[int],
    data: Form[NotesForm],
) -> Redirect:
    await _session_of(request, session_id)
    await plans.save_notes(session_id, data.notes, request.user.id)
    return Redirect(f"/coaching/sessions/{session_id}")


async def _own_session(request: Request, session_id: int) -> dict[str, Any]:
    row = await _session_of(request, session_id)
    if request.user.agent_id != row["agent"]:
        raise NotFoundException()
    return row


@post("/coaching/sessions/{session_id:int}/reflection", guards=[require(Role.agent)], include_in_schema=False)
async def session_reflection(
    request: Request,
    session_id: FromPath[int],
    data: Form[ReflectionForm],
) -> Redirect:
    await _own_session(request, session_id)
    await plans.save_reflection(session_id, data.reflection, request.user.id)
    return Redirect(f"/coaching/sessions/{session_id}?saved=reflection")


@post("/coaching/sessions/{session_id:int}/acknowledge", guards=[require(Role.agent)], include_in_schema=False)
async def session_acknowledge(
    request: Request,
    session_id: FromPath[int],
    data: Form[AcknowledgeForm],
) -> Redirect | Template:
    row = await _own_session(request, session_id)
    try:
        await plans.acknowledge(session_id, request.user.id, data.reflection)
    except plans.CoachingError as error:
        return await _render_session(
            request, row, error=_("Not acknowledged: %(reason)s.") % {"reason": error}, reflection=data.reflection
        )
    return Redirect(f"/coaching/sessions/{session_id}?saved=acknowledged")


@get("/coaching/sessions/{session_id:int}/calendar.ics", guards=[require(*PEOPLE)], include_in_schema=False)
async def session_ics(request: Request, session_id: FromPath[int]) -> Response[bytes]:
    row = await _session_of(request, session_id)
    base = str(request.base_url).rstrip("/")
    # In the language of whoever takes it (the signed-in user's), as the page it is taken from.
    body = session_calendar(row, get_settings().timezone, base, domain=request.url.hostname or "qa.local")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="coaching-session-{session_id}.ics"'},
    )


ROUTES = [
    team_page,
    plan_page,
    create_plan,
    add_goal,
    drop_goal,
    add_action,
    action_done,
    schedule,
    session_page,
    session_notes,
    session_reflection,
    session_acknowledge,
    session_ics,
]
