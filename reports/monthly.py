"""The monthly quality report's content: every figure read through the same functions the pages
use (`qa_app.call_metrics`, `surveys.figures`, `qa_app.case_rules`, `surveys.audits`,
`scorecards`, `coaching.plans`), laid out as sections of tables, so the PDF, the CSV and the
XLSX exports show the same numbers.

A section whose data does not exist yet says so in one line rather than disappearing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from cases import case_rules, register
from cases.tables import Case
from qa_app import call_metrics
from qa_app.settings import get_settings
from qa_app.stats import Estimate, mean_interval
from qa_app.tables import Agent, Call, Team
from qa_app.timeutil import month_range, previous_month
from scorecards import config as scorecard_config
from scorecards.balanced_queries import month_key
from scorecards.tables import Assignment, CalibrationSession, Evaluation, EvaluationAnswer, PickStatus, Sample
from surveys.tables import SurveyResponse

FCR_TARGET = 0.70  # Stockholm: 70% resolved at first contact
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Table:
    """A table of the report; `formats` say how each column is shown: text, int, pct, secs,
    score (a share shown as %), nps (-1..1 shown as -100..100), est (an Estimate, shown with its
    interval), bool."""

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
    from surveys.figures import figures as survey_figures

    zone = get_settings().timezone
    start, end = month_range(first, zone)
    threshold = (await scorecard_config.load())["service_level_seconds"]
    calls = await call_metrics.call_figures(start, end, agent_ids=agent_ids, threshold_seconds=threshold)
    where = (Case.created_at >= start) & (Case.created_at < end)
    if agent_ids is not None:
        where &= Case.agent.is_in(agent_ids or [-1])
    case_figures = case_rules.figures(await register.case_rows(where))
    surveys = await survey_figures(start, end, agent_ids=agent_ids)
    return Headline(
        offered=calls.offered,
        service_level=calls.service_level,
        asa=calls.average_speed_of_answer,
        abandonment=calls.abandonment_rate,
        aht=calls.average_handle_time,
        fcr=case_figures.first_contact_resolution,
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
    key = month_key(first)
    where = (Evaluation.month == key) & Evaluation.calibration.is_null() & (Evaluation.status != "draft")
    if agent_ids is not None:
        where &= Evaluation.agent.is_in(agent_ids or [-1])
    evaluations = (
        await Evaluation.select(
            Evaluation.id,
            Evaluation.score,
            Evaluation.critical_failed,
            Evaluation.groups,
            Evaluation.agent.name.as_alias("agent"),
            Evaluation.agent.team.name.as_alias("team"),
        )
        .where(where)
        .output(load_json=True)
    )
    sample = await Sample.select(Sample.id).where(Sample.month == key).first()
    planned = 0
    if sample:
        picks = Assignment.count().where((Assignment.sample == sample["id"]) & (Assignment.status == PickStatus.active))
        if agent_ids is not None:
            picks = picks.where(Assignment.agent.is_in(agent_ids or [-1]))
        planned = await picks
    section = Section("quality", "Quality")
    if not evaluations:
        section.note = "No evaluation released this month yet."
    section.tables.append(
        Table(
            "quality_plan",
            "Evaluations against the plan",
            ["Planned (sampled calls)", "Released", "Share done"],
            ["int", "int", "pct"],
            [[planned, len(evaluations), len(evaluations) / planned if planned else None]],
        )
    )
    for group_key, title in (("team", "Mean score by team"), ("agent", "Mean score by agent")):
        grouped: dict[str, list[float]] = defaultdict(list)
        for e in evaluations:
            if e["score"] is not None:
                grouped[e[group_key] or "(none)"].append(e["score"])
        rows = []
        for name, scores in sorted(grouped.items()):
            estimate = mean_interval(scores)
            low = None if estimate.low is None else max(0.0, estimate.low)  # a score lies in 0..1
            high = None if estimate.high is None else min(1.0, estimate.high)
            rows.append([name, estimate.n, estimate.value, low, high])
        section.tables.append(
            Table(
                f"quality_by_{group_key}",
                title,
                [group_key.capitalize(), "n", "Mean", "95% low", "95% high"],
                ["text", "int", "pct", "pct", "pct"],
                rows,
            )
        )
    answers = await EvaluationAnswer.select(EvaluationAnswer.criterion, EvaluationAnswer.passed).where(
        EvaluationAnswer.evaluation.is_in([e["id"] for e in evaluations] or [-1])
        & EvaluationAnswer.passed.is_not_null()
    )
    failed, answered = Counter(), Counter()
    for a in answers:
        answered[a["criterion"]] += 1
        failed[a["criterion"]] += not a["passed"]
    section.tables.append(
        Table(
            "quality_failed_criteria",
            "Most failed criteria",
            ["Criterion", "Failed", "Answered", "Failure rate"],
            ["text", "int", "int", "pct"],
            [[c, n, answered[c], n / answered[c]] for c, n in failed.most_common(10) if n],
            "No criterion failed this month.",
        )
    )
    critical = Counter()
    for e in evaluations:
        for group, result in (e["groups"] or {}).items():
            if isinstance(result, dict) and result.get("zeroed"):
                critical[group] += 1
    section.tables.append(
        Table(
            "quality_critical",
            "Critical errors by group",
            ["Error group", "Evaluations zeroed"],
            ["text", "int"],
            [[g, n] for g, n in sorted(critical.items())],
            "No critical error this month.",
        )
    )
    section.tables.append(await _calibration_table(first))
    return section


async def _calibration_table(first: date) -> Table:
    from scorecards import calibration_store

    zone = get_settings().timezone
    start, end = month_range(first, zone)
    rows = []
    for session in await CalibrationSession.select(CalibrationSession.id, CalibrationSession.title).where(
        (CalibrationSession.closed_at >= start) & (CalibrationSession.closed_at < end)
    ):
        result = await calibration_store.results(session["id"])
        rows.append([session["title"], len(result["ratings"]), result["alpha"]])
    return Table(
        "quality_calibration",
        "Calibration sessions closed",
        ["Session", "Markers", "Krippendorff's alpha"],
        ["text", "int", "float"],
        rows,
        "No calibration session closed this month.",
    )


async def customers_section(first: date, agent_ids: list[int] | None) -> Section:
    from surveys import figures

    start, end = month_range(first, get_settings().timezone)
    total = await figures.figures(start, end, agent_ids=agent_ids)
    section = Section("customers", "Residents' surveys")
    if not total.responses:
        section.note = "No survey answers this month."
    columns = ["", "Answers", "Invited", "Response rate", "CSAT", "NPS", "CES", "Resolved"]
    formats = ["text", "int", "int", "pct", "est", "est_nps", "est_num", "est"]

    def row(name: str, f) -> list[Any]:
        return [name, f.responses, f.invited, f.response_rate.value, f.csat, f.nps, f.ces, f.resolution]

    groups = await figures.by_group(start, end, agent_ids)
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
    praise = await figures.praise(start, end, agent_ids, limit=5)
    others = SurveyResponse.select(SurveyResponse.comment, SurveyResponse.call.agent.name.as_alias("agent")).where(
        (SurveyResponse.call.offered_at >= start)
        & (SurveyResponse.call.offered_at < end)
        & (SurveyResponse.praise == False)  # noqa: E712
        & (SurveyResponse.comment != "")
    )
    if agent_ids is not None:
        others = others.where(SurveyResponse.call.agent.is_in(agent_ids or [-1]))
    others = await others.order_by(SurveyResponse.created_at, ascending=False).limit(3)
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


async def email_section(first: date) -> Section:
    from audits import campaigns
    from audits.tables import AuditCampaign
    from audits.working_hours import from_settings

    _start, end = month_range(first, get_settings().timezone)
    campaign = (
        await AuditCampaign.select()
        .where(AuditCampaign.created_at < end)
        .order_by(AuditCampaign.created_at, ascending=False)
        .first()
    )
    section = Section("email", "Email channel: mystery emails")
    if campaign is None:
        section.note = "No mystery-email campaign yet."
        return section
    result = await campaigns.results(campaign["id"], from_settings())
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
    from coaching import plans
    from coaching.tables import CoachingPlan, CoachingSession

    start, end = month_range(first, get_settings().timezone)
    sessions = CoachingSession.select(
        CoachingSession.kind, CoachingSession.starts_at, CoachingSession.notes, CoachingSession.acknowledged_at
    ).where((CoachingSession.starts_at >= start) & (CoachingSession.starts_at < end))
    open_plans = CoachingPlan.select(CoachingPlan.id, CoachingPlan.agent).where(CoachingPlan.status == "open")
    if agent_ids is not None:
        sessions = sessions.where(CoachingSession.agent.is_in(agent_ids or [-1]))
        open_plans = open_plans.where(CoachingPlan.agent.is_in(agent_ids or [-1]))
    sessions, open_plans = await sessions, await open_plans
    section = Section("coaching", "Coaching")
    if not sessions and not open_plans:
        section.note = "No coaching plan or session this month."
        return section
    now = datetime.now(timezone.utc)
    rows = []
    for kind, label in (("weekly", "Weekly check-ins"), ("monthly", "Monthly reviews")):
        own = [s for s in sessions if s["kind"] == kind]
        due = [s for s in own if s["starts_at"] <= now]
        held = [s for s in due if s["notes"] or s["acknowledged_at"]]
        rows.append([label, len(own), len(due), len(held), sum(1 for s in own if s["acknowledged_at"])])
    section.tables.append(
        Table(
            "coaching_sessions",
            "Sessions",
            ["", "Scheduled", "Due by now", "Held (notes written)", "Acknowledged"],
            ["text", "int", "int", "int", "int"],
            rows,
        )
    )
    met = total = 0
    for plan in open_plans:
        for _goal, progress in await plans.goal_progress(plan["agent"], plan["id"]):
            total += 1
            met += progress.met is True
    section.tables.append(
        Table(
            "coaching_goals",
            "Goals of the open plans",
            ["Plans", "Goals", "Met now", "Share met"],
            ["int", "int", "int", "pct"],
            [[len(open_plans), total, met, met / total if total else None]],
        )
    )
    return section


async def contacts_section(first: date, agent_ids: list[int] | None) -> Section:
    start, end = month_range(first, get_settings().timezone)
    zone = get_settings().timezone
    query = Call.select(
        Call.offered_at, Call.service.name.as_alias("service"), Call.service.department.name.as_alias("department")
    ).where((Call.offered_at >= start) & (Call.offered_at < end))
    if agent_ids is not None:
        query = query.where(Call.agent.is_in(agent_ids or [-1]))
    calls = await query
    section = Section("contacts", "Contacts")
    if not calls:
        section.note = "No contacts this month yet."
    by_service = Counter(c["service"] or "(not recorded)" for c in calls)
    by_department = Counter(c["department"] or "(not recorded)" for c in calls)
    hours = Counter(c["offered_at"].astimezone(zone).hour for c in calls)
    weekdays = Counter(c["offered_at"].astimezone(zone).weekday() for c in calls)
    section.tables.append(
        Table(
            "contacts_by_service",
            "Calls by service",
            ["Service", "Calls"],
            ["text", "int"],
            [[k, n] for k, n in by_service.most_common()],
        )
    )
    section.tables.append(
        Table(
            "contacts_by_department",
            "Calls by department",
            ["Department", "Calls"],
            ["text", "int"],
            [[k, n] for k, n in by_department.most_common()],
        )
    )
    section.tables.append(
        Table(
            "contacts_by_hour",
            "Calls by hour of day",
            ["Hour", "Calls"],
            ["text", "int"],
            [[f"{h:02d}:00", hours[h]] for h in sorted(hours)],
        )
    )
    section.tables.append(
        Table(
            "contacts_by_weekday",
            "Calls by weekday",
            ["Weekday", "Calls"],
            ["text", "int"],
            [[WEEKDAYS[d], weekdays[d]] for d in sorted(weekdays)],
        )
    )
    where = (Case.created_at >= start) & (Case.created_at < end)
    if agent_ids is not None:
        where &= Case.agent.is_in(agent_ids or [-1])
    case_list = await register.case_rows(where)
    rows = [
        [name, f.cases, f.first_contact_resolution.value, f.repeat_rate.value, f.closed_in_time.value]
        for name, f in case_rules.by(case_list, "channel").items()
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
    repeats = [
        [name, f.cases, f.repeat_rate.value]
        for name, f in sorted(
            case_rules.by(case_list, "service_name").items(),
            key=lambda item: -item[1].repeat_rate.value if item[1].repeat_rate.value else 0,
        )
        if f.repeat_rate.value
    ][:10]
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
        await email_section(first),
        await coaching_section(first, agent_ids),
        await contacts_section(first, agent_ids),
    ]
    return MonthlyReport(first, team_name, datetime.now(timezone.utc), sections)
