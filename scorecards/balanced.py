"""The balanced scorecard of one agent for one month, as plain arithmetic over plain inputs.

Four parts, each with its measures, targets and whether they are met:
- Quality: mean evaluation score this month (n and a 95% interval) and the rolling three months;
- Customer: residents' satisfaction (CSAT: share answering 4 or 5) on the agent's calls;
- Efficiency: share of the agent's calls answered within the service-level threshold, and
  average handle time against the team's;
- People: attendance (days worked of days rostered, planned leave and training excluded) and
  punctuality (days on time of days worked).

Each measure's attainment is value/target capped at 1 (target/value when lower is better); a
part's value is the mean attainment of its scored measures, and the overall figure is the
weighted mean over the parts that have data, so a part without data (no surveys yet) neither
helps nor hurts.

A measure resting on fewer than `min_n` calls, answers or days (a setting, `min_n`, default 5)
is "too few to judge": it shows its value, n and interval but is neither met nor missed, has no
attainment, and so raises no red flag and moves neither its part nor the overall figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from kit.stats import Estimate, mean_from_sums, mean_interval, proportion_interval
from qa_app.i18n import _, _l

TITLES = {"quality": _l("Quality"), "customer": _l("Customer"), "efficiency": _l("Efficiency"), "people": _l("People")}


SCORE_BOUNDS = (0.0, 1.0)  # an evaluation score is a share of the points: its interval stays inside
SECONDS_BOUNDS = (0.0, math.inf)  # a duration is never negative and has no top
MIN_N = 5  # the default of the `min_n` setting (scorecards.config); the pages pass the setting


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    estimate: Estimate
    target: float | None
    unit: str = "share"  # share (0..1), seconds
    lower_is_better: bool = False
    scored: bool = True  # counts towards the part's value (the rolling figure is context only)
    note: str = ""
    min_n: int = 0  # below this n the measure is too few to judge: no verdict, no attainment

    @property
    def too_few(self) -> bool:
        """A value resting on fewer than `min_n` observations (but at least one)."""
        return self.estimate.value is not None and self.estimate.n < self.min_n

    @property
    def met(self) -> bool | None:
        value = self.estimate.value
        if value is None or self.target is None or self.too_few:
            return None
        return value <= self.target if self.lower_is_better else value >= self.target

    @property
    def verdict(self) -> str:
        """The measure against its target in words: "met", "not met", "too few to judge (n = 3)",
        or "" (no value or no target)."""
        if self.too_few:
            return _("too few to judge (n = %(n)s)") % {"n": self.estimate.n}
        return {True: _("met"), False: _("not met"), None: ""}[self.met]

    @property
    def attainment(self) -> float | None:
        value = self.estimate.value
        if value is None or self.target is None or self.too_few:
            return None
        if self.lower_is_better:
            return 1.0 if value <= 0 else min(1.0, self.target / value)
        return min(1.0, value / self.target) if self.target > 0 else None


@dataclass(frozen=True)
class Part:
    key: str
    weight: float
    measures: tuple[Measure, ...]
    note: str = ""

    @property
    def title(self) -> str:
        return str(TITLES[self.key])

    @property
    def value(self) -> float | None:
        values = [m.attainment for m in self.measures if m.scored and m.attainment is not None]
        return sum(values) / len(values) if values else None

    @property
    def met(self) -> bool | None:
        verdicts = [m.met for m in self.measures if m.scored and m.met is not None]
        return all(verdicts) if verdicts else None

    @property
    def too_few(self) -> bool:
        """No verdict because the scored measures with a value all rest on too few."""
        return self.met is None and any(m.too_few for m in self.measures if m.scored)


@dataclass(frozen=True)
class BalancedScorecard:
    parts: tuple[Part, ...]
    min_n: int = MIN_N  # the fewest observations a measure is judged on

    @property
    def overall(self) -> float | None:
        scored = [p for p in self.parts if p.value is not None and p.weight > 0]
        total = sum(p.weight for p in scored)
        return sum(p.weight * p.value for p in scored) / total if total else None

    def part(self, key: str) -> Part:
        return next(p for p in self.parts if p.key == key)


@dataclass(frozen=True)
class Sums:
    """n, sum and sum of squares: enough for a mean and its interval without the rows."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def estimate(self, confidence: float = 0.95) -> Estimate:
        return mean_from_sums(self.n, self.total, self.squares, confidence, bounds=SECONDS_BOUNDS)


@dataclass(frozen=True)
class Inputs:
    scores_month: Sequence[float] = ()
    scores_three_months: Sequence[float] = ()
    survey: tuple[int, int] | None = None  # (satisfied, responses); None: no surveys collected
    answered: int = 0
    answered_within: int = 0
    handle: Sums = field(default_factory=Sums)
    team_handle_mean: float | None = None
    days_rostered: int = 0
    days_worked: int = 0
    days_on_time: int = 0


def balanced_scorecard(
    inputs: Inputs,
    weights: Mapping[str, float],
    targets: Mapping[str, float],
    *,
    threshold_seconds: int = 60,
    min_n: int = MIN_N,
) -> BalancedScorecard:
    """The four parts from the inputs; every measure with fewer than `min_n` observations is too
    few to judge."""
    measure = partial(Measure, min_n=min_n)
    quality = Part(
        "quality",
        weights["quality"],
        (
            measure(
                "quality",
                _("Mean evaluation score"),
                mean_interval(list(inputs.scores_month), bounds=SCORE_BOUNDS),
                targets["quality"],
            ),
            measure(
                "quality_3m",
                _("Rolling three months"),
                mean_interval(list(inputs.scores_three_months), bounds=SCORE_BOUNDS),
                targets["quality"],
                scored=False,
            ),
        ),
    )
    if inputs.survey is None:
        customer = Part(
            "customer",
            weights["customer"],
            (measure("csat", _("Satisfied residents (4 or 5 of 5)"), Estimate(None, 0, None, None), targets["csat"]),),
            note=_("No post-call surveys are collected yet."),
        )
    else:
        satisfied, responses = inputs.survey
        customer = Part(
            "customer",
            weights["customer"],
            (
                measure(
                    "csat",
                    _("Satisfied residents (4 or 5 of 5)"),
                    proportion_interval(satisfied, responses),
                    targets["csat"],
                ),
            ),
        )
    handle = inputs.handle.estimate()
    handle_target = (
        inputs.team_handle_mean * targets["handle_time_ratio"] if inputs.team_handle_mean is not None else None
    )
    efficiency = Part(
        "efficiency",
        weights["efficiency"],
        (
            measure(
                "service_level",
                _("Answered within %(seconds)s s") % {"seconds": threshold_seconds},
                proportion_interval(inputs.answered_within, inputs.answered),
                targets["service_level"],
            ),
            measure(
                "handle_time",
                _("Average handle time"),
                handle,
                handle_target,
                unit="seconds",
                lower_is_better=True,
                note=(
                    _("team average %(time)s; target at most %(percent)s%% of it")
                    % {"time": _clock(inputs.team_handle_mean), "percent": round(targets["handle_time_ratio"] * 100)}
                    if inputs.team_handle_mean is not None
                    else _("no team average")
                ),
            ),
        ),
    )
    people = Part(
        "people",
        weights["people"],
        (
            measure(
                "attendance",
                _("Attendance"),
                proportion_interval(inputs.days_worked, inputs.days_rostered),
                targets["attendance"],
            ),
            measure(
                "punctuality",
                _("On time"),
                proportion_interval(inputs.days_on_time, inputs.days_worked),
                targets["punctuality"],
            ),
        ),
    )
    return BalancedScorecard((quality, customer, efficiency, people), min_n)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
