"""Users and their roles: creating them, passwords, linking an agent login to its agent."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone

from qa_app import audit, db
from qa_app.i18n import _
from qa_app.security import DUMMY_HASH, hash_password_async, needs_rehash, verify_password_async
from qa_app.tables import Agent, Role, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(Exception):
    pass


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
    if not EMAIL.match(email):
        raise UserError(_("%(email)r is not an e-mail address") % {"email": email})
    if role not in Role._value2member_map_:
        raise UserError(
            _("unknown role %(role)r; roles: %(roles)s") % {"role": role, "roles": ", ".join(r.value for r in Role)}
        )
    if (role == Role.agent.value) != bool(agent_staff_number):
        raise UserError(_("an agent user needs --agent STAFF_NUMBER, and only agent users have one"))
    try:
        password_hash = await hash_password_async(password)
    except ValueError as error:
        raise UserError(str(error)) from None
    async with db.write_transaction():
        if await User.exists().where(User.email == email):
            raise UserError(_("a user with e-mail %(email)s exists already") % {"email": email})
        agent = None
        if agent_staff_number:
            agent = (
                await Agent.select(Agent.id, Agent.name, Agent.user)
                .where(Agent.staff_number == agent_staff_number)
                .first()
            )
            if agent is None:
                raise UserError(_("no agent with staff number %(staff_number)s") % {"staff_number": agent_staff_number})
            if agent["user"] is not None:
                raise UserError(_("agent %(staff_number)s has a login already") % {"staff_number": agent_staff_number})
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
