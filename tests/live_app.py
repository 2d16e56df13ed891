"""The real app for tests that need it whole: `qa serve` in a subprocess, on a free port, with a
fresh SQLite data folder of its own (the browser journeys, and the tests of the network edge:
rate limits, headers, concurrency). Use it from plain `def` tests: `live_app.run(async_fn, ...)`
seeds its database from a thread with an event loop of its own (see tests/browser/conftest.py
for the rules with Playwright). The fixtures `live_app` and `new_live_app` are in tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60  # seconds for `qa serve` to migrate and answer /health
QA_COMMAND = [sys.executable, "-c", "from qa_app.cli import main; main()"]  # this checkout's code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveApp:
    """One running app on a fresh data folder; see the module's docstring."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.recordings_dir = data_dir / "recordings"
        self.database_url = f"sqlite:///{data_dir / 'qa.sqlite3'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "serve.log"
        self.process: subprocess.Popen | None = None
        self.extra_env: dict[str, str] = {}  # more QA_* settings (QA_SMTP_URL...), set before start()
        self._migrated = False
        self.recordings_dir.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        """The environment of this app's processes: no QA_* setting but its own."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
        env.update(
            QA_DATA_DIR=str(self.data_dir),
            QA_RECORDINGS_DIR=str(self.recordings_dir),
            QA_DATABASE_URL=self.database_url,
            QA_SECRET_KEY=os.environ.get("QA_SECRET_KEY") or "browser-test-secret-key-0123456789abcdef",
            QA_TIMEZONE="UTC",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    # The server.

    def start(self) -> LiveApp:
        if self.process is not None:
            return self
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server writes to it until stop()
        self.process = subprocess.Popen(
            [*QA_COMMAND, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"`qa serve` exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    self._migrated = True  # `qa serve` applies the migrations first
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"the app did not answer on {self.url} within {START_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: uvicorn and nothing else
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self.process = None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    # Seeding.

    def run(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`await function(*args, **kwargs)` against this app's database and settings, in a fresh
        thread with its own event loop; returns its result or raises its error."""
        from qa_app import db
        from qa_app.settings import reset_settings

        outcome: dict[str, Any] = {}

        async def call() -> Any:
            db.use_database(self.database_url)
            if not self._migrated:
                await db.migrate()
                self._migrated = True
            return await function(*args, **kwargs)

        def thread_main() -> None:
            try:
                outcome["value"] = asyncio.run(call())
            except BaseException as error:  # handed to the caller's thread
                outcome["error"] = error

        saved_env = {k: v for k, v in os.environ.items() if k.startswith("QA_")}
        previous_engine = db.current_engine()
        try:
            for key in saved_env:
                del os.environ[key]
            os.environ.update({k: v for k, v in self.env().items() if k.startswith("QA_")})
            reset_settings()
            thread = threading.Thread(target=thread_main, name="live-app-seed")
            thread.start()
            thread.join()
        finally:
            for key in [k for k in os.environ if k.startswith("QA_")]:
                del os.environ[key]
            os.environ.update(saved_env)
            reset_settings()
            db.bind(previous_engine)
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    def qa(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run the `qa` command against this app; its stdout and stderr are in the result."""
        result = subprocess.run(
            [*QA_COMMAND, *args], cwd=ROOT, env=self.env(), input=input, capture_output=True, text=True, timeout=300
        )
        if check and result.returncode != 0:
            raise AssertionError(f"qa {' '.join(args)} exited with {result.returncode}:\n{result.stderr[-3000:]}")
        self._migrated = True
        return result

    # Shortcuts for what most journeys need. Each returns the new row's id.

    def create_user(
        self, email: str, role: str, password: str = PASSWORD, agent: str | None = None, name: str = ""
    ) -> int:
        """A login; `agent` is the staff number an agent user belongs to."""
        from qa_app.users import create_user

        return self.run(create_user, email=email, role=role, password=password, name=name, agent_staff_number=agent)

    def add_team(self, name: str, leader_email: str | None = None, leader_password: str = PASSWORD) -> int:
        """A team, with a new team-leader login when `leader_email` is given."""
        leader = self.create_user(leader_email, "team_leader", leader_password) if leader_email else None
        return self.run(_insert_team, name, leader)

    def add_agent(self, staff_number: str, name: str, team: int | None = None) -> int:
        return self.run(_insert_agent, staff_number, name, team)

    def add_call(
        self,
        staff_number: str | None,
        *,
        external_id: str | None = None,
        recording: str | None = None,
        offered_at: datetime | None = None,
        talk_seconds: int = 150,
        queue: str = "general",
        service: str | None = None,
    ) -> int:
        """An answered call of the agent with this staff number, yesterday unless told;
        `recording` is a path relative to `recordings_dir`."""
        return self.run(_insert_call, staff_number, external_id, recording, offered_at, talk_seconds, queue, service)

    def speak(self, key: str, lines: list[tuple[str, str]]):
        """A stereo 8 kHz recording of `lines` ((speaker, text), speaker "agent" or "caller")
        spoken by espeak-ng, as the demo makes them: returns `transcription.demo_recordings.Rendered`
        (`.recording_path` for `add_call`, `.transcript` for `add_transcript`)."""
        from transcription import demo_recordings
        from transcription.demo_recordings import Dialogue, Line

        if reason := demo_recordings.espeak_missing():
            pytest.fail(f"the browser tests need espeak-ng: {reason}")
        folder = self.recordings_dir / demo_recordings.FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        dialogue = Dialogue(key, "", "f", tuple(Line(speaker, text) for speaker, text in lines))
        return demo_recordings.render(dialogue, folder, agent_channel=0)

    def add_transcript(
        self, call_id: int, rendered, *, scripted: bool = True, model: str = "scripted test text"
    ) -> int:
        """A finished transcription of the call from `speak()`'s result."""
        return self.run(_insert_transcription, call_id, rendered, scripted, model)


async def _insert_team(name: str, leader: int | None) -> int:
    from qa_app.tables import Team

    return (await Team.insert(Team(name=name, leader=leader)).returning(Team.id))[0]["id"]


async def _insert_agent(staff_number: str, name: str, team: int | None) -> int:
    from qa_app.tables import Agent

    rows = await Agent.insert(
        Agent(staff_number=staff_number, name=name, team=team, interface=f"PJSIP/{staff_number}")
    ).returning(Agent.id)
    return rows[0]["id"]


_sequence = iter(range(1, 1_000_000))


async def _insert_call(
    staff_number: str | None,
    external_id: str | None,
    recording: str | None,
    offered_at: datetime | None,
    talk_seconds: int,
    queue: str,
    service: str | None,
) -> int:
    from qa_app.tables import Agent, Call, Service

    agent = None
    if staff_number is not None:
        agent = (await Agent.select(Agent.id).where(Agent.staff_number == staff_number).first())["id"]
    service_id = None
    if service is not None:
        row = await Service.select(Service.id).where(Service.name == service).first()
        service_id = row["id"] if row else (await Service.insert(Service(name=service)).returning(Service.id))[0]["id"]
    offered = offered_at or datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    answered = offered + timedelta(seconds=12)
    rows = await Call.insert(
        Call(
            external_id=external_id or f"browser-{next(_sequence)}",
            queue=queue,
            agent=agent,
            service=service_id,
            offered_at=offered,
            answered_at=answered,
            ended_at=answered + timedelta(seconds=talk_seconds),
            wait_seconds=12,
            talk_seconds=talk_seconds,
            disposition="answered",
            recording_path=recording,
            source="test",
        )
    ).returning(Call.id)
    return rows[0]["id"]


async def _insert_transcription(call_id: int, rendered, scripted: bool, model: str) -> int:
    from transcription.tables import Status, Transcription

    rows = await Transcription.insert(
        Transcription(
            call=call_id,
            status=Status.done,
            model=model,
            duration=rendered.duration,
            text=rendered.text,
            transcript=rendered.transcript,
            metrics=rendered.metrics,
            scripted=scripted,
            finished_at=datetime.now(timezone.utc),
        )
    ).returning(Transcription.id)
    return rows[0]["id"]


@pytest.fixture
def new_live_app(tmp_path_factory) -> Iterator[Callable[..., LiveApp]]:
    """Makes apps on fresh data folders: `new_live_app(start=False)` for one to seed first and
    `.start()` later. All are stopped at the end of the test."""
    apps: list[LiveApp] = []

    def make(start: bool = True) -> LiveApp:
        app = LiveApp(tmp_path_factory.mktemp("live-app"))
        apps.append(app)
        return app.start() if start else app

    yield make
    for app in apps:
        app.stop()


@pytest.fixture
def live_app(new_live_app) -> LiveApp:
    """The app, running on a fresh SQLite database: `.url`, `.data_dir`, `.run(...)`, the shortcuts."""
    return new_live_app()
