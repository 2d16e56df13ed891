"""The engine: SQLite in WAL mode with a busy timeout and immediate write transactions;
migrations that apply once; errors that name the setting."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from qa_app import db
from qa_app.settings import ConfigError, database_kind
from qa_app.tables import AuditLog, Team


def test_database_urls():
    assert database_kind("sqlite:////tmp/x.db") == "sqlite"
    assert database_kind("postgresql://u@h:5432/d") == "postgresql"
    with pytest.raises(ConfigError, match="must start with sqlite:/// or postgresql://"):
        database_kind("mysql://u@h/d")
    assert str(db.sqlite_path("sqlite:////var/lib/qa/qa.sqlite3")) == "/var/lib/qa/qa.sqlite3"
    assert db.describe_url("postgresql://qa:secret@db:5432/qa") == "postgresql db:5432/qa"  # no password


async def test_sqlite_is_in_wal_mode_with_a_busy_timeout(clean_db, database):
    if clean_db != "sqlite":
        pytest.skip("SQLite settings")
    path = db.sqlite_path(database)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.current_engine().connection_kwargs["timeout"] == db.SQLITE_BUSY_TIMEOUT_SECONDS


async def test_concurrent_writers_queue_instead_of_failing(clean_db):
    """Twenty writers at once, each read-then-write in its own transaction: with immediate
    transactions on SQLite (and row locking on PostgreSQL) none fails and none is lost."""

    async def writer(index: int) -> None:
        async with db.write_transaction():
            count = await Team.count()
            await Team.insert(Team(name=f"team {index} after {count}"))

    await asyncio.gather(*(writer(i) for i in range(20)))
    assert await Team.count() == 20


async def test_a_failed_transaction_leaves_nothing(clean_db):
    with pytest.raises(RuntimeError):
        async with db.write_transaction():
            await AuditLog.insert(AuditLog(action="x", entity="y"))
            raise RuntimeError("boom")
    assert await AuditLog.count() == 0


async def test_migrations_apply_once(clean_db):
    await db.migrate()
    await db.migrate()
    from pathlib import Path

    from piccolo.apps.migrations.tables import Migration

    names = [r["name"] for r in await Migration.select(Migration.name).where(Migration.app_name == "qa_app")]
    files = list((Path(db.__file__).parent / "piccolo_migrations").glob("qa_app_*.py"))
    assert len(names) == len(set(names)) == len(files) >= 3  # each applied once, none left out


def test_agent_channel_setting(monkeypatch):
    from qa_app.settings import get_settings, reset_settings

    monkeypatch.setenv("QA_AGENT_CHANNEL", "Right")
    reset_settings()
    assert get_settings().agent_channel == 1
    monkeypatch.setenv("QA_AGENT_CHANNEL", "middle")
    reset_settings()
    with pytest.raises(ConfigError, match="QA_AGENT_CHANNEL must be left or right"):
        get_settings()
    monkeypatch.delenv("QA_AGENT_CHANNEL")
    reset_settings()
    assert get_settings().agent_channel == 0
