"""Test set-up: every database test runs on SQLite, and on PostgreSQL too when one is reachable.

PostgreSQL is found at QA_TEST_POSTGRES_URL (default: the local server with trust auth); the
suite creates a database of its own there and drops it at the end. Where no PostgreSQL is
reachable, its tests are skipped with that reason in the report header and summary — unless
QA_TEST_REQUIRE_POSTGRES=1 (as in CI), when its absence is an error.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

_DATA_DIR = Path(tempfile.mkdtemp(prefix="qa-test-"))
os.environ["QA_DATA_DIR"] = str(_DATA_DIR)
# The app's own scheduled work (transcribing new recordings...) only where a test asks for it.
os.environ["QA_BACKGROUND"] = "0"
os.environ.setdefault("QA_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
os.environ.pop("QA_DATABASE_URL", None)
os.environ.pop("QA_TIMEZONE", None)

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import pytest  # noqa: E402
from piccolo.table import sort_table_classes  # noqa: E402

from qa_app import db  # noqa: E402
from qa_app.app import create_app  # noqa: E402
from qa_app.security import hash_password  # noqa: E402
from qa_app.settings import database_kind, reset_settings  # noqa: E402
from qa_app.tables import Agent, Call, Team, User  # noqa: E402
from tests.audio_files import six_hours  # noqa: E402, F401 - shared fixtures
from tests.demo_data import demo_centre  # noqa: E402, F401 - shared fixtures
from tests.live_app import live_app, new_live_app  # noqa: E402, F401 - shared fixtures
from tests.web import PASSWORD  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get("QA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("QA_TEST_REQUIRE_POSTGRES") == "1"
_postgres_state: dict[str, str | None] = {"reason": None}


def _postgres_reason() -> str | None:
    """None when PostgreSQL answers, else why not."""

    async def probe() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
        return None
    except Exception as error:  # any failure to connect means: not reachable
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL.split('@')[-1]}: {type(error).__name__}: {error}"


def pytest_configure(config: pytest.Config) -> None:
    _postgres_state["reason"] = _postgres_reason()
    if _postgres_state["reason"] and REQUIRE_POSTGRES:
        raise pytest.UsageError(f"QA_TEST_REQUIRE_POSTGRES=1 but {_postgres_state['reason']}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    if _postgres_state["reason"]:
        return [f"databases: SQLite only ({_postgres_state['reason']})"]
    return [f"databases: SQLite and PostgreSQL ({POSTGRES_ADMIN_URL.split('@')[-1]})"]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    ran = sorted(_ran_on)
    terminalreporter.write_line(f"database tests ran on: {', '.join(ran) if ran else 'none'}")


_ran_on: set[str] = set()


def _postgres_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest):
    """A migrated database for the whole session: yields its URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{_DATA_DIR / 'test.sqlite3'}"
        engine = db.use_database(url)
        await db.migrate()
        yield url
        return
    if _postgres_state["reason"]:
        pytest.skip(_postgres_state["reason"])
    name = f"qa_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _postgres_url(POSTGRES_ADMIN_URL, name)
    try:
        engine = db.use_database(url)
        await db.migrate()
        await db.start_pool()
        yield url
    finally:
        await db.close_pool()
        del engine
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_database(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty database of its own (not the session's, nothing bound to it): yields its URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        _ran_on.add("sqlite")
        return
    if _postgres_state["reason"]:
        pytest.skip(_postgres_state["reason"])
    name = f"qa_fresh_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _postgres_url(POSTGRES_ADMIN_URL, name)
        _ran_on.add("postgresql")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def clean_db(database: str, monkeypatch: pytest.MonkeyPatch):
    """The session's database, emptied, bound to every table; yields the database kind."""
    monkeypatch.setenv("QA_DATABASE_URL", database)
    reset_settings()
    engine = db.current_engine()
    if db.describe(engine).split()[0] != database_kind(database):
        raise RuntimeError("the session database is not the bound one")
    await empty_all_tables()
    kind = database_kind(database)
    _ran_on.add(kind)
    yield kind
    # A CLI test rebinds the tables to an engine of its own (same database): restore ours.
    db.bind(engine)
    reset_settings()


async def empty_all_tables() -> None:
    tables = sort_table_classes([t for t in db.all_tables() if t.__name__ != "Migration"])
    for table in reversed(tables):
        await table.delete(force=True)


@pytest.fixture
async def centre(clean_db):
    """Two teams, three agents, a user per role, and calls for each agent."""
    hashed = hash_password(PASSWORD)
    ids = {}
    for role in ("admin", "manager", "qa", "team_leader", "agent", "other_leader", "agent_b"):
        db_role = {"other_leader": "team_leader", "agent_b": "agent"}.get(role, role)
        rows = await User.insert(
            User(email=f"{role}@test.org", name=role.title(), role=db_role, password_hash=hashed)
        ).returning(User.id)
        ids[role] = rows[0]["id"]
    north = (await Team.insert(Team(name="North", leader=ids["team_leader"])).returning(Team.id))[0]["id"]
    south = (await Team.insert(Team(name="South", leader=ids["other_leader"])).returning(Team.id))[0]["id"]
    agents = {}
    for staff, team, user in (("1", north, ids["agent"]), ("2", north, ids["agent_b"]), ("3", south, None)):
        rows = await Agent.insert(Agent(staff_number=staff, name=f"Agent {staff}", team=team, user=user)).returning(
            Agent.id
        )
        agents[staff] = rows[0]["id"]
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    calls = []
    for index in range(120):
        staff = "123"[index % 3]
        calls.append(
            Call(
                external_id=f"x{index}",
                queue="general",
                agent=agents[staff],
                offered_at=start
                + timedelta(seconds=30 * (index // 2)),  # pairs share a second: the keyset needs the id too
                answered_at=start + timedelta(seconds=30 * (index // 2) + 10),
                wait_seconds=10,
                talk_seconds=100,
                disposition="answered",
            )
        )
    await Call.insert(*calls)
    call_ids = {}
    for row in await Call.select(Call.id, Call.agent):
        call_ids.setdefault(row["agent"], []).append(row["id"])
    return {"users": ids, "teams": {"north": north, "south": south}, "agents": agents, "calls": call_ids}


@pytest.fixture
async def client(centre):
    # httpx over ASGI runs the app on the test's own event loop (the database pool's loop).
    app = create_app(manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback; see tests/mail_servers.py."""
    from tests.mail_servers import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def imap_server():
    """A real IMAP server (Dovecot) on loopback with one mailbox; see tests/mail_servers.py."""
    from tests.mail_servers import ImapServer

    server = ImapServer().start()
    yield server
    server.stop()
