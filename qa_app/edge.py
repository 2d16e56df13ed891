"""What no route should have to think about: a NUL character in a request's path or query string.
PostgreSQL cannot store or compare text holding NUL (it answers an error, which would become a
500), and no address, filter or identifier of this app ever has one: such a request is refused
with a 400 before any route sees it. The error goes through the route's own exception handlers,
so each API answers in its own error format (Open311's list of errors under /open311/)."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.exceptions import ValidationException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

NUL_MESSAGE = "the request holds a NUL character, which no field of this app may contain"


def holds_nul(scope: Scope) -> bool:
    query = scope.get("query_string", b"")
    return "\x00" in scope.get("path", "") or b"\x00" in query or b"%00" in query


class RefuseNul(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if holds_nul(scope):
            raise ValidationException(NUL_MESSAGE)
        await next_app(scope, receive, send)
