"""The organisation's pages: agents, teams and the service catalogue, and their changes (for
administrators and managers)."""

from __future__ import annotations

import msgspec
from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from msgspec import Struct

from qa_app import organisation, queries
from qa_app.auth import EVERYONE, STAFF, agent_scope, ensure_visible, require, team_scope
from qa_app.call_metrics import month_figures
from qa_app.i18n import _
from qa_app.tables import Role, User
from qa_app.web import Form


@get("/agents", name="agents", guards=[require(*STAFF)], include_in_schema=False)
async def agents(request: Request) -> Template:
    return Template("organisation/agents.html", context=await _agents_context(request))


@get("/agents/{agent_id:int}", name="agent", guards=[require(*EVERYONE)], include_in_schema=False)
async def agent_page(request: Request, agent_id: FromPath[int]) -> Template:
    ensure_visible(await agent_scope(request.user), agent_id)
    agent = await queries.get_agent(agent_id)
    if agent is None:
        raise NotFoundException()
    month, this, last = await month_figures([agent_id])
    recent = await queries.list_calls(None, queries.CallFilter(agent_id=agent_id), page_size=10)
    context = {"agent": agent, "month": month, "this": this, "last": last, "recent": recent.rows}
    if request.user.role in ORGANISERS:
        context.update(can_organise=True, teams=await queries.list_teams(None))
    return Template("organisation/agent.html", context=context)


@get("/teams", name="teams", guards=[require(*STAFF)], include_in_schema=False)
async def teams(request: Request) -> Template:
    return Template("organisation/teams.html", context=await _teams_context(request))


@get("/teams/{team_id:int}", name="team", guards=[require(*STAFF)], include_in_schema=False)
async def team_page(request: Request, team_id: FromPath[int]) -> Template:
    allowed = await team_scope(request.user)
    if allowed is not None and team_id not in allowed:
        raise NotFoundException()
    team = await queries.get_team(team_id)
    if team is None:
        raise NotFoundException()
    members = await queries.list_agents(None, team_id=team_id)
    month, this, last = await month_figures([a["id"] for a in members])
    return Template(
        "organisation/team.html", context={"team": team, "members": members, "month": month, "this": this, "last": last}
    )


@get("/services", name="services", guards=[require(*STAFF)], include_in_schema=False)
async def services() -> Template:
    return Template("organisation/services.html", context={"services": await queries.list_services()})


ORGANISERS = (Role.admin, Role.manager)


class AgentForm(Struct):
    staff_number: str = ""
    name: str = ""
    team: str = ""
    interface: str = ""
    active_from: str = ""
    active_to: str = ""


class TeamForm(Struct):
    name: str = ""
    leader: str = ""


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


async def _save_agent(request: Request, data: AgentForm, agent_id: int | None = None) -> int:
    return await organisation.save_agent(
        agent_id=agent_id,
        staff_number=data.staff_number,
        name=data.name,
        team_id=_optional_int(data.team),
        interface=data.interface,
        active_from=data.active_from,
        active_to=data.active_to,
        by_user=request.user.id,
    )


async def _agents_context(request: Request, **extra) -> dict:
    scope = await agent_scope(request.user)
    return {
        "agents": await queries.list_agents(scope),
        "teams": await queries.list_teams(None),
        "can_organise": request.user.role in ORGANISERS,
        "form": {},
        "error": None,
        **extra,
    }


@post("/agents", guards=[require(*ORGANISERS)], include_in_schema=False)
async def agent_create(request: Request, data: Form[AgentForm]) -> Template | Redirect:
    try:
        agent_id = await _save_agent(request, data)
    except organisation.OrganisationError as error:
        context = await _agents_context(request, form=msgspec.structs.asdict(data), error=str(error))
        return Template("organisation/agents.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    return Redirect(f"/agents/{agent_id}")


@post("/agents/{agent_id:int}", guards=[require(*ORGANISERS)], include_in_schema=False)
async def agent_update(
    request: Request,
    agent_id: FromPath[int],
    data: Form[AgentForm],
) -> Redirect | Template:
    if await queries.get_agent(agent_id) is None:
        raise NotFoundException()
    try:
        await _save_agent(request, data, agent_id)
    except organisation.OrganisationError as error:
        return Template(
            "error.html",
            context={"title": _("Not saved"), "message": str(error), "status": 400},
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/agents/{agent_id}")


@post("/teams", guards=[require(*ORGANISERS)], include_in_schema=False)
async def team_create(request: Request, data: Form[TeamForm]) -> Template | Redirect:
    try:
        team_id = await organisation.create_team(
            name=data.name, leader_id=_optional_int(data.leader), by_user=request.user.id
        )
    except organisation.OrganisationError as error:
        context = await _teams_context(request, form=msgspec.structs.asdict(data), error=str(error))
        return Template("organisation/teams.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    return Redirect(f"/teams/{team_id}")


async def _teams_context(request: Request, **extra) -> dict:
    leaders = await User.select(User.id, User.name).where(User.role == Role.team_leader.value).order_by(User.name)
    return {
        "teams": await queries.list_teams(await team_scope(request.user)),
        "leaders": leaders,
        "can_organise": request.user.role in ORGANISERS,
        "form": {},
        "error": None,
        **extra,
    }


ROUTES = [agents, agent_page, agent_create, agent_update, team_create, teams, team_page, services]
