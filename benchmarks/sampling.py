"""Samples a month of 150,000 recorded calls for 300 agents (six each) in a fresh SQLite
database; prints the seconds and peak memory of the first draw and of a re-run (aim: under
2 seconds). Pass --postgres URL to run the same on an empty PostgreSQL database.

    .venv/bin/python benchmarks/sampling.py [--calls 150000] [--agents 300] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.import_calls import machine, rss_mb  # noqa: E402


async def seed(calls: int, agents: int, month: date) -> None:
    from qa_app import db
    from qa_app.tables import Agent, Role, User

    await Agent.insert(*[Agent(staff_number=str(10000 + i), name=f"Agent {i}") for i in range(agents)])
    await User.insert(
        *[User(email=f"qa{i}@bench", name=f"QA {i}", role=Role.qa.value, password_hash="x") for i in range(8)]
    )
    ids = [r["id"] for r in await Agent.select(Agent.id)]
    rng = random.Random(1)
    start = datetime(month.year, month.month, 1, 7, tzinfo=timezone.utc)
    rows = []
    for n in range(calls):
        offered = start + timedelta(seconds=rng.randrange(29 * 86400))
        recorded = rng.random() < 0.95
        rows.append(
            (
                f"{int(offered.timestamp())}.{n}",
                "general",
                ids[n % agents],
                offered,
                offered + timedelta(seconds=15),
                15,
                rng.randint(10, 900),
                "answered",
                f"rec/{n}.wav" if recorded else None,
                "",
                False,
                "",
            )
        )
    head = (
        'INSERT INTO "call" ("external_id", "queue", "agent", "offered_at", "answered_at", "wait_seconds", '
        '"talk_seconds", "disposition", "recording_path", "source", "transferred", "fingerprint")'
    )
    async with db.write_transaction() as tx:
        await db.insert_many(tx, head, "", rows)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=150_000)
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--postgres", default=None, help="an empty PostgreSQL database URL instead of SQLite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qa-bench-sampling-"))
    os.environ["QA_DATA_DIR"] = str(folder)
    os.environ["QA_DATABASE_URL"] = args.postgres or f"sqlite:///{folder / 'bench.sqlite3'}"
    from qa_app import db
    from qa_app.settings import get_settings
    from scorecards.sample_store import run_sample

    db.use_database(get_settings().database_url)
    await db.migrate()
    await db.start_pool()
    month = date(2026, 9, 1)
    print(f"machine: {machine()}")
    print(f"database: {db.describe(db.current_engine())}")
    began = time.perf_counter()
    await seed(args.calls, args.agents, month)
    print(f"seeded {args.calls:,} calls for {args.agents} agents in {time.perf_counter() - began:.1f} s")
    for label in ("first draw", "re-run"):
        before = rss_mb()
        began = time.perf_counter()
        result = await run_sample(month, seed=7)
        seconds = time.perf_counter() - began
        print(
            f"{label}: {seconds:.2f} s (aim: under 2 s), {len(result.picks):,} picks ({result.created:,} new), "
            f"{len(result.flagged)} agents flagged, RSS {before:.0f} -> {rss_mb():.0f} MiB"
        )
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    await db.close_pool()


if __name__ == "__main__":
    asyncio.run(main())
