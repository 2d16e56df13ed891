"""Running an import: one file, one transaction.

All-or-nothing by default: a bad row means the transaction is rolled back, and the file is still
read to the end so that every bad row is reported with its line. With `skip_invalid` the good
rows are kept and the bad ones reported. Files are streamed, never loaded whole.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kit import table_file
from kit.table_file import ImportError_
from qa_app import db, packages
from qa_app.i18n import _
from qa_app.imports import prepare
from qa_app.imports.common import CallStore, ImportSummary, RecordingIndex, parse_int, to_date
from qa_app.settings import get_settings
from qa_app.tables import Agent, Attendance, Call, ImportRun

FORMATS = ("csv", "asterisk-queue-log", "asterisk-cdr")

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


class _Rollback(Exception):
    pass


def _require_file(path: Path) -> int:
    """The file's size; a clear error when there is no such file."""
    if not path.is_file():
        raise ImportError_(_("%(path)s is not a file") % {"path": path})
    return path.stat().st_size


async def import_calls(
    path: Path,
    fmt: str,
    *,
    skip_invalid: bool = False,
    create_agents: bool = False,
    recordings_dir: Path | None = None,
    mapping: list[str] | tuple[str, ...] = (),
    source_timezone: str | None = None,
    progress: Progress | None = None,
    user_id: int | None = None,
) -> ImportSummary:
    if fmt not in FORMATS:
        raise ImportError_(
            _("unknown format %(format)r; use one of %(formats)s") % {"format": fmt, "formats": ", ".join(FORMATS)}
        )
    settings = get_settings()
    zone = ZoneInfo(source_timezone) if source_timezone else settings.timezone
    column_map = table_file.parse_mapping(mapping)
    recordings = RecordingIndex(recordings_dir, settings.recordings_dir) if recordings_dir else None
    summary = ImportSummary(file=str(path), format=fmt, database=db.describe(db.current_engine()))
    total = _require_file(path)
    try:
        async with db.write_transaction() as tx:
            store = CallStore(tx, summary)
            lookups = await store.lookups(
                secret_key=settings.secret_key, source=fmt, create_agents=create_agents, recordings=recordings
            )
            await db.tune_for_bulk_writes(tx)
            for batch in prepare.prepared_batches(path, fmt, zone.key, column_map, lookups):
                summary.read += batch.read
                summary.incomplete = batch.incomplete
                for line, reason in batch.errors:
                    summary.reject(line, reason)
                # All or nothing: after a bad row, read on to report every bad row, write nothing.
                if skip_invalid or not summary.rejected:
                    await store.write(batch.rows, batch.new_agents)
                if progress:
                    progress(batch.bytes_done, total)
            if summary.rejected and not skip_invalid:
                raise _Rollback
            inserted = await ImportRun.insert(
                ImportRun(kind=f"calls:{fmt}", file_name=path.name, summary=_stored(summary), user=user_id)
            ).returning(ImportRun.id)
            summary.run_id = inserted[0]["id"]
            summary.committed = True
    except _Rollback:
        summary.created = summary.updated = summary.unchanged = 0
        summary.agents_created = []
        return summary
    await packages.calls_changed(await _call_ids(store.written))
    return summary


async def _call_ids(external_ids: list[str]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(external_ids), 900):
        chunk = external_ids[start : start + 900]
        ids.extend(r["id"] for r in await Call.select(Call.id).where(Call.external_id.is_in(chunk)))
    return ids


def _stored(summary: ImportSummary) -> dict[str, Any]:
    data = summary.as_json()
    data["errors"] = data["errors"][:50]
    return data


def attendance_upsert_sql() -> str:
    marks = ", ".join(db.placeholders(db.current_engine(), 6))
    return (
        'INSERT INTO "attendance" ("agent", "day", "scheduled_minutes", "worked_minutes", "absence", "minutes_late") '
        f'VALUES ({marks}) ON CONFLICT ("agent", "day") DO UPDATE SET '
        '"scheduled_minutes" = excluded."scheduled_minutes", "worked_minutes" = excluded."worked_minutes", '
        '"absence" = excluded."absence", "minutes_late" = excluded."minutes_late"'
    )


async def _existing_attendance(rows: dict[tuple[int, date], tuple]) -> dict[tuple[int, date], tuple]:
    """The stored days of the file's agents within the file's dates: what the file may update."""
    if not rows:
        return {}
    days = [day for _agent, day in rows]
    stored = await Attendance.select(
        Attendance.agent,
        Attendance.day,
        Attendance.scheduled_minutes,
        Attendance.worked_minutes,
        Attendance.absence,
        Attendance.minutes_late,
    ).where(
        Attendance.agent.is_in(sorted({agent for agent, _day in rows}))
        & (Attendance.day >= min(days))
        & (Attendance.day <= max(days))
    )
    return {
        (r["agent"], r["day"]): (r["scheduled_minutes"], r["worked_minutes"], r["absence"], r["minutes_late"])
        for r in stored
    }


ATTENDANCE_REQUIRED = ("staff_number", "date", "scheduled_minutes", "worked_minutes")
ATTENDANCE_OPTIONAL = ("absence", "minutes_late")
MINUTES_IN_DAY = 24 * 60


def _attendance_row(row: dict[str, str]) -> tuple[str, Any, int, int, str, int]:
    day = to_date(row["date"])
    values = []
    for name in ("scheduled_minutes", "worked_minutes", "minutes_late"):
        value = parse_int(row.get(name) or "0", name)
        if not 0 <= value <= MINUTES_IN_DAY:
            raise ValueError(
                _("%(name)s must be between 0 and %(most)s (got %(value)s)")
                % {"name": name, "most": MINUTES_IN_DAY, "value": value}
            )
        values.append(value)
    scheduled, worked, late = values
    absence = row.get("absence", "").strip().lower()
    if len(absence) > 50:
        raise ValueError(_("absence is longer than 50 characters"))
    return row["staff_number"], day, scheduled, worked, absence, late


async def import_attendance(
    path: Path,
    *,
    skip_invalid: bool = False,
    mapping: list[str] | tuple[str, ...] = (),
    progress: Progress | None = None,
    user_id: int | None = None,
) -> ImportSummary:
    """The rota's record per agent per day: `staff_number, date, scheduled_minutes,
    worked_minutes[, absence][, minutes_late]`. One row per agent and day; re-import updates it."""
    column_map = table_file.parse_mapping(mapping)
    summary = ImportSummary(file=str(path), format="attendance", database=db.describe(db.current_engine()))
    total = _require_file(path)
    sql = attendance_upsert_sql()
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as text:
        try:
            async with db.write_transaction() as tx:
                agents = {r["staff_number"].lower(): r["id"] for r in await Agent.select(Agent.id, Agent.staff_number)}
                rows: dict[tuple[int, date], tuple] = {}  # a day given twice in the file: the last row counts
                for line, row in table_file.rows(
                    text, required=ATTENDANCE_REQUIRED, optional=ATTENDANCE_OPTIONAL, mapping=column_map
                ):
                    summary.read += 1
                    try:
                        if "__error__" in row:
                            raise ValueError(row["__error__"])
                        staff, day, scheduled, worked, absence, late = _attendance_row(row)
                        agent = agents.get(staff.lower())
                        if agent is None:
                            raise ValueError(_("unknown staff number %(staff)r") % {"staff": staff})
                    except ValueError as error:
                        summary.reject(line, str(error))
                        continue
                    rows[(agent, day)] = (agent, day, scheduled, worked, absence, late)
                existing = await _existing_attendance(rows)
                changed = []
                for key, values in rows.items():
                    if key not in existing:
                        summary.created += 1
                    elif existing[key] == values[2:]:
                        summary.unchanged += 1
                        continue
                    else:
                        summary.updated += 1
                    changed.append(values)
                if summary.rejected and not skip_invalid:
                    raise _Rollback
                await db.executemany(tx, sql, changed)
                inserted = await ImportRun.insert(
                    ImportRun(kind="attendance", file_name=path.name, summary=_stored(summary), user=user_id)
                ).returning(ImportRun.id)
                summary.run_id = inserted[0]["id"]
                summary.committed = True
        except _Rollback:
            summary.created = summary.updated = summary.unchanged = 0
    if progress:
        progress(total, total)
    return summary
