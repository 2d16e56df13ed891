"""The Litestar app: routes, templates, sessions, CSRF, rate limits, error pages."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig

from coaching import routes as coaching_routes
from qa_app import db
from qa_app.auth import CurrentUser, session_auth
from qa_app.routes import admin, calls, cases, health, notifications, open311, pages, session
from qa_app.session_store import DatabaseStore
from qa_app.settings import get_settings
from qa_app.tables import Role
from reports import routes as report_routes
from scorecards import routes as scorecard_routes
from surveys import audit_pages
from surveys import pages as survey_pages
from surveys import routes as survey_routes
from transcription import routes as transcription_routes

HERE = Path(__file__).parent
# The domain packages' templates; each keeps its own in a folder named after it.
PACKAGE_TEMPLATES = [
    HERE.parent / "transcription" / "templates",
    HERE.parent / "scorecards" / "templates",
    HERE.parent / "surveys" / "templates",
    HERE.parent / "coaching" / "templates",
    HERE.parent / "reports" / "templates",
]

NAVIGATION: list[tuple[str, str, tuple[Role, ...]]] = [
    ("Home", "/", tuple(Role)),
    ("Calls", "/calls", tuple(Role)),
    ("Cases", "/cases", tuple(Role)),
    ("Agents", "/agents", (Role.admin, Role.manager, Role.qa, Role.team_leader)),
    ("Teams", "/teams", (Role.admin, Role.manager, Role.qa, Role.team_leader)),
    ("Services", "/services", (Role.admin, Role.manager, Role.qa, Role.team_leader)),
    ("Marking", "/qa/queue", (Role.admin, Role.qa)),
    ("Scorecards", "/scorecards/teams", (Role.admin, Role.manager, Role.qa, Role.team_leader)),
    ("Calibration", "/calibration", (Role.admin, Role.manager, Role.qa, Role.team_leader)),
    ("Coaching", "/coaching", (Role.admin, Role.manager, Role.team_leader)),
    ("Templates", "/scorecards/templates", (Role.admin, Role.manager, Role.qa)),
    ("Surveys", "/surveys", (Role.admin, Role.manager, Role.qa, Role.team_leader)),
    ("Mystery emails", "/audits", (Role.admin, Role.manager, Role.qa)),
    ("Transcripts", "/transcription/accuracy", (Role.admin, Role.manager, Role.qa)),
    ("Reports", "/reports", (Role.admin, Role.manager, Role.qa, Role.team_leader)),
    ("Imports", "/admin/imports", (Role.admin, Role.manager)),
    ("Users", "/admin/users", (Role.admin,)),
    ("Audit log", "/admin/audit", (Role.admin,)),
    ("Settings", "/scorecards/settings", (Role.admin,)),
]

ROLE_NAMES = {
    Role.admin: "Administrator",
    Role.manager: "Manager",
    Role.qa: "Quality assurance",
    Role.team_leader: "Team leader",
    Role.agent: "Agent",
}


def navigation_for(user: CurrentUser | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    items = [(label, href) for label, href, roles in NAVIGATION if user.role in roles]
    if user.role == Role.agent:
        items = [("My calls" if label == "Calls" else label, href) for label, href in items]
        if user.agent_id:
            items.append(("My month", f"/scorecards/agents/{user.agent_id}"))
            items.append(("My coaching", f"/coaching/agents/{user.agent_id}"))
            items.append(("My page", f"/agents/{user.agent_id}"))
    return items


def _local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(get_settings().timezone).strftime(fmt)


def _duration(seconds: float | int | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def _number(value: int | float | None) -> str:
    return "–" if value is None else f"{value:,}".replace(",", "\u202f")


def _configure_templates(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.filters.update(local=_local, duration=_duration, percent=_percent, number=_number)
    env.globals.update(
        navigation_for=navigation_for,
        role_names=ROLE_NAMES,
        timezone_name=get_settings().timezone_name,
        current_user=lambda request: request.scope.get("user"),
    )


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request") == "true"


def handle_http_exception(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException) and _wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?next={quote(target)}")
    if _wants_html(request):
        titles = {403: "Not allowed", 404: "Not found", 429: "Too many attempts"}
        messages = {
            403: "You do not have access to this page. If you think you should, ask your administrator.",
            404: "There is nothing here, or it is not yours to see.",
            429: "Too many attempts in a short time. Please wait a minute and try again.",
        }
        status = exc.status_code
        return Template(
            "error.html",
            context={
                "title": titles.get(status, "Something went wrong"),
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


async def on_startup(app: Litestar) -> None:
    if app.state.get("manage_database", True):
        db.use_database(get_settings().database_url)
        await db.start_pool()
        # Without a shared queue there is no hourly purge job (see jobs.py): purge at start.
        await DatabaseStore().delete_expired()


async def on_shutdown(app: Litestar) -> None:
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
            session.login_page,
            session.login_submit,
            session.logout,
            pages.home,
            pages.agents,
            pages.agent_page,
            pages.agent_create,
            pages.agent_update,
            pages.team_create,
            pages.teams,
            pages.team_page,
            pages.services,
            calls.calls,
            calls.call_page,
            calls.call_recording,
            admin.users_page,
            admin.users_create,
            admin.audit_page,
            admin.imports_page,
            health.health,
            *transcription_routes.ROUTES,
            *scorecard_routes.ROUTES,
            *survey_routes.ROUTES,
            *survey_pages.ROUTES,
            *audit_pages.ROUTES,
            *notifications.ROUTES,
            *open311.ROUTES,
            *cases.ROUTES,
            *coaching_routes.ROUTES,
            *report_routes.ROUTES,
            create_static_files_router(path="/static", directories=[HERE / "static"], include_in_schema=False),
        ],
        template_config=TemplateConfig(
            directory=[HERE / "templates", *PACKAGE_TEMPLATES],
            engine=JinjaTemplateEngine,
            engine_callback=_configure_templates,
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="qa_csrf",
            cookie_secure=secure_cookies,
            cookie_samesite="strict",
            exclude=[
                "^/health",
                "^/schema",
                "^/s/",
                "^/api/",
                "^/open311/",
            ],  # survey links and API keys (surveys/routes.py, routes/open311.py)
        ),
        on_app_init=[auth.on_app_init],
        stores={"sessions": DatabaseStore(), "rate_limit": MemoryStore()},
        exception_handlers={HTTPException: handle_http_exception},
        openapi_config=OpenAPIConfig(title="Municipal contact-centre QA", version="0.1.0", path="/schema"),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State({"manage_database": manage_database}),
    )
