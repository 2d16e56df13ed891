"""What marking asks of a person, on their home page: an agent's evaluations to read and
respond to (with the last day to do it); a QA marker's calls left to mark this month and drafts
to finish; a team leader's or the QA team's disputes to answer."""

from __future__ import annotations

from kit.timeutil import current_month
from qa_app import formatting
from qa_app.auth import CurrentUser, agent_scope
from qa_app.i18n import _, ngettext
from qa_app.packages import ToDo
from qa_app.settings import get_settings
from qa_app.tables import Role
from scorecards import sample_store
from scorecards.evaluations import RESOLVERS, respond_window_open
from scorecards.tables import Evaluation, EvaluationStatus

MOST = 20  # a long list is the queue's job, not the home page's


async def to_do(user: CurrentUser) -> list[ToDo]:
    if user.role == Role.agent:
        return await _to_respond(user)
    items = await _to_mark(user) if user.role in (Role.qa, Role.admin) else []
    if user.role in RESOLVERS:
        items += await _disputes(user)
    return items


async def _to_mark(user: CurrentUser) -> list[ToDo]:
    """The marker's own picks of this month still to mark, and their drafts among them."""
    first = current_month(get_settings().timezone)
    key = first.strftime("%Y-%m")
    left = [r for r in await sample_store.month_assignments(first, marker_id=user.id) if r["to_mark"]]
    drafts = sum(1 for r in left if r["evaluation_id"])
    items = []
    if left:
        text = ngettext(
            "%(num)s call left to mark in %(month)s", "%(num)s calls left to mark in %(month)s", len(left)
        ) % {"num": len(left), "month": formatting.month(first)}
        items.append(ToDo(text, f"/qa/queue?month={key}"))
    if drafts:
        text = ngettext("%(num)s draft to finish", "%(num)s drafts to finish", drafts) % {"num": drafts}
        items.append(ToDo(text, f"/qa/queue?month={key}&status=draft"))
    return items


async def _to_respond(user: CurrentUser) -> list[ToDo]:
    if not user.agent_id:
        return []
    rows = (
        await Evaluation.select(
            Evaluation.id, Evaluation.score, Evaluation.respond_by, Evaluation.call.offered_at.as_alias("offered_at")
        )
        .where(
            (Evaluation.agent == user.agent_id)
            & (Evaluation.status == EvaluationStatus.released)
            & Evaluation.calibration.is_null()
        )
        .order_by(Evaluation.respond_by)
        .order_by(Evaluation.id)
        .limit(MOST)
    )
    items = []
    for row in rows:
        if not respond_window_open(row):
            continue
        text = _("Read the evaluation of your call of %(when)s (%(score)s) and acknowledge or dispute it") % {
            "when": formatting.local(row["offered_at"]),
            "score": formatting.percent(row["score"], 0) if row["score"] is not None else "–",
        }
        due = _("by %(day)s") % {"day": formatting.day(row["respond_by"])} if row["respond_by"] else ""
        items.append(
            ToDo(text, f"/evaluations/{row['id']}", due, row["respond_by"].isoformat() if row["respond_by"] else "")
        )
    return items


async def _disputes(user: CurrentUser) -> list[ToDo]:
    """A team leader answers their team's disputes; the QA team (and managers) see every open one."""
    scope = await agent_scope(user)
    query = Evaluation.select(
        Evaluation.id,
        Evaluation.agent.name.as_alias("agent_name"),
        Evaluation.call.offered_at.as_alias("offered_at"),
    ).where(Evaluation.status == EvaluationStatus.disputed)
    if scope is not None:
        query = query.where(Evaluation.agent.is_in(scope or [-1]))
    rows = await query.order_by(Evaluation.id).limit(MOST)
    return [
        ToDo(
            _("Answer %(agent)s's dispute of the evaluation of the call of %(when)s")
            % {"agent": row["agent_name"] or "–", "when": formatting.local(row["offered_at"])},
            f"/evaluations/{row['id']}",
        )
        for row in rows
    ]
