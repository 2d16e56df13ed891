"""The demo centre's case register: about one answered call in six logged as a case, described
the way agents type, most resolved at first contact, some transferred to the department, with
repeat contacts where a caller rang again about the same thing; and a few Open311 reports from
a city app. Written in bulk: a demo of 50,000 calls must load in seconds."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from cases import case_rules
from cases.tables import Case, CaseEvent, CaseLink
from qa_app import db
from qa_app.i18n import _
from qa_app.settings import get_settings
from qa_app.tables import Call, Service

OPENERS = ["", "Caller asks about ", "Resident reports: ", "Question on ", "Enquiry - ", "Called about "]
DETAILS = [
    "",
    " on Mill Road",
    " at Church Street",
    " near the station",
    ", second time this month",
    ", wants a call back",
    ", elderly resident",
    " for her mother",
]
STREETS = ["Mill Road", "Church Street", "Station Road", "High Street", "Park Lane", "Northfield Way", ""]
DISTRICTS = ["North", "South", "East", "West", "Centre"]


def describe(service: str, keywords: str, rng: random.Random) -> str:
    words = [w for w in (keywords or service).split() if len(w) > 2] or service.split()
    thing = " ".join(rng.sample(words, k=min(len(words), rng.randint(1, 3))))
    return f"{rng.choice(OPENERS)}{thing}{rng.choice(DETAILS)}".strip()


async def load(*, seed: int, today: date, echo: Callable[[str], None]) -> None:
    if await Case.count():
        return
    rng = random.Random(seed + 23)
    zone = get_settings().timezone
    services = {
        s["id"]: s for s in await Service.select(Service.id, Service.name, Service.keywords, Service.target_days)
    }
    calls = (
        await Call.select(Call.id, Call.agent, Call.service, Call.caller_hash, Call.offered_at, Call.talk_seconds)
        .where(Call.answered_at.is_not_null() & Call.service.is_not_null())
        .order_by(Call.offered_at)
    )
    cases, links, events = [], [], []
    sequence: dict[int, int] = defaultdict(int)
    recent: dict[int, list[dict]] = defaultdict(list)  # per service, the last 14 days' cases
    now = datetime.now(timezone.utc)
    for call in calls:
        if rng.random() > 0.16:
            continue
        service = services[call["service"]]
        opened = call["offered_at"] + timedelta(seconds=call["talk_seconds"] or 60)
        local = opened.astimezone(zone)
        sequence[local.year] += 1
        address = rng.choice(STREETS)
        row = {
            "id": len(cases) + 1,
            "service": service["id"],
            "caller_hash": call["caller_hash"],
            "address": f"{rng.randint(1, 80)} {address}" if address else "",
            "created_at": opened,
        }
        window = [
            c for c in recent[service["id"]] if opened - c["created_at"] <= timedelta(days=case_rules.REPEAT_DAYS)
        ]
        recent[service["id"]] = [*window, row]
        repeat = case_rules.repeat_of(row, window)
        resolved_now = rng.random() < (0.55 if repeat else 0.72)
        due = case_rules.due_date(local.date(), service["target_days"])
        if resolved_now:
            status, closed = "resolved", opened
        else:
            done_after = timedelta(days=rng.choice([1, 2, 4, 7, 12, 20]))
            closed = opened + done_after if opened + done_after < now else None
            status = "resolved" if closed else rng.choice(["open", "in_progress", "transferred"])
        cases.append(
            Case(
                tracking_number=case_rules.tracking_number(local.year, sequence[local.year]),
                channel="phone",
                service=service["id"],
                description=describe(service["name"], service["keywords"], rng),
                status=status,
                first_contact_resolution=resolved_now,
                created_at=opened,
                updated_at=closed or opened,
                due=due,
                closed_at=closed,
                address=row["address"],
                district=rng.choice(DISTRICTS) if row["address"] else "",
                caller_hash=call["caller_hash"],
                repeat_of=repeat,
                agent=call["agent"],
            )
        )
        links.append((row["id"], call["id"]))
        events.append((row["id"], opened, status if resolved_now else "open"))
    async with db.write_transaction():
        ids = []
        for first in range(0, len(cases), 500):
            ids += [r["id"] for r in await Case.insert(*cases[first : first + 500]).returning(Case.id)]
        # Our numbering of the rows above -> the database's ids (repeats point at the earlier case).
        by_position = dict(enumerate(ids, start=1))
        for position, case_id in by_position.items():
            repeat = cases[position - 1].repeat_of
            if repeat:
                await Case.update({Case.repeat_of: by_position[repeat]}).where(Case.id == case_id)
        rows_links = [CaseLink(case=by_position[p], kind="call", ref=call_id) for p, call_id in links]
        rows_events = [CaseEvent(case=by_position[p], at=at, status=s, note="opened") for p, at, s in events]
        for first in range(0, len(rows_links), 500):
            await CaseLink.insert(*rows_links[first : first + 500])
            await CaseEvent.insert(*rows_events[first : first + 500])
    repeats = sum(1 for c in cases if c.repeat_of)
    echo(
        _("case register: %(cases)s cases from calls, %(repeats)s of them repeat contacts")
        % {"cases": len(cases), "repeats": repeats}
    )
