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

from babel import dates as babel_dates

from audits import figures as audit_figures
from cases import figures as case_figures
from cases.case_rules import channel_label
from coaching import figures as coaching_figures
from kit.stats import Estimate
from kit.timeutil import month_range, previous_month
from qa_app import call_metrics, formatting, i18n
from qa_app.i18n import _, _l
from qa_app.settings import get_settings
from qa_app.tables import Agent, Team
from scorecards import config as scorecard_config
from scorecards import figures as scorecard_figures
from scorecards import outcome_store
from scorecards.balanced_queries import month_key
from surveys import figures as survey_figures

FCR_TARGET = 0.70  # Stockholm: 70% resolved at first contact
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


def N_(message: str) -> str:
    """Marks a column's name for translation and keeps it as it is: the exports (CSV, XLSX) use
    the English names as their column keys, the PDF shows them translated (`Table.labels`)."""
    return message


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
    empty: str = ""
    labels: list[str] = field(default_factory=list)  # the columns' names as the PDF shows them

    def __post_init__(self) -> None:
        # Made in the report's language (i18n.using around the build); the column keys stay English.
        if not self.empty:
            self.empty = _("No data for this month.")
        if not self.labels:
            self.labels = [_(c) if c else c for c in self.columns]


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
        if self.team:
            return _("Monthly quality report, %(month)s, team %(team)s") % {
                "month": formatting.month(self.month),
                "team": self.team,
            }
        return _("Monthly quality report, %(month)s") % {"month": formatting.month(self.month)}

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
        raise ValueError(_("no team named %(team)s") % {"team": repr(team)})
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
    (_l("Calls answered within the threshold"), "service_level", "pct", "service_level", False),
    (_l("Average speed of answer"), "asa", "secs", None, True),
    (_l("Abandoned calls"), "abandonment", "pct", None, True),
    (_l("Resolved at first contact"), "fcr", "pct", FCR_TARGET, False),
    (_l("Residents satisfied (CSAT)"), "csat", "pct", "csat", False),
    (_l("Net promoter score (NPS)"), "nps", "nps", None, False),
    (_l("Average handle time"), "aht", "secs", None, True),
)


def too_few(n: int) -> str:
    """What a verdict column says instead of met or not met below the minimum n."""
    return _("too few to judge (n = %(n)s)") % {"n": n}


def too_close() -> str:
    """What a verdict column says when a share's 95% interval holds its target."""
    return _("too close to call: the target is inside the interval")


def verdict(figure: Any, target: float | None, lower: bool, n: int, min_n: int) -> bool | str | None:
    """Whether a headline figure meets its target: True or False; None without a value or a
    target; a sentence where the data cannot carry a verdict (below the minimum n, or a share
    whose 95% interval holds the target, so that it could be on either side)."""
    value = figure.value if isinstance(figure, Estimate) else figure
    if value is None or target is None:
        return None
    if n < min_n:
        return too_few(n)
    if isinstance(figure, Estimate) and figure.low is not None and figure.high is not None:
        if figure.low <= target <= figure.high:
            return too_close()
    return value <= target if lower else value >= target


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
        figure = getattr(now, attribute)
        sample = figure.n if isinstance(figure, Estimate) else now.offered
        met = verdict(figure, target, lower, sample, settings["min_n"])
        rows.append(
            [
                str(label),
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
        _("Headline figures (answered within %(seconds)s s)") % {"seconds": threshold},
        [
            N_("Measure"),
            N_("Unit"),
            N_("This month"),
            "n",
            N_("Target"),
            N_("Met"),
            N_("Last month"),
            N_("Same month last year"),
        ],
        ["text", "text", "unit", "int", "unit", "bool", "unit", "unit"],
        rows,
    )
    return Section(
        "headline", _("Headline figures"), [table], note="" if now.offered else _("No calls this month yet.")
    )


def _short_month(first: date) -> str:
    """A month on the trend chart's axis: "Oct 26", "okt. 26"."""
    if i18n.current() in (i18n.SOURCE, i18n.PSEUDO):
        return first.strftime("%b %y")
    return babel_dates.format_date(first, "LLL yy", locale=i18n.babel_locale())


MIN_TREND_MONTHS = 3  # fewer months make no trend: the chart says so instead of drawing one


def has_data(figures: Headline) -> bool:
    """Whether a month has any headline figure at all (calls, cases or survey answers)."""
    return bool(figures.offered) or any(e.value is not None for e in (figures.fcr, figures.csat, figures.nps))


def too_few_months(have: int) -> str:
    return _("Too few months for a trend: %(have)s of %(need)s needed.") % {"have": have, "need": MIN_TREND_MONTHS}


async def trend_section(first: date, agent_ids: list[int] | None) -> Section:
    """Twelve months of the headline figures, as small charts and a table. A month without data
    is a gap (a dash in the table, a break in the line), never a zero; with fewer than
    MIN_TREND_MONTHS months of data there is no chart, only a sentence saying why."""
    from reports import charts

    months = [first]
    for _step in range(11):
        months.insert(0, previous_month(months[0]))
    series = {m: await headline(m, agent_ids) for m in months}
    with_data = [m for m in months if has_data(series[m])]
    section = Section("trend", _("Twelve-month trend"))
    if len(with_data) < MIN_TREND_MONTHS:
        section.note = too_few_months(len(with_data))
    else:
        settings = await scorecard_config.load()
        section.charts.append(
            charts.trend_grid(
                [_short_month(m) for m in months],
                [
                    (
                        _("Answered within threshold"),
                        [_value(series[m], "service_level") for m in months],
                        "pct",
                        settings["targets"]["service_level"],
                    ),
                    (_("Abandoned"), [_value(series[m], "abandonment") for m in months], "pct", None),
                    (_("Average speed of answer (s)"), [_value(series[m], "asa") for m in months], "num", None),
                    (_("Resolved at first contact"), [_value(series[m], "fcr") for m in months], "pct", FCR_TARGET),
                    ("CSAT", [_value(series[m], "csat") for m in months], "pct", settings["targets"]["csat"]),
                    (
                        "NPS",
                        [None if _value(series[m], "nps") is None else 100 * _value(series[m], "nps") for m in months],
                        "num",
                        None,
                    ),
                    (_("Average handle time (s)"), [_value(series[m], "aht") for m in months], "num", None),
                    (_("Calls offered"), [series[m].offered or None for m in months], "num", None),
                ],
                min_points=MIN_TREND_MONTHS,
            )
        )
    shown = months[months.index(with_data[0]) :] if with_data else []  # from the first month with data
    section.tables.append(
        Table(
            "trend",
            _("Twelve months"),
            [
                N_("Month"),
                N_("Offered"),
                N_("Within threshold"),
                N_("Abandoned"),
                N_("ASA"),
                N_("First contact"),
                "CSAT",
                "NPS",
                N_("AHT"),
            ],
            ["text", "int", "pct", "pct", "secs", "pct", "pct", "nps", "secs"],
            [
                [
                    month_key(m),
                    series[m].offered or None,  # no calls: a gap, not a zero
                    series[m].service_level,
                    series[m].abandonment,
                    series[m].asa,
                    series[m].fcr.value,
                    series[m].csat.value,
                    series[m].nps.value,
                    series[m].aht,
                ]
                for m in shown
            ],
            _("No month of the last twelve has data yet."),
        )
    )
    return section


ERROR_GROUPS = {
    "customer": _l("customer-critical"),
    "business": _l("business-critical"),
    "compliance": _l("compliance-critical"),
    "none": _l("non-critical"),
}


def error_group_name(group: str) -> str:
    """An error group as people read it ("customer-critical"), never its code."""
    return str(ERROR_GROUPS[group]) if group in ERROR_GROUPS else _("%(group)s-critical") % {"group": group}


async def quality_section(first: date, agent_ids: list[int] | None) -> Section:
    quality = await scorecard_figures.quality_month(first, agent_ids)
    titles = await outcome_store.criterion_titles()  # people read a criterion's title, never its code
    section = Section("quality", _("Quality"))
    if not quality.released:
        section.note = _("No evaluation released this month yet.")
    section.tables.append(
        Table(
            "quality_plan",
            _("Evaluations against the plan"),
            [N_("Planned (sampled calls)"), N_("Released"), N_("Share done")],
            ["int", "int", "pct"],
            [[quality.planned, quality.released, quality.released / quality.planned if quality.planned else None]],
        )
    )
    for group_key, title, column, groups in (
        ("team", _("Mean score by team"), N_("Team"), quality.by_team),
        ("agent", _("Mean score by agent"), N_("Agent"), quality.by_agent),
    ):
        section.tables.append(
            Table(
                f"quality_by_{group_key}",
                title,
                [column, "n", N_("Mean"), N_("95% low"), N_("95% high")],
                ["text", "int", "pct", "pct", "pct"],
                [[name, e.n, e.value, e.low, e.high] for name, e in groups],
            )
        )
    section.tables.append(
        Table(
            "quality_targeted",
            _("Calls picked for a reason (not in the figures above, which rest on random picks)"),
            [N_("Reason"), N_("Released"), N_("Mean"), N_("95% low"), N_("95% high"), N_("Evaluations zeroed")],
            ["text", "int", "pct", "pct", "pct", "int"],
            [[reason, n, e.value, e.low, e.high, zeroed] for reason, n, e, zeroed in quality.targeted],
            _("No call picked for a reason was marked this month."),
        )
    )
    section.tables.append(
        Table(
            "quality_failed_criteria",
            _("Most failed criteria"),
            [N_("Criterion"), N_("Failed"), N_("Answered"), N_("Failure rate")],
            ["text", "int", "int", "pct"],
            [[titles.get(c, c), n, answered, n / answered] for c, n, answered in quality.failed_criteria],
            _("No criterion failed this month."),
        )
    )
    section.tables.append(
        Table(
            "quality_critical",
            _("Critical errors by group"),
            [N_("Error group"), N_("Evaluations zeroed")],
            ["text", "int"],
            [[error_group_name(group), n] for group, n in quality.critical],
            _("No critical error this month."),
        )
    )
    section.tables.append(
        Table(
            "quality_calibration",
            _("Calibration sessions closed"),
            [N_("Session"), N_("Markers"), N_("Krippendorff's alpha")],
            ["text", "int", "float"],
            [list(row) for row in quality.calibrations],
            _("No calibration session closed this month."),
        )
    )
    return section


async def customers_section(first: date, agent_ids: list[int] | None) -> Section:
    start, end = month_range(first, get_settings().timezone)
    total = await survey_figures.figures(start, end, agent_ids=agent_ids)
    section = Section("customers", _("Residents' surveys"))
    if not total.responses:
        section.note = _("No survey answers this month.")
    columns = ["", N_("Answers"), N_("Invited"), N_("Response rate"), "CSAT", "NPS", "CES", N_("Resolved")]
    formats = ["text", "int", "int", "pct", "est", "est_nps", "est_num", "est"]

    def row(name: str, f) -> list[Any]:
        return [name, f.responses, f.invited, f.response_rate.value, f.csat, f.nps, f.ces, f.resolution]

    groups = await survey_figures.by_group(start, end, agent_ids)
    section.tables.append(
        Table(
            "surveys_total",
            _("All calls"),
            columns,
            formats,
            [row(_("All calls"), total)] if total.responses or total.invited else [],
        )
    )
    for key, title, column in (("team", _("By team"), N_("Team")), ("service", _("By service"), N_("Service"))):
        section.tables.append(
            Table(
                f"surveys_by_{key}",
                title,
                [column, *columns[1:]],
                formats,
                [row(n, f) for n, f in groups[key]],
            )
        )
    praise = await survey_figures.praise(start, end, agent_ids, limit=5)
    others = await survey_figures.other_comments(start, end, agent_ids, limit=3)
    section.tables.append(
        Table(
            "surveys_comments",
            _("Residents' words, praise first"),
            [N_("Comment"), N_("About"), N_("Praise")],
            ["text", "text", "bool"],
            [[p["comment"], p["agent"] or _("the centre"), True] for p in praise]
            + [[o["comment"], o["agent"] or _("the centre"), False] for o in others],
            _("No comment from residents this month."),
        )
    )
    return section


TEAM_EMAIL_NOTE = _l("Mystery-email results are in the centre's report.")


EMAIL_MONTH_NOTE = _l("A campaign counts in the month its first email was sent, with all its emails.")


async def email_section(first: date, team: str | None = None) -> Section:
    """The mystery-email campaigns sent this month, by department (`audits.figures`: a campaign
    belongs to the month of its first email). Campaigns test departments, not teams, so a team's
    report only says where the results are."""
    section = Section("email", _("Email channel: mystery emails"))
    if team is not None:
        section.note = str(TEAM_EMAIL_NOTE)
        return section
    start, end = month_range(first, get_settings().timezone)
    sent = await audit_figures.month_results(start, end)
    if not sent:
        section.note = _("No mystery emails were sent in %(month)s.") % {"month": formatting.month(first)}
        return section
    section.note = str(EMAIL_MONTH_NOTE)
    for number, (campaign, result) in enumerate(sent):
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
        previous = result["previous"]["name"] if result["previous"] else _("no earlier campaign")
        section.tables.append(
            Table(
                "mystery_emails" + (f"_{number + 1}" if number else ""),
                _("%(campaign)s by department (before: %(previous)s)")
                % {"campaign": campaign["name"], "previous": previous},
                [
                    N_("Department"),
                    N_("Sent"),
                    N_("Answered"),
                    N_("In time"),
                    N_("Median working days"),
                    N_("Mean grade"),
                    N_("In time before"),
                    N_("Mean grade before"),
                ],
                ["text", "int", "int", "pct", "float", "pct", "pct", "pct"],
                rows,
            )
        )
    return section


async def coaching_section(first: date, agent_ids: list[int] | None) -> Section:
    coaching = await coaching_figures.coaching_month(first, agent_ids)
    section = Section("coaching", _("Coaching"))
    if coaching.empty:
        section.note = _("No coaching plan or session this month.")
        return section
    section.tables.append(
        Table(
            "coaching_sessions",
            _("Sessions"),
            ["", N_("Scheduled"), N_("Due by now"), N_("Held (notes written)"), N_("Acknowledged")],
            ["text", "int", "int", "int", "int"],
            [[s.label, s.scheduled, s.due, s.held, s.acknowledged] for s in coaching.sessions],
        )
    )
    met, total = coaching.goals_met, coaching.goals
    section.tables.append(
        Table(
            "coaching_goals",
            _("Goals of the open plans"),
            [N_("Plans"), N_("Goals"), N_("Met now"), N_("Share met")],
            ["int", "int", "int", "pct"],
            [[coaching.open_plans, total, met, met / total if total else None]],
        )
    )
    return section


async def contacts_section(first: date, agent_ids: list[int] | None) -> Section:
    start, end = month_range(first, get_settings().timezone)
    contacts = await call_metrics.contact_counts(start, end, agent_ids=agent_ids)
    section = Section("contacts", _("Contacts"))
    if not contacts.calls:
        section.note = _("No contacts this month yet.")
    section.tables.append(
        Table(
            "contacts_by_service",
            _("Calls by service"),
            [N_("Service"), N_("Calls")],
            ["text", "int"],
            [list(row) for row in contacts.by_service],
        )
    )
    section.tables.append(
        Table(
            "contacts_by_department",
            _("Calls by department"),
            [N_("Department"), N_("Calls")],
            ["text", "int"],
            [list(row) for row in contacts.by_department],
        )
    )
    section.tables.append(
        Table(
            "contacts_by_hour",
            _("Calls by hour of day"),
            [N_("Hour"), N_("Calls")],
            ["text", "int"],
            [[f"{hour:02d}:00", n] for hour, n in contacts.by_hour],
        )
    )
    section.tables.append(
        Table(
            "contacts_by_weekday",
            _("Calls by weekday"),
            [N_("Weekday"), N_("Calls")],
            ["text", "int"],
            [[str(WEEKDAYS[day]), n] for day, n in contacts.by_weekday],
        )
    )
    case_list = await case_figures.cases_in(start, end, agent_ids)
    rows = [
        [channel_label(name), f.cases, f.first_contact_resolution.value, f.repeat_rate.value, f.closed_in_time.value]
        for name, f in case_figures.by_channel(case_list).items()
    ]
    section.tables.append(
        Table(
            "cases_by_channel",
            _("Cases by channel"),
            [N_("Channel"), N_("Cases"), N_("First contact"), N_("Repeats"), N_("Closed in time")],
            ["text", "int", "pct", "pct", "pct"],
            rows,
            _("No case logged this month."),
        )
    )
    repeats = [[name, f.cases, f.repeat_rate.value] for name, f in case_figures.most_repeated(case_list)]
    section.tables.append(
        Table(
            "repeat_contacts",
            _("Repeat contacts by service"),
            [N_("Service"), N_("Cases"), N_("Repeat rate")],
            ["text", "int", "pct"],
            repeats,
            _("No repeat contact this month."),
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
