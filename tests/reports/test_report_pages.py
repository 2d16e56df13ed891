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


async def test_mystery_emails_are_in_the_centres_report_not_a_teams(client, centre):
    """The mystery-email campaign measures departments, not teams: a team's report says where
    its results are (and its exports have no such table); the centre's report shows them."""
    import io
    from datetime import datetime, timezone

    from openpyxl import load_workbook

    from audits.tables import AuditCampaign, AuditScenario
    from qa_app.tables import Department
    from tests.reports.pdf import pdf_text

    department = (await Department.insert(Department(name="Parking Permits")).returning(Department.id))[0]["id"]
    sent = datetime(2026, 1, 12, 9, tzinfo=timezone.utc)
    campaign = (
        await AuditCampaign.insert(AuditCampaign(name="Winter audit", created_at=sent)).returning(AuditCampaign.id)
    )[0]["id"]
    await AuditScenario.insert(
        AuditScenario(
            campaign=campaign,
            title="Permit for a visitor",
            to_address="parking@city.example",
            department=department,
            subject="Visitor permit",
            question="How do I get a visitor permit?",
            token="QA-TOKEN-1",
            sent_at=sent,
        )
    )
    pointer = "Mystery-email results are in the centre's report."

    await login(client, "manager@test.org")
    centre_pdf = await client.get("/reports/monthly.pdf?month=2026-01", headers=HTML)
    text = " ".join(pdf_text(centre_pdf.content).split())
    assert centre_pdf.status_code == 200
    assert "Winter audit by department" in text and "Parking Permits" in text and pointer not in text
    centre_book = load_workbook(io.BytesIO((await client.get("/reports/monthly.xlsx?month=2026-01")).content))
    assert "mystery_emails" in centre_book.sheetnames

    client.cookies.clear()  # sign out
    await login(client, "team_leader@test.org")
    for query in ("", "&team=North"):
        team_pdf = await client.get(f"/reports/monthly.pdf?month=2026-01{query}", headers=HTML)
        text = " ".join(pdf_text(team_pdf.content).split())
        assert team_pdf.status_code == 200 and "team North" in text
        assert "Email channel: mystery emails" in text and pointer in text
        assert "Winter audit" not in text and "Parking Permits" not in text
    team_book = load_workbook(io.BytesIO((await client.get("/reports/monthly.xlsx?month=2026-01")).content))
    assert "mystery_emails" not in team_book.sheetnames and "surveys_comments" in team_book.sheetnames
    # A manager asking for one team's report gets the same pointer.
    client.cookies.clear()
    await login(client, "manager@test.org")
    north = await client.get("/reports/monthly.pdf?month=2026-01&team=North", headers=HTML)
    assert pointer in " ".join(pdf_text(north.content).split())
