"""Turning a file into rows ready to store, without touching the database.

Parsing and preparing a call (checks, known agent and service ids, the caller's keyed hash,
canonical UTC times, the fingerprint) is pure work over plain data; `common.CallStore` does the
writing. Files are read as a stream of batches, so memory stays flat whatever their size.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from qa_app.i18n import _
from qa_app.imports import cdr, csv_calls, queue_log
from qa_app.imports.common import BATCH_SIZE, CallRecord, check_record, fingerprint, staff_number_from_ref, utc_text
from qa_app.security import CallerHasher


@dataclass
class Lookups:
    """What preparing needs from the database, as plain (picklable) data."""

    agents: dict[str, int]  # lower-cased interface, staff number or name -> agent id
    services: dict[str, int]  # lower-cased service name -> id
    secret_key: str
    source: str
    create_agents: bool = False
    recordings: dict[str, str] | None = None  # call id -> path relative to QA_RECORDINGS_DIR


@dataclass
class Batch:
    rows: list[tuple] = field(default_factory=list)  # in the order of `common.COLUMNS`
    new_agents: dict[int, str] = field(default_factory=dict)  # row index -> agent to create first
    errors: list[tuple[int, str]] = field(default_factory=list)
    read: int = 0
    bytes_done: int = 0
    incomplete: int = 0


class Preparer:
    """Rows in the order of `common.COLUMNS`; with --create-agents, an agent the database does
    not know yet is returned beside the row, to be created by the store."""

    def __init__(self, lookups: Lookups):
        self.lookups = lookups
        self.hasher = CallerHasher(lookups.secret_key)
        self.agent_cache: dict[str, int | None] = {}

    def agent(self, ref: str) -> int | None:
        if ref not in self.agent_cache:
            agents = self.lookups.agents
            self.agent_cache[ref] = agents.get(ref.lower()) or agents.get(staff_number_from_ref(ref).lower())
        return self.agent_cache[ref]

    def prepare(self, record: CallRecord) -> tuple[tuple, str | None] | str:
        """(the row to store, an agent to create or None), or the reason the record is rejected."""
        reason = check_record(record)
        if reason is not None:
            return reason
        agent = pending_agent = None
        if record.agent_ref:
            agent = self.agent(record.agent_ref)
            if agent is None:
                if not self.lookups.create_agents:
                    return _(
                        "unknown agent %(agent)r: add the agent with that interface or staff number, "
                        "or import with --create-agents"
                    ) % {"agent": record.agent_ref}
                pending_agent = record.agent_ref
        service = None
        if record.service_ref:
            service = self.lookups.services.get(record.service_ref.lower())
            if service is None:
                return _("unknown service %(service)r: it is not in the service catalogue") % {
                    "service": record.service_ref
                }
        recording = record.recording
        if recording is None and self.lookups.recordings is not None:
            recording = self.lookups.recordings.get(record.external_id)
        times = (utc_text(record.offered_at), utc_text(record.answered_at), utc_text(record.ended_at))
        caller = self.hasher(record.caller_number)
        values = (
            record.external_id,
            record.queue,
            agent,
            service,
            *times,
            record.wait_seconds,
            record.talk_seconds,
            record.hold_seconds,
            record.transferred,
            record.disposition,
            caller,
            recording,
            self.lookups.source,
        )
        return (*values, fingerprint(values, record.agent_ref)), pending_agent


def _add(batch: Batch, row: tuple, new_agent: str | None) -> None:
    if new_agent is not None:
        batch.new_agents[len(batch.rows)] = new_agent
    batch.rows.append(row)


def _records(
    handle: io.BufferedReader, fmt: str, zone: ZoneInfo, mapping: dict[str, str], parser: Any
) -> Iterator[tuple[int, CallRecord | str]]:
    if fmt == "asterisk-queue-log":
        return parser.parse(handle)
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="")
    if fmt == "asterisk-cdr":
        return cdr.parse(text, zone)
    return csv_calls.parse(text, zone, mapping)


def prepared_batches(
    path: Path, fmt: str, zone_name: str, mapping: dict[str, str], lookups: Lookups
) -> Iterator[Batch]:
    """The file as batches of prepared rows and rejected lines, in file order."""
    preparer = Preparer(lookups)
    parser = queue_log.QueueLogParser() if fmt == "asterisk-queue-log" else None
    with open(path, "rb") as handle:
        batch = Batch()
        for line, item in _records(handle, fmt, ZoneInfo(zone_name), mapping, parser):
            batch.read += 1
            if not isinstance(item, str):
                item = preparer.prepare(item)
            if isinstance(item, str):
                batch.errors.append((line, item))
            else:
                _add(batch, *item)
            if len(batch.rows) >= BATCH_SIZE:
                batch.bytes_done = handle.tell()
                yield batch
                batch = Batch()
        batch.bytes_done = path.stat().st_size
        batch.incomplete = parser.incomplete if parser is not None else 0
        yield batch


def records_batches(records: Iterator[CallRecord], lookups: Lookups) -> Iterator[Batch]:
    """The same for records made in memory (the demo centre)."""
    preparer = Preparer(lookups)
    batch = Batch()
    for record in records:
        batch.read += 1
        item = preparer.prepare(record)
        if isinstance(item, str):
            batch.errors.append((record.line, item))
        else:
            _add(batch, *item)
        if len(batch.rows) >= BATCH_SIZE:
            yield batch
            batch = Batch()
    yield batch
