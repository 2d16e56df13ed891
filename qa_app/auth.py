"""Who is asking, and what they may see.

Login puts the user's id in a server-side session; each request loads the user with their
role, their agent (for an agent login) and the teams they lead. Guards check the role on every
route; `agent_scope()` is the one rule for whose records a user sees.
"""

from __future__ import annotations

import copy
import hashlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.security.session_auth import SessionAuth
from litestar.utils.dataclass import extract_dataclass_items

from qa_app.settings import get_settings
from qa_app.tables import EVERYONE, STAFF, Agent, Role, Team, User

__all__ = ["EVERYONE", "STAFF", "CurrentUser", "agent_scope", "ensure_visible", "require", "team_scope"]
SESSION_MAX_AGE = 8 * 60 * 60  # a working day


@dataclass
class CurrentUser:
    id: int
    email: str
    name: str
    role: Role
    agent_id: int | None = None
    led_team_ids: list[int] = field(default_factory=list)
    password_mark: str = ""  # see password_mark()
    language: str = ""  # their own choice of language; "" = the centre's or the browser's

    def has(self, *roles: Role) -> bool:
        return self.role in roles


async def load_user(user_id: int) -> CurrentUser | None:
    row = await User.select().where((User.id == user_id) & (User.active == True)).first()  # noqa: E712
    if row is None:
        return None
    role = Role(row["role"])
    agent_id = None
    if role == Role.agent:
        agent = await Agent.select(Agent.id).where(Agent.user == user_id).first()
        agent_id = agent["id"] if agent else None
    led = (
        [t["id"] for t in await Team.select(Team.id).where(Team.leader == user_id)] if role == Role.team_leader else []
    )
    return CurrentUser(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=role,
        agent_id=agent_id,
        led_team_ids=led,
        password_mark=password_mark(row["password_hash"]),
        language=row["language"] or "",
    )


SEEN_EVERY_SECONDS = 60  # how often a session's last use is written (not on every request)


def password_mark(password_hash: str) -> str:
    """A short digest of the user's password hash kept in their sessions: a new password makes
    every other session's mark stale, and so ends it."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


SESSION_COOKIES = ("qa_session", "__Host-qa_session")
# What a session id looks like (Litestar's `secrets.token_hex(32)`). A cookie that is anything
# else (made up, truncated, holding a NUL that PostgreSQL refuses) is no session at all: it is
# never looked up, and a new id is issued when a session starts.
SESSION_ID = re.compile(r"[0-9a-f]{64}")


def well_formed_session_id(value: str | None) -> bool:
    return bool(value) and SESSION_ID.fullmatch(value) is not None


async def start_session(request: Any, user: dict[str, Any]) -> None:
    """Sign the user in on a new session id (see RotatingSessionBackend); the browser's previous
    session, signed in or not, ends."""
    for name in SESSION_COOKIES:
        if well_formed_session_id(old := request.cookies.get(name)):
            await request.app.stores.get("sessions").delete(old)
    request.scope["state"]["rotate_session"] = True
    request.set_session({"user_id": user["id"], "pw": password_mark(user["password_hash"]), "seen": time.time()})


async def retrieve_user_handler(session: dict[str, Any], connection: ASGIConnection) -> CurrentUser | None:
    """The signed-in user, unless the session was idle too long (QA_SESSION_IDLE_MINUTES) or
    the password changed since it began."""
    user_id = session.get("user_id")
    if not user_id:
        return None
    now, seen = time.time(), session.get("seen", 0)
    if now - seen > get_settings().session_idle_minutes * 60:
        session.clear()
        return None
    user = await load_user(int(user_id))
    if user is None or session.get("pw") != user.password_mark:
        session.clear()
        return None
    if now - seen > SEEN_EVERY_SECONDS:
        session["seen"] = now
    return user


async def agent_scope(user: CurrentUser) -> list[int] | None:
    """The agents whose records `user` may see: None means all of them.

    Administrators, managers and the QA team see everyone; a team leader sees the agents of the
    teams they lead; an agent sees only themselves.
    """
    if user.has(Role.admin, Role.manager, Role.qa):
        return None
    if user.role == Role.team_leader:
        if not user.led_team_ids:
            return []
        rows = await Agent.select(Agent.id).where(Agent.team.is_in(user.led_team_ids))
        return [r["id"] for r in rows]
    return [user.agent_id] if user.agent_id else []


async def team_scope(user: CurrentUser) -> list[int] | None:
    if user.has(Role.admin, Role.manager, Role.qa):
        return None
    return list(user.led_team_ids)


def can_see(scope: list[int] | None, item_id: int | None) -> bool:
    return scope is None or (item_id is not None and item_id in scope)


def ensure_visible(scope: list[int] | None, item_id: int | None) -> None:
    """Another person's record answers 404, exactly like one that does not exist."""
    if not can_see(scope, item_id):
        raise NotFoundException()


def require(*roles: Role):
    """A guard: the route is open to these roles only."""

    def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, CurrentUser):
            raise NotAuthorizedException()
        if user.role not in roles:
            raise PermissionDeniedException("Your role does not give access to this page.")

    guard.__name__ = f"require_{'_'.join(r.value for r in roles)}"
    return guard


class RotatingSessionBackend(ServerSideSessionBackend):
    """Issues a fresh session id when a request asks for it (at login), so that an id planted
    before login is never the one that becomes authenticated (session fixation)."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        state = connection.scope.get("state", {})
        if state.get("rotate_session"):
            new_id = state.get("rotated_session_id")
            if new_id is None:
                new_id = state["rotated_session_id"] = self.generate_session_id()
            return new_id
        if not well_formed_session_id(connection.cookies.get(self.config.key)):
            return connection.get_session_id() or state.setdefault("new_session_id", self.generate_session_id())
        return super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        if not well_formed_session_id(connection.cookies.get(self.config.key)):
            return {}
        data = await super().load_from_connection(connection)
        connection.scope.setdefault("state", {})["session_as_loaded"] = copy.deepcopy(data)
        return data

    async def store_in_message(self, scope_session: Any, message: Any, connection: ASGIConnection) -> None:
        """As Litestar's, but a session that the request left as it was is not written back:
        a page view costs no write (the last-seen time changes once a minute, SEEN_EVERY_SECONDS,
        and that write also renews the session's expiry)."""
        state = connection.scope.get("state", {})
        loaded = state.get("session_as_loaded")
        if loaded and not state.get("rotate_session") and isinstance(scope_session, dict) and scope_session == loaded:
            cookie = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
            MutableScopeHeaders.from_message(message).add(
                "Set-Cookie",
                Cookie(value=self.get_session_id(connection), key=self.config.key, **cookie).to_header(header=""),
            )
            return
        await super().store_in_message(scope_session, message, connection)


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def session_auth(*, secure_cookies: bool) -> SessionAuth:
    return SessionAuth[CurrentUser, RotatingSessionBackend](
        retrieve_user_handler=retrieve_user_handler,
        session_backend_config=RotatingSessionConfig(
            store="sessions",
            max_age=SESSION_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=secure_cookies,
            key=SESSION_COOKIES[1] if secure_cookies else SESSION_COOKIES[0],
        ),
        exclude=["^/login", "^/static/", "^/health", "^/schema", "^/favicon", "^/s/", "^/api/", "^/open311/"],
    )
