"""An evaluation's life: opened as a draft (automatic criteria filled in from the call and its
transcript), saved, submitted and released to the agent, acknowledged or disputed, and a
dispute upheld or amended. Every step is kept as an event the agent can read.

Scores are never taken from a form: each save recomputes them with `scoring.score` from the
stored answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from qa_app import audit, db, formatting, i18n, notifications
from qa_app import queries as call_queries
from qa_app.auth import CurrentUser, agent_scope, can_see
from qa_app.i18n import _, _l, ngettext
from qa_app.settings import get_settings
from qa_app.tables import Agent, Call, Role, Team
from scorecards import automatic, config, trust_store, versions
from scorecards.definition import Definition
from scorecards.scoring import Answer, ScoreResult, score, validate_answer
from scorecards.tables import (
    Assignment,
    CalibrationMarker,
    CalibrationSession,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationAnswer,
    EvaluationEvent,
    EvaluationStatus,
    PickStatus,
)
from transcription import queries as transcript_queries

MARKERS = (Role.admin, Role.qa)
RESOLVERS = (Role.admin, Role.manager, Role.qa, Role.team_leader)
AFTER_RELEASE = (
    EvaluationStatus.released,
    EvaluationStatus.acknowledged,
    EvaluationStatus.disputed,
    EvaluationStatus.resolved,
)


class EvaluationError(Exception):
    """Something the user asked for cannot be done; the message says why, in their words."""


class MissingReasons(EvaluationError):
    """Automatic answers were changed without saying why: `codes` are their criteria."""

    def __init__(self, message: str, codes: list[str]) -> None:
        super().__init__(message)
        self.codes = codes


@dataclass
class Marked:
    """One criterion's answer as a marker gives it."""

    value: float | None = None
    na: bool = False
    comment: str = ""
    # Why an automatic answer was changed (kept only when it was); None: as stored before.
    reason: str | None = None

    def answer(self) -> Answer:
        return Answer(value=self.value, na=self.na)


def machine_answer(row: dict[str, Any] | None) -> float | None:
    """The automatic check's own answer to a criterion an evaluation was opened with (None: not
    automatic, or the check was undecided)."""
    if not row or not row.get("automatic"):
        return None
    return (row.get("evidence") or {}).get("machine")


def overrides(row: dict[str, Any] | None, value: float | None, na: bool) -> bool:
    """Whether this answer changes the automatic result the criterion was filled in with."""
    machine = machine_answer(row)
    if machine is None:
        return False
    return na or value is None or value != machine


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _month_of(moment: datetime) -> str:
    return moment.astimezone(get_settings().timezone).strftime("%Y-%m")


async def _call_and_transcript(call_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    call = await call_queries.get_call(call_id)
    if call is None:
        raise EvaluationError(_("the call no longer exists"))
    row = await transcript_queries.for_call(call_id)
    transcript = row["transcript"] if row and row["status"] == "done" else None
    return call, transcript


async def _create(
    *,
    call_id: int,
    marker_id: int,
    assignment_id: int | None = None,
    calibration_id: int | None = None,
    template: dict[str, Any] | None = None,
) -> int:
    template = template or await versions.default()
    definition = versions.definition_of(template)
    call, transcript = await _call_and_transcript(call_id)
    rows = await Evaluation.insert(
        Evaluation(
            call=call_id,
            agent=call["agent"],
            template=template["id"],
            assignment=assignment_id,
            calibration=calibration_id,
            marker=marker_id,
            month=_month_of(call["offered_at"]),
        )
    ).returning(Evaluation.id)
    evaluation_id = rows[0]["id"]
    answers = []
    settings = await config.load()
    demoted = await trust_store.demoted_criteria()
    for criterion in definition.criteria():
        found = automatic.evaluate(criterion, call, transcript, settings["automatic"]["min_confidence"])
        if found is None:
            answers.append(EvaluationAnswer(evaluation=evaluation_id, criterion=criterion.code))
        elif criterion.code in demoted:
            # Not trusted: the marker sees the machine's answer as a suggestion and answers.
            answers.append(
                EvaluationAnswer(
                    evaluation=evaluation_id,
                    criterion=criterion.code,
                    evidence={**found.evidence, "summary": found.summary, "machine": found.value, "suggestion": True},
                )
            )
        else:
            answers.append(
                EvaluationAnswer(
                    evaluation=evaluation_id,
                    criterion=criterion.code,
                    value=found.value,
                    automatic=True,
                    evidence={**found.evidence, "summary": found.summary, "machine": found.value},
                )
            )
    await EvaluationAnswer.insert(*answers)
    await _store_score(evaluation_id, definition, {a.criterion: Answer(a.value, a.na) for a in answers})
    await _event(evaluation_id, marker_id, "opened", "")
    return evaluation_id


async def start_for_assignment(assignment_id: int, user: CurrentUser) -> int:
    """The evaluation of a sampled call: the existing one, or a new draft."""
    if user.role not in MARKERS:
        raise EvaluationError(_("only the QA team marks calls"))
    async with db.write_transaction():
        # Two markers opening the same pick at once get the same draft: on PostgreSQL the pick's
        # row is locked until this transaction ends (SQLite's write transaction already lets
        # one writer in at a time); without it both inserted and one got a server error.
        query = Assignment.select().where(Assignment.id == assignment_id)
        if not db.is_sqlite():
            query = query.lock_rows("UPDATE")
        pick = await query.first()
        if pick is None:
            raise EvaluationError(_("there is no such assignment"))
        existing = await Evaluation.select(Evaluation.id).where(Evaluation.assignment == assignment_id).first()
        if existing:
            return existing["id"]
        if pick["status"] != PickStatus.active:
            raise EvaluationError(_("this pick was replaced; mark its replacement instead"))
        return await _create(call_id=pick["call"], marker_id=user.id, assignment_id=assignment_id)


async def start_for_calibration(session_id: int, user: CurrentUser) -> int:
    """This marker's own blind evaluation in a calibration session."""
    async with db.write_transaction():
        session = await CalibrationSession.select().where(CalibrationSession.id == session_id).first()
        invited = await CalibrationMarker.exists().where(
            (CalibrationMarker.session == session_id) & (CalibrationMarker.marker == user.id)
        )
        if session is None or not invited:
            raise EvaluationError(_("you are not a marker in this calibration session"))
        if session["closed_at"] is not None:
            raise EvaluationError(_("this calibration session is closed"))
        existing = (
            await Evaluation.select(Evaluation.id)
            .where((Evaluation.calibration == session_id) & (Evaluation.marker == user.id))
            .first()
        )
        if existing:
            return existing["id"]
        template = await versions.get(session["template"])
        return await _create(call_id=session["call"], marker_id=user.id, calibration_id=session_id, template=template)


async def _event(evaluation_id: int, user_id: int | None, action: str, note: str, **detail: Any) -> None:
    await EvaluationEvent.insert(
        EvaluationEvent(evaluation=evaluation_id, user=user_id, action=action, note=note, detail=detail)
    )


async def _store_score(evaluation_id: int, definition: Definition, answers: dict[str, Answer]) -> ScoreResult:
    result = score(definition, answers)
    await Evaluation.update(
        {
            Evaluation.score: result.score,
            Evaluation.earned: result.earned,
            Evaluation.possible: result.possible,
            Evaluation.critical_failed: result.critical_failed,
            Evaluation.groups: result.as_json(),
            Evaluation.updated_at: _now(),
        }
    ).where(Evaluation.id == evaluation_id)
    for code, passed in result.passed.items():
        await EvaluationAnswer.update({EvaluationAnswer.passed: passed}).where(
            (EvaluationAnswer.evaluation == evaluation_id) & (EvaluationAnswer.criterion == code)
        )
    return result


async def load(evaluation_id: int) -> dict[str, Any] | None:
    """The evaluation with its template, answers (by code), call, events and disputes."""
    row = (
        await Evaluation.select(
            Evaluation.all_columns(),
            Evaluation.marker.name.as_alias("marker_name"),
            Evaluation.agent.name.as_alias("agent_name"),
            Evaluation.agent.team.as_alias("agent_team"),
            Evaluation.agent.user.as_alias("agent_user"),
        )
        .where(Evaluation.id == evaluation_id)
        .output(load_json=True)
        .first()
    )
    if row is None:
        return None
    template = await versions.get(row["template"])
    answers = await EvaluationAnswer.select().where(EvaluationAnswer.evaluation == evaluation_id).output(load_json=True)
    events = (
        await EvaluationEvent.select(EvaluationEvent.all_columns(), EvaluationEvent.user.name.as_alias("user_name"))
        .where(EvaluationEvent.evaluation == evaluation_id)
        .order_by(EvaluationEvent.id)
        .output(load_json=True)
    )
    disputes = (
        await Dispute.select(
            Dispute.all_columns(),
            Dispute.raised_by.name.as_alias("raised_by_name"),
            Dispute.resolved_by.name.as_alias("resolved_by_name"),
        )
        .where(Dispute.evaluation == evaluation_id)
        .order_by(Dispute.id)
        .output(load_json=True)
    )
    return {
        **row,
        "template_row": template,
        "definition": versions.definition_of(template),
        "answers": {a["criterion"]: a for a in answers},
        "events": events,
        "disputes": disputes,
        "open_dispute": next((d for d in disputes if d["status"] == DisputeStatus.open), None),
    }


async def can_view(user: CurrentUser, evaluation: dict[str, Any]) -> bool:
    """QA and managers see every evaluation; a team leader their team's once released; an agent
    their own once released, never calibration marks. Calibration marks are blind: a marker
    sees their own, and everyone in the session (and QA, managers) all of them once it closes."""
    if evaluation["calibration"] is not None:
        # Blind until the session is closed: each marker sees only their own marks.
        if evaluation["marker"] == user.id:
            return True
        session = (
            await CalibrationSession.select(CalibrationSession.closed_at)
            .where(CalibrationSession.id == evaluation["calibration"])
            .first()
        )
        if session is None or session["closed_at"] is None:
            return False
        invited = await CalibrationMarker.exists().where(
            (CalibrationMarker.session == evaluation["calibration"]) & (CalibrationMarker.marker == user.id)
        )
        return invited or user.role in (Role.admin, Role.qa, Role.manager)
    if user.role in (Role.admin, Role.qa, Role.manager):
        return True
    if evaluation["status"] not in AFTER_RELEASE:
        return False
    return can_see(await agent_scope(user), evaluation["agent"])


def _check_editable(evaluation: dict[str, Any], user: CurrentUser) -> None:
    if evaluation["status"] != EvaluationStatus.draft:
        raise EvaluationError(_("this evaluation is submitted already and can no longer be changed here"))
    if evaluation["calibration"] is not None:
        if evaluation["marker"] != user.id:
            raise EvaluationError(_("in a calibration session each marker marks only their own evaluation"))
    elif user.role not in MARKERS:
        raise EvaluationError(_("only the QA team marks calls"))


def _checked_answers(definition: Definition, marked: dict[str, Marked]) -> dict[str, Answer]:
    errors = []
    for code in marked:
        try:
            definition.criterion(code)
        except KeyError:
            raise EvaluationError(_("unknown criterion %(code)s") % {"code": repr(code)}) from None
    for criterion in definition.criteria():
        given = marked.get(criterion.code)
        if given is None:
            continue
        problem = validate_answer(criterion, given.answer())
        if problem:
            errors.append(f"{criterion.title}: {problem}")
    if errors:
        raise EvaluationError("; ".join(errors))
    return {code: m.answer() for code, m in marked.items()}


async def _write_answers(
    evaluation_id: int, marked: dict[str, Marked], previous: dict[str, dict], fallback_reason: str = ""
) -> None:
    """Write the answers given. An automatic answer the marker changed keeps the check's
    evidence (and its own answer, "machine"), is marked "overridden" and keeps the reason given
    (else the one given before, else `fallback_reason`); changed back, it is the machine's again."""
    for code, given in marked.items():
        old = previous.get(code)
        values = {
            EvaluationAnswer.value: given.value,
            EvaluationAnswer.na: given.na,
            EvaluationAnswer.comment: given.comment.strip(),
        }
        if machine_answer(old) is not None:
            overridden = overrides(old, given.value, given.na)
            values[EvaluationAnswer.evidence] = {**(old["evidence"] or {}), "overridden": overridden}
            reason = given.reason if given.reason is not None else old.get("override_reason") or fallback_reason
            values[EvaluationAnswer.override_reason] = _one_line(reason) if overridden else ""
        await EvaluationAnswer.update(values).where(
            (EvaluationAnswer.evaluation == evaluation_id) & (EvaluationAnswer.criterion == code)
        )


async def save(
    evaluation_id: int, user: CurrentUser, marked: dict[str, Marked], comment: str, *, submit: bool
) -> ScoreResult:
    """Save a draft, or submit it: a submitted evaluation is released to the agent at once
    (calibration marks never are)."""
    async with db.write_transaction():
        evaluation = await load(evaluation_id)
        if evaluation is None:
            raise EvaluationError(_("there is no such evaluation"))
        _check_editable(evaluation, user)
        definition = evaluation["definition"]
        given = _checked_answers(definition, marked)
        stored = {code: Answer(a["value"], a["na"]) for code, a in evaluation["answers"].items()}
        answers = {**stored, **given}
        if submit:
            missing = [c.title for c in definition.criteria() if _unanswered(answers.get(c.code))]
            if missing:
                raise EvaluationError(
                    _("answer every criterion before submitting; still open: %(criteria)s")
                    % {"criteria": ", ".join(missing)}
                )
            _refuse_missing_reasons(definition, evaluation["answers"], marked)
        await _write_answers(evaluation_id, marked, evaluation["answers"])
        result = await _store_score(evaluation_id, definition, answers)
        update: dict[Any, Any] = {Evaluation.comment: comment.strip(), Evaluation.marker: user.id}
        if submit:
            settings = await config.load()
            local_today = _now().astimezone(get_settings().timezone).date()
            update.update(
                {
                    Evaluation.status: EvaluationStatus.released,
                    Evaluation.released_at: _now(),
                    Evaluation.respond_by: None
                    if evaluation["calibration"]
                    else local_today + timedelta(days=settings["respond_days"]),
                }
            )
        await Evaluation.update(update).where(Evaluation.id == evaluation_id)
        if submit:
            await _event(evaluation_id, user.id, "submitted", "", score=result.score)
            await audit.record(user.id, "submit", "evaluation", evaluation_id, score=result.score)
            if not evaluation["calibration"]:
                await _tell_agent(evaluation, RELEASED, result.score)
    return result


RELEASED = _l("Your call of %(when)s has been evaluated: %(score)s")
CORRECTED = _l("The evaluation of your call of %(when)s was corrected: %(score)s")


async def _tell_agent(evaluation: dict[str, Any], message: Any, score: float | None) -> None:
    """The agent whose call it is is told, in their own language, naming the call and the score."""
    reader = await _agent_user(evaluation["agent"])
    offered = await Call.select(Call.offered_at).where(Call.id == evaluation["call"]).first()
    with i18n.using(await notifications.language_of(reader)):
        text = str(message) % {
            "when": formatting.local(offered["offered_at"]),
            "score": formatting.percent(score, 0) if score is not None else "–",
        }
    await notifications.notify(reader, "evaluation_released", text, f"/evaluations/{evaluation['id']}")


async def _agent_user(agent_id: int | None) -> int | None:
    row = await Agent.select(Agent.user).where(Agent.id == agent_id).first() if agent_id else None
    return row["user"] if row else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _missing_reasons(definition: Definition, stored: dict[str, dict], marked: dict[str, Marked]) -> list[str]:
    """The criteria whose automatic answer is changed (as stored, or as given now) without a
    reason, given now or before."""
    missing = []
    for criterion in definition.criteria():
        row = stored.get(criterion.code) or {}
        given = marked.get(criterion.code)
        value, na = (given.value, given.na) if given else (row.get("value"), row.get("na", False))
        if not overrides(row, value, na):
            continue
        reason = given.reason if given and given.reason is not None else row.get("override_reason")
        if not (reason or "").strip():
            missing.append(criterion.code)
    return missing


def _refuse_missing_reasons(definition: Definition, stored: dict[str, dict], marked: dict[str, Marked]) -> None:
    missing = _missing_reasons(definition, stored, marked)
    if missing:
        raise MissingReasons(
            _("say in one line why you changed the automatic result of %(criteria)s")
            % {"criteria": ", ".join(definition.criterion(code).title for code in missing)},
            missing,
        )


def _unanswered(answer: Answer | None) -> bool:
    return answer is None or (answer.value is None and not answer.na)


def _agent_owns(user: CurrentUser, evaluation: dict[str, Any]) -> bool:
    return user.role == Role.agent and user.agent_id is not None and user.agent_id == evaluation["agent"]


async def _for_agent_response(evaluation_id: int, user: CurrentUser) -> dict[str, Any]:
    evaluation = await load(evaluation_id)
    if evaluation is None or evaluation["calibration"] is not None or not _agent_owns(user, evaluation):
        raise EvaluationError(_("only the agent whose call this is can respond to it"))
    if evaluation["status"] != EvaluationStatus.released:
        raise EvaluationError(_("you have responded to this evaluation already"))
    return evaluation


def respond_window_open(evaluation: dict[str, Any], today: date | None = None) -> bool:
    today = today or _now().astimezone(get_settings().timezone).date()
    return evaluation["respond_by"] is None or today <= evaluation["respond_by"]


async def acknowledge(evaluation_id: int, user: CurrentUser) -> None:
    async with db.write_transaction():
        await _for_agent_response(evaluation_id, user)
        await Evaluation.update(
            {Evaluation.status: EvaluationStatus.acknowledged, Evaluation.acknowledged_at: _now()}
        ).where(Evaluation.id == evaluation_id)
        await _event(evaluation_id, user.id, "acknowledged", "")
        await audit.record(user.id, "acknowledge", "evaluation", evaluation_id)


async def dispute(evaluation_id: int, user: CurrentUser, reasons: dict[str, str], comment: str) -> int:
    """The agent disputes some criteria, each with a reason, within the window."""
    async with db.write_transaction():
        evaluation = await _for_agent_response(evaluation_id, user)
        if not respond_window_open(evaluation):
            raise EvaluationError(
                _("the time to dispute this evaluation ended on %(day)s")
                % {"day": formatting.day(evaluation["respond_by"])}
            )
        items = []
        for criterion in evaluation["definition"].criteria():
            reason = reasons.get(criterion.code, "").strip()
            if reason:
                items.append({"criterion": criterion.code, "title": criterion.title, "reason": reason})
        unknown = set(reasons) - {c.code for c in evaluation["definition"].criteria()}
        if unknown:
            raise EvaluationError(_("unknown criterion %(code)s") % {"code": repr(sorted(unknown)[0])})
        if not items:
            raise EvaluationError(_("say which criterion you disagree with and why"))
        rows = await Dispute.insert(
            Dispute(evaluation=evaluation_id, raised_by=user.id, items=items, comment=comment.strip())
        ).returning(Dispute.id)
        await Evaluation.update({Evaluation.status: EvaluationStatus.disputed}).where(Evaluation.id == evaluation_id)
        await _event(evaluation_id, user.id, "disputed", comment.strip(), items=items)
        await audit.record(user.id, "dispute", "evaluation", evaluation_id, criteria=[i["criterion"] for i in items])
        await _tell_resolvers(evaluation, len(items))
        return rows[0]["id"]


async def _tell_resolvers(evaluation: dict[str, Any], criteria: int) -> None:
    """A dispute goes to the agent's team leader, who answers it, and to the marker, whose
    marks it questions; each is told in their own language."""
    leader = (
        await Team.select(Team.leader).where(Team.id == evaluation["agent_team"]).first()
        if evaluation["agent_team"]
        else None
    )
    offered = await Call.select(Call.offered_at).where(Call.id == evaluation["call"]).first()
    for reader in dict.fromkeys(r for r in ((leader or {}).get("leader"), evaluation["marker"]) if r):
        with i18n.using(await notifications.language_of(reader)):
            text = ngettext(
                "%(agent)s disputes %(num)s answer of the evaluation of the call of %(when)s",
                "%(agent)s disputes %(num)s answers of the evaluation of the call of %(when)s",
                criteria,
            ) % {
                "agent": evaluation["agent_name"] or "–",
                "num": criteria,
                "when": formatting.local(offered["offered_at"]),
            }
        await notifications.notify(reader, "dispute_raised", text, f"/evaluations/{evaluation['id']}")


async def resolve(
    evaluation_id: int, user: CurrentUser, *, amend: dict[str, Marked] | None, note: str
) -> ScoreResult | None:
    """Uphold the evaluation (`amend` None or empty) or amend some answers; the score is
    recomputed and the answers before and after are kept in the history."""
    if user.role not in RESOLVERS:
        raise EvaluationError(_("only the QA team or a team leader resolves disputes"))
    if not note.strip():
        raise EvaluationError(_("write a note to the agent explaining the decision"))
    async with db.write_transaction():
        evaluation = await load(evaluation_id)
        if evaluation is None or not can_see(await agent_scope(user), evaluation["agent"]):
            raise EvaluationError(_("there is no such evaluation"))
        open_dispute = evaluation["open_dispute"]
        if evaluation["status"] != EvaluationStatus.disputed or open_dispute is None:
            raise EvaluationError(_("this evaluation has no open dispute"))
        definition = evaluation["definition"]
        changes = {}
        for code, given in (amend or {}).items():
            old = evaluation["answers"].get(code)
            if old is None or old["value"] != given.value or old["na"] != given.na:
                changes[code] = given
        result = None
        detail: dict[str, Any] = {}
        if changes:
            checked = _checked_answers(definition, changes)
            answers = {code: Answer(a["value"], a["na"]) for code, a in evaluation["answers"].items()}
            answers.update(checked)
            for code, given in changes.items():
                given.comment = given.comment or evaluation["answers"][code]["comment"]
            detail = {
                "before": {c: _plain(evaluation["answers"][c]) for c in changes},
                "after": {c: {"value": m.value, "na": m.na} for c, m in changes.items()},
                "score_before": evaluation["score"],
            }
            await _write_answers(evaluation_id, changes, evaluation["answers"], fallback_reason=note)
            result = await _store_score(evaluation_id, definition, answers)
            detail["score_after"] = result.score
        status = DisputeStatus.amended if changes else DisputeStatus.upheld
        await Dispute.update(
            {
                Dispute.status: status,
                Dispute.resolved_by: user.id,
                Dispute.resolved_at: _now(),
                Dispute.resolution: note.strip(),
            }
        ).where(Dispute.id == open_dispute["id"])
        await Evaluation.update({Evaluation.status: EvaluationStatus.resolved}).where(Evaluation.id == evaluation_id)
        await _event(evaluation_id, user.id, status.value, note.strip(), **detail)
        await audit.record(user.id, status.value, "evaluation", evaluation_id, **detail)
        reader = await _agent_user(evaluation["agent"])
        with i18n.using(await notifications.language_of(reader)):
            text = (
                _("Your dispute was answered: some answers were changed")
                if changes
                else _("Your dispute was answered: the marks stand")
            )
        await notifications.notify(
            reader,
            "dispute_answered",
            text,
            f"/evaluations/{evaluation_id}",
        )
    return result


def can_correct(user: CurrentUser, evaluation: dict[str, Any]) -> bool:
    """The QA team (the marker or a QA lead) corrects a released evaluation while the agent's
    response window is open: before the agent acknowledged or disputed it (a dispute is answered
    by its resolution instead) and not after its last day to respond."""
    return (
        user.role in MARKERS
        and evaluation["calibration"] is None
        and evaluation["status"] == EvaluationStatus.released
        and respond_window_open(evaluation)
    )


async def correct(
    evaluation_id: int, user: CurrentUser, marked: dict[str, Marked], comment: str, reason: str
) -> ScoreResult:
    """Correct a released evaluation: the answers given (and the overall comment) replace the
    stored ones, the score is recomputed, the reason and the answers before and after are kept
    in its history, and the agent is told in their language. The agent has the full response
    window again from today to answer the corrected marks."""
    if user.role not in MARKERS:
        raise EvaluationError(_("only the QA team corrects an evaluation"))
    async with db.write_transaction():
        evaluation = await load(evaluation_id)
        if evaluation is None:
            raise EvaluationError(_("there is no such evaluation"))
        if not can_correct(user, evaluation):
            raise EvaluationError(
                _(
                    "this evaluation can no longer be corrected: the agent has answered it or their time to respond ended"
                )
            )
        definition = evaluation["definition"]
        given = _checked_answers(definition, marked)
        stored = evaluation["answers"]
        answers = {code: Answer(a["value"], a["na"]) for code, a in stored.items()}
        answers.update(given)
        missing = [c.title for c in definition.criteria() if _unanswered(answers.get(c.code))]
        if missing:
            raise EvaluationError(
                _("answer every criterion; still open: %(criteria)s") % {"criteria": ", ".join(missing)}
            )
        _refuse_missing_reasons(definition, stored, marked)
        if not reason.strip():
            raise EvaluationError(_("say why you correct this evaluation"))
        changes = {
            code: m for code, m in marked.items() if stored[code]["value"] != m.value or stored[code]["na"] != m.na
        }
        edited = {
            code: m
            for code, m in marked.items()
            if code in changes
            or m.comment.strip() != stored[code]["comment"]
            or (m.reason is not None and _one_line(m.reason) != stored[code].get("override_reason", ""))
        }
        if not edited and comment.strip() == evaluation["comment"]:
            raise EvaluationError(_("nothing was changed: change an answer or a comment, or leave it as it is"))
        await _write_answers(evaluation_id, edited, stored)
        result = await _store_score(evaluation_id, definition, answers)
        settings = await config.load()
        local_today = _now().astimezone(get_settings().timezone).date()
        respond_by = max(
            d for d in (evaluation["respond_by"], local_today + timedelta(days=settings["respond_days"])) if d
        )
        await Evaluation.update(
            {Evaluation.comment: comment.strip(), Evaluation.respond_by: respond_by, Evaluation.updated_at: _now()}
        ).where(Evaluation.id == evaluation_id)
        detail = {
            "before": {c: _plain(stored[c]) for c in changes},
            "after": {c: {"value": m.value, "na": m.na} for c, m in changes.items()},
            "score_before": evaluation["score"],
            "score_after": result.score,
        }
        await _event(evaluation_id, user.id, "corrected", _one_line(reason), **detail)
        await audit.record(user.id, "correct", "evaluation", evaluation_id, **detail)
        await _tell_agent(evaluation, CORRECTED, result.score)
    return result


def _plain(answer: dict[str, Any]) -> dict[str, Any]:
    return {"value": answer["value"], "na": answer["na"]}


async def released_for_agents(agent_ids: list[int] | None, month: str) -> list[dict[str, Any]]:
    """Released evaluations (not calibration marks) of some agents (None: all) in a month, each
    with its pick's `pick_kind` ("random", also for an evaluation without a pick, or
    "targeted": not in the quality figure) and `pick_reason` (why QA picked a targeted call)."""
    query = Evaluation.select(
        Evaluation.id,
        Evaluation.call,
        Evaluation.call.external_id.as_alias("call_external_id"),
        Evaluation.call.offered_at.as_alias("offered_at"),
        Evaluation.agent,
        Evaluation.agent.name.as_alias("agent_name"),
        Evaluation.marker.name.as_alias("marker_name"),
        Evaluation.status,
        Evaluation.score,
        Evaluation.critical_failed,
        Evaluation.released_at,
        Evaluation.respond_by,
        Evaluation.assignment.kind.as_alias("pick_kind"),
        Evaluation.assignment.reason.as_alias("pick_reason"),
    ).where(
        (Evaluation.month == month)
        & Evaluation.calibration.is_null()
        & Evaluation.status.is_in([s.value for s in AFTER_RELEASE])
    )
    if agent_ids is not None:
        query = query.where(Evaluation.agent.is_in(agent_ids or [-1]))
    rows = await query.order_by(Evaluation.released_at, ascending=False)
    for row in rows:
        row["pick_kind"] = row["pick_kind"] or "random"  # PickKind.random
        row["pick_reason"] = row["pick_reason"] or ""
    return rows


async def open_disputes(agent_ids: list[int] | None) -> list[dict[str, Any]]:
    query = Evaluation.select(
        Evaluation.id,
        Evaluation.month,
        Evaluation.agent.name.as_alias("agent_name"),
        Evaluation.score,
        Evaluation.call.external_id.as_alias("call_external_id"),
    ).where(Evaluation.status == EvaluationStatus.disputed)
    if agent_ids is not None:
        query = query.where(Evaluation.agent.is_in(agent_ids or [-1]))
    return await query.order_by(Evaluation.id)
