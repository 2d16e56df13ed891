"""Calibration sessions: several markers mark one call blind; once the session is closed the
results compare them (the arithmetic is in `scorecards/calibration.py`)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from qa_app import audit, db
from qa_app.i18n import _
from qa_app.tables import Call, Role, User
from scorecards import calibration, versions
from scorecards.tables import CalibrationMarker, CalibrationSession, Evaluation, EvaluationAnswer, EvaluationStatus

CALIBRATORS = (Role.admin, Role.qa)  # who runs sessions
MARKER_ROLES = (Role.admin, Role.qa, Role.team_leader)  # who may be asked to mark


class CalibrationError(Exception):
    pass


async def eligible_markers() -> list[dict[str, Any]]:
    return (
        await User.select(User.id, User.name, User.role)
        .where(User.role.is_in([r.value for r in MARKER_ROLES]) & (User.active == True))  # noqa: E712
        .order_by(User.name)
    )


async def create(title: str, call_external_id: str, marker_ids: list[int], user_id: int) -> int:
    if not title.strip():
        raise CalibrationError(_("give the session a title"))
    call = await Call.select(Call.id, Call.recording_path).where(Call.external_id == call_external_id.strip()).first()
    if call is None:
        raise CalibrationError(_("there is no call %(call)s") % {"call": repr(call_external_id.strip())})
    allowed = {m["id"] for m in await eligible_markers()}
    chosen = sorted(set(marker_ids))
    if len(chosen) < 2:
        raise CalibrationError(_("choose at least two markers"))
    if not set(chosen) <= allowed:
        raise CalibrationError(_("only QA staff, team leaders and administrators can mark in a calibration session"))
    template = await versions.default()
    async with db.write_transaction():
        rows = await CalibrationSession.insert(
            CalibrationSession(title=title.strip(), call=call["id"], template=template["id"], created_by=user_id)
        ).returning(CalibrationSession.id)
        session_id = rows[0]["id"]
        await CalibrationMarker.insert(*[CalibrationMarker(session=session_id, marker=m) for m in chosen])
        await audit.record(user_id, "create", "calibration_session", session_id, call=call["id"], markers=chosen)
    return session_id


async def get(session_id: int) -> dict[str, Any] | None:
    session = (
        await CalibrationSession.select(
            CalibrationSession.all_columns(),
            CalibrationSession.call.external_id.as_alias("call_external_id"),
            CalibrationSession.created_by.name.as_alias("created_by_name"),
        )
        .where(CalibrationSession.id == session_id)
        .first()
    )
    if session is None:
        return None
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
        CalibrationSession.call.external_id.as_alias("call_external_id"),
    )
    if role not in (Role.admin, Role.qa, Role.manager):
        mine = await CalibrationMarker.select(CalibrationMarker.session).where(CalibrationMarker.marker == user_id)
        query = query.where(CalibrationSession.id.is_in([m["session"] for m in mine] or [-1]))
    return await query.order_by(CalibrationSession.id, ascending=False)


async def close(session_id: int, user_id: int) -> None:
    session = await get(session_id)
    if session is None:
        raise CalibrationError(_("there is no such session"))
    submitted = [m for m in session["markers"] if m["evaluation"] and m["evaluation"]["status"] != "draft"]
    if len(submitted) < 2:
        raise CalibrationError(_("at least two markers must submit before the results can be shown"))
    await CalibrationSession.update({CalibrationSession.closed_at: datetime.now(timezone.utc)}).where(
        CalibrationSession.id == session_id
    )
    await audit.record(user_id, "close", "calibration_session", session_id, submitted=len(submitted))


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
    for evaluation in evaluations:
        name = names.get(evaluation["marker"]) or _("marker %(id)s") % {"id": evaluation["marker"]}
        answers = await EvaluationAnswer.select(
            EvaluationAnswer.criterion, EvaluationAnswer.value, EvaluationAnswer.na
        ).where(EvaluationAnswer.evaluation == evaluation["id"])
        ratings[name] = {a["criterion"]: (None if a["na"] else a["value"]) for a in answers}
        totals[name] = evaluation["score"] or 0.0
    return {
        "session": session,
        "definition": definition,
        "ratings": ratings,
        "agreement": calibration.criterion_agreement(definition, ratings),
        "spread": calibration.total_spread(totals),
        "distance": calibration.marker_distance(definition, ratings, totals),
        "alpha": calibration.krippendorff_alpha(definition, ratings),
    }
