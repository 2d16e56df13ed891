"""The database engine: chosen from QA_DATABASE_URL, SQLite (WAL, busy timeout, immediate
write transactions) or PostgreSQL (asyncpg).

Piccolo binds each table to an engine; `use_database()` points every table, and Piccolo's
own migration machinery (`qa_app.piccolo_conf.DB` answers `current_engine()`), at one engine.
That is what lets one process (the test suite) run against SQLite and then PostgreSQL.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from qa_app.settings import ConfigError, database_kind, get_settings, make_private_dir

SQLITE_BUSY_TIMEOUT_SECONDS = 30

# aiosqlite's DEBUG lines echo every statement with its parameters: residents' words and numbers
# would reach the log whenever the app logs at DEBUG. Its INFO and above say nothing of the data.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


def sqlite_path(url: str) -> Path:
    """`sqlite:////abs/path.db` or `sqlite:///relative.db` (the SQLAlchemy convention)."""
    if not url.startswith("sqlite:///"):
        raise ConfigError("a SQLite QA_DATABASE_URL looks like sqlite:////absolute/path/qa.sqlite3")
    return Path(url[len("sqlite:///") :])


def engine_for_url(url: str) -> Engine:
    if database_kind(url) == "sqlite":
        path = sqlite_path(url)
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    # JIT off: PostgreSQL compiles a query whose estimated cost passes `jit_above_cost`, which
    # for the app's short reads over a large table costs 10 to 100 ms a query and gains nothing
    # (a year of a 300-agent centre: the outcomes page's reads spent more time compiling than
    # running, issue 14). The reports' long reads run without it too: they take seconds at most.
    return PostgresEngine(config={"dsn": url, "server_settings": {"jit": "off"}})


def describe(engine: Engine) -> str:
    """A human description of the database, without credentials."""
    if isinstance(engine, SQLiteEngine):
        return f"sqlite {engine.path}"
    return describe_url(engine.config.get("dsn", ""))


def describe_url(url: str) -> str:
    if database_kind(url) == "sqlite":
        return f"sqlite {sqlite_path(url)}"
    return "postgresql " + (url.split("@")[-1] if "@" in url else url.split("//")[-1])


def prepare_sqlite_file(path: Path) -> None:
    """Create the folder and switch the file to WAL mode (a persistent property of the file)."""
    make_private_dir(path.parent)
    with contextlib.closing(sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)) as conn:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise ConfigError(f"could not switch {path} to WAL mode (got {mode})")


def all_tables() -> list[type]:
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    tables: list[type] = [Migration]
    for config in Finder().get_app_registry().app_configs.values():
        tables.extend(config.table_classes)
    return tables


def use_database(url: str) -> Engine:
    """Make `url` the database of every table in this process and return its engine."""
    engine = engine_for_url(url)
    if isinstance(engine, SQLiteEngine):
        prepare_sqlite_file(Path(engine.path))
    bind(engine)
    return engine


_engine: Engine | None = None


def bind(engine: Engine) -> None:
    """Point Piccolo's configuration and every table at `engine`."""
    global _engine
    _engine = engine
    for table in all_tables():
        table._meta.db = engine


def current_engine() -> Engine:
    """The bound engine; until one is bound, that of QA_DATABASE_URL."""
    global _engine
    if _engine is None:
        _engine = engine_for_url(get_settings().database_url)
    return _engine


def current_url() -> str:
    """The bound database's URL, for a child process to bind the same database."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return f"sqlite:///{engine.path}"
    return engine.config["dsn"]


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine or current_engine(), SQLiteEngine)


async def migrate() -> None:
    """Apply every pending migration of every app (idempotent)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        prepare_sqlite_file(Path(engine.path))
    with contextlib.redirect_stdout(_NullWriter()):
        result = await run_forwards(app_name="all", migration_id="all")
    if not result.success:
        raise RuntimeError(f"database migration failed: {result.message}")


class _NullWriter:
    """Piccolo prints a heading per app while migrating; `qa` keeps stdout for its own output."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[Any]:
    """A transaction for writes: `BEGIN IMMEDIATE` on SQLite, so that two writers queue on the
    busy timeout instead of failing half-way with "database is locked"."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
            yield tx
    else:
        async with engine.transaction() as tx:
            yield tx


def json_value(value: Any) -> Any:
    """A JSON column as raw SQL gives it (its text) or as Piccolo has parsed it, parsed."""
    return json.loads(value) if isinstance(value, str) else value


def sql_in(column: str, ids: list[int]) -> str:
    """`column IN (1, 2, 3)` for ids we hold as integers (never user text); an empty list
    matches nothing."""
    return f"{column} IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})"


def among(column: Any, values: set[str]) -> Any:
    """A Piccolo condition: `column` is one of `values`, never true when there are none (SQL has
    no empty IN)."""
    return column.is_in(sorted(values)) if values else column.is_null() & column.is_not_null()


def placeholders(engine: Engine, count: int, start: int = 1) -> list[str]:
    if isinstance(engine, SQLiteEngine):
        return ["?"] * count
    return [f"${i}" for i in range(start, start + count)]


async def executemany(tx: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement for many rows on the transaction's own connection.

    Piccolo has no executemany; bulk imports need it (one round trip per batch, not per row).
    """
    if rows:
        await tx.connection.executemany(sql, rows)


SQLITE_ROWS_PER_STATEMENT = 500


async def insert_many(tx: Any, head: str, tail: str, rows: Sequence[Sequence[Any]]) -> None:
    """`head` VALUES (...), (...) `tail` for many rows: the bulk write of imports.

    On SQLite, several hundred rows go in one multi-row statement: sqlite3's executemany takes
    the GIL back for every row, which starves a parser running beside it; one statement per
    chunk runs with the GIL released throughout. PostgreSQL uses asyncpg's pipelined
    executemany.
    """
    if not rows:
        return
    width = len(rows[0])
    if not is_sqlite():
        marks = ", ".join(f"${i}" for i in range(1, width + 1))
        await tx.connection.executemany(f"{head} VALUES ({marks}) {tail}", rows)
        return
    one = "(" + ", ".join("?" * width) + ")"
    step = SQLITE_ROWS_PER_STATEMENT
    full_sql = f"{head} VALUES {', '.join([one] * step)} {tail}"
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        sql = full_sql if len(chunk) == step else f"{head} VALUES {', '.join([one] * len(chunk))} {tail}"
        await tx.connection.execute(sql, [value for row in chunk for value in row])


BULK_CACHE_KIB = 64 * 1024


async def tune_for_bulk_writes(tx: Any) -> None:
    """A larger page cache for this connection only (SQLite's default is 2 MiB): a bulk import
    touches several indexes at once. Bounded, so memory stays flat however large the file."""
    if is_sqlite():
        await tx.connection.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")


async def fetch(tx: Any, sql: str, args: Sequence[Any]) -> list[tuple]:
    """Rows as tuples from the transaction's connection, whichever the engine."""
    if is_sqlite():
        async with tx.connection.execute(sql, args) as cursor:
            return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in await cursor.fetchall()]
    return [tuple(record) for record in await tx.connection.fetch(sql, *args)]


async def start_pool() -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)


async def close_pool() -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
