"""A believable demo centre: 3 teams, 30 agents, a municipal catalogue of 40 services in 10
departments, the three months before this one and this month to date of calls with realistic
daily and hourly patterns, waits that grow with load, handle times by service class, the rota's
attendance, short espeak-ng recordings with scripted transcripts (`demo_recordings`), and one
login per role.

Calls go through the same writer as a real import. Running it again changes nothing but makes
sure the printed logins work.
"""

from __future__ import annotations

import math
import os
import random
import tomllib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from kit.timeutil import current_month, previous_month
from qa_app import db, formatting, packages
from qa_app.i18n import _
from qa_app.imports.common import CallRecord, CallStore, ImportSummary
from qa_app.imports.prepare import records_batches
from qa_app.imports.run import attendance_upsert_sql
from qa_app.security import hash_password, verify_password
from qa_app.settings import get_settings
from qa_app.tables import Agent, Department, ImportRun, Role, Service, Team, User

DEMO_DOMAIN = "demo.example.org"

# The organisation (departments, the service catalogue, teams, agents) is data: demo_centre.toml.
CENTRE = tomllib.loads((Path(__file__).parent / "demo_centre.toml").read_text())
DEPARTMENTS: dict[str, str] = CENTRE["departments"]
SERVICES = [
    (s["name"], s["department"], s["class"], s["volume"]) for s in CENTRE["services"]
]  # (service, department, class, relative volume)
TEAMS: list[str] = CENTRE["teams"]
AGENT_NAMES: list[str] = CENTRE["agents"]

LEADERS = [("Morag Henderson", TEAMS[0]), ("Bram Willems", TEAMS[1]), ("Ingrid Larsson", TEAMS[2])]

DEMO_LOGINS = [
    (Role.admin, f"admin@{DEMO_DOMAIN}", "Alex Admin"),
    (Role.manager, f"manager@{DEMO_DOMAIN}", "Maria Manager"),
    (Role.qa, f"qa@{DEMO_DOMAIN}", "Quinn Marker"),
    (Role.team_leader, f"leader@{DEMO_DOMAIN}", LEADERS[0][0]),
    (Role.agent, f"agent@{DEMO_DOMAIN}", AGENT_NAMES[0]),
]

WEEKDAY_FACTOR = [1.3, 1.05, 1.0, 0.95, 0.85, 0.2, 0.0]  # Monday first; Saturday mornings only
HOUR_WEIGHTS = {8: 0.09, 9: 0.14, 10: 0.14, 11: 0.12, 12: 0.08, 13: 0.10, 14: 0.11, 15: 0.09, 16: 0.08, 17: 0.05}
SATURDAY_HOURS = {9: 0.4, 10: 0.35, 11: 0.25}
WEEKDAY_VOLUME = 560
TALK_MEDIAN = {"A": 170, "B": 290, "C": 130}
TRANSFER_SHARE = {"A": 0.02, "B": 0.08, "C": 0.45}


def credentials_path() -> Path:
    return get_settings().data_dir / "demo-logins.txt"


def demo_period(today: date, zone) -> tuple[date, date]:
    """The three calendar months before this one and this month up to yesterday."""
    this = current_month(zone, datetime.combine(today, time(12), tzinfo=zone))
    start = previous_month(previous_month(previous_month(this)))
    return start, today - timedelta(days=1)


def demo_agent(
    rng: random.Random, staff: str, name: str, team: int, active_from: date, active_to: date | None, *, part_time: bool
) -> dict[str, Any]:
    """One agent as the demo's rota and call generator take it: `speed` scales how long their
    calls last, a part-timer works fewer days."""
    return {
        "staff": staff,
        "name": name,
        "team": team,
        "interface": f"PJSIP/{staff}",
        "from": active_from,
        "to": active_to,
        "speed": rng.uniform(0.8, 1.25),
        "part_time": part_time,
    }


async def add_agents(agents: list[dict[str, Any]]) -> dict[str, int]:
    """Store the agents; every agent's id by staff number."""
    await Agent.insert(
        *[
            Agent(
                staff_number=a["staff"],
                name=a["name"],
                team=a["team"],
                interface=a["interface"],
                active_from=a["from"],
                active_to=a["to"],
            )
            for a in agents
        ]
    )
    return {r["staff_number"]: r["id"] for r in await Agent.select(Agent.id, Agent.staff_number)}


async def load_demo(
    *, seed: int = 2026, echo: Callable[[str], None] = print, today: date | None = None
) -> list[tuple[str, str, str]]:
    settings = get_settings()
    zone = settings.timezone
    if await Team.exists().where(Team.name == TEAMS[0]):
        echo(_("the demo centre is loaded already; checking the demo logins"))
    else:
        if await Agent.count() or await Team.count():
            raise RuntimeError(
                _("this database holds data that is not the demo; run `qa demo` with an empty QA_DATA_DIR or database")
            )
        rng = random.Random(seed)
        start, end = demo_period(today or datetime.now(zone).date(), zone)
        echo(
            _("building the demo centre: calls from %(start)s to %(end)s (%(zone)s)")
            % {"start": formatting.day(start), "end": formatting.day(end), "zone": settings.timezone_name}
        )
        await _build(rng, start, end, zone, echo)
    logins = await _ensure_logins()
    # Then each installed package adds its part (recordings, cases, surveys, samples, coaching...);
    # each step is idempotent and draws from its own seeded generator.
    for _name, step in packages.demo_steps():
        await step(seed=seed, today=today or datetime.now(zone).date(), echo=echo)
    return logins


async def _build(rng: random.Random, start: date, end: date, zone, echo: Callable[[str], None]) -> None:
    async with db.write_transaction() as tx:
        departments = {}
        for name in DEPARTMENTS:
            slug = name.lower().split()[0]
            rows = await Department.insert(Department(name=name, email=f"{slug}@{DEMO_DOMAIN}")).returning(
                Department.id
            )
            departments[name] = rows[0]["id"]
        await Service.insert(
            *[
                Service(name=n, department=departments[d], service_class=c, keywords=n.lower())
                for n, d, c, _ in SERVICES
            ]
        )
        leaders = {}
        placeholder = hash_password(os.urandom(16).hex())
        for index, (name, team) in enumerate(LEADERS):
            email = f"leader@{DEMO_DOMAIN}" if index == 0 else f"leader{index + 1}@{DEMO_DOMAIN}"
            rows = await User.insert(
                User(email=email, name=name, role=Role.team_leader, password_hash=placeholder)
            ).returning(User.id)
            leaders[team] = rows[0]["id"]
        team_ids = {}
        for team in TEAMS:
            rows = await Team.insert(Team(name=team, leader=leaders[team])).returning(Team.id)
            team_ids[team] = rows[0]["id"]
        agents = []
        for index, name in enumerate(AGENT_NAMES):
            staff = str(1001 + index)
            active_from = date(2021 + index % 5, 1 + index % 12, 1)
            active_to = None
            if index == len(AGENT_NAMES) - 1:  # a new starter this month and last
                active_from = previous_month(current_month(zone, datetime.combine(end, time(12), tzinfo=zone)))
            if index == len(AGENT_NAMES) - 2:  # left at the end of the first demo month
                active_to = previous_month(previous_month(end.replace(day=1))) - timedelta(days=1)
                active_to = max(active_to, start + timedelta(days=20))
            agents.append(
                demo_agent(
                    rng, staff, name, team_ids[TEAMS[index % 3]], active_from, active_to, part_time=index % 7 == 3
                )
            )
        ids = await add_agents(agents)
        present = await _attendance(tx, rng, agents, ids, start, end)
        echo(_("generating calls"))
        summary = ImportSummary(file="demo", format="demo", database=db.describe(db.current_engine()))
        store = CallStore(tx, summary)
        lookups = await store.lookups(secret_key=get_settings().secret_key, source="demo")
        for batch in records_batches(_calls(rng, agents, present, start, end, zone), lookups):
            summary.read += batch.read
            for line, reason in batch.errors:
                summary.reject(line, reason)
            await store.write(batch.rows, batch.new_agents)
        if summary.rejected:
            raise RuntimeError(f"demo data was rejected: {summary.errors[:3]}")
        await ImportRun.insert(ImportRun(kind="demo", file_name="qa demo", summary=summary.as_json()))
        echo(
            _("demo centre: %(agents)s agents, %(services)s services, %(calls)s calls")
            % {"agents": len(agents), "services": len(SERVICES), "calls": summary.created}
        )


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


async def _attendance(
    tx, rng: random.Random, agents: list[dict], ids: dict[str, int], start: date, end: date
) -> dict[date, list[dict]]:
    """The rota: who was at work each day. Returns the agents present per day."""
    rows = []
    present: dict[date, list[dict]] = {}
    for agent in agents:
        leave_start = start + timedelta(days=rng.randrange(0, max(1, (end - start).days - 10)))
        leave = {leave_start + timedelta(days=i) for i in range(rng.choice([0, 5, 5, 10]))}
        for day in _days(start, end):
            # A quarter of the agents work a Saturday morning; nobody works on Sunday.
            if day.weekday() == 6 or (day.weekday() == 5 and rng.random() >= 0.25):
                continue
            if day < agent["from"] or (agent["to"] and day > agent["to"]):
                continue
            scheduled = 180 if day.weekday() == 5 else (360 if agent["part_time"] else 450)
            absence, late = "", 0
            if day in leave:
                absence = "leave"
            elif rng.random() < 0.035:
                absence = "sick"
            elif rng.random() < 0.01:
                absence = "training"
            elif rng.random() < 0.08:
                late = rng.randint(2, 25)
            worked = 0 if absence else max(0, scheduled - late - rng.choice([0, 0, 0, 5, 10]))
            rows.append((ids[agent["staff"]], day, scheduled, worked, absence, late))
            if not absence:
                present.setdefault(day, []).append(agent)
    await db.executemany(tx, attendance_upsert_sql(), rows)
    return present


def _calls(rng: random.Random, agents: list[dict], present: dict[date, list[dict]], start: date, end: date, zone):
    weights = [s[3] for s in SERVICES]
    callers = [f"+46 70 {rng.randint(1000000, 9999999)}" for _ in range(15000)]
    sequence = 0
    for day in _days(start, end):
        factor = WEEKDAY_FACTOR[day.weekday()]
        on_duty = present.get(day, [])
        if factor == 0 or not on_duty:
            continue
        if day.day <= 5:
            factor *= 1.15  # council tax bills land at the start of the month
        volume = int(WEEKDAY_VOLUME * factor * rng.uniform(0.92, 1.08))
        hours = SATURDAY_HOURS if day.weekday() == 5 else HOUR_WEIGHTS
        peak = max(hours.values())
        for hour, weight in hours.items():
            load = weight / peak  # 1.0 at the busiest hour
            mean_wait = 6 + 35 * load**3 * factor
            for _call in range(int(volume * weight)):
                sequence += 1
                offered_local = datetime.combine(day, time(hour), tzinfo=zone) + timedelta(seconds=rng.randrange(3600))
                offered = offered_local.astimezone(timezone.utc)
                service = rng.choices(SERVICES, weights)[0]
                name, department, klass = service[0], service[1], service[2]
                queue = DEPARTMENTS[department]
                # Zipf-like: a few residents call again and again.
                caller = (
                    callers[min(len(callers) - 1, int(rng.paretovariate(1.2)) - 1)]
                    if rng.random() < 0.3
                    else rng.choice(callers)
                )
                patience = rng.expovariate(1 / 360)
                wait = int(rng.expovariate(1 / mean_wait))
                external_id = f"{int(offered.timestamp())}.{sequence}"
                if wait > patience:
                    yield CallRecord(
                        external_id=external_id,
                        offered_at=offered,
                        queue=queue,
                        ended_at=offered + timedelta(seconds=int(patience)),
                        wait_seconds=int(patience),
                        disposition="abandoned",
                        caller_number=caller,
                        service_ref=None,
                    )
                    continue
                agent = rng.choice(on_duty)
                talk = int(TALK_MEDIAN[klass] * agent["speed"] * math.exp(rng.gauss(0, 0.45)))
                talk = max(20, min(talk, 3600))
                hold = int(rng.expovariate(1 / 40)) if rng.random() < 0.3 else 0
                transferred = rng.random() < TRANSFER_SHARE[klass]
                answered = offered + timedelta(seconds=wait)
                yield CallRecord(
                    external_id=external_id,
                    offered_at=offered,
                    queue=queue,
                    agent_ref=agent["staff"],
                    answered_at=answered,
                    ended_at=answered + timedelta(seconds=talk + hold),
                    wait_seconds=wait,
                    talk_seconds=talk,
                    hold_seconds=hold,
                    transferred=transferred,
                    disposition="transferred" if transferred else "answered",
                    caller_number=caller,
                    service_ref=name,
                )


def _read_saved() -> dict[str, str]:
    path = credentials_path()
    saved = {}
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3:
                saved[parts[1]] = parts[2]
    return saved


async def _ensure_logins() -> list[tuple[str, str, str]]:
    """One login per role; passwords are random per installation, kept in the data folder
    (readable by its owner only) and printed, so the demo is never open with a known password."""
    saved = _read_saved()
    result = []
    agent_row = await Agent.select(Agent.id, Agent.user).where(Agent.staff_number == "1001").first()
    for role, email, name in DEMO_LOGINS:
        user = await User.select(User.id, User.password_hash).where(User.email == email).first()
        password = saved.get(email)
        if user is None:
            password = password or os.urandom(9).hex()
            rows = await User.insert(
                User(email=email, name=name, role=role, password_hash=hash_password(password))
            ).returning(User.id)
            user_id = rows[0]["id"]
        else:
            user_id = user["id"]
            if not password or not verify_password(user["password_hash"], password):
                password = os.urandom(9).hex()
                await User.update({User.password_hash: hash_password(password)}).where(User.id == user_id)
        if role == Role.agent and agent_row and agent_row["user"] is None:
            await Agent.update({Agent.user: user_id}).where(Agent.id == agent_row["id"])
        result.append((role.value, email, password))
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{role} {email} {password}\n" for role, email, password in result)
    return result
