"""What every package's commands share: a one-line failure; running a coroutine against the
configured database (with pending migrations applied first, so a fresh data folder just works);
progress for long work, a bar on a terminal and plain lines elsewhere (logs, CI), always on
stderr so that stdout stays clean for `--json`."""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from kit.table_file import ImportError_
from qa_app import db, formatting, i18n
from qa_app.i18n import _
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
            fail(
                _("cannot reach the database (%(database)s): %(error)s")
                % {"database": db.describe(db.current_engine()), "error": error}
            )
        raise


def handles_config_errors(command: Callable) -> Callable:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except EXPECTED_ERRORS as error:
            fail(str(error), 2)

    return wrapper


def create_api_key(name: str, scope: str, how_to_send: str) -> None:
    """Make an API key of `scope` for the system `name` and print it once on stdout."""
    from qa_app import api_keys

    try:
        key = run_with_database(lambda: api_keys.create(name, api_keys.Scope(scope)))
    except api_keys.ApiKeyError as error:
        fail(str(error), 2)
    click.echo(
        _("API key %(name)r (%(scope)s) created; the key, shown once (send it as %(how)s):")
        % {"name": name, "scope": scope, "how": how_to_send},
        err=True,
    )
    click.echo(key)


def _count(n: int) -> str:
    """A byte count: "1,234,567" in English (as always), grouped the language's way otherwise."""
    return f"{n:,}" if i18n.current() in (i18n.SOURCE, i18n.PSEUDO) else formatting.number(n)


class PlainProgress:
    """One line at most every `every` seconds, and one at the end."""

    def __init__(self, label: str, unit: str, every: float = 5.0):
        self.label, self.unit, self.every, self.last = label, unit, every, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < self.every:
            return
        self.last = now
        if self.unit == "bytes":
            share = 100 * done / total if total else 100
            text = _("%(label)s: %(share)s (%(done)s of %(total)s bytes)") % {
                "label": self.label,
                "share": formatting.percent(share / 100, 0),
                "done": _count(done),
                "total": _count(total),
            }
            print(text, file=sys.stderr, flush=True)
        else:
            text = _("%(label)s: %(done)s of %(total)s") % {"label": self.label, "done": done, "total": total}
            print(text, file=sys.stderr, flush=True)


@contextmanager
def _progress(label: str, unit: str) -> Iterator:
    if not sys.stderr.isatty():
        yield PlainProgress(label, unit)
        return
    count = DownloadColumn() if unit == "bytes" else TextColumn("{task.completed}/{task.total}")
    with Progress(
        TextColumn("{task.description}"), BarColumn(), count, TimeRemainingColumn(), console=Console(stderr=True)
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def byte_progress(label: str):
    """Progress through a file, in bytes."""
    return _progress(label, "bytes")


def item_progress(label: str):
    """Progress in items (recordings, jobs)."""
    return _progress(label, "items")
