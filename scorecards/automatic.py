"""Automatic criteria, filled in from the call's data and its transcript, with the evidence a
marker checks: the measure and its limit, or the phrase and the moment it was said.

A value of None means the check cannot decide (no transcript yet, a measure the phone system
did not record): the marker answers, and the summary says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scorecards.definition import Criterion

WORD = re.compile(r"[^\w']+", re.UNICODE)


@dataclass(frozen=True)
class AutoResult:
    value: float | None
    evidence: dict[str, Any]
    summary: str


def clock(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def normalise(text: str) -> list[str]:
    return [w for w in WORD.sub(" ", text.lower()).split() if w]


def evaluate(criterion: Criterion, call: Mapping[str, Any], transcript: Mapping[str, Any] | None) -> AutoResult | None:
    if criterion.kind == "call_data":
        return _call_data(criterion.rule or {}, call)
    if criterion.kind == "transcript":
        return _transcript(criterion.rule or {}, transcript)
    return None


def _call_data(rule: Mapping[str, Any], call: Mapping[str, Any]) -> AutoResult:
    measure = rule["measure"]
    value = call.get(measure)
    if value is None:
        return AutoResult(None, {"measure": measure, "value": None}, "The phone system did not record this; decide.")
    if measure == "transferred":
        expect = bool(rule["expect"])
        ok = bool(value) == expect
        said = "transferred" if value else "not transferred"
        return AutoResult(
            float(ok), {"measure": measure, "value": bool(value), "expect": expect}, f"The call was {said}."
        )
    low, high = rule.get("min"), rule.get("max")
    ok = (low is None or value >= low) and (high is None or value <= high)
    evidence = {"measure": measure, "value": value, **{k: rule[k] for k in ("min", "max") if rule.get(k) is not None}}
    if measure == "wait_seconds":
        summary = (
            f"Answered after {clock(value)}, {'within' if ok else 'over'} {clock(high)}"
            if high is not None
            else (f"Answered after {clock(value)}")
        )
    else:
        band = " – ".join(clock(b) if b is not None else "…" for b in (low, high))
        summary = f"Talk time {clock(value)}, {'inside' if ok else 'outside'} {band}"
    return AutoResult(float(ok), evidence, summary + ".")


def _transcript(rule: Mapping[str, Any], transcript: Mapping[str, Any] | None) -> AutoResult:
    phrases = rule["phrases"]
    present = rule.get("present", True)
    if not transcript or not transcript.get("turns"):
        return AutoResult(None, {"phrase": None, "phrases": phrases}, "No transcript yet; listen and decide.")
    turns = transcript["turns"]
    mono = not any(t.get("speaker") for t in turns)
    words = [
        (w, turn.get("speaker"))
        for turn in turns
        if mono or turn.get("speaker") == "agent"
        for w in turn.get("words", [])
    ]
    words.sort(key=lambda item: item[0]["start"])
    tokens = [(token, item) for item in words for token in normalise(item[0]["word"])[:1]]
    duration = float(transcript.get("duration") or max((w["end"] for w, _ in words), default=0.0))
    within, seconds = rule.get("within"), rule.get("seconds")
    found = None
    for phrase in phrases:
        wanted = normalise(phrase)
        for index in range(len(tokens) - len(wanted) + 1):
            if [t for t, _ in tokens[index : index + len(wanted)]] != wanted:
                continue
            (first, speaker) = tokens[index][1]
            at = float(first["start"])
            if within == "first" and at > seconds:
                continue
            if within == "last" and at < duration - seconds:
                continue
            if found is None or at < found[1]:
                found = (phrase, at, speaker)
            break
    place = f" in the {within} {clock(seconds)}" if within else ""
    evidence: dict[str, Any] = {"phrase": None, "phrases": phrases, "within": within, "seconds": seconds}
    if mono:
        evidence["mono"] = True  # no speaker channels: every word counted as the agent's
    if found:
        phrase, at, speaker = found
        evidence.update(phrase=phrase, at=round(at, 2), speaker=speaker or "unknown")
        ok = present
        summary = f"“{phrase}” at {clock(at)}" + ("" if present else " (a phrase to avoid)")
    else:
        ok = not present
        summary = f"None of {', '.join('“' + p + '”' for p in phrases)} heard{place}"
    return AutoResult(float(ok), evidence, summary + ".")
