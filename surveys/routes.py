"""The resident's survey page, `/s/{token}`: no login, no JavaScript, one short page.

It is outside the session and CSRF machinery on purpose: the single-use token in the link is
the only credential, an attacker on another site cannot know it, and a resident's phone may
refuse cookies. It is rate-limited per address. A used, expired or unknown link says so kindly
and reveals nothing else, before the body of the request is read: a stranger's upload to a
made-up link is never parsed.

A voice comment's header is read before it is kept (surveys/voice.py): one longer than
QA_MAX_VOICE_SECONDS is refused with its length. Its transcription happens outside the web
process, in `qa worker` or a process started for it.

The form is read as it streams in (`read_answers`): a recording larger than VOICE_LIMIT_BYTES is
counted and dropped rather than refused with a bare 413, so the resident gets the page back in
their language with every other answer kept and is asked to attach the recording again. A
used link answers in the language its survey was answered in.

The council's name and logo (QA_COUNCIL_NAME, QA_COUNCIL_LOGO) head every page, so a link that
came by SMS can be trusted; the logo is served at /s/council-logo.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import ClientException, HTTPException, NotAuthorizedException, NotFoundException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_410_GONE,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
)
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser

from qa_app import api_keys, limits
from qa_app.settings import get_settings, logo_type
from surveys import invitations, ivr, voice
from surveys.questions import CODES, LANGUAGES, PAGE, check_answers, choose_language, options
from surveys.tables import SurveyResponse

survey_rate_limit = limits.per_minute(30)
STATUS = {"unknown": HTTP_404_NOT_FOUND, "expired": HTTP_410_GONE, "used": 200, "answered": 200}


def _page(language: str, token: str, **context) -> dict:
    settings = get_settings()
    return {
        "lang": language,
        "t": PAGE[language],
        "token": token,
        "languages": LANGUAGES,
        "options": options,
        "council": {"name": settings.council_name, "logo": settings.council_logo is not None},
        "voice_limit": PAGE[language]["voice_limit"].format(
            limit=VOICE_LIMIT_MB, minutes=_number(settings.max_voice_seconds / 60, language)
        ),
        **context,
    }


def _number(value: float, language: str) -> str:
    """12.3 as residents of the language write it (12,3 in Swedish and Dutch); whole numbers bare."""
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return text.replace(".", ",") if language in ("sv", "nl") else text


async def _answered_in(invitation: dict | None) -> str:
    """The language a used link's survey was answered in ("" if unknown)."""
    if invitation is None:
        return ""
    row = (
        await SurveyResponse.select(SurveyResponse.language)
        .where(SurveyResponse.invitation == invitation["id"])
        .first()
    )
    return row["language"] if row and row["language"] in LANGUAGES else ""


def _closed(language: str, token: str, state: str, invitation: dict | None) -> Template:
    date = invitation["expires_at"].strftime("%Y-%m-%d") if invitation else ""
    return Template(
        "surveys/closed.html",
        context=_page(language, token, state=state, date=date),
        status_code=STATUS[state],
        headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
    )


@get("/s/{token:str}", name="survey", include_in_schema=False, middleware=[survey_rate_limit.middleware])
async def survey_page(request: Request, token: FromPath[str], lang: FromQuery[str | None] = None) -> Template:
    invitation = await invitations.find(token)
    language = choose_language(
        lang, request.headers.get("accept-language"), invitation["language"] if invitation else ""
    )
    state = invitations.state(invitation)
    if state != "open":
        return _closed(await _answered_in(invitation) if state == "used" else language, token, state, invitation)
    return Template(
        "surveys/resident.html",
        context=_page(language, token, questions=invitation["definition"]["questions"], errors={}, form={}),
        headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
    )


@post(
    "/s/{token:str}",
    include_in_schema=False,
    middleware=[survey_rate_limit.middleware],
    request_max_body_size=None,  # read_answers keeps its own limits, to answer kindly
)
async def survey_answer(request: Request, token: FromPath[str]) -> Template:
    # The link first: a used, expired or unknown one is answered without parsing the body.
    invitation = await invitations.find(token)
    state = invitations.state(invitation)
    if state != "open":
        language = choose_language(
            request.query_params.get("lang"),
            request.headers.get("accept-language"),
            invitation["language"] if invitation else "",
        )
        if state == "used":
            language = await _answered_in(invitation) or language
        return _closed(language, token, state, invitation)
    # The questions' codes come from the survey's version; one text per question (the last, if a
    # field is repeated) and the voice file apart.
    received = await read_answers(request)
    form = received.fields
    language = choose_language(form.get("lang"), request.headers.get("accept-language"), invitation["language"])
    t = PAGE[language]
    questions = invitation["definition"]["questions"]
    answers, errors = check_answers(invitation["definition"], form, language)
    spoken = received.voice
    if received.voice_bytes > voice.VOICE_LIMIT_BYTES:
        size = _number(math.ceil(received.voice_bytes / 1024 / 1024 * 10) / 10, language)  # never rounded to the limit
        errors[VOICE] = f"{t['voice_too_large'].format(size=size, limit=VOICE_LIMIT_MB)} {t['voice_again']}"
    elif spoken is not None:
        try:
            await asyncio.to_thread(voice.check_recording, *spoken)
        except voice.VoiceTooLong as error:
            reason = VOICE_TOO_LONG[language].format(length=clock(error.seconds), limit=clock(error.limit))
            errors[VOICE] = f"{reason} {t['voice_again']}"
        except voice.VoiceError:
            errors[VOICE] = f"{t['voice_bad']} {t['voice_again']}"
    if errors:
        # A recording is never kept with a page sent back: when another answer is at fault, the
        # page says it must be attached again (a browser cannot refill a file field).
        reattach = received.voice_bytes > 0 and VOICE not in errors
        return Template(
            "surveys/resident.html",
            context=_page(language, token, questions=questions, errors=errors, form=form, reattach=reattach),
            status_code=HTTP_400_BAD_REQUEST,
            headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
        )
    outcome = await invitations.answer(token, answers, language, voice=spoken)
    if outcome == "used":
        language = await _answered_in(await invitations.find(token)) or language
    page = _closed(language, token, outcome, invitation)
    if spoken is not None and outcome == "answered":
        response_id = await voice.response_for_invitation(invitation["id"])
        page.background = BackgroundTask(voice.transcribe_elsewhere, response_id)  # the resident does not wait
    return page


VOICE = CODES["voice"]
VOICE_LIMIT_MB = voice.VOICE_LIMIT_BYTES // 1024 // 1024
BODY_LIMIT = 64 * 1024 * 1024  # read (and dropped past the recording's limit) before the page answers
FIELD_LIMIT = 64 * 1024  # a text field's bytes kept (a comment is at most COMMENT_LIMIT characters)
PART_LIMIT = 50
PLAIN_LIMIT = 256 * 1024  # a form without a file


@dataclass
class Received:
    fields: dict[str, str]  # the last value of each text field
    voice: tuple[str, bytes] | None = None  # (file name, bytes) when a recording within the limit came
    voice_bytes: int = 0  # the recording's size as sent, also when it was too large to keep
    cut: bool = False  # the body went past BODY_LIMIT and was not read to its end


async def read_answers(request: Request) -> Received:
    """The survey form as it streams in: text fields, and the recording in `voice`, of which at
    most VOICE_LIMIT_BYTES are kept; the rest is counted and dropped, so an answer with a large
    recording comes back as the page with its error, not as a bare 413. At most BODY_LIMIT bytes
    are read; a form without a multipart body (no file field) is read as a plain form."""
    content_type, params = request.content_type
    if content_type != "multipart/form-data":  # a plain form (or none): small, read whole
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > PLAIN_LIMIT:
                raise ClientException("the survey form is too large", status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        if content_type != "application/x-www-form-urlencoded":
            return Received({})
        return Received(dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)))
    boundary = params.get("boundary")
    if not boundary:
        raise ClientException("multipart boundary missing in Content-Type")
    received = Received({})
    kept = bytearray()
    total = 0
    segment: MultipartSegment | None = None
    parser = PushMultipartParser(boundary.encode(), max_segment_count=PART_LIMIT)
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > BODY_LIMIT:  # the rest is not read; what came before is kept
                received.cut = True
                break
            for part in parser.parse(chunk):
                if isinstance(part, MultipartSegment):
                    segment, kept = part, bytearray()
                elif part is None:  # the end of a part
                    if segment is not None:
                        _keep(received, segment, kept)
                    segment = None
                elif segment is not None:
                    _take(received, segment, kept, part)
            if parser.closed:
                break
    except ParserError:
        raise ClientException("the survey form could not be read") from None
    except ParserLimitReached:
        raise ClientException("the survey form has too many parts") from None
    finally:
        parser.close(check_complete=False)
    if received.cut and received.voice_bytes <= voice.VOICE_LIMIT_BYTES:
        raise ClientException("the survey form is too large", status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return received


def _is_recording(segment: MultipartSegment) -> bool:
    return segment.name == VOICE and bool(segment.filename)


def _take(received: Received, segment: MultipartSegment, kept: bytearray, data: bytes | bytearray) -> None:
    if _is_recording(segment):
        received.voice_bytes += len(data)
        if received.voice_bytes <= voice.VOICE_LIMIT_BYTES:
            kept.extend(data)
    elif not segment.filename and len(kept) < FIELD_LIMIT:
        kept.extend(data[: FIELD_LIMIT - len(kept)])


def _keep(received: Received, segment: MultipartSegment, kept: bytearray) -> None:
    if _is_recording(segment):
        if 0 < received.voice_bytes <= voice.VOICE_LIMIT_BYTES:
            received.voice = (segment.filename, bytes(kept))
    elif not segment.filename:
        received.fields[segment.name] = kept.decode(segment.charset or "utf-8", errors="replace")


@get("/s/council-logo", include_in_schema=False)
async def council_logo() -> Response[bytes]:
    """The council's logo (QA_COUNCIL_LOGO, checked when the settings are read): always served as
    the image type its first bytes say, never sniffed."""
    path = get_settings().council_logo
    if path is None:
        raise NotFoundException()
    data = await asyncio.to_thread(path.read_bytes)
    kind = logo_type(data[:16])
    if kind is None:
        raise NotFoundException()
    return Response(
        data,
        media_type=kind,
        headers={"cache-control": "public, max-age=3600", "x-content-type-options": "nosniff"},
    )


# Why a voice comment is refused for its length, in the page's languages (the header's length
# and QA_MAX_VOICE_SECONDS, as 6:00:00 and 5:00).
VOICE_TOO_LONG = {
    "en": "The recording is {length} long; voice comments may be at most {limit}.",
    "sv": "Inspelningen är {length} lång; ett röstmeddelande får vara högst {limit}.",
    "nl": "De opname duurt {length}; een gesproken reactie mag hoogstens {limit} duren.",
}


def clock(seconds: float | None) -> str:
    from transcription.audio import clock as as_clock

    return as_clock(seconds) if seconds is not None else "?"


phone_rate_limit = limits.per_minute(600)
IVR_ERRORS = {"no call": 404, "has a phone-survey answer already": 409}


class IvrAnswer(msgspec.Struct):
    """The keypad answers of a phone system's end-of-call survey for one call."""

    call_id: str
    satisfaction: int
    resolved: str | None = None  # yes, partly, no (or the keypad's 1, 2, 3)
    effort: int | None = None
    recommend: int | None = None


# The integration's key, as the OpenAPI document shows it (the handlers read it with
# api_keys.key_from_headers, which takes `Authorization: Bearer KEY` too).
ApiKeyHeader = Annotated[
    str | None, HeaderParameter(name="X-API-Key", description="The phone system's API key (scope: surveys).")
]


@dataclass
class _AudioBodyOperation(Operation):
    """The voice comment's body is the audio file itself, in one of AUDIO_TYPES."""

    def __post_init__(self) -> None:
        audio = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format="binary"))
        self.request_body = RequestBody(content=dict.fromkeys(AUDIO_TYPES, audio), required=True)


@post(
    "/api/surveys/ivr",
    summary="Post a call's end-of-call keypad survey (phone systems)",
    description="Authenticate with the integration's API key in `X-API-Key` (or `Authorization: Bearer KEY`). "
    "201 with the response id; 400 for an answer out of range, 404 for an unknown call id, 409 when the call "
    "has a phone-survey answer already.",
    tags=["surveys"],
    middleware=[phone_rate_limit.middleware],
    status_code=201,
)
async def ivr_answer(request: Request, data: JSONBody[IvrAnswer], x_api_key: ApiKeyHeader = None) -> dict[str, Any]:
    client = await api_keys.client_for(api_keys.key_from_headers(request.headers), api_keys.Scope.surveys)
    if client is None:
        raise NotAuthorizedException("a valid API key is needed (X-API-Key)")
    try:
        response_id = await ivr.record(data.call_id, msgspec.structs.asdict(data))
    except ivr.IvrError as error:
        status = next((code for text, code in IVR_ERRORS.items() if text in str(error)), 400)
        raise HTTPException(status_code=status, detail=str(error)) from None
    return {"id": response_id, "call_id": data.call_id, "integration": client["name"]}


@post(
    "/api/surveys/ivr/{call_id:str}/voice",
    summary="Post the voice comment a caller left after the keypad survey (phone systems)",
    description="The request body is the audio file itself (WAV, MP3, OGG...; at most 10 MB) with its "
    "`Content-Type` (audio/wav...) and, optionally, `X-File-Name` for its suffix, which names the format it is "
    "read as. Authenticate as for the keypad answers. 202: kept and queued for offline transcription; 404 when "
    "the call has no phone-survey answer yet; 409 when it has a voice comment already; 400 when the body is not "
    "audio of that format, or its header says it is longer than QA_MAX_VOICE_SECONDS (the reason says so).",
    tags=["surveys"],
    middleware=[phone_rate_limit.middleware],
    status_code=202,
    request_max_body_size=voice.VOICE_LIMIT_BYTES + 1024,
    operation_class=_AudioBodyOperation,
)
async def ivr_voice(
    request: Request, call_id: FromPath[str], x_api_key: ApiKeyHeader = None
) -> Response[dict[str, Any]]:
    if await api_keys.client_for(api_keys.key_from_headers(request.headers), api_keys.Scope.surveys) is None:
        raise NotAuthorizedException("a valid API key is needed (X-API-Key)")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = AUDIO_TYPES.get(content_type, "")
    name = request.headers.get("x-file-name") or f"voice{suffix}"
    data = await request.body()
    try:
        await asyncio.to_thread(voice.check_recording, name, data)
        response = await ivr.ivr_response_for(call_id)
        await voice.attach(response["id"], name, data)
    except voice.VoiceError as error:
        raise HTTPException(status_code=HTTP_400_BAD_REQUEST, detail=str(error)) from None
    except ivr.IvrError as error:
        status = 409 if "already" in str(error) else HTTP_404_NOT_FOUND
        raise HTTPException(status_code=status, detail=str(error)) from None
    return Response(
        {"id": response["id"], "call_id": call_id, "status": "queued for transcription"},
        status_code=202,
        background=BackgroundTask(voice.transcribe_elsewhere, response["id"]),
    )


AUDIO_TYPES = {
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/webm": ".webm",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "audio/flac": ".flac",
}

ROUTES = [survey_page, survey_answer, council_logo, ivr_answer, ivr_voice]
