"""Users and their roles: creating them, passwords, linking an agent login to its agent."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from qa_app import audit, db
from qa_app.i18n import _
from qa_app.security import DUMMY_HASH, hash_password_async, needs_rehash, verify_password_async
from qa_app.tables import Agent, PasswordReset, Role, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(Exception):
    """What is wrong with a user's details; `field` names the form field it is about ("" = none)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def generate_password() -> str:
    return secrets.token_urlsafe(12)


async def create_user(
    *,
    email: str,
    role: str,
    password: str,
    name: str = "",
    agent_staff_number: str | None = None,
    by_user: int | None = None,
) -> int:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise UserError(_("%(email)r is not an e-mail address") % {"email": email}, "email")
    if len(name) > 200:
        raise UserError(_("Give the user's name (at most 200 characters)."), "name")
    if role not in Role._value2member_map_:
        raise UserError(
            _("unknown role %(role)r; roles: %(roles)s") % {"role": role, "roles": ", ".join(r.value for r in Role)},
            "role",
        )
    if (role == Role.agent.value) != bool(agent_staff_number):
        raise UserError(_("an agent user needs --agent STAFF_NUMBER, and only agent users have one"), "agent")
    try:
        password_hash = await hash_password_async(password)
    except ValueError as error:
        raise UserError(str(error), "password") from None
    async with db.write_transaction():
        if await User.exists().where(User.email == email):
            raise UserError(_("a user with e-mail %(email)s exists already") % {"email": email}, "email")
        agent = None
        if agent_staff_number:
            agent = (
                await Agent.select(Agent.id, Agent.name, Agent.user)
                .where(Agent.staff_number == agent_staff_number)
                .first()
            )
            if agent is None:
                raise UserError(
                    _("no agent with staff number %(staff_number)s") % {"staff_number": agent_staff_number}, "agent"
                )
            if agent["user"] is not None:
                raise UserError(
                    _("agent %(staff_number)s has a login already") % {"staff_number": agent_staff_number}, "agent"
                )
        rows = await User.insert(
            User(
                email=email,
                name=name or (agent["name"] if agent else email.split("@")[0]),
                password_hash=password_hash,
                role=role,
            )
        ).returning(User.id)
        user_id = rows[0]["id"]
        if agent:
            await Agent.update({Agent.user: user_id}).where(Agent.id == agent["id"])
        await audit.record(by_user, "create", "user", user_id, email=email, role=role, agent=agent_staff_number)
    return user_id


async def set_password(user_id: int, password: str, by_user: int | None = None) -> None:
    await User.update({User.password_hash: await hash_password_async(password)}).where(User.id == user_id)
    await audit.record(by_user, "set_password", "user", user_id)


async def authenticate(email: str, password: str) -> dict | None:
    """The user's row when the e-mail and password match an active user, else None.
    An unknown e-mail costs the same hashing time as a wrong password."""
    row = await User.select().where(User.email == email.strip().lower()).first()
    if row is None:
        await verify_password_async(DUMMY_HASH, password)
        return None
    if not await verify_password_async(row["password_hash"], password) or not row["active"]:
        return None
    changes = {User.last_login_at: datetime.now(timezone.utc)}
    if needs_rehash(row["password_hash"]):
        changes[User.password_hash] = row["password_hash"] = await hash_password_async(password)
    await User.update(changes).where(User.id == row["id"])
    return row


async def change_own_password(user_id: int, current: str, new: str, repeated: str) -> dict:
    """A user's new password, given their current one; returns their row with the new hash.
    Every other session of theirs ends (see auth.password_mark)."""
    row = await User.select().where(User.id == user_id).first()
    if row is None or not await verify_password_async(row["password_hash"], current):
        raise UserError(_("Your current password is not right."))
    if new != repeated:
        raise UserError(_("The two new passwords are not the same."))
    if new == current:
        raise UserError(_("Choose a password other than your current one."))
    try:
        row["password_hash"] = await hash_password_async(new)
    except ValueError as error:
        raise UserError(_("The new password is not accepted: %(reason)s.") % {"reason": error}) from None
    await User.update({User.password_hash: row["password_hash"]}).where(User.id == user_id)
    await audit.record(user_id, "change_password", "user", user_id)
    return row


async def _other_active_admins(user_id: int) -> int:
    return await User.count().where((User.role == Role.admin.value) & (User.active == True) & (User.id != user_id))  # noqa: E712


async def update_user(
    user_id: int,
    *,
    email: str,
    name: str,
    role: str,
    agent_staff_number: str | None,
    by_user: int | None,
) -> dict[str, list[Any]]:
    """An administrator changes a user's e-mail, name, role and linked agent; returns what
    changed as {field: [before, after]}, as the audit log keeps it. An agent login keeps one
    agent; another role has none. Nobody removes their own administrator role, and the last
    active administrator stays one, so that someone can always administer the centre."""
    email = email.strip().lower()
    name = name.strip()
    agent_staff_number = (agent_staff_number or "").strip() or None
    if not EMAIL.match(email) or len(email) > 254:
        raise UserError(_("This is not an e-mail address."), "email")
    if not name or len(name) > 200:
        raise UserError(_("Give the user's name (at most 200 characters)."), "name")
    if role not in Role._value2member_map_:
        raise UserError(_("Choose a role."), "role")
    if role == Role.agent.value and not agent_staff_number:
        raise UserError(_("An agent's login belongs to an agent: choose which."), "agent")
    if role != Role.agent.value:
        agent_staff_number = None
    async with db.write_transaction():
        before = await User.select().where(User.id == user_id).first()
        if before is None:
            raise UserError(_("There is no such user."))
        if before["role"] == Role.admin.value and role != Role.admin.value:
            if user_id == by_user:
                raise UserError(
                    _("You cannot take away your own administrator role: ask another administrator."), "role"
                )
            if before["active"] and not await _other_active_admins(user_id):
                raise UserError(
                    _("This is the last active administrator: make someone else administrator first."), "role"
                )
        if await User.exists().where((User.email == email) & (User.id != user_id)):
            raise UserError(_("Another user has the e-mail %(email)s.") % {"email": email}, "email")
        linked = await Agent.select(Agent.id, Agent.staff_number).where(Agent.user == user_id).first()
        agent = None
        if agent_staff_number:
            agent = await Agent.select(Agent.id, Agent.user).where(Agent.staff_number == agent_staff_number).first()
            if agent is None:
                raise UserError(_("There is no agent with this staff number."), "agent")
            if agent["user"] not in (None, user_id):
                raise UserError(_("This agent has another login already."), "agent")
        after = {"email": email, "name": name, "role": role}
        changed: dict[str, list[Any]] = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        old_staff = linked["staff_number"] if linked else None
        if old_staff != agent_staff_number:
            changed["agent"] = [old_staff, agent_staff_number]
            await Agent.update({Agent.user: None}).where(Agent.user == user_id)
            if agent:
                await Agent.update({Agent.user: user_id}).where(Agent.id == agent["id"])
        if changed:
            await User.update({getattr(User, k): v for k, v in after.items()}).where(User.id == user_id)
            await audit.record(by_user, "update", "user", user_id, **changed)
    return changed


async def set_active(user_id: int, active: bool, *, by_user: int | None) -> None:
    """Switch a login off or on. A switched-off user cannot sign in, and their sessions end at
    their next request (auth.load_user reads active users only). Nobody switches themselves
    off, nor the last active administrator."""
    async with db.write_transaction():
        row = await User.select(User.role, User.active).where(User.id == user_id).first()
        if row is None:
            raise UserError(_("There is no such user."))
        if row["active"] == active:
            return
        if not active:
            if user_id == by_user:
                raise UserError(_("You cannot switch off your own login."))
            if row["role"] == Role.admin.value and not await _other_active_admins(user_id):
                raise UserError(_("This is the last active administrator: make someone else administrator first."))
        await User.update({User.active: active}).where(User.id == user_id)
        await audit.record(by_user, "update", "user", user_id, active=[row["active"], active])


# A reset link works once, for a day; making a new one ends the user's earlier links.
RESET_HOURS = 24


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def make_reset_link(user_id: int, *, by_user: int | None) -> str:
    """A new one-time token for the user to set a password (its address: /login/reset?token=…).
    Only its SHA-256 is stored, so the token itself is shown once, to the administrator."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    async with db.write_transaction():
        if not await User.exists().where((User.id == user_id) & (User.active == True)):  # noqa: E712
            raise UserError(_("Only an active user can have a reset link: switch the login on first."))
        await PasswordReset.delete().where((PasswordReset.user == user_id) & PasswordReset.used_at.is_null())
        await PasswordReset.insert(
            PasswordReset(user=user_id, token_hash=_token_hash(token), expires_at=now + timedelta(hours=RESET_HOURS))
        )
        await audit.record(by_user, "make_reset_link", "user", user_id)
    return token


async def reset_for(token: str) -> dict | None:
    """The user a token lets set a password: None when it is unknown, used, expired, or the
    user is switched off."""
    if not token or len(token) > 100:
        return None
    row = (
        await PasswordReset.select(PasswordReset.id, PasswordReset.user, PasswordReset.user.email.as_alias("email"))
        .where(
            (PasswordReset.token_hash == _token_hash(token))
            & PasswordReset.used_at.is_null()
            & (PasswordReset.expires_at > datetime.now(timezone.utc))
            & (PasswordReset.user.active == True)  # noqa: E712
        )
        .first()
    )
    return row


async def reset_password(token: str, new: str, repeated: str) -> None:
    """Set the user's new password through a reset link, which then works no more. The new
    password hash ends every session the user had (see auth.password_mark)."""
    if new != repeated:
        raise UserError(_("The two new passwords are not the same."), "repeated")
    try:
        password_hash = await hash_password_async(new)
    except ValueError as error:
        raise UserError(_("The new password is not accepted: %(reason)s.") % {"reason": error}, "new") from None
    async with db.write_transaction():
        reset = await reset_for(token)
        if reset is None:
            raise UserError(_("This link does not work any more: ask your administrator for a new one."))
        await PasswordReset.update({PasswordReset.used_at: datetime.now(timezone.utc)}).where(
            PasswordReset.id == reset["id"]
        )
        await User.update({User.password_hash: password_hash}).where(User.id == reset["user"])
        await audit.record(reset["user"], "reset_password", "user", reset["user"])


def users_where(query: str = "", role: str = ""):
    """The users whose name or e-mail holds `query` (any case), of `role` if it is one."""
    where = User.id.is_not_null()
    if query.strip():
        pattern = f"%{query.strip()}%"
        where &= User.email.ilike(pattern) | User.name.ilike(pattern)
    if role in Role._value2member_map_:
        where &= User.role == role
    return where
