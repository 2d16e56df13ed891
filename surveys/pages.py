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
from qa_app.web import Form, dynamic_form
from surveys import figures, question_editor, survey_versions
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
READERS = (Role.admin, Role.manager, Role.qa)


class VersionForm(Struct):
    definition: str = ""
    name: str = ""
    action: str = ""  # "import": load the JSON into the form instead of publishing it


KIND_WORDS = {
    "satisfaction": pgettext("survey question kind", "satisfaction"),
    "resolved": pgettext("survey question kind", "resolved"),
    "effort": pgettext("survey question kind", "effort"),
    "recommend": pgettext("survey question kind", "recommend"),
    "text": pgettext("survey question kind", "text"),
    "voice": pgettext("survey question kind", "voice"),
}


async def _survey_page(
    request: Request,
    show: int | None,
    error: str = "",
    draft: str | None = None,
    *,
    rows: list[question_editor.Row] | None = None,
    problems: dict[str, list[str]] | None = None,
    name: str | None = None,
    focus: str = "",
    status: int | None = None,
) -> Template:
    """The versions, the one shown and, for editors, the form that publishes the next version:
    filled from the shown version, or with the draft as posted (`rows`, `name`) and its problems
    beside their fields. `error` and `draft` belong to the JSON form."""
    versions = await survey_versions.all_versions()
    shown = next((v for v in versions if v["id"] == show), None) if show else None
    if show and shown is None:
        raise NotFoundException()
    shown = shown or next(v for v in versions if v["is_default"])
    if rows is None:
        rows = question_editor.rows_from_definition(shown["definition"])
    problems = problems or {}
    return Template(
        "surveys/versions.html",
        context={
            "versions": versions,
            "shown": shown,
            "can_edit": request.user.role in EDITORS,
            "error": error,
            "draft": draft
            if draft is not None
            else json.dumps(question_editor.definition_from_rows(rows), indent=2, ensure_ascii=False),
            "languages": LANGUAGES,
            "language_names": question_editor.LANGUAGE_NAMES,
            "kinds": KIND_WORDS,
            "kind_names": question_editor.KIND_NAMES,
            "rows": rows,
            "problems": problems,
            "general": problems.get("questions", []),
            "summary": question_editor.summary(problems),
            "name": shown["name"] if name is None else name,
            "focus": focus,
            "unused": question_editor.unused_kinds(rows),
            "editor": question_editor,
        },
        status_code=status or (HTTP_400_BAD_REQUEST if error or problems else 200),
    )


@get("/surveys/questions", name="survey_versions", guards=[require(*READERS)], include_in_schema=False)
async def versions_page(request: Request, show: FromQuery[int | None] = None) -> Template:
    return await _survey_page(request, show)


@post("/surveys/questions", guards=[require(*EDITORS)], include_in_schema=False)
async def versions_publish(request: Request, data: Form[VersionForm]) -> Redirect | Template:
    """Advanced: publish a version written as JSON, or load that JSON into the form."""
    text = data.definition
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as error:
        return await _survey_page(
            request, None, _("not valid JSON: %(error)s") % {"error": error}, text, name=data.name
        )
    if data.action == "import":
        why = question_editor.importable(definition)
        if why:
            return await _survey_page(request, None, why, text, name=data.name)
        rows = question_editor.rows_from_definition(definition)
        return await _survey_page(
            request, None, rows=rows, problems=question_editor.problems_by_field(rows), name=data.name, status=200
        )
    try:
        template_id = await survey_versions.publish(definition, data.name, request.user.id)
    except survey_versions.SurveyVersionError as error:
        return await _survey_page(request, None, str(error), text, name=data.name)
    return Redirect(f"/surveys/questions?show={template_id}")


@post("/surveys/questions/draft", guards=[require(*EDITORS)], include_in_schema=False)
async def versions_draft(request: Request) -> Redirect | Template:
    """The question form: a row action (add, remove, move) shows the draft again; "publish" makes
    it the next version, or shows its problems beside their fields with everything kept."""
    form = await dynamic_form(request)
    rows = question_editor.rows_from_form(form)
    name = str(form.get("name") or "")
    action = str(form.get("action") or "publish")
    if action == "check":  # the form's default button (Enter in a field): show the problems, publish nothing
        return await _survey_page(
            request, None, rows=rows, problems=question_editor.problems_by_field(rows), name=name, status=200
        )
    if action != "publish":
        new_kind = str(form.get("new_kind") or "")
        rows, focus = question_editor.apply(rows, action, new_kind)
        return await _survey_page(
            request,
            None,
            rows=rows,
            problems=question_editor.kind_change_notes(rows),
            name=name,
            focus=focus,
            status=200,
        )
    problems = question_editor.problems_by_field(rows)
    if problems:
        focus = question_editor.first_field(problems)
        return await _survey_page(request, None, rows=rows, problems=problems, name=name, focus=focus)
    template_id = await survey_versions.publish(question_editor.definition_from_rows(rows), name, request.user.id)
    return Redirect(f"/surveys/questions?show={template_id}")


ROUTES = [surveys_page, versions_page, versions_publish, versions_draft]
