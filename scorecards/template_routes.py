"""Scorecard templates: the versions, the form editor, and publishing a new version.

The editor posts its whole draft each time (see scorecards/editor.py): a button that adds,
removes or moves a row comes back with the draft changed, "Publish" checks it and publishes the
next version, or shows each mistake beside its field with everything typed kept. The JSON of
the draft stays there for the advanced: loaded into the form, or published as it is.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from qa_app.auth import STAFF, require
from qa_app.i18n import _
from qa_app.web import dynamic_form
from scorecards import editor, versions
from scorecards.definition import DefinitionError, parse_definition
from scorecards.routes import QA


@get("/scorecards/templates", name="scorecard_templates", guards=[require(*STAFF)], include_in_schema=False)
async def templates_page(request: Request, show: FromQuery[int | None] = None) -> Template:
    current = await versions.default()
    return await _templates_page(request, show, draft=editor.draft_of(current["definition"]))


def _control_of(field: str) -> str | None:
    """The id of the control a field's error is about, for the page to open with the focus there."""
    if field == "json":
        return "f-definition"
    if field.endswith(".criteria"):
        return "add-" + field.split(".")[0].removeprefix("s")
    return "f-" + field.replace(".", "-") if field else None


def _json(definition: dict[str, Any]) -> str:
    return json.dumps(definition, indent=2, ensure_ascii=False)


async def _templates_page(
    request: Request,
    show: int | None,
    *,
    draft: editor.Draft,
    name: str | None = None,
    note: str = "",
    errors: dict[str, str] | None = None,
    json_text: str | None = None,
    focus: str | None = None,
) -> Template:
    """The page: the versions, the one shown, and for QA the editor with `draft` (and `errors`
    beside their fields: "" for the whole form, "json" for the JSON box)."""
    current = await versions.default()
    shown = await versions.get(show) if show else current
    if shown is None:
        raise NotFoundException()
    errors = errors or {}
    if errors and focus is None:
        focus = next((c for c in map(_control_of, errors) if c), None)
    definition = editor.definition_from(draft)
    try:
        preview = parse_definition(definition)
    except DefinitionError:
        preview = None
    return Template(
        "scorecards/templates.html",
        context={
            "versions": await versions.all_versions(),
            "shown": shown,
            "show_open": show is not None or request.user.role not in QA,
            "d": versions.definition_of(shown),
            "can_edit": request.user.role in QA,
            "draft": draft,
            "name": current["name"] if name is None else name,
            "note": note,
            "errors": errors,
            "json_text": _json(definition) if json_text is None else json_text,
            "shares": editor.shares(draft),
            "preview": preview,
            "focus": focus,
            "hows": editor.HOWS,
            "groups": editor.GROUPS,
            "effects": editor.EFFECTS,
            "effect_sentence": editor.effect_sentence,
        },
        status_code=HTTP_400_BAD_REQUEST if errors else 200,
    )


@post("/scorecards/templates", guards=[require(*QA)], include_in_schema=False)
async def templates_post(request: Request) -> Redirect | Template:
    form = await dynamic_form(request)
    action = str(form.get("action") or "refresh")
    name, note = str(form.get("name", "")).strip(), str(form.get("note", "")).strip()
    draft = editor.draft_from_form(form)
    current = await versions.default()
    page = {"name": name, "note": note}

    if action in ("import", "publish_json"):
        text = str(form.get("definition", ""))
        try:
            try:
                definition = json.loads(text)
            except json.JSONDecodeError as error:
                raise DefinitionError(
                    _("the definition is not valid JSON: line %(line)s: %(message)s")
                    % {"line": error.lineno, "message": error.msg}
                ) from None
            parse_definition(definition)
            if action == "publish_json":
                if not note:
                    raise DefinitionError(_("Say in a few words what changed."))
                template_id = await versions.publish(
                    current["key"], name or current["name"], definition, note=note, user_id=request.user.id
                )
                return Redirect(f"/scorecards/templates?show={template_id}")
        except DefinitionError as error:
            message = str(error)
            return await _templates_page(request, None, draft=draft, errors={"json": message}, json_text=text, **page)
        return await _templates_page(request, None, draft=editor.draft_of(definition), json_text=text, **page)

    if action == "publish":
        definition, errors = editor.check(draft)
        if not name:
            errors["name"] = _("Give the scorecard a name.")
        if not note:
            errors["note"] = _("Say in a few words what changed.")
        if definition is not None and not errors:
            template_id = await versions.publish(current["key"], name, definition, note=note, user_id=request.user.id)
            return Redirect(f"/scorecards/templates?show={template_id}")
        return await _templates_page(request, None, draft=draft, errors=errors, **page)

    draft, focus = editor.apply(draft, action)
    return await _templates_page(request, None, draft=draft, focus=focus, **page)


ROUTES = [templates_page, templates_post]
