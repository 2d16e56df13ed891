"""Administration: users and the audit log (imports: organisation.import_routes)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from msgspec import Struct

from qa_app import i18n, mail, users
from qa_app.auth import require
from qa_app.i18n import _, _l
from qa_app.settings import get_settings
from qa_app.tables import Agent, AuditLog, Role, User
from qa_app.users import UserError, create_user
from qa_app.web import LARGEST_ID, Form

PAGE_SIZE = 50
# Least privileged first: a new user's form starts at the first.
ROLES_IN_ORDER = [Role.agent, Role.team_leader, Role.qa, Role.manager, Role.admin]


class NewUser(Struct):
    email: str = ""
    name: str = ""
    role: str = ""
    agent: str = ""
    password: str = ""


class UserEdit(Struct):
    email: str = ""
    name: str = ""
    role: str = ""
    agent: str = ""


class ActiveForm(Struct):
    active: str = ""


def _page_number(request: Request, total: int) -> tuple[int, int]:
    """The page asked for (1 when it is not a number), within 1..pages; and how many pages."""
    pages = max(1, -(-total // PAGE_SIZE))
    text = request.query_params.get("page") or "1"
    return (min(max(int(text), 1), pages) if text.isdigit() else 1), pages


def _paging(path: str, asked: dict[str, str], total: int, page: int, pages: int, shown: int) -> dict[str, Any]:
    kept = {key: value for key, value in asked.items() if value}

    def address(**changes: Any) -> str:
        query = {**kept, **{k: v for k, v in changes.items() if v and (k, v) != ("page", 1)}}
        return path + (f"?{urlencode(query)}" if query else "")

    return {
        "asked": asked,
        "filtered": bool(kept),
        "total": total,
        "page": page,
        "pages": pages,
        "first_shown": (page - 1) * PAGE_SIZE + 1 if shown else 0,
        "last_shown": (page - 1) * PAGE_SIZE + shown,
        "address": address,
    }


async def _free_agents(user_id: int | None = None) -> list[dict[str, Any]]:
    """Agents without a login (and the one of `user_id`), for the agent choice."""
    free = Agent.user.is_null() if user_id is None else (Agent.user.is_null() | (Agent.user == user_id))
    return await Agent.select(Agent.staff_number, Agent.name).where(free).order_by(Agent.name)


async def _users_context(request: Request, **extra: Any) -> dict[str, Any]:
    asked = {"q": (request.query_params.get("q") or "").strip()[:200], "role": request.query_params.get("role") or ""}
    if asked["role"] not in Role._value2member_map_:
        asked["role"] = ""
    where = users.users_where(asked["q"], asked["role"])
    total = await User.count().where(where)
    page, pages = _page_number(request, total)
    rows = (
        await User.select(User.id, User.email, User.name, User.role, User.active, User.last_login_at)
        .where(where)
        .order_by(User.email)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return {
        "users": rows,
        "roles": [r.value for r in ROLES_IN_ORDER],
        "free_agents": await _free_agents(),
        "form": {"role": Role.agent.value},
        "errors": {},
        **_paging("/admin/users", asked, total, page, pages, len(rows)),
        **extra,
    }


@get("/admin/users", name="users", guards=[require(Role.admin)], include_in_schema=False)
async def users_page(request: Request) -> Template:
    return Template("organisation/users.html", context=await _users_context(request))


@post("/admin/users", guards=[require(Role.admin)], include_in_schema=False)
async def users_create(request: Request, data: Form[NewUser]) -> Template | Redirect:
    try:
        user_id = await create_user(
            email=data.email,
            role=data.role,
            password=data.password,
            name=data.name,
            agent_staff_number=data.agent or None,
            by_user=request.user.id,
        )
    except UserError as error:
        form = {
            "email": data.email,
            "name": data.name,
            "role": data.role,
            "agent": data.agent,
            "password": data.password,
        }
        return Template(
            "organisation/users.html",
            context=await _users_context(request, form=form, errors={error.field or "form": str(error)}),
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/admin/users/{user_id}?created=true")


async def _user_or_404(user_id: int) -> dict[str, Any]:
    row = await User.select().where(User.id == user_id).first() if 0 < user_id <= LARGEST_ID else None
    if row is None:
        raise NotFoundException()
    return row


async def _user_page(request: Request, user_id: int, status: int = 200, **extra: Any) -> Template:
    row = await _user_or_404(user_id)
    agent = await Agent.select(Agent.staff_number, Agent.name).where(Agent.user == user_id).first()
    form = {
        "email": row["email"],
        "name": row["name"],
        "role": row["role"],
        "agent": agent["staff_number"] if agent else "",
    }
    history = (
        await AuditLog.select(AuditLog.all_columns(), AuditLog.user.email.as_alias("email"))
        .where((AuditLog.entity == "user") & (AuditLog.entity_id == str(user_id)))
        .order_by(AuditLog.id, ascending=False)
        .limit(10)
    )
    context = {
        "person": row,
        "agent": agent,
        "form": form,
        "errors": {},
        "roles": [r.value for r in ROLES_IN_ORDER],
        "free_agents": await _free_agents(user_id),
        "reset_link": None,
        "saved": request.query_params.get("saved") == "true",
        "created": request.query_params.get("created") == "true",
        "is_self": user_id == request.user.id,
        "history": [{**entry, "changes": readable_changes(entry["detail"], entry["action"])} for entry in history],
        "action_names": ACTION_NAMES,
        "field_names": FIELD_NAMES,
        **extra,
    }
    return Template("organisation/user.html", context=context, status_code=status)


@get("/admin/users/{user_id:int}", name="user", guards=[require(Role.admin)], include_in_schema=False)
async def user_page(request: Request, user_id: FromPath[int]) -> Template:
    return await _user_page(request, user_id)


@post("/admin/users/{user_id:int}", guards=[require(Role.admin)], include_in_schema=False)
async def user_update(request: Request, user_id: FromPath[int], data: Form[UserEdit]) -> Template | Redirect:
    await _user_or_404(user_id)
    try:
        await users.update_user(
            user_id,
            email=data.email,
            name=data.name,
            role=data.role,
            agent_staff_number=data.agent,
            by_user=request.user.id,
        )
    except UserError as error:
        form = {"email": data.email, "name": data.name, "role": data.role, "agent": data.agent}
        errors = {error.field or "form": str(error)}
        return await _user_page(request, user_id, HTTP_400_BAD_REQUEST, form=form, errors=errors)
    return Redirect(f"/admin/users/{user_id}?saved=true")


@post("/admin/users/{user_id:int}/active", guards=[require(Role.admin)], include_in_schema=False)
async def user_active(request: Request, user_id: FromPath[int], data: Form[ActiveForm]) -> Template | Redirect:
    """Switch the login off ("0") or on ("1")."""
    await _user_or_404(user_id)
    if data.active not in ("0", "1"):
        return await _user_page(request, user_id, HTTP_400_BAD_REQUEST, errors={"active": _("Choose on or off.")})
    try:
        await users.set_active(user_id, data.active == "1", by_user=request.user.id)
    except UserError as error:
        return await _user_page(request, user_id, HTTP_400_BAD_REQUEST, errors={"active": str(error)})
    return Redirect(f"/admin/users/{user_id}?saved=true")


@post("/admin/users/{user_id:int}/reset-link", guards=[require(Role.admin)], include_in_schema=False)
async def user_reset_link(request: Request, user_id: FromPath[int]) -> Template:
    """A new one-time link for the user to set a password; shown on this answer only (the
    database keeps its hash), so the page is not a redirect."""
    await _user_or_404(user_id)
    try:
        token = await users.make_reset_link(user_id, by_user=request.user.id)
    except UserError as error:
        return await _user_page(request, user_id, HTTP_400_BAD_REQUEST, errors={"reset": str(error)})
    link = str(request.base_url).rstrip("/") + "/login/reset?" + urlencode({"token": token})
    mailed, mail_error = await _mail_reset_link(user_id, link) if get_settings().smtp_url else (False, "")
    return await _user_page(
        request, user_id, reset_link=link, reset_hours=users.RESET_HOURS, mailed=mailed, mail_error=mail_error
    )


async def _mail_reset_link(user_id: int, link: str) -> tuple[bool, str]:
    """The link by e-mail too, in the user's language, when a mail server is configured:
    whether it went out, and why not."""
    person = await User.select(User.email, User.language).where(User.id == user_id).first()
    with i18n.using(person["language"] or None):
        body = (
            _("Hello,")
            + "\n\n"
            + _("Your administrator made you a link to choose a new password for the contact centre's quality app:")
            + f"\n\n{link}\n\n"
            + _("It works once, for %(hours)s hours. If you did not ask for it, tell your administrator.")
            % {"hours": users.RESET_HOURS}
            + "\n"
        )
        subject = _("Choose a new password")
    try:
        server = mail.configured_server()
        refused = await mail.send([mail.new_message(person["email"], subject, body, sender=server.sender)], server)
    except mail.MailError as error:
        return False, str(error)
    return not refused, _("The mail server refused the address.") if refused else ""


# The audit log's codes as people read them, where a label is easy; the others show their code.
ACTION_NAMES = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "login": _l("Signed in"),
    "logout": _l("Signed out"),
    "change_password": _l("Changed their own password"),
    "set_password": _l("Password set"),
    "make_reset_link": _l("Made a password reset link"),
    "reset_password": _l("Set a new password through a reset link"),
}
FIELD_NAMES = {
    "email": _l("E-mail"),
    "name": _l("Name"),
    "role": _l("Role"),
    "agent": _l("Agent"),
    "active": _l("Active"),
    "team": _l("Team"),
    "leader": _l("Team leader"),
    "staff_number": _l("Staff number"),
    "interface": _l("Phone interface"),
    "active_from": _l("Active from"),
    "active_to": _l("Active to"),
    "status": _l("Status"),
    "scope": _l("Scope"),
}


def _plain(value: Any) -> Any:
    """A stored value to show: a list or mapping as {"code": its JSON} (shown as code, as the
    log stores it), the rest as is (None, True and False are left for the template to name)."""
    if isinstance(value, list | dict):
        return {"code": json.dumps(value, ensure_ascii=False, sort_keys=True)}
    return value


def readable_changes(detail: Any, action: str = "update") -> list[dict[str, Any]]:
    """An audit entry's detail as rows of {field, before, after, changed}: a {"from": …, "to": …}
    mapping is a change, and so is a [before, after] pair in an "update" (other entries may
    hold lists of two that are no change, such as two disputed criteria); any other value is a
    fact (changed False)."""
    if isinstance(detail, str):
        try:
            detail = json.loads(detail or "{}")
        except ValueError:
            return [{"field": "", "before": None, "after": detail, "changed": False}]
    if not isinstance(detail, dict):
        return [{"field": "", "before": None, "after": _plain(detail), "changed": False}]
    rows = []
    for field, value in detail.items():
        if action == "update" and isinstance(value, list) and len(value) == 2:
            rows.append({"field": field, "before": _plain(value[0]), "after": _plain(value[1]), "changed": True})
        elif isinstance(value, dict) and set(value) == {"from", "to"}:
            rows.append(
                {"field": field, "before": _plain(value["from"]), "after": _plain(value["to"]), "changed": True}
            )
        else:
            rows.append({"field": field, "before": None, "after": _plain(value), "changed": False})
    return rows


@get("/admin/audit", name="audit", guards=[require(Role.admin)], include_in_schema=False)
async def audit_page(request: Request) -> Template:
    """The log, newest first: a search in the action, the record (its kind or number) and the
    user's e-mail or name; pages of PAGE_SIZE with the total."""
    asked = {"q": (request.query_params.get("q") or "").strip()[:200]}
    where = AuditLog.id.is_not_null()
    if asked["q"]:
        pattern = f"%{asked['q']}%"
        where &= (
            AuditLog.action.ilike(pattern)
            | AuditLog.entity.ilike(pattern)
            | AuditLog.entity_id.ilike(pattern)
            | AuditLog.user.email.ilike(pattern)
            | AuditLog.user.name.ilike(pattern)
        )
    total = await AuditLog.count().where(where)
    page, pages = _page_number(request, total)
    rows = (
        await AuditLog.select(
            AuditLog.all_columns(), AuditLog.user.email.as_alias("email"), AuditLog.user.name.as_alias("user_name")
        )
        .where(where)
        .order_by(AuditLog.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    # Records that are users show the user's name.
    numbers = [r["entity_id"] for r in rows if r["entity"] == "user" and r["entity_id"].isdigit()]
    user_ids = {int(n) for n in numbers if 0 < int(n) <= LARGEST_ID}
    named = await User.select(User.id, User.name).where(User.id.is_in(list(user_ids))) if user_ids else []
    names = {str(u["id"]): u["name"] for u in named}
    entries = [
        {
            **row,
            "changes": readable_changes(row["detail"], row["action"]),
            "record_name": names.get(row["entity_id"]) if row["entity"] == "user" else None,
        }
        for row in rows
    ]
    return Template(
        "organisation/audit.html",
        context={
            "rows": entries,
            "action_names": ACTION_NAMES,
            "field_names": FIELD_NAMES,
            **_paging("/admin/audit", asked, total, page, pages, len(entries)),
        },
    )


ROUTES = [users_page, users_create, user_page, user_update, user_active, user_reset_link, audit_page]
