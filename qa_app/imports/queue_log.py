"""Asterisk's queue_log: `time|callid|queue|agent|event|data...`, one call per callid.

Wait and talk come from the events themselves: CONNECT and COMPLETE* carry the hold time
(time in queue) and the call time; ABANDON and the EXIT* events carry the wait. A call whose
first events lie in an earlier file is rebuilt from its terminal event alone; a call still in
progress when the file ends is counted as unfinished and not imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import BinaryIO

from qa_app.imports.common import CallRecord, parse_int
from qa_app.tables import Disposition

ANSWERED_END = {"COMPLETEAGENT", "COMPLETECALLER"}
TRANSFER_END = {"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
# event -> position of the wait (seconds) among its data fields
ABANDON_END = {"ABANDON": 2, "EXITWITHTIMEOUT": 2, "EXITEMPTY": 2, "EXITWITHKEY": 3}
NOT_A_CALL = {"NONE", "MANAGER", ""}


def _time(value: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(float(value)), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"the time is not a Unix timestamp: {value!r}") from None


def _field(data: list[str], index: int, name: str, event: str) -> int:
    try:
        value = data[index]
    except IndexError:
        raise ValueError(f"{event} has no {name} field") from None
    return parse_int(value, f"{event} {name}")


class QueueLogParser:
    def __init__(self) -> None:
        # callid -> [offered_at, queue, caller, answered_at, agent, wait]
        self.open: dict[str, list] = {}
        self.lines = 0

    @property
    def incomplete(self) -> int:
        return len(self.open)

    def parse(self, handle: BinaryIO) -> Iterator[tuple[int, CallRecord | str]]:
        for number, raw in enumerate(handle, start=1):
            self.lines = number
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                line = raw.decode("latin-1").rstrip("\r\n")
            if not line.strip():
                continue
            try:
                record = self._event(line, number)
            except ValueError as error:
                yield number, str(error)
                continue
            if record is not None:
                yield number, record

    def _event(self, line: str, number: int) -> CallRecord | None:
        parts = line.split("|")
        if len(parts) < 5:
            raise ValueError(f"expected time|callid|queue|agent|event|data..., found {len(parts)} field(s)")
        when = _time(parts[0])
        callid, queue, agent, event = parts[1], parts[2], parts[3], parts[4]
        data = parts[5:]
        if callid in NOT_A_CALL:
            return None
        if event == "ENTERQUEUE":
            caller = data[1] if len(data) > 1 else None
            self.open[callid] = [when, queue, caller or None, None, None, None]
            return None
        if event == "CONNECT":
            wait = _field(data, 0, "holdtime", event)
            state = self.open.setdefault(callid, [when - timedelta(seconds=wait), queue, None, None, None, None])
            state[3], state[4], state[5] = when, agent, wait
            return None
        if event in ANSWERED_END or event in TRANSFER_END:
            if event in ANSWERED_END:
                wait, talk = _field(data, 0, "holdtime", event), _field(data, 1, "calltime", event)
            else:
                wait, talk = _field(data, -3, "holdtime", event), _field(data, -2, "calltime", event)
            state = self.open.pop(callid, None)
            answered = state[3] if state and state[3] else when - timedelta(seconds=talk)
            offered = state[0] if state else answered - timedelta(seconds=wait)
            transferred = event in TRANSFER_END
            return CallRecord(
                external_id=callid,
                offered_at=offered,
                queue=(state[1] if state else queue) or queue,
                agent_ref=(state[4] if state and state[4] else agent) or None,
                answered_at=answered,
                ended_at=when,
                wait_seconds=wait,
                talk_seconds=talk,
                transferred=transferred,
                disposition=(Disposition.transferred if transferred else Disposition.answered).value,
                caller_number=state[2] if state else None,
                line=number,
            )
        if event in ABANDON_END:
            wait = _field(data, ABANDON_END[event], "waittime", event)
            state = self.open.pop(callid, None)
            return CallRecord(
                external_id=callid,
                offered_at=state[0] if state else when - timedelta(seconds=wait),
                queue=(state[1] if state else queue) or queue,
                ended_at=when,
                wait_seconds=wait,
                disposition=Disposition.abandoned.value,
                caller_number=state[2] if state else None,
                line=number,
            )
        # RINGNOANSWER, ENTERQUEUE's companions and member events say nothing about the call's outcome.
        return None
