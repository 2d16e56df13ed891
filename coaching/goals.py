"""Coaching goals and their progress, computed from the data, never typed in (plain functions
over plain rows: no I/O).

Each goal is tied to something measured:

| kind | subject | measured over | value | met when |
|---|---|---|---|---|
| `criterion` | a criterion code (`greeting`) | the agent's last `window` released evaluations that answered it (N/A left out) | share passed | >= target |
| `section` | a section title of the scorecard | the criteria of that section in the last `window` evaluations | share of its answers passed | >= target |
| `csat` | - | residents' answers on the agent's calls of the last `window` days | share answering 4 or 5 | >= target |
| `handle_time` | - | the agent's answered calls of the last `window` days | mean talk + hold, seconds | <= target |
| `punctuality` | - | the agent's worked days of the last `window` days | share of days on time | >= target |

A goal with no data yet reports "no data yet" and is neither met nor missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from qa_app import formatting
from qa_app.i18n import _, _l, ngettext

KINDS = {
    "criterion": _l("A criterion passed"),
    "section": _l("A scorecard section passed"),
    "csat": _l("Residents satisfied (CSAT)"),
    "handle_time": _l("Average handle time"),
    "punctuality": _l("On time"),
}
EVALUATION_KINDS = ("criterion", "section")
DEFAULT_WINDOWS = {"criterion": 6, "section": 6, "csat": 30, "handle_time": 30, "punctuality": 30}


class GoalError(Exception):
    pass


@dataclass(frozen=True)
class Goal:
    kind: str
    target: float  # a share 0..1, or seconds for handle_time
    window: int  # evaluations (criterion, section) or days (the others)
    subject: str = ""  # criterion code or section title
    due: date | None = None

    @property
    def lower_is_better(self) -> bool:
        return self.kind == "handle_time"


def check_goal(goal: Goal, criterion_codes: Sequence[str] = (), sections: Sequence[str] = ()) -> None:
    """Raise GoalError with a plain reason when a goal cannot be measured as written."""
    if goal.kind not in KINDS:
        raise GoalError(_("a goal is one of: %(kinds)s") % {"kinds": ", ".join(KINDS)})
    if goal.kind == "criterion" and goal.subject not in criterion_codes:
        raise GoalError(_("no criterion %(code)s on the scorecard") % {"code": repr(goal.subject)})
    if goal.kind == "section" and goal.subject not in sections:
        raise GoalError(_("no section %(title)s on the scorecard") % {"title": repr(goal.subject)})
    if goal.kind == "handle_time":
        if not 10 <= goal.target <= 7200:
            raise GoalError(_("a handle-time target is in seconds, between 10 and 7200"))
    elif not 0 < goal.target <= 1:
        raise GoalError(_("a target share is above 0%% and at most 100%%") % {})
    if not 1 <= goal.window <= 366:
        raise GoalError(_("a goal is measured over 1 to 366 evaluations or days"))


def parse_target(kind: str, text: str) -> float:
    """The target as typed on the goal form: a handle time as minutes and seconds ("4:30") or
    seconds ("270"); any other target as a percentage ("90", "90%", "92,5"), returned as a share."""
    typed = text.strip().replace(" ", "")
    if kind == "handle_time":
        minutes, colon, seconds = typed.partition(":")
        try:
            if colon:
                if not (minutes.isdigit() and seconds.isdigit() and len(seconds) == 2 and int(seconds) < 60):
                    raise ValueError(typed)
                return int(minutes) * 60 + int(seconds)
            return float(typed.replace(",", "."))
        except ValueError:
            raise GoalError(
                _("give the handle-time target as minutes and seconds (4:30) or as seconds (270)")
            ) from None
    try:
        return float(typed.removesuffix("%").replace(",", ".")) / 100
    except ValueError:
        raise GoalError(_("give the target as a percentage, such as 90")) from None


@dataclass(frozen=True)
class Progress:
    value: float | None
    n: int  # what the value counts: answers, responses, calls, days
    met: bool | None
    text: str  # for people: "greeting passed in 5 of the last 6 evaluations (83%); target 90%"
    overdue: bool = False  # past its due date and not met


def _share(value: float) -> str:
    return formatting.percent(value, 0)


def progress(
    goal: Goal,
    *,
    evaluations: Sequence[dict[str, Any]] = (),
    sections: dict[str, Sequence[str]] | None = None,
    responses: Sequence[dict[str, Any]] = (),
    calls: Sequence[dict[str, Any]] = (),
    attendance: Sequence[dict[str, Any]] = (),
    today: date | None = None,
    titles: dict[str, str] | None = None,
) -> Progress:
    """The goal's progress. `evaluations` are the agent's released evaluations, newest first,
    each {"answers": {code: {"passed": bool|None, "na": bool}}}; `sections` maps a section
    title to its criterion codes; `responses` have `satisfaction`; `calls` have
    `talk_seconds` and `hold_seconds`; `attendance` rows have `worked_minutes` and
    `minutes_late` (the last three already limited to the goal's window of days); `titles` maps
    a criterion's code to its title, which is what people read."""
    if goal.kind in EVALUATION_KINDS:
        codes = [goal.subject] if goal.kind == "criterion" else list((sections or {}).get(goal.subject, ()))
        shown = (titles or {}).get(goal.subject, goal.subject)
        used = [e for e in evaluations if any(_answered(e, c) for c in codes)][: goal.window]
        results = [e["answers"][c]["passed"] for e in used for c in codes if _answered(e, c)]
        if not results:
            return _done(goal, None, 0, _("%(subject)s: no evaluation yet") % {"subject": shown}, today)
        value = sum(1 for r in results if r) / len(results)
        figures = {
            "subject": shown,
            "passed": sum(1 for r in results if r),
            "answers": len(results),
            "num": len(used),
            "share": _share(value),
            "target": _share(goal.target),
        }
        if goal.kind == "criterion":
            text = (
                ngettext(
                    "%(subject)s passed in %(passed)s of the last %(num)s evaluation (%(share)s); target %(target)s",
                    "%(subject)s passed in %(passed)s of the last %(num)s evaluations (%(share)s); target %(target)s",
                    len(used),
                )
                % figures
            )
        else:
            text = (
                ngettext(
                    "%(subject)s: %(passed)s of %(answers)s answers passed in the last %(num)s evaluation "
                    "(%(share)s); target %(target)s",
                    "%(subject)s: %(passed)s of %(answers)s answers passed in the last %(num)s evaluations "
                    "(%(share)s); target %(target)s",
                    len(used),
                )
                % figures
            )
        return _done(goal, value, len(results), text, today)
    if goal.kind == "csat":
        rated = [r["satisfaction"] for r in responses if r.get("satisfaction") is not None]
        if not rated:
            return _done(
                goal,
                None,
                0,
                ngettext(
                    "no resident's answer in the last day", "no resident's answer in the last %(num)s days", goal.window
                )
                % {"num": goal.window},
                today,
            )
        value = sum(1 for s in rated if s >= 4) / len(rated)
        text = ngettext(
            "%(satisfied)s of %(rated)s residents satisfied in the last %(num)s day (%(share)s); target %(target)s",
            "%(satisfied)s of %(rated)s residents satisfied in the last %(num)s days (%(share)s); target %(target)s",
            goal.window,
        ) % {
            "satisfied": sum(1 for s in rated if s >= 4),
            "rated": len(rated),
            "num": goal.window,
            "share": _share(value),
            "target": _share(goal.target),
        }
        return _done(goal, value, len(rated), text, today)
    if goal.kind == "handle_time":
        times = [c["talk_seconds"] + (c.get("hold_seconds") or 0) for c in calls]
        if not times:
            return _done(
                goal,
                None,
                0,
                ngettext("no answered call in the last day", "no answered call in the last %(num)s days", goal.window)
                % {"num": goal.window},
                today,
            )
        value = sum(times) / len(times)
        text = ngettext(
            "average handle time %(time)s over %(calls)s calls in the last %(num)s day; target %(target)s or less",
            "average handle time %(time)s over %(calls)s calls in the last %(num)s days; target %(target)s or less",
            goal.window,
        ) % {"time": _minutes(value), "calls": len(times), "num": goal.window, "target": _minutes(goal.target)}
        return _done(goal, value, len(times), text, today)
    worked = [a for a in attendance if a.get("worked_minutes", 0) > 0]
    if not worked:
        return _done(
            goal,
            None,
            0,
            ngettext("no worked day in the last day", "no worked day in the last %(num)s days", goal.window)
            % {"num": goal.window},
            today,
        )
    on_time = sum(1 for a in worked if not a.get("minutes_late"))
    value = on_time / len(worked)
    text = _("on time %(on_time)s of %(worked)s days worked (%(share)s); target %(target)s") % {
        "on_time": on_time,
        "worked": len(worked),
        "share": _share(value),
        "target": _share(goal.target),
    }
    return _done(goal, value, len(worked), text, today)


def _answered(evaluation: dict[str, Any], code: str) -> bool:
    answer = evaluation["answers"].get(code)
    return answer is not None and not answer.get("na") and answer.get("passed") is not None


def _minutes(seconds: float) -> str:
    return formatting.duration(seconds)


def _done(goal: Goal, value: float | None, n: int, text: str, today: date | None) -> Progress:
    met = None
    if value is not None:
        met = value <= goal.target if goal.lower_is_better else value >= goal.target
    overdue = bool(goal.due and today and today > goal.due and met is not True)
    return Progress(value, n, met, text, overdue)
