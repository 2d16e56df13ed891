"""Every recorded call is transcribed without anyone running a command (issue 16): after an
import the recordings wait in the backlog; `qa worker` (with a shared queue) or the in-process
worker of the embedded default takes them, and `qa transcribe --status --json` reports the
backlog falling to 0. The QA sample's calls go first, then the newest."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from datetime import datetime, timezone

import pytest
from saq import CronJob

from qa_app import jobs, packages
from qa_app.imports.run import import_calls
from qa_app.settings import get_settings, reset_settings
from qa_app.tables import Agent, Call
from scorecards.tables import Assignment, Sample
from tests.qa_command import run_qa
from tests.transcription.test_batch import clips  # noqa: F401 - the espeak-ng clips fixture
from transcription import batch, schedule
from transcription.backlog import busy_seconds
from transcription.tables import Status, Transcription


def write_calls(recordings, tmp_path, count: int = 4):
    """A phone system's CSV of `count` answered calls with recordings in the recordings folder."""
    folder = get_settings().recordings_dir / "arrived"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = ["external_id,offered_at,answered_at,ended_at,agent,recording"]
    for index in range(count):
        shutil.copy(recordings[index % len(recordings)], folder / f"a{index}.wav")
        lines.append(
            f"a{index},2026-11-02 09:0{index}:00,2026-11-02 09:0{index}:10,2026-11-02 09:0{index}:40,1001,"
            f"arrived/a{index}.wav"
        )
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def status(database: str, **env: str) -> dict:
    done = run_qa("transcribe", "--status", "--json", database=database, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_after_an_import_qa_worker_transcribes_the_recordings_unasked(clean_db, database, clips, tmp_path):  # noqa: F811
    if clean_db != "postgresql":
        pytest.skip("the shared queue lives in PostgreSQL here; the embedded default is tested below")
    await Agent.insert(Agent(staff_number="1001", name="Anna Berg"))
    path = write_calls(clips, tmp_path)
    imported = run_qa(
        "import", "calls", str(path), "--format", "csv", database=database, env={"QA_QUEUE_URL": database}
    )
    assert imported.returncode == 0, imported.stderr
    before = status(database, QA_QUEUE_URL=database)
    assert before["calls"] == 4 and before["audio_hours"] == pytest.approx(4 * 30 / 3600, abs=0.01)
    assert await Transcription.count().where(Transcription.status == Status.pending) == 4

    # Nobody runs `qa transcribe`: the import queued the work, a worker takes it.
    env = {**os.environ, "QA_DATABASE_URL": database, "QA_QUEUE_URL": database}
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "qa_app.cli", "worker", "--burst", env=env, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await asyncio.wait_for(worker.communicate(), timeout=300)
    assert worker.returncode == 0, err.decode()[-2000:]
    after = status(database, QA_QUEUE_URL=database)
    assert after["calls"] == 0 and after["eta_seconds"] == 0 and after["failed"] == 0
    assert after["rate"] > 0 and after["measured_on"] == 4
    assert await Transcription.count().where(Transcription.status == Status.done) == 4


async def test_on_the_embedded_default_the_in_process_worker_transcribes_them(clean_db, database, clips, tmp_path):  # noqa: F811
    await Agent.insert(Agent(staff_number="1001", name="Anna Berg"))
    summary = await import_calls(write_calls(clips, tmp_path), "csv")
    assert summary.committed and summary.created == 4
    # The import's hook put every recording in the backlog, a broken one among them.
    (get_settings().recordings_dir / "arrived" / "a3.wav").write_bytes(b"not audio at all")
    assert status(database)["calls"] == 4
    assert await Transcription.count().where(Transcription.status == Status.pending) == 4

    # The in-process worker's scheduled job takes them in a child process.
    assert await schedule.transcribe_backlog({}) == 4
    after = status(database)
    assert after["calls"] == 0 and after["failed"] == 1
    assert after["failures"][0]["call"] == "a3" and after["failures"][0]["reason"]
    assert await Transcription.count().where(Transcription.status == Status.done) == 3


async def test_the_sample_goes_first_then_the_newest(clean_db):
    agent = (await Agent.insert(Agent(staff_number="1", name="Anna")).returning(Agent.id))[0]["id"]
    calls = []
    for day in (1, 2, 3, 4):
        rows = await Call.insert(
            Call(
                external_id=f"d{day}",
                agent=agent,
                offered_at=datetime(2026, 11, day, 9, tzinfo=timezone.utc),
                disposition="answered",
                recording_path=f"x/d{day}.wav",
            )
        ).returning(Call.id)
        calls.append(rows[0]["id"])
    await batch.add_pending()
    sample = (await Sample.insert(Sample(month="2026-11", seed=1)).returning(Sample.id))[0]["id"]
    await Assignment.insert(Assignment(sample=sample, agent=agent, call=calls[1]))  # 2 November is sampled
    order = await batch.pending_in_order()
    by_call = {r["id"]: r["call"] for r in await Transcription.select(Transcription.id, Transcription.call)}
    assert [by_call[t] for t in order] == [calls[1], calls[3], calls[2], calls[0]]


async def test_the_in_process_worker_runs_each_job_on_its_schedule_never_twice_at_once(monkeypatch):
    runs: list[float] = []
    running = 0
    overlapped = False

    async def slow_job(ctx):
        nonlocal running, overlapped
        running += 1
        overlapped |= running > 1
        runs.append(time.monotonic())
        await asyncio.sleep(1.5)  # longer than its one-second schedule
        running -= 1

    monkeypatch.setattr(packages, "cron_jobs", lambda: [CronJob(slow_job, cron="* * * * * *")])  # every second
    worker = asyncio.create_task(jobs.run_in_process())
    await asyncio.sleep(4.5)
    worker.cancel()
    assert 2 <= len(runs) <= 3 and not overlapped


def test_busy_time_counts_overlapping_work_once():
    def at(second: int) -> datetime:
        return datetime(2026, 11, 2, 9, 0, second, tzinfo=timezone.utc)

    # Two workers side by side (0-10 s and 5-15 s), then a pause, then 20-25 s: 15 + 5 seconds.
    assert busy_seconds([(at(0), at(10)), (at(5), at(15)), (at(20), at(25))]) == 20.0
    assert busy_seconds([]) == 0.0


def test_the_server_runs_its_own_worker_only_when_asked(monkeypatch):
    monkeypatch.setenv("QA_BACKGROUND", "0")
    reset_settings()
    assert get_settings().background is False
    monkeypatch.delenv("QA_BACKGROUND")
    reset_settings()
    assert get_settings().background is True
    reset_settings()
