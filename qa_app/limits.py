"""Rate limits and the per-account back-off of failed logins.

A limit counts requests per route and per client address, the address being the connection's
own, or what a trusted proxy (QA_TRUSTED_PROXIES) says it forwarded: a header a client makes up
is never believed. Each route keeps its own count, so a flood of survey answers cannot lock
anyone out of logging in. The counts live in a store that every app process shares when there
are several (Redis or the database, following QA_QUEUE_URL), and expired counts are purged.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from qa_app.session_store import DatabaseStore
from qa_app.settings import Settings

STORE = "rate_limit"
PURGE_EVERY_SECONDS = 300
# Failed logins to one account: the first few are free, then each waits twice as long as the
# last, up to a quarter of an hour; a success clears the count.
FREE_FAILURES = 5
LONGEST_WAIT_SECONDS = 15 * 60


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit_key(request: Request) -> str:
    """The route and the client: each limit counts its own requests."""
    return f"{request.scope['route_handler'].handler_name}:{client_address(request)}"


def per_minute(requests: int) -> RateLimitConfig:
    return RateLimitConfig(rate_limit=("minute", requests), store=STORE, identifier_for_request=limit_key)


def store_for(settings: Settings) -> Store:
    """Redis or the database when the app may run as several processes (QA_QUEUE_URL), else
    the process's memory."""
    url = settings.queue_url or ""
    if url.startswith(("redis://", "rediss://")):
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=url, namespace="qa_rate_limit")
    if url.startswith(("postgres://", "postgresql://")):
        return DatabaseStore()
    return MemoryStore()


async def purge_forever(store: Store) -> None:
    """Drop expired counts now and then (Redis expires its own)."""
    while True:
        if hasattr(store, "delete_expired"):
            await store.delete_expired()
        await asyncio.sleep(PURGE_EVERY_SECONDS)


def _account_key(email: str) -> str:
    return "login-failures:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def backoff_seconds(failures: int) -> int:
    """How long an account waits after this many failed logins in a row."""
    if failures < FREE_FAILURES:
        return 0
    return min(LONGEST_WAIT_SECONDS, 2 ** (failures - FREE_FAILURES + 1))


async def account_wait(store: Store, email: str) -> int:
    """Seconds before this account may try a password again (0: now)."""
    raw = await store.get(_account_key(email))
    if not raw:
        return 0
    state: dict[str, Any] = json.loads(raw)
    return max(0, int(state["last"] + backoff_seconds(state["failures"]) - time.time()))


async def login_failed(store: Store, email: str) -> None:
    raw = await store.get(_account_key(email))
    failures = json.loads(raw)["failures"] + 1 if raw else 1
    state = {"failures": failures, "last": time.time()}
    await store.set(_account_key(email), json.dumps(state), expires_in=LONGEST_WAIT_SECONDS * 2)


async def login_succeeded(store: Store, email: str) -> None:
    await store.delete(_account_key(email))
