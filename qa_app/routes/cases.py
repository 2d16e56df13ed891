"""The case register's pages: the register with its figures, one case with its history and
links, and the agent's quick entry on a call page (the service suggested from the description,
the tracking number shown to read out).

Agents see the cases they opened or that link to their calls; team leaders their team's;
everyone else all cases. The quick entry works without JavaScript; with it, the suggestion
follows what the agent types (HTMX).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from qa_app import case_rules, cases
from qa_app.auth import EVERYONE, STAFF, agent_scope, require
from qa_app.routes.calls import _visible_call
from qa_app.settings import get_settings
from qa_app.tables import Case, CaseEvent, CaseLink, Service


async def _scope_where(request: Request):
    scope = await agent_scope(request.user)
    if scope is None:
        return None
    return Case.agent.is_in(scope or [-1])


@get("/cases", name="cases", guards=[require(*EVERYONE)], include_in_schema=False)
async def register(request: Request, status: FromQuery[str | None] = None) -> Template:
    where = await _scope_where(request)
    if status in ("open", "closed"):
        wanted = (
            Case.status.not_in(list(case_rules.DONE_STATUSES))
            if status == "open"
            else Case.status.is_in(list(case_rules.DONE_STATUSES))
        )
        where = wanted if where is None else where & wanted
    rows = await cases.case_rows(where, limit=200)
    everything = await cases.case_rows(await _scope_where(request))
    return Template(
        "cases.html",
        context={
            "rows": rows,
            "status": status or "",
            "total": case_rules.figures(everything),
            "groups": [
                ("By service", case_rules.by(everything, "service_name")),
                ("By department", case_rules.by(everything, "department")),
                ("By channel", case_rules.by(everything, "channel")),
                ("By district", case_rules.by(everything, "district")),
            ],
            "quarters": case_rules.counts(everything, "quarter", "department", get_settings().timezone),
        },
    )


@get("/cases/{case_id:int}", name="case", guards=[require(*EVERYONE)], include_in_schema=False)
async def case_page(request: Request, case_id: FromPath[int]) -> Template:
    where = Case.id == case_id
    scope = await _scope_where(request)
    rows = await cases.case_rows(where if scope is None else where & scope, limit=1)
    if not rows:
        raise NotFoundException()
    row = rows[0]
    return Template(
        "case.html",
        context={
            "case": row,
            "events": await CaseEvent.select(CaseEvent.all_columns(), CaseEvent.user.name.as_alias("user_name"))
            .where(CaseEvent.case == case_id)
            .order_by(CaseEvent.at),
            "links": await CaseLink.select().where(CaseLink.case == case_id),
            "statuses": (*case_rules.OPEN_STATUSES, *case_rules.DONE_STATUSES),
            "can_change": request.user.role in STAFF or request.user.agent_id == row["agent"],
        },
    )


@post("/cases/{case_id:int}/status", guards=[require(*EVERYONE)], include_in_schema=False)
async def case_status(request: Request, case_id: FromPath[int]) -> Redirect | Template:
    where = Case.id == case_id
    scope = await _scope_where(request)
    if not await cases.case_rows(where if scope is None else where & scope, limit=1):
        raise NotFoundException()
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        await cases.set_status(case_id, form.get("status", ""), form.get("note", ""), request.user.id)
    except cases.CaseError as error:
        return Template(
            "error.html", context={"title": "Not changed", "message": str(error), "status": 400}, status_code=400
        )
    return Redirect(f"/cases/{case_id}")


async def _services() -> list[dict[str, Any]]:
    return await Service.select(Service.id, Service.name).order_by(Service.name)


@post("/cases/suggest", guards=[require(*EVERYONE)], include_in_schema=False)
async def suggest(request: Request) -> Template:
    """The service choice, with the suggestions for what was typed (an HTMX fragment)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    suggestions = await cases.suggest(form.get("description", ""))
    return Template(
        "_case_service.html",
        context={"services": await _services(), "suggestions": suggestions, "chosen": None},
    )


@post("/calls/{call_id:int}/cases", guards=[require(*EVERYONE)], include_in_schema=False)
async def quick_entry(request: Request, call_id: FromPath[int]) -> Redirect | Template:
    call = await _visible_call(request, call_id)
    form = {k: str(v) for k, v in (await request.form()).items()}
    service = form.get("service", "")
    try:
        row = await cases.create_case(
            channel="phone",
            description=form.get("description", ""),
            service_id=int(service) if service.isdigit() else None,
            user_id=request.user.id,
            call_id=call["id"],
            address=form.get("address", ""),
            resolved_now=form.get("resolved") == "yes",
        )
    except cases.CaseError as error:
        return Template(
            "error.html",
            context={"title": "The case was not logged", "message": str(error), "status": 400},
            status_code=400,
        )
    return Redirect(f"/calls/{call_id}?case={row['id']}#cases")


ROUTES = [register, case_page, case_status, suggest, quick_entry]
