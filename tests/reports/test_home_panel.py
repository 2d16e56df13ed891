"""A manager's home page starts with the month's headline figures against their targets and
what needs attention (issue 17, "Home pages and navigation per role"); the centre-wide call tiles
are on the calls overview. Honest figures: each with its n, "too few to judge" below the
minimum n; on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from qa_app.tables import Call
from tests.web import HTML, login

PANEL = "/reports/home-panel"


def row_of(html: str, label: str) -> str:
    return re.search(rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", html, re.S).group(1)


async def test_a_managers_home_shows_the_targets_and_the_calls_overview_the_tiles(client, centre):
    await login(client, "manager@test.org")
    home = (await client.get("/", headers=HTML)).text
    assert f'hx-get="{PANEL}"' in home and "Calls offered" not in home
    assert 'href="/calls/overview"' in home
    overview = (await client.get("/calls/overview", headers=HTML)).text
    assert re.search(r"Calls offered</dt><dd>120</dd>", overview)

    panel = (await client.get(PANEL, headers=HTML)).text
    answered = row_of(panel, "Calls answered within the threshold")
    assert ">met<" in answered and ">120<" in answered  # every call answered in 10 s, n = 120
    assert "–" in row_of(panel, "Resolved at first contact")  # no cases: no figure, no verdict
    assert "Every measure with a target and enough data meets it so far." in panel


async def test_a_missed_target_needs_attention(client, centre):
    slow = [row["id"] for row in await Call.select(Call.id).order_by(Call.id).limit(60)]
    await Call.update({Call.wait_seconds: 300}).where(Call.id.is_in(slow))  # half answered after 5 minutes
    await login(client, "admin@test.org")
    panel = (await client.get(PANEL, headers=HTML)).text
    assert ">not met<" in row_of(panel, "Calls answered within the threshold")
    attention = panel[panel.index('id="needs-attention"') : panel.index("</div>")]
    assert "Calls answered within the threshold: 50" in attention and "against a target of 85" in attention


async def test_below_the_minimum_n_the_panel_judges_nothing(client, centre):
    keep = [row["id"] for row in await Call.select(Call.id).order_by(Call.id).limit(3)]
    await Call.delete().where(Call.id.not_in(keep))
    await Call.update({Call.wait_seconds: 300}).where(Call.id.is_in(keep))  # all slow, but only 3
    await login(client, "manager@test.org")
    panel = (await client.get(PANEL, headers=HTML)).text
    assert "too few to judge (n = 3)" in row_of(panel, "Calls answered within the threshold")
    assert "not met" not in panel and "Needs attention" not in panel
    assert "Too few calls and answers yet this month to judge any target." in panel


async def test_only_managers_and_administrators_have_the_panel(client, centre):
    for role in ("qa", "team_leader", "agent"):
        await login(client, f"{role}@test.org")
        assert (await client.get(PANEL, headers=HTML)).status_code == 403, role
        home = (await client.get("/", headers=HTML)).text
        assert PANEL not in home and "Calls offered" in home, role  # their call figures stay at home
        await client.post("/logout", headers=HTML)
        client.cookies.clear()


def test_a_share_whose_interval_holds_the_target_gets_no_verdict():
    from kit.stats import proportion_interval
    from reports import monthly

    close = proportion_interval(68, 100)  # 68%, its interval about 58%-76%: 70% is inside
    assert close.low <= 0.70 <= close.high
    assert monthly.verdict(close, 0.70, False, close.n, 5) == monthly.too_close()
    clear = proportion_interval(550, 1000)  # 55%, interval about 52%-58%: clearly under 70%
    assert monthly.verdict(clear, 0.70, False, clear.n, 5) is False
    assert monthly.verdict(proportion_interval(900, 1000), 0.70, False, 1000, 5) is True
    assert monthly.verdict(proportion_interval(1, 4), 0.70, False, 4, 5) == "too few to judge (n = 4)"
    assert monthly.verdict(None, 0.70, False, 0, 5) is None and monthly.verdict(0.5, None, False, 99, 5) is None
    assert monthly.verdict(20.0, 30.0, True, 100, 5) is True  # lower is better (seconds), no interval
