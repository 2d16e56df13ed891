"""The personal data surveys hold: residents' written comments and voice comments (the file under
QA_DATA_DIR/voice and its transcript), and the caller's keyed hash on each invitation. Erasing
keeps each answer's scores (statistics) and removes the comment, the voice and the link to the
number."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from kit.timeutil import kept_since
from qa_app import db
from qa_app.settings import get_settings
from surveys.tables import SurveyInvitation, SurveyResponse
from surveys.voice import voice_dir

R = SurveyResponse
HAS_VOICE = R.voice_path.is_not_null() | (R.voice_text != "")
NO_VOICE = {R.voice_path: None, R.voice_text: "", R.voice_status: "", R.voice_error: ""}


def _of(hashes: set[str]):
    return db.among(R.call.caller_hash, hashes) | db.among(R.invitation.caller_hash, hashes)


class Surveys:
    async def find(self, hashes: set[str], emails: set[str]) -> dict[str, list[dict[str, Any]]]:
        rows = (
            await R.select(
                R.id,
                R.call.external_id.as_alias("call"),
                R.created_at,
                R.source,
                R.satisfaction,
                R.recommend,
                R.effort,
                R.resolved,
                R.comment,
                R.voice_path,
                R.voice_text,
            )
            .where(_of(hashes))
            .order_by(R.created_at)
            .order_by(R.id)
        )
        voice = []
        for row in rows:
            path = row.pop("voice_path")
            if path or row["voice_text"]:  # a spoken comment, kept as a file, its transcript or both
                file = voice_dir() / path if path else None
                voice.append(
                    {"call": row["call"], "created_at": row["created_at"], "text": row["voice_text"], "file": file}
                )
        return {"surveys": rows, "voice": voice}

    async def erase(self, hashes: set[str], emails: set[str]) -> dict[str, int]:
        rows = await R.select(R.id, R.answers, R.voice_path, R.voice_text).where(_of(hashes)).output(load_json=True)
        voice = await _erase_voice([r for r in rows if r["voice_path"] or r["voice_text"]])
        await _erase_comments(rows)
        async with db.write_transaction():
            await SurveyInvitation.update({SurveyInvitation.caller_hash: None}).where(
                db.among(SurveyInvitation.caller_hash, hashes)
            )
        return {"surveys": len(rows), "voice": voice}

    async def erase_expired(self, today: date, retention_days: dict[str, int]) -> dict[str, int]:
        voice_before, comments_before = (
            kept_since(today, retention_days[kind], get_settings().timezone) for kind in ("voice", "comments")
        )
        voice = await R.select(R.id, R.voice_path).where((R.created_at < voice_before) & HAS_VOICE)
        comments = (
            await R.select(R.id, R.answers)
            .where((R.created_at < comments_before) & (R.comment != ""))  # the answers' copy is the same text
            .output(load_json=True)
        )
        return {"voice": await _erase_voice(voice), "comments": await _erase_comments(comments)}


async def _erase_voice(rows: list[dict[str, Any]]) -> int:
    """Delete the files, then forget them and their transcripts."""
    for row in rows:
        if row["voice_path"]:
            await asyncio.to_thread((voice_dir() / row["voice_path"]).unlink, missing_ok=True)
    if rows:
        async with db.write_transaction():
            await R.update(NO_VOICE).where(R.id.is_in([r["id"] for r in rows]))
    return len(rows)


async def _erase_comments(rows: list[dict[str, Any]]) -> int:
    """Clear the comment, and its copy among the answers as given; the scores stay."""
    async with db.write_transaction():
        for row in rows:
            answers = {k: v for k, v in (row["answers"] or {}).items() if k != "comment"}
            await R.update({R.comment: "", R.answers: answers}).where(R.id == row["id"])
    return len(rows)


SURVEYS = Surveys()
