"""A coaching session as an iCalendar invitation (.ics), written with the `icalendar` package:
the start in the centre's time zone (with its VTIMEZONE, so Outlook and phones show the right
hour across daylight-saving changes), the agent and the team leader, and a link to the
session's page with its prepared summary. Its texts are in the current language (that of the
person who takes the file)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from qa_app.i18n import _, _l

PRODID = "-//Municipal contact-centre QA//Coaching//EN"
TITLES = {"weekly": _l("Weekly check-in"), "monthly": _l("Monthly review")}


def session_calendar(row: dict[str, Any], tz: ZoneInfo, base_url: str, domain: str = "qa.local") -> bytes:
    """`row` is a session as `coaching.plans.session()` returns it."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"coaching-session-{row['id']}@{domain}")
    event.add("sequence", row.get("sequence") or 0)
    event.add("dtstamp", datetime.now(timezone.utc))
    start = row["starts_at"].astimezone(tz)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=row["minutes"]))
    title = TITLES.get(row["kind"]) or _l("Coaching")
    event.add("summary", _("%(title)s: %(agent)s") % {"title": title, "agent": row["agent_name"]})
    link = f"{base_url.rstrip('/')}/coaching/sessions/{row['id']}"
    event.add("description", _("The prepared summary, notes and your reflection: %(link)s") % {"link": link})
    event.add("url", link)
    if row.get("place"):
        event.add("location", row["place"])
    if row.get("leader_email"):
        organizer = vCalAddress(f"mailto:{row['leader_email']}")
        organizer.params["cn"] = vText(row.get("leader_name") or row["leader_email"])
        event.add("organizer", organizer)
    if row.get("agent_email"):
        attendee = vCalAddress(f"mailto:{row['agent_email']}")
        attendee.params["cn"] = vText(row["agent_name"])
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
