"""What every call import shares: the parsed record, the summary, the recording index and the
batched writer that upserts calls by external id."""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from qa_app import db
from qa_app.i18n import _
from qa_app.settings import ConfigError
from qa_app.tables import Agent, Disposition, Service

MAX_REPORTED_ERRORS = 1000
BATCH_SIZE = 5000


@dataclass(slots=True)
class CallRecord:
    external_id: str
    offered_at: datetime
    queue: str = ""
    agent_ref: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wait_seconds: int = 0
    talk_seconds: int = 0
    hold_seconds: int | None = None
    transferred: bool = False
    disposition: str = Disposition.answered.value
    caller_number: str | None = None
    service_ref: str | None = None
    recording: str | None = None
    line: int = 0


def check_record(record: CallRecord) -> str | None:
    """The rules every source must satisfy; a reason when broken."""
    if not record.external_id:
        return _("the call has no id")
    if len(record.external_id) > 100:
        return _("the call id is longer than 100 characters")
    for name in ("wait_seconds", "talk_seconds", "hold_seconds"):
        value = getattr(record, name)
        if value is not None and value < 0:
            return _("%(name)s is negative (%(value)s)") % {"name": name, "value": value}
    if record.answered_at and record.answered_at < record.offered_at:
        return _("answered before it was offered")
    if record.ended_at and record.ended_at < (record.answered_at or record.offered_at):
        return _("ended before it was answered or offered")
    if record.disposition not in Disposition._value2member_map_:
        return _("unknown disposition %(value)r (answered, abandoned or transferred)") % {"value": record.disposition}
    if record.recording is not None and not inside_recordings(record.recording):
        return _("the recording %(path)r is not a path inside QA_RECORDINGS_DIR (relative, without ..)") % {
            "path": record.recording[:80]
        }
    return None


def inside_recordings(path: str) -> bool:
    """A recording path as stored: relative to QA_RECORDINGS_DIR and never leaving it."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    return 0 < len(path) <= 500 and not path.startswith(("/", "\\")) and ".." not in parts and ":" not in path


@dataclass
class ImportSummary:
    file: str
    format: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    incomplete: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_truncated: bool = False
    committed: bool = False
    agents_created: list[str] = field(default_factory=list)
    database: str = ""
    run_id: int | None = None  # the ImportRun recorded for a committed import

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"line": line, "reason": reason})
        else:
            self.errors_truncated = True

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def headline(self) -> str:
        if self.committed:
            text = _(
                "%(read)s read, %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected"
            ) % {
                "read": self.read,
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": self.rejected,
            }
            if self.incomplete:
                text += ", " + _("%(num)s unfinished at the end of the file (not imported)") % {"num": self.incomplete}
            return text
        first = self.errors[0] if self.errors else {"line": 0, "reason": "?"}
        return _(
            "nothing imported: %(rejected)s bad row(s), the first on line %(line)s: "
            "%(reason)s (fix the file, or import the rest with --skip-invalid)"
        ) % {"rejected": self.rejected, "line": first["line"], "reason": first["reason"]}


AUDIO_SUFFIXES = {".wav", ".mp3", ".gsm", ".ogg", ".opus", ".oga", ".flac", ".wav49", ".sln", ".ulaw", ".alaw", ".m4a"}


class RecordingIndex:
    """Recording files under a folder, found by the call's unique id.

    A file matches a call when its name without extension is the id ("1693526400.17.wav") or ends
    with "-<id>" / "_<id>" as call recorders name them ("q-support-20260901-1693526400.17.wav").
    Paths are stored relative to QA_RECORDINGS_DIR, so the folder must lie inside it.
    """

    def __init__(self, folder: Path, recordings_root: Path):
        folder = folder.resolve()
        root = recordings_root.resolve()
        if not folder.is_dir():
            raise ConfigError(f"--recordings {folder} is not a folder")
        if folder != root and root not in folder.parents:
            raise ConfigError(
                f"--recordings {folder} must lie inside QA_RECORDINGS_DIR ({root}); recording paths are stored relative to it"
            )
        self.by_id: dict[str, str] = {}
        for dirpath, _dirs, files in os.walk(folder):
            for name in files:
                path = Path(dirpath, name)
                if path.suffix.lower() not in AUDIO_SUFFIXES:
                    continue
                relative = str(path.relative_to(root))
                stem = path.name[: -len(path.suffix)]
                self.by_id.setdefault(stem, relative)
                for separator in ("-", "_"):
                    if separator in stem:
                        self.by_id.setdefault(stem.rsplit(separator, 1)[1], relative)


# The columns a call import writes, in the order of the prepared rows.
COLUMNS = tuple(
    "external_id queue agent service offered_at answered_at ended_at wait_seconds talk_seconds hold_seconds "
    "transferred disposition caller_hash recording_path source fingerprint".split()
)
# A re-import never erases what was added since: a service set on the call page, a recording.
KEEP_EXISTING = {"service", "recording_path"}


UPSERT_HEAD = 'INSERT INTO "call" (' + ", ".join(f'"{c}"' for c in COLUMNS) + ")"
UPSERT_TAIL = 'ON CONFLICT ("external_id") DO UPDATE SET ' + ", ".join(
    f'"{c}" = COALESCE(excluded."{c}", "call"."{c}")' if c in KEEP_EXISTING else f'"{c}" = excluded."{c}"'
    for c in COLUMNS
    if c != "external_id"
)


_TIMES_OF_DAY = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00:00" for s in range(86400)]
_EPOCH_DAY = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=4096)
def _day_prefix(day_number: int) -> str:
    return date.fromordinal(_EPOCH_DAY + day_number).isoformat() + " "


def utc_text(value: datetime | None) -> str | None:
    """The text Piccolo's SQLite adapter stores for a time (`str()` of it in UTC); whole
    seconds, the usual case, come from two table look-ups rather than formatting."""
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    if value.microsecond:
        return str(value)
    stamp = int(value.timestamp())
    return _day_prefix(stamp // 86400) + _TIMES_OF_DAY[stamp % 86400]


def fingerprint(values: tuple, agent_ref: str | None) -> str:
    """A digest of what the source says about the call (times as canonical UTC text; the agent
    as the source names it; not the recording, which is compared on its own): equal digests
    mean a re-imported row changes nothing."""
    parts = (*values[:2], agent_ref, *values[3:10], int(values[10]), *values[11:13])
    text = "|".join(map(str, parts))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def staff_number_from_ref(ref: str) -> str:
    """'PJSIP/1001' -> '1001'; 'Agent/1001' -> '1001'; a plain name stays as it is."""
    return ref.rsplit("/", 1)[-1].split("@", 1)[0] if "/" in ref else ref


class CallStore:
    """Writes prepared rows (see `prepare.Preparer`) inside the caller's transaction: creates
    agents the file names when asked to, and upserts calls by external id, counting created,
    updated and unchanged calls in the summary."""

    def __init__(self, tx: Any, summary: ImportSummary):
        self.tx = tx
        self.summary = summary
        # SQLite takes the times as the text Piccolo stores; asyncpg wants datetimes.
        self.sqlite = db.is_sqlite(db.current_engine())
        self.agent_keys: dict[str, int] = {}
        self.created_agents: dict[str, int] = {}
        self.written: list[str] = []  # external ids of the calls created or changed

    async def lookups(
        self, *, secret_key: str, source: str, create_agents: bool = False, recordings: RecordingIndex | None = None
    ) -> Any:
        from qa_app.imports.prepare import Lookups

        for row in await Agent.select(Agent.id, Agent.staff_number, Agent.name, Agent.interface):
            for key in (row["interface"], row["staff_number"], row["name"]):
                if key:
                    self.agent_keys.setdefault(key.lower(), row["id"])
        services = {row["name"].lower(): row["id"] for row in await Service.select(Service.id, Service.name)}
        return Lookups(
            agents=dict(self.agent_keys),
            services=services,
            secret_key=secret_key,
            source=source,
            create_agents=create_agents,
            recordings=recordings.by_id if recordings else None,
        )

    async def _agent_for(self, ref: str, offered: str) -> int:
        if ref in self.created_agents:
            return self.created_agents[ref]
        staff_number = staff_number_from_ref(ref)
        if staff_number.lower() in self.agent_keys:
            staff_number = ref
        rows = await Agent.insert(
            Agent(
                staff_number=staff_number,
                name=ref,
                interface=ref if "/" in ref else None,
                active_from=date.fromisoformat(offered[:10]),
            )
        ).returning(Agent.id)
        agent = self.created_agents[ref] = self.agent_keys[staff_number.lower()] = rows[0]["id"]
        self.summary.agents_created.append(ref)
        return agent

    async def write(self, prepared: list[tuple], new_agents: dict[int, str] | None = None) -> None:
        """Store rows in the order of COLUMNS; `new_agents` maps a row's index to an agent to
        create first (--create-agents)."""
        for index, ref in (new_agents or {}).items():
            row = prepared[index]
            prepared[index] = (*row[:2], await self._agent_for(ref, row[4]), *row[3:])
        if not self.sqlite:
            prepared = [(*r[:4], *(datetime.fromisoformat(t) if t else None for t in r[4:7]), *r[7:]) for r in prepared]
        batch = {row[0]: row for row in prepared}  # a call repeated in a file: its last row wins
        if not batch:
            return
        existing = await self._existing(list(batch))
        rows = []
        for external_id, values in batch.items():
            if external_id not in existing:
                self.summary.created += 1
                rows.append(values)
                continue
            old_fingerprint, old_recording = existing[external_id]
            new_recording = values[13]
            if old_fingerprint == values[-1] and (new_recording is None or new_recording == old_recording):
                self.summary.unchanged += 1
            else:
                self.summary.updated += 1
                rows.append(values)
        await db.insert_many(self.tx, UPSERT_HEAD, UPSERT_TAIL, rows)
        self.written.extend(row[0] for row in rows)

    async def _existing(self, ids: list[str]) -> dict[str, tuple[str, str | None]]:
        found: dict[str, tuple[str, str | None]] = {}
        if self.sqlite:
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                marks = ",".join("?" * len(chunk))
                sql = f'SELECT external_id, fingerprint, recording_path FROM "call" WHERE external_id IN ({marks})'
                for external_id, fingerprint_, recording in await db.fetch(self.tx, sql, chunk):
                    found[external_id] = (fingerprint_, recording)
        else:
            sql = 'SELECT external_id, fingerprint, recording_path FROM "call" WHERE external_id = ANY($1::varchar[])'
            for external_id, fingerprint_, recording in await db.fetch(self.tx, sql, [ids]):
                found[external_id] = (fingerprint_, recording)
        return found


def parse_int(value: str, name: str) -> int:
    try:
        number = float(value) if "." in value else int(value)
    except ValueError:
        raise ValueError(_("%(name)s is not a number: %(value)r") % {"name": name, "value": value}) from None
    return int(round(number))


def to_date(value: str, name: str = "date") -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            _("%(name)s is not a date like 2026-09-01: %(value)r") % {"name": name, "value": value}
        ) from None
