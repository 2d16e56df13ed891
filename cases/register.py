"""The case register on the database: opening a case (tracking number, due date, repeat
check), its status history, links to calls, emails and survey responses, service suggestions,
the resident's contact with its retention and erasure, and the figures. Rules are in
`qa_app/case_rules.py`, suggestions in `qa_app/case_categories.py`."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import asyncpg

from cases import case_rules, categories
from cases.tables import Case, CaseEvent, CaseLink
from kit.timeutil import kept_since
from qa_app import audit, db
from qa_app.i18n import _
from qa_app.redaction import redacted
from qa_app.settings import get_settings
from qa_app.tables import Call, Service

TRACKING_NUMBER_LOCK = 4217_2026  # the PostgreSQL advisory lock that serialises drawing numbers


class CaseError(Exception):
    pass


async def create_case(
    *,
    channel: str,
    description: str,
    service_id: int | None,
    user_id: int | None = None,
    agent_id: int | None = None,
    call_id: int | None = None,
    caller_hash: str | None = None,
    address: str = "",
    district: str = "",
    lat: float | None = None,
    lon: float | None = None,
    contact: str | None = None,
    wants_reply: bool = False,
    resolved_now: bool | None = None,
    source: str = "",
    open311_token: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Open a case; returns its row, with "redacted": how many personal numbers were taken out of
    the description (qa_app/redaction.py). `resolved_now` True closes it at once as resolved at
    first contact. The resident's `contact` is kept only when a reply will be sent to it
    (`wants_reply`), and erased QA_RETENTION `contacts` days after the case is closed."""
    if channel not in case_rules.CHANNELS:
        raise CaseError(_("a channel is one of: %(channels)s") % {"channels": ", ".join(case_rules.CHANNELS)})
    if not description.strip():
        raise CaseError(_("describe what the resident asked"))
    now = now or datetime.now(timezone.utc)
    zone = get_settings().timezone
    today = now.astimezone(zone).date()
    service = None
    if service_id is not None:
        service = await Service.select(Service.id, Service.target_days).where(Service.id == service_id).first()
        if service is None:
            raise CaseError(_("no such service in the catalogue"))
    if call_id is not None and caller_hash is None:
        row = await Call.select(Call.caller_hash, Call.agent).where(Call.id == call_id).first()
        if row is None:
            raise CaseError(_("no such call"))
        caller_hash, agent_id = row["caller_hash"], agent_id or row["agent"]
    window_start = now - timedelta(days=case_rules.REPEAT_DAYS)
    earlier = []
    if service_id is not None:
        earlier = await Case.select(Case.id, Case.service, Case.caller_hash, Case.address, Case.created_at).where(
            (Case.service == service_id) & (Case.created_at >= window_start)
        )
    repeat = case_rules.repeat_of(
        {"service": service_id, "caller_hash": caller_hash, "address": address, "created_at": now}, earlier
    )
    status = "resolved" if resolved_now else "open"
    cleaned = redacted(description.strip())
    for _attempt in range(5):  # two cases opened at the same moment may draw the same number once
        try:
            async with db.write_transaction():
                number = await _next_tracking_number(today.year)
                row = (
                    await Case.insert(
                        Case(
                            tracking_number=number,
                            channel=channel,
                            service=service_id,
                            description=cleaned.text,
                            status=status,
                            first_contact_resolution=resolved_now,
                            created_at=now,
                            updated_at=now,
                            due=case_rules.due_date(today, service["target_days"]) if service else None,
                            closed_at=now if resolved_now else None,
                            address=address.strip(),
                            district=district.strip(),
                            lat=lat,
                            lon=lon,
                            caller_hash=caller_hash,
                            contact=(contact or "").strip() or None if wants_reply else None,
                            repeat_of=repeat,
                            agent=agent_id,
                            created_by=user_id,
                            source=source,
                            open311_token=open311_token,
                        )
                    ).returning(*Case.all_columns())
                )[0]
                await CaseEvent.insert(CaseEvent(case=row["id"], at=now, user=user_id, status=status, note="opened"))
                if call_id is not None:
                    await CaseLink.insert(CaseLink(case=row["id"], kind="call", ref=call_id))
                await audit.record(user_id, "open", "case", row["id"], tracking_number=number, channel=channel)
            return {**row, "redacted": cleaned.count}
        except (sqlite3.IntegrityError, asyncpg.UniqueViolationError):  # the number was taken: draw again
            continue
    raise CaseError(_("could not draw a tracking number; try again"))


async def _next_tracking_number(year: int) -> str:
    """The year's highest number plus one (numbers are zero-padded, so the text order is the
    numeric order; a deleted case never gives its number to another). Called inside the write
    transaction: SQLite's immediate transactions already take turns; on PostgreSQL a
    transaction-scoped advisory lock makes cases opened at the same moment take turns here."""
    if not db.is_sqlite():
        await Case.raw("SELECT pg_advisory_xact_lock({})", TRACKING_NUMBER_LOCK)
    row = (
        await Case.select(Case.tracking_number)
        .where(Case.tracking_number.like(f"{year}-%"))
        .order_by(Case.tracking_number, ascending=False)
        .first()
    )
    last = int(row["tracking_number"].split("-", 1)[1]) if row else 0
    return case_rules.tracking_number(year, last + 1)


async def set_status(case_id: int, status: str, note: str, user_id: int | None) -> bool:
    """Change a case's status, with a note for its history; returns False when nothing was
    added (the same status saved again without a note). The same status with a note adds the
    note to the history and keeps when the case was closed."""
    if status not in (*case_rules.OPEN_STATUSES, *case_rules.DONE_STATUSES):
        raise CaseError(_("unknown status"))
    now = datetime.now(timezone.utc)
    async with db.write_transaction():
        case = await Case.select(Case.status, Case.contact).where(Case.id == case_id).first()
        if case is None:
            raise CaseError(_("no such case"))
        same = status == case["status"]
        if same and not note.strip():
            return False
        values: dict[Any, Any] = {Case.status: status, Case.updated_at: now}
        if status in case_rules.DONE_STATUSES and not same:
            values[Case.closed_at] = now
            if case["contact"]:
                days = get_settings().retention_days["contacts"]
                values[Case.contact_erase_after] = now.astimezone(get_settings().timezone).date() + timedelta(days)
        await Case.update(values).where(Case.id == case_id)
        await CaseEvent.insert(CaseEvent(case=case_id, at=now, user=user_id, status=status, note=note.strip()))
        await audit.record(user_id, "status", "case", case_id, status=status)
    return True


async def link(case_id: int, kind: str, ref: int, user_id: int | None = None) -> None:
    if kind not in ("call", "email", "survey"):
        raise CaseError(_("a case links to a call, an email or a survey response"))
    async with db.write_transaction():
        if not await CaseLink.exists().where(
            (CaseLink.case == case_id) & (CaseLink.kind == kind) & (CaseLink.ref == ref)
        ):
            await CaseLink.insert(CaseLink(case=case_id, kind=kind, ref=ref))
            await audit.record(user_id, "link", "case", case_id, kind=kind, ref=ref)


async def link_to_call_cases(call_id: int, kind: str, ref: int) -> int:
    """Link something about a call (a resident's survey answer) to the cases logged from that
    call; returns how many cases."""
    rows = await CaseLink.select(CaseLink.case).where((CaseLink.kind == "call") & (CaseLink.ref == call_id))
    for row in rows:
        await link(row["case"], kind, ref)
    return len(rows)


async def link_by_tracking_numbers(text: str, kind: str, ref: int) -> int:
    """Link an email to the cases whose tracking numbers it mentions (`2026-004217`)."""
    numbers = sorted(set(case_rules.TRACKING_NUMBER.findall(text)))[:20]
    if not numbers:
        return 0
    rows = await Case.select(Case.id).where(Case.tracking_number.is_in(numbers))
    for row in rows:
        await link(row["id"], kind, ref)
    return len(rows)


async def erase_contact(case_id: int, user_id: int | None) -> None:
    async with db.write_transaction():
        await Case.update({Case.contact: None, Case.contact_erase_after: None}).where(Case.id == case_id)
        await audit.record(user_id, "erase contact", "case", case_id)


async def erase_expired_contacts(today: date | None = None, days: int | None = None) -> int:
    """Erase the residents' contacts of cases closed more than `days` (QA_RETENTION `contacts`)
    days ago; returns how many. An open case keeps its contact: the reply still needs it."""
    settings = get_settings()
    today = today or datetime.now(settings.timezone).date()
    closed_before = kept_since(today, days or settings.retention_days["contacts"], get_settings().timezone)
    async with db.write_transaction():
        rows = (
            await Case.update({Case.contact: None, Case.contact_erase_after: None})
            .where(
                Case.contact.is_not_null()
                & Case.status.is_in(list(case_rules.DONE_STATUSES))
                & (Case.closed_at < closed_before)
            )
            .returning(Case.id)
        )
        if rows:
            await audit.record(None, "erase contacts", "case", "", cases=len(rows))
    return len(rows)


# Suggestions.


@lru_cache(maxsize=2)
def _model(path: str, mtime: float):
    """The trained model, loaded once per file version (`mtime` is part of the cache key)."""
    return categories.load(Path(path).parent)


def models_dir() -> Path:
    return get_settings().data_dir / "models"


async def suggest(text: str) -> categories.Suggestions:
    services = await Service.select(Service.id, Service.name, Service.keywords)
    names = {s["id"]: s["name"] for s in services}
    path = models_dir() / categories.MODEL_FILE
    if path.is_file() and text.strip():
        model = _model(str(path), path.stat().st_mtime)
        return categories.Suggestions(categories.suggest_with_model(model, text, names), "model")
    # How the suggestion was made is for `qa cases train` to tell: agents see only the suggestion.
    return categories.Suggestions(categories.suggest_by_keywords(text, services), "keywords")


async def training_data() -> tuple[list[str], list[int]]:
    rows = await Case.select(Case.description, Case.service).where(
        Case.service.is_not_null() & (Case.description != "")
    )
    return [r["description"] for r in rows], [r["service"] for r in rows]


# Reads.


async def case_rows(where=None, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """Cases, newest first (by id among those opened at the same moment, so pages never
    overlap)."""
    query = Case.select(
        Case.all_columns(),
        Case.service.name.as_alias("service_name"),
        Case.service.department.name.as_alias("department"),
        Case.agent.name.as_alias("agent_name"),
    ).order_by(Case.created_at, Case.id, ascending=False)
    if where is not None:
        query = query.where(where)
    if limit:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return await query


async def count_cases(where=None) -> int:
    query = Case.count()
    if where is not None:
        query = query.where(where)
    return await query


async def by_tracking_number(number: str) -> dict[str, Any] | None:
    """The case with exactly this tracking number (`2026-004217`), whoever handles it."""
    number = number.strip()
    if not case_rules.TRACKING_NUMBER.fullmatch(number):
        return None
    rows = await case_rows(Case.tracking_number == number, limit=1)
    return rows[0] if rows else None


async def links_of_call(call_id: int) -> list[dict[str, Any]]:
    return await CaseLink.select(
        CaseLink.case.as_alias("id"),
        CaseLink.case.tracking_number.as_alias("tracking_number"),
        CaseLink.case.status.as_alias("status"),
        CaseLink.case.service.name.as_alias("service_name"),
    ).where((CaseLink.kind == "call") & (CaseLink.ref == call_id))
