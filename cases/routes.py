"""The case register's pages: the register with its figures, one case with its history and
links, and the agent's quick entry on a call page (the service suggested from the description,
the tracking number shown to read out).

Agents see the cases they opened or that link to their calls; team leaders their team's;
everyone else all cases. The quick entry works without JavaScript; with it, the suggestion
follows what the agent types (HTMX), and so does a note when the description seems to hold a
personal number (which is taken out when the case is saved; the page then says how many).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from msgspec import Struct

from cases import case_rules, register
from cases.tables import Case, CaseEvent, CaseLink
from qa_app import audit
from qa_app.auth import EVERYONE, STAFF, agent_scope, require
from qa_app.i18n import _
from qa_app.redaction import entry_note, redact_text
from qa_app.settings import get_settings
from qa_app.tables import Service
from qa_app.web import Form, problem, visible_call


class StatusForm(Struct):
    status: str = ""
    note: str = ""


class PublishForm(Struct):
    public: str = ""  # "yes" to publish on Open311, anything else to withdraw
    public_description: str = ""


class SuggestForm(Struct):
    description: str = ""


class QuickEntryForm(Struct):
    description: str = ""
    service: str = ""
    address: str = ""
    resolved: str = ""
    call: str = ""  # the call it is logged from (the description check's page needs it)
    then: str = ""  # "case": show the new case's page after saving (the page without JavaScript)


LABELS = {
    "status_label": case_rules.status_label,
    "channel_label": case_rules.channel_label,
    "none_key": case_rules.NONE,
}


def _quarter(period: str) -> str:
    """ "2026-Q1" as people read it."""
    year, _sep, number = period.partition("-Q")
    return _("%(year)s-Q%(number)s") % {"year": year, "number": number}


async def _scope_where(request: Request):
    scope = await agent_scope(request.user)
    if scope is None:
        return None
    return Case.agent.is_in(scope or [-1])


@get("/cases", name="cases", guards=[require(*EVERYONE)], include_in_schema=False)
async def register_page(request: Request, status: FromQuery[str | None] = None) -> Template:
    where = await _scope_where(request)
    if status in ("open", "closed"):
        wanted = (
            Case.status.not_in(list(case_rules.DONE_STATUSES))
            if status == "open"
            else Case.status.is_in(list(case_rules.DONE_STATUSES))
        )
        where = wanted if where is None else where & wanted
    rows = await register.case_rows(where, limit=200)
    everything = await register.case_rows(await _scope_where(request))
    zone = get_settings().timezone
    return Template(
        "cases/cases.html",
        context={
            **LABELS,
            "rows": rows,
            "status": status or "",
            "total": case_rules.figures(everything, zone),
            "groups": [
                (_("By service"), "service_name", case_rules.by(everything, "service_name", zone)),
                (_("By department"), "department", case_rules.by(everything, "department", zone)),
                (_("By channel"), "channel", case_rules.by(everything, "channel", zone)),
                (_("By district"), "district", case_rules.by(everything, "district", zone)),
            ],
            "quarters": {
                _quarter(quarter): row
                for quarter, row in case_rules.counts(everything, "quarter", "department", zone).items()
            },
        },
    )


@get("/cases/{case_id:int}", name="case", guards=[require(*EVERYONE)], include_in_schema=False)
async def case_page(
    request: Request,
    case_id: FromPath[int],
    logged: FromQuery[int | None] = None,
    redacted: FromQuery[int | None] = None,
) -> Template:
    where = Case.id == case_id
    scope = await _scope_where(request)
    rows = await register.case_rows(where if scope is None else where & scope, limit=1)
    if not rows:
        raise NotFoundException()
    row = rows[0]
    return Template(
        "cases/case.html",
        context={
            **LABELS,
            "case": row,
            "events": await CaseEvent.select(CaseEvent.all_columns(), CaseEvent.user.name.as_alias("user_name"))
            .where(CaseEvent.case == case_id)
            .order_by(CaseEvent.at),
            "links": await CaseLink.select().where(CaseLink.case == case_id),
            "statuses": (*case_rules.OPEN_STATUSES, *case_rules.DONE_STATUSES),
            "can_change": request.user.role in STAFF or request.user.agent_id == row["agent"],
            "logged": bool(logged),
            "redacted": redacted or 0,
        },
    )


@post("/cases/{case_id:int}/status", guards=[require(*EVERYONE)], include_in_schema=False)
async def case_status(
    request: Request,
    case_id: FromPath[int],
    data: Form[StatusForm],
) -> Redirect | Template:
    where = Case.id == case_id
    scope = await _scope_where(request)
    if not await register.case_rows(where if scope is None else where & scope, limit=1):
        raise NotFoundException()
    try:
        await register.set_status(case_id, data.status, data.note, request.user.id)
    except register.CaseError as error:
        return problem(_("Not changed"), str(error))
    return Redirect(f"/cases/{case_id}")


@post("/cases/{case_id:int}/publish", guards=[require(*EVERYONE)], include_in_schema=False)
async def case_publish(request: Request, case_id: FromPath[int], data: Form[PublishForm]) -> Redirect | Template:
    """Publish a case on Open311 with a text written for the public (or withdraw it): an agent's
    own description of what the resident said is never published."""
    where = Case.id == case_id
    scope = await _scope_where(request)
    rows = await register.case_rows(where if scope is None else where & scope, limit=1)
    if not rows:
        raise NotFoundException()
    if not (request.user.role in STAFF or request.user.agent_id == rows[0]["agent"]):
        raise NotFoundException()
    public, text = data.public == "yes", redact_text(data.public_description.strip())
    if public and not text:
        return problem(_("Not published"), _("Write the text the public may read about this case."))
    if len(text) > 1000:
        return problem(_("Not published"), _("The public text may have at most 1,000 characters."))
    await Case.update({Case.public: public, Case.public_description: text if public else ""}).where(Case.id == case_id)
    await audit.record(request.user.id, "publish" if public else "withdraw", "case", case_id)
    return Redirect(f"/cases/{case_id}")


async def _services() -> list[dict[str, Any]]:
    return await Service.select(Service.id, Service.name).order_by(Service.name)


@post("/cases/suggest", guards=[require(*EVERYONE)], include_in_schema=False)
async def suggest(data: Form[SuggestForm]) -> Template:
    """The service choice, with the suggestions for what was typed (an HTMX fragment)."""
    suggestions = await register.suggest(data.description)
    return Template(
        "cases/_service.html",
        context={"services": await _services(), "suggestions": suggestions, "chosen": None},
    )


@post("/cases/description-check", guards=[require(*EVERYONE)], include_in_schema=False)
async def description_check(request: Request, data: Form[QuickEntryForm]) -> Template:
    """A note when the description an agent types seems to hold a personal number: under the
    description as they type (an HTMX fragment); without JavaScript, the quick entry's "Check"
    button gives a page of its own, the entry filled in as typed with the note."""
    note = entry_note(data.description)
    if request.headers.get("hx-request") == "true":
        return Template("cases/_description_note.html", context={"note": note})
    if not data.call.isdigit():
        raise NotFoundException()
    call = await visible_call(request, int(data.call))
    typed = {
        "description": data.description,
        "service": int(data.service) if data.service.isdigit() else None,
        "address": data.address,
        "resolved": data.resolved,
    }
    return Template(
        "cases/description_check.html",
        context={"call": call, "note": note, "typed": typed, "full_page": True, "case_services": await _services()},
    )


@get("/calls/{call_id:int}/cases", guards=[require(*EVERYONE)], include_in_schema=False)
async def call_panel(
    request: Request,
    call_id: FromPath[int],
    case: FromQuery[int | None] = None,
    redacted: FromQuery[int | None] = None,
) -> Template:
    """The call page's cases: those logged from the call, and the quick entry (whoever may see
    the call may log what the caller asked)."""
    call = await visible_call(request, call_id)
    linked = await register.links_of_call(call_id)
    new_case = None
    if case is not None and any(c["id"] == case for c in linked):
        new_case = await Case.select(Case.tracking_number).where(Case.id == case).first()
    return Template(
        "cases/call_panel.html",
        context={
            **LABELS,
            "call": call,
            "linked_cases": linked,
            "new_case": new_case,
            "redacted": redacted or 0,
            "case_services": await _services(),
        },
    )


@post("/calls/{call_id:int}/cases", guards=[require(*EVERYONE)], include_in_schema=False)
async def quick_entry(
    request: Request,
    call_id: FromPath[int],
    data: Form[QuickEntryForm],
) -> Redirect | Template:
    call = await visible_call(request, call_id)
    try:
        row = await register.create_case(
            channel="phone",
            description=data.description,
            service_id=int(data.service) if data.service.isdigit() else None,
            user_id=request.user.id,
            call_id=call["id"],
            address=data.address,
            resolved_now=data.resolved == "yes",
        )
    except register.CaseError as error:
        return problem(_("The case was not logged"), str(error))
    redacted = f"&redacted={row['redacted']}" if row["redacted"] else ""
    if data.then == "case":
        return Redirect(f"/cases/{row['id']}?logged=1{redacted}")
    return Redirect(f"/calls/{call_id}?case={row['id']}{redacted}#cases")


ROUTES = [
    register_page,
    case_page,
    case_status,
    case_publish,
    suggest,
    description_check,
    call_panel,
    quick_entry,
]
