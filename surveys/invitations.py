"""Single-use survey links: created for a period's answered calls by a rule, answered once.

A link is `/s/<token>` with a random 192-bit token; the database keeps only the token's
SHA-256, so the links exist only where they were sent or exported. Nothing personal is in the
link. The same caller (by the keyed hash of their number) is not asked twice within
`quiet_days`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cases import register
from qa_app import audit, db
from qa_app.i18n import _
from qa_app.redaction import redact_text
from qa_app.tables import Call
from surveys.questions import DEFAULT_SURVEY, SURVEY_KEY, SURVEY_NAME, is_praise
from surveys.tables import InvitationStatus, SurveyInvitation, SurveyResponse, SurveyTemplate

TOKEN_BYTES = 24  # 192 bits


class SurveyError(Exception):
    pass


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def in_share(external_id: str, share: float) -> bool:
    """A fixed, even choice of calls for a share below 1 (the same on every run)."""
    digest = hashlib.blake2b(external_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


async def default_template() -> dict[str, Any]:
    row = await SurveyTemplate.select().where(SurveyTemplate.is_default == True).output(load_json=True).first()  # noqa: E712
    if row is None:
        await SurveyTemplate.insert(
            SurveyTemplate(key=SURVEY_KEY, version=1, name=SURVEY_NAME, definition=DEFAULT_SURVEY, is_default=True)
        )
        return await default_template()
    return row


@dataclass(frozen=True)
class NewLink:
    call_external_id: str
    token: str
    expires_at: datetime
    offered_at: datetime


async def create_invitations(
    start: datetime,
    end: datetime,
    *,
    share: float = 1.0,
    service_ids: list[int] | None = None,
    quiet_days: int = 30,
    valid_days: int = 14,
    channel: str = "email",
    only_calls: set[str] | None = None,
    languages: dict[str, str] | None = None,
    now: datetime | None = None,
    user_id: int | None = None,
) -> list[NewLink]:
    """Links for the answered calls offered in [start, end) that have none yet, following the
    rule; returns the new links (their tokens are not kept anywhere else)."""
    if not 0 < share <= 1:
        raise SurveyError(_("the share of calls to invite is above 0 and at most 1"))
    if quiet_days < 0 or valid_days < 1:
        raise SurveyError(_("quiet days cannot be negative and a link must be valid for at least a day"))
    now = now or datetime.now(timezone.utc)
    template = await default_template()
    query = Call.select(Call.id, Call.external_id, Call.caller_hash, Call.offered_at).where(
        (Call.offered_at >= start) & (Call.offered_at < end) & Call.answered_at.is_not_null()
    )
    if service_ids is not None:
        query = query.where(Call.service.is_in(service_ids or [-1]))
    calls = await query.order_by(Call.offered_at).order_by(Call.id)
    invited = {
        r["call"]
        for r in await SurveyInvitation.select(SurveyInvitation.call).where(
            SurveyInvitation.call.is_in([c["id"] for c in calls] or [-1])
        )
    }
    quiet_since = start - timedelta(days=quiet_days)
    last_asked: dict[str, datetime] = {}
    for row in await SurveyInvitation.select(
        SurveyInvitation.caller_hash, SurveyInvitation.call.offered_at.as_alias("offered_at")
    ).where(SurveyInvitation.caller_hash.is_not_null() & (SurveyInvitation.call.offered_at >= quiet_since)):
        if row["caller_hash"] not in last_asked or row["offered_at"] > last_asked[row["caller_hash"]]:
            last_asked[row["caller_hash"]] = row["offered_at"]
    links, rows = [], []
    for call in calls:
        if call["id"] in invited or not in_share(call["external_id"], share):
            continue
        if only_calls is not None and call["external_id"] not in only_calls:
            continue
        caller = call["caller_hash"]
        if caller is not None:
            previous = last_asked.get(caller)
            if previous is not None and abs(call["offered_at"] - previous) < timedelta(days=quiet_days):
                continue
            last_asked[caller] = call["offered_at"]
        token = new_token()
        expires = now + timedelta(days=valid_days)
        rows.append(
            SurveyInvitation(
                token_hash=token_hash(token),
                call=call["id"],
                template=template["id"],
                channel=channel,
                caller_hash=caller,
                language=(languages or {}).get(call["external_id"], ""),
                created_at=now,
                expires_at=expires,
            )
        )
        links.append(NewLink(call["external_id"], token, expires, call["offered_at"]))
    async with db.write_transaction():
        for first in range(0, len(rows), 500):
            await SurveyInvitation.insert(*rows[first : first + 500])
        await audit.record(user_id, "invite", "survey", "", calls=len(rows), share=share, channel=channel)
    return links


async def withdraw(links: list[NewLink]) -> None:
    """Delete links that never reached anyone (the mail server could not be reached)."""
    hashes = [token_hash(link.token) for link in links]
    async with db.write_transaction():
        for first in range(0, len(hashes), 500):
            await SurveyInvitation.delete().where(
                SurveyInvitation.token_hash.is_in(hashes[first : first + 500])
                & (SurveyInvitation.status != InvitationStatus.answered)
            )


async def find(token: str) -> dict[str, Any] | None:
    if not token or len(token) > 100:
        return None
    return (
        await SurveyInvitation.select(
            SurveyInvitation.all_columns(),
            SurveyInvitation.template.definition.as_alias("definition"),
        )
        .where(SurveyInvitation.token_hash == token_hash(token))
        .output(load_json=True)
        .first()
    )


def state(invitation: dict[str, Any] | None, now: datetime | None = None) -> str:
    """unknown, used, expired or open."""
    if invitation is None:
        return "unknown"
    if invitation["status"] == InvitationStatus.answered:
        return "used"
    if invitation["expires_at"] <= (now or datetime.now(timezone.utc)):
        return "expired"
    return "open"


async def answer(
    token: str,
    answers: dict[str, Any],
    language: str,
    now: datetime | None = None,
    voice: tuple[str, bytes] | None = None,
) -> str:
    """Store a resident's answers once; returns the link's state: "answered", or why not.

    The link is claimed first with one conditional UPDATE (open and unexpired -> answered), so
    of many simultaneous submissions of one link exactly one claims it, on SQLite (whose write
    transactions queue) and on PostgreSQL (where the second UPDATE waits for the first and then
    finds the link answered); the others are told the answer is already in. A voice comment
    (file name, bytes), already checked, is kept for transcription once the answer is in."""
    if not token or len(token) > 100:
        return "unknown"
    now = now or datetime.now(timezone.utc)
    async with db.write_transaction():
        claimed = (
            await SurveyInvitation.update(
                {SurveyInvitation.status: InvitationStatus.answered, SurveyInvitation.answered_at: now}
            )
            .where(
                (SurveyInvitation.token_hash == token_hash(token))
                & (SurveyInvitation.status != InvitationStatus.answered)
                & (SurveyInvitation.expires_at > now)
            )
            .returning(SurveyInvitation.id, SurveyInvitation.call, SurveyInvitation.template)
        )
        if not claimed:
            return state(await find(token), now)
        invitation = claimed[0]
        call = await Call.select(Call.agent).where(Call.id == invitation["call"]).first()
        # Personal numbers a resident typed are not kept (qa_app/redaction.py).
        answers = {k: redact_text(v) if isinstance(v, str) else v for k, v in answers.items()}
        comment = answers.get("comment", "")
        response = await SurveyResponse.insert(
            SurveyResponse(
                invitation=invitation["id"],
                call=invitation["call"],
                agent=call["agent"] if call else None,
                template=invitation["template"],
                source="web",
                language=language,
                satisfaction=answers.get("satisfaction"),
                recommend=answers.get("recommend"),
                effort=answers.get("effort"),
                resolved=answers.get("resolved"),
                comment=comment,
                praise=is_praise(comment, answers.get("satisfaction")),
                answers=answers,
            )
        ).returning(SurveyResponse.id)
    await register.link_to_call_cases(invitation["call"], "survey", response[0]["id"])
    if voice is not None:
        from surveys.voice import attach

        await attach(response[0]["id"], *voice)
    return "answered"
