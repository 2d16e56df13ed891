"""The Litestar app: routes, templates, sessions, CSRF, rate limits, error pages."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.middleware import ASGIMiddleware
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from qa_app import db, formatting, i18n, jobs, limits, notifications, packages
from qa_app.auth import CurrentUser, session_auth
from qa_app.edge import RefuseNul
from qa_app.i18n import _, _l, pgettext
from qa_app.session_store import DatabaseStore
from qa_app.settings import get_settings
from qa_app.tables import Disposition, Role

HERE = Path(__file__).parent
log = logging.getLogger(__name__)

ROLE_NAMES = {
    Role.admin: _l("Administrator"),
    Role.manager: _l("Manager"),
    Role.qa: _l("Quality assurance"),
    Role.team_leader: _l("Team leader"),
    Role.agent: _l("Agent"),
}


def disposition_name(value: str) -> str:
    """A call's outcome as people read it (the stored value is the enum's)."""
    names = {
        Disposition.answered.value: pgettext("call outcome", "answered"),
        Disposition.abandoned.value: pgettext("call outcome", "abandoned"),
        Disposition.transferred.value: pgettext("call outcome", "transferred"),
    }
    return names.get(value, value)


# Navigation groups, in their order. A role with at most MOST_ENTRIES links sees them all in
# one row; a role with more sees one link per group (to the group's first page), the links of
# a group shown under it (on hover or keyboard focus, and always for the group of the page
# it is on).
MOST_ENTRIES = 7
SECTIONS = {
    "home": _l("Home"),
    "calls": _l("Calls"),
    "quality": _l("Quality"),
    "people": _l("People"),
    "residents": _l("Residents"),
    "reports": _l("Reports"),
    "admin": _l("Administration"),
}


@dataclass
class NavLink:
    label: str
    href: str
    current: bool = False
    children: list[NavLink] = field(default_factory=list)


def _is_current(href: str, path: str) -> bool:
    return path == href or (href != "/" and path.startswith(href + "/"))


def navigation_for(user: CurrentUser | None, path: str = "") -> list[NavLink]:
    """The links this user sees, from every installed package's navigation entries: in one row,
    or grouped by section when there are more than MOST_ENTRIES."""
    if user is None:
        return []
    links: list[tuple[str, NavLink]] = []
    for entry in packages.navigation():
        if user.role not in entry.roles:
            continue
        if "{agent_id}" in entry.href:
            if not user.agent_id:
                continue
            href = entry.href.format(agent_id=user.agent_id)
        else:
            href = entry.href
        label = entry.agent_label if entry.agent_label and user.role == Role.agent else entry.label
        links.append((entry.section, NavLink(str(label), href, _is_current(href, path))))
    if len(links) <= MOST_ENTRIES:
        return [link for _, link in links]
    grouped: dict[str, list[NavLink]] = {}
    for section, link in links:
        grouped.setdefault(section if section in SECTIONS else "admin", []).append(link)
    items = []
    for section, label in SECTIONS.items():
        children = grouped.get(section, [])
        if len(children) == 1:
            items.append(children[0])
        elif children:
            current = any(c.current for c in children)
            items.append(NavLink(str(label), children[0].href, current, children))
    return items


def _configure_templates(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    i18n.install(env)
    env.filters.update(formatting.FILTERS)
    env.globals.update(
        navigation_for=navigation_for,
        role_names=ROLE_NAMES,
        disposition_name=disposition_name,
        timezone_name=get_settings().timezone_name,
        current_user=lambda request: request.scope.get("user"),
        unread_notifications=lambda request: request.scope.get("unread_notifications", 0),
        call_panels=packages.call_panels(),
    )


# No inline script or style anywhere: every page loads its scripts and styles from /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def security_headers(secure: bool):
    """A before-send hook: the security headers on every response, HSTS over HTTPS, and no
    caching of what a signed-in user sees (it may hold residents' data)."""

    async def before_send(message, scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = message.setdefault("headers", [])
        present = {name.lower() for name, _ in headers}
        extra = [*SECURITY_HEADERS, *([HSTS] if secure else [])]
        if scope.get("user") is not None:
            headers[:] = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
            extra.append((b"cache-control", b"no-store"))
        headers.extend((name, value) for name, value in extra if name not in present or name == b"cache-control")

    return before_send


class RedactSecrets(logging.Filter):
    """Survey links' tokens and API keys never reach the access log."""

    PATTERNS = (
        (re.compile(r"/s/[^/?\s]+"), "/s/[token]"),
        (re.compile(r"(api_key|token)=[^&\s]+", re.IGNORECASE), r"\1=[redacted]"),
    )

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        return True

    @classmethod
    def redact(cls, text: str) -> str:
        for pattern, replacement in cls.PATTERNS:
            text = pattern.sub(replacement, text)
        return text


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request") == "true"


def handle_http_exception(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException) and _wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?next={quote(target)}")
    if _wants_html(request):
        titles = {403: _("Not allowed"), 404: _("Not found"), 429: _("Too many attempts")}
        messages = {
            403: _("You do not have access to this page. If you think you should, ask your administrator."),
            404: _("There is nothing here, or it is not yours to see."),
            429: _("Too many attempts in a short time. Please wait a minute and try again."),
        }
        status = exc.status_code
        return Template(
            "error.html",
            context={
                "title": titles.get(status, _("Something went wrong")),
                "message": messages.get(status, exc.detail),
                "status": status,
            },
            status_code=status,
            headers=getattr(exc, "headers", None) or {},
        )
    return Response(
        {"status_code": exc.status_code, "detail": exc.detail},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None) or {},
    )


class BrowserLanguage(ASGIMiddleware):
    """Every response, even one no route answers (a 404), starts in the centre's language or the
    browser's; `before_request` then applies the signed-in user's own choice."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-language"), None)
        i18n.set_current(i18n.choose(None, accept))
        await next_app(scope, receive, send)


async def before_request(request: Request) -> None:
    """The signed-in user's own language; and, for a page they will read, how many of their
    notifications are unread (the navigation shows the count)."""
    user = request.scope.get("user")
    i18n.set_current(i18n.choose(user.language if user else None, request.headers.get("accept-language")))
    if user is not None and request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        request.scope["unread_notifications"] = await notifications.unread_count(user.id)


async def on_startup(app: Litestar) -> None:
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access_log.filters):
        access_log.addFilter(RedactSecrets())
    if app.state.get("manage_database", True):
        db.use_database(get_settings().database_url)
        await db.start_pool()
        # Without a shared queue there is no hourly purge job (see jobs.py): purge at start.
        await DatabaseStore().delete_expired()
        settings = get_settings()
        if settings.background and not settings.queue_url:
            app.state.background = asyncio.create_task(jobs.run_in_process())
    app.state.purge = asyncio.create_task(limits.purge_forever(app.stores.get(limits.STORE)))


async def on_shutdown(app: Litestar) -> None:
    app.state.purge.cancel()
    if app.state.get("background"):
        app.state.background.cancel()
    for hook in packages.shutdown_hooks():  # each package's work in flight, while the database is open
        try:
            await hook()
        except Exception:  # one package's failure must not keep the others from stopping cleanly
            log.exception("shutdown hook %s failed", getattr(hook, "__qualname__", hook))
    if app.state.get("manage_database", True):
        await db.close_pool()


def create_app(*, manage_database: bool = True, secure_cookies: bool | None = None) -> Litestar:
    """`manage_database=False` when the caller (a test) has already chosen the database."""
    settings = get_settings()
    if secure_cookies is None:
        secure_cookies = settings.secure_cookies
    auth = session_auth(secure_cookies=secure_cookies)
    return Litestar(
        route_handlers=[
            *packages.routes(),
            create_static_files_router(path="/static", directories=[HERE / "static"], include_in_schema=False),
        ],
        template_config=TemplateConfig(
            directory=packages.template_folders(),
            engine=JinjaTemplateEngine,
            engine_callback=_configure_templates,
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="__Host-qa_csrf" if secure_cookies else "qa_csrf",
            cookie_secure=secure_cookies,
            cookie_samesite="strict",
            exclude=[
                "^/health",
                "^/schema",
                "^/s/",
                "^/api/",
                "^/open311/",
            ],  # survey links and API keys (surveys/routes.py, cases/open311.py)
        ),
        on_app_init=[auth.on_app_init],
        before_request=before_request,
        stores={"sessions": DatabaseStore(), limits.STORE: limits.store_for(settings)},
        # The client address is the connection's, or what a trusted proxy forwarded (none by default).
        middleware=[
            DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies)),
            RefuseNul(),
            BrowserLanguage(),
        ],
        exception_handlers={HTTPException: handle_http_exception},
        openapi_config=OpenAPIConfig(title="Municipal contact-centre QA", version="0.1.0", path="/schema"),
        before_send=[security_headers(secure_cookies)],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State({"manage_database": manage_database}),
    )
