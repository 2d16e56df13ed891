"""Staff pages of the surveys: the month's figures overall and per team, agent and service,
and residents' praise. Agents see their own praise on their month page."""

from __future__ import annotations

import json
from datetime import date

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from msgspec import Struct

from kit.timeutil import current_month, month_range, parse_month, previous_month
from qa_app.auth import STAFF, agent_scope, require
from qa_app.i18n import _, pgettext
from qa_app.settings import get_settings
from qa_app.tables import Role
from qa_app.web import Form
from surveys import figures, survey_versions
from surveys.questions import LANGUAGES


@get("/surveys", name="surveys", guards=[require(*STAFF)], include_in_schema=False)
async def surveys_page(request: Request, month: FromQuery[str | None] = None) -> Template:
    zone = get_settings().timezone
    try:
        first: date = parse_month(month) if month else current_month(zone)
    except ValueError:
        raise NotFoundException() from None
    scope = await agent_scope(request.user)
    start, end = month_range(first, zone)
    return Template(
        "surveys/figures.html",
        context={
            "month": first,
            "month_key": first.strftime("%Y-%m"),
            "previous": previous_month(first).strftime("%Y-%m"),
            "total": await figures.figures(start, end, agent_ids=scope),
            "groups": await figures.by_group(start, end, scope),
            "praise": await figures.praise(start, end, scope, limit=20),
        },
    )


EDITORS = (Role.admin, Role.qa)


class VersionForm(Struct):
    definition: str = ""
    name: str = ""


async def _survey_page(request: Request, show: int | None, error: str = "", draft: str | None = None) -> Template:
    versions = await survey_versions.all_versions()
    shown = next((v for v in versions if v["id"] == show), None) if show else None
    if show and shown is None:
        raise NotFoundException()
    shown = shown or next(v for v in versions if v["is_default"])
    kinds = {
        "satisfaction": pgettext("survey question kind", "satisfaction"),
        "resolved": pgettext("survey question kind", "resolved"),
        "effort": pgettext("survey question kind", "effort"),
        "recommend": pgettext("survey question kind", "recommend"),
        "text": pgettext("survey question kind", "text"),
        "voice": pgettext("survey question kind", "voice"),
    }
    return Template(
        "surveys/versions.html",
        context={
            "versions": versions,
            "shown": shown,
            "can_edit": request.user.role in EDITORS,
            "error": error,
            "draft": draft if draft is not None else json.dumps(shown["definition"], indent=2, ensure_ascii=False),
            "languages": LANGUAGES,
            "kinds": kinds,
        },
        status_code=HTTP_400_BAD_REQUEST if error else 200,
    )


@get(
    "/surveys/questions",
    name="survey_versions",
    guards=[require(Role.admin, Role.manager, Role.qa)],
    include_in_schema=False,
)
async def versions_page(request: Request, show: FromQuery[int | None] = None) -> Template:
    return await _survey_page(request, show)


@post("/surveys/questions", guards=[require(*EDITORS)], include_in_schema=False)
async def versions_publish(request: Request, data: Form[VersionForm]) -> Redirect | Template:
    text = data.definition
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as error:
        return await _survey_page(request, None, _("not valid JSON: %(error)s") % {"error": error}, text)
    try:
        template_id = await survey_versions.publish(definition, data.name, request.user.id)
    except survey_versions.SurveyVersionError as error:
        return await _survey_page(request, None, str(error), text)
    return Redirect(f"/surveys/questions?show={template_id}")


ROUTES = [surveys_page, versions_page, versions_publish]
