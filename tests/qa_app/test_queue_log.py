"""Asterisk queue_log import: hand-worked events, a month of 30,000 calls, bad lines, re-import."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_app.cli import main
from qa_app.imports.queue_log import QueueLogParser
from qa_app.imports.run import import_calls
from qa_app.tables import Agent, Call
from tests.factories import queue_log as factory

T0 = 1788246000  # 2026-09-01 07:00:00 UTC

HAND_WORKED = f"""\
{T0}|NONE|NONE|NONE|QUEUESTART|
{T0}|NONE|general|PJSIP/2001|ADDMEMBER|
{T0 + 10}|c1|general|NONE|ENTERQUEUE||0701112233|1
{T0 + 25}|c1|general|PJSIP/2002|RINGNOANSWER|15000
{T0 + 40}|c1|general|PJSIP/2001|CONNECT|30|c1.1|15
{T0 + 20}|c2|tax|NONE|ENTERQUEUE||0704445566|2
{T0 + 65}|c2|tax|NONE|ABANDON|2|2|45
{T0 + 340}|c1|general|PJSIP/2001|COMPLETECALLER|30|300|1
{T0 + 400}|c3|waste|NONE|ENTERQUEUE||anonymous|1
{T0 + 405}|c3|waste|PJSIP/2002|CONNECT|5|c3.1|2
{T0 + 525}|c3|waste|PJSIP/2002|TRANSFER|2100|from-internal|5|120|1
{T0 + 600}|c4|general|NONE|ENTERQUEUE||0707778899|1
{T0 + 900}|c4|general|NONE|EXITWITHTIMEOUT|1|1|300
{T0 + 1000}|c5|general|PJSIP/2001|COMPLETEAGENT|12|200|1
{T0 + 1100}|c6|general|NONE|ENTERQUEUE||0701234567|1
{T0 + 1103}|c6|general|PJSIP/2002|CONNECT|3|c6.1|2
"""


def at(offset: int) -> datetime:
    return datetime.fromtimestamp(T0 + offset, tz=timezone.utc)


def test_hand_worked_events_give_hand_computed_calls():
    parser = QueueLogParser()
    items = list(parser.parse(io.BytesIO(HAND_WORKED.encode())))
    errors = [item for item in items if isinstance(item[1], str)]
    assert errors == []
    calls = {record.external_id: (line, record) for line, record in items}
    assert sorted(calls) == ["c1", "c2", "c3", "c4", "c5"]

    line, c1 = calls["c1"]  # answered after 30 s in queue, 300 s talk, ended by the caller
    assert line == 8
    assert (c1.offered_at, c1.answered_at, c1.ended_at) == (at(10), at(40), at(340))
    assert (c1.wait_seconds, c1.talk_seconds, c1.disposition, c1.agent_ref) == (30, 300, "answered", "PJSIP/2001")
    assert c1.caller_number == "0701112233" and c1.queue == "general"

    _, c2 = calls["c2"]  # gave up after 45 s
    assert (c2.offered_at, c2.answered_at, c2.ended_at) == (at(20), None, at(65))
    assert (c2.wait_seconds, c2.talk_seconds, c2.disposition, c2.agent_ref) == (45, 0, "abandoned", None)

    _, c3 = calls["c3"]  # transferred after 120 s talk; Asterisk's TRANSFER keeps holdtime and calltime last
    assert (c3.wait_seconds, c3.talk_seconds, c3.transferred, c3.disposition) == (5, 120, True, "transferred")
    assert c3.ended_at == at(525)

    _, c4 = calls["c4"]  # the queue's timeout: unanswered
    assert (c4.wait_seconds, c4.disposition) == (300, "abandoned")

    _, c5 = calls["c5"]  # its first events were in the previous file: rebuilt from COMPLETEAGENT alone
    assert c5.answered_at == at(1000 - 200)
    assert c5.offered_at == at(1000 - 200 - 12)
    assert (c5.wait_seconds, c5.talk_seconds, c5.agent_ref) == (12, 200, "PJSIP/2001")

    assert parser.incomplete == 1  # c6 is still talking when the file ends


@pytest.mark.parametrize(
    "line, reason",
    [
        ("1788246000|c9|general", "expected time|callid|queue|agent|event"),
        ("yesterday|c9|general|NONE|ENTERQUEUE||070|1", "not a Unix timestamp"),
        ("1788246000|c9|general|PJSIP/2001|COMPLETEAGENT|x|300|1", "COMPLETEAGENT holdtime is not a number"),
        ("1788246000|c9|general|PJSIP/2001|CONNECT", "CONNECT has no holdtime field"),
    ],
)
def test_malformed_lines_are_named(line, reason):
    items = list(QueueLogParser().parse(io.BytesIO(f"{HAND_WORKED}{line}\n".encode())))
    bad = [(number, item) for number, item in items if isinstance(item, str)]
    assert len(bad) == 1
    assert bad[0][0] == HAND_WORKED.count("\n") + 1
    assert reason in bad[0][1]


async def _add_agents(count: int) -> None:
    await Agent.insert(
        *[Agent(staff_number=i.split("/")[1], name=f"Agent {i}", interface=i) for i in factory.interfaces(count)]
    )


async def test_month_of_30000_calls_imports_exactly(clean_db, tmp_path: Path):
    path = tmp_path / "queue_log"
    truth = factory.write(path, calls=30_000, agents=40, seed=11)
    assert len(truth) == 30_000
    await _add_agents(40)

    summary = await import_calls(path, "asterisk-queue-log")

    assert summary.committed, summary.errors[:3]
    assert (summary.read, summary.created, summary.rejected, summary.incomplete) == (30_000, 30_000, 0, 0)
    answered = sum(1 for t in truth if t.outcome in ("answered", "transferred"))
    abandoned = sum(1 for t in truth if t.outcome in ("abandoned", "timeout"))
    assert await Call.count().where(Call.disposition != "abandoned") == answered
    assert await Call.count().where(Call.disposition == "abandoned") == abandoned
    assert await Call.count().where(Call.disposition == "transferred") == sum(
        1 for t in truth if t.outcome == "transferred"
    )

    rows = await Call.select(
        Call.external_id,
        Call.wait_seconds,
        Call.talk_seconds,
        Call.offered_at,
        Call.answered_at,
        Call.ended_at,
        Call.queue,
        Call.agent.interface.as_alias("interface"),
    )
    stored = {r["external_id"]: r for r in rows}
    assert len(stored) == 30_000
    mismatches = []
    for t in truth:
        r = stored[t.callid]
        expected = (t.wait, t.talk, t.offered, t.answered, t.ended, t.queue, t.agent)
        got = (
            r["wait_seconds"],
            r["talk_seconds"],
            int(r["offered_at"].timestamp()),
            int(r["answered_at"].timestamp()) if r["answered_at"] else None,
            int(r["ended_at"].timestamp()),
            r["queue"],
            r["interface"],
        )
        if got != expected:
            mismatches.append((t.callid, expected, got))
    assert mismatches == []


async def test_bad_line_imports_nothing_then_skip_invalid_imports_the_rest(clean_db, tmp_path: Path):
    good = tmp_path / "good"
    truth = factory.write(good, calls=400, agents=5, seed=3)
    lines = good.read_text().splitlines(keepends=True)
    bad_line_number = 150
    lines.insert(bad_line_number - 1, "this is not a queue_log line\n")
    bad = tmp_path / "bad"
    bad.write_text("".join(lines))
    await _add_agents(5)

    summary = await import_calls(bad, "asterisk-queue-log")
    assert not summary.committed
    assert await Call.count() == 0
    assert summary.errors == [
        {"line": bad_line_number, "reason": "expected time|callid|queue|agent|event|data..., found 1 field(s)"}
    ]
    assert "line 150" in summary.headline()

    summary = await import_calls(bad, "asterisk-queue-log", skip_invalid=True)
    assert summary.committed and summary.rejected == 1
    assert summary.created == len(truth) == await Call.count()

    again = await import_calls(good, "asterisk-queue-log")
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(truth))
    assert await Call.count() == len(truth)


async def test_unknown_agents_are_reported_or_created(clean_db, tmp_path: Path):
    path = tmp_path / "queue_log"
    factory.write(path, calls=200, agents=3, seed=5)
    await Agent.insert(Agent(staff_number="2001", name="Known", interface="PJSIP/2001"))

    summary = await import_calls(path, "asterisk-queue-log")
    assert not summary.committed
    reasons = {e["reason"] for e in summary.errors}
    assert any("unknown agent 'PJSIP/2002'" in r and "--create-agents" in r for r in reasons)
    assert await Call.count() == 0

    summary = await import_calls(path, "asterisk-queue-log", create_agents=True)
    assert summary.committed
    assert sorted(summary.agents_created) == ["PJSIP/2002", "PJSIP/2003"]
    created = await Agent.select(Agent.staff_number, Agent.interface).where(Agent.interface == "PJSIP/2003").first()
    assert created == {"staff_number": "2003", "interface": "PJSIP/2003"}


async def test_changed_rows_are_updated_not_duplicated(clean_db, tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_text(HAND_WORKED)
    await _add_agents(2)
    first = await import_calls(path, "asterisk-queue-log")
    assert first.created == 5
    path.write_text(HAND_WORKED.replace("COMPLETECALLER|30|300|1", "COMPLETECALLER|30|310|1"))
    second = await import_calls(path, "asterisk-queue-log")
    assert (second.created, second.updated, second.unchanged) == (0, 1, 4)
    assert await Call.count() == 5
    row = await Call.select(Call.talk_seconds).where(Call.external_id == "c1").first()
    assert row["talk_seconds"] == 310


async def test_recordings_are_linked_by_unique_id(clean_db, tmp_path: Path):
    from qa_app.settings import get_settings

    folder = get_settings().recordings_dir / "2026" / "09"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "c1.wav").write_bytes(b"RIFF")
    (folder / "q-waste-20260901-c3.mp3").write_bytes(b"ID3")
    (folder / "notes.txt").write_text("not audio")
    path = tmp_path / "queue_log"
    path.write_text(HAND_WORKED)
    await _add_agents(2)
    summary = await import_calls(path, "asterisk-queue-log", recordings_dir=folder)
    assert summary.committed
    paths = {r["external_id"]: r["recording_path"] for r in await Call.select(Call.external_id, Call.recording_path)}
    assert paths == {
        "c1": "2026/09/c1.wav",
        "c2": None,
        "c3": "2026/09/q-waste-20260901-c3.mp3",
        "c4": None,
        "c5": None,
    }
    # Re-importing without --recordings keeps the links.
    await import_calls(path, "asterisk-queue-log")
    assert (await Call.select(Call.recording_path).where(Call.external_id == "c1").first())[
        "recording_path"
    ] == "2026/09/c1.wav"


def test_cli_json_summary_and_exit_codes(clean_db, tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_text(HAND_WORKED + "broken line\n")
    runner = CliRunner()
    result = runner.invoke(
        main, ["import", "calls", str(path), "--format", "asterisk-queue-log", "--create-agents", "--json"]
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {"read", "created", "updated", "rejected", "errors"} <= report.keys()
    assert report["rejected"] == 1 and report["created"] == 0
    assert report["errors"] == [
        {"line": 17, "reason": "expected time|callid|queue|agent|event|data..., found 1 field(s)"}
    ]
    assert "nothing imported" in result.stderr and "line 17" in result.stderr

    result = runner.invoke(
        main,
        ["import", "calls", str(path), "--format", "asterisk-queue-log", "--create-agents", "--skip-invalid", "--json"],
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["read"], report["created"], report["rejected"]) == (6, 5, 1)

    result = runner.invoke(main, ["import", "calls", str(tmp_path / "missing"), "--format", "asterisk-queue-log"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"qa: {tmp_path / 'missing'} is not a file"
