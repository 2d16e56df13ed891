"""Builds the monthly report for a centre of 300 agents with twelve months of data, and the 300
agent scorecards; prints seconds and peak memory (aims: the centre report under 20 s and 1 GB;
the 300 scorecards under 60 s using both cores). A fresh SQLite database unless --postgres.

    .venv/bin/python benchmarks/reports.py [--agents 300] [--calls-per-month 100] [--workers 2] [--postgres URL]

Each agent-month has its calls (6% abandoned), six released evaluations with every criterion
answered, survey answers and logged cases, like the demo but twelve months deep.
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

from benchmarks.import_calls import machine  # noqa: E402

MONTHS = 12
LAST = date(2026, 10, 1)


def months() -> list[date]:
    from kit.timeutil import previous_month

    steps = [LAST]
    for _ in range(MONTHS - 1):
        steps.insert(0, previous_month(steps[0]))
    return steps


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def seed(agents: int, per_month: int) -> int:
    from qa_app import db
    from qa_app.tables import Agent, Department, Service, Team
    from scorecards import versions
    from surveys.invitations import default_template

    rng = random.Random(7)
    teams = [(await Team.insert(Team(name=f"Team {t}")).returning(Team.id))[0]["id"] for t in range(10)]
    departments = [
        (await Department.insert(Department(name=f"Department {d}")).returning(Department.id))[0]["id"]
        for d in range(10)
    ]
    services = [
        (
            await Service.insert(
                Service(name=f"Service {s}", department=departments[s % 10], keywords=f"service{s}")
            ).returning(Service.id)
        )[0]["id"]
        for s in range(40)
    ]
    await Agent.insert(
        *[Agent(staff_number=str(10000 + i), name=f"Agent {i:03d}", team=teams[i % 10]) for i in range(agents)]
    )
    agent_ids = [r["id"] for r in await Agent.select(Agent.id).order_by(Agent.id)]
    template = await versions.default()
    codes = [c.code for c in versions.definition_of(template).criteria()]
    survey_template = (await default_template())["id"]
    calls, evaluations, answers, responses, cases = [], [], [], [], []
    call_id = evaluation_id = 0
    case_number = 0
    for first in months():
        key = first.strftime("%Y-%m")
        start = datetime(first.year, first.month, 1, 7, tzinfo=timezone.utc)
        for agent in agent_ids:
            agent_calls = []
            for _ in range(per_month):
                call_id += 1
                offered = start + timedelta(seconds=rng.randrange(27 * 86400))
                abandoned = rng.random() < 0.06
                wait = rng.randint(2, 150)
                calls.append(
                    (
                        call_id,
                        f"b{call_id}",
                        "general",
                        agent,
                        rng.choice(services),
                        offered,
                        None if abandoned else offered + timedelta(seconds=wait),
                        wait,
                        0 if abandoned else rng.randint(60, 600),
                        "abandoned" if abandoned else "answered",
                        "",
                        False,
                        "",
                    )
                )
                if not abandoned:
                    agent_calls.append((call_id, offered))
            for call, offered in agent_calls[:6]:
                evaluation_id += 1
                passed = [rng.random() < 0.88 for _ in codes]
                evaluations.append(
                    (
                        evaluation_id,
                        call,
                        agent,
                        template["id"],
                        "released",
                        key,
                        sum(passed) / len(codes),
                        False,
                        "{}",
                        offered + timedelta(days=2),
                        "",
                    )
                )
                answers.extend(
                    (evaluation_id, code, 1.0 if ok else 0.0, False, ok, "", False, "{}")
                    for code, ok in zip(codes, passed, strict=True)
                )
            for call, offered in agent_calls[6:14]:
                satisfaction = rng.choices([1, 2, 3, 4, 5], [5, 7, 13, 35, 40])[0]
                responses.append(
                    (
                        call,
                        agent,
                        survey_template,
                        "web",
                        "en",
                        satisfaction,
                        rng.randint(0, 10),
                        "",
                        False,
                        "{}",
                        offered + timedelta(hours=3),
                        "",
                        "",
                        "",
                    )
                )
            for _call, offered in agent_calls[14:29]:
                case_number += 1
                cases.append(
                    (
                        f"{offered.year}-{case_number:06d}",
                        "phone",
                        rng.choice(services),
                        "a question",
                        "resolved",
                        rng.random() < 0.7,
                        offered,
                        offered,
                        offered.date() + timedelta(days=10),
                        offered,
                        "",
                        "",
                        agent,
                        "",
                    )
                )
    async with db.write_transaction() as tx:
        await db.insert_many(
            tx,
            'INSERT INTO "call" ("id", "external_id", "queue", "agent", "service", "offered_at", "answered_at", "wait_seconds", "talk_seconds", "disposition", "source", "transferred", "fingerprint")',
            "",
            calls,
        )
        await db.insert_many(
            tx,
            'INSERT INTO "evaluation" ("id", "call", "agent", "template", "status", "month", "score", "critical_failed", "groups", "released_at", "comment")',
            "",
            evaluations,
        )
        await db.insert_many(
            tx,
            'INSERT INTO "evaluation_answer" ("evaluation", "criterion", "value", "na", "passed", "comment", "automatic", "evidence")',
            "",
            answers,
        )
        await db.insert_many(
            tx,
            'INSERT INTO "survey_response" ("call", "agent", "template", "source", "language", "satisfaction", "recommend", "comment", "praise", "answers", "created_at", "voice_status", "voice_text", "voice_error")',
            "",
            responses,
        )
        await db.insert_many(
            tx,
            'INSERT INTO "case" ("tracking_number", "channel", "service", "description", "status", "first_contact_resolution", "created_at", "updated_at", "due", "closed_at", "address", "district", "agent", "source")',
            "",
            cases,
        )
    return len(calls)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--calls-per-month", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default=None, help="an empty PostgreSQL database URL instead of SQLite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qa-bench-reports-"))
    os.environ["QA_DATA_DIR"] = str(folder)
    os.environ["QA_DATABASE_URL"] = args.postgres or f"sqlite:///{folder / 'bench.sqlite3'}"
    from qa_app import db
    from qa_app.settings import get_settings
    from reports import agent_card, monthly, render
    from reports.parallel import pdfs_in_processes

    db.use_database(get_settings().database_url)
    await db.migrate()
    print(f"machine: {machine()}; database: {db.describe(db.current_engine())}")
    started = time.perf_counter()
    calls = await seed(args.agents, args.calls_per_month)
    print(
        f"seeded {calls:,} calls for {args.agents} agents over {MONTHS} months in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    report = await monthly.build(LAST)
    built = time.perf_counter()
    pdf = render.pdf(render.html("reports/monthly.html", report=report, timezone=get_settings().timezone_name))
    done = time.perf_counter()
    (folder / "report.pdf").write_bytes(pdf)
    print(
        f"centre report: {done - started:.1f} s (figures {built - started:.1f} s, PDF {done - built:.1f} s), "
        f"{len(pdf) / 1024:.0f} KiB; peak memory so far {peak_mb():.0f} MiB (aim: under 20 s and 1 GB)"
    )

    started = time.perf_counter()
    cards = await agent_card.build(await agent_card.agents_of(), LAST)
    gathered = time.perf_counter()
    archive = pdfs_in_processes(cards, {"month_key": LAST.strftime("%Y-%m")}, args.workers)
    done = time.perf_counter()
    (folder / "scorecards.zip").write_bytes(archive)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{len(cards)} agent scorecards: {done - started:.1f} s (figures {gathered - started:.1f} s, "
        f"{args.workers} PDF processes {done - gathered:.1f} s); peak memory {peak_mb():.0f} MiB here, "
        f"{children:.0f} MiB in the largest worker (aim: under 60 s)"
    )
    print(f"files in {folder}")


if __name__ == "__main__":
    asyncio.run(main())
