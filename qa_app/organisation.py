"""Changes to the organisation: teams and agents. Every change is checked here and written to
the audit log; the pages and commands only call these functions."""

from __future__ import annotations

from datetime import date

from qa_app import audit, db
from qa_app.i18n import _
from qa_app.tables import Agent, Role, Team, User


class OrganisationError(Exception):
    pass


def _date(value: str | date | None, wrong: str) -> date | None:
    """The date, or OrganisationError(wrong) when it is not one."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise OrganisationError(wrong) from None


async def create_team(*, name: str, leader_id: int | None, by_user: int | None) -> int:
    name = name.strip()
    if not name:
        raise OrganisationError(_("a team needs a name"))
    async with db.write_transaction():
        if await Team.exists().where(Team.name == name):
            raise OrganisationError(_("a team called %(name)r exists already") % {"name": name})
        if leader_id is not None:
            leader = await User.select(User.role).where(User.id == leader_id).first()
            if leader is None or leader["role"] != Role.team_leader.value:
                raise OrganisationError(_("the team leader must be a user with the role team leader"))
        rows = await Team.insert(Team(name=name, leader=leader_id)).returning(Team.id)
        await audit.record(by_user, "create", "team", rows[0]["id"], name=name, leader=leader_id)
    return rows[0]["id"]


async def save_agent(
    *,
    agent_id: int | None = None,
    staff_number: str,
    name: str,
    team_id: int | None,
    interface: str | None,
    active_from: str | date | None,
    active_to: str | date | None,
    by_user: int | None,
) -> int:
    """Create an agent (agent_id None) or change one."""
    staff_number, name, interface = staff_number.strip(), name.strip(), (interface or "").strip() or None
    if not staff_number or not name:
        raise OrganisationError(_("an agent needs a staff number and a name"))
    start = _date(active_from, _("active from is not a date like 2026-09-01"))
    end = _date(active_to, _("active to is not a date like 2026-09-01"))
    if start and end and end < start:
        raise OrganisationError(_("active to is before active from"))
    values = {
        "staff_number": staff_number,
        "name": name,
        "team": team_id,
        "interface": interface,
        "active_from": start,
        "active_to": end,
    }
    async with db.write_transaction():
        others = Agent.id != agent_id if agent_id is not None else Agent.id.is_not_null()
        if await Agent.exists().where((Agent.staff_number == staff_number) & others):
            raise OrganisationError(
                _("staff number %(staff_number)s belongs to another agent") % {"staff_number": staff_number}
            )
        if interface and await Agent.exists().where((Agent.interface == interface) & others):
            raise OrganisationError(
                _("the phone interface %(interface)s belongs to another agent") % {"interface": interface}
            )
        if team_id is not None and not await Team.exists().where(Team.id == team_id):
            raise OrganisationError(_("no such team"))
        if agent_id is None:
            rows = await Agent.insert(Agent(**values)).returning(Agent.id)
            agent_id = rows[0]["id"]
            await audit.record(by_user, "create", "agent", agent_id, **_plain(values))
        else:
            before = await Agent.select(*[getattr(Agent, k) for k in values]).where(Agent.id == agent_id).first()
            if before is None:
                raise OrganisationError(_("no such agent"))
            await Agent.update({getattr(Agent, k): v for k, v in values.items()}).where(Agent.id == agent_id)
            changed = {k: [_plain_value(before[k]), _plain_value(v)] for k, v in values.items() if before[k] != v}
            await audit.record(by_user, "update", "agent", agent_id, **changed)
    return agent_id


def _plain_value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _plain(values: dict) -> dict:
    return {k: _plain_value(v) for k, v in values.items()}
