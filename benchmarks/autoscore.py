"""Automatic checks on every answered call (issue 15): times `score_month` on a month of 150,000
answered calls, 80% of them transcribed, with the default scorecard template, on SQLite and on
PostgreSQL; then a second run with nothing changed. Aim: under 60 s for the first run, with
memory flat: the peak RSS of each run is printed for a 50,000-call month and a 150,000-call
month, and should not grow with the number of calls.

    .venv/bin/python benchmarks/autoscore.py [--sizes 50000,150000] [--agents 300]
        [--postgres ADMIN_URL | --no-postgres] [--profile FILE]

Each database is made for the run and removed after it: a SQLite file in a temporary folder, and
a database of its own on the PostgreSQL server at ADMIN_URL (default: the local server with
trust auth, as the tests use). Every size gets a month of its own in that database. Seeding
runs in a child process and each month is scored in a fresh child, so the printed peak RSS is
the scoring's alone (the kernel's high-water mark, reset just before each run).

A transcript is a 3-6 minute call: 400-900 words in agent and caller turns with word timings
and Vosk-like confidences (most words 1.0, some lower, a few under the 0.5 threshold). The
greeting and closing vary so that some pass and some fail: a name given or not, given too late
or heard with low confidence; "anything else" or "thank you for calling" at the end, or only
"bye". One in ten is a mono recording (no speaker channels). A pool of 1,000 distinct
transcripts is generated and each transcribed call stores one of them (every call its own row,
parsed on its own: nothing is shared when scoring).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.import_calls import machine, rss_mb  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
MONTHS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]  # one per size
TRANSCRIBED = 0.8
ABANDONED = 0.05  # abandoned calls on top of the answered ones: the run must pass them by
POOL = 1000
CHUNK = 2000  # calls per insert transaction while seeding

NAMES = ["sam", "priya", "tomasz", "aisha", "daniel", "grace", "mohammed", "ellen", "luca", "fiona"]
COUNCILS = ["riverside council", "north vale borough council", "the city council", "westbrook district council"]
# (words, passes): the agent's first turn. A name within the first 20 seconds passes.
GREETINGS = [
    ("good morning you're speaking to {name} at {council} how can i help", True),
    ("hello {council} my name is {name} how can i help you today", True),
    ("good afternoon you are speaking to {name} from {council} what can i do for you", True),
    ("hi there you're speaking with {name} how can i help", True),
    ("good morning {council} customer services {name} speaking how can i help", False),
    ("good afternoon {council} how can i help", False),
    ("hello council services what can i do for you today", False),
]
# The agent's last turns. A phrase in the last 30 seconds passes.
CLOSINGS = [
    (["is there anything else i can help you with today"], ["thank you for calling have a nice day"], True),
    (["is there anything else at all"], ["lovely thanks for calling bye now"], True),
    (["okay that's all sorted then"], ["have a good day bye"], True),
    (["right that's logged for you"], ["okay bye"], False),
    (["you should get a letter in the post"], ["bye bye"], False),
]
CALLER_OPENINGS = [
    "hi yes i'm calling about my council tax bill it looks wrong this month",
    "hello my bins weren't collected on tuesday and it's the second time",
    "hi i need to renew my resident parking permit but the website isn't working",
    "hello there's a pothole outside number twelve on the high street",
    "hi i'm phoning about a repair in my flat the heating has stopped working",
    "hello i'd like to book a bulky waste collection please",
]
AGENT_LINES = [
    "i'm sorry to hear that let me have a look for you",
    "can i take the first line of your address and your postcode please",
    "thank you and can you confirm your date of birth for me",
    "okay i can see the account here on the system",
    "it looks like the payment was taken twice so i'll raise a refund",
    "the crew reported the road was blocked so they'll come back tomorrow",
    "i've booked that in for thursday between seven and four",
    "you'll get a reference number by text in the next few minutes",
    "the permit costs forty pounds for the year and lasts twelve months",
    "i'll pass this to the highways team and they'll inspect it within five working days",
    "bear with me a moment while i update your details",
    "just so you know this call may be recorded for training",
    "i can email you the form if that's easier",
    "the repairs team will call you to arrange a time",
    "that's been escalated as urgent because you've got no heating",
]
CALLER_LINES = [
    "yes it's fourteen maple road",
    "the postcode is r v three four d n",
    "okay that's great thank you",
    "it was the nineteenth of march nineteen eighty four",
    "how long will that take",
    "do i need to be in for that",
    "right okay and will i get anything in writing",
    "i tried the website but it kept timing out",
    "that's fine yes",
    "sorry could you repeat that",
    "my neighbour has the same problem actually",
    "and is there a charge for that",
]
CALLER_THANKS = ["no that's everything thanks", "no that's all thank you", "no i think that's it cheers"]


def conf(rng: random.Random) -> float:
    """Vosk-like word confidence: mostly sure, some doubt, a few under the default 0.5 threshold."""
    roll = rng.random()
    if roll < 0.7:
        return 1.0
    if roll < 0.96:
        return round(rng.uniform(0.55, 1.0), 6)
    return round(rng.uniform(0.15, 0.5), 6)


def dialogue(rng: random.Random, total_words: int) -> tuple[list[tuple[str, str]], set[int]]:
    """The (speaker, text) turns of one call, and the indexes of greeting turns whose name words
    are to be heard with low confidence."""
    name, council = rng.choice(NAMES), rng.choice(COUNCILS)
    greeting, _passes = rng.choice(GREETINGS)
    turns = [("agent", greeting.format(name=name, council=council))]
    doubtful = set()
    if rng.random() < 0.05:
        doubtful.add(0)  # the name phrase heard with low confidence: the check cannot count it
    late = rng.random() < 0.08
    if late:  # the caller talks over the greeting; the agent gives the name half a minute in
        turns = [("agent", "hello council services"), ("caller", " ".join(rng.choice(CALLER_LINES) for _ in range(14)))]
        turns.append(("agent", f"sorry i should have said my name is {name}"))
    turns.append(("caller", rng.choice(CALLER_OPENINGS)))
    ask, bye, _ = rng.choice(CLOSINGS)
    tail = [("agent", ask[0]), ("caller", rng.choice(CALLER_THANKS)), ("agent", bye[0])]
    if rng.random() < 0.1:  # "anything else" asked mid-call only: not in the last 30 seconds
        turns.append(("agent", "is there anything else on your account while i've got you"))
        tail = [("agent", "right that's logged for you"), ("caller", "thanks"), ("agent", "okay bye")]
    count = sum(len(t.split()) for _, t in turns + tail)
    while count < total_words:
        agent = " ".join(rng.choice(AGENT_LINES) for _ in range(rng.randint(1, 3)))
        caller = " ".join(rng.choice(CALLER_LINES) for _ in range(rng.randint(1, 2)))
        turns += [("agent", agent), ("caller", caller)]
        count += len(agent.split()) + len(caller.split())
    return turns + tail, doubtful


def transcript(rng: random.Random) -> tuple[dict[str, Any], float]:
    """One call's transcript in the design's JSON shape, and its length in seconds."""
    duration = rng.uniform(180, 360)
    total_words = max(400, min(900, round(duration * rng.uniform(2.2, 2.5))))
    turns, doubtful = dialogue(rng, total_words)
    words_in = sum(len(text.split()) for _, text in turns)
    gaps = len(turns) * 0.6
    span = (duration - 2.0 - gaps) / words_in  # seconds per word, pauses apart
    mono = rng.random() < 0.1
    at = rng.uniform(0.3, 1.5)
    out = []
    for index, (speaker, text) in enumerate(turns):
        words = []
        for word in text.split():
            length = span * rng.uniform(0.7, 1.2)
            confidence = conf(rng)
            if index in doubtful and word in {"name", "speaking", "to", "with"}:
                confidence = round(rng.uniform(0.2, 0.45), 6)
            words.append({"word": word, "start": round(at, 2), "end": round(at + length, 2), "conf": confidence})
            at += span
        out.append(
            {
                "speaker": None if mono else speaker,
                "start": words[0]["start"],
                "end": words[-1]["end"],
                "text": text,
                "words": words,
            }
        )
        at += rng.uniform(0.2, 1.0)
    document = {"text": " ".join(t["text"] for t in out), "duration": round(max(duration, at), 3), "turns": out}
    return document, document["duration"]


# --- seeding (a child process) ------------------------------------------------------------------


async def seed(url: str, sizes: list[int], agents: int) -> None:
    from qa_app import db
    from qa_app.tables import Agent
    from scorecards import versions

    db.use_database(url)
    await db.migrate()
    await db.start_pool()
    await versions.default()  # the shipped template, published on first use
    await Agent.insert(*[Agent(staff_number=str(10000 + i), name=f"Agent {i}") for i in range(agents)])
    agent_ids = [r["id"] for r in await Agent.select(Agent.id).order_by(Agent.id)]
    rng = random.Random(15)
    began = time.perf_counter()
    pool = []
    for _ in range(POOL):
        document, duration = transcript(rng)
        pool.append((json.dumps(document), document["text"], duration))
    words = sum(len(text.split()) for _, text, _ in pool)
    print(
        f"  {POOL:,} distinct transcripts, {words / POOL:.0f} words and {sum(len(d) for d, _, _ in pool) / POOL / 1024:.0f}"
        f" KiB of JSON each on average, made in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    call_head = (
        'INSERT INTO "call" ("id", "external_id", "queue", "agent", "offered_at", "answered_at", "wait_seconds", '
        '"talk_seconds", "hold_seconds", "disposition", "recording_path", "source", "transferred", "fingerprint")'
    )
    transcript_head = (
        'INSERT INTO "transcription" ("call", "status", "reason", "attempts", "claimed_by", "created_at", '
        '"finished_at", "model", "duration", "text", "transcript", "metrics", "scripted")'
    )
    call_id = 0
    for size, first in zip(sizes, MONTHS, strict=False):
        began = time.perf_counter()
        start = datetime(first.year, first.month, 1, 7, tzinfo=timezone.utc)
        total = size + round(size * ABANDONED)
        kinds = ["answered"] * size + ["abandoned"] * (total - size)
        rng.shuffle(kinds)
        for offset in range(0, total, CHUNK):
            calls, transcripts = [], []
            for disposition in kinds[offset : offset + CHUNK]:
                call_id += 1
                offered = start + timedelta(seconds=rng.randrange(27 * 86400))
                answered = disposition == "answered"
                wait = rng.randint(2, 150)
                heard = answered and rng.random() < TRANSCRIBED
                document, text, duration = rng.choice(pool) if heard else (None, "", rng.uniform(10, 1200))
                calls.append(
                    (
                        call_id,
                        f"bench.{call_id}",
                        "general",
                        rng.choice(agent_ids),
                        offered,
                        offered + timedelta(seconds=wait) if answered else None,
                        wait,
                        round(duration) if answered else 0,
                        rng.choice([None, 0, 0, 12, 40]) if answered else None,
                        disposition,
                        f"rec/{call_id}.wav" if answered else None,
                        "bench",
                        answered and rng.random() < 0.1,
                        hashlib.sha1(str(call_id).encode()).hexdigest(),
                    )
                )
                if heard:
                    finished = offered + timedelta(hours=2)
                    transcripts.append(
                        (
                            call_id,
                            "done",
                            "",
                            1,
                            "",
                            finished,
                            finished,
                            "vosk-model-en-us-0.22",
                            duration,
                            text,
                            document,
                            "{}",
                            False,
                        )
                    )
                elif answered and rng.random() < 0.5:  # waiting for the transcriber
                    transcripts.append((call_id, "pending", "", 0, "", offered, None, "", None, "", "{}", "{}", False))
            async with db.write_transaction() as tx:
                await db.insert_many(tx, call_head, "", calls)
                await db.insert_many(tx, transcript_head, "", transcripts)
        print(f"  seeded {first:%Y-%m}: {size:,} answered calls in {time.perf_counter() - began:.1f} s", flush=True)
    if not db.is_sqlite():  # the ids were given: move the sequence past them
        await db.current_engine().run_ddl(f"SELECT setval('call_id_seq', {call_id})")
    await db.close_pool()


# --- scoring one month (a child process) --------------------------------------------------------


def reset_peak() -> bool:
    """Reset the kernel's RSS high-water mark for this process (Linux 4.0+); False if it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """This process's peak RSS since the last `reset_peak` (or since it started)."""
    try:
        status = open("/proc/self/status").read()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_cpu() -> float:
    """CPU seconds of this process's finished children (a month's scoring process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def score(url: str, first: date, profile: str | None) -> dict[str, Any]:
    from qa_app import db
    from scorecards.autochecks import score_month

    db.use_database(url)
    await db.start_pool()
    result: dict[str, Any] = {"rss_before": rss_mb()}
    for label in ("first", "second"):
        reset_peak()
        load = os.getloadavg()[0]
        began, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
        if profile and label == "first":
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            run = await score_month(first)
            profiler.disable()
            profiler.dump_stats(profile)
        else:
            run = await score_month(first)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        cpu += children_cpu() - children  # the month's second process, when it had one
        load = max(load, os.getloadavg()[0])  # the machine's, one-minute: others' work slows a run
        result[label] = {"seconds": seconds, "cpu": cpu, "load": load, "peak_mb": peak_mb(), **run.as_json()}
    await db.close_pool()
    return result


# --- the run --------------------------------------------------------------------------------------


def child(*args: str) -> str:
    """Run this script as a child with `args`; its stdout (progress lines pass through)."""
    done = subprocess.run(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, env=os.environ.copy(), check=True
    )
    return done.stdout


def bench_database(kind: str, url: str, sizes: list[int], agents: int, profile: str | None) -> list[dict[str, Any]]:
    print(f"{kind}: seeding {', '.join(f'{s:,}' for s in sizes)} answered calls", flush=True)
    began = time.perf_counter()
    for line in child("--seed", url, "--sizes", ",".join(map(str, sizes)), "--agents", str(agents)).splitlines():
        print(line, flush=True)
    print(f"  seeded in {time.perf_counter() - began:.0f} s", flush=True)
    results = []
    for size, first in zip(sizes, MONTHS, strict=False):
        extra = ["--profile", f"{profile}.{kind}.{size}"] if profile else []
        found = json.loads(child("--score", url, "--month", first.isoformat(), *extra).splitlines()[-1])
        found["size"] = size
        for label in ("first", "second"):
            r = found[label]
            print(
                f"  {size:,}-call month, {label} run: {r['seconds']:.1f} s ({r['cpu']:.1f} s CPU, load "
                f"{r['load']:.1f}), {r['computed']:,} computed ({r['transcribed']:,} with a transcript), "
                f"peak RSS {r['peak_mb']:.0f} MiB",
                flush=True,
            )
        counts = found["first"]["criteria"]
        print(
            "    "
            + "; ".join(f"{code} {c['pass']:,} pass {c['fail']:,} fail {c['na']:,} na" for code, c in counts.items()),
            flush=True,
        )
        results.append(found)
    return results


def with_sqlite(sizes: list[int], agents: int, profile: str | None) -> list[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="qa-bench-autoscore-"))
    path = folder / "bench.sqlite3"
    try:
        return bench_database("SQLite", f"sqlite:///{path}", sizes, agents, profile)
    finally:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()


def with_postgres(admin_url: str, sizes: list[int], agents: int, profile: str | None) -> list[dict[str, Any]]:
    import asyncpg

    name = f"qa_bench_autoscore_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        return bench_database("PostgreSQL", admin_url.rsplit("/", 1)[0] + "/" + name, sizes, agents, profile)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def table(results: dict[str, list[dict[str, Any]]]) -> None:
    kinds = list(results)
    print()
    print(f"{'':28}" + "".join(f"{k:>22}" for k in kinds))
    sizes = [r["size"] for r in results[kinds[0]]]
    for index, size in enumerate(sizes):
        for label in ("first", "second"):
            runs = [results[k][index][label] for k in kinds]
            print(f"{size:,} calls, {label} run")
            print(f"{'  seconds':28}" + "".join(f"{r['seconds']:>22.1f}" for r in runs))
            print(f"{'  CPU seconds (processes)':28}" + "".join(f"{r['cpu']:>22.1f}" for r in runs))
            print(f"{'  calls per second':28}" + "".join(f"{r['calls'] / r['seconds']:>22,.0f}" for r in runs))
            print(f"{'  calls computed':28}" + "".join(f"{r['computed']:>22,}" for r in runs))
            print(f"{'  peak RSS (MiB)':28}" + "".join(f"{r['peak_mb']:>22.0f}" for r in runs))
    print(f"{'RSS before a run (MiB)':28}" + "".join(f"{results[k][-1]['rss_before']:>22.0f}" for k in kinds))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50000,150000", help="answered calls per month, one month each")
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--postgres", default=POSTGRES_ADMIN_URL, help="a PostgreSQL server's admin URL")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--profile", default=None, help="write cProfile stats of each first run to FILE.<db>.<size>")
    parser.add_argument("--seed", default=None, help=argparse.SUPPRESS)  # child: seed this database URL
    parser.add_argument("--score", default=None, help=argparse.SUPPRESS)  # child: score a month there
    parser.add_argument("--month", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if len(sizes) > len(MONTHS):
        parser.error(f"at most {len(MONTHS)} sizes")
    if args.seed or args.score:
        os.environ["QA_DATA_DIR"] = tempfile.mkdtemp(prefix="qa-bench-autoscore-data-")
        os.environ["QA_DATABASE_URL"] = args.seed or args.score
        if args.seed:
            asyncio.run(seed(args.seed, sizes, args.agents))
        else:
            found = asyncio.run(score(args.score, date.fromisoformat(args.month), args.profile))
            print(json.dumps(found))
        return
    print(f"machine: {machine()}, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB RAM")
    results = {"SQLite": with_sqlite(sizes, args.agents, args.profile)}
    if not args.no_postgres:
        results["PostgreSQL"] = with_postgres(args.postgres, sizes, args.agents, args.profile)
    table(results)


if __name__ == "__main__":
    main()
