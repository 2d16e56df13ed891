"""Residents' personal data across the packages: access, erasure and retention (the residents'
rights under data-protection law). Each package names
in its `package.py` what it holds (`personal_data`, see `packages.Package`); this runs them. Neither
a phone number nor an email goes in the audit log: only the first 8 characters of its keyed hash."""

from __future__ import annotations

import hmac
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from saq import CronJob

from qa_app import audit, db, packages
from qa_app.i18n import _
from qa_app.security import caller_hash
from qa_app.settings import get_settings
from qa_app.tables import Call


def subject(phone: str | None, email: str | None) -> tuple[set[str], set[str]]:
    """The keyed hashes and emails a request names; ValueError when it names nothing usable."""
    hashes = {h} if (h := caller_hash(phone, get_settings().secret_key)) else set()
    emails = {email.strip().lower()} if email and "@" in email else set()
    if bool(phone) != bool(hashes) or bool(email) != bool(emails) or not (hashes or emails):
        raise ValueError(_("give a phone number (--phone) or an email address (--email)"))
    return hashes, emails


async def find(hashes: set[str], emails: set[str]) -> dict[str, list[dict]]:
    """The resident's calls (the shell's own), then what each package holds, by kind."""
    calls = (
        await Call.select(Call.external_id.as_alias("call"), Call.offered_at)
        .where(db.among(Call.caller_hash, hashes))
        .order_by(Call.offered_at)
        .order_by(Call.id)
    )
    found = {"calls": calls}
    for holder in packages.personal_data():
        found.update(await holder.find(hashes, emails))
    return found


async def export(hashes: set[str], emails: set[str], out: Path) -> dict[str, int]:
    """A zip of everything found: personal-data.json, and the audio files under files/KIND/."""
    found = await find(hashes, emails)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind, items in found.items():
            for item in items:
                if (file := item.pop("file", None)) and Path(file).is_file():
                    archive.write(file, item.setdefault("file", f"files/{kind}/{Path(file).name}"))
        archive.writestr("personal-data.json", json.dumps(found, indent=2, default=str))
    out.chmod(0o600)
    return {kind: len(items) for kind, items in found.items()}


async def erase(hashes: set[str], emails: set[str], user_id: int | None = None) -> dict[str, int]:
    """Erase the personal content of everything found, whatever its age (the statistics stay);
    the calls are unlinked from the number last, so a failed run can simply be run again."""
    counts = {}
    for holder in reversed(packages.personal_data()):
        counts.update(await holder.erase(hashes, emails))
    async with db.write_transaction():
        unlinked = (
            await Call.update({Call.caller_hash: None}).where(db.among(Call.caller_hash, hashes)).returning(Call.id)
        )
    key, counts["calls"] = get_settings().secret_key.encode(), len(unlinked)
    ref = sorted(h[:8] for h in hashes) + [hmac.new(key, e.encode(), "sha256").hexdigest()[:8] for e in emails]
    await audit.record(user_id, "erase personal data", "resident", ",".join(ref), **counts)
    return counts


async def erase_expired(today: date | None = None) -> dict[str, int]:
    """Erase each kind of personal data older than its retention (QA_RETENTION); run daily."""
    settings, counts = get_settings(), {}
    today = today or datetime.now(settings.timezone).date()
    for holder in packages.personal_data():
        counts.update(await holder.erase_expired(today, settings.retention_days))
    if any(counts.values()):
        await audit.record(None, "erase expired personal data", "retention", today.isoformat(), **counts)
    return counts


async def erase_expired_job(ctx: dict[str, Any]) -> dict[str, int]:
    """The worker's daily run of `qa privacy erase-expired`."""
    return await erase_expired()


CRON_JOBS = [CronJob(erase_expired_job, cron="41 2 * * *")]
