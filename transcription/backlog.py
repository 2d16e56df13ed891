"""Where the transcription work stands: recorded calls not yet transcribed (with the hours of
audio they hold), the failures with their reasons, the rate measured on the latest finished work,
and the time the backlog would take at that rate. For `qa transcribe --status` and the
administrator's page.

The rate is audio seconds per wall-clock second while work was going on: the spans from claim to
finish of the latest transcripts are merged (parallel workers overlap, pauses between runs do
not count), so it reflects however many workers ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qa_app.i18n import _
from qa_app.tables import Call
from transcription.tables import Status, Transcription

MEASURED_ON = 200  # latest finished transcripts the rate is worked from
FAILURES_LISTED = 20


@dataclass
class Backlog:
    calls: int  # recorded calls without a transcript yet: not queued, pending or running
    audio_seconds: float  # their talk and hold time: what there is to listen to
    running: int
    failed: int
    failures: list[dict[str, Any]] = field(default_factory=list)  # the newest, with their reasons
    rate: float | None = None  # audio seconds transcribed per second of work
    measured_on: int = 0

    @property
    def eta_seconds(self) -> float | None:
        if self.calls == 0:
            return 0.0
        return self.audio_seconds / self.rate if self.rate else None

    def as_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "audio_hours": round(self.audio_seconds / 3600, 2),
            "running": self.running,
            "failed": self.failed,
            "rate": None if self.rate is None else round(self.rate, 3),
            "measured_on": self.measured_on,
            "eta_seconds": None if self.eta_seconds is None else round(self.eta_seconds),
            "failures": self.failures,
        }


def how_long(seconds: float | None) -> str:
    """A stretch of time as a person says it: "2 h 05 min", "14 min", "under a minute"."""
    if seconds is None:
        return _("unknown")
    minutes = int(round(seconds / 60))
    if minutes < 1:
        return _("under a minute")
    if minutes >= 60:
        return _("%(hours)s h %(minutes)s min") % {"hours": minutes // 60, "minutes": f"{minutes % 60:02d}"}
    return _("%(minutes)s min") % {"minutes": minutes}


def busy_seconds(spans: list[tuple[datetime, datetime]]) -> float:
    """The wall-clock seconds covered by the spans, overlaps counted once."""
    total, end = 0.0, None
    for start, finish in sorted(spans):
        if end is None or start > end:
            total += (finish - start).total_seconds()
            end = finish
        elif finish > end:
            total += (finish - end).total_seconds()
            end = finish
    return total


async def backlog() -> Backlog:
    waiting = await Call.raw(
        'SELECT COUNT(*) AS calls, SUM(c."talk_seconds" + COALESCE(c."hold_seconds", 0)) AS audio, '
        """SUM(CASE WHEN t."status" = 'running' THEN 1 ELSE 0 END) AS running """
        'FROM "call" c LEFT JOIN "transcription" t ON t."call" = c."id" '
        """WHERE c."recording_path" IS NOT NULL AND (t."id" IS NULL OR t."status" IN ('pending', 'running'))"""
    )
    failed = await Transcription.count().where(Transcription.status == Status.failed)
    failures = await (
        Transcription.select(
            Transcription.call,
            Transcription.call.external_id.as_alias("external_id"),
            Transcription.reason,
            Transcription.finished_at,
        )
        .where(Transcription.status == Status.failed)
        .order_by(Transcription.finished_at, ascending=False)
        .limit(FAILURES_LISTED)
    )
    latest = await (
        Transcription.select(Transcription.claimed_at, Transcription.finished_at, Transcription.duration)
        .where(
            (Transcription.status == Status.done)
            & (Transcription.scripted == False)  # noqa: E712 - the demo's text was never heard
            & Transcription.claimed_at.is_not_null()
            & Transcription.finished_at.is_not_null()
        )
        .order_by(Transcription.finished_at, ascending=False)
        .limit(MEASURED_ON)
    )
    spans = [(r["claimed_at"], r["finished_at"]) for r in latest if r["finished_at"] >= r["claimed_at"]]
    busy = busy_seconds(spans)
    audio = sum(r["duration"] or 0.0 for r in latest)
    row = waiting[0] if waiting else {}
    return Backlog(
        calls=int(row.get("calls") or 0),
        audio_seconds=float(row.get("audio") or 0.0),
        running=int(row.get("running") or 0),
        failed=failed,
        failures=[
            {
                "call": f["external_id"],
                "call_id": f["call"],
                "reason": f["reason"],
                "at": f["finished_at"].isoformat() if f["finished_at"] else None,
            }
            for f in failures
        ],
        rate=audio / busy if busy > 0 and audio > 0 else None,
        measured_on=len(latest),
    )
