"""The case register's pages: the register (searched, filtered and paged, with its total), its
figures on a page of their own, one case with its history and links, and the agent's quick
entry on a call page (the service suggested from the description, the tracking number shown to
read out).

Agents see the cases they opened or that link to their calls; team leaders their team's;
everyone else all cases. Whoever handles cases may read any case they are given the tracking
number of (a resident calling back with the number a colleague gave them): searching for an
exact tracking number opens it. The quick entry works without JavaScript; with it, the suggestion
follows what the agent types (HTMX), and so does a note when the description seems to hold a
personal number (which is taken out when the case is saved; the page then says how many).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from msgspec import Struct

from cases import case_rules, register
from cases.tables import Case, CaseEvent, CaseLink
from kit.timeutil import local_midnight_utc
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
    service: str = ""  # the service chosen so far
    service_picked: str = ""  # "yes" once the agent chose it: a suggestion never replaces it


class QuickEntryForm(Struct):
    description: str = ""
    service: str = ""
    address: str = ""
    resolved: str = ""  # "yes" or "no": no preset answer
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


PAGE_SIZE = 50
STATUS_FILTERS = ("open", "closed")  # not done yet, and done (resolved or closed)


def _like(column, text: str):
    """Case-insensitive `contains` on both databases (SQLite's LIKE is already, for ASCII)."""
    value = f"%{text}%"
    return column.ilike(value) if Case._meta.db.engine_type == "postgres" else column.like(value)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _list_filters(request: Request) -> tuple[dict[str, str], Any, dict[str, str]]:
    """The list's search and filters from the query string: (what was asked, the condition on
    cases or None, errors by field). Values that make no sense are ignored, not refused."""
    params = request.query_params
    asked = {key: (params.get(key) or "").strip()[:200] for key in ("q", "status", "service", "channel", "from", "to")}
    errors: dict[str, str] = {}
    where = None

    def add(condition) -> None:
        nonlocal where
        where = condition if where is None else where & condition

    if asked["q"]:
        add(_like(Case.description, asked["q"]) | _like(Case.tracking_number, asked["q"]))
    if asked["status"] == "open":
        add(Case.status.not_in(list(case_rules.DONE_STATUSES)))
    elif asked["status"] == "closed":
        add(Case.status.is_in(list(case_rules.DONE_STATUSES)))
    else:
        asked["status"] = ""
    if asked["service"] == "none":
        add(Case.service.is_null())
    elif asked["service"].isdigit():
        add(Case.service == int(asked["service"]))
    else:
        asked["service"] = ""
    if asked["channel"] in case_rules.CHANNELS:
        add(Case.channel == asked["channel"])
    else:
        asked["channel"] = ""
    zone = get_settings().timezone
    first, last = _day(asked["from"]), _day(asked["to"])
    if asked["from"] and first is None:
        errors["from"] = _("Write the date as YYYY-MM-DD.")
    if asked["to"] and last is None:
        errors["to"] = _("Write the date as YYYY-MM-DD.")
    if first and last and last < first:
        errors["to"] = _("The last day comes before the first.")
        last = None
    if first:
        add(Case.created_at >= local_midnight_utc(first, zone))
    if last:
        add(Case.created_at < local_midnight_utc(last + timedelta(days=1), zone))
    return asked, where, errors


def _both(first, second):
    if first is None:
        return second
    return first if second is None else first & second


async def _in_scope(request: Request, case_id: int) -> bool:
    scope = await _scope_where(request)
    return scope is None or bool(await register.count_cases((Case.id == case_id) & scope))


@get("/cases", name="cases", guards=[require(*EVERYONE)], include_in_schema=False)
async def register_page(request: Request) -> Template | Redirect:
    """The register: a search (words of the description, or a tracking number), filters, and
    pages of PAGE_SIZE cases with the total. An exact tracking number opens its case, for
    everyone who handles cases."""
    asked, filters, errors = _list_filters(request)
    not_found = ""
    if case_rules.TRACKING_NUMBER.fullmatch(asked["q"]):
        found = await register.by_tracking_number(asked["q"])
        if found is not None:
            if await _in_scope(request, found["id"]):
                return Redirect(f"/cases/{found['id']}")
            return Redirect(f"/cases/number/{quote(found['tracking_number'])}")
        not_found = asked["q"]
    where = _both(await _scope_where(request), filters)
    total = await register.count_cases(where)
    pages = max(1, -(-total // PAGE_SIZE))
    page_text = request.query_params.get("page") or "1"
    page = min(max(int(page_text), 1), pages) if page_text.isdigit() else 1
    rows = await register.case_rows(where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    kept = {key: value for key, value in asked.items() if value and key not in errors}

    def address(**changes: Any) -> str:
        query = {**kept, **{k: v for k, v in changes.items() if v}}
        return "/cases" + (f"?{urlencode(query)}" if query else "")

    return Template(
        "cases/cases.html",
        context={
            **LABELS,
            "rows": rows,
            "asked": asked,
            "errors": errors,
            "filtered": bool(kept),
            "not_found": not_found,
            "total": total,
            "page": page,
            "pages": pages,
            "first_shown": (page - 1) * PAGE_SIZE + 1 if rows else 0,
            "last_shown": (page - 1) * PAGE_SIZE + len(rows),
            "address": address,
            "services": await _services(),
            "channels": case_rules.CHANNELS,
        },
    )


@get("/cases/statistics", name="case-statistics", guards=[require(*EVERYONE)], include_in_schema=False)
async def statistics_page(request: Request) -> Template:
    """The register's figures (the cases this person sees): overall, by service, department,
    channel and district, and per quarter and department."""
    everything = await register.case_rows(await _scope_where(request))
    zone = get_settings().timezone
    return Template(
        "cases/statistics.html",
        context={
            **LABELS,
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


async def _case_template(
    request: Request,
    row: dict[str, Any],
    *,
    in_scope: bool,
    logged: bool = False,
    redacted: int = 0,
    unchanged: bool = False,
) -> Template:
    case_id = row["id"]
    return Template(
        "cases/case.html",
        context={
            **LABELS,
            "case": row,
            "events": await CaseEvent.select(CaseEvent.all_columns(), CaseEvent.user.name.as_alias("user_name"))
            .where(CaseEvent.case == case_id)
            .order_by(CaseEvent.at, CaseEvent.id),
            "links": await CaseLink.select().where(CaseLink.case == case_id),
            "statuses": (*case_rules.OPEN_STATUSES, *case_rules.DONE_STATUSES),
            "can_change": in_scope and (request.user.role in STAFF or request.user.agent_id == row["agent"]),
            "in_scope": in_scope,
            "logged": logged,
            "redacted": redacted,
            "unchanged": unchanged,
        },
    )


@get("/cases/{case_id:int}", name="case", guards=[require(*EVERYONE)], include_in_schema=False)
async def case_page(
    request: Request,
    case_id: FromPath[int],
    logged: FromQuery[int | None] = None,
    redacted: FromQuery[int | None] = None,
    unchanged: FromQuery[int | None] = None,
) -> Template:
    where = Case.id == case_id
    scope = await _scope_where(request)
    rows = await register.case_rows(where if scope is None else where & scope, limit=1)
    if not rows:
        raise NotFoundException()
    return await _case_template(
        request, rows[0], in_scope=True, logged=bool(logged), redacted=redacted or 0, unchanged=bool(unchanged)
    )


@get("/cases/number/{number:str}", name="case-by-number", guards=[require(*EVERYONE)], include_in_schema=False)
async def case_by_number(request: Request, number: FromPath[str]) -> Template | Redirect:
    """A case read by its exact tracking number: whoever handles cases may read any case they
    are given the number of (only read it: changing it stays with those who may see it anyway).
    A case outside the reader's own is recorded in the audit log."""
    row = await register.by_tracking_number(number)
    if row is None:
        raise NotFoundException()
    if await _in_scope(request, row["id"]):
        return Redirect(f"/cases/{row['id']}")
    await audit.record(request.user.id, "read by tracking number", "case", row["id"])
    return await _case_template(request, row, in_scope=False)


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
        changed = await register.set_status(case_id, data.status, data.note, request.user.id)
    except register.CaseError as error:
        return problem(_("Not changed"), str(error))
    return Redirect(f"/cases/{case_id}" if changed else f"/cases/{case_id}?unchanged=1")


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
    """The service choice, with the suggestions for what was typed (an HTMX fragment). Until the
    agent chooses a service, the best suggestion is chosen for them; once they have, it stays
    and the suggestions are offered beside it."""
    suggestions = await register.suggest(data.description)
    picked = data.service_picked == "yes" and data.service.isdigit()
    chosen = int(data.service) if data.service.isdigit() else None
    if not picked and suggestions.top:
        chosen = suggestions.top[0].service_id
    return Template(
        "cases/_service.html",
        context={"services": await _services(), "suggestions": suggestions, "chosen": chosen, "picked": picked},
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
    return await _entry_page(call, data, note=note, checked=True)


async def _entry_page(
    call: dict[str, Any], data: QuickEntryForm, *, note: str = "", checked: bool = False, errors=None, status: int = 200
) -> Template:
    """The quick entry on a page of its own, filled in as typed: after "Check for personal
    numbers" (without JavaScript), or with the errors to put right at their fields."""
    typed = {
        "description": data.description,
        "service": int(data.service) if data.service.isdigit() else None,
        "address": data.address,
        "resolved": data.resolved,
    }
    return Template(
        "cases/description_check.html",
        context={
            "call": call,
            "note": note,
            "checked": checked,
            "errors": errors or {},
            "typed": typed,
            "full_page": True,
            "case_services": await _services(),
        },
        status_code=status,
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
    if data.resolved not in ("yes", "no"):
        errors = {"resolved": _("Answer whether it was resolved during this call.")}
        return await _entry_page(call, data, note=entry_note(data.description), errors=errors, status=400)
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
    statistics_page,
    case_page,
    case_by_number,
    case_status,
    case_publish,
    suggest,
    description_check,
    call_panel,
    quick_entry,
]
