"""The demo centre's residents: a quarter of the answered calls get a survey link, about a
third of those answer, more satisfied with some agents than others; a few leave comments,
some of them thanks."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from qa_app import db
from qa_app.i18n import _
from qa_app.settings import get_settings
from qa_app.tables import Agent, Call
from surveys.invitations import default_template, in_share, new_token, token_hash
from surveys.questions import is_praise
from surveys.tables import InvitationStatus, SurveyInvitation, SurveyResponse

COMMENTS = [
    ("Thank you, very friendly and helpful.", "en"),
    ("Quick and clear answer, thanks!", "en"),
    ("Tack, mycket trevlig och hjälpsam.", "sv"),
    ("Bedankt, heel vriendelijk geholpen.", "nl"),
    ("I had to wait a long time before anyone answered.", "en"),
    ("Nobody called me back as promised.", "en"),
    ("The bin is still not collected.", "en"),
]


def sent_invitation(
    call: dict, template: int, token: str, sent: datetime, *, answered_at: datetime | None, days: int = 14
) -> SurveyInvitation:
    """The invitation a call's resident was sent by text message at `sent`, open for `days`,
    answered at `answered_at` (or not yet)."""
    return SurveyInvitation(
        token_hash=token_hash(token),
        call=call["id"],
        template=template,
        channel="sms",
        status=InvitationStatus.answered if answered_at else InvitationStatus.sent,
        caller_hash=call["caller_hash"],
        created_at=sent,
        sent_at=sent,
        expires_at=sent + timedelta(days=days),
        answered_at=answered_at,
    )


async def load(*, seed: int, today: date, echo: Callable[[str], None]) -> None:
    if await SurveyInvitation.count():
        return
    rng = random.Random(seed)
    template = (await default_template())["id"]
    zone = get_settings().timezone
    mood = {a["id"]: rng.uniform(-0.6, 0.5) for a in await Agent.select(Agent.id)}
    calls = await Call.select(
        Call.id, Call.external_id, Call.agent, Call.caller_hash, Call.offered_at, Call.wait_seconds
    ).where(Call.answered_at.is_not_null() & Call.agent.is_not_null())
    cutoff = datetime.combine(today, time(0), tzinfo=zone).astimezone(timezone.utc)
    invitations, answers = [], []
    for call in calls:
        if not in_share(call["external_id"], 0.25):
            continue
        sent = call["offered_at"] + timedelta(minutes=5)
        answered = rng.random() < 0.35 and sent < cutoff
        invitations.append(
            sent_invitation(
                call,
                template,
                new_token(),
                sent,
                answered_at=sent + timedelta(hours=rng.randint(1, 40)) if answered else None,
            )
        )
        if answered:
            answers.append((call, mood[call["agent"]] - (0.8 if call["wait_seconds"] > 120 else 0)))
    async with db.write_transaction():
        for start in range(0, len(invitations), 500):
            await SurveyInvitation.insert(*invitations[start : start + 500])
        ids = {r["call"]: r["id"] for r in await SurveyInvitation.select(SurveyInvitation.id, SurveyInvitation.call)}
        responses = []
        for call, lean in answers:
            satisfaction = max(1, min(5, round(rng.gauss(4.1 + lean, 0.9))))
            recommend = max(0, min(10, round(rng.gauss(7.2 + 2 * lean + (satisfaction - 4), 1.6))))
            effort = max(1, min(7, round(rng.gauss(2.4 - lean + (4 - satisfaction) * 0.6, 1.0))))
            resolved = "yes" if satisfaction >= 4 and rng.random() < 0.85 else rng.choice(["partly", "no", "yes"])
            comment, language = ("", "en")
            if rng.random() < 0.2:
                comment, language = rng.choice(COMMENTS[:4] if satisfaction >= 4 else COMMENTS[4:])
            responses.append(
                SurveyResponse(
                    invitation=ids[call["id"]],
                    call=call["id"],
                    agent=call["agent"],
                    template=template,
                    source="web",
                    language=language,
                    satisfaction=satisfaction,
                    recommend=recommend,
                    effort=effort,
                    resolved=resolved,
                    comment=comment,
                    praise=is_praise(comment, satisfaction),
                    answers={
                        "satisfaction": satisfaction,
                        "recommend": recommend,
                        "effort": effort,
                        "resolved": resolved,
                        **({"comment": comment} if comment else {}),
                    },
                    created_at=call["offered_at"] + timedelta(hours=2),
                )
            )
        for start in range(0, len(responses), 500):
            await SurveyResponse.insert(*responses[start : start + 500])
    echo(
        _("demo surveys: %(sent)s links sent, %(answered)s answered")
        % {"sent": len(invitations), "answered": len(responses)}
    )
