"""The mystery-email figures for the monthly report: the latest campaign made before a moment,
with its results per department beside the campaign before it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from audits import campaigns
from audits.tables import AuditCampaign
from audits.working_hours import from_settings


async def latest_results(before: datetime) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(campaign, results) of the newest campaign created before `before`, or None."""
    campaign = (
        await AuditCampaign.select()
        .where(AuditCampaign.created_at < before)
        .order_by(AuditCampaign.created_at, ascending=False)
        .first()
    )
    if campaign is None:
        return None
    return campaign, await campaigns.results(campaign["id"], from_settings())
