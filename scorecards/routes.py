"""Scorecard pages: the QA marker's queue and the monthly sample, the marking page, an
evaluation with its acknowledgement, dispute and resolution, the agent's and the team's month,
and calibration sessions (templates: template_routes; settings: settings_routes).

Every route checks the role with a guard and the record with the visibility rules of
`qa_app.auth`; another person's record answers 404 like one that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from kit.timeutil import current_month, month_range, parse_month, previous_month
from qa_app import i18n
from qa_app import queries as org_queries
from qa_app.auth import EVERYONE, STAFF, CurrentUser, agent_scope, ensure_visible, require, team_scope
from qa_app.formatting import local, long_day
from qa_app.i18n import _, _l
from qa_app.settings import get_settings
from qa_app.tables import Role
from qa_app.web import Form, dynamic_form, problem
from scorecards import autochecks, automatic, calibration, calibration_store, config, evaluations, sample_store
from scorecards.balanced_queries import month_key, scorecards_for, scorecards_for_months
from scorecards.evaluations import EvaluationError, Marked, MissingReasons
from scorecards.flags import KIND_LABELS, KINDS
from scorecards.tables import EvaluationStatus
from surveys import figures as survey_figures

QA = (Role.admin, Role.qa)
OVERSEERS = (Role.admin, Role.manager, Role.qa, Role.team_leader)


def _month(value: str | None) -> date:
    if value:
        try:
            return parse_month(value)
        except ValueError:
            raise NotFoundException() from None
    return current_month(get_settings().timezone)


class SampleForm(msgspec.Struct):
    month: str = ""


class ReplaceForm(msgspec.Struct):
    reason: str = ""


class TargetedForm(msgspec.Struct):
    month: str = ""
    call: str = ""  # one flagged call picked by hand
    n: str = ""  # or this many, spread over kinds of flag and agents


class SettleForm(msgspec.Struct):
    month: str = ""
    agent: str = ""


class CalibrationForm(msgspec.Struct):
    title: str = ""
    call: str = ""  # the chosen call's id (a radio button of the search's results)
    markers: str | list[str] = []  # one checkbox ticked sends one value, several a list
    agent: str = ""  # the search the call was chosen from, kept when the form is refused
    day: str = ""
    start: str = ""
    end: str = ""

    def marker_ids(self) -> list[int]:
        return [int(m) for m in ([self.markers] if isinstance(self.markers, str) else self.markers)]


# --- the QA queue and the monthly sample ---------------------------------------------------------


QUEUE_PAGE = 10  # picks per page of the queue: one screen, what is still to mark first
QUEUE_STATUSES = {
    "open": _l("still to mark"),
    "draft": _l("drafts"),
    "done": _l("marked"),
    "replaced": _l("replaced or withdrawn"),
}


def _queue_order(row: dict[str, Any]) -> tuple:
    """The marker's queue order: what is still to mark first, then the rest; within each, by
    agent, week and pick."""
    return (not row["to_mark"], row["status"] == "replaced", row["agent_name"] or "", row["week"], row["id"])


def _pick_status(row: dict[str, Any]) -> str:
    if row["status"] == "replaced":
        return "replaced"
    if row["to_mark"]:
        return "draft" if row["evaluation_id"] else "open"
    return "done"


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@get("/qa/queue", name="qa_queue", guards=[require(*QA)], include_in_schema=False)
async def qa_queue(
    request: Request,
    month: FromQuery[str | None] = None,
    everyone: FromQuery[str | None] = None,
    flag: FromQuery[str | None] = None,
    agent: FromQuery[str | None] = None,
    team: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    week: FromQuery[str | None] = None,
    page: FromQuery[str | None] = None,
    submitted: FromQuery[str | None] = None,
) -> Template:
    first = _month(month)
    mine = not everyone
    rows = await sample_store.month_assignments(first, marker_id=request.user.id if mine else None)
    rows.sort(key=_queue_order)  # what is still to mark first
    sample = await sample_store.get_sample(first)
    done = sum(1 for r in rows if r["evaluation_status"] not in (None, EvaluationStatus.draft))
    kind = flag if flag in KINDS else None
    teams_of = {a["id"]: (a["team_id"], a["team_name"]) for a in await org_queries.list_agents(None)}
    for row in rows:
        row["team_id"], row["team_name"] = teams_of.get(row["agent_id"], (None, None))
        row["queue_status"] = _pick_status(row)
    chosen = {
        "agent": _int_or_none(agent),
        "team": _int_or_none(team),
        "status": status if status in QUEUE_STATUSES else "",
        "week": _int_or_none(week),
    }
    shown = [
        r
        for r in rows
        if (chosen["agent"] is None or r["agent_id"] == chosen["agent"])
        and (chosen["team"] is None or r["team_id"] == chosen["team"])
        and (chosen["week"] is None or r["week"] + 1 == chosen["week"])
        and (
            not chosen["status"]
            or r["queue_status"] == chosen["status"]
            or (chosen["status"] == "open" and r["queue_status"] == "draft")
        )
    ]
    pages = max(1, -(-len(shown) // QUEUE_PAGE))
    number = min(max(_int_or_none(page) or 1, 1), pages)
    keep = {"month": month_key(first), **({"everyone": "1"} if not mine else {})}
    keep.update({k: str(v) for k, v in chosen.items() if v not in (None, "")})
    return Template(
        "scorecards/queue.html",
        context={
            "month": first,
            "month_key": month_key(first),
            "previous": month_key(previous_month(first)),
            "rows": shown[(number - 1) * QUEUE_PAGE : number * QUEUE_PAGE],
            "total": len(rows),
            "matching": len(shown),
            "page": number,
            "pages": pages,
            "first_shown": (number - 1) * QUEUE_PAGE + 1 if shown else 0,
            "page_url": lambda n: "/qa/queue?" + urlencode({**keep, "page": n}),
            "filtered": any(v not in (None, "") for v in chosen.values()),
            "chosen": chosen,
            "statuses": QUEUE_STATUSES,
            "agents": sorted({(r["agent_id"], r["agent_name"]) for r in rows}, key=lambda a: a[1] or ""),
            "teams": sorted({(r["team_id"], r["team_name"]) for r in rows if r["team_id"]}, key=lambda t: t[1]),
            "weeks": sorted({r["week"] + 1 for r in rows}),
            "next_pick": next((r for r in rows if r["to_mark"] and r["marker_id"] == request.user.id), None),
            "mine": mine,
            "sample": sample,
            "done": done,
            "to_mark": sum(1 for r in rows if r["to_mark"]),
            "settings": await config.load(),
            "flagged": await sample_store.flagged_overview(first, kind=kind) if sample else None,
            "flag_kind": kind,
            "kinds": KIND_LABELS,
            "settle": await sample_store.settle_plan(first) if sample else [],
            "submitted": await _submitted_note(request, _int_or_none(submitted)),
        },
    )


async def _submitted_note(request: Request, evaluation_id: int | None) -> str:
    """The confirmation of the evaluation just submitted (`?submitted=`): "Submitted: <agent>,
    call of <date>"."""
    if evaluation_id is None or not 0 < evaluation_id < 2**31:
        return ""
    evaluation = await evaluations.load(evaluation_id)
    if evaluation is None or not await evaluations.can_view(request.user, evaluation):
        return ""
    if evaluation["status"] == EvaluationStatus.draft:
        return ""
    call = await org_queries.get_call(evaluation["call"])
    when = local(call["offered_at"]) if call else _("unknown date")
    return _("Submitted: %(agent)s, call of %(when)s.") % {
        "agent": evaluation["agent_name"] or _("no agent"),
        "when": when,
    }


async def _next_pick(user: CurrentUser, assignment_id: int) -> int | None:
    """The evaluation of the next open pick in the marker's queue order after this one (then
    from the top of the queue), started as a draft if need be; None when nothing is left."""
    key = await sample_store.assignment_month(assignment_id)
    if key is None:
        return None
    month = await sample_store.month_assignments(parse_month(key))
    current = next((r for r in month if r["id"] == assignment_id), None)
    rows = sorted((r for r in month if r["to_mark"] and r["marker_id"] == user.id), key=_queue_order)
    rows = [r for r in rows if r["id"] != assignment_id]
    if current is not None:
        here = _queue_order({**current, "to_mark": True})
        rows = [r for r in rows if _queue_order(r) > here] + [r for r in rows if _queue_order(r) < here]
    for row in rows:
        try:
            return await evaluations.start_for_assignment(row["id"], user)
        except EvaluationError:
            continue
    return None


@post("/qa/sample", guards=[require(*QA)], include_in_schema=False)
async def draw_sample(request: Request, data: Form[SampleForm]) -> Redirect | Template:
    try:
        first = parse_month(data.month)
        result = await sample_store.run_sample(first, user_id=request.user.id)
    except (ValueError, sample_store.SampleError) as error:
        return problem(_("The sample was not drawn"), str(error))
    return Redirect(f"/qa/queue?month={result.month}&everyone=1")


@post("/qa/targeted", guards=[require(*QA)], include_in_schema=False)
async def add_targeted(request: Request, data: Form[TargetedForm]) -> Redirect | Template:
    """Targeted picks from the month's flagged calls: one call picked by hand (`call`), or `n`
    spread over the kinds of flag and the agents."""
    try:
        first = parse_month(data.month)
        if data.call.strip():
            await sample_store.add_targeted(first, call_ids=[int(data.call)], user_id=request.user.id)
        else:
            await sample_store.add_targeted(first, int(data.n or 0), user_id=request.user.id)
    except ValueError:
        return problem(_("No targeted pick was added"), _("give a month, and a call or a number of calls"))
    except sample_store.SampleError as error:
        return problem(_("No targeted pick was added"), str(error))
    return Redirect(f"/qa/queue?month={month_key(first)}&everyone=1")


@post("/qa/settle", guards=[require(*QA)], include_in_schema=False)
async def settle_agent(request: Request, data: Form[SettleForm]) -> Redirect | Template:
    """Draw the random picks that would settle an agent's interval (worked out again here)."""
    try:
        first = parse_month(data.month)
        agent_id = int(data.agent)
    except ValueError:
        return problem(_("No calls were drawn"), _("give a month and an agent"))
    plan = next((s for s in await sample_store.settle_plan(first) if s.agent_id == agent_id), None)
    if plan is None or plan.draw < 1:
        return problem(_("No calls were drawn"), _("this agent's interval needs no more random calls now"))
    try:
        await sample_store.add_random(first, agent_id, plan.draw, user_id=request.user.id)
    except sample_store.SampleError as error:
        return problem(_("No calls were drawn"), str(error))
    return Redirect(f"/qa/queue?month={month_key(first)}&everyone=1")


@post("/qa/assignments/{assignment_id:int}/replace", guards=[require(*QA)], include_in_schema=False)
async def replace_pick(
    request: Request,
    assignment_id: FromPath[int],
    data: Form[ReplaceForm],
) -> Redirect | Template:
    month = await sample_store.assignment_month(assignment_id)
    if month is None:
        raise NotFoundException()
    try:
        await sample_store.replace_pick(assignment_id, data.reason, request.user.id)
    except sample_store.SampleError as error:
        return problem(_("The call was not replaced"), str(error))
    return Redirect(f"/qa/queue?month={month}&everyone=1")


@post("/qa/assignments/{assignment_id:int}/mark", guards=[require(*QA)], include_in_schema=False)
async def mark_assignment(request: Request, assignment_id: FromPath[int]) -> Redirect | Template:
    try:
        evaluation_id = await evaluations.start_for_assignment(assignment_id, request.user)
    except EvaluationError as error:
        return problem(_("This call cannot be marked"), str(error))
    return Redirect(f"/evaluations/{evaluation_id}")


# --- one evaluation ------------------------------------------------------------------------------


async def _visible_evaluation(request: Request, evaluation_id: int) -> dict[str, Any]:
    evaluation = await evaluations.load(evaluation_id)
    if evaluation is None or not await evaluations.can_view(request.user, evaluation):
        raise NotFoundException()
    return evaluation


def _can_mark(user: CurrentUser, evaluation: dict[str, Any]) -> bool:
    if evaluation["status"] != EvaluationStatus.draft:
        return False
    if evaluation["calibration"] is not None:
        return evaluation["marker"] == user.id
    return user.role in QA


async def _evaluation_page(
    request: Request,
    evaluation: dict[str, Any],
    *,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict | None = None,
    status: int = 200,
    correcting: bool = False,
) -> Template:
    """The evaluation page. `error` goes above the marking form; `errors` beside the field or
    form it is about: "dispute", "respond", "decision", "amend", "note", "resolve",
    "override_<code>" (the reason for changing an automatic answer) or "correction".
    `correcting`: the marking form again, to correct the released evaluation."""
    user = request.user
    can_respond = (
        user.role == Role.agent
        and user.agent_id == evaluation["agent"]
        and evaluation["status"] == EvaluationStatus.released
        and evaluation["calibration"] is None
    )
    can_resolve = user.role in evaluations.RESOLVERS and evaluation["status"] == EvaluationStatus.disputed
    call = await org_queries.get_call(evaluation["call"])
    return Template(
        "scorecards/evaluation.html",
        context={
            "e": evaluation,
            "d": evaluation["definition"],
            "call": call,
            "can_mark": _can_mark(user, evaluation),
            "can_correct": evaluations.can_correct(user, evaluation),
            "correcting": correcting and evaluations.can_correct(user, evaluation),
            "can_respond": can_respond,
            "is_agent": user.role == Role.agent,
            "window_open": evaluations.respond_window_open(evaluation),
            "can_resolve": can_resolve,
            "error": error,
            "errors": errors or {},
            "form": form or {},
            "done": await _what_happens_next(request, evaluation),
            "submitted": await _submitted_note(request, _int_or_none(request.query_params.get("submitted"))),
            "evidence_summary": automatic.summary_of,
        },
        status_code=status,
    )


async def _what_happens_next(request: Request, evaluation: dict[str, Any]) -> str:
    """After the agent acknowledged or disputed (`?done=` on the address they are sent to): what
    happens now, in a sentence. A dispute is to be answered within the response window
    (`respond_days`) of the day it was raised."""
    done = request.query_params.get("done")
    if request.user.role != Role.agent or request.user.agent_id != evaluation["agent"]:
        return ""
    if done == "acknowledged" and evaluation["status"] == EvaluationStatus.acknowledged:
        return _("Thank you: you acknowledged this evaluation. There is nothing more to do.")
    if done == "disputed" and evaluation["open_dispute"]:
        days = (await config.load())["respond_days"]
        raised = evaluation["open_dispute"]["raised_at"].astimezone(get_settings().timezone).date()
        by = raised + timedelta(days=days)
        return _(
            "Your dispute goes to your team leader, who answers by %(day)s. "
            "You will be told in the app when they have answered."
        ) % {"day": f"{by:%A %d %B %Y}" if i18n.current() in (i18n.SOURCE, i18n.PSEUDO) else long_day(by)}
    return ""


@get("/evaluations/{evaluation_id:int}", name="evaluation", guards=[require(*EVERYONE)], include_in_schema=False)
async def evaluation_page(request: Request, evaluation_id: FromPath[int]) -> Template:
    return await _evaluation_page(request, await _visible_evaluation(request, evaluation_id))


def _marked_from_form(definition, form: dict[str, Any], prefix: str = "") -> dict[str, Marked]:
    """`value_<code>` is "1", "0", a scale point, "na" or empty; `comment_<code>` beside it, and
    `override_<code>` on an automatic criterion: why its answer was changed."""
    marked = {}
    for criterion in definition.criteria():
        key = f"{prefix}value_{criterion.code}"
        if key not in form and f"{prefix}comment_{criterion.code}" not in form:
            continue
        raw = str(form.get(key) or "").strip()
        comment = str(form.get(f"{prefix}comment_{criterion.code}") or "")
        reason_key = f"{prefix}override_{criterion.code}"
        reason = str(form.get(reason_key) or "") if reason_key in form else None
        if raw == "na":
            marked[criterion.code] = Marked(None, True, comment, reason)
        elif raw == "":
            marked[criterion.code] = Marked(None, False, comment, reason)
        else:
            try:
                marked[criterion.code] = Marked(float(raw), False, comment, reason)
            except ValueError:
                raise EvaluationError(
                    _("%(criterion)s: %(value)s is not an answer") % {"criterion": criterion.title, "value": repr(raw)}
                ) from None
    return marked


@post("/evaluations/{evaluation_id:int}", guards=[require(*EVERYONE)], include_in_schema=False)
async def evaluation_save(request: Request, evaluation_id: FromPath[int]) -> Redirect | Template:
    evaluation = await _visible_evaluation(request, evaluation_id)
    form = await dynamic_form(request)  # value_<code> and comment_<code> for the template's criteria
    submit = form.get("action") == "submit"
    try:
        marked = _marked_from_form(evaluation["definition"], form)
        await evaluations.save(evaluation_id, request.user, marked, str(form.get("comment", "")), submit=submit)
    except EvaluationError as error:
        evaluation = await evaluations.load(evaluation_id)
        return await _evaluation_page(
            request,
            evaluation,
            error=str(error),
            errors=_reason_errors(error),
            form=form,
            status=HTTP_400_BAD_REQUEST,
        )
    if evaluation["calibration"] is not None and submit:
        return Redirect(f"/calibration/{evaluation['calibration']}")
    if submit and evaluation["assignment"] is not None:
        # Submit and next: the next call of the marker's queue opens, or the queue when none is left.
        following = await _next_pick(request.user, evaluation["assignment"])
        if following is not None:
            return Redirect(f"/evaluations/{following}?submitted={evaluation_id}")
        month = await sample_store.assignment_month(evaluation["assignment"])
        return Redirect(f"/qa/queue?month={month}&submitted={evaluation_id}")
    return Redirect(f"/evaluations/{evaluation_id}" + ("" if submit else "?saved=1"))


def _reason_errors(error: EvaluationError) -> dict[str, str]:
    """Beside each automatic answer changed without a reason: that a reason is needed."""
    if not isinstance(error, MissingReasons):
        return {}
    return {f"override_{code}": _("Say in one line why you changed the automatic result.") for code in error.codes}


@get("/evaluations/{evaluation_id:int}/correct", guards=[require(*QA)], include_in_schema=False)
async def evaluation_correct_page(request: Request, evaluation_id: FromPath[int]) -> Template | Redirect:
    """The marking form again, to correct a released evaluation (see `evaluations.correct`)."""
    evaluation = await _visible_evaluation(request, evaluation_id)
    if not evaluations.can_correct(request.user, evaluation):
        return Redirect(f"/evaluations/{evaluation_id}")
    return await _evaluation_page(request, evaluation, correcting=True)


@post("/evaluations/{evaluation_id:int}/correct", guards=[require(*QA)], include_in_schema=False)
async def evaluation_correct(request: Request, evaluation_id: FromPath[int]) -> Redirect | Template:
    evaluation = await _visible_evaluation(request, evaluation_id)
    form = await dynamic_form(request)  # as the marking form, and the reason for the correction
    reason = str(form.get("correction_reason", ""))
    errors = {} if reason.strip() else {"correction": _("Say why you correct this evaluation.")}
    error_text = None
    try:
        marked = _marked_from_form(evaluation["definition"], form)
        await evaluations.correct(evaluation_id, request.user, marked, str(form.get("comment", "")), reason)
    except EvaluationError as error:
        errors.update(_reason_errors(error))
        error_text = _sentence(error)
    if error_text:
        return await _evaluation_page(
            request,
            await evaluations.load(evaluation_id),
            error=error_text,
            errors=errors,
            form=form,
            status=HTTP_400_BAD_REQUEST,
            correcting=True,
        )
    return Redirect(f"/evaluations/{evaluation_id}?corrected=1", status_code=HTTP_303_SEE_OTHER)


@post("/evaluations/{evaluation_id:int}/draft", guards=[require(*EVERYONE)], include_in_schema=False)
async def evaluation_draft(request: Request, evaluation_id: FromPath[int]) -> Template:
    """The background save of a draft (HTMX, as answers change): the page is not reloaded, so the
    recording keeps playing; answers the status line and the score, worked out by the server."""
    evaluation = await _visible_evaluation(request, evaluation_id)
    form = await dynamic_form(request)
    error = None
    try:
        marked = _marked_from_form(evaluation["definition"], form)
        await evaluations.save(evaluation_id, request.user, marked, str(form.get("comment", "")), submit=False)
    except EvaluationError as problem_:
        error = str(problem_)
    now = datetime.now(timezone.utc)
    return Template(
        "scorecards/_draft_status.html",
        context={"error": error, "at": local(now, "%H:%M:%S"), "e": await evaluations.load(evaluation_id)},
    )


@post("/evaluations/{evaluation_id:int}/acknowledge", guards=[require(Role.agent)], include_in_schema=False)
async def evaluation_acknowledge(request: Request, evaluation_id: FromPath[int]) -> Redirect | Template:
    evaluation = await _visible_evaluation(request, evaluation_id)
    try:
        await evaluations.acknowledge(evaluation_id, request.user)
    except EvaluationError as error:
        return await _evaluation_page(
            request, evaluation, errors={"respond": _sentence(error)}, status=HTTP_400_BAD_REQUEST
        )
    return Redirect(f"/evaluations/{evaluation_id}?done=acknowledged", status_code=HTTP_303_SEE_OTHER)


@post("/evaluations/{evaluation_id:int}/dispute", guards=[require(Role.agent)], include_in_schema=False)
async def evaluation_dispute(request: Request, evaluation_id: FromPath[int]) -> Redirect | Template:
    evaluation = await _visible_evaluation(request, evaluation_id)
    form = await dynamic_form(request)  # reason_<code> for the criteria disputed
    reasons = {
        key.removeprefix("reason_"): str(value) for key, value in form.items() if key.startswith("reason_") and value
    }
    try:
        await evaluations.dispute(evaluation_id, request.user, reasons, str(form.get("comment", "")))
    except EvaluationError as error:
        return await _evaluation_page(
            request, evaluation, errors={"dispute": _sentence(error)}, form=form, status=HTTP_400_BAD_REQUEST
        )
    return Redirect(f"/evaluations/{evaluation_id}?done=disputed", status_code=HTTP_303_SEE_OTHER)


@post("/evaluations/{evaluation_id:int}/resolve", guards=[require(*OVERSEERS)], include_in_schema=False)
async def evaluation_resolve(request: Request, evaluation_id: FromPath[int]) -> Redirect | Template:
    evaluation = await _visible_evaluation(request, evaluation_id)
    form = await dynamic_form(request)  # decision, amend_value_<code> for the criteria disputed, note
    decision = form.get("decision")
    errors = {}
    if decision not in ("uphold", "amend"):
        errors["decision"] = _("Choose whether the evaluation stands or the disputed answers are amended.")
    if not str(form.get("note", "")).strip():
        errors["note"] = _("Write a note to the agent explaining the decision.")
    amend = None
    try:
        if decision == "amend":
            amend = _marked_from_form(evaluation["definition"], form, prefix="amend_")
            if not any(m.value is not None or m.na for m in amend.values()):
                errors["amend"] = _("Choose the new answer for the disputed criteria, or uphold the evaluation.")
        if not errors:
            await evaluations.resolve(evaluation_id, request.user, amend=amend, note=str(form.get("note", "")))
    except EvaluationError as error:
        errors["resolve"] = _sentence(error)
    if errors:
        return await _evaluation_page(request, evaluation, errors=errors, form=form, status=HTTP_400_BAD_REQUEST)
    return Redirect(f"/evaluations/{evaluation_id}", status_code=HTTP_303_SEE_OTHER)


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# --- the agent's and the team's month ------------------------------------------------------------


@get("/scorecards/agents/{agent_id:int}", name="agent_month", guards=[require(*EVERYONE)], include_in_schema=False)
async def agent_month(request: Request, agent_id: FromPath[int], month: FromQuery[str | None] = None) -> Template:
    ensure_visible(await agent_scope(request.user), agent_id)
    agent = await org_queries.get_agent(agent_id)
    if agent is None:
        raise NotFoundException()
    first = _month(month)
    settings = await config.load()
    steps = [first]  # the last six months, this one last
    for _counted in range(5):
        steps.insert(0, previous_month(steps[0]))
    by_month = await scorecards_for_months([agent_id], steps)
    trend = [(month_key(step), by_month[step][agent_id]) for step in steps]
    return Template(
        "scorecards/agent_month.html",
        context={
            "agent": agent,
            "month": first,
            "month_key": month_key(first),
            "previous": month_key(previous_month(first)),
            "card": trend[-1][1],
            "trend": trend,
            "evaluations": await evaluations.released_for_agents([agent_id], month_key(first)),
            "praise": await survey_figures.praise(*month_range(first, get_settings().timezone), [agent_id]),
            "is_self": request.user.role == Role.agent,
            "settings": settings,
            "checks": await autochecks.month_criteria(first, [agent_id]),
            "min_n": settings["min_n"],
        },
    )


@get("/scorecards/teams", name="team_months", guards=[require(*STAFF)], include_in_schema=False)
async def team_months(request: Request) -> Template | Redirect:
    teams = await org_queries.list_teams(await team_scope(request.user))
    if len(teams) == 1:
        return Redirect(f"/scorecards/teams/{teams[0]['id']}")
    return Template("scorecards/teams.html", context={"teams": teams})


@get("/scorecards/teams/{team_id:int}", name="team_month", guards=[require(*STAFF)], include_in_schema=False)
async def team_month(request: Request, team_id: FromPath[int], month: FromQuery[str | None] = None) -> Template:
    allowed = await team_scope(request.user)
    if allowed is not None and team_id not in allowed:
        raise NotFoundException()
    team = await org_queries.get_team(team_id)
    if team is None:
        raise NotFoundException()
    first = _month(month)
    members = await org_queries.list_agents(None, team_id=team_id)
    ids = [m["id"] for m in members]
    cards = await scorecards_for(ids, first)
    released = await evaluations.released_for_agents(ids, month_key(first))
    counts: dict[int, int] = {}
    for row in released:
        counts[row["agent"]] = counts.get(row["agent"], 0) + 1
    settings = await config.load()
    return Template(
        "scorecards/team_month.html",
        context={
            "team": team,
            "month": first,
            "month_key": month_key(first),
            "previous": month_key(previous_month(first)),
            "members": members,
            "cards": cards,
            "counts": counts,
            "plan": settings["per_agent"],
            "disputes": await evaluations.open_disputes(ids),
            "checks": await autochecks.month_criteria(first, ids),
            "min_n": settings["min_n"],
        },
    )


# --- calibration ---------------------------------------------------------------------------------


@get("/calibration", name="calibration", guards=[require(*OVERSEERS)], include_in_schema=False)
async def calibration_list(request: Request) -> Template:
    return Template(
        "scorecards/calibration_list.html",
        context={
            "sessions": await calibration_store.visible_sessions(request.user.id, request.user.role),
            "can_create": request.user.role in calibration_store.CALIBRATORS,
        },
    )


async def _calibration_new(request: Request, form: dict[str, Any], *, errors: dict[str, str] | None = None) -> Template:
    """The new-session page: find the call by agent, day and time, choose it, name the session
    and choose its markers. `form` holds what was sent (the search and the session's fields)."""
    user = request.user
    chosen = await calibration_store.chosen_call(user, _int_or_none(form.get("call")))
    agent, day = _int_or_none(form.get("agent")), None
    try:
        day = date.fromisoformat(form.get("day") or "") if form.get("day") else None
    except ValueError:
        day = None
    searched = agent is not None or day is not None
    found = (
        await calibration_store.search_calls(
            user, agent=agent, day=day, start=form.get("start") or "", end=form.get("end") or ""
        )
        if searched
        else []
    )
    calls = ([chosen] if chosen else []) + [c for c in found if not chosen or c["id"] != chosen["id"]]
    markers = form.get("markers") or []
    return Template(
        "scorecards/calibration_new.html",
        context={
            "calls": calls,
            "chosen": chosen,
            "searched": searched,
            "more": len(found) >= calibration_store.SEARCH_LIMIT,  # the search may have more calls
            "agents": await org_queries.list_agents(await agent_scope(user)),
            "markers": await calibration_store.eligible_markers(),
            "ticked": {str(m) for m in ([markers] if isinstance(markers, str) else markers)},
            "form": form,
            "title": form.get("title") or (_("Calibration: %(call)s") % {"call": chosen["label"]} if chosen else ""),
            "errors": errors or {},
        },
        status_code=HTTP_400_BAD_REQUEST if errors else 200,
    )


@get(
    "/calibration/new",
    name="calibration_new",
    guards=[require(*calibration_store.CALIBRATORS)],
    include_in_schema=False,
)
async def calibration_new(request: Request) -> Template:
    form = {k: request.query_params.get(k) or "" for k in ("call", "agent", "day", "start", "end")}
    chosen = await calibration_store.chosen_call(request.user, _int_or_none(form["call"]))
    if chosen and not (form["agent"] or form["day"]):  # from a call: its agent's calls of that day
        form["agent"] = str(chosen["agent"] or "")
        form["day"] = chosen["offered_at"].astimezone(get_settings().timezone).date().isoformat()
    return await _calibration_new(request, form)


@post("/calibration", guards=[require(*calibration_store.CALIBRATORS)], include_in_schema=False)
async def calibration_create(request: Request, data: Form[CalibrationForm]) -> Redirect | Template:
    form = msgspec.structs.asdict(data)
    call = _int_or_none(data.call)
    if call is not None and await calibration_store.chosen_call(request.user, call) is None:
        call = None  # a call the user may not see is no call to choose
    try:
        session_id = await calibration_store.create(data.title, call, data.marker_ids(), request.user.id)
    except (ValueError, calibration_store.CalibrationError) as error:
        field = getattr(error, "field", "") or "markers"
        return await _calibration_new(request, form, errors={field: _sentence(error)})
    return Redirect(f"/calibration/{session_id}", status_code=HTTP_303_SEE_OTHER)


async def _visible_session(request: Request, session_id: int) -> dict[str, Any]:
    session = await calibration_store.get(session_id)
    if session is None:
        raise NotFoundException()
    if request.user.role not in (Role.admin, Role.qa, Role.manager) and not calibration_store.is_marker(
        session, request.user.id
    ):
        raise NotFoundException()
    return session


async def _calibration_page(
    request: Request, session: dict[str, Any], *, errors: dict[str, str] | None = None, form: dict | None = None
) -> Template:
    results = await calibration_store.results(session["id"]) if session["closed_at"] else None
    mine = next((m for m in session["markers"] if m["id"] == request.user.id), None)
    leads = request.user.role in calibration_store.CALIBRATORS
    return Template(
        "scorecards/calibration.html",
        context={
            "session": session,
            "results": results,
            "mine": mine,
            "submitted": calibration_store.submitted_count(session),
            "can_close": leads and not session["closed_at"],
            "can_agree": leads and session["closed_at"] is not None,
            "answer_words": calibration.answer_words,
            "answer_choices": calibration.answer_choices,
            "errors": errors or {},
            "form": form or {},
        },
        status_code=HTTP_400_BAD_REQUEST if errors else 200,
    )


@get("/calibration/{session_id:int}", name="calibration_session", guards=[require(*OVERSEERS)], include_in_schema=False)
async def calibration_page(request: Request, session_id: FromPath[int]) -> Template:
    return await _calibration_page(request, await _visible_session(request, session_id))


@post("/calibration/{session_id:int}/mark", guards=[require(*OVERSEERS)], include_in_schema=False)
async def calibration_mark(request: Request, session_id: FromPath[int]) -> Redirect | Template:
    await _visible_session(request, session_id)
    try:
        evaluation_id = await evaluations.start_for_calibration(session_id, request.user)
    except EvaluationError as error:
        return problem(_("You cannot mark in this session"), str(error))
    return Redirect(f"/evaluations/{evaluation_id}")


class CloseForm(msgspec.Struct):
    confirm: str = ""  # the box "I have checked the marks"


@post("/calibration/{session_id:int}/close", guards=[require(*calibration_store.CALIBRATORS)], include_in_schema=False)
async def calibration_close(request: Request, session_id: FromPath[int], data: Form[CloseForm]) -> Redirect | Template:
    session = await _visible_session(request, session_id)
    try:
        await calibration_store.close(session_id, request.user.id, confirmed=bool(data.confirm))
    except calibration_store.CalibrationError as error:
        return await _calibration_page(request, session, errors={"confirm": _sentence(error)})
    return Redirect(f"/calibration/{session_id}?closed=1", status_code=HTTP_303_SEE_OTHER)


class AgreedForm(msgspec.Struct):
    criterion: str = ""
    value: str = ""
    note: str = ""


@post("/calibration/{session_id:int}/agreed", guards=[require(*calibration_store.CALIBRATORS)], include_in_schema=False)
async def calibration_agreed(
    request: Request, session_id: FromPath[int], data: Form[AgreedForm]
) -> Redirect | Template:
    """The answer the session agreed on for one criterion, with a note."""
    session = await _visible_session(request, session_id)
    try:
        await calibration_store.record_agreed(session_id, data.criterion, data.value, data.note, request.user.id)
    except calibration_store.CalibrationError as error:
        form = msgspec.structs.asdict(data)
        return await _calibration_page(
            request, session, errors={f"agreed_{data.criterion}": _sentence(error)}, form=form
        )
    return Redirect(f"/calibration/{session_id}#agreed-{data.criterion}", status_code=HTTP_303_SEE_OTHER)


ROUTES = [
    qa_queue,
    draw_sample,
    add_targeted,
    settle_agent,
    replace_pick,
    mark_assignment,
    evaluation_page,
    evaluation_save,
    evaluation_draft,
    evaluation_correct_page,
    evaluation_correct,
    evaluation_acknowledge,
    evaluation_dispute,
    evaluation_resolve,
    agent_month,
    team_months,
    team_month,
    calibration_list,
    calibration_new,
    calibration_create,
    calibration_page,
    calibration_mark,
    calibration_close,
    calibration_agreed,
]
