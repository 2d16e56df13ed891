"""Tables of the shell: the organisation, calls, attendance, the audit log, web sessions."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Role(str, Enum):
    admin = "admin"
    manager = "manager"
    qa = "qa"
    team_leader = "team_leader"
    agent = "agent"


STAFF = (Role.admin, Role.manager, Role.qa, Role.team_leader)
EVERYONE = (*STAFF, Role.agent)


class ServiceClass(str, Enum):
    """Zwevegem's catalogue classes."""

    A = "A"  # anyone at the front line answers
    B = "B"  # needs back-office knowledge
    C = "C"  # refer to the department


class Disposition(str, Enum):
    answered = "answered"
    abandoned = "abandoned"
    transferred = "transferred"


class User(Table, tablename="app_user"):
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    password_hash = Varchar(length=255)
    role = Varchar(length=20, choices=Role, index=True)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    language = Varchar(length=8, default="")  # their choice of language (qa_app/i18n.py); "" = none


class Department(Table):
    name = Varchar(length=200, unique=True)
    email = Varchar(length=254, null=True, default=None)


class Service(Table):
    """An entry of the municipal service catalogue."""

    name = Varchar(length=200, unique=True)
    department = ForeignKey(references=Department, on_delete=OnDelete.restrict, null=True)
    service_class = Varchar(length=1, choices=ServiceClass, default=ServiceClass.A)
    keywords = Text(default="")
    target_days = Integer(default=10)  # a case of this service is due this many days after it was opened


class Team(Table):
    name = Varchar(length=200, unique=True)
    leader = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)


class Agent(Table):
    staff_number = Varchar(length=50, unique=True)
    name = Varchar(length=200)
    team = ForeignKey(references=Team, on_delete=OnDelete.set_null, null=True, index=True)
    # The phone-system member this agent answers as, e.g. "PJSIP/1001" (queue_log, CDR).
    interface = Varchar(length=100, null=True, default=None, unique=True)
    active_from = Date(null=True, default=None)
    active_to = Date(null=True, default=None)
    # The login of this agent, if they have one (a user with role `agent`).
    user = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, unique=True)


class Call(Table):
    """One handled or abandoned call. Times are UTC."""

    external_id = Varchar(length=100, unique=True)
    queue = Varchar(length=100, default="")
    agent = ForeignKey(references=Agent, on_delete=OnDelete.set_null, null=True)
    service = ForeignKey(references=Service, on_delete=OnDelete.set_null, null=True)
    offered_at = Timestamptz()  # indexed with the id, see the second migration
    answered_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)
    wait_seconds = Integer(default=0)
    talk_seconds = Integer(default=0)
    hold_seconds = Integer(null=True, default=None)  # None: the source does not record hold
    transferred = Boolean(default=False)
    disposition = Varchar(length=20, choices=Disposition)
    caller_hash = Varchar(length=64, null=True, default=None, index=True)
    recording_path = Varchar(length=500, null=True, default=None)
    source = Varchar(length=30, default="")
    # A hash of the imported values: re-importing an unchanged row is a no-op.
    fingerprint = Varchar(length=40, default="")


class Attendance(Table):
    """One agent's day from the rota: the People part of the balanced scorecard."""

    agent = ForeignKey(references=Agent, on_delete=OnDelete.cascade)
    day = Date()
    scheduled_minutes = Integer(default=0)
    worked_minutes = Integer(default=0)
    absence = Varchar(length=50, default="")
    minutes_late = Integer(default=0)


class ImportRun(Table):
    """A record of each file imported, with its summary."""

    kind = Varchar(length=30)
    file_name = Varchar(length=500)
    started_at = Timestamptz(default=TimestamptzNow())
    summary = JSON(default="{}")
    user = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)


class AuditLog(Table):
    at = Timestamptz(default=TimestamptzNow(), index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    action = Varchar(length=50)
    entity = Varchar(length=50)
    entity_id = Varchar(length=100, default="")
    detail = JSON(default="{}")


class PasswordReset(Table):
    """A one-time link for a user to set a new password, made by an administrator (see
    qa_app/users.py): only the token's SHA-256 is kept; it works once and until it expires."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class WebSession(Table):
    """Server-side session data for Litestar's session middleware."""

    key = Varchar(length=128, unique=True)
    data = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)


class Notification(Table):
    """A message in the app for one user; the email digest sends those not yet emailed."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=30)  # evaluation_released, session_scheduled, dispute_answered
    text = Text()
    link = Varchar(length=300, default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    read_at = Timestamptz(null=True, default=None)
    emailed_at = Timestamptz(null=True, default=None)


class NotificationSetting(Table):
    """A user's choice for one kind of notification; without a row, both channels are on."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=30)
    in_app = Boolean(default=True)
    email = Boolean(default=True)


class ApiClient(Table):
    """A system allowed to use an API (an Open311 app, the phone system), with its own key of one
    scope; only the key's SHA-256 is kept (see qa_app/api_keys.py)."""

    name = Varchar(length=200, unique=True)
    key_hash = Varchar(length=64, unique=True)
    scope = Varchar(length=20, default="open311")  # api_keys.Scope
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
