"""Asterisk's queue_log: `time|callid|queue|agent|event|data...`, one call per callid.

Wait and talk come from the events themselves: CONNECT and COMPLETE* carry the hold time
(time in queue) and the call time; ABANDON and the EXIT* events carry the wait. A call whose
first events lie in an earlier file is rebuilt from its terminal event alone; a call still in
progress when the file ends is counted as unfinished and not imported.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import BinaryIO

from qa_app.i18n import _
from qa_app.imports.common import CallRecord, parse_int
from qa_app.tables import Disposition

ANSWERED_END = {"COMPLETEAGENT", "COMPLETECALLER"}
TRANSFER_END = {"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
# event -> position of the wait (seconds) among its data fields
ABANDON_END = {"ABANDON": 2, "EXITWITHTIMEOUT": 2, "EXITEMPTY": 2, "EXITWITHKEY": 3}
NOT_A_CALL = {"NONE", "MANAGER", ""}
# Events that say nothing about a call's outcome: skipped before any parsing.
IGNORED = {"RINGNOANSWER", "RINGCANCELED", "ENTERQUEUE_IGNORED", "DID", "INFO", "HOLD", "UNHOLD"}


def _time(value: str) -> int:
    try:
        return int(value) if value.isdigit() else int(float(value))
    except (ValueError, OverflowError):
        raise ValueError(_("the time is not a Unix timestamp: %(value)r") % {"value": value}) from None


def _utc(stamp: int) -> datetime:
    try:
        return datetime.fromtimestamp(stamp, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError(_("the time is out of range: %(value)s") % {"value": stamp}) from None


def _field(data: list[str], index: int, name: str, event: str) -> int:
    try:
        value = data[index]
    except IndexError:
        raise ValueError(_("%(event)s has no %(name)s field") % {"event": event, "name": name}) from None
    return parse_int(value, f"{event} {name}")


class QueueLogParser:
    def __init__(self) -> None:
        # callid -> [offered (epoch s), queue, caller, answered (epoch s), agent, wait]
        self.open: dict[str, list] = {}

    @property
    def incomplete(self) -> int:
        return len(self.open)

    def parse(self, handle: BinaryIO) -> Iterator[tuple[int, CallRecord | str]]:
        # Text-mode iteration decodes in C; a byte that is not UTF-8 becomes U+FFFD rather
        # than stopping the import (queue_log holds caller names in whatever the PBX wrote).
        text = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline=None)
        event = self._event
        for number, line in enumerate(text, start=1):
            parts = line.rstrip("\n").split("|")
            if len(parts) < 5:
                if line.strip():
                    yield number, f"expected time|callid|queue|agent|event|data..., found {len(parts)} field(s)"
                continue
            if parts[1] in NOT_A_CALL or parts[4] in IGNORED:
                continue
            try:
                record = event(parts, number)
            except ValueError as error:
                yield number, str(error)
                continue
            if record is not None:
                yield number, record
        text.detach()

    def _event(self, parts: list[str], number: int) -> CallRecord | None:
        when = _time(parts[0])
        callid, queue, agent, event = parts[1], parts[2], parts[3], parts[4]
        data = parts[5:]
        if event == "ENTERQUEUE":
            caller = data[1] if len(data) > 1 else None
            self.open[callid] = [when, queue, caller or None, None, None, None]
            return None
        if event == "CONNECT":
            wait = _field(data, 0, "holdtime", event)
            state = self.open.setdefault(callid, [when - wait, queue, None, None, None, None])
            state[3], state[4], state[5] = when, agent, wait
            return None
        if event in ANSWERED_END or event in TRANSFER_END:
            if event in ANSWERED_END:
                wait, talk = _field(data, 0, "holdtime", event), _field(data, 1, "calltime", event)
            else:
                wait, talk = _field(data, -3, "holdtime", event), _field(data, -2, "calltime", event)
            state = self.open.pop(callid, None)
            answered = state[3] if state and state[3] else when - talk
            offered = state[0] if state else answered - wait
            transferred = event in TRANSFER_END
            return CallRecord(
                external_id=callid,
                offered_at=_utc(offered),
                queue=(state[1] if state else queue) or queue,
                agent_ref=(state[4] if state and state[4] else agent) or None,
                answered_at=_utc(answered),
                ended_at=_utc(when),
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
                offered_at=_utc(state[0] if state else when - wait),
                queue=(state[1] if state else queue) or queue,
                ended_at=_utc(when),
                wait_seconds=wait,
                disposition=Disposition.abandoned.value,
                caller_number=state[2] if state else None,
                line=number,
            )
        # RINGNOANSWER, ENTERQUEUE's companions and member events say nothing about the call's outcome.
        return None
