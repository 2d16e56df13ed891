"""Every page of each role, one user at a time: the median time of three requests after a
warming one, the number of database queries and the page's size. Finds the page to work on
before a load run (benchmarks/load.py) says which pages are slow under load.

    QA_DATA_DIR=/tmp/qa-load QA_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/qa_load \\
        .venv/bin/python benchmarks/pages.py [--roles agent,qa] [--only /calls,/search]

It runs the app in this process (over ASGI, no server) on the data folder's database and signs
in with the folder's demo logins (`qa demo`, or benchmarks/seed_year.py for the issue's
million calls). Queries are counted at Piccolo's engines.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SKIP = re.compile(r"^/(logout|static/|s/|open311/|api/|schema|login)|\.(pdf|xlsx|zip|csv|ics)$|/recording")
HTML = {"accept": "text/html"}
QUERIES = [0]
SLOW_MS = [None]  # --slow: print each query slower than this


def count_queries() -> None:
    from piccolo.engine.postgres import PostgresEngine
    from piccolo.engine.sqlite import SQLiteEngine

    for engine in (SQLiteEngine, PostgresEngine):
        original = engine.run_querystring

        async def counted(self, querystring, *args, _original=original, **kwargs):
            QUERIES[0] += 1
            began = time.perf_counter()
            try:
                return await _original(self, querystring, *args, **kwargs)
            finally:
                took = 1000 * (time.perf_counter() - began)
                if SLOW_MS[0] is not None and took >= SLOW_MS[0]:
                    sql = " ".join(str(querystring).split())
                    print(f"      {took:7.1f} ms  {sql[:400]}")

        engine.run_querystring = counted


async def main(roles: list[str] | None, only: set[str] | None) -> None:
    import httpx

    from qa_app import db
    from qa_app.app import create_app
    from qa_app.settings import get_settings

    settings = get_settings()
    db.use_database(settings.database_url)
    await db.start_pool()
    app = create_app(manage_database=False)
    logins = {
        line.split()[0]: line.split()[1:] for line in (settings.data_dir / "demo-logins.txt").read_text().splitlines()
    }
    print(f"{db.describe(db.current_engine())}")
    for role in roles or list(logins):
        email, password = logins[role]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
            page = await client.get("/login", headers=HTML)
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
            await client.post(
                "/login", data={"email": email, "password": password, "next": "/", "_csrf_token": token}, headers=HTML
            )
            home = await client.get("/", headers=HTML)
            links = {h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)"', home.text)}
            links = sorted(link for link in links if not SKIP.search(link.split("?")[0]))
            print(f"\n{role}")
            for link in sorted(only) if only else links:  # --only: those paths, linked or not
                times = []
                for _ in range(4):
                    QUERIES[0] = 0
                    began = time.perf_counter()
                    answer = await client.get(link, headers=HTML, follow_redirects=True)
                    times.append(1000 * (time.perf_counter() - began))
                print(
                    f"  {link[:58]:<58} {answer.status_code} {statistics.median(times[1:]):7.1f} ms "
                    f"{QUERIES[0]:4d} queries {len(answer.content) // 1024:5d} KiB"
                )
    await db.close_pool()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", help="comma-separated roles of the demo logins (default: all)")
    parser.add_argument("--only", help="comma-separated paths to time (default: every link of the role's home)")
    parser.add_argument("--slow", type=float, help="print every query that takes at least this many ms, with its SQL")
    args = parser.parse_args()
    SLOW_MS[0] = args.slow
    os.environ.setdefault("QA_BACKGROUND", "0")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would bury the table
    count_queries()
    asyncio.run(main(args.roles.split(",") if args.roles else None, set(args.only.split(",")) if args.only else None))
