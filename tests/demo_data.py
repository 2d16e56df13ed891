"""The demo centre for tests: built once per database, then restored from a copy of its rows.

`qa demo` takes two to five minutes here. Several test modules need the same centre (seed 1, as
on 22 November 2026): the first to ask builds it with `load_demo`, and the rows of every table are
copied aside (SQLite: `VACUUM INTO` a file; PostgreSQL: binary COPY into memory). Later tests get
the same rows back in a second or two. The recordings the demo wrote stay in the session's data
folder, as they would on a centre's machine. It is built once per session: when SQLite's copy
exists, PostgreSQL's centre is its rows copied over (the search index rebuilt from them), which
the upgrade test already relies on to give the same centre.

`sqlite_rows_into_postgres` serves the upgrade test: a database made by an earlier version on
SQLite is copied, row for row, into the same earlier schema on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from piccolo.table import sort_table_classes

from qa_app import db
from qa_app.demo import load_demo
from qa_app.settings import database_kind
from transcription import search

TODAY = date(2026, 11, 22)


@dataclass(frozen=True)
class Demo:
    logins: list[tuple[str, str, str]]
    messages: list[str]


_built: dict[str, tuple[Demo, object]] = {}


def _tables() -> list[str]:
    """Every table but Piccolo's migration history, parents before children."""
    ordered = sort_table_classes([t for t in db.all_tables() if t.__name__ != "Migration"])
    return [t._meta.tablename for t in ordered]


async def _take(url: str, folder: Path) -> object:
    if database_kind(url) == "sqlite":
        copy = folder / f"demo-{len(_built)}.sqlite3"
        with sqlite3.connect(db.sqlite_path(url)) as conn:
            conn.execute("VACUUM INTO ?", (str(copy),))
        return copy
    conn = await asyncpg.connect(url)
    try:
        copies = {}
        for name in _tables():
            buffer = io.BytesIO()
            await conn.copy_from_table(name, output=buffer, format="binary")
            copies[name] = buffer.getvalue()
        return copies
    finally:
        await conn.close()


async def _restore(url: str, snapshot: object) -> None:
    """Put the rows back into the (emptied) database."""
    if database_kind(url) == "sqlite":
        conn = sqlite3.connect(db.sqlite_path(url), isolation_level=None)
        try:
            conn.execute("ATTACH DATABASE ? AS snapshot", (str(snapshot),))
            conn.execute("BEGIN IMMEDIATE")
            for name in _tables():
                conn.execute(f'INSERT INTO main."{name}" SELECT * FROM snapshot."{name}"')
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE snapshot")
        finally:
            conn.close()
        return
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            for name in _tables():
                await conn.copy_to_table(name, source=io.BytesIO(snapshot[name]), format="binary")
                await _reset_sequences(conn, name)
    finally:
        await conn.close()


async def _reset_sequences(conn: asyncpg.Connection, name: str) -> None:
    """Rows came in with their ids: the next id follows the largest."""
    columns = await conn.fetch(
        "SELECT column_name, pg_get_serial_sequence(quote_ident($1), column_name) AS sequence "
        "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
        name,
    )
    for column in columns:
        if column["sequence"]:
            await conn.execute(
                f"SELECT setval('{column['sequence']}', coalesce((SELECT max(\"{column['column_name']}\") "
                f'FROM "{name}"), 0) + 1, false)'
            )


@pytest.fixture
async def demo_centre(clean_db, database, tmp_path_factory) -> Demo:
    """The demo centre (seed 1, today = 22 November 2026) in the test's database."""
    if database in _built:
        demo, snapshot = _built[database]
        await _restore(database, snapshot)
        return demo
    built_on_sqlite = [(d, s) for url, (d, s) in _built.items() if database_kind(url) == "sqlite"]
    if database_kind(database) == "postgresql" and built_on_sqlite:
        demo, sqlite_copy = built_on_sqlite[0]
        await sqlite_rows_into_postgres(sqlite_copy, database, tables=_tables())
        await search.index_all()
    else:
        messages: list[str] = []
        logins = await load_demo(seed=1, echo=messages.append, today=TODAY)
        demo = Demo(logins=logins, messages=messages)
    _built[database] = (demo, await _take(database, tmp_path_factory.getbasetemp()))
    return demo


def built_sqlite_copy() -> tuple[Path, list[tuple[str, str, str]]] | None:
    """The SQLite file of the demo centre this session built already, with its logins (role,
    e-mail, password), for a test that serves it from a data folder of its own; None if no test
    has built it yet."""
    for url, (demo, snapshot) in _built.items():
        if database_kind(url) == "sqlite":
            return snapshot, demo.logins
    return None


def _from_sqlite(value: object, kind: str) -> object:
    """A value as SQLite stores it, in the Python type asyncpg expects for `kind`."""
    if value is None:
        return None
    if kind == "boolean":
        return bool(value)
    if kind.startswith("timestamp"):
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    if kind == "date":
        return date.fromisoformat(value) if isinstance(value, str) else value
    if kind.startswith("time"):
        return time.fromisoformat(value) if isinstance(value, str) else value
    if kind == "numeric":
        return Decimal(str(value))
    if kind in ("json", "jsonb"):
        return value if isinstance(value, str) else json.dumps(value)
    if kind in ("double precision", "real"):
        return float(value)
    if kind in ("integer", "bigint", "smallint"):
        return int(value)
    if kind == "ARRAY":
        return json.loads(value) if isinstance(value, str) else value
    return value


async def sqlite_rows_into_postgres(source: Path, url: str, tables: list[str] | None = None) -> None:
    """Copy every row of every table of the SQLite file `source` (or of `tables`) into the same
    schema at `url`."""
    reader = sqlite3.connect(source)
    conn = await asyncpg.connect(url)
    try:
        names = tables or [
            r[0]
            for r in reader.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] not in ("sqlite_sequence", "migration")
        ]
        async with conn.transaction():
            await conn.execute("SET session_replication_role = replica")  # foreign keys checked by SQLite already
            for name in names:
                kinds = {
                    r["column_name"]: r["data_type"]
                    for r in await conn.fetch(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND table_name = $1",
                        name,
                    )
                }
                cursor = reader.execute(f'SELECT * FROM "{name}"')
                columns = [d[0] for d in cursor.description]
                records = [
                    tuple(_from_sqlite(v, kinds[c]) for v, c in zip(row, columns, strict=True)) for row in cursor
                ]
                await conn.copy_records_to_table(name, records=records, columns=columns)
                await _reset_sequences(conn, name)
            await conn.execute("SET session_replication_role = DEFAULT")
    finally:
        await conn.close()
        reader.close()
