"""Queued work on SAQ, shared by `qa worker` processes on any number of machines.

With QA_QUEUE_URL unset (the embedded default) there is no queue: work runs in-process.
Each installed package names its job functions and schedules in its `package.py`; the shell's
own job keeps the session table small.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

from croniter import croniter
from saq import CronJob, Queue, Worker

from qa_app import db, packages
from qa_app.session_store import DatabaseStore
from qa_app.settings import ConfigError, get_settings

QUEUE_NAME = "qa"
log = logging.getLogger("qa.jobs")


async def purge_expired_sessions(ctx: dict[str, Any]) -> int:
    deleted = await DatabaseStore().delete_expired()
    log.info("purged %d expired web sessions", deleted)
    return deleted


CRON_JOBS = [CronJob(purge_expired_sessions, cron="17 * * * *")]


def queue() -> Queue:
    url = get_settings().queue_url
    if not url:
        raise ConfigError(
            "QA_QUEUE_URL is not set: there is no shared queue, work runs inside `qa serve` and the commands"
        )
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    return Queue.from_url(url, name=QUEUE_NAME)


async def _startup(ctx: dict[str, Any]) -> None:
    db.use_database(get_settings().database_url)
    await db.migrate()
    await db.start_pool()


async def _shutdown(ctx: dict[str, Any]) -> None:
    await db.close_pool()


def worker(*, concurrency: int = 4, burst: bool = False) -> Worker:
    return Worker(
        queue(),
        functions=packages.jobs(),
        cron_jobs=[] if burst else packages.cron_jobs(),
        concurrency=concurrency,
        startup=_startup,
        shutdown=_shutdown,
        burst=burst,
        # In burst mode, wait this long for more work before exiting.
        dequeue_timeout=2.0 if burst else 0.0,
    )


async def _run_once(job: CronJob) -> None:
    try:
        await job.function({})
    except Exception:  # one failed run must not stop the schedule; the next run tries again
        log.exception("scheduled job %s failed", job.function.__name__)


async def run_in_process() -> None:
    """The worker of the embedded default (no QA_QUEUE_URL), inside `qa serve`: every package's
    cron jobs on their schedules, each run as a task of its own so a long one (transcription)
    holds up no other, and never two runs of one job at once. Runs until cancelled."""
    scheduled = packages.cron_jobs()
    now = datetime.now(timezone.utc)
    due = {id(job): croniter(job.cron, now).get_next(datetime) for job in scheduled}
    running: dict[int, asyncio.Task] = {}
    try:
        while True:
            now = datetime.now(timezone.utc)
            for job in scheduled:
                if now < due[id(job)]:
                    continue
                due[id(job)] = croniter(job.cron, now).get_next(datetime)
                if id(job) not in running or running[id(job)].done():
                    running[id(job)] = asyncio.create_task(_run_once(job))
            wait = min(due.values(), default=now) - datetime.now(timezone.utc)
            await asyncio.sleep(min(30.0, max(1.0, wait.total_seconds())))
    finally:
        for task in running.values():
            task.cancel()
