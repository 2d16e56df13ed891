"""Report downloads by role, on a real database (SQLite and PostgreSQL): managers take the
centre's report as PDF, XLSX or CSV; a team leader only their own team's (asking for the
centre's, they get their team's); agents only their own
scorecard."""

from __future__ import annotations

import pytest

from tests.web import HTML, login


@pytest.mark.parametrize(
    "role, centre_report, north, south",
    [
        ("admin", 200, 200, 200),
        ("manager", 200, 200, 200),
        ("qa", 200, 200, 200),
        ("team_leader", 200, 200, 403),  # asking for the centre, a leader gets their own team's
        ("agent", 403, 403, 403),
    ],
)
async def test_who_takes_which_report(client, centre, role, centre_report, north, south):
    await login(client, f"{role}@test.org")
    month = "?month=2026-01"
    whole = await client.get(f"/reports/monthly.pdf{month}&team=", headers=HTML)
    assert whole.status_code == centre_report
    if whole.status_code == 200:
        assert whole.headers["content-type"] == "application/pdf" and whole.content.startswith(b"%PDF")
        from tests.reports.pdf import pdf_text

        title = " ".join(pdf_text(whole.content, "-l", "1").split("Made")[0].split())  # a long title wraps
        assert title == "Monthly quality report, January 2026" + (", team North" if role == "team_leader" else "")
    assert (await client.get(f"/reports/monthly.xlsx{month}&team=North", headers=HTML)).status_code == north
    assert (await client.get(f"/reports/monthly.zip{month}&team=South", headers=HTML)).status_code == south


async def test_an_agent_takes_their_own_scorecard_only(client, centre):
    await login(client, "agent@test.org")
    own = await client.get(f"/reports/agents/{centre['agents']['1']}.pdf?month=2026-01", headers=HTML)
    assert own.status_code == 200 and own.content.startswith(b"%PDF")
    other = await client.get(f"/reports/agents/{centre['agents']['2']}.pdf?month=2026-01", headers=HTML)
    assert other.status_code == 404
