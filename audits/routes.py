"""Pages of the mystery-email audits: campaigns, one campaign's test emails with their timing
and results per department, and the grading of one reply.

QA staff and administrators run campaigns (create, send, fetch, upload, grade); managers read
them. Agents and team leaders have no business here: audits are about departments' mailboxes.
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from msgspec import Struct

from audits import campaigns, mail_rules
from audits.mailbox import MailboxError, fetch_imap, read_upload
from audits.tables import AuditCampaign, AuditReply, AuditScenario
from audits.working_hours import from_settings
from kit.table_file import ImportError_
from qa_app import i18n, mail
from qa_app.auth import require
from qa_app.i18n import _
from qa_app.settings import get_settings
from qa_app.tables import Role
from qa_app.web import Form, Upload, dynamic_form, problem

READERS = (Role.admin, Role.manager, Role.qa)
RUNNERS = (Role.admin, Role.qa)
UPLOAD_LIMIT = 50 * 1024 * 1024


class CampaignForm(Struct):
    name: str = ""
    sender: str = ""
    ack_hours: str = ""
    answer_days: str = ""
    scenarios: UploadFile | None = None  # an empty file input arrives as None


class RepliesForm(Struct):
    # The uploaded files. Not list[UploadFile]: a file input left empty sends one empty text
    # part, which must give the page below, not the framework's 400.
    files: list[Any] = []


class ReplyKindForm(Struct):
    kind: str = ""


class SentForm(Struct):
    sent_at: str = ""
    message_id: str = ""


async def _campaign(campaign_id: int) -> dict[str, Any]:
    row = await AuditCampaign.select().where(AuditCampaign.id == campaign_id).first()
    if row is None:
        raise NotFoundException()
    return row


@get("/audits", name="audits", guards=[require(*READERS)], include_in_schema=False)
async def campaigns_page(request: Request) -> Template:
    campaigns = await AuditCampaign.select().order_by(AuditCampaign.id, ascending=False)
    counts: dict[int, dict[str, int]] = {}
    for row in await AuditScenario.select(AuditScenario.campaign, AuditScenario.sent_at):
        entry = counts.setdefault(row["campaign"], {"scenarios": 0, "sent": 0})
        entry["scenarios"] += 1
        entry["sent"] += row["sent_at"] is not None
    return Template(
        "audits/campaigns.html",
        context={"campaigns": campaigns, "counts": counts, "can_run": request.user.role in RUNNERS},
    )


@post("/audits", guards=[require(*RUNNERS)], include_in_schema=False, request_max_body_size=UPLOAD_LIMIT)
async def create_campaign(request: Request, data: Upload[CampaignForm]) -> Redirect | Template:
    upload = data.scenarios
    if upload is None or not upload.filename:
        return problem(_("The campaign was not created"), _("Choose the CSV file of scenarios."))
    try:
        ack_hours, answer_days = int(data.ack_hours or 8), int(data.answer_days or 2)
    except ValueError:
        return problem(_("The campaign was not created"), _("The targets are whole numbers of hours and days."))
    try:
        text = (await upload.read()).decode("utf-8-sig")
        scenarios = campaigns.scenarios_from(io.StringIO(text, newline=""))
        campaign = await campaigns.create_campaign(
            data.name,
            scenarios,
            sender=data.sender.strip(),
            ack_target_hours=ack_hours,
            answer_target_days=answer_days,
            user_id=request.user.id,
        )
    except UnicodeDecodeError:
        return problem(
            _("The campaign was not created"), _("The scenario file is not UTF-8 text (save it as CSV UTF-8).")
        )
    except (ImportError_, campaigns.AuditError, ValueError) as error:
        return problem(_("The campaign was not created"), str(error))
    return Redirect(f"/audits/{campaign}")


@get("/audits/{campaign_id:int}", name="audit_campaign", guards=[require(*READERS)], include_in_schema=False)
async def campaign_page(request: Request, campaign_id: FromPath[int]) -> Template:
    campaign = await _campaign(campaign_id)
    calendar = from_settings()
    settings = get_settings()
    return Template(
        "audits/campaign.html",
        context={
            "campaign": campaign,
            "view": await campaigns.campaign_view(campaign_id, calendar),
            "results": await campaigns.results(campaign_id, calendar),
            "status_label": mail_rules.status_label,
            "no_department": campaigns.NO_DEPARTMENT,
            "unmatched": await AuditReply.count().where(AuditReply.scenario.is_null()),
            "can_run": request.user.role in RUNNERS,
            "smtp": bool(settings.smtp_url),
            "imap": bool(settings.imap_url),
        },
    )


@post("/audits/{campaign_id:int}/send", guards=[require(*RUNNERS)], include_in_schema=False)
async def send_campaign(request: Request, campaign_id: FromPath[int]) -> Redirect | Template:
    await _campaign(campaign_id)
    try:
        await campaigns.send_campaign(campaign_id, user_id=request.user.id)
    except (campaigns.AuditError, mail.MailError) as error:
        return problem(_("The test emails were not all sent"), str(error))
    return Redirect(f"/audits/{campaign_id}")


@post("/audits/{campaign_id:int}/fetch", guards=[require(*RUNNERS)], include_in_schema=False)
async def fetch_replies(request: Request, campaign_id: FromPath[int]) -> Redirect | Template:
    await _campaign(campaign_id)
    try:
        messages = await asyncio.to_thread(fetch_imap)
    except MailboxError as error:
        return problem(_("The mailbox could not be read"), str(error))
    await campaigns.take_in(messages, "imap")
    return Redirect(f"/audits/{campaign_id}")


@post(
    "/audits/{campaign_id:int}/upload",
    guards=[require(*RUNNERS)],
    include_in_schema=False,
    request_max_body_size=UPLOAD_LIMIT,
)
async def upload_replies(campaign_id: FromPath[int], data: Upload[RepliesForm]) -> Redirect | Template:
    await _campaign(campaign_id)
    messages = []
    try:
        for upload in data.files:
            if isinstance(upload, UploadFile) and upload.filename:
                messages += read_upload(upload.filename, await upload.read())
    except MailboxError as error:
        return problem(_("The replies were not taken in"), str(error))
    if not messages:
        return problem(_("The replies were not taken in"), _("Choose one or more .eml or .mbox files."))
    intake = await campaigns.take_in(messages, "upload")
    if intake.unreadable and not intake.matched:
        return problem(_("No reply was taken in"), "; ".join(intake.unreadable))
    return Redirect(f"/audits/{campaign_id}")


async def _scenario(scenario_id: int) -> dict[str, Any]:
    row = await AuditScenario.select(AuditScenario.campaign).where(AuditScenario.id == scenario_id).first()
    if row is None:
        raise NotFoundException()
    return row


@get("/audits/scenarios/{scenario_id:int}", name="audit_scenario", guards=[require(*READERS)], include_in_schema=False)
async def scenario_page(request: Request, scenario_id: FromPath[int]) -> Template:
    row = await _scenario(scenario_id)
    campaign = await _campaign(row["campaign"])
    item = next(
        i for i in await campaigns.campaign_view(campaign["id"], from_settings()) if i["scenario"]["id"] == scenario_id
    )
    return Template(
        "audits/scenario.html",
        context={
            "campaign": campaign,
            "item": item,
            "rubric": mail_rules.RUBRIC,
            "status_label": mail_rules.status_label,
            "matched_by_label": mail_rules.matched_by_label,
            "can_run": request.user.role in RUNNERS,
        },
    )


@post("/audits/scenarios/{scenario_id:int}/grade", guards=[require(*RUNNERS)], include_in_schema=False)
async def grade(request: Request, scenario_id: FromPath[int]) -> Redirect | Template:
    row = await _scenario(scenario_id)
    form = await dynamic_form(request)  # one field per check of the rubric, and the note
    with i18n.using(i18n.SOURCE):  # the evidence is kept in English and shown in the reader's language
        view = await campaigns.campaign_view(row["campaign"], from_settings())
    item = next(i for i in view if i["scenario"]["id"] == scenario_id)
    checks = {}
    for code, _label, _automatic in mail_rules.RUBRIC:
        choice = form.get(code, "")
        if choice not in ("yes", "no", "na"):
            return problem(
                _("The grade was not saved"),
                _("Answer every check (missing: %(check)s).") % {"check": mail_rules.LABELS[code]},
            )
        before = item["prefilled"][code]
        checks[code] = {
            "value": {"yes": True, "no": False, "na": None}[choice],
            "evidence": before["evidence"],
            "automatic": before["automatic"],
            "changed": before["automatic"] and before["value"] != {"yes": True, "no": False, "na": None}[choice],
        }
    await campaigns.save_grade(scenario_id, checks, str(form.get("note", "")), request.user.id)
    return Redirect(f"/audits/{row['campaign']}")


@post("/audits/replies/{reply_id:int}/kind", guards=[require(*RUNNERS)], include_in_schema=False)
async def reply_kind(
    request: Request,
    reply_id: FromPath[int],
    data: Form[ReplyKindForm],
) -> Redirect:
    reply = await AuditReply.select(AuditReply.scenario).where(AuditReply.id == reply_id).first()
    if reply is None or reply["scenario"] is None:
        raise NotFoundException()
    try:
        await campaigns.set_reply_kind(reply_id, data.kind, request.user.id)
    except campaigns.AuditError as error:
        return problem(_("Not changed"), str(error))
    return Redirect(f"/audits/scenarios/{reply['scenario']}")


@post("/audits/scenarios/{scenario_id:int}/sent", guards=[require(*RUNNERS)], include_in_schema=False)
async def sent_by_hand(
    request: Request,
    scenario_id: FromPath[int],
    data: Form[SentForm],
) -> Redirect | Template:
    await _scenario(scenario_id)
    try:
        local = datetime.fromisoformat(data.sent_at)
    except ValueError:
        return problem(_("Not recorded"), _("Give the time the email was sent, like 2026-04-02T14:00."))
    if local.tzinfo is None:
        local = local.replace(tzinfo=get_settings().timezone)
    await campaigns.record_sent_by_hand(scenario_id, local, data.message_id.strip() or None, request.user.id)
    return Redirect(f"/audits/scenarios/{scenario_id}")


ROUTES = [
    campaigns_page,
    create_campaign,
    campaign_page,
    send_campaign,
    fetch_replies,
    upload_replies,
    scenario_page,
    grade,
    reply_kind,
    sent_by_hand,
]
