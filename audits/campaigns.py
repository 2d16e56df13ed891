"""Mystery-email audits on the database: campaigns and their scenarios, sending the test emails
(or recording them sent by hand), taking in replies from the mailbox or an upload, grading, and
results per department compared with the previous campaign.

The rules (matching, automatic replies, timing, the rubric) are in `surveys/mystery_mail.py`.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from audits import mail_rules
from audits.tables import AuditCampaign, AuditGrade, AuditReply, AuditScenario
from audits.working_hours import WorkingCalendar
from cases import register
from kit.table_file import ImportError_
from kit.table_file import rows as table_rows
from qa_app import audit, db, i18n, mail
from qa_app.i18n import _
from qa_app.tables import Department

ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
NO_DEPARTMENT = "(no department)"  # the results' group of the test emails without a department


class AuditError(Exception):
    pass


# Campaigns and scenarios.


def parse_key_points(text: str) -> list[dict[str, Any]]:
    """ "Opening hours: 8-17/eight | Bring ID: passport/identity card" -> key points, each with
    the words that show it was mentioned (the point itself when none are given)."""
    points = []
    for part in filter(None, (p.strip() for p in text.split("|"))):
        point, _colon, words = part.partition(":")
        listed = [w.strip() for w in words.split("/") if w.strip()]
        points.append({"point": point.strip(), "words": listed or [point.strip()]})
    return points


def read_scenarios(path: Path) -> list[dict[str, Any]]:
    """Scenarios from a CSV file (see `scenarios_from`)."""
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as error:
        raise ImportError_(_("cannot read %(path)s: %(reason)s") % {"path": path, "reason": error.strerror}) from None
    with handle:
        return scenarios_from(handle)


def scenarios_from(handle: TextIO) -> list[dict[str, Any]]:
    """Scenarios from CSV text: title, to, department, subject, question, key_points[,
    resident_name]; every bad line is reported with its number."""
    scenarios, errors = [], []
    for line, row in table_rows(
        handle,
        required=("title", "to", "department", "subject", "question", "key_points"),
        optional=("resident_name",),
    ):
        empty = [c for c in ("title", "to", "subject", "question") if not row[c].strip()]
        if empty:
            errors.append(_("line %(line)s: %(columns)s empty") % {"line": line, "columns": ", ".join(empty)})
        elif not ADDRESS.match(row["to"].strip()):
            errors.append(
                _("line %(line)s: %(address)s is not an email address") % {"line": line, "address": repr(row["to"])}
            )
        else:
            scenarios.append(
                {
                    "title": row["title"].strip(),
                    "to_address": row["to"].strip(),
                    "department": row["department"].strip(),
                    "subject": row["subject"].strip(),
                    "question": row["question"].strip().replace("\\n", "\n"),
                    "key_points": parse_key_points(row["key_points"]),
                    "resident_name": row.get("resident_name", "").strip(),
                }
            )
    if errors:
        raise ImportError_("; ".join(errors[:20]))
    if not scenarios:
        raise ImportError_(_("the file has no scenarios"))
    return scenarios


async def create_campaign(
    name: str,
    scenarios: list[dict[str, Any]],
    *,
    sender: str = "",
    ack_target_hours: int = 8,
    answer_target_days: int = 2,
    user_id: int | None = None,
) -> int:
    """A campaign with its scenarios; a department named that does not exist yet is created."""
    if not name.strip():
        raise AuditError(_("a campaign needs a name"))
    if await AuditCampaign.exists().where(AuditCampaign.name == name.strip()):
        raise AuditError(_("there is a campaign named %(name)s already") % {"name": repr(name)})
    async with db.write_transaction():
        campaign = (
            await AuditCampaign.insert(
                AuditCampaign(
                    name=name.strip(),
                    created_by=user_id,
                    sender=sender,
                    ack_target_hours=ack_target_hours,
                    answer_target_days=answer_target_days,
                )
            ).returning(AuditCampaign.id)
        )[0]["id"]
        departments = {r["name"]: r["id"] for r in await Department.select(Department.id, Department.name)}
        for scenario in scenarios:
            department = scenario.get("department") or None
            if department and department not in departments:
                departments[department] = (
                    await Department.insert(Department(name=department)).returning(Department.id)
                )[0]["id"]
            await AuditScenario.insert(
                AuditScenario(
                    campaign=campaign,
                    title=scenario["title"],
                    to_address=scenario["to_address"],
                    department=departments.get(department) if department else None,
                    resident_name=scenario.get("resident_name", ""),
                    subject=scenario["subject"],
                    question=scenario["question"],
                    key_points=scenario.get("key_points", []),
                    token=await _unused_token(),
                )
            )
        await audit.record(user_id, "create", "audit_campaign", campaign, scenarios=len(scenarios))
    return campaign


async def _unused_token() -> str:
    while True:
        token = mail_rules.new_token()
        if not await AuditScenario.exists().where(AuditScenario.token == token):
            return token


async def campaign_by_name_or_id(ref: str) -> dict[str, Any]:
    query = AuditCampaign.select()
    row = await (
        query.where(AuditCampaign.id == int(ref)) if ref.isdigit() else query.where(AuditCampaign.name == ref)
    ).first()
    if row is None:
        raise AuditError(_("no campaign %(ref)s") % {"ref": repr(ref)})
    return row


async def scenarios_of(campaign_id: int) -> list[dict[str, Any]]:
    return (
        await AuditScenario.select(
            AuditScenario.all_columns(), AuditScenario.department.name.as_alias("department_name")
        )
        .where(AuditScenario.campaign == campaign_id)
        .order_by(AuditScenario.id)
        .output(load_json=True)
    )


async def send_campaign(
    campaign_id: int, server: mail.SmtpServer | None = None, now: datetime | None = None, user_id: int | None = None
) -> int:
    """Send the campaign's unsent test emails through SMTP; records each one's Message-ID and
    time as it goes out. Returns how many were sent."""
    server = server or mail.configured_server()
    campaign = await AuditCampaign.select().where(AuditCampaign.id == campaign_id).first()
    sender = campaign["sender"] or server.sender
    unsent = [s for s in await scenarios_of(campaign_id) if s["sent_at"] is None]
    messages = []
    for scenario in unsent:
        body = scenario["question"] + (f"\n\n{scenario['resident_name']}" if scenario["resident_name"] else "")
        message = mail.new_message(
            scenario["to_address"],
            mail_rules.subject_with_token(scenario["subject"], scenario["token"]),
            body,
            sender=sender,
        )
        messages.append((scenario, message))
    refused = set(await mail.send([m for _, m in messages], server))
    sent_at = now or datetime.now(timezone.utc)
    sent = 0
    async with db.write_transaction():
        for scenario, message in messages:
            if scenario["to_address"] in refused:
                continue
            await AuditScenario.update(
                {AuditScenario.message_id: str(message["Message-ID"]), AuditScenario.sent_at: sent_at}
            ).where(AuditScenario.id == scenario["id"])
            sent += 1
        await audit.record(user_id, "send", "audit_campaign", campaign_id, sent=sent)
    if refused:
        raise AuditError(
            _("the mail server refused %(addresses)s; %(sent)s others were sent")
            % {"addresses": ", ".join(sorted(refused)), "sent": sent}
        )
    return sent


async def record_sent_by_hand(
    scenario_id: int, sent_at: datetime, message_id: str | None = None, user_id: int | None = None
) -> None:
    """For a test email sent from another mail program: when, and its Message-ID if known."""
    if sent_at.tzinfo is None:
        raise AuditError(_("the sending time needs its time zone"))
    async with db.write_transaction():
        await AuditScenario.update(
            {
                AuditScenario.sent_at: sent_at.astimezone(timezone.utc),
                AuditScenario.message_id: message_id or None,
                AuditScenario.sent_by_hand: True,
            }
        ).where(AuditScenario.id == scenario_id)
        await audit.record(user_id, "sent by hand", "audit_scenario", scenario_id)


# Replies.


@dataclass
class Intake:
    read: int = 0
    matched: int = 0
    acknowledgements: int = 0
    unmatched: int = 0
    duplicates: int = 0
    unreadable: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "matched": self.matched,
            "acknowledgements": self.acknowledgements,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
            "unreadable": self.unreadable,
        }


async def take_in(messages: list[tuple[bytes, datetime | None]], source: str) -> Intake:
    """Store the replies among these messages (raw bytes, and the mailbox's arrival time as a
    fallback for a missing Date): each matched to its test email and told an acknowledgement or
    an answer. A message seen before, or one of our own test emails, is skipped."""
    intake = Intake()
    scenarios = await AuditScenario.select(AuditScenario.id, AuditScenario.message_id, AuditScenario.token)
    ours = {s["message_id"] for s in scenarios if s["message_id"]}
    known = {r["message_id"] for r in await AuditReply.select(AuditReply.message_id)}
    rows = []
    for index, (raw, arrived) in enumerate(messages, start=1):
        intake.read += 1
        try:
            incoming = mail_rules.parse(raw, arrived)
        except Exception as error:  # a broken message must not stop the others
            intake.unreadable.append(
                _("message %(number)s: %(error)s") % {"number": index, "error": f"{type(error).__name__}: {error}"}
            )
            continue
        if not incoming.message_id or incoming.sent_at is None:
            intake.unreadable.append(_("message %(number)s: no Message-ID or date") % {"number": index})
            continue
        if incoming.message_id in ours:
            continue
        if incoming.message_id in known:
            intake.duplicates += 1
            continue
        known.add(incoming.message_id)
        scenario_id, how = mail_rules.match(incoming, scenarios)
        automatic = mail_rules.automatic_reply(incoming)
        if scenario_id is None:
            intake.unmatched += 1
        else:
            intake.matched += 1
            intake.acknowledgements += automatic is not None
        rows.append(
            AuditReply(
                scenario=scenario_id,
                message_id=incoming.message_id[:300],
                in_reply_to=incoming.in_reply_to[:300],
                from_address=incoming.from_address[:254],
                subject=incoming.subject[:300],
                body=incoming.body,
                received_at=incoming.sent_at.astimezone(timezone.utc),
                kind="ack" if automatic else "answer",
                matched_by=how,
                source=source,
            )
        )
    if rows:
        async with db.write_transaction():
            stored = await AuditReply.insert(*rows).returning(AuditReply.id, AuditReply.scenario, AuditReply.body)
        for reply in stored:  # a reply that gives the resident a tracking number joins that case
            if reply["scenario"] is not None:
                await register.link_by_tracking_numbers(reply["body"], "email", reply["id"])
    return intake


async def set_reply_kind(reply_id: int, kind: str, user_id: int | None = None) -> None:
    """The grader's correction: this reply is an acknowledgement, or a real answer."""
    if kind not in ("ack", "answer"):
        raise AuditError(_("a reply is an ack or an answer"))
    async with db.write_transaction():
        await AuditReply.update({AuditReply.kind: kind}).where(AuditReply.id == reply_id)
        await audit.record(user_id, "reply kind", "audit_reply", reply_id, kind=kind)


# Timing, grading, results.


async def campaign_view(campaign_id: int, calendar: WorkingCalendar, now: datetime | None = None) -> list[dict]:
    """Each scenario with its replies, timing, pre-filled rubric and grade."""
    now = now or datetime.now(timezone.utc)
    campaign = await AuditCampaign.select().where(AuditCampaign.id == campaign_id).first()
    scenarios = await scenarios_of(campaign_id)
    ids = [s["id"] for s in scenarios] or [-1]
    replies: dict[int, list[dict]] = {}
    for reply in await AuditReply.select().where(AuditReply.scenario.is_in(ids)).order_by(AuditReply.received_at):
        replies.setdefault(reply["scenario"], []).append(reply)
    grades = {
        g["scenario"]: g for g in await AuditGrade.select().where(AuditGrade.scenario.is_in(ids)).output(load_json=True)
    }
    view = []
    for scenario in scenarios:
        own = replies.get(scenario["id"], [])
        timed = mail_rules.timing(
            scenario["sent_at"], own, calendar, now, campaign["ack_target_hours"], campaign["answer_target_days"]
        )
        answer = next((r for r in own if r["kind"] == "answer"), None)
        prefill_args = (
            answer["body"] if answer else None,
            scenario,
            timed,
            campaign["ack_target_hours"],
            campaign["answer_target_days"],
        )
        prefilled = mail_rules.prefill(*prefill_args)
        grade = grades.get(scenario["id"])
        shown = grade["checks"] if grade and grade["graded_at"] else prefilled
        if shown is not prefilled and i18n.current() != i18n.SOURCE:
            shown = _evidence_in_language(shown, prefilled, prefill_args)
        view.append(
            {
                "scenario": scenario,
                "replies": own,
                "answer": answer,
                "timing": timed,
                "prefilled": prefilled,
                "grade": grade,
                "checks": shown,
            }
        )
    return view


def _evidence_in_language(stored: dict[str, Any], prefilled: dict[str, Any], prefill_args: tuple) -> dict[str, Any]:
    """A confirmed grade's checks with their automatic evidence in the reader's language: the
    evidence is kept as it was found (in English, see `grade`), and shown translated where it is
    still what the answer gives."""
    with i18n.using(i18n.SOURCE):
        english = mail_rules.prefill(*prefill_args)
    shown = {}
    for code, check in stored.items():
        evidence = check.get("evidence") or ""
        if evidence and code in english and evidence == english[code]["evidence"]:
            check = {**check, "evidence": prefilled[code]["evidence"]}
        shown[code] = check
    return shown


async def save_grade(scenario_id: int, checks: dict[str, Any], note: str, user_id: int) -> float | None:
    """The grader's confirmed rubric: every check yes, no or not applicable (None)."""
    unknown = set(checks) - set(mail_rules.LABELS)
    if unknown:
        raise AuditError(_("unknown checks: %(codes)s") % {"codes": ", ".join(sorted(unknown))})
    value = mail_rules.score(checks)
    async with db.write_transaction():
        existing = await AuditGrade.select(AuditGrade.id).where(AuditGrade.scenario == scenario_id).first()
        values = {
            AuditGrade.checks: checks,
            AuditGrade.score: value,
            AuditGrade.note: note,
            AuditGrade.graded_by: user_id,
            AuditGrade.graded_at: datetime.now(timezone.utc),
        }
        if existing:
            await AuditGrade.update(values).where(AuditGrade.id == existing["id"])
        else:
            await AuditGrade.insert(AuditGrade(scenario=scenario_id, **{c._meta.name: v for c, v in values.items()}))
        await audit.record(user_id, "grade", "audit_scenario", scenario_id, score=value)
    return value


@dataclass
class DepartmentResult:
    department: str
    tested: int
    answered: int
    answered_in_time: int
    median_answer_days: float | None
    mean_score: float | None
    graded: int

    @property
    def in_time_share(self) -> float | None:
        return self.answered_in_time / self.tested if self.tested else None


def summarise_departments(view: list[dict]) -> dict[str, DepartmentResult]:
    """Per department: scenarios sent, answered, answered in time, median working days to the
    answer, mean confirmed score."""
    grouped: dict[str, list[dict]] = {}
    for item in view:
        if item["scenario"]["sent_at"] is None:
            continue
        grouped.setdefault(item["scenario"]["department_name"] or NO_DEPARTMENT, []).append(item)
    results = {}
    for name, items in sorted(grouped.items()):
        days = [i["timing"].answer_days for i in items if i["timing"].answer_days is not None]
        scores = [i["grade"]["score"] for i in items if i["grade"] and i["grade"]["score"] is not None]
        results[name] = DepartmentResult(
            department=name,
            tested=len(items),
            answered=len(days),
            answered_in_time=sum(1 for i in items if i["timing"].answer_met),
            median_answer_days=statistics.median(days) if days else None,
            mean_score=statistics.fmean(scores) if scores else None,
            graded=len(scores),
        )
    return results


async def previous_campaign(campaign_id: int) -> dict[str, Any] | None:
    return (
        await AuditCampaign.select()
        .where(AuditCampaign.id < campaign_id)
        .order_by(AuditCampaign.id, ascending=False)
        .first()
    )


async def results(campaign_id: int, calendar: WorkingCalendar, now: datetime | None = None) -> dict[str, Any]:
    """This campaign's results per department, beside the previous campaign's."""
    current = summarise_departments(await campaign_view(campaign_id, calendar, now))
    previous = await previous_campaign(campaign_id)
    before = summarise_departments(await campaign_view(previous["id"], calendar, now)) if previous else {}
    return {
        "previous": previous,
        "rows": [(name, current.get(name), before.get(name)) for name in sorted(set(current) | set(before))],
    }
