"""The personal data mystery-email audits hold: the replies of the centre's staff to QA's test
emails (their text and sender's address), found by that address or by a contact they quote (an
email address, or a phone number compared by its keyed hash, so written any way), and the grades'
evidence, which quotes those replies ("opens with 'Dear Anna'", "signs off with '070-123 45 67'").
Erasing keeps each reply's times, kind and grade (statistics) and removes its text, the quoting
evidence of its grade (and, when the address is the one asked about, the address)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from audits.tables import AuditGrade, AuditReply
from kit.timeutil import kept_since
from qa_app import db
from qa_app.security import CallerHasher
from qa_app.settings import get_settings

# Evidence worked out from times alone, which quotes nothing: kept when a grade's evidence is erased.
TIMING_CHECKS = ("acknowledged_in_time", "answered_in_time")
PHONE_LIKE = re.compile(r"\+?\d[\d ()./-]{5,}\d")


def _written_forms(number: str) -> set[str]:
    """The number as written, and in international form as each of the centre's countries
    (QA_REDACT_COUNTRIES) would read a national number ("08-508 00 000" in Sweden)."""
    import phonenumbers

    forms = {number}
    for region in get_settings().redaction.countries:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        forms.add(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return forms


def _quotes(text: str, hashes: set[str], emails: set[str]) -> bool:
    """Whether `text` names one of the emails, or a phone number whose keyed hash is one of `hashes`."""
    lowered = text.lower()
    if any(email in lowered for email in emails):
        return True
    if not hashes:
        return False
    hasher = CallerHasher(get_settings().secret_key)
    return any(
        hasher(form) in hashes for number in PHONE_LIKE.finditer(text) for form in _written_forms(number.group(0))
    )


async def _replies_of(hashes: set[str], emails: set[str]) -> list[dict[str, Any]]:
    rows = await AuditReply.select(
        AuditReply.id,
        AuditReply.scenario,
        AuditReply.received_at,
        AuditReply.from_address,
        AuditReply.subject,
        AuditReply.body,
    ).order_by(AuditReply.received_at)
    return [
        row
        for row in rows
        if row["from_address"].lower() in emails or _quotes(f"{row['subject']}\n{row['body']}", hashes, emails)
    ]


class Replies:
    async def find(self, hashes: set[str], emails: set[str]) -> dict[str, list[dict[str, Any]]]:
        rows = await _replies_of(hashes, emails)
        return {"replies": [{k: v for k, v in row.items() if k not in ("id", "scenario")} for row in rows]}

    async def erase(self, hashes: set[str], emails: set[str]) -> dict[str, int]:
        rows = await _replies_of(hashes, emails)
        async with db.write_transaction():
            for row in rows:
                values: dict[Any, Any] = {AuditReply.body: "", AuditReply.subject: ""}
                if row["from_address"].lower() in emails:
                    values[AuditReply.from_address] = ""
                await AuditReply.update(values).where(AuditReply.id == row["id"])
        await _erase_evidence({row["scenario"] for row in rows})
        return {"replies": len(rows)}

    async def erase_expired(self, today: date, retention_days: dict[str, int]) -> dict[str, int]:
        where = (AuditReply.received_at < kept_since(today, retention_days["replies"], get_settings().timezone)) & (
            AuditReply.body != ""
        )
        async with db.write_transaction():
            rows = await AuditReply.update({AuditReply.body: ""}).where(where).returning(AuditReply.scenario)
        await _erase_evidence({row["scenario"] for row in rows})
        return {"replies": len(rows)}


async def _erase_evidence(scenario_ids: set[int | None]) -> None:
    """Clear the evidence that quotes a reply from the grades of these scenarios; each check's
    value and the score stay."""
    ids = [i for i in scenario_ids if i is not None]
    if not ids:
        return
    async with db.write_transaction():
        grades = (
            await AuditGrade.select(AuditGrade.id, AuditGrade.checks)
            .where(AuditGrade.scenario.is_in(ids))
            .output(load_json=True)
        )
        for grade in grades:
            erased = {
                code: {**check, "evidence": check.get("evidence", "") if code in TIMING_CHECKS else ""}
                for code, check in (grade["checks"] or {}).items()
            }
            await AuditGrade.update({AuditGrade.checks: erased}).where(AuditGrade.id == grade["id"])


REPLIES = Replies()
