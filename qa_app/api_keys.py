"""API keys of the systems that talk to the app: a city app posting Open311 service requests,
the phone system posting survey answers. One model for both: each key has a name and one scope,
is shown once when made and kept only as its SHA-256 (a 256-bit random key needs no slow hash),
and records when it was last used. A key of one scope opens nothing of another."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from qa_app import audit, db
from qa_app.tables import ApiClient

MAX_KEY_LENGTH = 200


class Scope(str, Enum):
    open311 = "open311"  # post service requests through Open311 GeoReport v2
    surveys = "surveys"  # post survey answers and voice comments from the phone system


class ApiKeyError(Exception):
    """The key cannot be made; the message says why."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create(name: str, scope: Scope, user_id: int | None = None) -> str:
    """A new key for `name`; returns the key, which is not kept and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ApiKeyError("give the key a name (the system that uses it)")
    key = "qa_" + secrets.token_urlsafe(32)
    async with db.write_transaction():
        if await ApiClient.exists().where(ApiClient.name == name):
            raise ApiKeyError(f"there is an API key named {name!r} already")
        await ApiClient.insert(ApiClient(name=name, key_hash=key_hash(key), scope=Scope(scope).value))
        await audit.record(user_id, "create", "api_client", name, scope=Scope(scope).value)
    return key


def key_from_headers(headers: Any) -> str:
    """The key a system sends in `X-API-Key` or as `Authorization: Bearer KEY`."""
    return headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ").strip()


async def client_for(key: str | None, scope: Scope) -> dict[str, Any] | None:
    """The active client with this key and scope (its last use noted), or None."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    row = (
        await ApiClient.select()
        .where(
            (ApiClient.key_hash == key_hash(key)) & (ApiClient.scope == Scope(scope).value) & (ApiClient.active == True)  # noqa: E712
        )
        .first()
    )
    if row is not None:
        await ApiClient.update({ApiClient.last_used_at: datetime.now(timezone.utc)}).where(ApiClient.id == row["id"])
    return row
