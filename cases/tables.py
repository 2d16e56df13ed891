"""Tables of the case register: each case with its tracking number, its status history and its
links to calls, emails and survey responses."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import Boolean, Date, DoublePrecision, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from qa_app.tables import Agent, ApiClient, Service, User


class CaseStatus(str, Enum):
    open = "open"
    in_progress = "in_progress"
    transferred = "transferred"  # to the department responsible
    resolved = "resolved"
    closed = "closed"


class Case(Table):
    """What a resident asked, with a tracking number to read out (`2026-004217`)."""

    tracking_number = Varchar(length=20, unique=True)
    channel = Varchar(length=10, index=True)  # phone, email, web, letter, desk, survey
    service = ForeignKey(references=Service, on_delete=OnDelete.set_null, null=True, index=True)
    description = Text(default="")
    status = Varchar(length=15, choices=CaseStatus, default=CaseStatus.open, index=True)
    first_contact_resolution = Boolean(null=True, default=None)  # resolved in the first contact
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    due = Date(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    address = Varchar(length=300, default="")
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    district = Varchar(length=100, default="", index=True)
    caller_hash = Varchar(length=64, null=True, default=None, index=True)
    contact = Varchar(length=254, null=True, default=None)  # only when the resident wants a reply
    contact_erase_after = Date(null=True, default=None)
    repeat_of = Integer(null=True, default=None)  # the earlier case this one repeats
    agent = ForeignKey(references=Agent, on_delete=OnDelete.set_null, null=True, index=True)
    created_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    source = Varchar(length=20, default="")  # "", open311
    open311_token = Varchar(length=40, null=True, default=None, unique=True)
    # The Open311 app that posted it; such a request is public on /open311/v2/ as submitted.
    api_client = ForeignKey(references=ApiClient, on_delete=OnDelete.set_null, null=True)
    # A case logged by staff is public on Open311 only when they publish it, with the text they
    # give (never the notes they typed about the resident) and the address.
    public = Boolean(default=False)
    public_description = Text(default="")


class CaseEvent(Table):
    """Every change of a case's status, with who made it and why."""

    case = ForeignKey(references=Case, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz(default=TimestamptzNow())
    user = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    status = Varchar(length=15)
    note = Text(default="")


class CaseLink(Table):
    """A case's calls, emails and survey responses."""

    case = ForeignKey(references=Case, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=10)  # call, email, survey
    ref = Integer(index=True)
