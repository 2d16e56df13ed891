"""Tables of the `transcription` package."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Real, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from qa_app.tables import Call, User


class Status(str, Enum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"


class Transcription(Table):
    """The transcript of one call's recording, and where its work stands."""

    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, unique=True)
    status = Varchar(length=10, choices=Status, default=Status.pending, index=True)
    reason = Text(default="")  # why it failed, in words a QA user understands
    attempts = Integer(default=0)
    claimed_by = Varchar(length=200, default="")  # host:pid of the process working on it
    claimed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    model = Varchar(length=200, default="")
    duration = Real(null=True, default=None)
    text = Text(default="")
    transcript = JSON(default="{}")  # the design's JSON: text, duration, turns with words
    metrics = JSON(default="{}")
    scripted = Boolean(default=False)  # demo text written by hand, not heard by the engine
    # A QA user's correction, kept beside the machine text, and how far the machine was off.
    corrected_text = Text(null=True, default=None)
    corrected_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    corrected_at = Timestamptz(null=True, default=None)
    word_errors = Integer(null=True, default=None)
    ref_words = Integer(null=True, default=None)
    char_errors = Integer(null=True, default=None)
    ref_chars = Integer(null=True, default=None)


class TranscriptIndex(Table):
    """A finished transcript as the search holds it (transcription/search.py): its turns as the
    search's words, each with the moment it is said, for the snippets and the moment a hit opens
    at. The full-text index beside it (made by a raw migration) has one document per call: on
    SQLite an FTS5 table whose rowid is the call, on PostgreSQL a `terms` tsvector column of this
    table with a GIN index."""

    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, unique=True)
    # JSON: [[speaker ("agent", "caller" or null), "word word ...", "start start ..." (centiseconds)], ...]
    turns = Text(default="[]")


class SavedSearch(Table):
    """A user's search kept by name, to follow its weekly counts."""

    owner = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100)
    query = Text()
    filters = JSON(default="{}")  # agent, team, queue, service, speaker (ids and words, as in the form)
    created_at = Timestamptz(default=TimestamptzNow())
