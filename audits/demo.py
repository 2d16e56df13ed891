"""The demo centre's mystery emails: two campaigns, last quarter's and this month's, to five
departments; replies (some automatic acknowledgements first, one never answered) taken in as
if fetched from the mailbox, and the older campaign graded."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from audits import campaigns
from audits.tables import AuditCampaign, AuditScenario
from audits.working_hours import from_settings
from qa_app import i18n
from qa_app.i18n import _
from qa_app.tables import Department

SCENARIOS = [
    (
        "Parking permit",
        "parking@city.example",
        "Parking and Transport",
        "Parking permit for a new resident",
        "Hello,\n\nI have just moved to Storgatan 5 and have a car. How do I get a residents' parking permit, "
        "and what does it cost?",
        "Apply online: e-service/online/website | Cost: kronor/cost | Proof of address: address",
        "Anna Svensson",
    ),
    (
        "Bulky waste",
        "waste@city.example",
        "Waste and Recycling",
        "Old sofa",
        "Hello,\n\nHow do I get rid of an old sofa? I have no car.",
        "Collection: collect/pick up | Booking: book | Cost: cost/free",
        "Bo Ek",
    ),
    (
        "School place",
        "education@city.example",
        "Education and Social Care",
        "School place for my son",
        "Hello,\n\nWe move to the city in August. How do we apply for a school place for our son (7)?",
        "Application: apply/application | Deadline: before/deadline",
        "Cecilia Lind",
    ),
    (
        "Shed permit",
        "planning@city.example",
        "Planning and Building Control",
        "Do I need a permit for a shed?",
        "Hello,\n\nI want to build a 12 m2 shed in my garden. Do I need a building permit?",
        "Size rule: 15/m2 | Neighbours: neighbour",
        "David Berg",
    ),
    (
        "Library card",
        "library@city.example",
        "Leisure and Culture",
        "Library card for my daughter",
        "Hello,\n\nCan my 8-year-old daughter get her own library card?",
        "Guardian: parent/guardian | Free: free",
        "Eva Holm",
    ),
]

GOOD = (
    "Dear {name},\n\nThank you for your question. {point}\n\nYour case number is {ref}.\n\n"
    "Kind regards\nKarin Nyberg, {department}\nPhone 08-123 456 00\n"
)
POOR = "Hi,\n\nsee the website.\n\n/{department}"
POINTS = {
    "Parking and Transport": "Apply in our e-service on the website; the permit costs 400 kronor a month and you show a proof "
    "of your new address.",
    "Waste and Recycling": "We collect bulky waste once a month. Book a pick up on the website; the cost is 150 kronor.",
    "Education and Social Care": "Apply for a school place in our e-service before 1 June; a parent must sign the application.",
    "Planning and Building Control": "A shed under 15 m2 needs no permit, but tell your neighbour if it is close to the boundary.",
    "Leisure and Culture": "Yes, a child can get a card for free at any library, together with a parent or guardian.",
}


def _message(scenario: dict, when: datetime, body: str, *, automatic: bool = False) -> bytes:
    message = EmailMessage()
    message["From"] = scenario["to_address"]
    message["To"] = "mystery@qa.city.example"
    subject = f"{scenario['subject']} (ref {scenario['token']})"
    message["Subject"] = f"Automatic reply: {subject}" if automatic else f"Re: {subject}"
    message["Date"] = format_datetime(when)
    message["Message-ID"] = make_msgid(domain="city.example")
    message["In-Reply-To"] = scenario["message_id"]
    if automatic:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(body)
    return message.as_bytes()


async def _campaign(name: str, sent: datetime, rng: random.Random, quality: float) -> int:
    rows = [
        {
            "title": title,
            "to_address": to,
            "department": department,
            "subject": subject,
            "question": question,
            "key_points": campaigns.parse_key_points(points),
            "resident_name": resident,
        }
        for title, to, department, subject, question, points, resident in SCENARIOS
    ]
    campaign = await campaigns.create_campaign(name, rows, sender="mystery@qa.city.example")
    messages = []
    for index, scenario in enumerate(await campaigns.scenarios_of(campaign)):
        message_id = make_msgid(domain="qa.city.example")
        await campaigns.record_sent_by_hand(scenario["id"], sent + timedelta(minutes=index * 7), message_id)
        scenario = {**scenario, "message_id": message_id}
        department = scenario["department_name"]
        if department == "Education and Social Care" and quality < 0.8:
            continue  # never answered
        if rng.random() < 0.6:
            messages.append(
                (
                    _message(
                        scenario,
                        sent + timedelta(minutes=index * 7 + 2),
                        "Thank you for your email. This is an automatic reply: we aim to answer within two "
                        "working days.",
                        automatic=True,
                    ),
                    None,
                )
            )
        delay = timedelta(hours=rng.choice([3, 20, 26, 50, 75]))
        body = (GOOD if rng.random() < quality else POOR).format(
            name=scenario["resident_name"],
            point=POINTS[department],
            ref=f"{sent.year}-{rng.randint(1000, 9999):06d}",
            department=department,
        )
        messages.append((_message(scenario, sent + delay, body), None))
    await campaigns.take_in(messages, "imap")
    return campaign


async def load(*, seed: int, today: date, echo: Callable[[str], None]) -> None:
    if await AuditCampaign.count():
        return
    rng = random.Random(seed + 7)
    zone = from_settings().tz

    # Tuesday mornings: 13 weeks ago and 2 weeks ago.
    def tuesday(weeks_ago: int) -> datetime:
        day = today - timedelta(weeks=weeks_ago)
        day -= timedelta(days=(day.weekday() - 1) % 7)
        return datetime.combine(day, time(9, 30), tzinfo=zone).astimezone(timezone.utc)

    older = await _campaign(f"Mystery emails {tuesday(13):%B %Y}", tuesday(13), rng, quality=0.5)
    await _campaign(f"Mystery emails {tuesday(2):%B %Y}", tuesday(2), rng, quality=0.85)
    calendar = from_settings()
    with i18n.using(i18n.SOURCE):  # the automatic checks' evidence is kept in English
        view = await campaigns.campaign_view(older, calendar)
    for item in view:
        if item["answer"] is None:
            continue
        checks = dict(item["prefilled"])
        for code in ("accurate", "clear_polite", "spelling"):
            checks[code] = {"value": rng.random() < 0.8, "evidence": "", "automatic": False}
        for code, check in checks.items():
            if check["value"] is None:
                checks[code] = {**check, "value": False}
        await campaigns.save_grade(item["scenario"]["id"], checks, "Graded in the demo.", None)
    departments = await Department.count()
    echo(
        _("mystery emails: 2 campaigns, %(emails)s test emails to %(departments)s departments")
        % {"emails": await AuditScenario.count(), "departments": departments}
    )
