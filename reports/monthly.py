"""The monthly quality report's content. Each package supplies its own figures (`qa_app.call_metrics`,
`cases.figures`, `surveys.figures`, `audits.figures`, `scorecards.figures`, `coaching.figures`),
the same functions its pages use; this module only lays them out as sections of tables, so the
PDF, the CSV and the XLSX exports show the same numbers.

A section whose data does not exist yet says so in one line rather than disappearing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from audits import figures as audit_figures
from cases import figures as case_figures
from coaching import figures as coaching_figures
from kit.stats import Estimate
from kit.timeutil import month_range, previous_month
from qa_app import call_metrics
from qa_app.settings import get_settings
from qa_app.tables import Agent, Team
from scorecards import config as scorecard_config
from scorecards import figures as scorecard_figures
from scorecards.balanced_queries import month_key
from surveys import figures as survey_figures

FCR_TARGET = 0.70  # Stockholm: 70% resolved at first contact
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Table:
    """A table of the report; `formats` say how each column is shown: text, int, pct, secs,
    score (a share shown as %), nps (-1..1 shown as -100..100), est (an Estimate, shown with its
    interval), bool (yes or no; a verdict withheld on too few, `too_few`, is text shown as it is)."""

    key: str
    title: str
    columns: list[str]
    formats: list[str]
    rows: list[list[Any]]
    empty: str = "No data for this month."


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # SVG documents
    note: str = ""  # one line when the section has no data yet


@dataclass
class MonthlyReport:
    month: date
    team: str | None
    generated_at: datetime
    sections: list[Section]

    @property
    def title(self) -> str:
        return f"Monthly quality report, {self.month:%B %Y}" + (f", team {self.team}" if self.team else "")

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]


def same_month_last_year(first: date) -> date:
    return first.replace(year=first.year - 1)


async def scope_for(team: str | None) -> tuple[list[int] | None, str | None]:
    """The agent ids of a team (None: the whole centre); an unknown team is an error."""
    if team is None:
        return None, None
    row = await Team.select(Team.id, Team.name).where(Team.name == team).first()
    if row is None:
        raise ValueError(f"no team named {team!r}")
    return [a["id"] for a in await Agent.select(Agent.id).where(Agent.team == row["id"])], row["name"]


@dataclass(frozen=True)
class Headline:
    """One month's headline figures (each None when there is no data)."""

    offered: int
    service_level: float | None
    asa: float | None
    abandonment: float | None
    aht: float | None
    fcr: Estimate
    csat: Estimate
    nps: Estimate


async def headline(first: date, agent_ids: list[int] | None) -> Headline:
    zone = get_settings().timezone
    start, end = month_range(first, zone)
    threshold = (await scorecard_config.load())["service_level_seconds"]
    calls = await call_metrics.call_figures(start, end, agent_ids=agent_ids, threshold_seconds=threshold)
    cases = await case_figures.month_figures(start, end, agent_ids)
    surveys = await survey_figures.figures(start, end, agent_ids=agent_ids)
    return Headline(
        offered=calls.offered,
        service_level=calls.service_level,
        asa=calls.average_speed_of_answer,
        abandonment=calls.abandonment_rate,
        aht=calls.average_handle_time,
        fcr=cases.first_contact_resolution,
        csat=surveys.csat,
        nps=surveys.nps,
    )


HEADLINE_ROWS = (
    # (label, attribute, unit, target key or fixed target, lower is better)
    ("Calls answered within the threshold", "service_level", "pct", "service_level", False),
    ("Average speed of answer", "asa", "secs", None, True),
    ("Abandoned calls", "abandonment", "pct", None, True),
    ("Resolved at first contact", "fcr", "pct", FCR_TARGET, False),
    ("Residents satisfied (CSAT)", "csat", "pct", "csat", False),
    ("Net promoter score (NPS)", "nps", "nps", None, False),
    ("Average handle time", "aht", "secs", None, True),
)


def too_few(n: int) -> str:
    """What a verdict column says instead of met or not met below the minimum n."""
    return f"too few to judge (n = {n})"


def _value(figures: Headline | None, attribute: str) -> float | None:
    if figures is None:
        return None
    value = getattr(figures, attribute)
    return value.value if isinstance(value, Estimate) else value


async def headline_section(first: date, agent_ids: list[int] | None) -> Section:
    settings = await scorecard_config.load()
    now = await headline(first, agent_ids)
    last = await headline(previous_month(first), agent_ids)
    last_year = await headline(same_month_last_year(first), agent_ids)
    rows = []
    for label, attribute, unit, target_key, lower in HEADLINE_ROWS:
        target = settings["targets"].get(target_key) if isinstance(target_key, str) else target_key
        value = _value(now, attribute)
        met = None if value is None or target is None else (value <= target if lower else value >= target)
        sample = getattr(now, attribute).n if isinstance(getattr(now, attribute), Estimate) else now.offered
        if met is not None and sample < settings["min_n"]:
            met = too_few(sample)  # no verdict on so few
        rows.append(
            [
                label,
                unit,
                value,
                sample,
                target,
                met,
                _value(last, attribute),
                _value(last_year, attribute),
            ]
        )
    threshold = settings["service_level_seconds"]
    table = Table(
        "headline",
        f"Headline figures (answered within {threshold} s)",
        ["Measure", "Unit", "This month", "n", "Target", "Met", "Last month", "Same month last year"],
        ["text", "text", "unit", "int", "unit", "bool", "unit", "unit"],
        rows,
    )
    return Section("headline", "Headline figures", [table], note="" if now.offered else "No calls this month yet.")


async def trend_section(first: date, agent_ids: list[int] | None) -> Section:
    from reports import charts

    months = [first]
    for _ in range(11):
        months.insert(0, previous_month(months[0]))
    series = {m: await headline(m, agent_ids) for m in months}
    settings = await scorecard_config.load()
    svg = charts.trend_grid(
        [m.strftime("%b %y") for m in months],
        [
            (
                "Answered within threshold",
                [_value(series[m], "service_level") for m in months],
                "pct",
                settings["targets"]["service_level"],
            ),
            ("Abandoned", [_value(series[m], "abandonment") for m in months], "pct", None),
            ("Average speed of answer (s)", [_value(series[m], "asa") for m in months], "num", None),
            ("Resolved at first contact", [_value(series[m], "fcr") for m in months], "pct", FCR_TARGET),
            ("CSAT", [_value(series[m], "csat") for m in months], "pct", settings["targets"]["csat"]),
            (
                "NPS",
                [None if _value(series[m], "nps") is None else 100 * _value(series[m], "nps") for m in months],
                "num",
                None,
            ),
            ("Average handle time (s)", [_value(series[m], "aht") for m in months], "num", None),
            ("Calls offered", [series[m].offered or None for m in months], "num", None),
        ],
    )
    table = Table(
        "trend",
        "Twelve months",
        ["Month", "Offered", "Within threshold", "Abandoned", "ASA", "First contact", "CSAT", "NPS", "AHT"],
        ["text", "int", "pct", "pct", "secs", "pct", "pct", "nps", "secs"],
        [
            [
                month_key(m),
                series[m].offered,
                series[m].service_level,
                series[m].abandonment,
                series[m].asa,
                series[m].fcr.value,
                series[m].csat.value,
                series[m].nps.value,
                series[m].aht,
            ]
            for m in months
        ],
    )
    return Section("trend", "Twelve-month trend", [table], [svg])


async def quality_section(first: date, agent_ids: list[int] | None) -> Section:
    quality = await scorecard_figures.quality_month(first, agent_ids)
    section = Section("quality", "Quality")
    if not quality.released:
        section.note = "No evaluation released this month yet."
    section.tables.append(
        Table(
            "quality_plan",
            "Evaluations against the plan",
            ["Planned (sampled calls)", "Released", "Share done"],
            ["int", "int", "pct"],
            [[quality.planned, quality.released, quality.released / quality.planned if quality.planned else None]],
        )
    )
    for group_key, title, groups in (
        ("team", "Mean score by team", quality.by_team),
        ("agent", "Mean score by agent", quality.by_agent),
    ):
        section.tables.append(
            Table(
                f"quality_by_{group_key}",
                title,
                [group_key.capitalize(), "n", "Mean", "95% low", "95% high"],
                ["text", "int", "pct", "pct", "pct"],
                [[name, e.n, e.value, e.low, e.high] for name, e in groups],
            )
        )
    section.tables.append(
        Table(
            "quality_targeted",
            "Calls picked for a reason (not in the figures above, which rest on random picks)",
            ["Reason", "Released", "Mean", "95% low", "95% high", "Evaluations zeroed"],
            ["text", "int", "pct", "pct", "pct", "int"],
            [[reason, n, e.value, e.low, e.high, zeroed] for reason, n, e, zeroed in quality.targeted],
            "No call picked for a reason was marked this month.",
        )
    )
    section.tables.append(
        Table(
            "quality_failed_criteria",
            "Most failed criteria",
            ["Criterion", "Failed", "Answered", "Failure rate"],
            ["text", "int", "int", "pct"],
            [[c, n, answered, n / answered] for c, n, answered in quality.failed_criteria],
            "No criterion failed this month.",
        )
    )
    section.tables.append(
        Table(
            "quality_critical",
            "Critical errors by group",
            ["Error group", "Evaluations zeroed"],
            ["text", "int"],
            [list(row) for row in quality.critical],
            "No critical error this month.",
        )
    )
    section.tables.append(
        Table(
            "quality_calibration",
            "Calibration sessions closed",
            ["Session", "Markers", "Krippendorff's alpha"],
            ["text", "int", "float"],
            [list(row) for row in quality.calibrations],
            "No calibration session closed this month.",
        )
    )
    return section


async def customers_section(first: date, agent_ids: list[int] | None) -> Section:
    start, end = month_range(first, get_settings().timezone)
    total = await survey_figures.figures(start, end, agent_ids=agent_ids)
    section = Section("customers", "Residents' surveys")
    if not total.responses:
        section.note = "No survey answers this month."
    columns = ["", "Answers", "Invited", "Response rate", "CSAT", "NPS", "CES", "Resolved"]
    formats = ["text", "int", "int", "pct", "est", "est_nps", "est_num", "est"]

    def row(name: str, f) -> list[Any]:
        return [name, f.responses, f.invited, f.response_rate.value, f.csat, f.nps, f.ces, f.resolution]

    groups = await survey_figures.by_group(start, end, agent_ids)
    section.tables.append(
        Table(
            "surveys_total",
            "All calls",
            columns,
            formats,
            [row("All calls", total)] if total.responses or total.invited else [],
        )
    )
    for key, title in (("team", "By team"), ("service", "By service")):
        section.tables.append(
            Table(
                f"surveys_by_{key}",
                title,
                [key.capitalize(), *columns[1:]],
                formats,
                [row(n, f) for n, f in groups[key]],
            )
        )
    praise = await survey_figures.praise(start, end, agent_ids, limit=5)
    others = await survey_figures.other_comments(start, end, agent_ids, limit=3)
    section.tables.append(
        Table(
            "surveys_comments",
            "Residents' words, praise first",
            ["Comment", "About", "Praise"],
            ["text", "text", "bool"],
            [[p["comment"], p["agent"] or "the centre", True] for p in praise]
            + [[o["comment"], o["agent"] or "the centre", False] for o in others],
            "No comment from residents this month.",
        )
    )
    return section


TEAM_EMAIL_NOTE = "Mystery-email results are in the centre's report."


async def email_section(first: date, team: str | None = None) -> Section:
    """The latest mystery-email campaign by department. Campaigns test departments, not teams,
    so a team's report only says where the results are."""
    section = Section("email", "Email channel: mystery emails")
    if team is not None:
        section.note = TEAM_EMAIL_NOTE
        return section
    _start, end = month_range(first, get_settings().timezone)
    latest = await audit_figures.latest_results(end)
    if latest is None:
        section.note = "No mystery-email campaign yet."
        return section
    campaign, result = latest
    rows = []
    for name, now, before in result["rows"]:
        rows.append(
            [
                name,
                now.tested if now else None,
                now.answered if now else None,
                now.in_time_share if now else None,
                now.median_answer_days if now else None,
                now.mean_score if now else None,
                before.in_time_share if before else None,
                before.mean_score if before else None,
            ]
        )
    previous = result["previous"]["name"] if result["previous"] else "no earlier campaign"
    section.tables.append(
        Table(
            "mystery_emails",
            f"{campaign['name']} by department (before: {previous})",
            [
                "Department",
                "Sent",
                "Answered",
                "In time",
                "Median working days",
                "Mean grade",
                "In time before",
                "Mean grade before",
            ],
            ["text", "int", "int", "pct", "float", "pct", "pct", "pct"],
            rows,
        )
    )
    return section


async def coaching_section(first: date, agent_ids: list[int] | None) -> Section:
    coaching = await coaching_figures.coaching_month(first, agent_ids)
    section = Section("coaching", "Coaching")
    if coaching.empty:
        section.note = "No coaching plan or session this month."
        return section
    section.tables.append(
        Table(
            "coaching_sessions",
            "Sessions",
            ["", "Scheduled", "Due by now", "Held (notes written)", "Acknowledged"],
            ["text", "int", "int", "int", "int"],
            [[s.label, s.scheduled, s.due, s.held, s.acknowledged] for s in coaching.sessions],
        )
    )
    met, total = coaching.goals_met, coaching.goals
    section.tables.append(
        Table(
            "coaching_goals",
            "Goals of the open plans",
            ["Plans", "Goals", "Met now", "Share met"],
            ["int", "int", "int", "pct"],
            [[coaching.open_plans, total, met, met / total if total else None]],
        )
    )
    return section


async def contacts_section(first: date, agent_ids: list[int] | None) -> Section:
    start, end = month_range(first, get_settings().timezone)
    contacts = await call_metrics.contact_counts(start, end, agent_ids=agent_ids)
    section = Section("contacts", "Contacts")
    if not contacts.calls:
        section.note = "No contacts this month yet."
    section.tables.append(
        Table(
            "contacts_by_service",
            "Calls by service",
            ["Service", "Calls"],
            ["text", "int"],
            [list(row) for row in contacts.by_service],
        )
    )
    section.tables.append(
        Table(
            "contacts_by_department",
            "Calls by department",
            ["Department", "Calls"],
            ["text", "int"],
            [list(row) for row in contacts.by_department],
        )
    )
    section.tables.append(
        Table(
            "contacts_by_hour",
            "Calls by hour of day",
            ["Hour", "Calls"],
            ["text", "int"],
            [[f"{hour:02d}:00", n] for hour, n in contacts.by_hour],
        )
    )
    section.tables.append(
        Table(
            "contacts_by_weekday",
            "Calls by weekday",
            ["Weekday", "Calls"],
            ["text", "int"],
            [[WEEKDAYS[day], n] for day, n in contacts.by_weekday],
        )
    )
    case_list = await case_figures.cases_in(start, end, agent_ids)
    rows = [
        [name, f.cases, f.first_contact_resolution.value, f.repeat_rate.value, f.closed_in_time.value]
        for name, f in case_figures.by_channel(case_list).items()
    ]
    section.tables.append(
        Table(
            "cases_by_channel",
            "Cases by channel",
            ["Channel", "Cases", "First contact", "Repeats", "Closed in time"],
            ["text", "int", "pct", "pct", "pct"],
            rows,
            "No case logged this month.",
        )
    )
    repeats = [[name, f.cases, f.repeat_rate.value] for name, f in case_figures.most_repeated(case_list)]
    section.tables.append(
        Table(
            "repeat_contacts",
            "Repeat contacts by service",
            ["Service", "Cases", "Repeat rate"],
            ["text", "int", "pct"],
            repeats,
            "No repeat contact this month.",
        )
    )
    return section


async def build(first: date, team: str | None = None) -> MonthlyReport:
    agent_ids, team_name = await scope_for(team)
    headline_part = await headline_section(first, agent_ids)
    trend = await trend_section(first, agent_ids)
    headline_part.charts, trend.charts = trend.charts, []  # the charts under the headline table
    sections = [
        headline_part,
        trend,
        await quality_section(first, agent_ids),
        await customers_section(first, agent_ids),
        await email_section(first, team_name),
        await coaching_section(first, agent_ids),
        await contacts_section(first, agent_ids),
    ]
    return MonthlyReport(first, team_name, datetime.now(timezone.utc), sections)
