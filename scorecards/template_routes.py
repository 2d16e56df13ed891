"""Scorecard templates: the versions, and publishing a new one."""

from __future__ import annotations

import json

import msgspec
from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from qa_app.auth import STAFF, require
from qa_app.i18n import _
from qa_app.web import Form
from scorecards import versions
from scorecards.definition import DefinitionError
from scorecards.routes import QA


class TemplateForm(msgspec.Struct):
    definition: str = ""
    name: str = ""
    note: str = ""


@get("/scorecards/templates", name="scorecard_templates", guards=[require(*STAFF)], include_in_schema=False)
async def templates_page(request: Request, show: FromQuery[int | None] = None) -> Template:
    return await _templates_page(request, show)


async def _templates_page(
    request: Request, show: int | None, *, error: str | None = None, draft: str | None = None
) -> Template:
    current = await versions.default()
    shown = await versions.get(show) if show else current
    if shown is None:
        raise NotFoundException()
    return Template(
        "scorecards/templates.html",
        context={
            "versions": await versions.all_versions(),
            "shown": shown,
            "d": versions.definition_of(shown),
            "can_edit": request.user.role in QA,
            "draft": draft if draft is not None else json.dumps(current["definition"], indent=2, ensure_ascii=False),
            "error": error,
        },
        status_code=HTTP_400_BAD_REQUEST if error else 200,
    )


@post("/scorecards/templates", guards=[require(*QA)], include_in_schema=False)
async def templates_publish(request: Request, data: Form[TemplateForm]) -> Redirect | Template:
    text = data.definition
    current = await versions.default()
    try:
        try:
            definition = json.loads(text)
        except json.JSONDecodeError as error:
            raise DefinitionError(
                _("the definition is not valid JSON: line %(line)s: %(message)s")
                % {"line": error.lineno, "message": error.msg}
            ) from None
        template_id = await versions.publish(
            current["key"],
            data.name or current["name"],
            definition,
            note=data.note,
            user_id=request.user.id,
        )
    except DefinitionError as error:
        return await _templates_page(request, None, error=str(error), draft=text)
    return Redirect(f"/scorecards/templates?show={template_id}")


ROUTES = [templates_page, templates_publish]
