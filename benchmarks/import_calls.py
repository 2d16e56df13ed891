"""Imports 1,000,000 queue_log calls into a fresh SQLite database; prints calls per second,
peak memory and memory through the run (flat memory is the aim), then times the call list's
queries on the million-call database.

    .venv/bin/python benchmarks/import_calls.py [--calls 1000000] [--agents 300] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


class MemorySampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.running = True

    def run(self) -> None:
        start = time.monotonic()
        while self.running:
            self.samples.append((time.monotonic() - start, rss_mb()))
            time.sleep(0.25)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="keep the data folder here (default: a temporary one)")
    args = parser.parse_args()

    data = args.keep or Path(tempfile.mkdtemp(prefix="qa-bench-"))
    data.mkdir(parents=True, exist_ok=True)
    os.environ["QA_DATA_DIR"] = str(data)
    os.environ.setdefault("QA_SECRET_KEY", "benchmark-secret-key-0123456789-abcdefghij")
    os.environ.pop("QA_DATABASE_URL", None)

    from qa_app import db, queries
    from qa_app.imports.run import import_calls
    from qa_app.settings import get_settings
    from qa_app.tables import Agent
    from tests.factories import queue_log as factory

    print(f"machine: {machine()}")
    log_path = data / "queue_log"
    started = time.perf_counter()
    with open(log_path, "w") as handle:
        factory.generate(handle, calls=args.calls, agents=args.agents, keep_truth=False, seed=1)
    print(
        f"generated {args.calls:,} calls ({log_path.stat().st_size / 2**20:.0f} MiB, "
        f"{sum(1 for _ in open(log_path)):,} lines) in {time.perf_counter() - started:.1f} s"
    )

    db.use_database(get_settings().database_url)
    await db.migrate()
    await Agent.insert(
        *[Agent(staff_number=i.split("/")[1], name=i, interface=i) for i in factory.interfaces(args.agents)]
    )

    sampler = MemorySampler()
    baseline = rss_mb()
    sampler.start()
    started = time.perf_counter()
    summary = await import_calls(log_path, "asterisk-queue-log")
    elapsed = time.perf_counter() - started
    sampler.running = False
    sampler.join()
    assert summary.committed and summary.created == args.calls, summary.headline()

    print(f"imported {summary.created:,} calls in {elapsed:.1f} s: {summary.created / elapsed:,.0f} calls per second")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: {baseline:.0f} MiB before the import, peak {peak:.0f} MiB (whole process)")
    tenths = [sampler.samples[int(i * (len(sampler.samples) - 1) / 10)] for i in range(11)]
    print("memory through the import: " + ", ".join(f"{t:.0f}s {m:.0f} MiB" for t, m in tenths))

    print("call list on the million-call database (median of 5 runs):")
    one_agent = (await Agent.select(Agent.id).first())["id"]
    start_day = datetime(2026, 9, 15, tzinfo=timezone.utc)
    cases = {
        "newest page, no filter": dict(filters=queries.CallFilter()),
        "one agent": dict(filters=queries.CallFilter(agent_id=one_agent)),
        "one queue": dict(filters=queries.CallFilter(queue="tax")),
        "abandoned only": dict(filters=queries.CallFilter(disposition="abandoned")),
        "one day": dict(filters=queries.CallFilter(start=start_day, end=start_day + timedelta(days=1))),
        "a page deep in the past": dict(
            filters=queries.CallFilter(), before=f"{int(datetime(2026, 9, 3, tzinfo=timezone.utc).timestamp())}_1"
        ),
        "team leader's scope (100 agents)": dict(filters=queries.CallFilter(), scope=list(range(1, 101))),
    }
    for label, case in cases.items():
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            page = await queries.list_calls(case.get("scope"), case["filters"], before=case.get("before"))
            times.append(time.perf_counter() - t0)
        times.sort()
        print(f"  {label:<36} {times[2] * 1000:7.1f} ms  ({len(page.rows)} rows)")


if __name__ == "__main__":
    asyncio.run(main())
