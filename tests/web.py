"""Helpers of the in-process web tests: HTML requests, the CSRF token of a page, signing in."""

from __future__ import annotations

import re

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
