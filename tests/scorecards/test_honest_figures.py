"""Honest figures (issue 15): every interval of the balanced scorecard stays inside its measure's
bounds and holds its value; a measure resting on fewer than the minimum n is "too few to judge"
on the agent's month, the team's month and the printed agent card, with no red flag; and a
call QA picked for a reason (a targeted pick), once marked, is listed under its reason on the
agent's month but leaves the agent's quality figure as the random picks make it."""

from __future__ import annotations

import math
import re
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from kit.timeutil import current_month
from qa_app.auth import load_user
from qa_app.settings import get_settings
from qa_app.tables import Call
from reports import agent_card, monthly, render
from scorecards import config, evaluations, figures, versions
from scorecards.balanced import Inputs, Sums, balanced_scorecard
from scorecards.config import DEFAULTS
from scorecards.evaluations import Marked
from scorecards.tables import Assignment, Evaluation, PickKind, Sample
from tests.web import HTML, login

BOUNDS = {"share": (0.0, 1.0), "seconds": (0.0, math.inf)}


@st.composite
def scorecard_inputs(draw) -> Inputs:
    scores = st.lists(st.floats(0, 1), max_size=12)
    month = draw(scores)
    handle = draw(st.lists(st.integers(0, 3600), max_size=30))
    answered_within = draw(st.integers(0, len(handle)))
    rostered = draw(st.integers(0, 25))
    worked = draw(st.integers(0, rostered))
    survey = draw(st.none() | st.integers(0, 40).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
    return Inputs(
        scores_month=month,
        scores_three_months=month + draw(scores),
        survey=survey,
        answered=len(handle),
        answered_within=answered_within,
        handle=Sums(len(handle), float(sum(handle)), float(sum(h * h for h in handle))),
        team_handle_mean=draw(st.none() | st.floats(1, 1000)),
        days_rostered=rostered,
        days_worked=worked,
        days_on_time=draw(st.integers(0, worked)),
    )


@settings(max_examples=300, deadline=None)
@given(scorecard_inputs(), st.integers(1, 10))
def test_no_measure_leaves_its_bounds_and_too_few_gives_no_verdict(inputs, min_n):
    card = balanced_scorecard(inputs, DEFAULTS["weights"], DEFAULTS["targets"], min_n=min_n)
    for part in card.parts:
        for m in part.measures:
            e = m.estimate
            if e.value is None:
                assert e.n == 0 and m.met is None and not m.too_few and m.verdict == ""
                continue
            lower, upper = BOUNDS[m.unit]
            assert lower <= e.value <= upper
            if e.low is not None:
                assert lower <= e.low <= e.value <= e.high <= upper, (m.key, e)
            if m.unit == "share":  # a share or a mean score: always a range, never a point
                assert e.low is not None and e.low < e.high, (m.key, e)
            if e.n < min_n:
                assert m.too_few and m.met is None and m.attainment is None
                assert m.verdict == f"too few to judge (n = {e.n})"
            else:
                assert not m.too_few and (m.met is None) == (m.target is None)
                assert m.verdict == ("" if m.met is None else ("met" if m.met else "not met"))
        judged = [m for m in part.measures if m.scored and m.met is not None]
        assert (part.met is None) == (not judged)
        assert part.met is not False or any(m.met is False for m in judged)  # a red flag needs a judged miss
        if not judged:
            assert part.value is None
    assert card.overall is None or 0 <= card.overall <= 1


# --- on the pages ---------------------------------------------------------------------------------


async def _month_key(agent_id: int) -> tuple:
    first_call = (await Call.select(Call.offered_at).where(Call.agent == agent_id).first())["offered_at"]
    month = current_month(get_settings().timezone, first_call)
    return month, month.strftime("%Y-%m")


def _section(html: str, labelled_by: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{labelled_by}">(.*?)</section>', html, re.DOTALL)
    assert found, labelled_by
    return found.group(1)


def _team_row(html: str, agent_id: int) -> str:
    found = re.search(
        rf'<a href="/scorecards/agents/{agent_id}\?month=[^"]*">[^<]*</a></th>(.*?)</tr>', html, re.DOTALL
    )
    assert found
    return found.group(1)


async def test_a_measure_below_the_minimum_n_is_too_few_to_judge_and_raises_no_red_flag(client, centre):
    """Three released evaluations of 20%, 30% and 40%, far below the 85% target: with the
    minimum n at its default (5) the quality figure is shown with its n and range but judged
    neither way; with the minimum at 3 the same figure is "not met" with its red flag."""
    agent_1 = centre["agents"]["1"]
    month, key = await _month_key(agent_1)
    template = (await versions.default())["id"]
    scores = (0.2, 0.3, 0.4)
    for call, score in zip(centre["calls"][agent_1], scores, strict=False):
        await Evaluation.insert(
            Evaluation(call=call, agent=agent_1, template=template, month=key, status="released", score=score)
        )
    assert (await config.load())["min_n"] == 5 > len(scores)
    await login(client, "team_leader@test.org")
    agent_page = (await client.get(f"/scorecards/agents/{agent_1}?month={key}", headers=HTML)).text
    quality = _section(agent_page, "part-quality")
    assert f"{100 * statistics.fmean(scores):.1f}%" in quality  # the figure is still shown
    assert "too few to judge (n = 3)" in quality
    assert "not met" not in quality and "below target" not in quality and "tag fail" not in quality
    team_page = (await client.get(f"/scorecards/teams/{centre['teams']['north']}?month={key}", headers=HTML)).text
    row = _team_row(team_page, agent_1)
    assert "too few to judge (n = 3)" in row and " bad" not in row and "▼" not in row
    agents = [a for a in await agent_card.agents_of("North") if a["id"] == agent_1]
    printed = render.html("reports/agent.html", cards=await agent_card.build(agents, month), month_key=key)
    quality_row = re.search(r"<tr><td>Mean evaluation score</td>(.*?)</tr>", printed, re.DOTALL).group(1)
    assert "too few to judge (n = 3)" in quality_row and "missed" not in quality_row

    # The same scores with the minimum at 3: judged, and the red flags are there.
    await config.save({"min_n": 3}, None)
    agent_page = (await client.get(f"/scorecards/agents/{agent_1}?month={key}", headers=HTML)).text
    quality = _section(agent_page, "part-quality")
    assert "too few to judge" not in quality and "not met" in quality and "below target" in quality
    team_page = (await client.get(f"/scorecards/teams/{centre['teams']['north']}?month={key}", headers=HTML)).text
    row = _team_row(team_page, agent_1)
    assert "too few to judge" not in row and 'class="num bad"' in row and "▼" in row


async def _quality_row(client, agent_id: int, key: str) -> tuple[str, str]:
    page = (await client.get(f"/scorecards/agents/{agent_id}?month={key}", headers=HTML)).text
    card = _section(page, "part-quality")
    return re.search(r"Mean evaluation score</th>(.*?)</tr>", card, re.DOTALL).group(1), page


async def test_a_marked_targeted_pick_leaves_the_quality_figure_and_is_listed_under_its_reason(client, centre):
    """Five random picks marked 80%, 90%, 100%, 70% and 85%; then a call picked for a reason is
    marked through the marking functions with every criterion failed (0%). The agent's quality
    figure (value, n, range) is the same before and after, and the marked call is listed apart
    under its reason, not among the random picks."""
    agent_1 = centre["agents"]["1"]
    month, key = await _month_key(agent_1)
    template = (await versions.default())["id"]
    calls = centre["calls"][agent_1]
    sample = (await Sample.insert(Sample(month=key, seed=1)).returning(Sample.id))[0]["id"]
    random_scores = (0.8, 0.9, 1.0, 0.7, 0.85)
    for call, score in zip(calls, random_scores, strict=False):
        pick = (
            await Assignment.insert(
                Assignment(sample=sample, agent=agent_1, call=call, marker=centre["users"]["qa"])
            ).returning(Assignment.id)
        )[0]["id"]
        await Evaluation.insert(
            Evaluation(
                call=call, agent=agent_1, template=template, assignment=pick, month=key, status="released", score=score
            )
        )
    reason = "Resident asked for a manager"
    targeted = (
        await Assignment.insert(
            Assignment(
                sample=sample,
                agent=agent_1,
                call=calls[len(random_scores)],
                marker=centre["users"]["qa"],
                kind=PickKind.targeted,
                reason=reason,
            )
        ).returning(Assignment.id)
    )[0]["id"]
    await login(client, "team_leader@test.org")
    before, _page = await _quality_row(client, agent_1, key)
    assert f"{100 * statistics.fmean(random_scores):.1f}%" in before and '<td class="num">5</td>' in before
    figures_before = await figures.quality_month(month, [agent_1])

    qa = await load_user(centre["users"]["qa"])
    evaluation_id = await evaluations.start_for_assignment(targeted, qa)
    definition = versions.definition_of(await versions.default())
    # Every criterion failed, the automatic ones too (overridden, so with a reason).
    failed = {c.code: Marked(0, reason="Failed for the test") for c in definition.criteria()}
    await evaluations.save(evaluation_id, qa, failed, "", submit=True)
    marked = await Evaluation.select(Evaluation.status, Evaluation.score).where(Evaluation.id == evaluation_id).first()
    assert marked["status"] == "released" and marked["score"] is not None
    counted = statistics.fmean([*random_scores, marked["score"]])
    assert abs(counted - statistics.fmean(random_scores)) > 0.1  # counting it would move the figure

    after, page = await _quality_row(client, agent_1, key)
    assert after == before
    targeted_part = _section(page, "targeted-picks")
    assert "Calls picked for a reason" in targeted_part and "do not count in the quality figure" in targeted_part
    listed = re.search(rf"<h3>{reason}</h3>(.*?)</table>", targeted_part, re.DOTALL)
    assert listed and f'href="/evaluations/{evaluation_id}"' in listed.group(1)
    random_part = page[: page.index('aria-labelledby="targeted-picks"')]
    assert f'href="/evaluations/{evaluation_id}"' not in random_part
    assert f"{len(random_scores)} of {DEFAULTS['per_agent']} planned" in random_part

    # The team's month counts the random picks against the plan and the targeted one apart.
    team_page = (await client.get(f"/scorecards/teams/{centre['teams']['north']}?month={key}", headers=HTML)).text
    assert "+ 1 picked for a reason" in _team_row(team_page, agent_1)

    # The month's QA figures (the monthly report's) likewise: the mean by agent is the random
    # picks', and the targeted pick is reported apart under its reason.
    figures_after = await figures.quality_month(month, [agent_1])
    assert figures_after.by_agent == figures_before.by_agent
    assert figures_after.released == figures_before.released == len(random_scores)
    assert figures_after.planned == len(random_scores)
    [(listed_reason, n, estimate, _zeroed)] = figures_after.targeted
    assert (listed_reason, n, estimate.value) == (reason, 1, marked["score"])
    tables = {t.key: t for t in (await monthly.quality_section(month, [agent_1])).tables}
    [by_agent] = tables["quality_by_agent"].rows
    assert by_agent[1:3] == [len(random_scores), statistics.fmean(random_scores)]
    assert [row[:3] for row in tables["quality_targeted"].rows] == [[reason, 1, marked["score"]]]

    # The agent sees the same, in their own words.
    await client.post("/logout", data={"_csrf_token": re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)})
    await login(client, "agent@test.org")
    own, page = await _quality_row(client, agent_1, key)
    assert own == before and "do not count in your quality figure" in _section(page, "targeted-picks")
