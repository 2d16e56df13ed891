"""What every package's commands share: a one-line failure, and running a coroutine against the
configured database (with pending migrations applied first, so a fresh data folder just works)."""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click

from qa_app import db
from qa_app.imports.common import ImportError_
from qa_app.settings import ConfigError, get_settings
from qa_app.users import UserError

EXPECTED_ERRORS = (ConfigError, ImportError_, UserError)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"qa: {message}", err=True)
    sys.exit(code)


def run_with_database(coro_factory: Callable[[], Awaitable[Any]], *, migrate: bool = True) -> Any:
    async def runner() -> Any:
        db.use_database(get_settings().database_url)
        try:
            if migrate:
                await db.migrate()
            return await coro_factory()
        finally:
            await db.close_pool()

    try:
        return asyncio.run(runner())
    except EXPECTED_ERRORS as error:
        fail(str(error), 2)
    except OSError as error:
        if "connect" in str(error).lower() or isinstance(error, ConnectionError):
            fail(f"cannot reach the database ({db.describe(db.current_engine())}): {error}")
        raise


def handles_config_errors(command: Callable) -> Callable:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except EXPECTED_ERRORS as error:
            fail(str(error), 2)

    return wrapper
