"""The start page: what the user has to do (each package says), then this month's calls against
last month's, within what the user may see."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from qa_app import packages
from qa_app.auth import EVERYONE, agent_scope, require
from qa_app.call_metrics import month_figures
from qa_app.tables import Role


@get("/", name="home", guards=[require(*EVERYONE)], include_in_schema=False)
async def home(request: Request) -> Template:
    user = request.user
    scope = await agent_scope(user)
    month, this, last = await month_figures(scope)
    return Template(
        "home.html",
        context={
            "month": month,
            "this": this,
            "last": last,
            "is_agent": user.role == Role.agent,
            "to_do": await packages.to_do(user),
        },
    )


ROUTES = [home]
