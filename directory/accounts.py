"""Users follow the directory. A person the directory vouches for is signed in as the user
linked to them (or, the first time, the user with their e-mail, or a new user with the role their
groups give); every sign-in sets the role their groups give now; someone with no mapped role, or
whom the directory no longer knows, is switched off here, which ends their sessions at once
(auth.load_user reads only active users), until a later sign-in gives them a role again.
An agent user is linked to the agent whose staff number the directory gives, unless an
administrator fixed the link by hand. Every change goes to the audit log.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from directory.mapping import Person, no_role_message
from directory.tables import ExternalIdentity
from qa_app import audit, db
from qa_app.i18n import _
from qa_app.tables import Agent, Role, User


class Refused(Exception):
    """The person may not sign in; the message tells them why and what to do."""


def unusable_password() -> str:
    """The password hash of a user made by the directory: no password matches it (it is not an
    argon2 hash), so only the directory signs them in."""
    return f"!directory:{secrets.token_hex(16)}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _suspend(user: dict[str, Any], identity_id: int | None, reason: str, **detail: Any) -> None:
    """Switch the user off because of the directory (their sessions end with it)."""
    if user["active"]:
        await User.update({User.active: False}).where(User.id == user["id"])
        await audit.record(None, "directory_suspend", "user", user["id"], email=user["email"], reason=reason, **detail)
    if identity_id is not None:
        await ExternalIdentity.update({ExternalIdentity.suspended: True}).where(ExternalIdentity.id == identity_id)


async def _link_agent(user_id: int, staff_number: str | None, identity: dict[str, Any] | None) -> None:
    """Link an agent user to the agent with the directory's staff number, unless an administrator
    fixed the link or another user has that agent already."""
    if identity is not None and identity["link_fixed"]:
        return
    if not staff_number:
        return
    agent = (
        await Agent.select(Agent.id, Agent.user, Agent.staff_number).where(Agent.staff_number == staff_number).first()
    )
    if agent is None or agent["user"] == user_id:
        return
    if agent["user"] is not None:
        await audit.record(
            None, "directory_link_refused", "agent", agent["id"], staff_number=staff_number, user=user_id,
            reason="the agent has another login",
        )  # fmt: skip
        return
    await Agent.update({Agent.user: None}).where(Agent.user == user_id)
    await Agent.update({Agent.user: user_id}).where(Agent.id == agent["id"])
    await audit.record(
        None, "link_agent", "user", user_id, agent=agent["id"], staff_number=staff_number, by="directory"
    )


async def sign_in(person: Person, *, signing_in: bool = True) -> dict[str, Any]:
    """The user's row, created or brought up to date from what the directory says; Refused when
    they may not sign in (and then they are switched off, if they had a user here)."""
    refusal = await _apply(person, signing_in)
    if isinstance(refusal, str):
        raise Refused(refusal)
    return refusal


async def _apply(person: Person, signing_in: bool) -> dict[str, Any] | str:
    key = f"{person.provider}:{person.subject}"
    async with db.write_transaction():
        identity = await ExternalIdentity.select().where(ExternalIdentity.key == key).first()
        user = None
        if identity is not None:
            user = await User.select().where(User.id == identity["user"]).first()
        if user is None and person.email:
            user = await User.select().where(User.email == person.email).first()
        if person.role is None:
            if user is not None:
                await _suspend(user, identity["id"] if identity else None, "no mapped role", groups=list(person.groups))
            return no_role_message(person.choices)
        if user is None:
            if not person.email:
                return _(
                    "Your account in the organisation's directory has no e-mail address, which this application "
                    "needs: ask your administrator to add one."
                )
            rows = await User.insert(
                User(
                    email=person.email,
                    name=person.name or person.email.split("@")[0],
                    password_hash=unusable_password(),
                    role=person.role.value,
                )
            ).returning(User.id)
            user = await User.select().where(User.id == rows[0]["id"]).first()
            await audit.record(
                None, "create", "user", user["id"], email=person.email, role=person.role.value, by=person.provider
            )
        else:
            changes: dict[Any, Any] = {}
            detail: dict[str, Any] = {}
            if not user["active"]:
                if identity is None or not identity["suspended"]:
                    return _("Your account here has been switched off by an administrator: ask them to switch it on.")
                changes[User.active] = True
                detail["active"] = True
            if user["role"] != person.role.value:
                changes[User.role] = person.role.value
                detail["role"] = {"from": user["role"], "to": person.role.value}
                if user["role"] == Role.agent.value:
                    await Agent.update({Agent.user: None}).where(Agent.user == user["id"])
                    detail["agent_unlinked"] = True
            if person.name and person.name != user["name"]:
                changes[User.name] = person.name
                detail["name"] = person.name
            if changes:
                await User.update(changes).where(User.id == user["id"])
                await audit.record(None, "directory_update", "user", user["id"], by=person.provider, **detail)
        values = {
            ExternalIdentity.login: (person.login or person.email)[:254],
            ExternalIdentity.groups: list(person.groups),
            ExternalIdentity.staff_number: person.staff_number,
            ExternalIdentity.suspended: False,
        }
        if signing_in:
            values[ExternalIdentity.last_seen_at] = _now()
        if identity is None:
            await ExternalIdentity.insert(
                ExternalIdentity(key=key, provider=person.provider, subject=person.subject, user=user["id"])
            )
            await audit.record(
                None, "link_identity", "user", user["id"], provider=person.provider, subject=person.subject
            )
        elif identity["user"] != user["id"]:
            values[ExternalIdentity.user] = user["id"]
        await ExternalIdentity.update(values).where(ExternalIdentity.key == key)
        identity = await ExternalIdentity.select().where(ExternalIdentity.key == key).first()
        if person.role == Role.agent:
            await _link_agent(user["id"], person.staff_number, identity)
        if signing_in:
            await User.update({User.last_login_at: _now()}).where(User.id == user["id"])
        return await User.select().where(User.id == user["id"]).first()


async def forget(provider: str, login: str, reason: str = "unknown to the directory") -> int:
    """The directory no longer knows whoever signed in as `login`: switch their users off.
    Returns how many were."""
    login = login.strip().lower()
    identities = await ExternalIdentity.select().where(
        (ExternalIdentity.provider == provider)
        & ((ExternalIdentity.login == login) | (ExternalIdentity.user.email == login))
    )
    count = 0
    for identity in identities:
        user = await User.select().where(User.id == identity["user"]).first()
        if user is not None:
            async with db.write_transaction():
                await _suspend(user, identity["id"], reason)
            count += 1
    return count


async def follow(person: Person | None, identity: dict[str, Any]) -> str | None:
    """Bring an LDAP user up to date between sign-ins (the scheduled check): switched off when
    the directory dropped them or their role, their role changed when their groups did.
    Returns what changed, if anything."""
    user = await User.select().where(User.id == identity["user"]).first()
    if user is None or not user["active"]:
        return None
    if person is None:
        async with db.write_transaction():
            await _suspend(user, identity["id"], "unknown to the directory")
        return "suspended"
    if person.role is None:
        async with db.write_transaction():
            await _suspend(user, identity["id"], "no mapped role", groups=list(person.groups))
        return "suspended"
    if person.role.value != user["role"]:
        await sign_in(person, signing_in=False)
        return "role"
    return None


async def fix_agent_link(user_id: int, staff_number: str | None, by_user: int) -> None:
    """An administrator links an agent user to the agent with this staff number (None: to no
    agent), and the directory's sign-ins keep that choice from now on."""
    user = await User.select(User.id, User.role).where(User.id == user_id).first()
    if user is None:
        raise Refused(_("There is no such user."))
    if user["role"] != Role.agent.value:
        raise Refused(_("Only an agent user is linked to an agent."))
    async with db.write_transaction():
        agent = None
        if staff_number:
            agent = await Agent.select(Agent.id, Agent.user).where(Agent.staff_number == staff_number).first()
            if agent is None:
                raise Refused(
                    _("There is no agent with staff number %(staff_number)s.") % {"staff_number": staff_number}
                )
            if agent["user"] not in (None, user_id):
                raise Refused(
                    _("Agent %(staff_number)s is linked to another user already.") % {"staff_number": staff_number}
                )
        await Agent.update({Agent.user: None}).where(Agent.user == user_id)
        if agent is not None:
            await Agent.update({Agent.user: user_id}).where(Agent.id == agent["id"])
        await ExternalIdentity.update({ExternalIdentity.link_fixed: True}).where(ExternalIdentity.user == user_id)
        await audit.record(by_user, "link_agent", "user", user_id, staff_number=staff_number, by="administrator")


async def release_agent_link(user_id: int, by_user: int) -> None:
    """Let the directory's staff number decide the link again at the next sign-in."""
    await ExternalIdentity.update({ExternalIdentity.link_fixed: False}).where(ExternalIdentity.user == user_id)
    await audit.record(by_user, "release_agent_link", "user", user_id)


async def directory_users() -> list[dict[str, Any]]:
    """Every user the directory signed in, with their agent link, for the administrator's page."""
    identities = (
        await ExternalIdentity.select(
            ExternalIdentity.all_columns(),
            ExternalIdentity.user.email.as_alias("email"),
            ExternalIdentity.user.name.as_alias("name"),
            ExternalIdentity.user.role.as_alias("role"),
            ExternalIdentity.user.active.as_alias("active"),
        )
        .order_by(ExternalIdentity.user.email)
        .output(load_json=True)
    )
    agents = {
        row["user"]: row
        for row in await Agent.select(Agent.user, Agent.staff_number, Agent.name).where(Agent.user.is_not_null())
    }
    for row in identities:
        row["agent"] = agents.get(row["user"])
    return identities
