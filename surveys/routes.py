"""The resident's survey page, `/s/{token}`: no login, no JavaScript, one short page.

It is outside the session and CSRF machinery on purpose: the single-use token in the link is
the only credential, an attacker on another site cannot know it, and a resident's phone may
refuse cookies. It is rate-limited per address. A used, expired or unknown link says so kindly
and reveals nothing else.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND, HTTP_410_GONE

from surveys import invitations, ivr
from surveys.questions import LANGUAGES, PAGE, check_answers, choose_language, options

survey_rate_limit = RateLimitConfig(rate_limit=("minute", 30), store="rate_limit")
STATUS = {"unknown": HTTP_404_NOT_FOUND, "expired": HTTP_410_GONE, "used": 200, "answered": 200}


def _page(language: str, token: str, **context) -> dict:
    return {
        "lang": language,
        "t": PAGE[language],
        "token": token,
        "languages": LANGUAGES,
        "options": options,
        **context,
    }


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
        return _closed(language, token, state, invitation)
    return Template(
        "surveys/resident.html",
        context=_page(language, token, questions=invitation["definition"]["questions"], errors={}, form={}),
        headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
    )


@post("/s/{token:str}", include_in_schema=False, middleware=[survey_rate_limit.middleware])
async def survey_answer(request: Request, token: FromPath[str]) -> Template:
    form = {key: str(value) for key, value in (await request.form()).items()}
    invitation = await invitations.find(token)
    language = choose_language(
        form.get("lang"), request.headers.get("accept-language"), invitation["language"] if invitation else ""
    )
    state = invitations.state(invitation)
    if state != "open":
        return _closed(language, token, state, invitation)
    questions = invitation["definition"]["questions"]
    answers, errors = check_answers(invitation["definition"], form, language)
    if errors:
        return Template(
            "surveys/resident.html",
            context=_page(language, token, questions=questions, errors=errors, form=form),
            status_code=HTTP_400_BAD_REQUEST,
            headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
        )
    return _closed(language, token, await invitations.answer(token, answers, language), invitation)


phone_rate_limit = RateLimitConfig(rate_limit=("minute", 600), store="rate_limit")
IVR_ERRORS = {"no call": 404, "has a phone-survey answer already": 409}


class IvrAnswer(msgspec.Struct):
    """The keypad answers of a phone system's end-of-call survey for one call."""

    call_id: str
    satisfaction: int
    resolved: str | None = None  # yes, partly, no (or the keypad's 1, 2, 3)
    effort: int | None = None
    recommend: int | None = None


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
async def ivr_answer(request: Request, data: JSONBody[IvrAnswer]) -> dict[str, Any]:
    key = request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    integration = await ivr.integration_for(key)
    if integration is None:
        raise NotAuthorizedException("a valid API key is needed (X-API-Key)")
    try:
        response_id = await ivr.record(data.call_id, msgspec.structs.asdict(data))
    except ivr.IvrError as error:
        status = next((code for text, code in IVR_ERRORS.items() if text in str(error)), 400)
        raise HTTPException(status_code=status, detail=str(error)) from None
    return {"id": response_id, "call_id": data.call_id, "integration": integration["name"]}


ROUTES = [survey_page, survey_answer, ivr_answer]
