"""Notifications: a message in the app for one user, and an email digest of those not yet
emailed, each kind something the user can turn off per channel.

Packages call `notify()` when something happens to a person (an evaluation released to an
agent, a coaching session scheduled, a dispute answered); `send_digests()` (the
`qa notify digest` command, run daily by cron or a systemd timer) mails each user one message
listing what is new, through `QA_SMTP_URL`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from qa_app import db, i18n, mail
from qa_app.i18n import _, _l, ngettext
from qa_app.tables import Notification, NotificationSetting, Role, User

KINDS = {
    "evaluation_released": _l("A new evaluation of one of your calls"),
    "dispute_answered": _l("An answer to your dispute"),
    "dispute_raised": _l("An agent disputes an evaluation (of your team, or one you marked)"),
    "session_scheduled": _l("A coaching session scheduled"),
    "session_acknowledged": _l("An agent acknowledged a coaching session"),
    "calibration_invited": _l("An invitation to mark a calibration session"),
    "calibration_closed": _l("A calibration session you marked in is closed, with its results"),
}
# Who can ever receive each kind: the settings page offers no others.
KIND_ROLES = {
    "evaluation_released": (Role.agent,),
    "dispute_answered": (Role.agent,),
    "dispute_raised": (Role.admin, Role.manager, Role.qa, Role.team_leader),
    "session_scheduled": (Role.agent,),
    "session_acknowledged": (Role.admin, Role.manager, Role.team_leader),
    "calibration_invited": (Role.admin, Role.qa, Role.team_leader),  # who may mark in a session
    "calibration_closed": (Role.admin, Role.qa, Role.team_leader),
}


def kinds_for(role: str) -> dict[str, Any]:
    """The kinds of notification a user of this role can receive, with their labels."""
    return {kind: label for kind, label in KINDS.items() if role in KIND_ROLES[kind]}


async def settings_for(user_id: int) -> dict[str, dict[str, bool]]:
    """{kind: {"in_app": bool, "email": bool}}: on unless the user turned it off."""
    chosen = {r["kind"]: r for r in await NotificationSetting.select().where(NotificationSetting.user == user_id)}
    return {
        kind: {
            "in_app": chosen[kind]["in_app"] if kind in chosen else True,
            "email": chosen[kind]["email"] if kind in chosen else True,
        }
        for kind in KINDS
    }


async def save_settings(user_id: int, choices: dict[str, dict[str, bool]]) -> None:
    async with db.write_transaction():
        await NotificationSetting.delete().where(NotificationSetting.user == user_id)
        await NotificationSetting.insert(
            *[
                NotificationSetting(user=user_id, kind=kind, in_app=value["in_app"], email=value["email"])
                for kind, value in choices.items()
                if kind in KINDS
            ]
        )


async def language_of(user_id: int | None) -> str | None:
    """A notification is written in its reader's language (their choice, else the centre's):
    `with i18n.using(await language_of(reader)): text = _("...")`."""
    if user_id is None:
        return None
    row = await User.select(User.language).where(User.id == user_id).first()
    return (row or {}).get("language") or None


async def notify(user_id: int | None, kind: str, text: str, link: str = "") -> None:
    """Tell a user something, unless they turned this kind off in both channels. Call it inside
    the caller's transaction or after; it writes one row."""
    if user_id is None:
        return
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    choice = (await settings_for(user_id))[kind]
    if not choice["in_app"] and not choice["email"]:
        return
    await Notification.insert(
        Notification(
            user=user_id,
            kind=kind,
            text=text,
            link=link,
            # Email only: never shown in the app, so it counts as read there.
            read_at=None if choice["in_app"] else datetime.now(timezone.utc),
            # In the app only: the digest leaves it alone.
            emailed_at=None if choice["email"] else datetime.now(timezone.utc),
        )
    )


async def unread(user_id: int, limit: int = 50) -> list[dict[str, Any]]:
    return (
        await Notification.select()
        .where((Notification.user == user_id) & Notification.read_at.is_null())
        .order_by(Notification.created_at, ascending=False)
        .limit(limit)
    )


async def unread_count(user_id: int) -> int:
    return await Notification.count().where((Notification.user == user_id) & Notification.read_at.is_null())


async def mark_read(user_id: int) -> None:
    async with db.write_transaction():
        await Notification.update({Notification.read_at: datetime.now(timezone.utc)}).where(
            (Notification.user == user_id) & Notification.read_at.is_null()
        )


def _digest(items: list[dict], base_url: str, sender: str):
    """One user's digest email, in the current language. The notifications' own texts are
    stored as they were written when they were made (see notify())."""
    lines = [
        f"- {item['text']}" + (f"\n  {base_url.rstrip('/')}{item['link']}" if item["link"] else "") for item in items
    ]
    body = (
        _("Hello,")
        + "\n\n"
        + _("What is new for you in the contact centre's quality app:")
        + "\n\n"
        + "\n".join(lines)
        + "\n\n"
        + _("You can choose what you are told, and how, under Notifications in the app.")
        + "\n"
    )
    subject = ngettext("%(num)s new in the quality app", "%(num)s new in the quality app", len(items)) % {
        "num": len(items)
    }
    return mail.new_message(items[0]["email"], subject, body, sender=sender)


async def send_digests(base_url: str, server: mail.SmtpServer | None = None) -> int:
    """One email per user listing their notifications not yet emailed; returns how many were
    sent. Notifications are marked emailed only once their message went out."""
    server = server or mail.configured_server()
    rows = (
        await Notification.select(
            Notification.id,
            Notification.user,
            Notification.text,
            Notification.link,
            Notification.user.email.as_alias("email"),
            Notification.user.active.as_alias("active"),
            Notification.user.language.as_alias("language"),
        )
        .where(Notification.emailed_at.is_null())
        .order_by(Notification.created_at)
    )
    by_user: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        if row["active"]:
            by_user[row["user"]].append(row)
    messages, ids = [], []
    for items in by_user.values():
        with i18n.using(items[0]["language"]):  # in the recipient's language ("": the centre's)
            messages.append(_digest(items, base_url, server.sender))
        ids.append([item["id"] for item in items])
    refused = set(await mail.send(messages, server))
    sent_ids = [i for message, group in zip(messages, ids, strict=True) if message["To"] not in refused for i in group]
    if sent_ids:
        async with db.write_transaction():
            await Notification.update({Notification.emailed_at: datetime.now(timezone.utc)}).where(
                Notification.id.is_in(sent_ids)
            )
    return len(messages) - len(refused)
