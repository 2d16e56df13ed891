"""The start page: what the user has to do (each package says), then either the panels the
user's role has (a manager's headline figures against their targets) or this month's calls
against last month's, within what the user may see; and the calls overview, where those call
figures always are."""

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
    panels = packages.home_panels(user.role)
    context = {"is_agent": user.role == Role.agent, "to_do": await packages.to_do(user), "panels": panels}
    if not panels:
        context["month"], context["this"], context["last"] = await month_figures(await agent_scope(user))
    return Template("home.html", context=context)


@get("/calls/overview", name="calls_overview", guards=[require(*EVERYONE)], include_in_schema=False)
async def calls_overview(request: Request) -> Template:
    month, this, last = await month_figures(await agent_scope(request.user))
    return Template(
        "calls_overview.html",
        context={"month": month, "this": this, "last": last, "is_agent": request.user.role == Role.agent},
    )


ROUTES = [home, calls_overview]
