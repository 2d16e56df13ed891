"""Progress for long commands: a bar on a terminal, plain lines elsewhere (logs, CI), always on
stderr so that stdout stays clean for `--json`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn


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
            print(f"{self.label}: {share:.0f}% ({done:,} of {total:,} bytes)", file=sys.stderr, flush=True)
        else:
            print(f"{self.label}: {done} of {total}", file=sys.stderr, flush=True)


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
