"""The organisation's pages: home, agents, teams, the service catalogue."""

from __future__ import annotations

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from qa_app import queries
from qa_app.auth import EVERYONE, STAFF, agent_scope, ensure_visible, require, team_scope
from qa_app.call_metrics import call_figures
from qa_app.settings import get_settings
from qa_app.tables import Role
from qa_app.timeutil import current_month, month_range, previous_month


async def _month_figures(scope: list[int] | None, agent_ids: list[int] | None = None):
    zone = get_settings().timezone
    month = current_month(zone)
    ids = agent_ids if agent_ids is not None else scope
    this = await call_figures(*month_range(month, zone), agent_ids=ids)
    last = await call_figures(*month_range(previous_month(month), zone), agent_ids=ids)
    return month, this, last


@get("/", name="home", guards=[require(*EVERYONE)], include_in_schema=False)
async def home(request: Request) -> Template:
    user = request.user
    scope = await agent_scope(user)
    month, this, last = await _month_figures(scope)
    return Template(
        "home.html", context={"month": month, "this": this, "last": last, "is_agent": user.role == Role.agent}
    )


@get("/agents", name="agents", guards=[require(*STAFF)], include_in_schema=False)
async def agents(request: Request) -> Template:
    scope = await agent_scope(request.user)
    return Template("agents.html", context={"agents": await queries.list_agents(scope)})


@get("/agents/{agent_id:int}", name="agent", guards=[require(*EVERYONE)], include_in_schema=False)
async def agent_page(request: Request, agent_id: FromPath[int]) -> Template:
    ensure_visible(await agent_scope(request.user), agent_id)
    agent = await queries.get_agent(agent_id)
    if agent is None:
        raise NotFoundException()
    month, this, last = await _month_figures(None, [agent_id])
    recent = await queries.list_calls(None, queries.CallFilter(agent_id=agent_id), page_size=10)
    return Template(
        "agent.html", context={"agent": agent, "month": month, "this": this, "last": last, "recent": recent.rows}
    )


@get("/teams", name="teams", guards=[require(*STAFF)], include_in_schema=False)
async def teams(request: Request) -> Template:
    return Template("teams.html", context={"teams": await queries.list_teams(await team_scope(request.user))})


@get("/teams/{team_id:int}", name="team", guards=[require(*STAFF)], include_in_schema=False)
async def team_page(request: Request, team_id: FromPath[int]) -> Template:
    allowed = await team_scope(request.user)
    if allowed is not None and team_id not in allowed:
        raise NotFoundException()
    team = await queries.get_team(team_id)
    if team is None:
        raise NotFoundException()
    members = [a for a in await queries.list_agents(None) if a["team_id"] == team_id]
    month, this, last = await _month_figures(None, [a["id"] for a in members])
    return Template("team.html", context={"team": team, "members": members, "month": month, "this": this, "last": last})


@get("/services", name="services", guards=[require(*STAFF)], include_in_schema=False)
async def services() -> Template:
    return Template("services.html", context={"services": await queries.list_services()})
