"""Administration: users and the audit log (imports: organisation.import_routes)."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from msgspec import Struct

from qa_app import queries
from qa_app.auth import require
from qa_app.tables import Agent, AuditLog, Role
from qa_app.users import UserError, create_user
from qa_app.web import Form


class NewUser(Struct):
    email: str = ""
    name: str = ""
    role: str = ""
    agent: str = ""
    password: str = ""


async def _users_context(**extra) -> dict:
    agents_without_login = (
        await Agent.select(Agent.staff_number, Agent.name).where(Agent.user.is_null()).order_by(Agent.name)
    )
    return {
        "users": await queries.list_users(),
        "roles": [r.value for r in Role],
        "free_agents": agents_without_login,
        **extra,
    }


@get("/admin/users", name="users", guards=[require(Role.admin)], include_in_schema=False)
async def users_page() -> Template:
    return Template("organisation/users.html", context=await _users_context(error=None, form={}))


@post("/admin/users", guards=[require(Role.admin)], include_in_schema=False)
async def users_create(request: Request, data: Form[NewUser]) -> Template | Redirect:
    try:
        await create_user(
            email=data.email,
            role=data.role,
            password=data.password,
            name=data.name,
            agent_staff_number=data.agent or None,
            by_user=request.user.id,
        )
    except UserError as error:
        form = {"email": data.email, "name": data.name, "role": data.role, "agent": data.agent}
        return Template(
            "organisation/users.html",
            context=await _users_context(error=str(error), form=form),
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect("/admin/users")


@get("/admin/audit", name="audit", guards=[require(Role.admin)], include_in_schema=False)
async def audit_page() -> Template:
    rows = (
        await AuditLog.select(AuditLog.all_columns(), AuditLog.user.email.as_alias("email"))
        .order_by(AuditLog.id, ascending=False)
        .limit(200)
    )
    return Template("organisation/audit.html", context={"rows": rows})


ROUTES = [users_page, users_create, audit_page]
