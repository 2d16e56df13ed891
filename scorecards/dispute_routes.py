"""The disputes list: the disputes a person has to answer or follow. A QA marker sees those of
the evaluations they marked ("My disputes"), a team leader their team's, a manager or an
administrator everyone's; open ones first, then the answered ones, newest first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from qa_app.auth import CurrentUser, agent_scope, require
from qa_app.i18n import _l
from qa_app.tables import Role
from scorecards.evaluations import RESOLVERS
from scorecards.outcome_store import criterion_titles
from scorecards.tables import Dispute, DisputeStatus

PAGE = 50
SHOWN = {"open": _l("waiting for an answer"), "answered": _l("answered"), "all": _l("all")}
STATUS_NAMES = {
    DisputeStatus.open.value: _l("Waiting for an answer"),
    DisputeStatus.upheld.value: _l("Answered: the evaluation stands"),
    DisputeStatus.amended.value: _l("Answered: answers changed"),
}


def _where(user: CurrentUser, scope: list[int] | None, shown: str) -> Any:
    where = Dispute.evaluation.calibration.is_null()
    if user.role == Role.qa:
        where &= Dispute.evaluation.marker == user.id  # the evaluations they marked
    elif scope is not None:
        where &= Dispute.evaluation.agent.is_in(scope or [-1])
    if shown == "open":
        where &= Dispute.status == DisputeStatus.open
    elif shown == "answered":
        where &= Dispute.status != DisputeStatus.open
    return where


@get("/disputes", name="disputes", guards=[require(*RESOLVERS)], include_in_schema=False)
async def disputes_page(request: Request, shown: FromQuery[str] = "open", page: FromQuery[int] = 1) -> Template:
    user: CurrentUser = request.user
    shown = shown if shown in SHOWN else "open"
    where = _where(user, await agent_scope(user), shown)
    total = await Dispute.count().where(where)
    pages = max(1, -(-total // PAGE))
    page = min(max(1, page), pages)
    rows = (
        await Dispute.select(
            Dispute.id,
            Dispute.status,
            Dispute.raised_at,
            Dispute.resolved_at,
            Dispute.items,
            Dispute.evaluation.as_alias("evaluation_id"),
            Dispute.evaluation.agent.name.as_alias("agent_name"),
            Dispute.evaluation.marker.name.as_alias("marker_name"),
            Dispute.evaluation.call.offered_at.as_alias("offered_at"),
            Dispute.resolved_by.name.as_alias("resolved_by_name"),
        )
        .where(where)
        .order_by(Dispute.raised_at, ascending=False)
        .order_by(Dispute.id, ascending=False)
        .offset((page - 1) * PAGE)
        .limit(PAGE)
        .output(load_json=True)
    )
    titles = await criterion_titles()
    for row in rows:
        row["criteria"] = [titles.get(item.get("criterion"), item.get("criterion")) for item in row["items"] or []]
        row["status_name"] = STATUS_NAMES.get(row["status"], row["status"])
    return Template(
        "scorecards/disputes.html",
        context={
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "shown": shown,
            "choices": SHOWN,
            "mine": user.role == Role.qa,
            "address": lambda **change: "/disputes?" + urlencode({"shown": shown, "page": page, **change}),
        },
    )


ROUTES = [disputes_page]
