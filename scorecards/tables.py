"""Tables of the `scorecards` package: templates and their versions, monthly samples and
assignments, evaluations with their answers and history, disputes, calibration sessions, and
the balanced scorecard's settings."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Real,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from qa_app.tables import Agent, Call, User


class ScorecardTemplate(Table):
    """One published version of a scorecard. Its `definition` (sections and criteria, see
    `scorecards/definition.py`) never changes once written: editing inserts the next version
    under the same `key`, and evaluations keep the version they were marked on."""

    key = Varchar(length=100, index=True)  # the family: every version of one scorecard
    version = Integer(default=1)
    name = Varchar(length=200)
    definition = JSON(default="{}")
    is_default = Boolean(default=False)  # the version new evaluations use
    published_at = Timestamptz(default=TimestamptzNow())
    published_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    note = Text(default="")  # what changed in this version


class Sample(Table):
    """The monthly sample: its seed and rules are stored so a re-run gives the same picks."""

    month = Varchar(length=7, unique=True)  # YYYY-MM in the centre's time zone
    seed = Integer()
    per_agent = Integer(default=6)
    min_seconds = Integer(default=30)
    flagged = JSON(default="[]")  # staff numbers of agents with fewer eligible calls than per_agent
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    created_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)


class PickStatus(str, Enum):
    active = "active"
    replaced = "replaced"


class PickKind(str, Enum):
    """Why a call is in the sample. Random picks (the monthly draw and any top-up to settle an
    interval) make the agent's quality figure; targeted picks (chosen from flagged calls) are
    marked the same way but reported apart, so the figure stays an unbiased estimate."""

    random = "random"
    targeted = "targeted"


class Assignment(Table):
    """A sampled call (a pick) and the QA marker it is assigned to."""

    sample = ForeignKey(references=Sample, on_delete=OnDelete.cascade, index=True)
    agent = ForeignKey(references=Agent, on_delete=OnDelete.cascade, index=True)
    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, unique=True)
    week = Integer(default=0)  # which week of the month the call fell in (0-based)
    status = Varchar(length=10, choices=PickStatus, default=PickStatus.active)
    marker = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    picked_at = Timestamptz(default=TimestamptzNow())
    # When a pick is replaced (the recording is unusable, the call was not the agent's...),
    # the old row stays with its reason and points at its replacement.
    replaced_by = ForeignKey(references="self", on_delete=OnDelete.set_null, null=True)
    replace_reason = Text(default="")
    replaced_at = Timestamptz(null=True, default=None)
    kind = Varchar(length=10, choices=PickKind, default=PickKind.random)
    reason = Text(default="")  # a targeted pick's reason: the flag it was chosen for


class EvaluationStatus(str, Enum):
    draft = "draft"
    released = "released"  # submitted: the score is final and the agent can see it
    acknowledged = "acknowledged"
    disputed = "disputed"
    resolved = "resolved"  # a dispute upheld or amended


class CalibrationSession(Table):
    """Several markers mark the same call blind; results are shown once it is closed."""

    title = Varchar(length=200)
    call = ForeignKey(references=Call, on_delete=OnDelete.cascade)
    template = ForeignKey(references=ScorecardTemplate, on_delete=OnDelete.restrict)
    created_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)


class CalibrationMarker(Table):
    """Who is invited to mark in a calibration session."""

    session = ForeignKey(references=CalibrationSession, on_delete=OnDelete.cascade, index=True)
    marker = ForeignKey(references=User, on_delete=OnDelete.cascade)


class CalibrationAgreement(Table):
    """The answer the lead records for one criterion once a session is closed: what the markers
    should have given, with a note on why (one row per session and criterion)."""

    session = ForeignKey(references=CalibrationSession, on_delete=OnDelete.cascade, index=True)
    criterion = Varchar(length=100)  # the criterion's code
    value = Real(null=True, default=None)
    na = Boolean(default=False)
    note = Text(default="")
    decided_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    decided_at = Timestamptz(default=TimestamptzNow())


class Evaluation(Table):
    """One marking of one call on one template version. Scores are computed on the server by
    `scorecards/scoring.py` from the stored answers and kept here with the result per error
    group."""

    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, index=True)
    agent = ForeignKey(references=Agent, on_delete=OnDelete.set_null, null=True, index=True)
    template = ForeignKey(references=ScorecardTemplate, on_delete=OnDelete.restrict)
    assignment = ForeignKey(references=Assignment, on_delete=OnDelete.set_null, null=True, unique=True)
    calibration = ForeignKey(references=CalibrationSession, on_delete=OnDelete.cascade, null=True, index=True)
    marker = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    status = Varchar(length=15, choices=EvaluationStatus, default=EvaluationStatus.draft, index=True)
    month = Varchar(length=7, index=True)  # the call's month in the centre's time zone
    comment = Text(default="")
    score = Real(null=True, default=None)  # 0..1; None until every criterion is answered
    earned = Real(null=True, default=None)
    possible = Real(null=True, default=None)
    critical_failed = Boolean(default=False)
    groups = JSON(default="{}")  # the result per error group, as scoring returns it
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    released_at = Timestamptz(null=True, default=None)
    respond_by = Date(null=True, default=None)  # the agent acknowledges or disputes by then
    acknowledged_at = Timestamptz(null=True, default=None)


class EvaluationAnswer(Table):
    """The answer to one criterion. `value` is in the criterion's own units (1/0 for yes/no,
    0..max for a scale); `passed` is derived by scoring and stored for fast pass-rate figures."""

    evaluation = ForeignKey(references=Evaluation, on_delete=OnDelete.cascade, index=True)
    criterion = Varchar(length=100)  # the criterion's code, stable across template versions
    value = Real(null=True, default=None)
    na = Boolean(default=False)
    passed = Boolean(null=True, default=None)
    comment = Text(default="")
    automatic = Boolean(default=False)  # filled in from call data or the transcript
    evidence = JSON(default="{}")  # what the automatic check found: the phrase and its time, ...
    # An automatic answer the marker changed (evidence "overridden", the machine's answer in
    # evidence "machine"): the marker's one-line reason.
    override_reason = Text(default="")


class EvaluationEvent(Table):
    """The visible history of an evaluation: submitted, acknowledged, disputed, upheld,
    amended or corrected (with the answers before and after)."""

    evaluation = ForeignKey(references=Evaluation, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz(default=TimestamptzNow())
    user = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    action = Varchar(length=30)
    note = Text(default="")
    detail = JSON(default="{}")


class DisputeStatus(str, Enum):
    open = "open"
    upheld = "upheld"  # the evaluation stands
    amended = "amended"  # answers changed and the score recomputed


class Dispute(Table):
    evaluation = ForeignKey(references=Evaluation, on_delete=OnDelete.cascade, index=True)
    raised_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    raised_at = Timestamptz(default=TimestamptzNow())
    items = JSON(default="[]")  # [{"criterion": code, "reason": text}]
    comment = Text(default="")
    status = Varchar(length=10, choices=DisputeStatus, default=DisputeStatus.open, index=True)
    resolved_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    resolved_at = Timestamptz(null=True, default=None)
    resolution = Text(default="")


class ScorecardSettings(Table):
    """The centre's settings for scorecards, one row (the latest wins): balanced-scorecard
    weights and targets, sampling defaults, the dispute window."""

    values = JSON(default="{}")
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)


class AutoCheck(Table):
    """The automatic answer to one criterion on one call, for every answered call, kept apart
    from human evaluations: 1 pass, 0 fail, None undecided (no transcript, nothing recorded).
    `evidence` holds what the check found (the phrase and its time, or the figure) and the
    sentence a person reads. Rows are replaced when the call's transcript or the default
    template version changes (see scorecards/autochecks.py)."""

    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, index=True)
    agent = ForeignKey(references=Agent, on_delete=OnDelete.set_null, null=True, index=True)
    month = Varchar(length=7, index=True)  # the call's month in the centre's time zone
    template = ForeignKey(references=ScorecardTemplate, on_delete=OnDelete.cascade)
    criterion = Varchar(length=100)
    value = Real(null=True, default=None)
    evidence = JSON(default="{}")
    transcribed = Boolean(default=False)  # the call had a finished transcript when checked
    # What the answer was worked from (template version, word-confidence threshold, the call's
    # fingerprint, when its transcript finished): a run skips calls whose basis is unchanged.
    basis = Varchar(length=200, default="")
    scored_at = Timestamptz(default=TimestamptzNow())


class CallFlag(Table):
    """Something about a call worth a look: a long silence, talk-over, an unusual length for its
    service, a failed automatic check, words of complaint, a low survey answer, a repeat
    contact, a transfer. QA may pick flagged calls as targeted picks, with the flag as reason."""

    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, index=True)
    agent = ForeignKey(references=Agent, on_delete=OnDelete.set_null, null=True, index=True)
    month = Varchar(length=7, index=True)
    kind = Varchar(length=30)
    detail = Text(default="")  # in words: "Silence of 0:48 at 2:10"
    flagged_at = Timestamptz(default=TimestamptzNow())
