"""Versions of the post-call survey: like a scorecard, a published survey never changes; an
edit is published as the next version and becomes the one new links use, while links already
sent keep the version they were sent with."""

from __future__ import annotations

from typing import Any

from qa_app import audit, db
from surveys.invitations import default_template
from surveys.questions import SURVEY_KEY, definition_problems
from surveys.tables import SurveyTemplate


class SurveyVersionError(Exception):
    pass


async def all_versions() -> list[dict[str, Any]]:
    await default_template()  # the first version exists once anyone looks
    return (
        await SurveyTemplate.select(
            SurveyTemplate.all_columns(), SurveyTemplate.published_by.name.as_alias("published_by_name")
        )
        .order_by(SurveyTemplate.version, ascending=False)
        .output(load_json=True)
    )


async def publish(definition: Any, name: str, user_id: int | None) -> int:
    problems = definition_problems(definition)
    if problems:
        raise SurveyVersionError("; ".join(problems))
    current = await default_template()
    async with db.write_transaction():
        latest = (
            await SurveyTemplate.select(SurveyTemplate.version)
            .order_by(SurveyTemplate.version, ascending=False)
            .first()
        )
        await SurveyTemplate.update({SurveyTemplate.is_default: False}).where(SurveyTemplate.is_default == True)  # noqa: E712
        row = await SurveyTemplate.insert(
            SurveyTemplate(
                key=SURVEY_KEY,
                version=latest["version"] + 1,
                name=name.strip() or current["name"],
                definition=definition,
                is_default=True,
                published_by=user_id,
            )
        ).returning(SurveyTemplate.id)
        await audit.record(user_id, "publish", "survey_template", row[0]["id"], version=latest["version"] + 1)
    return row[0]["id"]
