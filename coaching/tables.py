"""Tables of the `coaching` package: an agent's coaching plan with its goals and agreed
actions, the weekly check-ins and monthly reviews."""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Integer, OnDelete, Real, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from qa_app.tables import Agent, User


class CoachingPlan(Table):
    """One agent's plan, owned by a team leader. An agent has at most one open plan; closed
    plans stay as history."""

    agent = ForeignKey(references=Agent, on_delete=OnDelete.cascade, index=True)
    owner = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    focus = Text(default="")  # in a sentence: what the agent and leader agreed to work on
    status = Varchar(length=10, default="open", index=True)  # open, closed
    created_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)


class Goal(Table):
    """Something measured, with a target and a due date; progress is computed (coaching/goals.py)."""

    plan = ForeignKey(references=CoachingPlan, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)  # criterion, section, csat, handle_time, punctuality
    subject = Varchar(length=200, default="")  # criterion code or section title
    target = Real()
    window = Integer(default=6)  # evaluations or days
    due = Date(null=True, default=None)
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    dropped_at = Timestamptz(null=True, default=None)


class Action(Table):
    """Something agreed: a training, listening to a model call, reading an article."""

    plan = ForeignKey(references=CoachingPlan, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20, default="other")  # training, model_call, article, other
    description = Text()
    link = Varchar(length=500, default="")  # a call page (/calls/12?t=34), an article URL
    owner = Varchar(length=10, default="agent")  # agent, leader
    due = Date(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)


class CoachingSession(Table):
    """A weekly check-in or a monthly formal review: scheduled, prepared, held, acknowledged."""

    plan = ForeignKey(references=CoachingPlan, on_delete=OnDelete.cascade, index=True)
    agent = ForeignKey(references=Agent, on_delete=OnDelete.cascade, index=True)
    leader = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    kind = Varchar(length=10, default="weekly")  # weekly, monthly
    starts_at = Timestamptz(index=True)
    minutes = Integer(default=30)
    place = Varchar(length=200, default="")
    notes = Text(default="")  # the team leader's
    reflection = Text(default="")  # the agent's own
    evidence = JSON(default="[]")  # [{"call": id, "at": seconds, "label": "..."}]
    acknowledged_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    sequence = Integer(default=0)  # the calendar invitation's revision (iCalendar SEQUENCE)
