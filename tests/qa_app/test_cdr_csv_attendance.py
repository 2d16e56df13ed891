"""Asterisk Master.csv, generic CSV (sniffed dialect, --map), and the rota's attendance."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

from click.testing import CliRunner

from qa_app.cli import main
from qa_app.imports.cdr import agent_from_channel
from qa_app.imports.run import import_attendance, import_calls
from qa_app.security import caller_hash
from qa_app.settings import get_settings
from qa_app.tables import Agent, Attendance, Call, Department, Service

CDR = (
    """\
"","0701112233","600","from-queue","""
    + '"'
    + """Anna <0701112233>"""
    + '"'
    + ""","PJSIP/trunk-00000001","PJSIP/1001-0000000a","Queue","support","2026-09-01 09:00:00","2026-09-01 09:00:42","2026-09-01 09:05:42",342,300,"ANSWERED","DOCUMENTATION","1788253200.1",""
"","0704445566","600","from-queue","","PJSIP/trunk-00000002","","Queue","support","2026-09-01 09:10:00","","2026-09-01 09:11:30",90,0,"NO ANSWER","DOCUMENTATION","1788253800.2",""
"","","600","from-queue","","PJSIP/trunk-00000003","Local/1002@agents-00000003;1","Transfer","2100","2026-09-01 10:00:00","2026-09-01 10:00:05","2026-09-01 10:02:05",125,120,"ANSWERED","DOCUMENTATION","1788256800.3",""
"""
)


async def _agents() -> None:
    await Agent.insert(
        Agent(staff_number="1001", name="Anna Berg", interface="PJSIP/1001"),
        Agent(staff_number="1002", name="Bo Ek", interface="Local/1002@agents"),
    )


def test_agent_from_channel():
    assert agent_from_channel("PJSIP/1001-0000000a") == "PJSIP/1001"
    assert agent_from_channel("SIP/anna-00000001") == "SIP/anna"
    assert agent_from_channel("Local/1002@agents-00000003;1") == "Local/1002@agents"
    assert agent_from_channel("") is None


async def test_cdr_import_in_the_pbx_time_zone(clean_db, tmp_path: Path):
    await _agents()
    path = tmp_path / "Master.csv"
    path.write_text(CDR)
    summary = await import_calls(path, "asterisk-cdr", source_timezone="Europe/Stockholm")
    assert summary.committed, summary.errors
    assert (summary.created, summary.rejected) == (3, 0)
    rows = {
        r["external_id"]: r for r in await Call.select(Call.all_columns(), Call.agent.staff_number.as_alias("staff"))
    }
    first = rows["1788253200.1"]
    # 09:00 in Stockholm (summer time, UTC+2) is 07:00 UTC.
    assert first["offered_at"] == datetime(2026, 9, 1, 7, 0, tzinfo=timezone.utc)
    assert (first["wait_seconds"], first["talk_seconds"], first["disposition"], first["staff"]) == (
        42,
        300,
        "answered",
        "1001",
    )
    assert first["caller_hash"] == caller_hash("0701112233", get_settings().secret_key)
    second = rows["1788253800.2"]
    assert (second["disposition"], second["wait_seconds"], second["agent"], second["answered_at"]) == (
        "abandoned",
        90,
        None,
        None,
    )
    third = rows["1788256800.3"]
    assert (third["disposition"], third["transferred"], third["staff"], third["caller_hash"]) == (
        "transferred",
        True,
        "1002",
        None,
    )


async def test_cdr_short_row_is_named(clean_db, tmp_path: Path):
    await _agents()
    path = tmp_path / "Master.csv"
    path.write_text(CDR + '"","070","600","from-queue"\n')
    summary = await import_calls(path, "asterisk-cdr")
    assert not summary.committed
    assert summary.errors == [{"line": 4, "reason": "expected 18 CDR columns (accountcode ... userfield), found 4"}]
    assert await Call.count() == 0


async def test_csv_with_semicolons_mapping_and_services(clean_db, tmp_path: Path):
    await _agents()
    department = (await Department.insert(Department(name="Waste")).returning(Department.id))[0]["id"]
    await Service.insert(Service(name="Missed bin collection", department=department, service_class="A"))
    path = tmp_path / "calls.csv"
    path.write_text(
        "CallID;Start;Answered;End;Agent;Service;Queue;Hold;Caller\n"
        "k1;2026-09-01 10:00:00;2026-09-01 10:00:20;2026-09-01 10:04:20;1001;Missed bin collection;waste;15;+46 70 111 22 33\n"
        "k2;2026-09-01T10:05:00+00:00;;2026-09-01T10:06:00+00:00;;;waste;;\n"
    )
    mapping = [
        "external_id=CallID",
        "offered_at=Start",
        "answered_at=Answered",
        "ended_at=End",
        "hold_seconds=Hold",
        "caller_number=Caller",
    ]
    summary = await import_calls(path, "csv", mapping=mapping, source_timezone="UTC")
    assert summary.committed, summary.errors
    rows = {
        r["external_id"]: r for r in await Call.select(Call.all_columns(), Call.service.name.as_alias("service_name"))
    }
    k1 = rows["k1"]
    assert (k1["wait_seconds"], k1["talk_seconds"], k1["hold_seconds"], k1["disposition"]) == (20, 240, 15, "answered")
    assert k1["service_name"] == "Missed bin collection"
    # The same number written another way hashes the same.
    assert k1["caller_hash"] == caller_hash("0046701112233", get_settings().secret_key)
    k2 = rows["k2"]
    assert (k2["disposition"], k2["wait_seconds"], k2["hold_seconds"]) == ("abandoned", 60, None)


async def test_csv_errors_carry_physical_line_numbers(clean_db, tmp_path: Path):
    await _agents()
    path = tmp_path / "calls.csv"
    path.write_text(
        "external_id,offered_at,agent,queue\n"
        'a1,2026-09-01 10:00:00,1001,"a queue name\nwritten over two lines"\n'
        "a2,not a time,1001,general\n"
        "a3,2026-09-01 10:00:00,9999,general\n"
        "a4,2026-09-01 11:00:00,1001\n"
    )
    summary = await import_calls(path, "csv", skip_invalid=True)
    assert summary.committed
    assert summary.created == 1
    assert summary.errors == [
        {"line": 4, "reason": "offered_at is not an ISO 8601 time like 2026-09-01 08:15:00: 'not a time'"},
        {
            "line": 5,
            "reason": "unknown agent '9999': add the agent with that interface or staff number, or import with --create-agents",
        },
        {"line": 6, "reason": "expected 4 columns as in the header, found 3"},
    ]


async def test_a_recording_path_outside_the_recordings_folder_is_refused_with_its_line(clean_db, tmp_path: Path):
    await _agents()
    path = tmp_path / "calls.csv"
    path.write_text(
        "external_id,offered_at,agent,recording\n"
        "r1,2026-09-01 10:00:00,1001,2026/09/r1.wav\n"
        "r2,2026-09-01 10:01:00,1001,../../etc/passwd\n"
        "r3,2026-09-01 10:02:00,1001,/var/lib/qa/secret_key\n"
        "r4,2026-09-01 10:03:00,1001,C:\\recordings\\r4.wav\n"
    )
    summary = await import_calls(path, "csv")
    assert not summary.committed and [e["line"] for e in summary.errors] == [3, 4, 5]
    assert all("is not a path inside QA_RECORDINGS_DIR" in e["reason"] for e in summary.errors)
    assert await Call.count() == 0  # all or nothing


def test_csv_missing_column_is_one_clear_line(clean_db, tmp_path: Path):
    path = tmp_path / "calls.csv"
    path.write_text("id,start\n1,2026-09-01 10:00\n")
    result = CliRunner().invoke(main, ["import", "calls", str(path), "--format", "csv"])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith("qa: line 1: missing column(s) external_id, offered_at (found: id, start)")
    assert "--map external_id=<your column>" in message and "\n" not in message


async def test_attendance_import_update_and_errors(clean_db, tmp_path: Path):
    await _agents()
    path = tmp_path / "rota.csv"
    path.write_text(
        "staff_number,date,scheduled_minutes,worked_minutes,absence,minutes_late\n"
        "1001,2026-09-01,450,440,,10\n"
        "1002,2026-09-01,450,0,sick,0\n"
    )
    summary = await import_attendance(path)
    assert (summary.committed, summary.created) == (True, 2)
    rows = await Attendance.select(
        Attendance.agent.staff_number.as_alias("staff"),
        Attendance.day,
        Attendance.worked_minutes,
        Attendance.absence,
        Attendance.minutes_late,
    ).order_by(Attendance.agent)
    assert rows == [
        {"staff": "1001", "day": date(2026, 9, 1), "worked_minutes": 440, "absence": "", "minutes_late": 10},
        {"staff": "1002", "day": date(2026, 9, 1), "worked_minutes": 0, "absence": "sick", "minutes_late": 0},
    ]
    path.write_text(
        "staff_number,date,scheduled_minutes,worked_minutes,absence,minutes_late\n"
        "1001,2026-09-01,450,445,,5\n"
        "1002,2026-09-01,450,0,sick,0\n"
        "1001,2026-09-02,450,450,,0\n"
    )
    summary = await import_attendance(path)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 1)
    assert await Attendance.count() == 3

    path.write_text(
        "staff_number,date,scheduled_minutes,worked_minutes\n"
        "1001,2026-09-03,450,450\n"
        "7777,2026-09-03,450,450\n"
        "1002,03/09/2026,450,450\n"
        "1002,2026-09-04,450,2000\n"
    )
    summary = await import_attendance(path)
    assert not summary.committed
    assert summary.errors == [
        {"line": 3, "reason": "unknown staff number '7777'"},
        {"line": 4, "reason": "date is not a date like 2026-09-01: '03/09/2026'"},
        {"line": 5, "reason": "worked_minutes must be between 0 and 1440 (got 2000)"},
    ]
    assert await Attendance.count() == 3


def test_attendance_cli_json(clean_db, tmp_path: Path):
    path = tmp_path / "rota.csv"
    path.write_text("staff_number;date;scheduled_minutes;worked_minutes\n404;2026-09-01;450;450\n")
    result = CliRunner().invoke(main, ["import", "attendance", str(path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["read"], report["created"], report["rejected"]) == (1, 0, 1)
    assert report["errors"] == [{"line": 2, "reason": "unknown staff number '404'"}]
