"""Helpers of the in-process web tests: HTML requests, the CSRF token of a page, signing in."""

from __future__ import annotations

import re
from collections.abc import Iterable

import httpx

PASSWORD = "correct horse battery"
HTML = {"accept": "text/html"}


def csrf_from(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD, next_: str = "/"):
    page = await client.get("/login", headers=HTML)
    return await client.post(
        "/login",
        data={"email": email, "password": password, "next": next_, "_csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )


def routes_of(handlers: Iterable) -> set[tuple[str, str]]:
    """(method, path with its parameters as {}) of every route the handlers mount: what a
    role-matrix test must list, so that a new route cannot slip past it."""
    return {
        (method, re.sub(r"\{[\w:]+\}", "{}", path))
        for handler in handlers
        for path in handler.paths
        for method in handler.http_methods
    }


def routes_listed(matrix: Iterable[tuple]) -> set[tuple[str, str]]:
    return {(method, re.sub(r"\{\w+\}", "{}", path)) for method, path, *_expected in matrix}
