"""The centre's scorecard settings: balanced-scorecard weights and targets, the dispute window,
sampling defaults. Stored as one JSON document (the newest row wins, older rows are the
history); anything not set takes the default below."""

from __future__ import annotations

import copy
from typing import Any

from qa_app import audit
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
            raise SettingsError(f"the weight of {part} must be a number of 0 or more")
    if sum(weights[p] for p in PARTS) <= 0:
        raise SettingsError("at least one part of the balanced scorecard needs a weight above 0")
    for name, target in merged["targets"].items():
        if not isinstance(target, (int, float)) or target <= 0:
            raise SettingsError(f"the target for {name} must be a positive number")
    automatic = merged["automatic"]
    for name, low, high in (("min_confidence", 0, 1), ("trust_alpha", -1, 1)):
        if not isinstance(automatic.get(name), (int, float)) or not low <= automatic[name] <= high:
            raise SettingsError(f"{name.replace('_', ' ')} must be a number from {low} to {high}")
    for name in ("trust_window", "trust_min_calls"):
        if not isinstance(automatic.get(name), int) or automatic[name] < 2:
            raise SettingsError(f"{name.replace('_', ' ')} must be a whole number of at least 2")
    if automatic["trust_min_calls"] > automatic["trust_window"]:
        raise SettingsError("trust min calls cannot be more than the trust window")
    for name in ("respond_days", "per_agent", "min_seconds", "service_level_seconds", "min_n"):
        if not isinstance(merged[name], int) or merged[name] < (0 if name == "min_seconds" else 1):
            raise SettingsError(f"{name.replace('_', ' ')} must be a whole number of at least 1")
    return merged


async def save(values: dict[str, Any], user_id: int | None) -> dict[str, Any]:
    merged = check(values)
    await ScorecardSettings.insert(ScorecardSettings(values=merged, updated_by=user_id))
    await audit.record(
        user_id, "update", "scorecard_settings", "", weights=merged["weights"], targets=merged["targets"]
    )
    return merged
