"""Report downloads: managers (and administrators and QA) take the monthly report as PDF, its
tables as XLSX or CSV; team leaders take their own team's; anyone who may see an agent's month
takes that agent's one-page scorecard."""

from __future__ import annotations

from datetime import date

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from kit.timeutil import current_month, parse_month, previous_month
from qa_app import i18n
from qa_app.auth import EVERYONE, STAFF, agent_scope, require
from qa_app.i18n import _
from qa_app.settings import LANGUAGES, get_settings
from qa_app.tables import Agent, Role, Team
from qa_app.web import LARGEST_ID
from reports import document

MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def _month(text: str | None) -> date:
    try:
        return parse_month(text) if text else previous_month(current_month(get_settings().timezone))
    except ValueError:
        raise NotFoundException() from None


async def _led_teams(request: Request) -> list[str]:
    rows = await Team.select(Team.name).where(Team.id.is_in(request.user.led_team_ids or [-1])).order_by(Team.name)
    return [r["name"] for r in rows]


async def _allowed_team(request: Request, team: str | None) -> str | None:
    """Team leaders get their own team's report only; the others any team or the centre."""
    if request.user.role != Role.team_leader:
        return team
    led = await _led_teams(request)
    if team is None and len(led) == 1:
        return led[0]
    if team not in led:
        raise PermissionDeniedException(_("a team leader takes their own team's report"))
    return team


def _language(asked: str | None) -> str:
    """The report's language: the one asked for (`?language=sv`), else the page's (the signed-in
    user's choice, the centre's, the browser's)."""
    return asked if asked in LANGUAGES else i18n.current()


@get("/reports", name="reports", guards=[require(*STAFF)], include_in_schema=False)
async def reports_page(request: Request) -> Template:
    if request.user.role == Role.team_leader:
        teams = await _led_teams(request)
    else:
        teams = [r["name"] for r in await Team.select(Team.name).order_by(Team.name)]
    return Template(
        "reports/page.html",
        context={
            "teams": teams,
            "month": previous_month(current_month(get_settings().timezone)).strftime("%Y-%m"),
            "centre": request.user.role != Role.team_leader,
            "languages": LANGUAGES,
        },
    )


@get("/reports/{name:str}", guards=[require(*STAFF)], include_in_schema=False)
async def monthly_download(
    request: Request,
    name: FromPath[str],
    month: FromQuery[str | None] = None,
    team: FromQuery[str | None] = None,
    language: FromQuery[str | None] = None,
) -> Response:
    """/reports/monthly.pdf, .xlsx or .zip (the tables as CSV), in `language` (default: the
    signed-in user's page language); the exports keep their column keys in English."""
    base, _dot, fmt = name.partition(".")
    if base != "monthly" or fmt not in ("pdf", "xlsx", "zip"):
        raise NotFoundException()
    first = _month(month)
    team = await _allowed_team(request, team or None)
    language = _language(language)
    key = (request.user.id, "monthly", first, team, fmt, language)  # a second click waits for the first
    try:  # made in a child process that exits afterwards (reports/document.py)
        body = await document.once(key, lambda: document.monthly_file(first, team, fmt, language))
    except document.NoReport:
        raise NotFoundException() from None
    filename = f"quality-report-{first:%Y-%m}" + (f"-{team}" if team else "") + f".{fmt}"
    return Response(body, media_type=MEDIA[fmt], headers={"content-disposition": f'attachment; filename="{filename}"'})


@get("/reports/agents/{name:str}", guards=[require(*EVERYONE)], include_in_schema=False)
async def agent_download(
    request: Request, name: FromPath[str], month: FromQuery[str | None] = None, language: FromQuery[str | None] = None
) -> Response:
    """/reports/agents/ID.pdf: one agent's scorecard, in `language` (default: the page's)."""
    number, _dot, fmt = name.partition(".")
    if fmt != "pdf" or not (number.isascii() and number.isdigit()) or not 0 < int(number) <= LARGEST_ID:
        raise NotFoundException()
    agent_id = int(number)
    scope = await agent_scope(request.user)
    if scope is not None and agent_id not in scope:
        raise NotFoundException()
    row = (
        await Agent.select(Agent.id, Agent.name, Agent.staff_number, Agent.team.name.as_alias("team"))
        .where(Agent.id == agent_id)
        .first()
    )
    if row is None:
        raise NotFoundException()
    first = _month(month)
    language = _language(language)
    key = (request.user.id, "agent", agent_id, first, language)
    body = await document.once(key, lambda: document.agent_pdf(row, first, language))
    return Response(
        body,
        media_type=MEDIA["pdf"],
        headers={"content-disposition": f'attachment; filename="scorecard-{row["staff_number"]}-{first:%Y-%m}.pdf"'},
    )


ROUTES = [reports_page, monthly_download, agent_download]
