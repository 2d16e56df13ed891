"""The mystery-email figures for the monthly report: the campaigns of a month, each with its
results per department beside the campaign before it.

A campaign belongs to the month its first test email was sent in, not the month it was made in:
a campaign prepared in October and sent on 17 November is November's. A campaign whose sending
runs over a month's end stays whole in the month it started, so each campaign is reported once,
with all its emails; a campaign not sent yet is in no month."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from audits import campaigns
from audits.tables import AuditCampaign, AuditScenario
from audits.working_hours import from_settings


def first_sent(sendings: Iterable[tuple[int, datetime | None]]) -> dict[int, datetime]:
    """Campaign id -> when its first test email went out, from (campaign id, sent at) pairs;
    emails not sent yet (None) do not count."""
    first: dict[int, datetime] = {}
    for campaign, sent_at in sendings:
        if sent_at is not None and (campaign not in first or sent_at < first[campaign]):
            first[campaign] = sent_at
    return first


def sent_in(first: dict[int, datetime], start: datetime, end: datetime) -> list[int]:
    """The campaigns of the month [start, end): those whose first email was sent in it, in the
    order they were sent."""
    return [c for c, sent_at in sorted(first.items(), key=lambda item: (item[1], item[0])) if start <= sent_at < end]


async def campaigns_sent_in(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The campaigns (rows) whose first test email was sent in [start, end)."""
    rows = await AuditScenario.select(AuditScenario.campaign, AuditScenario.sent_at).where(
        AuditScenario.sent_at.is_not_null() & (AuditScenario.sent_at < end)
    )
    ids = sent_in(first_sent((r["campaign"], r["sent_at"]) for r in rows), start, end)
    if not ids:
        return []
    by_id = {c["id"]: c for c in await AuditCampaign.select().where(AuditCampaign.id.is_in(ids))}
    return [by_id[i] for i in ids]


async def month_results(start: datetime, end: datetime) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(campaign, results) for each campaign sent in [start, end); empty when none was."""
    calendar = from_settings()
    return [(c, await campaigns.results(c["id"], calendar)) for c in await campaigns_sent_in(start, end)]
