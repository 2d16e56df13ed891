"""A year of a 300-agent centre for the load benchmark (issue 14): the demo centre (its logins,
scorecard, samples and evaluations) grown by further teams of agents with a year of calls, their
rota and residents' survey answers, through the same call writer as an import.

    QA_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/qa_load QA_DATA_DIR=/tmp/qa-load \\
        .venv/bin/python benchmarks/seed_year.py [--agents 300] [--calls-per-day 3300]

Run `qa demo` on the same database and data folder first (this script does it when the demo is
not there). The added agents' calls are about a million over twelve months; they have no
evaluations of their own (the demo's 30 agents have those for their months). It also writes
`survey-links.txt` in the data folder: open survey links of recent calls, one token a line, for
the simulated residents of benchmarks/load.py.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEAM_SIZE = 30
SURVEY_LINKS = 5000


async def seed(agents_wanted: int, calls_per_day: int, seed: int) -> None:
    from qa_app import db, demo
    from qa_app.imports.common import CallStore, ImportSummary
    from qa_app.imports.prepare import records_batches
    from qa_app.security import hash_password
    from qa_app.settings import get_settings
    from qa_app.tables import Agent, Call, Role, Team, User
    from surveys.demo import sent_invitation
    from surveys.invitations import default_template, new_token
    from surveys.tables import SurveyInvitation, SurveyResponse

    settings = get_settings()
    db.use_database(settings.database_url)
    await db.migrate()
    await db.start_pool()
    try:
        if not await Team.exists().where(Team.name == demo.TEAMS[0]):
            print("loading the demo centre first...", flush=True)
            await demo.load_demo(echo=lambda m: print(m, flush=True))
        existing = await Agent.count()
        if existing >= agents_wanted:
            print(f"the database has {existing} agents already: nothing to add")
            return
        rng = random.Random(seed)
        zone = settings.timezone
        end = datetime.now(zone).date() - timedelta(days=1)
        start = end.replace(year=end.year - 1) + timedelta(days=1)
        placeholder = hash_password("not a login")
        added = agents_wanted - existing
        began = time.perf_counter()
        async with db.write_transaction() as tx:
            agents = []
            for team_index in range((added + TEAM_SIZE - 1) // TEAM_SIZE):
                name = f"Team {team_index + 4:02d}"
                leader = await User.insert(
                    User(
                        email=f"leader-t{team_index + 4:02d}@{demo.DEMO_DOMAIN}",
                        name=f"Leader of {name}",
                        role=Role.team_leader,
                        password_hash=placeholder,
                    )
                ).returning(User.id)
                team = await Team.insert(Team(name=name, leader=leader[0]["id"])).returning(Team.id)
                for member in range(min(TEAM_SIZE, added - len(agents))):
                    staff = str(5001 + len(agents))
                    agents.append(
                        demo.demo_agent(
                            rng,
                            staff,
                            f"Agent {staff}",
                            team[0]["id"],
                            start - timedelta(days=400),
                            None,
                            part_time=member % 7 == 3,
                        )
                    )
            ids = await demo.add_agents(agents)
            present = await demo._attendance(tx, rng, agents, ids, start, end)
            print(f"{len(agents)} agents in {len(agents) // TEAM_SIZE} teams, their rota for a year", flush=True)
            demo.WEEKDAY_VOLUME = calls_per_day  # the demo's generator, at this centre's volume
            summary = ImportSummary(file="seed", format="demo", database=db.describe(db.current_engine()))
            store = CallStore(tx, summary)
            lookups = await store.lookups(secret_key=settings.secret_key, source="seed")
            records = (
                dataclasses.replace(record, external_id="y" + record.external_id)  # apart from the demo's ids
                for record in demo._calls(rng, agents, present, start, end, zone)
            )
            for batch in records_batches(records, lookups):
                await store.write(batch.rows, batch.new_agents)
                if summary.created and summary.created % 100_000 < len(batch.rows):
                    print(f"  {summary.created:,} calls ({time.perf_counter() - began:.0f} s)", flush=True)
        print(f"{summary.created:,} calls added in {time.perf_counter() - began:.0f} s", flush=True)

        # Residents' answers on a quarter of the added answered calls, a third of them answered.
        template = (await default_template())["id"]
        staff_ids = [ids[a["staff"]] for a in agents]
        links: list[str] = []
        recent = datetime.now(timezone.utc) - timedelta(days=10)
        for first in range(0, len(staff_ids), 30):
            calls = await Call.select(Call.id, Call.agent, Call.caller_hash, Call.offered_at).where(
                Call.agent.is_in(staff_ids[first : first + 30]) & Call.answered_at.is_not_null()
            )
            invitations, answered = [], []
            for call in calls:
                if rng.random() >= 0.25:
                    continue
                sent = call["offered_at"] + timedelta(minutes=5)
                token = new_token()
                is_open = sent > recent and len(links) < SURVEY_LINKS and rng.random() < 0.5
                done = not is_open and rng.random() < 0.35
                if is_open:
                    links.append(token)
                invitations.append(
                    sent_invitation(
                        call,
                        template,
                        token,
                        sent,
                        answered_at=sent + timedelta(hours=3) if done else None,
                        days=30 if is_open else 14,
                    )
                )
                if done:
                    answered.append(call)
            async with db.write_transaction():
                for at in range(0, len(invitations), 1000):
                    await SurveyInvitation.insert(*invitations[at : at + 1000])
                responses = [
                    SurveyResponse(
                        call=call["id"],
                        agent=call["agent"],
                        template=template,
                        language="en",
                        satisfaction=max(1, min(5, round(rng.gauss(4.0, 0.9)))),
                        recommend=max(0, min(10, round(rng.gauss(7.2, 1.6)))),
                        effort=max(1, min(7, round(rng.gauss(2.4, 1.0)))),
                        resolved=rng.choice(["yes", "yes", "yes", "partly", "no"]),
                        created_at=call["offered_at"] + timedelta(hours=3),
                    )
                    for call in answered
                ]
                for at in range(0, len(responses), 1000):
                    await SurveyResponse.insert(*responses[at : at + 1000])
        (settings.data_dir / "survey-links.txt").write_text("\n".join(links) + "\n")
        print(
            f"survey invitations and answers added; {len(links)} open links in "
            f"{settings.data_dir / 'survey-links.txt'} ({time.perf_counter() - began:.0f} s in all)"
        )
        print(f"calls in the database: {await Call.count():,}; agents: {await Agent.count()}")
    finally:
        await db.close_pool()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--calls-per-day", type=int, default=3300, help="a weekday's calls to the added agents")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    asyncio.run(seed(args.agents, args.calls_per_day, args.seed))


if __name__ == "__main__":
    main()
