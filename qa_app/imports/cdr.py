"""Asterisk's Master.csv CDR: no header; accountcode, src, dst, dcontext, clid, channel,
dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags,
uniqueid, userfield (newer versions may append more columns, which are ignored).

Times in Master.csv are the PBX's local time unless it logs in GMT; `source_timezone` says which.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from qa_app.i18n import _
from qa_app.imports.common import CallRecord, parse_int
from qa_app.tables import Disposition

FIELDS = 18
ANSWERED = "ANSWERED"
UNANSWERED = {"NO ANSWER", "BUSY", "FAILED", "CONGESTION"}
TRANSFER_APPS = {"transfer", "blindtransfer"}


def _when(value: str, name: str, zone: ZoneInfo) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("%(name)s is not a time like 2026-09-01 08:15:00: %(value)r") % {"name": name, "value": value}
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(ZoneInfo("UTC"))


def agent_from_channel(channel: str) -> str | None:
    """'PJSIP/1001-0000000a' -> 'PJSIP/1001'; 'Local/1001@agents-00000003;1' -> 'Local/1001@agents'."""
    channel = channel.strip().split(";", 1)[0]
    if not channel or "/" not in channel:
        return None
    return channel.rsplit("-", 1)[0] if "-" in channel.split("/", 1)[1] else channel


def parse(handle: TextIO, source_timezone: ZoneInfo) -> Iterator[tuple[int, CallRecord | str]]:
    reader = csv.reader(handle)
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        try:
            yield line, _record(row, line, source_timezone)
        except ValueError as error:
            yield line, str(error)


def _record(row: list[str], line: int, zone: ZoneInfo) -> CallRecord:
    if len(row) < FIELDS:
        raise ValueError(
            _("expected %(expected)s CDR columns (accountcode ... userfield), found %(found)s")
            % {"expected": FIELDS, "found": len(row)}
        )
    src, dst, dstchannel, lastapp = row[1], row[2], row[6], row[7]
    start = _when(row[9], "start", zone)
    answer = _when(row[10], "answer", zone)
    end = _when(row[11], "end", zone)
    duration = parse_int(row[12] or "0", "duration")
    billsec = parse_int(row[13] or "0", "billsec")
    status = row[14].strip().upper()
    uniqueid = row[16].strip()
    if start is None:
        raise ValueError(_("start is empty"))
    if status != ANSWERED and status not in UNANSWERED:
        raise ValueError(
            _("unknown disposition %(value)r (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION)") % {"value": row[14]}
        )
    answered = status == ANSWERED and answer is not None
    transferred = answered and lastapp.strip().lower() in TRANSFER_APPS
    wait = int((answer - start).total_seconds()) if answered else duration
    if answered:
        disposition = Disposition.transferred if transferred else Disposition.answered
    else:
        disposition = Disposition.abandoned
    return CallRecord(
        external_id=uniqueid,
        offered_at=start,
        queue=dst,
        agent_ref=agent_from_channel(dstchannel) if answered else None,
        answered_at=answer if answered else None,
        ended_at=end,
        wait_seconds=wait,
        talk_seconds=billsec if answered else 0,
        transferred=transferred,
        disposition=disposition.value,
        caller_number=src or None,
        line=line,
    )
