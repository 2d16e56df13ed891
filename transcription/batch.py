"""Transcribing the pending recordings: here with worker processes or threads
(transcription/pool.py), or as jobs on the shared SAQ queue for `qa worker`s on other machines.

Each call has at most one transcription row (unique), so nothing is ever transcribed twice into
two rows. A process claims a row by turning it from pending to running under its own name
(host:pid); only the claim holder can save the result. A process killed at any moment leaves
its rows running; the next run gives rows of dead processes (or of claims older than the lease)
back to pending, so nothing is lost either.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from kit import redaction
from kit.timeutil import month_range
from qa_app import db, packages
from qa_app.settings import get_settings
from qa_app.tables import Call
from transcription.audio import AudioError, decode
from transcription.engine import Engine
from transcription.metrics import talk_metrics
from transcription.model import queue_models
from transcription.pool import Transcriber, default_workers
from transcription.redact_audio import redact_audio, spans_for_redactions
from transcription.tables import Status, Transcription

log = logging.getLogger("qa.transcription")

LEASE = timedelta(minutes=30)  # a claim this old is given back, whoever holds it


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive_here(claimed_by: str) -> bool:
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's process: only the lease can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def sampled_calls(month: date | None = None) -> list[int]:
    """The calls in the monthly QA sample (active picks), of one month or all."""
    sql = 'SELECT a."call" FROM "assignment" a JOIN "sample" s ON s."id" = a."sample" WHERE a."status" = \'active\''
    args: list = []
    if month is not None:
        sql += ' AND s."month" = {}'
        args.append(month.strftime("%Y-%m"))
    return [r["call"] for r in await Call.raw(sql, *args)]


async def add_pending(month: date | None = None, only_calls: list[int] | None = None) -> int:
    """A pending row for every call with a recording and no transcription yet (of `only_calls`
    when given: the sampled ones)."""
    where = 'c."recording_path" IS NOT NULL AND t."id" IS NULL'
    if only_calls is not None:
        where += " AND " + db.sql_in('c."id"', only_calls)
    args: list = []
    if month is not None:
        start, end = month_range(month, get_settings().timezone)
        where += ' AND c."offered_at" >= {} AND c."offered_at" < {}'
        args += [start, end]
    rows = await Call.raw(
        f'SELECT c."id" FROM "call" c LEFT JOIN "transcription" t ON t."call" = c."id" WHERE {where} ORDER BY c."id"',
        *args,
    )
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), 500):
        await Transcription.insert(*[Transcription(call=i) for i in ids[start : start + 500]]).on_conflict(
            action="DO NOTHING"
        )
    return len(ids)


async def recover_abandoned() -> int:
    """Give back rows claimed by processes that died, or whose claim outlived the lease."""
    cutoff = datetime.now(timezone.utc) - LEASE
    running = await Transcription.select(Transcription.id, Transcription.claimed_by, Transcription.claimed_at).where(
        Transcription.status == Status.running
    )
    stale = [
        r["id"] for r in running if not _alive_here(r["claimed_by"]) or (r["claimed_at"] and r["claimed_at"] < cutoff)
    ]
    if stale:
        await Transcription.update({Transcription.status: Status.pending, Transcription.claimed_by: ""}).where(
            Transcription.id.is_in(stale) & (Transcription.status == Status.running)
        )
    return len(stale)


async def claim(me: str, transcription_id: int | None = None, only_calls: list[int] | None = None) -> dict | None:
    """Take one pending row (or the given one) for `me`; None when there is none left.
    Two processes may pick the same row; the guarded update lets one win, the other tries again."""
    while True:
        found, taken = await _try_claim(me, transcription_id, only_calls)
        if not found:
            return None
        if taken is not None:
            return taken
        if transcription_id is not None:
            return None  # someone else holds that very row


PRIORITY = (
    """CASE WHEN EXISTS (SELECT 1 FROM "assignment" a WHERE a."call" = t."call" AND a."status" = 'active') """
    'THEN 0 ELSE 1 END, c."offered_at" DESC, t."id"'
)


async def pending_in_order(
    only_calls: list[int] | None = None, transcription_id: int | None = None, limit: int | None = None
) -> list[int]:
    """Pending transcriptions in the order they are taken: the QA sample's calls first (markers
    are waiting for them), then the newest calls first."""
    where = "t.\"status\" = 'pending'"
    if only_calls is not None:
        where += " AND " + db.sql_in('t."call"', only_calls)
    if transcription_id is not None:
        where += f' AND t."id" = {int(transcription_id)}'
    sql = f'SELECT t."id" FROM "transcription" t JOIN "call" c ON c."id" = t."call" WHERE {where} ORDER BY {PRIORITY}'
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [r["id"] for r in await Transcription.raw(sql)]


async def _try_claim(me: str, transcription_id: int | None, only_calls: list[int] | None) -> tuple[bool, dict | None]:
    async with db.write_transaction():
        first = await pending_in_order(only_calls, transcription_id, limit=1)
        row = {"id": first[0]} if first else None
        if row is None:
            return False, None
        taken = await (
            Transcription.update(
                {
                    Transcription.status: Status.running,
                    Transcription.claimed_by: me,
                    Transcription.claimed_at: datetime.now(timezone.utc),
                    Transcription.attempts: Transcription.attempts + 1,
                }
            )
            .where((Transcription.id == row["id"]) & (Transcription.status == Status.pending))
            .returning(Transcription.id, Transcription.call)
        )
    if not taken:
        return True, None
    call = await Call.select(Call.recording_path, Call.queue).where(Call.id == taken[0]["call"]).first()
    return True, {
        "id": taken[0]["id"],
        "call": taken[0]["call"],
        "recording_path": call["recording_path"],
        "queue": call["queue"],
    }


def transcribe_recording(engine: Engine, path: Path, agent_channel: int) -> dict:
    """Runs in a worker (a process or a thread): the transcript and its measures, or the reason
    it failed."""
    try:
        audio = decode(path, engine.sample_rate)
    except AudioError as error:
        return {"failed": str(error)}
    transcript = engine.transcribe_audio(audio, agent_channel)
    result = {
        "transcript": transcript.as_json(),
        "text": transcript.text,
        "duration": audio.duration,
        "metrics": talk_metrics(transcript).as_json(),
    }
    return redact_result(result, path, agent_channel, len(audio.channels))


def redact_result(result: dict, path: Path, agent_channel: int, channels: int) -> dict:
    """Personal numbers out before anything is stored (QA_REDACT_MODE, kit/redaction.py): the
    transcript's words become "[personal number]"..., each redaction keeps its kind, time span
    and speaker, and the recording is silenced over the same spans in place (the original is not
    kept). In test mode the transcript only records what would have been taken out."""
    settings = get_settings()
    if settings.redact_mode == "off" or "failed" in result:
        return result
    if settings.redact_mode == "test":
        found = redaction.find_in_transcript(result["transcript"], settings.redaction)
        return {**result, "transcript": {**result["transcript"], "would_redact": found}}
    redacted, found = redaction.redact_transcript(result["transcript"], settings.redaction)
    if found:
        try:
            redact_audio(path, spans_for_redactions(found, agent_channel=agent_channel, channels=channels))
        except Exception as error:  # the text is safe; an unwritable recording must not keep it back
            log.warning("the recording of %s could not be silenced: %s", path.name, type(error).__name__)
    redacted["redactions"] = found
    return {**result, "transcript": redacted, "text": redacted["text"]}


async def save(me: str, transcription_id: int, result: dict, model_name: str) -> bool:
    """Store the result if `me` still holds the claim; False when the claim was taken back."""
    now = datetime.now(timezone.utc)
    if "failed" in result:
        values = {
            Transcription.status: Status.failed,
            Transcription.reason: result["failed"],
            Transcription.finished_at: now,
        }
    else:
        values = {
            Transcription.status: Status.done,
            Transcription.reason: "",
            Transcription.transcript: result["transcript"],
            Transcription.text: result["text"],
            Transcription.duration: result["duration"],
            Transcription.metrics: result["metrics"],
            Transcription.model: model_name,
            Transcription.finished_at: now,
        }
    # The transcript and what the packages derive from it (its search index entry, automatic
    # answers and flags) land together, in one commit: a reader never sees one without the
    # other, and indexing costs its statements only, not a transaction of its own (on SQLite
    # that halved the time a finished transcript takes to store, issue 16).
    async with db.write_transaction():
        updated = await (
            Transcription.update(values)
            .where(
                (Transcription.id == transcription_id)
                & (Transcription.claimed_by == me)
                & (Transcription.status == Status.running)
            )
            .returning(Transcription.id, Transcription.call)
        )
        if updated and "failed" not in result:
            await packages.calls_changed([updated[0]["call"]])
    return bool(updated)


@dataclass
class BatchSummary:
    done: int = 0
    failed: int = 0
    recovered: int = 0
    added: int = 0
    workers: str = ""  # what decoded them: "2 worker processes, one model each"


async def run_batch(
    *,
    month: date | None = None,
    workers: int | None = None,
    kind: str = "auto",
    engine: Engine | None = None,
    model: str | Path | None = None,
    on_start: Callable[[str], None] | None = None,
    on_finished: Callable[[int, int], None] | None = None,
    agent_channel: int | None = None,
    sampled: bool = False,
) -> BatchSummary:
    """Transcribe every pending recording here (only the monthly sample's calls when
    `sampled`), `workers` at a time (default one per core) in worker processes or threads
    (`kind`, transcription/pool.py; threads sharing `engine` when one is given); returns what
    happened. `on_start` is told which workers were started ("2 worker processes, one model each",
    in the command's language)."""
    summary = BatchSummary()
    summary.recovered = await recover_abandoned()
    only = await sampled_calls(month) if sampled else None
    summary.added = await add_pending(month, only)
    pending = Transcription.count().where(Transcription.status == Status.pending)
    if only is not None:
        pending = pending.where(Transcription.call.is_in(only or [-1]))
    total = await pending
    workers = workers or default_workers()
    transcriber = await asyncio.to_thread(Transcriber, workers, kind, model=model, engine=engine)
    summary.workers = transcriber.describe()
    if on_start:
        on_start(transcriber.say())
    me = worker_name()
    root = get_settings().recordings_dir
    channel = get_settings().agent_channel if agent_channel is None else agent_channel
    finished = 0

    async def work() -> None:
        nonlocal finished
        while (job := await claim(me, only_calls=only)) is not None:
            path = root / (job["recording_path"] or "")
            result = await asyncio.wrap_future(
                transcriber.submit(transcribe_recording, path, channel, queue=job["queue"])
            )
            if await save(me, job["id"], result, transcriber.model_name_for(job["queue"])):
                if "failed" in result:
                    summary.failed += 1
                else:
                    summary.done += 1
            finished += 1
            if on_finished:
                on_finished(finished, total)

    try:
        await asyncio.gather(*(work() for _ in range(workers)))
    finally:
        await asyncio.to_thread(transcriber.close)
    return summary


# In `qa worker`: an engine per model folder, each loaded the first time a job needs it (the
# default model, or a queue's own: QA_VOSK_MODELS).
_engines: dict[str, Engine] = {}


async def _engine_for(queue: str) -> Engine:
    settings = get_settings()
    own = settings.vosk_models.get(queue)
    key = own or settings.vosk_model or ""
    if key not in _engines:
        model = queue_models()[queue] if own else None  # a folder that is no model: an error naming its queue
        _engines[key] = await asyncio.get_running_loop().run_in_executor(None, Engine.for_calls, model)
    return _engines[key]


async def transcribe_job(ctx: dict, transcription_id: int) -> str:
    """The SAQ job `qa worker` runs: one recording, claimed like the in-process batch does."""
    me = worker_name()
    call = await Transcription.select(Transcription.call.queue.as_alias("queue")).where(
        Transcription.id == transcription_id
    )
    if not call:
        return "not pending"
    engine = await _engine_for(call[0]["queue"])  # before the claim: a missing model claims nothing
    job = await claim(me, transcription_id)
    if job is None:
        return "not pending"
    path = get_settings().recordings_dir / (job["recording_path"] or "")
    channel = get_settings().agent_channel
    result = await asyncio.get_running_loop().run_in_executor(None, transcribe_recording, engine, path, channel)
    await save(me, job["id"], result, engine.info.name)
    return "failed" if "failed" in result else "done"


async def enqueue_pending(month: date | None = None, sampled: bool = False) -> int:
    """With a shared queue: one SAQ job per pending recording, for `qa worker`s to take."""
    from qa_app.jobs import queue

    await recover_abandoned()
    only = await sampled_calls(month) if sampled else None
    await add_pending(month, only)
    pending = await pending_in_order(only)
    shared = queue()
    await shared.connect()
    try:
        for transcription_id in pending:
            # The key makes a second `qa transcribe` before the workers finish add nothing.
            await shared.enqueue(
                "transcribe_job", transcription_id=transcription_id, key=f"transcribe-{transcription_id}", timeout=3600
            )
    finally:
        await shared.disconnect()
    return len(pending)
