"""Reads the pages need: the organisation and calls, always within a visibility scope
(see `auth.agent_scope`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from qa_app import db
from qa_app.tables import Agent, Call, Service, Team, User

PAGE_SIZE = 50


@dataclass
class CallFilter:
    agent_id: int | None = None
    team_id: int | None = None
    queue: str | None = None
    disposition: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    service_id: int | None = None
    recorded: bool | None = None  # has a recording (True), has none (False), either (None)
    evaluated: bool | None = None  # has a submitted evaluation (not a draft, not a calibration)


@dataclass
class CallPage:
    rows: list[dict[str, Any]]
    older: str | None  # cursor of the next (older) page
    newer: str | None  # cursor of the previous (newer) page


def encode_cursor(row: dict[str, Any]) -> str:
    return f"{int(row['offered_at'].timestamp())}_{row['id']}"


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    if not value:
        return None
    try:
        stamp, call_id = value.split("_", 1)
        return datetime.fromtimestamp(int(stamp), tz=timezone.utc), int(call_id)
    except ValueError:
        return None


# A call someone has marked: a submitted evaluation, not a draft and not a calibration exercise.
EVALUATED = (
    'EXISTS (SELECT 1 FROM "evaluation" e WHERE e."call" = c."id" '
    'AND e."status" <> \'draft\' AND e."calibration" IS NULL)'
)


def _call_conditions(
    scope: list[int] | None, filters: CallFilter, *, newest_first: bool = True
) -> tuple[list[str], list[Any]]:
    """The WHERE conditions (with `{}` for each argument) of the calls in scope that match;
    `newest_first` when they are read in time order (a page of the list, an export)."""
    where: list[str] = []
    args: list[Any] = []
    if scope is not None:
        # For a page of a team's calls, walking the time index and filtering is far cheaper than
        # merging one index range per agent and sorting them; the unary plus tells SQLite so.
        # A count wants the agent index itself (PostgreSQL: 60 ms against 2 for a team's year).
        plain = len(scope) <= 1 or not newest_first
        where.append(db.sql_in('c."agent"' if plain else '+c."agent"', scope))
    for value, clause in (
        (filters.agent_id, 'c."agent" = {}'),
        (filters.team_id, 'c."agent" IN (SELECT "id" FROM "agent" WHERE "team" = {})'),
        (filters.queue, 'c."queue" = {}'),
        (filters.disposition, 'c."disposition" = {}'),
        (filters.start, 'c."offered_at" >= {}'),
        (filters.end, 'c."offered_at" < {}'),
    ):
        if value is not None and value != "":
            where.append(clause)
            args.append(value)
    if filters.service_id is not None:
        where.append('c."service" = {}')
        args.append(filters.service_id)
    if filters.recorded is not None:
        where.append('c."recording_path" IS NOT NULL' if filters.recorded else 'c."recording_path" IS NULL')
    if filters.evaluated is not None:
        where.append(EVALUATED if filters.evaluated else f"NOT {EVALUATED}")
    return where, args


COUNTED = 10_000  # the list counts its calls up to this; beyond, it says "more than 10,000 calls"


async def count_calls(scope: list[int] | None, filters: CallFilter) -> int:
    """How many calls in scope match the filters (the list's total), counted up to COUNTED:
    more than that gives COUNTED + 1. Counting a year of a large centre's calls took 30 ms on
    every page of the list; nobody pages through ten thousand calls, they filter."""
    where, args = _call_conditions(scope, filters, newest_first=False)
    matching = f'SELECT 1 FROM "call" c {"WHERE " + " AND ".join(where) if where else ""} LIMIT {COUNTED + 1}'
    rows = await Call.raw(f"SELECT COUNT(*) AS n FROM ({matching}) AS m", *args)
    return int(rows[0]["n"])


async def export_calls(scope: list[int] | None, filters: CallFilter, limit: int) -> list[dict[str, Any]]:
    """The matching calls in scope for a CSV export, newest first, at most `limit`."""
    where, args = _call_conditions(scope, filters)
    sql = f"""
        SELECT c."id", c."queue", c."offered_at", c."wait_seconds", c."talk_seconds", c."disposition",
               c."transferred", c."recording_path", a."name" AS agent_name, a."staff_number",
               t."name" AS team_name, s."name" AS service_name, {EVALUATED} AS evaluated
        FROM "call" c
        LEFT JOIN "agent" a ON a."id" = c."agent"
        LEFT JOIN "team" t ON t."id" = a."team"
        LEFT JOIN "service" s ON s."id" = c."service"
        {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY c."offered_at" DESC, c."id" DESC
        LIMIT {int(limit)}
    """
    rows = await Call.raw(sql, *args)
    for row in rows:
        if isinstance(row["offered_at"], str):
            row["offered_at"] = datetime.fromisoformat(row["offered_at"]).astimezone(timezone.utc)
        row["evaluated"] = bool(row["evaluated"])
    return rows


async def list_calls(
    scope: list[int] | None,
    filters: CallFilter,
    *,
    before: str | None = None,
    after: str | None = None,
    page_size: int = PAGE_SIZE,
) -> CallPage:
    """Newest first, by keyset on (offered_at, id): a page costs the same on the millionth call
    as on the first, with the composite indexes of the second migration."""
    where, args = _call_conditions(scope, filters)
    ascending = False
    if (cursor := decode_cursor(before)) is not None:
        where.append('(c."offered_at", c."id") < ({}, {})')
        args.extend(cursor)
    elif (cursor := decode_cursor(after)) is not None:
        where.append('(c."offered_at", c."id") > ({}, {})')
        args.extend(cursor)
        ascending = True
    order = "ASC" if ascending else "DESC"
    sql = f"""
        SELECT c."id", c."external_id", c."queue", c."offered_at", c."wait_seconds", c."talk_seconds",
               c."disposition", c."transferred", c."recording_path", c."agent" AS agent_id,
               a."name" AS agent_name, a."staff_number", s."name" AS service_name
        FROM "call" c
        LEFT JOIN "agent" a ON a."id" = c."agent"
        LEFT JOIN "service" s ON s."id" = c."service"
        {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY c."offered_at" {order}, c."id" {order}
        LIMIT {int(page_size) + 1}
    """
    rows = await Call.raw(sql, *args)
    more = len(rows) > page_size
    rows = rows[:page_size]
    if ascending:
        rows.reverse()
    for row in rows:
        if isinstance(row["offered_at"], str):  # raw SQL on SQLite returns the stored text
            row["offered_at"] = datetime.fromisoformat(row["offered_at"]).astimezone(timezone.utc)
    has_older = more if not ascending else True
    has_newer = (before is not None) if not ascending else more
    return CallPage(
        rows=rows,
        older=encode_cursor(rows[-1]) if rows and has_older else None,
        newer=encode_cursor(rows[0]) if rows and has_newer else None,
    )


async def get_call(call_id: int) -> dict[str, Any] | None:
    return (
        await Call.select(
            Call.all_columns(),
            Call.agent.name.as_alias("agent_name"),
            Call.agent.staff_number.as_alias("staff_number"),
            Call.agent.team.name.as_alias("team_name"),
            Call.service.name.as_alias("service_name"),
            Call.service.service_class.as_alias("service_class"),
            Call.service.department.name.as_alias("department_name"),
        )
        .where(Call.id == call_id)
        .first()
    )


async def queues() -> list[str]:
    # One index probe per queue (the queue index, skipped from one queue to the next) rather
    # than reading every call: 148 ms to under 1 ms on a million calls in PostgreSQL.
    rows = await Call.raw(
        'WITH RECURSIVE q("queue") AS ('
        '  SELECT * FROM (SELECT "queue" FROM "call" WHERE "queue" IS NOT NULL ORDER BY "queue" LIMIT 1) AS first'
        "  UNION ALL"
        '  SELECT (SELECT c."queue" FROM "call" c WHERE c."queue" > q."queue" ORDER BY c."queue" LIMIT 1)'
        '  FROM q WHERE q."queue" IS NOT NULL'
        ') SELECT "queue" FROM q WHERE "queue" IS NOT NULL'
    )
    return [r["queue"] for r in rows if r["queue"]]


async def list_agents(scope: list[int] | None, team_id: int | None = None) -> list[dict[str, Any]]:
    query = Agent.select(
        Agent.id,
        Agent.staff_number,
        Agent.name,
        Agent.interface,
        Agent.active_from,
        Agent.active_to,
        Agent.team.id.as_alias("team_id"),
        Agent.team.name.as_alias("team_name"),
        Agent.user.email.as_alias("email"),
    ).order_by(Agent.name)
    if scope is not None:
        query = query.where(Agent.id.is_in(scope or [-1]))
    if team_id is not None:
        query = query.where(Agent.team == team_id)
    return await query


async def get_agent(agent_id: int) -> dict[str, Any] | None:
    return (
        await Agent.select(
            Agent.all_columns(),
            Agent.team.name.as_alias("team_name"),
            Agent.user.email.as_alias("email"),
        )
        .where(Agent.id == agent_id)
        .first()
    )


async def list_teams(team_ids: list[int] | None) -> list[dict[str, Any]]:
    query = Team.select(Team.id, Team.name, Team.leader.name.as_alias("leader_name")).order_by(Team.name)
    if team_ids is not None:
        query = query.where(Team.id.is_in(team_ids or [-1]))
    teams = await query
    counts = await Agent.raw('SELECT "team", COUNT(*) AS n FROM "agent" GROUP BY "team"')
    by_team = {r["team"]: r["n"] for r in counts}
    for team in teams:
        team["agents"] = by_team.get(team["id"], 0)
    return teams


async def get_team(team_id: int) -> dict[str, Any] | None:
    return (
        await Team.select(
            Team.id, Team.name, Team.leader.name.as_alias("leader_name"), Team.leader.email.as_alias("leader_email")
        )
        .where(Team.id == team_id)
        .first()
    )


async def list_services() -> list[dict[str, Any]]:
    return (
        await Service.select(
            Service.id,
            Service.name,
            Service.service_class,
            Service.department.name.as_alias("department_name"),
        )
        .order_by(Service.department.name)
        .order_by(Service.name)
    )


async def list_users() -> list[dict[str, Any]]:
    return await User.select(User.id, User.email, User.name, User.role, User.active, User.last_login_at).order_by(
        User.email
    )
