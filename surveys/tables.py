"""Tables of the `surveys` package: survey templates and their versions, single-use
invitations (only a hash of each link's token is kept) and residents' responses. The phone
system's API key is a qa_app ApiClient with the scope `surveys`."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from qa_app.tables import Agent, Call, User


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
