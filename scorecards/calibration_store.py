"""Calibration sessions: several markers mark one call blind; once the session is closed the
results compare them (the arithmetic is in `scorecards/calibration.py`) and the lead records the
answer the session agreed on for each criterion, with a note."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from qa_app import audit, db, i18n, notifications, queries
from qa_app.auth import CurrentUser, agent_scope
from qa_app.formatting import local
from qa_app.i18n import _
from qa_app.settings import get_settings
from qa_app.tables import Call, Role, User
from scorecards import calibration, versions
from scorecards.tables import (
    CalibrationAgreement,
    CalibrationMarker,
    CalibrationSession,
    Evaluation,
    EvaluationAnswer,
    EvaluationStatus,
)

CALIBRATORS = (Role.admin, Role.qa)  # who runs sessions
MARKER_ROLES = (Role.admin, Role.qa, Role.team_leader)  # who may be asked to mark


class CalibrationError(Exception):
    """A refusal in a sentence; `field` names the form field it is about ("title", "call",
    "markers", "confirm", "value", or "" for the form as a whole)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


SEARCH_LIMIT = 20  # calls a search lists: enough to choose from, narrow it by time otherwise


def call_label(call: dict[str, Any]) -> str:
    """A call as people know it: "2026-12-01 10:04 — Robin Agent — Parking permits" (never its
    telephony id)."""
    parts = [local(call["offered_at"]), call.get("agent_name") or _("no agent")]
    if call.get("service_name"):
        parts.append(call["service_name"])
    return " — ".join(parts)


def _clock(value: str) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:
        return None


async def search_calls(
    user: CurrentUser, *, agent: int | None, day: date | None, start: str = "", end: str = ""
) -> list[dict[str, Any]]:
    """The calls of an agent and/or a day, between two times of that day (the centre's clock),
    newest first, with a `label`: the call list's own query and the user's scope."""
    zone = get_settings().timezone
    since = until = None
    if day is not None:
        since = datetime.combine(day, _clock(start) or time(0), zone).astimezone(timezone.utc)
        end_time = _clock(end)
        until = (
            datetime.combine(day, end_time, zone) + timedelta(minutes=1)
            if end_time
            else datetime.combine(day + timedelta(days=1), time(0), zone)
        ).astimezone(timezone.utc)
    filters = queries.CallFilter(agent_id=agent, start=since, end=until)
    page = await queries.list_calls(await agent_scope(user), filters, page_size=SEARCH_LIMIT)
    return [{**row, "label": call_label(row)} for row in page.rows]


async def chosen_call(user: CurrentUser, call_id: int | None) -> dict[str, Any] | None:
    """The call a session is about, if the user may see it, with its `label`."""
    if not call_id:
        return None
    call = await queries.get_call(call_id)
    scope = await agent_scope(user)
    if call is None or (scope is not None and call["agent"] not in scope):
        return None
    return {**call, "label": call_label(call)}


async def eligible_markers() -> list[dict[str, Any]]:
    return (
        await User.select(User.id, User.name, User.role)
        .where(User.role.is_in([r.value for r in MARKER_ROLES]) & (User.active == True))  # noqa: E712
        .order_by(User.name)
    )


async def create(title: str, call: int | str | None, marker_ids: list[int], user_id: int) -> int:
    """A new session on one call: `call` is the call's id as chosen on the page (or, from a
    script, its id as imported)."""
    if not title.strip():
        raise CalibrationError(_("give the session a title"), "title")
    if isinstance(call, str):
        found = await Call.select(Call.id).where(Call.external_id == call.strip()).first()
    else:
        found = await Call.select(Call.id).where(Call.id == call).first() if call else None
    if found is None:
        raise CalibrationError(_("choose the call to mark"), "call")
    call = found
    allowed = {m["id"] for m in await eligible_markers()}
    chosen = sorted(set(marker_ids))
    if len(chosen) < 2:
        raise CalibrationError(_("choose at least two markers"), "markers")
    if not set(chosen) <= allowed:
        raise CalibrationError(
            _("only QA staff, team leaders and administrators can mark in a calibration session"), "markers"
        )
    template = await versions.default()
    async with db.write_transaction():
        rows = await CalibrationSession.insert(
            CalibrationSession(title=title.strip(), call=call["id"], template=template["id"], created_by=user_id)
        ).returning(CalibrationSession.id)
        session_id = rows[0]["id"]
        await CalibrationMarker.insert(*[CalibrationMarker(session=session_id, marker=m) for m in chosen])
        await audit.record(user_id, "create", "calibration_session", session_id, call=call["id"], markers=chosen)
    await _tell_markers(session_id, "calibration_invited", but=user_id)
    return session_id


async def _tell_markers(session_id: int, kind: str, *, but: int | None = None) -> None:
    """Each marker of the session (but the one who acted) is told, in their own language, that
    they are invited to mark it, or that it is closed with its results."""
    session = await get(session_id)
    for marker in session["markers"]:
        if marker["id"] == but:
            continue
        with i18n.using(await notifications.language_of(marker["id"])):
            values = {"title": session["title"], "call": call_label(session)}
            if kind == "calibration_invited":
                text = _("You are invited to mark the calibration session “%(title)s” (%(call)s)") % values
            else:
                text = _("The calibration session “%(title)s” (%(call)s) is closed: see how the marks compare") % values
        await notifications.notify(marker["id"], kind, text, f"/calibration/{session_id}")


async def get(session_id: int) -> dict[str, Any] | None:
    session = (
        await CalibrationSession.select(
            CalibrationSession.all_columns(),
            CalibrationSession.call.offered_at.as_alias("offered_at"),
            CalibrationSession.call.agent.name.as_alias("agent_name"),
            CalibrationSession.call.service.name.as_alias("service_name"),
            CalibrationSession.created_by.name.as_alias("created_by_name"),
        )
        .where(CalibrationSession.id == session_id)
        .first()
    )
    if session is None:
        return None
    session["call_label"] = call_label(session)
    markers = await CalibrationMarker.select(
        CalibrationMarker.marker.as_alias("id"), CalibrationMarker.marker.name.as_alias("name")
    ).where(CalibrationMarker.session == session_id)
    evaluations = await Evaluation.select(Evaluation.id, Evaluation.marker, Evaluation.status, Evaluation.score).where(
        Evaluation.calibration == session_id
    )
    by_marker = {e["marker"]: e for e in evaluations}
    for marker in markers:
        marker["evaluation"] = by_marker.get(marker["id"])
    return {**session, "markers": sorted(markers, key=lambda m: m["name"])}


def is_marker(session: dict[str, Any], user_id: int) -> bool:
    return any(m["id"] == user_id for m in session["markers"])


async def visible_sessions(user_id: int, role: Role) -> list[dict[str, Any]]:
    query = CalibrationSession.select(
        CalibrationSession.id,
        CalibrationSession.title,
        CalibrationSession.created_at,
        CalibrationSession.closed_at,
        CalibrationSession.call,
        CalibrationSession.call.offered_at.as_alias("offered_at"),
        CalibrationSession.call.agent.name.as_alias("agent_name"),
        CalibrationSession.call.service.name.as_alias("service_name"),
    )
    if role not in (Role.admin, Role.qa, Role.manager):
        mine = await CalibrationMarker.select(CalibrationMarker.session).where(CalibrationMarker.marker == user_id)
        query = query.where(CalibrationSession.id.is_in([m["session"] for m in mine] or [-1]))
    rows = await query.order_by(CalibrationSession.id, ascending=False)
    return [{**row, "call_label": call_label(row)} for row in rows]


def submitted_count(session: dict[str, Any]) -> int:
    return sum(1 for m in session["markers"] if m["evaluation"] and m["evaluation"]["status"] != "draft")


async def close(session_id: int, user_id: int, *, confirmed: bool = True) -> None:
    """Close the session and show its results: only once at least two markers submitted, and
    only when the lead confirmed they checked the marks (the page asks with a checkbox)."""
    session = await get(session_id)
    if session is None:
        raise CalibrationError(_("there is no such session"))
    if session["closed_at"] is not None:
        raise CalibrationError(_("this session is already closed"))
    submitted = submitted_count(session)
    if submitted < 2:
        raise CalibrationError(
            _(
                "at least two markers must submit their marks before the session can be closed "
                "(%(count)s of %(total)s have so far)"
            )
            % {"count": submitted, "total": len(session["markers"])},
            "confirm",
        )
    if not confirmed:
        raise CalibrationError(_("tick the box to confirm you have checked the marks"), "confirm")
    await CalibrationSession.update({CalibrationSession.closed_at: datetime.now(timezone.utc)}).where(
        CalibrationSession.id == session_id
    )
    await audit.record(user_id, "close", "calibration_session", session_id, submitted=submitted)
    await _tell_markers(session_id, "calibration_closed", but=user_id)


async def agreed_answers(session_id: int) -> dict[str, dict[str, Any]]:
    """The recorded agreed answer of each criterion: {code: {value, na, note, decided_by_name,
    decided_at}}."""
    rows = await CalibrationAgreement.select(
        CalibrationAgreement.all_columns(), CalibrationAgreement.decided_by.name.as_alias("decided_by_name")
    ).where(CalibrationAgreement.session == session_id)
    return {row["criterion"]: row for row in rows}


async def record_agreed(session_id: int, criterion_code: str, answer: str, note: str, user_id: int) -> None:
    """The answer the session agreed on for one criterion, with why; recording again replaces it.
    Only once the session is closed and the marks can be compared."""
    session = await get(session_id)
    if session is None:
        raise CalibrationError(_("there is no such session"))
    if session["closed_at"] is None:
        raise CalibrationError(_("close the session before recording the agreed answers"))
    definition = versions.definition_of(await versions.get(session["template"]))
    criterion = next((c for c in definition.criteria() if c.code == criterion_code), None)
    if criterion is None:
        raise CalibrationError(_("there is no such criterion on this scorecard"))
    try:
        value, na = calibration.parse_answer(criterion, answer)
    except ValueError:
        raise CalibrationError(_("choose the agreed answer"), "value") from None
    async with db.write_transaction():
        await CalibrationAgreement.delete().where(
            (CalibrationAgreement.session == session_id) & (CalibrationAgreement.criterion == criterion.code)
        )
        await CalibrationAgreement.insert(
            CalibrationAgreement(
                session=session_id, criterion=criterion.code, value=value, na=na, note=note.strip(), decided_by=user_id
            )
        )
        await audit.record(
            user_id, "agree", "calibration_session", session_id, criterion=criterion.code, value=value, na=na
        )


async def results(session_id: int) -> dict[str, Any]:
    """Agreement per criterion, spread of totals, each marker's distance, Krippendorff's alpha,
    over the submitted evaluations of the session."""
    session = await get(session_id)
    if session is None:
        raise CalibrationError(_("there is no such session"))
    definition = versions.definition_of(await versions.get(session["template"]))
    names = {m["id"]: m["name"] for m in session["markers"]}
    evaluations = await Evaluation.select(Evaluation.id, Evaluation.marker, Evaluation.score).where(
        (Evaluation.calibration == session_id) & (Evaluation.status != EvaluationStatus.draft)
    )
    ratings: dict[str, dict[str, float | None]] = {}
    totals: dict[str, float] = {}
    moments: dict[str, float] = {}  # criterion -> the second of the call its evidence points at
    for evaluation in evaluations:
        name = names.get(evaluation["marker"]) or _("marker %(id)s") % {"id": evaluation["marker"]}
        answers = await EvaluationAnswer.select(
            EvaluationAnswer.criterion, EvaluationAnswer.value, EvaluationAnswer.na, EvaluationAnswer.evidence
        ).where(EvaluationAnswer.evaluation == evaluation["id"])
        ratings[name] = {a["criterion"]: (None if a["na"] else a["value"]) for a in answers}
        totals[name] = evaluation["score"] or 0.0
        for a in answers:
            at = _evidence_at(a["evidence"])
            if at is not None:
                moments.setdefault(a["criterion"], at)
    return {
        "session": session,
        "definition": definition,
        "ratings": ratings,
        "agreement": calibration.criterion_agreement(definition, ratings),
        "spread": calibration.total_spread(totals),
        "distance": calibration.marker_distance(definition, ratings, totals),
        "alpha": calibration.krippendorff_alpha(definition, ratings),
        "moments": moments,
        "agreed": await agreed_answers(session_id),
    }


def _evidence_at(evidence: Any) -> float | None:
    """The time (seconds into the call) an automatic answer's evidence points at, if any."""
    if isinstance(evidence, str):
        try:
            evidence = json.loads(evidence or "{}")
        except ValueError:
            return None
    at = evidence.get("at") if isinstance(evidence, dict) else None
    return float(at) if isinstance(at, int | float) else None
