"""Survey answers from the phone system: its end-of-call keypad survey, posted per call to the
JSON endpoint with the phone system's API key (scope `surveys`), or imported from a CSV file
(`qa surveys import-ivr`). One phone-survey answer per call; a repeat is reported, not stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cases import register
from kit.table_file import ImportError_
from kit.table_file import rows as table_rows
from qa_app import db
from qa_app.tables import Call
from surveys.invitations import default_template
from surveys.questions import check_answers, is_praise
from surveys.tables import SurveyResponse

FIELDS = ("satisfaction", "resolved", "effort", "recommend")
KEYPAD_RESOLVED = {"1": "yes", "2": "partly", "3": "no"}  # "press 1 for yes, 2 for partly, 3 for no"


class IvrError(Exception):
    """The answer cannot be stored; the message says why."""


def parse(values: dict[str, Any]) -> dict[str, Any]:
    """Keypad values as the survey stores them; IvrError naming the field otherwise."""
    form = {k: str(values[k]).strip() for k in FIELDS if values.get(k) not in (None, "")}
    if "resolved" in form:
        form["resolved"] = KEYPAD_RESOLVED.get(form["resolved"], form["resolved"])
    template_questions = {
        "questions": [
            {"code": "satisfaction", "kind": "satisfaction", "required": True},
            {"code": "resolved", "kind": "resolved"},
            {"code": "effort", "kind": "effort"},
            {"code": "recommend", "kind": "recommend"},
        ]
    }
    answers, errors = check_answers(template_questions, form, "en")
    if errors:
        code, message = next(iter(errors.items()))
        raise IvrError(f"{code}: {message.rstrip('.').lower()} (got {values.get(code)!r})")
    return answers


async def record(call_external_id: str, values: dict[str, Any]) -> int:
    """Store one call's phone-survey answers; returns the response id."""
    answers = parse(values)
    if "\x00" in str(call_external_id):  # PostgreSQL refuses NUL in text: no call id holds one
        raise IvrError("call_id holds a NUL character")
    call = await Call.select(Call.id, Call.agent).where(Call.external_id == str(call_external_id).strip()).first()
    if call is None:
        raise IvrError(f"no call {call_external_id!r}")
    template = await default_template()
    async with db.write_transaction():
        if await SurveyResponse.exists().where((SurveyResponse.call == call["id"]) & (SurveyResponse.source == "ivr")):
            raise IvrError(f"call {call_external_id!r} has a phone-survey answer already")
        rows = await SurveyResponse.insert(
            SurveyResponse(
                call=call["id"],
                agent=call["agent"],
                template=template["id"],
                source="ivr",
                satisfaction=answers.get("satisfaction"),
                recommend=answers.get("recommend"),
                effort=answers.get("effort"),
                resolved=answers.get("resolved"),
                praise=is_praise("", answers.get("satisfaction")),
                answers=answers,
            )
        ).returning(SurveyResponse.id)
    await register.link_to_call_cases(call["id"], "survey", rows[0]["id"])
    return rows[0]["id"]


async def ivr_response_for(call_external_id: str) -> dict[str, Any]:
    """The phone-survey answer of a call, for its voice comment."""
    row = (
        await SurveyResponse.select(SurveyResponse.id, SurveyResponse.voice_path)
        .where((SurveyResponse.call.external_id == str(call_external_id).strip()) & (SurveyResponse.source == "ivr"))
        .first()
    )
    if row is None:
        raise IvrError(f"no call {call_external_id!r} with a phone-survey answer: post the keypad answers first")
    if row["voice_path"]:
        raise IvrError(f"call {call_external_id!r} has a voice comment already")
    return row


@dataclass
class IvrImport:
    read: int = 0
    created: int = 0
    rejected: int = 0
    committed: bool = True
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "created": self.created,
            "rejected": self.rejected,
            "committed": self.committed,
            "errors": self.errors,
        }


async def import_file(path: Path, *, skip_invalid: bool = False, mapping: dict[str, str] | None = None) -> IvrImport:
    """A CSV of `call_id, satisfaction[, resolved, effort, recommend]`; all or nothing unless
    `skip_invalid`, each bad row reported with its line. Every row is checked (answers, the
    call exists, no phone-survey answer yet) before anything is stored."""
    summary = IvrImport()
    parsed: list[tuple[int, str, dict[str, Any]]] = []

    def reject(line: int, reason: str) -> None:
        summary.rejected += 1
        summary.errors.append({"line": line, "reason": reason})

    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ImportError_(f"cannot read {path}: {error.strerror}") from None
    with handle:
        for line, row in table_rows(handle, required=("call_id", "satisfaction"), optional=FIELDS[1:], mapping=mapping):
            summary.read += 1
            try:
                if "__error__" in row:
                    raise IvrError(row["__error__"])
                parsed.append((line, row["call_id"], parse(row)))
            except IvrError as error:
                reject(line, str(error))
    external_ids = sorted({call_id for _line, call_id, _answers in parsed})
    calls = {
        r["external_id"]: r
        for r in await Call.select(Call.id, Call.agent, Call.external_id).where(
            Call.external_id.is_in(external_ids or [""])
        )
    }
    answered = {
        r["call"]
        for r in await SurveyResponse.select(SurveyResponse.call).where(
            (SurveyResponse.source == "ivr") & SurveyResponse.call.is_in([c["id"] for c in calls.values()] or [-1])
        )
    }
    template = (await default_template())["id"]
    new = []
    for line, call_id, answers in parsed:
        call = calls.get(call_id)
        if call is None:
            reject(line, f"no call {call_id!r}")
        elif call["id"] in answered:
            reject(line, f"call {call_id!r} has a phone-survey answer already")
        else:
            answered.add(call["id"])
            new.append(
                SurveyResponse(
                    call=call["id"],
                    agent=call["agent"],
                    template=template,
                    source="ivr",
                    satisfaction=answers.get("satisfaction"),
                    recommend=answers.get("recommend"),
                    effort=answers.get("effort"),
                    resolved=answers.get("resolved"),
                    answers=answers,
                )
            )
    summary.errors.sort(key=lambda e: e["line"])
    if summary.rejected and not skip_invalid:
        summary.committed = False
        return summary
    async with db.write_transaction():
        for start in range(0, len(new), 500):
            await SurveyResponse.insert(*new[start : start + 500])
    summary.created = len(new)
    return summary
