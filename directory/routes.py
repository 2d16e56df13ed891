"""The OpenID Connect sign-in (its start, the provider's callback, the return after signing out
at the provider) and the administrator's page of directory accounts and their agent links."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_403_FORBIDDEN, HTTP_503_SERVICE_UNAVAILABLE
from msgspec import Struct

from directory import accounts, oidc
from directory.mapping import person_from_claims
from directory.settings import directory_settings
from directory.sign_in import SESSION_ID_TOKEN
from qa_app import audit, limits
from qa_app.auth import require, start_session
from qa_app.i18n import _
from qa_app.routes.session import login_context, safe_next
from qa_app.tables import Agent, Role
from qa_app.web import Form

PENDING = "oidc_pending"  # the session's sign-ins under way, by state
PENDING_SECONDS = 15 * 60  # a sign-in not back from the provider by then is dropped
MOST_PENDING = 5  # several tabs may start one each
callback_rate_limit = limits.per_minute(20)


def _login_page(error: str, status: int, next_: str = "/") -> Template:
    return Template("login.html", context=login_context(next_, error=error), status_code=status)


def _redirect_uri(request: Request) -> str:
    settings = directory_settings()
    return settings.oidc_redirect_uri or str(request.base_url).rstrip("/") + "/login/oidc/callback"


@get("/login/oidc", include_in_schema=False)
async def oidc_start(request: Request, next: FromQuery[str] = "/") -> Redirect | Template:
    settings = directory_settings()
    if not settings.oidc_enabled:
        return _login_page(_("Sign-in with the organisation's account is not set up here."), HTTP_400_BAD_REQUEST)
    try:
        url, pending = await oidc.begin(settings, _redirect_uri(request), safe_next(next))
    except oidc.OidcError as error:
        return _login_page(str(error), HTTP_503_SERVICE_UNAVAILABLE, safe_next(next))
    now = time.time()
    kept = {
        state: item
        for state, item in (request.session.get(PENDING) or {}).items()
        if now - item.get("started", 0) < PENDING_SECONDS
    }
    kept = dict(sorted(kept.items(), key=lambda pair: pair[1]["started"])[-(MOST_PENDING - 1) :])
    kept[pending.state] = pending.as_dict()
    request.session[PENDING] = kept
    return Redirect(url)


@get("/login/oidc/callback", include_in_schema=False, middleware=[callback_rate_limit.middleware])
async def oidc_callback(
    request: Request,
    code: FromQuery[str] = "",
    error: FromQuery[str] = "",
    error_description: FromQuery[str] = "",
) -> Redirect | Template:
    settings = directory_settings()
    state = request.query_params.get("state", "")
    pending_all: dict[str, Any] = dict(request.session.get(PENDING) or {})
    item = pending_all.pop(state, None) if state else None
    if request.session:
        request.session[PENDING] = pending_all  # a state is good for one callback only
    if item is None or time.time() - item.get("started", 0) > PENDING_SECONDS:
        return _login_page(
            _(
                "This sign-in was started too long ago, in another browser, or has been used already. "
                "Please start again."
            ),
            HTTP_400_BAD_REQUEST,
        )
    pending = oidc.Pending(**item)
    if error:
        message = (
            _("The sign-in was cancelled at the organisation's sign-in page.")
            if error == "access_denied"
            else _("The organisation's sign-in service refused the sign-in (%(error)s: %(description)s).")
            % {"error": error, "description": error_description[:200]}
        )
        return _login_page(message, HTTP_403_FORBIDDEN, pending.next)
    if not code:
        return _login_page(_("The sign-in service sent no code back. Please start again."), HTTP_400_BAD_REQUEST)
    try:
        claims, id_token = await oidc.finish(settings, pending, code)
    except oidc.OidcError as failure:
        status = HTTP_503_SERVICE_UNAVAILABLE if isinstance(failure, oidc.Unreachable) else HTTP_403_FORBIDDEN
        return _login_page(str(failure), status, pending.next)
    if claims.get("email_verified") is False:
        return _login_page(
            _("Your e-mail address at the organisation's sign-in service is not verified: ask your administrator."),
            HTTP_403_FORBIDDEN,
            pending.next,
        )
    person = person_from_claims(claims, settings.oidc_roles, settings.oidc_staff_claim)
    try:
        user = await accounts.sign_in(person)
    except accounts.Refused as refusal:
        return _login_page(str(refusal), HTTP_403_FORBIDDEN, pending.next)
    await start_session(request, user)
    request.session[SESSION_ID_TOKEN] = id_token
    await audit.record(user["id"], "login", "user", user["id"], via="oidc")
    return Redirect(safe_next(pending.next))


@get("/login/oidc/signed-out", include_in_schema=False)
async def oidc_signed_out() -> Redirect:
    """Where the provider sends the browser back after signing it out there too."""
    return Redirect("/login")


@get("/admin/directory", name="directory", guards=[require(Role.admin)], include_in_schema=False)
async def directory_page(error: FromQuery[str] = "") -> Template:
    return await _page(error or None)


async def _page(error: str | None, status: int = 200) -> Template:
    settings = directory_settings()
    agents = await Agent.select(Agent.staff_number, Agent.name, Agent.user).order_by(Agent.name)
    return Template(
        "directory/admin.html",
        context={
            "rows": await accounts.directory_users(),
            "agents": agents,
            "error": error,
            "settings": settings,
            "oidc_roles": settings.oidc_roles,
            "ldap_roles": settings.ldap_group_roles,
        },
        status_code=status,
    )


class LinkForm(Struct):
    user: int = 0
    staff_number: str = ""
    action: str = "fix"  # fix | release


@post("/admin/directory/link", guards=[require(Role.admin)], include_in_schema=False)
async def directory_link(request: Request, data: Form[LinkForm]) -> Redirect | Template:
    try:
        if data.action == "release":
            await accounts.release_agent_link(data.user, request.user.id)
        else:
            await accounts.fix_agent_link(data.user, data.staff_number.strip() or None, request.user.id)
    except accounts.Refused as refusal:
        return await _page(str(refusal), HTTP_400_BAD_REQUEST)
    return Redirect("/admin/directory")


ROUTES = [oidc_start, oidc_callback, oidc_signed_out, directory_page, directory_link]
