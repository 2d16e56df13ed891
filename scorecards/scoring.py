"""The one place an evaluation's score is computed, from its answers.

- A criterion earns `weight * value / max_value` of a possible `weight`; N/A leaves it out of
  both (it neither helps nor hurts).
- A failed criterion of a critical error group (customer, business, compliance) zeroes the
  points of every criterion in that group, or of the whole evaluation when the template's
  `critical_effect` for the group says "evaluation".
- The score is earned / possible after zeroing, 0..1; it is None while any criterion is
  unanswered (a draft; `earned` and `possible` still show the provisional figure) and when
  every criterion is N/A.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qa_app.i18n import _
from scorecards.definition import Criterion, Definition


@dataclass(frozen=True)
class Answer:
    value: float | None = None
    na: bool = False


@dataclass(frozen=True)
class GroupResult:
    earned: float
    possible: float
    score: float | None
    failed: tuple[str, ...]
    zeroed: bool


@dataclass(frozen=True)
class ScoreResult:
    score: float | None
    earned: float
    possible: float
    critical_failed: bool
    groups: dict[str, GroupResult]
    passed: dict[str, bool | None]
    missing: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "earned": self.earned,
            "possible": self.possible,
            "critical_failed": self.critical_failed,
            "groups": {
                name: {
                    "earned": g.earned,
                    "possible": g.possible,
                    "score": g.score,
                    "failed": list(g.failed),
                    "zeroed": g.zeroed,
                }
                for name, g in self.groups.items()
            },
            "passed": dict(self.passed),
            "missing": list(self.missing),
        }


def passed(criterion: Criterion, value: float) -> bool:
    if criterion.kind == "scale":
        return value >= criterion.pass_from
    return value == 1


def validate_answer(criterion: Criterion, answer: Answer) -> str | None:
    if answer.na:
        return None if criterion.na_allowed else "N/A is not allowed here"
    if answer.value is None:
        return None
    value = answer.value
    if not isinstance(value, numbers.Real) or not math.isfinite(value):
        return _("the answer must be a number")
    if criterion.kind == "scale":
        if value != int(value) or not 0 <= value <= criterion.scale_max:
            return _("choose a whole number from 0 to %(max)s") % {"max": criterion.scale_max}
        return None
    if value not in (0, 1):
        return _("the answer is yes (1) or no (0)")
    return None


def score(definition: Definition, answers: Mapping[str, Answer]) -> ScoreResult:
    criteria = definition.criteria()
    known = {c.code for c in criteria}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValueError(_("unknown criterion %(code)s") % {"code": repr(unknown[0])})
    points: dict[str, tuple[float, float]] = {}  # code -> (earned, possible) before zeroing
    verdicts: dict[str, bool | None] = {}
    missing = []
    failed: dict[str, list[str]] = {}
    for criterion in criteria:
        answer = answers.get(criterion.code, Answer())
        problem = validate_answer(criterion, answer)
        if problem:
            raise ValueError(f"{criterion.code}: {problem}")
        if answer.na:
            verdicts[criterion.code] = None
            continue
        if answer.value is None:
            verdicts[criterion.code] = None
            missing.append(criterion.code)
            continue
        ok = passed(criterion, answer.value)
        verdicts[criterion.code] = ok
        # value / max first: a full answer is exactly 1.0, so a perfect call scores exactly 1.0
        points[criterion.code] = (criterion.weight * (answer.value / criterion.max_value), criterion.weight)
        if not ok and criterion.error_group != "none":
            failed.setdefault(criterion.error_group, []).append(criterion.code)
    zeroed_groups = set(failed)
    whole_zeroed = any(definition.effect(group) == "evaluation" for group in failed)
    groups: dict[str, GroupResult] = {}
    total_earned = total_possible = 0.0
    for group in dict.fromkeys(c.error_group for c in criteria):
        members = [c.code for c in criteria if c.error_group == group and c.code in points]
        possible = sum(points[code][1] for code in members)
        earned = 0.0 if group in zeroed_groups else sum(points[code][0] for code in members)
        groups[group] = GroupResult(
            earned=earned,
            possible=possible,
            score=(earned / possible) if possible else None,
            failed=tuple(failed.get(group, ())),
            zeroed=group in zeroed_groups,
        )
        total_earned += earned
        total_possible += possible
    if whole_zeroed:
        total_earned = 0.0
    final = None if missing or not total_possible else total_earned / total_possible
    return ScoreResult(
        score=final,
        earned=total_earned,
        possible=total_possible,
        critical_failed=bool(failed),
        groups=groups,
        passed=verdicts,
        missing=tuple(missing),
    )
