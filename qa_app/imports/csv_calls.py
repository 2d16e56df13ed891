"""Calls from any CSV with a header row. The columns (names are case-insensitive; use
`--map ours=theirs` for other names):

| column | required | meaning |
|---|---|---|
| external_id | yes | the call's unique id in the phone system |
| offered_at | yes | when the call reached the queue, ISO 8601 (`2026-09-01 08:15:00`, an offset allowed; without one, the source time zone) |
| queue | | queue name |
| agent | | the agent's staff number, interface or name |
| service | | a service name from the catalogue |
| answered_at, ended_at | | ISO 8601 as offered_at |
| wait_seconds | | time to answer; computed from answered_at - offered_at when absent |
| talk_seconds | | computed from ended_at - answered_at when absent |
| hold_seconds | | time on hold during the call |
| transferred | | yes/no, true/false, 1/0 |
| disposition | | answered, abandoned or transferred; derived when absent |
| caller_number | | stored only as a keyed hash |
| recording | | the recording's path relative to QA_RECORDINGS_DIR |
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from kit import table_file
from qa_app.i18n import _
from qa_app.imports.common import CallRecord, parse_int
from qa_app.tables import Disposition

REQUIRED = ("external_id", "offered_at")
OPTIONAL = (
    "queue",
    "agent",
    "service",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "talk_seconds",
    "hold_seconds",
    "transferred",
    "disposition",
    "caller_number",
    "recording",
)
TRUE = {"1", "true", "yes", "y", "t", "ja", "j"}
FALSE = {"0", "false", "no", "n", "f", "nej", "nee", ""}


def _when(value: str, name: str, zone: ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            _("%(name)s is not an ISO 8601 time like 2026-09-01 08:15:00: %(value)r") % {"name": name, "value": value}
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(ZoneInfo("UTC")).replace(microsecond=0)


def _bool(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError(_("%(name)s is not yes/no: %(value)r") % {"name": name, "value": value})


def _seconds(value: str | None, name: str, start: datetime | None, end: datetime | None) -> int | None:
    if value:
        return parse_int(value, name)
    if start and end:
        return int((end - start).total_seconds())
    return None


def parse(handle: TextIO, source_timezone: ZoneInfo, mapping: dict[str, str]) -> Iterator[tuple[int, CallRecord | str]]:
    for line, row in table_file.rows(handle, required=REQUIRED, optional=OPTIONAL, mapping=mapping):
        if "__error__" in row:
            yield line, row["__error__"]
            continue
        try:
            yield line, _record(row, line, source_timezone)
        except ValueError as error:
            yield line, str(error)


def _record(row: dict[str, str], line: int, zone: ZoneInfo) -> CallRecord:
    offered = _when(row["offered_at"], "offered_at", zone)
    if offered is None:
        raise ValueError(_("offered_at is empty"))
    answered = _when(row.get("answered_at", ""), "answered_at", zone)
    ended = _when(row.get("ended_at", ""), "ended_at", zone)
    transferred = _bool(row.get("transferred", ""), "transferred")
    disposition = row.get("disposition", "").lower()
    if not disposition:
        disposition = (
            Disposition.transferred if transferred else Disposition.answered if answered else Disposition.abandoned
        ).value
    wait = _seconds(row.get("wait_seconds"), "wait_seconds", offered, answered or ended)
    talk = _seconds(row.get("talk_seconds"), "talk_seconds", answered, ended)
    hold = row.get("hold_seconds")
    return CallRecord(
        external_id=row["external_id"],
        offered_at=offered,
        queue=row.get("queue", ""),
        agent_ref=row.get("agent") or None,
        answered_at=answered,
        ended_at=ended,
        wait_seconds=wait or 0,
        talk_seconds=talk or 0,
        hold_seconds=parse_int(hold, "hold_seconds") if hold else None,
        transferred=transferred or disposition == Disposition.transferred.value,
        disposition=disposition,
        caller_number=row.get("caller_number") or None,
        service_ref=row.get("service") or None,
        recording=row.get("recording") or None,
        line=line,
    )
