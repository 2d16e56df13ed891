"""`qa serve --workers N`: several web processes only where they can share what one process
keeps (rate limits, background jobs), that is with a shared queue (QA_QUEUE_URL)."""

from __future__ import annotations

import os

from click.testing import CliRunner

from qa_app.cli import main
from qa_app.settings import reset_settings


def test_several_web_processes_need_a_shared_queue(tmp_path, monkeypatch):
    for name in [k for k in os.environ if k.startswith("QA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path))
    reset_settings()
    try:
        result = CliRunner().invoke(main, ["serve", "--workers", "2", "--port", "1"])
    finally:
        reset_settings()
    assert result.exit_code == 2, result.output
    assert "QA_QUEUE_URL" in result.output
    assert not (tmp_path / "qa.sqlite3").exists()  # refused before anything was made


def test_the_number_of_workers_is_checked():
    result = CliRunner().invoke(main, ["serve", "--workers", "0"])
    assert result.exit_code == 2
    assert "--workers" in result.output
