"""A centre's database made by the version before the domain packages (cases/, audits/) and the
one API-key model upgrades in place: `qa db upgrade` keeps every row of every table, the moved
tables are read through their new packages, and the phone system's key still works."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from qa_app import api_keys, db
from qa_app.settings import database_kind
from tests.demo_data import sqlite_rows_into_postgres
from tests.qa_command import ROOT, run_qa

# The last commit before the case register and the mystery-email audits became packages.
PREVIOUS = "1bcbf334d586fe438fa2a61a34063a83d1ed5974"
PACKAGES = ("qa_app", "transcription", "scorecards", "surveys", "coaching", "reports")
PHONE_KEY = "qa_phone-system-key-from-before-the-upgrade"
OPEN311_KEY = "open311-key-from-before-the-upgrade"


def previous_source(into: Path) -> Path:
    """The previous version's packages, from git (the test fails, saying why, without it)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", PREVIOUS, *PACKAGES], capture_output=True, check=False
    )
    assert archive.returncode == 0, f"commit {PREVIOUS} is needed (a full clone): {archive.stderr.decode()}"
    into.mkdir()
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def run_previous(source: Path, data: Path, url: str, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from qa_app.cli import main; main()", *args],
        env={**os.environ, "PYTHONPATH": str(source), "QA_DATA_DIR": str(data), "QA_DATABASE_URL": url},
        cwd=source,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]


async def counts(url: str) -> dict[str, int]:
    if database_kind(url) == "sqlite":
        with sqlite3.connect(db.sqlite_path(url)) as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {
                n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names if n != "sqlite_sequence"
            }
    conn = await asyncpg.connect(url)
    try:
        names = [
            r["table_name"]
            for r in await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        ]
        return {n: await conn.fetchval(f'SELECT count(*) FROM "{n}"') for n in names}
    finally:
        await conn.close()


async def execute(url: str, sql: str) -> None:
    if database_kind(url) == "sqlite":
        with sqlite3.connect(db.sqlite_path(url)) as conn:
            conn.execute(sql)
        return
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def previous_demo(tmp_path_factory) -> tuple[Path, Path, Path]:
    """The previous version's source, its demo centre on SQLite (built once) and its data folder."""
    folder = tmp_path_factory.mktemp("previous")
    source = previous_source(folder / "source")
    file, data = folder / "demo.sqlite3", folder / "data"
    run_previous(source, data, f"sqlite:///{file}", "db", "upgrade")
    run_previous(source, data, f"sqlite:///{file}", "demo", "--seed", "4")
    return source, file, data


async def test_the_previous_schema_with_the_demo_upgrades_with_every_row_kept(fresh_database, previous_demo):
    """On PostgreSQL the previous version makes its schema, and the rows of its demo centre (built
    once, on SQLite) are copied in: building the demo again would take 90 seconds."""
    url = fresh_database
    source, demo_file, data = previous_demo
    if database_kind(url) == "sqlite":
        with sqlite3.connect(demo_file) as built, sqlite3.connect(db.sqlite_path(url)) as copy:
            built.backup(copy)
    else:
        run_previous(source, data, url, "db", "upgrade")
        await sqlite_rows_into_postgres(demo_file, url)
    # The demo has no API keys: one of each kind, as a centre would have made them.
    now = "CURRENT_TIMESTAMP"
    await execute(
        url,
        "INSERT INTO integration (name, key_hash, active, created_at) "
        f"VALUES ('Asterisk IVR', '{api_keys.key_hash(PHONE_KEY)}', TRUE, {now})",
    )
    await execute(
        url,
        "INSERT INTO api_client (name, key_hash, scope, active, created_at) "
        f"VALUES ('FixMyStreet', '{api_keys.key_hash(OPEN311_KEY)}', 'open311', TRUE, {now})",
    )
    before = await counts(url)
    assert before["call"] > 10_000 and before["case"] > 1_000 and before["audit_scenario"] > 0  # the demo is there

    upgraded = run_qa("db", "upgrade", database=url, env={"QA_DATA_DIR": str(data)})
    assert upgraded.returncode == 0, upgraded.stderr

    after = await counts(url)
    assert "integration" not in after  # its rows are API keys now
    assert after["api_client"] == before["api_client"] + before["integration"]
    assert after["migration"] > before["migration"]
    kept = {t: n for t, n in before.items() if t not in ("integration", "api_client", "migration")}
    assert {t: after.get(t) for t in kept} == kept
    assert len(kept) >= 30

    # The new code reads the moved tables and both keys, each for its own scope only.
    previous_engine = db.current_engine()
    try:
        db.use_database(url)
        from audits.tables import AuditScenario
        from cases.tables import Case

        assert await Case.count() == before["case"]
        assert await AuditScenario.count() == before["audit_scenario"]
        assert (await api_keys.client_for(PHONE_KEY, api_keys.Scope.surveys))["name"] == "Asterisk IVR"
        assert (await api_keys.client_for(OPEN311_KEY, api_keys.Scope.open311))["name"] == "FixMyStreet"
        assert await api_keys.client_for(PHONE_KEY, api_keys.Scope.open311) is None
        await db.close_pool()
    finally:
        db.bind(previous_engine)
