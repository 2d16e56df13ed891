"""Grading the graders: how far the markers of one call agree.

`ratings` maps a marker to their answers (criterion code -> value; None for N/A). Agreement per
criterion is the share of marker pairs who gave the same answer (N/A counts as an answer);
Krippendorff's alpha over the session takes the criteria as units and the markers as coders,
with values scaled to 0..1 by each criterion's maximum and N/A as missing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from itertools import combinations
from typing import Any

import krippendorff
import numpy as np

from qa_app.i18n import _
from scorecards.definition import Criterion, Definition

Ratings = Mapping[str, Mapping[str, float | None]]


def _modes(values: list[Any]) -> list[Any]:
    """The most given answers, in the order first given."""
    counts = Counter(values)
    best = max(counts.values())
    return [v for v in counts if counts[v] == best]


def _modal(values: list[Any]) -> Any:
    return _modes(values)[0]  # ties: the first given


def criterion_agreement(definition: Definition, ratings: Ratings) -> dict[str, dict[str, Any]]:
    result = {}
    for criterion in definition.criteria():
        values = {marker: answers.get(criterion.code) for marker, answers in ratings.items()}
        pairs = list(combinations(values.values(), 2))
        agreement = sum(a == b for a, b in pairs) / len(pairs) if pairs else None
        modal = _modal(list(values.values())) if values else None
        result[criterion.code] = {
            "agreement": agreement,
            "values": values,
            "modal": modal,
            # "2 of 3 agree": how many gave the most given answer, of how many markers
            "agreeing": sum(v == modal for v in values.values()),
            "markers": len(values),
        }
    return result


def answer_words(criterion: Criterion, value: float | None) -> str:
    """An answer as a marker reads it: Yes or No, a scale point "3 of 4", N/A; never 1/0."""
    if value is None:
        return _("N/A")
    if criterion.kind == "scale":
        return _("%(value)s of %(max)s") % {"value": int(value), "max": criterion.max_value}
    return _("Yes") if value >= 1 else _("No")


def answer_choices(criterion: Criterion) -> list[tuple[str, str]]:
    """The answers one may agree on for a criterion, as (form value, words): the same values
    the marking form sends ("1", "0", a scale point, "na")."""
    points = range(criterion.max_value, -1, -1)
    choices = [(str(v), answer_words(criterion, float(v))) for v in points]
    if criterion.na_allowed:
        choices.append(("na", answer_words(criterion, None)))
    return choices


def parse_answer(criterion: Criterion, raw: str) -> tuple[float | None, bool]:
    """A form value from `answer_choices` as (value, na); ValueError if it is not one of them."""
    raw = (raw or "").strip()
    if raw == "na" and criterion.na_allowed:
        return None, True
    if raw.isdigit() and 0 <= int(raw) <= criterion.max_value:
        return float(raw), False
    raise ValueError(raw)


def total_spread(totals: Mapping[str, float]) -> dict[str, float | int | None]:
    values = list(totals.values())
    n = len(values)
    if not n:
        return {"n": 0, "mean": None, "min": None, "max": None, "range": None, "sd": None}
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return {"n": n, "mean": mean, "min": min(values), "max": max(values), "range": max(values) - min(values), "sd": sd}


def marker_distance(definition: Definition, ratings: Ratings, totals: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    result = {}
    for marker, total in totals.items():
        others = [t for m, t in totals.items() if m != marker]
        disagreements = 0
        for criterion in definition.criteria():
            other_values = [answers.get(criterion.code) for m, answers in ratings.items() if m != marker]
            # When the others are split evenly, siding with either half is not a disagreement.
            if other_values and ratings.get(marker, {}).get(criterion.code) not in _modes(other_values):
                disagreements += 1
        result[marker] = {
            "total": total,
            "from_mean": total - sum(others) / len(others) if others else None,
            "disagreements": disagreements,
        }
    return result


def krippendorff_alpha(definition: Definition, ratings: Ratings, level: str = "ordinal") -> float | None:
    """Krippendorff's alpha (the `krippendorff` package): the criteria are the units, the markers
    the coders, each value divided by its criterion's maximum, N/A missing. None with fewer than
    two markers or when no criterion has two answers; 1.0 when every pairable answer is the same
    (the package refuses a single-valued domain, where agreement is nonetheless perfect)."""
    if len(ratings) < 2:
        return None
    criteria = definition.criteria()
    data = np.array(
        [
            [np.nan if answers.get(c.code) is None else float(answers[c.code]) / c.max_value for c in criteria]
            for answers in ratings.values()
        ],
        dtype=float,
    )
    pairable = [column for column in data.T if np.count_nonzero(~np.isnan(column)) >= 2]
    if not pairable or len(np.unique(np.array(pairable)[~np.isnan(np.array(pairable))])) < 2:
        return None if not pairable else 1.0
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
