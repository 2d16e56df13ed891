"""The scorecard pages and texts in the reader's language (issue 21): an agent who chose Swedish
reads their month in Swedish with Swedish number formats; an automatic answer's evidence, stored
in English, is said again in Swedish; English stays as it was."""

from __future__ import annotations

from qa_app import i18n
from qa_app.tables import User
from scorecards import automatic
from scorecards.balanced import Inputs, balanced_scorecard
from scorecards.config import DEFAULTS
from tests.web import HTML, login


def test_automatic_evidence_is_said_again_in_the_readers_language():
    waited = {"measure": "wait_seconds", "value": 77, "max": 60, "summary": "Answered after 1:17, over 1:00."}
    heard = {
        "phrase": "my name is",
        "at": 2.4,
        "phrases": ["my name is"],
        "present": True,
        "within": "first",
        "seconds": 20,
        "summary": "“my name is” at 0:02.",
    }
    assert automatic.summary_of(waited) == "Answered after 1:17, over 1:00."
    assert automatic.summary_of(heard) == "“my name is” at 0:02."
    with i18n.using("sv"):
        assert automatic.summary_of(waited) == "Besvarat efter 1:17, över 1:00."
        assert automatic.summary_of(heard) == "”my name is” vid 0:02."
    with i18n.using("nl"):
        assert automatic.summary_of(waited) == "Beantwoord na 1:17, boven 1:00."


def test_the_balanced_scorecards_words_follow_the_language():
    card = balanced_scorecard(Inputs(scores_month=(0.9, 0.8)), DEFAULTS["weights"], DEFAULTS["targets"])
    assert card.part("quality").title == "Quality"
    assert card.part("quality").measures[0].verdict == "too few to judge (n = 2)"
    with i18n.using("sv"):
        card = balanced_scorecard(Inputs(scores_month=(0.9, 0.8)), DEFAULTS["weights"], DEFAULTS["targets"])
        assert card.part("quality").title == "Kvalitet"
        assert card.part("quality").measures[0].verdict == "för få för att bedöma (n = 2)"


async def test_a_swedish_agent_reads_their_month_in_swedish(client, centre):
    agent_user = centre["users"]["agent"]
    await User.update({User.language: "sv"}).where(User.id == agent_user)
    await login(client, "agent@test.org")
    page = await client.get(f"/scorecards/agents/{centre['agents']['1']}", headers=HTML)
    assert page.status_code == 200
    assert "Min månad" in page.text and "Balanserat styrkort" in page.text
    assert "Kontroller av alla samtal" in page.text
    assert "My month" not in page.text and "Balanced scorecard" not in page.text
