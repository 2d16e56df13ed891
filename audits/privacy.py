"""The personal data mystery-email audits hold: the replies of the centre's staff to QA's test
emails (their text and sender's address), found by that address. Erasing keeps each reply's
times, kind and grade (statistics) and removes its text (and, on request, the address)."""

from __future__ import annotations

from datetime import date
from typing import Any

from audits.tables import AuditReply
from kit.timeutil import kept_since
from qa_app import db
from qa_app.settings import get_settings


class Replies:
    async def find(self, hashes: set[str], emails: set[str]) -> dict[str, list[dict[str, Any]]]:
        rows = (
            await AuditReply.select(
                AuditReply.received_at, AuditReply.from_address, AuditReply.subject, AuditReply.body
            )
            .where(db.among(AuditReply.from_address, emails))
            .order_by(AuditReply.received_at)
        )
        return {"replies": rows}

    async def erase(self, hashes: set[str], emails: set[str]) -> dict[str, int]:
        where = db.among(AuditReply.from_address, emails)
        return {"replies": await _erase(where, {AuditReply.body: "", AuditReply.from_address: ""})}

    async def erase_expired(self, today: date, retention_days: dict[str, int]) -> dict[str, int]:
        where = (AuditReply.received_at < kept_since(today, retention_days["replies"], get_settings().timezone)) & (
            AuditReply.body != ""
        )
        return {"replies": await _erase(where, {AuditReply.body: ""})}


async def _erase(where, values: dict[Any, Any]) -> int:
    async with db.write_transaction():
        return len(await AuditReply.update(values).where(where).returning(AuditReply.id))


REPLIES = Replies()
