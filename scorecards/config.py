"""The centre's scorecard settings: balanced-scorecard weights and targets, the dispute window,
sampling defaults. Stored as one JSON document (the newest row wins, older rows are the
history); anything not set takes the default below."""

from __future__ import annotations

import copy
from typing import Any

from qa_app import audit
from qa_app.formatting import percent
from qa_app.i18n import _
from scorecards.tables import ScorecardSettings

DEFAULTS: dict[str, Any] = {
    "respond_days": 7,  # days an agent has to acknowledge or dispute a released evaluation
    "per_agent": 6,
    "min_seconds": 30,
    "service_level_seconds": 60,
    "min_n": 5,  # below this many calls (or answers) a figure says "too few to judge", not met or missed
    "automatic": {
        "min_confidence": 0.5,  # a transcript word the recogniser is less sure of is not evidence
        "trust_alpha": 0.667,  # Krippendorff's alpha, marker against machine, for a criterion to count
        "trust_window": 30,  # over the criterion's last N marked calls
        "trust_min_calls": 10,  # fewer marked calls than this: not judged yet, so not counted
    },
    # What makes a call worth a look (scorecards/flags.py): QA may add flagged calls to the
    # month's sample as targeted picks. Phrases are matched on the caller's words, by their stems.
    "flags": {
        "silence_seconds": 20,  # nobody speaks for this long (dead air)
        "talk_over_seconds": 10,  # agent and caller speak at once for this long in all
        "length_factor": 3.0,  # talk time over 3 times (or under a third of) the service's usual
        "usual_min_calls": 20,  # a service's usual talk time needs this many answered calls in the month
        "low_satisfaction": 2,  # a survey satisfaction answer (1-5) at or below this
        "repeat_days": 7,  # the same caller about the same service again within this many days
        "phrases": {
            "complaint": {
                "en": [
                    "a complaint",
                    "to complain",
                    "this is unacceptable",
                    "not good enough",
                    "absolutely ridiculous",
                    "fed up",
                    "disgraceful",
                    "nobody called me back",
                    "nobody got back to me",
                    "waste of my time",
                    "third time I've called",
                ],
                "sv": [
                    "klaga",
                    "klagomål",
                    "jag är missnöjd",
                    "det är inte okej",
                    "oacceptabelt",
                    "helt orimligt",
                    "inte godtagbart",
                    "ingen har ringt tillbaka",
                    "tredje gången jag ringer",
                    "skandal",
                ],
                "nl": [
                    "een klacht",
                    "klacht indienen",
                    "klagen",
                    "onacceptabel",
                    "belachelijk",
                    "schandalig",
                    "ik ben het zat",
                    "dit is niet normaal",
                    "niemand belt terug",
                    "niemand heeft teruggebeld",
                    "derde keer dat ik bel",
                ],
            },
            "manager": {
                "en": [
                    "speak to a manager",
                    "speak to your manager",
                    "speak with a manager",
                    "speak with your manager",
                    "talk to a manager",
                    "talk to your manager",
                    "your supervisor",
                    "a supervisor",
                    "someone more senior",
                    "someone in charge",
                    "your boss",
                ],
                "sv": [
                    "prata med en chef",
                    "prata med din chef",
                    "prata med chefen",
                    "få tala med chefen",
                    "din närmaste chef",
                    "någon ansvarig",
                    "din överordnade",
                ],
                "nl": [
                    "uw leidinggevende",
                    "je leidinggevende",
                    "een leidinggevende",
                    "uw manager",
                    "je manager",
                    "uw chef",
                    "je baas",
                    "iemand hoger",
                    "iemand die erover gaat",
                ],
            },
        },
    },
    "weights": {"quality": 0.4, "customer": 0.2, "efficiency": 0.2, "people": 0.2},
    "targets": {
        "quality": 0.85,  # mean evaluation score
        "csat": 0.80,  # share of residents answering 4 or 5
        "service_level": 0.85,  # Stockholm: 85% answered within a minute
        "handle_time_ratio": 1.10,  # agent's average handle time at most 110% of the team's
        "attendance": 0.95,
        "punctuality": 0.95,
    },
}

PARTS = ("quality", "customer", "efficiency", "people")


class SettingsError(Exception):
    pass


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        elif key in merged:
            merged[key] = value
    return merged


async def load() -> dict[str, Any]:
    row = (
        await ScorecardSettings.select(ScorecardSettings.values)
        .order_by(ScorecardSettings.id, ascending=False)
        .output(load_json=True)
        .first()
    )
    return _merge(DEFAULTS, row["values"] if row else {})


def check(values: dict[str, Any]) -> dict[str, Any]:
    """The settings as they will be stored, or SettingsError naming the bad one."""
    merged = _merge(DEFAULTS, values)
    weights = merged["weights"]
    for part in PARTS:
        if not isinstance(weights.get(part), (int, float)) or weights[part] < 0:
            raise SettingsError(_("the weight of %(part)s must be a number of 0 or more") % {"part": part})
    if sum(weights[p] for p in PARTS) <= 0:
        raise SettingsError(_("at least one part of the balanced scorecard needs a weight above 0"))
    for name, target in merged["targets"].items():
        if not isinstance(target, (int, float)) or target <= 0:
            raise SettingsError(_("the target for %(name)s must be a positive number") % {"name": name})
    automatic = merged["automatic"]
    for name, low, high in (("min_confidence", 0, 1), ("trust_alpha", -1, 1)):
        if not isinstance(automatic.get(name), (int, float)) or not low <= automatic[name] <= high:
            raise SettingsError(
                _("%(name)s must be a number from %(low)s to %(high)s")
                % {"name": name.replace("_", " "), "low": low, "high": high}
            )
    for name in ("trust_window", "trust_min_calls"):
        if not isinstance(automatic.get(name), int) or automatic[name] < 2:
            raise SettingsError(_("%(name)s must be a whole number of at least 2") % {"name": name.replace("_", " ")})
    if automatic["trust_min_calls"] > automatic["trust_window"]:
        raise SettingsError(_("trust min calls cannot be more than the trust window"))
    _check_flags(merged["flags"])
    for name in ("respond_days", "per_agent", "min_seconds", "service_level_seconds", "min_n"):
        if not isinstance(merged[name], int) or merged[name] < (0 if name == "min_seconds" else 1):
            raise SettingsError(_("%(name)s must be a whole number of at least 1") % {"name": name.replace("_", " ")})
    return merged


def weights_from_percentages(percentages: dict[str, float]) -> dict[str, float]:
    """The weights as stored (fractions adding up to 1) from the percentages an administrator
    types, which must add up to 100: a total of 90 would silently scale every part, so it is
    refused with the total instead."""
    total = sum(percentages.get(part, 0.0) for part in PARTS)
    if any(percentages.get(part, 0.0) < 0 for part in PARTS):
        raise SettingsError(_("a weight cannot be negative"))
    if abs(total - 100) > 0.01:
        raise SettingsError(
            _("the weights add up to %(total)s; they must add up to %(hundred)s")
            % {"total": format_total(total), "hundred": percent(1, 0)}
        )
    return {part: round(percentages.get(part, 0.0) / 100, 6) for part in PARTS}


def format_total(total: float) -> str:
    """A total of percentages in the reader's way of writing them: "100%", "92.5%", "92,5 %"."""
    return percent(total / 100, 0 if abs(total - round(total)) < 0.005 else 1)


FLAG_LANGUAGES = ("en", "sv", "nl")


def _check_flags(flags: dict[str, Any]) -> None:
    for name in ("silence_seconds", "talk_over_seconds"):
        if not isinstance(flags.get(name), (int, float)) or flags[name] <= 0:
            raise SettingsError(_("%(name)s must be a number above 0") % {"name": name.replace("_", " ")})
    if not isinstance(flags.get("length_factor"), (int, float)) or flags["length_factor"] <= 1:
        raise SettingsError(_("length factor must be a number above 1 (3: three times the usual, or a third of it)"))
    for name, low in (("usual_min_calls", 2), ("repeat_days", 1)):
        if not isinstance(flags.get(name), int) or isinstance(flags[name], bool) or flags[name] < low:
            raise SettingsError(
                _("%(name)s must be a whole number of at least %(low)s") % {"name": name.replace("_", " "), "low": low}
            )
    low = flags.get("low_satisfaction")
    if not isinstance(low, int) or isinstance(low, bool) or not 1 <= low <= 4:
        raise SettingsError(_("low satisfaction must be a whole number from 1 to 4"))
    phrases = flags.get("phrases")
    if not isinstance(phrases, dict) or set(phrases) != {"complaint", "manager"}:
        raise SettingsError(_("flag phrases are given for complaint and manager"))
    for kind, by_language in phrases.items():
        if not isinstance(by_language, dict) or not set(by_language) <= set(FLAG_LANGUAGES):
            raise SettingsError(
                _("%(kind)s phrases are given per language: %(languages)s")
                % {"kind": kind, "languages": ", ".join(FLAG_LANGUAGES)}
            )
        for language, listed in by_language.items():
            if not isinstance(listed, list) or not all(isinstance(p, str) and p.strip() for p in listed):
                raise SettingsError(
                    _("%(kind)s phrases in %(language)s must be a list of non-empty phrases")
                    % {"kind": kind, "language": language}
                )


async def save(values: dict[str, Any], user_id: int | None) -> dict[str, Any]:
    merged = check(values)
    await ScorecardSettings.insert(ScorecardSettings(values=merged, updated_by=user_id))
    await audit.record(
        user_id, "update", "scorecard_settings", "", weights=merged["weights"], targets=merged["targets"]
    )
    return merged
