"""Running this checkout's `qa` command in a subprocess against a test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_qa(
    *args: str, database: str, timeout: int = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`qa ARGS...` with QA_DATABASE_URL=database (and `env` added); stdout and stderr are in the result."""
    return subprocess.run(
        [sys.executable, "-c", "from qa_app.cli import main; main()", *args],
        env={**os.environ, "QA_DATABASE_URL": database, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
