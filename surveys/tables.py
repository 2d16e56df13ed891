"""Tables of the `surveys` package: survey templates and their versions, single-use
invitations (only a hash of each link's token is kept), residents' responses, and mystery-email
audits (campaigns, their test emails, the replies and their grades)."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Real, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from qa_app.tables import Agent, Call, Department, User


class SurveyTemplate(Table):
    """One published version of a post-call survey; never changed once written."""

    key = Varchar(length=100, index=True)
    version = Integer(default=1)
    name = Varchar(length=200)
    definition = JSON(default="{}")  # questions and their texts per language, see surveys/questions.py
    is_default = Boolean(default=False)
    published_at = Timestamptz(default=TimestamptzNow())
    published_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)


class InvitationStatus(str, Enum):
    created = "created"
    sent = "sent"
    answered = "answered"


class SurveyInvitation(Table):
    """One call's single-use survey link. The link carries a random token; only its SHA-256 is
    stored, so the database alone cannot be used to answer in a resident's name."""

    token_hash = Varchar(length=64, unique=True)
    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, unique=True)
    template = ForeignKey(references=SurveyTemplate, on_delete=OnDelete.restrict)
    language = Varchar(length=5, default="")  # "" = the resident's browser decides
    channel = Varchar(length=10, default="email")  # email, sms (exported for a gateway)
    status = Varchar(length=10, choices=InvitationStatus, default=InvitationStatus.created, index=True)
    caller_hash = Varchar(length=64, null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    expires_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)


class SurveyResponse(Table):
    """A resident's answers about one call, from the web page or the phone system's keypad."""

    invitation = ForeignKey(references=SurveyInvitation, on_delete=OnDelete.set_null, null=True, unique=True)
    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, index=True)
    agent = ForeignKey(references=Agent, on_delete=OnDelete.set_null, null=True, index=True)
    template = ForeignKey(references=SurveyTemplate, on_delete=OnDelete.restrict, null=True)
    source = Varchar(length=10, default="web")  # web, ivr
    language = Varchar(length=5, default="")
    satisfaction = Integer(null=True, default=None)  # 1-5
    recommend = Integer(null=True, default=None)  # 0-10
    effort = Integer(null=True, default=None)  # 1-7, 1 = very easy
    resolved = Varchar(length=10, null=True, default=None)  # yes, partly, no
    comment = Text(default="")
    praise = Boolean(default=False)  # a comment thanking the agent ("kudos")
    answers = JSON(default="{}")  # every answer as given, by question code
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    # A spoken comment (uploaded on the web page, or a file from the phone system), kept under
    # QA_DATA_DIR and transcribed offline; its transcript joins the comment for praise.
    voice_path = Varchar(length=500, null=True, default=None)
    voice_status = Varchar(length=10, default="")  # "", pending, done, failed
    voice_text = Text(default="")
    voice_error = Text(default="")


class Integration(Table):
    """A phone system (or other system) allowed to post survey answers, with its own API key;
    only the key's SHA-256 is kept."""

    name = Varchar(length=200, unique=True)
    key_hash = Varchar(length=64, unique=True)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)


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
