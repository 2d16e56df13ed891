"""`qa demo` builds a believable centre, once."""

from __future__ import annotations

from collections import Counter
from datetime import date

from qa_app.demo import credentials_path, load_demo
from qa_app.security import verify_password
from qa_app.settings import get_settings
from qa_app.tables import Agent, Attendance, Call, Department, Role, Service, Team, User
from tests.demo_data import TODAY


async def test_demo_centre(demo_centre):
    logins = demo_centre.logins
    assert await Team.count() == 3
    assert await Agent.count() == 30
    assert await Service.count() == 40 and await Department.count() == 10
    assert {r["service_class"] for r in await Service.select(Service.service_class)} == {"A", "B", "C"}

    # One login per role, and the printed passwords work.
    assert sorted(role for role, _e, _p in logins) == sorted(r.value for r in Role)
    for role, email, password in logins:
        user = await User.select(User.password_hash, User.role).where(User.email == email).first()
        assert user["role"] == role and verify_password(user["password_hash"], password)
    assert credentials_path().stat().st_mode & 0o777 == 0o600
    agent_user = await Agent.select(Agent.user.email.as_alias("email")).where(Agent.staff_number == "1001").first()
    assert agent_user["email"] == "agent@demo.example.org"

    # Three full months before this one, and this month to yesterday.
    zone = get_settings().timezone
    rows = await Call.select(Call.offered_at, Call.disposition, Call.wait_seconds, Call.talk_seconds, Call.service)
    first, last = min(r["offered_at"] for r in rows), max(r["offered_at"] for r in rows)
    assert first.astimezone(zone).date() >= date(2026, 8, 1) and first.astimezone(zone).date() <= date(2026, 8, 3)
    assert last.astimezone(zone).date() == date(2026, 11, 21)
    assert 35_000 < len(rows) < 70_000

    # Realistic shape: Monday busiest, nothing on Sundays, a mid-morning peak, a few % abandoned.
    weekdays = Counter(r["offered_at"].astimezone(zone).weekday() for r in rows)
    assert weekdays[6] == 0 and weekdays[0] == max(weekdays.values())
    hours = Counter(r["offered_at"].astimezone(zone).hour for r in rows)
    assert max(hours, key=hours.get) in (9, 10) and hours[7] == 0 and hours[18] == 0
    abandoned = sum(r["disposition"] == "abandoned" for r in rows) / len(rows)
    assert 0.02 < abandoned < 0.12
    answered = [r for r in rows if r["disposition"] != "abandoned"]
    within_60 = sum(r["wait_seconds"] <= 60 for r in answered) / len(answered)
    assert 0.7 < within_60 < 0.98
    assert all(r["service"] is not None for r in answered)
    assert all(r["talk_seconds"] >= 20 for r in answered)

    # Attendance for the rota, with some absence and lateness.
    absences = Counter(r["absence"] for r in await Attendance.select(Attendance.absence))
    assert absences[""] > 1000 and absences["sick"] > 0 and absences["leave"] > 0
    assert await Attendance.count().where(Attendance.minutes_late > 0) > 0

    # Running it again changes nothing and keeps the passwords.
    again = await load_demo(seed=1, echo=lambda _m: None, today=TODAY)
    assert again == logins
    assert await Call.count() == len(rows)
