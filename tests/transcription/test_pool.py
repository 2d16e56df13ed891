"""Decoding in worker processes (issue 16): two processes, each with its own model, store the
same words as one worker does; `qa transcribe` says which workers it used; and worker processes
do not outlive a killed parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa_app.settings import get_settings
from tests.transcription.test_batch import add_calls, clips  # noqa: F401 - the espeak-ng clips fixture
from transcription import batch, pool
from transcription.tables import Transcription

ROOT = Path(__file__).resolve().parents[2]


def test_the_kind_of_workers_is_chosen_and_said():
    assert pool.choose_kind(1) == "thread"
    assert pool.choose_kind(2) == "process"
    assert pool.choose_kind(4, "thread") == "thread"
    assert pool.choose_kind(1, "process") == "process"
    with pytest.raises(ValueError, match="auto, process, thread"):
        pool.choose_kind(2, "fibres")
    assert pool.describe("process", 2) == "2 worker processes, one model each"
    assert pool.describe("thread", 1) == "1 thread sharing one model"
    assert pool.default_workers() == os.cpu_count()


async def stored_words() -> dict[str, list[tuple]]:
    rows = await Transcription.select(
        Transcription.call.external_id.as_alias("call"), Transcription.status, Transcription.transcript
    ).output(load_json=True)
    assert {r["status"] for r in rows} == {"done"}
    return {
        r["call"]: [(w["word"], w["start"], w["end"]) for turn in r["transcript"]["turns"] for w in turn["words"]]
        for r in rows
    }


async def test_two_worker_processes_store_the_same_words_as_one_worker(
    clean_db,
    database,
    clips,  # noqa: F811
    engine,
    deterministic_model,
):
    if clean_db != "sqlite":
        pytest.skip("the workers do not depend on the database: tested once, on SQLite")
    await add_calls(clips, 3)
    one = await batch.run_batch(workers=1, engine=engine.with_vad(get_settings().vad_mode))
    assert (one.done, one.workers) == (3, "1 thread sharing one model")
    by_one = await stored_words()
    assert all(by_one.values())
    await Transcription.delete(force=True)

    env = {**os.environ, "QA_DATABASE_URL": database, "QA_VOSK_MODEL": str(deterministic_model)}
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "qa_app.cli", "transcribe", "--workers", "2", "--kind", "process"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "transcribing with 2 worker processes, one model each" in run.stderr
    assert "3 transcribed, 0 failed" in run.stderr
    print(f"\n2 worker processes: 3 recordings in {time.monotonic() - started:.1f} s (model loading included)")
    assert await stored_words() == by_one


CHILD = """
import sys, time
from transcription.pool import Transcriber

transcriber = Transcriber(2, "process", model=sys.argv[1])
transcriber.submit(id)
transcriber.submit(id)
print("started", flush=True)
time.sleep(600)
"""


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent's reaper is missing


def test_worker_processes_exit_when_their_parent_is_killed(deterministic_model):
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(deterministic_model)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 30
        while len(workers := children(parent.pid)) < 2:
            assert time.monotonic() < deadline, workers
            time.sleep(0.1)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while alive := {pid for pid in workers if running(pid)}:
        assert time.monotonic() < deadline, f"still running after their parent was killed: {alive}"
        time.sleep(0.2)
