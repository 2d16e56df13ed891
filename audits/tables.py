"""Tables of mystery-email audits: campaigns, their test emails (scenarios), the replies and
their grades."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Real, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from qa_app.tables import Department, User


class AuditCampaign(Table):
    """A round of mystery emails: QA staff write to the centre's public addresses as a resident
    would, and time and grade the replies."""

    name = Varchar(length=200, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    ack_target_hours = Integer(default=8)  # working hours to an acknowledgement
    answer_target_days = Integer(default=2)  # working days to the real answer
    sender = Varchar(length=254, default="")  # the mystery resident's address (the QA mailbox)


class AuditScenario(Table):
    """One test email: a realistic question, where it goes, who should answer, and what a good
    answer contains. `token` is a short code in the subject, to match replies that lost the
    email's headers; `message_id` and `sent_at` record the sending (by SMTP or by hand)."""

    campaign = ForeignKey(references=AuditCampaign, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    to_address = Varchar(length=254)
    department = ForeignKey(references=Department, on_delete=OnDelete.set_null, null=True)
    resident_name = Varchar(length=200, default="")  # the name the question is signed with
    subject = Varchar(length=300)
    question = Text()
    key_points = JSON(default="[]")  # [{"point": "...", "words": ["...", ...]}]
    token = Varchar(length=20, unique=True)
    message_id = Varchar(length=300, null=True, default=None, unique=True)
    sent_at = Timestamptz(null=True, default=None)
    sent_by_hand = Boolean(default=False)


class AuditReply(Table):
    """A message from the mailbox or an uploaded .eml/.mbox: matched to its scenario (or not),
    and told an automatic acknowledgement or a real answer."""

    scenario = ForeignKey(references=AuditScenario, on_delete=OnDelete.cascade, null=True, index=True)
    message_id = Varchar(length=300, unique=True)
    in_reply_to = Varchar(length=300, default="")
    from_address = Varchar(length=254, default="")
    subject = Varchar(length=300, default="")
    body = Text(default="")
    received_at = Timestamptz()
    kind = Varchar(length=10, default="answer")  # ack, answer
    matched_by = Varchar(length=20, default="")  # in-reply-to, references, token, "" (unmatched)
    source = Varchar(length=10, default="imap")  # imap, upload
    fetched_at = Timestamptz(default=TimestamptzNow())


class AuditGrade(Table):
    """The grader's verdict on a scenario's reply: each rubric check with its evidence; the
    automatic ones pre-filled, all confirmed by a person."""

    scenario = ForeignKey(references=AuditScenario, on_delete=OnDelete.cascade, unique=True)
    checks = JSON(default="{}")  # code -> {"value": true|false|null, "evidence": "...", "automatic": bool}
    score = Real(null=True, default=None)  # share of the rubric's checks passed
    note = Text(default="")
    graded_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    graded_at = Timestamptz(null=True, default=None)
