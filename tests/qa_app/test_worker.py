"""`qa worker` takes jobs from the shared SAQ queue in PostgreSQL and runs them."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime, timedelta, timezone

import pytest

from qa_app import jobs
from qa_app.settings import reset_settings
from qa_app.tables import WebSession


async def test_worker_process_runs_a_queued_job(clean_db, database, monkeypatch):
    if clean_db != "postgresql":
        pytest.skip("the shared queue lives in PostgreSQL (or Redis); on the SQLite default work runs in-process")
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    await WebSession.insert(
        WebSession(key="old", data=b"{}", expires_at=past), WebSession(key="live", data=b"{}", expires_at=future)
    )
    monkeypatch.setenv("QA_QUEUE_URL", database)
    reset_settings()
    queue = jobs.queue()
    await queue.connect()
    try:
        job = await queue.enqueue("purge_expired_sessions")
        env = {**os.environ, "QA_DATABASE_URL": database, "QA_QUEUE_URL": database}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "qa_app.cli",
            "worker",
            "--burst",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, err.decode()
        await job.refresh()
        assert job.status == "complete"
        assert job.result == 1
    finally:
        await queue.disconnect()
    assert [r["key"] for r in await WebSession.select(WebSession.key)] == ["live"]


def test_worker_without_a_queue_says_why(monkeypatch):
    from click.testing import CliRunner

    from qa_app.cli import main

    monkeypatch.delenv("QA_QUEUE_URL", raising=False)
    reset_settings()
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2
    assert "QA_QUEUE_URL is not set" in result.stderr
