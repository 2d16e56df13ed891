"""Transcript pages: the panel on the call page, corrections, accuracy figures."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from msgspec import Struct

from kit import redaction
from qa_app.auth import EVERYONE, require
from qa_app.i18n import ngettext
from qa_app.tables import Role
from qa_app.web import Form, visible_call
from transcription import backlog, queries
from transcription.accuracy import Score

CORRECTORS = (Role.admin, Role.qa)


class Correction(Struct):
    text: str = ""


def _panel_context(request: Request, call: dict, transcription: dict | None, **extra) -> dict:
    machine = None
    if transcription and transcription["ref_words"] is not None:
        machine = Score(
            transcription["word_errors"],
            transcription["ref_words"],
            transcription["char_errors"],
            transcription["ref_chars"],
        )
    taken = ((transcription or {}).get("transcript") or {}).get("redactions") or []
    taken_items = [_taken(kind, n) for kind, n in sorted(redaction.count_kinds(taken).items())]
    return {
        "call": call,
        "t": transcription,
        "taken_kinds": redaction.count_kinds(taken),
        "taken_items": taken_items,
        "accuracy": machine,
        "can_correct": request.user.role in CORRECTORS,
        "error": None,
        **extra,
    }


def _taken(kind: str, n: int) -> str:
    """ "2 card numbers": how many numbers of a kind were taken out of a call."""
    if kind == "national_id":
        text = ngettext("%(n)s personal number", "%(n)s personal numbers", n)
    elif kind == "card":
        text = ngettext("%(n)s card number", "%(n)s card numbers", n)
    elif kind == "bank_account":
        text = ngettext("%(n)s bank account", "%(n)s bank accounts", n)
    elif kind == "phone":
        text = ngettext("%(n)s phone number", "%(n)s phone numbers", n)
    elif kind == "email":
        text = ngettext("%(n)s email address", "%(n)s email addresses", n)
    else:  # a kind added later: its code
        return f"{n} {kind}"
    return text % {"n": n}


@get("/calls/{call_id:int}/transcript", guards=[require(*EVERYONE)], include_in_schema=False)
async def transcript_panel(request: Request, call_id: FromPath[int]) -> Template:
    call = await visible_call(request, call_id)
    return Template("transcription/panel.html", context=_panel_context(request, call, await queries.for_call(call_id)))


@post("/calls/{call_id:int}/transcript", guards=[require(*CORRECTORS)], include_in_schema=False)
async def correct_transcript(
    request: Request,
    call_id: FromPath[int],
    data: Form[Correction],
) -> Template:
    call = await visible_call(request, call_id)
    try:
        await queries.save_correction(call_id, data.text, request.user.id)
    except queries.CorrectionError as error:
        context = _panel_context(request, call, await queries.for_call(call_id), error=str(error))
        return Template("transcription/panel.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    return Template("transcription/panel.html", context=_panel_context(request, call, await queries.for_call(call_id)))


@get(
    "/transcription/accuracy",
    name="accuracy",
    guards=[require(Role.admin, Role.manager, Role.qa)],
    include_in_schema=False,
)
async def accuracy_page() -> Template:
    found = await backlog.backlog()
    return Template(
        "transcription/accuracy.html",
        context={
            "rows": await queries.accuracy_by_model_and_month(),
            "counts": await queries.status_counts(),
            "backlog": found,
            "eta": backlog.how_long(found.eta_seconds),
        },
    )


ROUTES = [transcript_panel, correct_transcript, accuracy_page]
