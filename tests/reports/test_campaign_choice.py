"""Which mystery-email campaigns a month's report shows (issue 17), on hand-made data and a real
database (SQLite and PostgreSQL): a campaign belongs to the month its first email was sent in,
in the centre's time zone, not the month it was made in; a campaign sent over a month's end stays
whole in the month it started; a month without any sent says so in a sentence."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from audits import figures
from audits.tables import AuditCampaign, AuditScenario
from qa_app.settings import get_settings
from qa_app.tables import Department
from reports import monthly

UTC = timezone.utc


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment on the centre's clock, stored as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=get_settings().timezone).astimezone(UTC)


def test_the_rule_first_email_decides():
    october, november, december = (datetime(2026, m, 1, tzinfo=UTC) for m in (10, 11, 12))
    sendings = [
        (1, datetime(2026, 11, 17, 9, tzinfo=UTC)),  # made long before: the sending counts
        (2, datetime(2026, 10, 30, 9, tzinfo=UTC)),  # over the month's end: October's, whole
        (2, datetime(2026, 11, 2, 9, tzinfo=UTC)),
        (3, None),  # not sent yet: in no month
        (4, datetime(2026, 11, 3, 9, tzinfo=UTC)),
        (4, None),
    ]
    first = figures.first_sent(sendings)
    assert first == {1: sendings[0][1], 2: sendings[1][1], 4: sendings[4][1]}
    assert figures.sent_in(first, november, december) == [4, 1]  # in the order they were sent
    assert figures.sent_in(first, october, november) == [2]
    assert figures.sent_in({}, october, november) == []


async def _campaign(name: str, created: datetime, sent: list[datetime | None], department: int) -> int:
    campaign = (await AuditCampaign.insert(AuditCampaign(name=name, created_at=created)).returning(AuditCampaign.id))[
        0
    ]["id"]
    for number, sent_at in enumerate(sent):
        await AuditScenario.insert(
            AuditScenario(
                campaign=campaign,
                title=f"Question {number}",
                to_address="parking@city.example",
                department=department,
                subject="Visitor permit",
                question="How do I get a visitor permit?",
                token=f"{name[:6]}-{number}",
                sent_at=sent_at,
            )
        )
    return campaign


def _titles(section: monthly.Section) -> list[str]:
    return [t.title for t in section.tables]


async def test_a_campaign_is_in_the_month_it_was_sent(clean_db):
    department = (await Department.insert(Department(name="Parking Permits")).returning(Department.id))[0]["id"]
    # Made in October, sent on 17 November.
    await _campaign("Autumn audit", local(date(2026, 10, 5), 10), [local(date(2026, 11, 17), 9)] * 2, department)
    # Made and sent just after midnight on 1 December, centre's time (still 30 November in UTC).
    await _campaign("Winter audit", local(date(2026, 11, 30), 12), [local(date(2026, 12, 1), 0, 30)], department)
    # Made in November, never sent.
    await _campaign("Draft audit", local(date(2026, 11, 20), 12), [None], department)

    november = await monthly.email_section(date(2026, 11, 1))
    assert _titles(november) == ["Autumn audit by department (before: no earlier campaign)"]
    assert november.note == "A campaign counts in the month its first email was sent, with all its emails."
    assert november.tables[0].rows[0][:2] == ["Parking Permits", 2]

    october = await monthly.email_section(date(2026, 10, 1))
    assert october.tables == [] and october.note == "No mystery emails were sent in October 2026."

    december = await monthly.email_section(date(2026, 12, 1))
    assert _titles(december) == ["Winter audit by department (before: Autumn audit)"]


async def test_a_campaign_sent_over_a_months_end_is_the_first_months(clean_db):
    department = (await Department.insert(Department(name="Waste")).returning(Department.id))[0]["id"]
    late = local(date(2026, 10, 30), 15)
    await _campaign("Bins audit", late - timedelta(days=20), [late, late + timedelta(days=4)], department)

    october = await monthly.email_section(date(2026, 10, 1))
    assert _titles(october) == ["Bins audit by department (before: no earlier campaign)"]
    assert october.tables[0].rows[0][1] == 2  # both emails, the one sent in November too
    november = await monthly.email_section(date(2026, 11, 1))
    assert november.tables == [] and november.note == "No mystery emails were sent in November 2026."
    # A team's report only points to the centre's.
    assert (await monthly.email_section(date(2026, 10, 1), "North")).note == str(monthly.TEAM_EMAIL_NOTE)


async def test_two_campaigns_sent_in_one_month_are_both_shown(clean_db):
    department = (await Department.insert(Department(name="Housing")).returning(Department.id))[0]["id"]
    await _campaign("Second", local(date(2026, 9, 1), 9), [local(date(2026, 9, 20), 9)], department)
    await _campaign("First", local(date(2026, 9, 2), 9), [local(date(2026, 9, 10), 9)], department)
    september = await monthly.email_section(date(2026, 9, 1))
    assert [t.key for t in september.tables] == ["mystery_emails", "mystery_emails_2"]
    assert [t.title.split(" by ")[0] for t in september.tables] == ["First", "Second"]
