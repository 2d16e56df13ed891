"""Every recorded call transcribed by default, without anyone running a command.

- After an import (the package's `after_calls` hook) the new recordings get a pending
  transcription; with a shared queue (QA_QUEUE_URL) each is queued for the `qa worker`s at once.
- Every minute (`transcribe_backlog`, a cron job) recordings that were missed are added and the
  pending ones are taken: the QA sample's calls first, then the newest. With a shared queue they
  are queued for `qa worker` (a job key keeps each recording queued once). On the embedded default
  the in-process worker of `qa serve` runs `qa transcribe` in a child process, one run at a time:
  speech recognition never runs in the web process, and the child's memory goes when it ends.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from saq import CronJob

from qa_app.settings import get_settings
from qa_app.tables import Call
from transcription import batch
from transcription.tables import Status, Transcription

log = logging.getLogger("qa.transcription")
_child_running = asyncio.Lock()


async def after_calls(call_ids: Sequence[int]) -> None:
    """Calls were imported: their recordings wait for a transcript."""
    recorded = [
        r["id"]
        for start in range(0, len(call_ids), 900)
        for r in await Call.select(Call.id).where(
            Call.id.is_in(list(call_ids[start : start + 900])) & Call.recording_path.is_not_null()
        )
    ]
    if not recorded:
        return
    added = await batch.add_pending(only_calls=recorded)
    if added and get_settings().queue_url:
        await batch.enqueue_pending()


async def _pending() -> int:
    return await Transcription.count().where(Transcription.status == Status.pending)


async def run_child(extra_args: Sequence[str] = ()) -> int:
    """`qa transcribe` in a child process on this machine's database; its exit status."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "qa_app.cli",
        "transcribe",
        *extra_args,
        env={**os.environ, "QA_DATABASE_URL": get_settings().database_url},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await process.communicate()
    if process.returncode:
        log.warning("qa transcribe ended with %s: %s", process.returncode, err.decode(errors="replace")[-500:])
    return process.returncode or 0


async def transcribe_backlog(ctx: dict[str, Any] | None = None) -> int:
    """The cron job: add missed recordings and take the pending ones (see the module); returns
    how many were pending."""
    await batch.recover_abandoned()
    await batch.add_pending()
    if get_settings().queue_url:
        return await batch.enqueue_pending()
    pending = await _pending()
    if pending and not _child_running.locked():
        async with _child_running:
            await run_child()
    return pending


CRON_JOBS = [CronJob(transcribe_backlog, cron="* * * * *")]
