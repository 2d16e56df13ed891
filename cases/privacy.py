"""The personal data the case register holds: what a resident asked (the description, the address
and place, the notes on its history), the contact a reply goes to, and the caller's keyed hash.
A resident is found by that hash, or by the contact (an email, or a phone number compared by its
keyed hash, so written any way). Erasing keeps the case's service, channel, status and dates
(statistics); the contacts' retention is `register.erase_expired_contacts`."""

from __future__ import annotations

from datetime import date
from typing import Any

from cases import register
from cases.tables import Case, CaseEvent
from qa_app import audit, db
from qa_app.security import CallerHasher
from qa_app.settings import get_settings

ERASED: dict[Any, Any] = {
    Case.description: "",
    Case.address: "",
    Case.lat: None,
    Case.lon: None,
    Case.contact: None,
    Case.contact_erase_after: None,
    Case.caller_hash: None,
    Case.public: False,  # a resident's erased case is no longer on Open311 either
    Case.public_description: "",
}


async def _cases_of(hashes: set[str], emails: set[str]) -> list[dict[str, Any]]:
    hasher = CallerHasher(get_settings().secret_key)

    def theirs(case: dict[str, Any]) -> bool:
        contact = (case["contact"] or "").strip()
        by_contact = contact.lower() in emails if "@" in contact else hasher(contact) in hashes
        return case["caller_hash"] in hashes or by_contact

    rows = (
        await Case.select(
            Case.id,
            Case.tracking_number,
            Case.created_at,
            Case.channel,
            Case.status,
            Case.service.name.as_alias("service"),
            Case.description,
            Case.address,
            Case.contact,
            Case.caller_hash,
        )
        .where(db.among(Case.caller_hash, hashes) | Case.contact.is_not_null())
        .order_by(Case.created_at)
        .order_by(Case.id)
    )
    return [row for row in rows if theirs(row)]


class Cases:
    async def find(self, hashes: set[str], emails: set[str]) -> dict[str, list[dict[str, Any]]]:
        rows = await _cases_of(hashes, emails)
        return {"cases": [{k: v for k, v in row.items() if k not in ("id", "caller_hash")} for row in rows]}

    async def erase(self, hashes: set[str], emails: set[str]) -> dict[str, int]:
        ids = [row["id"] for row in await _cases_of(hashes, emails)]
        if ids:
            async with db.write_transaction():
                await Case.update(ERASED).where(Case.id.is_in(ids))
                await CaseEvent.update({CaseEvent.note: ""}).where(CaseEvent.case.is_in(ids))
                for case_id in ids:
                    await audit.record(None, "erase personal data", "case", case_id)
        return {"cases": len(ids)}

    async def erase_expired(self, today: date, retention_days: dict[str, int]) -> dict[str, int]:
        return {"contacts": await register.erase_expired_contacts(today, retention_days["contacts"])}


CASES = Cases()
