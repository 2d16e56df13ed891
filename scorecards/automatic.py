"""Automatic criteria, filled in from the call's data and its transcript, with the evidence a
marker checks: the measure and its limit, or the phrase and the moment it was said.

A value of None means the check cannot decide (no transcript yet, a measure the phone system
did not record): the marker answers, and the summary says why.

Phrases are matched on words: both the phrase and the transcript are lower-cased, stripped of
punctuation (apostrophes vanish, so "you're" and "you’re" are both "youre") and split on
whitespace; a phrase matches consecutive words of the agent's turns, in time order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scorecards.definition import Criterion

APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
PUNCTUATION = re.compile(r"[\W_]+")
MEASURE_NAMES = {"wait_seconds": "time to answer", "talk_seconds": "talk time", "transferred": "transfer"}


@dataclass(frozen=True)
class AutoResult:
    value: float | None
    evidence: dict[str, Any]
    summary: str


def clock(seconds: float) -> str:
    """m:ss, rounded to the second: 42 -> "0:42", 61.6 -> "1:02"."""
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation: "Good morning, I'm Sam." -> ["good", "morning", "im", "sam"]."""
    return PUNCTUATION.sub(" ", APOSTROPHES.sub("", text.lower())).split()


def evaluate(criterion: Criterion, call: Mapping[str, Any], transcript: Mapping[str, Any] | None) -> AutoResult | None:
    """The automatic answer to `criterion` (1 pass, 0 fail, None undecided); None for manual kinds."""
    if criterion.kind == "call_data":
        return _call_data(criterion.rule or {}, call)
    if criterion.kind == "transcript":
        return _transcript(criterion.rule or {}, transcript)
    return None


def _number(value: Any) -> float | int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _flag(value: Any) -> bool | None:
    if isinstance(value, str):
        return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(
            value.strip().lower()
        )
    return None if value is None else bool(value)


def _call_data(rule: Mapping[str, Any], call: Mapping[str, Any]) -> AutoResult:
    measure = rule["measure"]
    raw = call.get(measure)
    value = _flag(raw) if measure == "transferred" else _number(raw)
    if value is None:
        name = MEASURE_NAMES.get(measure, measure)
        return AutoResult(
            None, {"measure": measure, "value": None}, f"The phone system recorded no {name}; listen and decide."
        )
    if measure == "transferred":
        expect = bool(rule["expect"])
        ok = value == expect
        said = "Transferred" if value else "Not transferred"
        wanted = "as expected" if ok else ("a transfer was expected" if expect else "it should have been kept")
        return AutoResult(float(ok), {"measure": measure, "value": value, "expect": expect}, f"{said}, {wanted}.")
    low, high = rule.get("min"), rule.get("max")
    ok = (low is None or value >= low) and (high is None or value <= high)
    evidence = {"measure": measure, "value": value, **{k: rule[k] for k in ("min", "max") if rule.get(k) is not None}}
    if low is not None and high is not None:
        limit = f"{'inside' if ok else 'outside'} {clock(low)} – {clock(high)}"
    elif high is not None:
        limit = f"{'within' if ok else 'over'} {clock(high)}"
    else:
        limit = f"{'at least' if ok else 'under'} {clock(low)}"
    lead = f"Answered after {clock(value)}" if measure == "wait_seconds" else f"Talk time {clock(value)}"
    return AutoResult(float(ok), evidence, f"{lead}, {limit}.")


def _agent_words(turns: list[Mapping[str, Any]], mono: bool) -> list[tuple[str, float, str | None]]:
    """(token, start, speaker) for every word the agent said (every word when mono), in time order.
    A turn without word timings counts its text as said at the turn's start."""
    words = []
    for turn in turns:
        speaker = turn.get("speaker")
        if not mono and speaker != "agent":
            continue
        items = turn.get("words") or [{"word": turn.get("text") or "", "start": turn.get("start") or 0.0}]
        words.extend((item, float(item.get("start") or 0.0), speaker) for item in items)
    words.sort(key=lambda w: w[1])  # stable: channels interleave, a word keeps its place within a turn
    return [(token, start, speaker) for item, start, speaker in words for token in normalise(str(item.get("word", "")))]


def _duration(transcript: Mapping[str, Any], turns: list[Mapping[str, Any]]) -> float:
    given = _number(transcript.get("duration"))
    if given:
        return float(given)
    ends = [float(w["end"]) for t in turns for w in t.get("words") or () if w.get("end") is not None]
    ends += [float(t["end"]) for t in turns if t.get("end") is not None]
    return max(ends, default=0.0)


def _transcript(rule: Mapping[str, Any], transcript: Mapping[str, Any] | None) -> AutoResult:
    phrases = list(rule["phrases"])
    present = rule.get("present", True)
    within, seconds = rule.get("within"), rule.get("seconds")
    if not transcript or not transcript.get("turns"):
        return AutoResult(None, {"phrase": None, "phrases": phrases}, "No transcript yet; listen and decide.")
    turns = list(transcript["turns"])
    mono = not any(t.get("speaker") for t in turns)
    tokens = _agent_words(turns, mono)
    duration = _duration(transcript, turns)
    found: tuple[str, float, str | None] | None = None
    for phrase in phrases:
        wanted = normalise(phrase)
        if not wanted:
            continue
        for index in range(len(tokens) - len(wanted) + 1):
            if [t for t, _, _ in tokens[index : index + len(wanted)]] != wanted:
                continue
            _, at, speaker = tokens[index]
            if within == "first" and at > seconds:
                continue
            if within == "last" and at < duration - seconds:
                continue
            if found is None or at < found[1]:
                found = (phrase, at, speaker)
            break  # this phrase's first match in the window; an earlier phrase may still win
    place = f" in the {within} {clock(seconds)}" if within else ""
    evidence: dict[str, Any] = {
        "phrase": None,
        "at": None,
        "speaker": None,
        "phrases": phrases,
        "present": present,
        "within": within,
        "seconds": seconds,
    }
    if within == "last":
        evidence["duration"] = round(duration, 2)
    if found:
        phrase, at, speaker = found
        evidence.update(phrase=phrase, at=round(at, 2), speaker=speaker)
        ok = present
        summary = f"“{phrase}” at {clock(at)}" + ("" if present else ", a phrase to avoid")
    else:
        ok = not present
        summary = f"None of {', '.join('“' + p + '”' for p in phrases)} heard{place}"
    if mono:
        evidence["mono"] = True  # no speaker channels: every word counted as the agent's
        summary += " (mono recording: every speaker's words counted)"
    return AutoResult(float(ok), evidence, summary + ".")
