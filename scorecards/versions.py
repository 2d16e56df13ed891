"""Scorecard templates and their versions.

A version, once published, is never written again: `publish()` always inserts the next
version of the family, and evaluations point at the version they were marked on. The
default municipal template is published on first use.
"""

from __future__ import annotations

from typing import Any

from qa_app import audit, db
from qa_app.i18n import _
from scorecards.default_template import DEFAULT_DEFINITION, DEFAULT_TEMPLATE_KEY, DEFAULT_TEMPLATE_NAME
from scorecards.definition import Definition, DefinitionError, definition_to_json, parse_definition
from scorecards.tables import ScorecardTemplate


async def get(template_id: int) -> dict[str, Any] | None:
    return await ScorecardTemplate.select().where(ScorecardTemplate.id == template_id).output(load_json=True).first()


def definition_of(row: dict[str, Any]) -> Definition:
    return parse_definition(row["definition"])


async def default() -> dict[str, Any]:
    """The version new evaluations use; the shipped municipal template on first use."""
    row = (
        await ScorecardTemplate.select()
        .where(ScorecardTemplate.is_default == True)  # noqa: E712
        .order_by(ScorecardTemplate.version, ascending=False)
        .output(load_json=True)
        .first()
    )
    if row is None:
        await publish(DEFAULT_TEMPLATE_KEY, DEFAULT_TEMPLATE_NAME, DEFAULT_DEFINITION, note="shipped default")
        return await default()
    return row


async def publish(
    key: str, name: str, definition: dict[str, Any], *, note: str = "", user_id: int | None = None
) -> int:
    """Publish the next version of `key` (checked first) and make it the default; returns its id."""
    parsed = parse_definition(definition)
    if not name.strip():
        raise DefinitionError(_("the scorecard needs a name"))
    async with db.write_transaction():
        latest = (
            await ScorecardTemplate.select(ScorecardTemplate.version)
            .where(ScorecardTemplate.key == key)
            .order_by(ScorecardTemplate.version, ascending=False)
            .first()
        )
        version = (latest["version"] + 1) if latest else 1
        await ScorecardTemplate.update({ScorecardTemplate.is_default: False}).where(
            ScorecardTemplate.is_default == True  # noqa: E712
        )
        rows = await ScorecardTemplate.insert(
            ScorecardTemplate(
                key=key,
                version=version,
                name=name.strip(),
                definition=definition_to_json(parsed),
                is_default=True,
                published_by=user_id,
                note=note,
            )
        ).returning(ScorecardTemplate.id)
        template_id = rows[0]["id"]
        await audit.record(user_id, "publish", "scorecard_template", template_id, key=key, version=version)
    return template_id


async def all_versions() -> list[dict[str, Any]]:
    return (
        await ScorecardTemplate.select(
            ScorecardTemplate.id,
            ScorecardTemplate.key,
            ScorecardTemplate.version,
            ScorecardTemplate.name,
            ScorecardTemplate.is_default,
            ScorecardTemplate.published_at,
            ScorecardTemplate.note,
            ScorecardTemplate.published_by.name.as_alias("published_by_name"),
        )
        .order_by(ScorecardTemplate.key)
        .order_by(ScorecardTemplate.version, ascending=False)
    )
