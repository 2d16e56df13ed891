"""Automatic criteria, filled in from the call's data and its transcript, with the evidence a
marker checks: the measure and its limit, or the phrase and the moment it was said.

A value of None means the check cannot decide (no transcript yet, a measure the phone system
did not record): the marker answers, and the summary says why.

Phrases are matched on words: both the phrase and the transcript are lower-cased, stripped of
punctuation (apostrophes vanish, so "you're" and "you’re" are both "youre") and split on
whitespace; a phrase matches consecutive words of the agent's turns, in time order. A word the
recogniser was less sure of than `min_confidence` is not evidence: it is left out, as if unheard.

`Checks` (and `evaluate_all`) answers every criterion of a call at once and reads the
transcript once: it runs on every answered call of a month (scorecards/autochecks.py), so it
must be quick. Given a transcript as its stored JSON text, it reads only the fields the checks
use, and in a two-channel recording not the caller's words at all (`_hear_text`); when every
phrase check has a window ("first" or "last" seconds) it tokenises only the words that can fall
in one (`_Span`); the answers of call data are worked out once per value. The answers are always
those `evaluate` gives on the parsed document: a document outside the fast reader's strict
types is parsed in full and checked the slow way.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import Any

import msgspec

from qa_app import i18n
from qa_app.i18n import _
from scorecards.definition import Criterion

APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
PUNCTUATION = re.compile(r"[\W_]+")
MEASURE_NAMES = {"wait_seconds": "time to answer", "talk_seconds": "talk time", "transferred": "transfer"}


@dataclass(frozen=True)
class AutoResult:
    value: float | None
    evidence: dict[str, Any]
    summary: str

    @cached_property
    def evidence_json(self) -> str:
        """The evidence with the summary, as the JSON text scorecards/autochecks.py stores. Worked
        out once per result: `Checks` hands the same result to every call with the same data."""
        return msgspec.json.encode({**self.evidence, "summary": self.summary}).decode()


def clock(seconds: float) -> str:
    """m:ss, rounded to the second: 42 -> "0:42", 61.6 -> "1:02"."""
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation: "Good morning, I'm Sam." -> ["good", "morning", "im", "sam"]."""
    return PUNCTUATION.sub(" ", APOSTROPHES.sub("", text.lower())).split()


@dataclass(frozen=True)
class Heard:
    """A transcript made ready for phrase checks: the agent's words in time order, where each
    word occurs, and the call's length. From `Checks`, the words may be only those the checks
    can use (see `_Span`)."""

    tokens: list[tuple[str, float, str | None]]
    positions: dict[str, list[int]]
    duration: float
    mono: bool


def hear(transcript: Mapping[str, Any] | None, min_confidence: float = 0.0) -> Heard | None:
    """The transcript's agent words for phrase checks; None without a transcript."""
    if not transcript or not transcript.get("turns"):
        return None
    turns = list(transcript["turns"])
    mono = not any(t.get("speaker") for t in turns)
    tokens = _agent_words(turns, mono, min_confidence)
    positions: dict[str, list[int]] = {}
    for index, (token, _at, _speaker) in enumerate(tokens):
        positions.setdefault(token, []).append(index)
    return Heard(tokens, positions, _duration(transcript, turns), mono)


def evaluate(
    criterion: Criterion,
    call: Mapping[str, Any],
    transcript: Mapping[str, Any] | None,
    min_confidence: float = 0.0,
) -> AutoResult | None:
    """The automatic answer to `criterion` (1 pass, 0 fail, None undecided); None for manual kinds."""
    if criterion.kind == "call_data":
        return _call_data(criterion.rule or {}, call)
    if criterion.kind == "transcript":
        return _transcript(criterion.rule or {}, hear(transcript, min_confidence))
    return None


def evaluate_all(
    criteria: list[Criterion],
    call: Mapping[str, Any],
    transcript: Mapping[str, Any] | str | bytes | None,
    min_confidence: float = 0.0,
) -> dict[str, AutoResult]:
    """The automatic answers of every automatic criterion in `criteria`, by code; the transcript
    parsed or as its JSON text. Over many calls, make one `Checks` and ask it for each."""
    return Checks(criteria, min_confidence).answer(call, transcript)


class Checks:
    """The automatic criteria of a template, made ready once for a run over many calls: the
    phrases normalised, the span of words the phrase checks can use, and the answers of call
    data remembered per value (they are shared between calls: treat results as read-only)."""

    MEMO_LIMIT = 10_000  # remembered call-data answers; a measure has a few hundred values a month

    def __init__(self, criteria: list[Criterion], min_confidence: float = 0.0) -> None:
        self.criteria = [c for c in criteria if c.kind in ("call_data", "transcript")]
        self.min_confidence = min_confidence
        self.wanted = {
            c.code: [(p, normalise(p)) for p in (c.rule or {})["phrases"]]
            for c in self.criteria
            if c.kind == "transcript"
        }
        self.span = _Span.of([c for c in self.criteria if c.kind == "transcript"], self.wanted)
        self.memo: dict[tuple[str, type, Any], AutoResult] = {}

    def answer(
        self, call: Mapping[str, Any], transcript: Mapping[str, Any] | str | bytes | None
    ) -> dict[str, AutoResult]:
        """The answers of every criterion, by code (as `evaluate` gives them one by one)."""
        heard = self.hear(transcript) if self.wanted else None
        results = {}
        for criterion in self.criteria:
            rule = criterion.rule or {}
            if criterion.kind == "call_data":
                results[criterion.code] = self._call_data(criterion.code, rule, call)
            else:
                results[criterion.code] = _transcript(rule, heard, self.wanted[criterion.code])
        return results

    def hear(self, transcript: Mapping[str, Any] | str | bytes | None) -> Heard | None:
        if isinstance(transcript, (str, bytes)):
            return _hear_text(transcript, self.min_confidence, self.span)
        return hear(transcript, self.min_confidence)

    def _call_data(self, code: str, rule: Mapping[str, Any], call: Mapping[str, Any]) -> AutoResult:
        raw = call.get(rule["measure"])
        if not isinstance(raw, (int, str, type(None))):  # a float may be -0.0 or 0.0: not worth it
            return _call_data(rule, call)
        key = (code, type(raw), raw)  # the type too: 1, 1.0 and True are equal keys otherwise
        found = self.memo.get(key)
        if found is None:
            if len(self.memo) >= self.MEMO_LIMIT:
                self.memo.clear()
            found = self.memo[key] = _call_data(rule, call)
        return found


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


def _tokens(word: str) -> list[str]:
    """`normalise` for one recognised word; the recogniser's plain lower-case words skip the regexes."""
    if word.isalnum() and word.islower():
        return [word]
    return normalise(word)


def _agent_words(
    turns: list[Mapping[str, Any]], mono: bool, min_confidence: float = 0.0
) -> list[tuple[str, float, str | None]]:
    """(token, start, speaker) for every word the agent said (every word when mono), in time order,
    leaving out words heard with a confidence below `min_confidence`. A turn without word timings
    counts its text as said at the turn's start."""
    words = []
    for turn in turns:
        speaker = turn.get("speaker")
        if not mono and speaker != "agent":
            continue
        items = turn.get("words") or [{"word": turn.get("text") or "", "start": turn.get("start") or 0.0}]
        for item in items:
            if min_confidence and float(item.get("conf", 1.0)) < min_confidence:
                continue
            words.append((item, float(item.get("start") or 0.0), speaker))
    words.sort(key=lambda w: w[1])  # stable: channels interleave, a word keeps its place within a turn
    return [(token, start, speaker) for item, start, speaker in words for token in _tokens(str(item.get("word", "")))]


def _duration(transcript: Mapping[str, Any], turns: list[Mapping[str, Any]]) -> float:
    given = _number(transcript.get("duration"))
    if given:
        return float(given)
    ends = [float(w["end"]) for t in turns for w in t.get("words") or () if w.get("end") is not None]
    ends += [float(t["end"]) for t in turns if t.get("end") is not None]
    return max(ends, default=0.0)


def _first_match(heard: Heard, wanted: list[str], within: str | None, seconds: float | None) -> int | None:
    """Where `wanted` is first said inside the window, as an index into the tokens."""
    tokens = heard.tokens
    for index in heard.positions.get(wanted[0], ()):
        if index + len(wanted) > len(tokens):
            break
        if any(tokens[index + k][0] != wanted[k] for k in range(1, len(wanted))):
            continue
        at = tokens[index][1]
        if within == "first" and at > seconds:
            continue
        if within == "last" and at < heard.duration - seconds:
            continue
        return index
    return None


def _transcript(
    rule: Mapping[str, Any], heard: Heard | None, normalised: list[tuple[str, list[str]]] | None = None
) -> AutoResult:
    phrases = list(rule["phrases"])
    present = rule.get("present", True)
    within, seconds = rule.get("within"), rule.get("seconds")
    if heard is None:
        return AutoResult(None, {"phrase": None, "phrases": phrases}, "No transcript yet; listen and decide.")
    mono, duration = heard.mono, heard.duration
    found: tuple[str, float, str | None] | None = None
    for phrase, wanted in normalised if normalised is not None else [(p, normalise(p)) for p in phrases]:
        if not wanted:
            continue
        index = _first_match(heard, wanted, within, seconds)
        if index is None:
            continue
        _, at, speaker = heard.tokens[index]
        if found is None or at < found[1]:
            found = (phrase, at, speaker)  # the earliest of the phrases wins
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


def summary_of(evidence: Mapping[str, Any]) -> str:
    """An automatic answer's stored evidence in a sentence, in the current language. The stored
    summary is English (the words `_call_data` and `_transcript` wrote); in English it is shown
    as stored, in another language it is said again from the evidence's parts."""
    stored = str(evidence.get("summary") or "")
    if i18n.current() == i18n.SOURCE:
        return stored
    try:
        if "measure" in evidence:
            return _call_data_summary(evidence)
        if "phrases" in evidence:
            return _transcript_summary(evidence)
    except (KeyError, TypeError, ValueError):
        pass
    return stored


def _call_data_summary(evidence: Mapping[str, Any]) -> str:
    measure, value = evidence["measure"], evidence["value"]
    names = {"wait_seconds": _("time to answer"), "talk_seconds": _("talk time"), "transferred": _("transfer")}
    if value is None:
        return _("The phone system recorded no %(name)s; listen and decide.") % {"name": names.get(measure, measure)}
    if measure == "transferred":
        expect = bool(evidence["expect"])
        ok = bool(value) == expect
        if ok:
            return _("Transferred, as expected.") if value else _("Not transferred, as expected.")
        if expect:
            return _("Not transferred, a transfer was expected.")
        return _("Transferred, it should have been kept.")
    low, high = evidence.get("min"), evidence.get("max")
    ok = (low is None or value >= low) and (high is None or value <= high)
    if low is not None and high is not None:
        limit = (_("inside %(low)s – %(high)s") if ok else _("outside %(low)s – %(high)s")) % {
            "low": clock(low),
            "high": clock(high),
        }
    elif high is not None:
        limit = (_("within %(limit)s") if ok else _("over %(limit)s")) % {"limit": clock(high)}
    else:
        limit = (_("at least %(limit)s") if ok else _("under %(limit)s")) % {"limit": clock(low)}
    if measure == "wait_seconds":
        return _("Answered after %(time)s, %(limit)s.") % {"time": clock(value), "limit": limit}
    return _("Talk time %(time)s, %(limit)s.") % {"time": clock(value), "limit": limit}


def _transcript_summary(evidence: Mapping[str, Any]) -> str:
    if "present" not in evidence:
        return _("No transcript yet; listen and decide.")
    phrase, present = evidence.get("phrase"), evidence["present"]
    if phrase:
        values = {"phrase": phrase, "time": clock(evidence["at"])}
        summary = (
            _("“%(phrase)s” at %(time)s") if present else _("“%(phrase)s” at %(time)s, a phrase to avoid")
        ) % values
    else:
        heard = ", ".join("“" + p + "”" for p in evidence["phrases"])
        within, seconds = evidence.get("within"), evidence.get("seconds")
        if within == "first":
            summary = _("None of %(phrases)s heard in the first %(time)s") % {"phrases": heard, "time": clock(seconds)}
        elif within == "last":
            summary = _("None of %(phrases)s heard in the last %(time)s") % {"phrases": heard, "time": clock(seconds)}
        else:
            summary = _("None of %(phrases)s heard") % {"phrases": heard}
    if evidence.get("mono"):
        return _("%(summary)s (mono recording: every speaker's words counted).") % {"summary": summary}
    return summary + "."


# --- the fast reading of a stored transcript ------------------------------------------------------
#
# A month's transcripts are gigabytes of JSON; parsing each in full into dicts, and tokenising
# every word of the call, is most of a run's time. The reader below takes only the fields the
# checks use, into compact structs (msgspec, in C): in a two-channel recording it skips the
# caller's words unread, and it tokenises only the words a windowed check can look at. Its types
# are strict (a start must be a number, a word a string, a speaker "agent" or "caller" for the
# two-channel reading): any document outside them is read the next way, in the end parsed in
# full and heard by `hear`, so the answers never differ.


class _Word(msgspec.Struct, gc=False):
    word: str = ""
    start: float = 0.0  # `hear` reads a missing start as 0.0; a null one is left to it
    conf: float = 1.0


class _Turn(msgspec.Struct, gc=False):
    speaker: str | None = None
    start: float | None = None
    text: str | None = None
    words: list[_Word] | None = None


class _Doc(msgspec.Struct, gc=False):
    duration: float | None = None
    turns: list[_Turn] | None = None


class _AgentTurn(msgspec.Struct, gc=False, tag_field="speaker", tag="agent"):
    start: float | None = None
    text: str | None = None
    words: list[_Word] | None = None


class _CallerTurn(msgspec.Struct, gc=False, tag_field="speaker", tag="caller"):
    """Nothing of it is read: a caller's words never count (a two-channel recording)."""


class _Stereo(msgspec.Struct, gc=False):
    duration: float | None = None
    turns: list[_AgentTurn | _CallerTurn] | None = None


_READERS = (msgspec.json.Decoder(_Stereo).decode, msgspec.json.Decoder(_Doc).decode)
_START = attrgetter("start")
_SLOW = object()  # `_hear_doc` cannot be sure: hear the fully parsed document instead


@dataclass(frozen=True)
class _Span:
    """Which of the agent's words (in time order) the phrase checks can use, when every one has
    a window: those said in the first `first` seconds, with the `follow` tokens after them that
    a phrase begun there may run into, and those said from `last` seconds before the end (each
    None when no check looks there). A phrase that starts outside the windows is never the
    evidence, and matching within them sees the same consecutive words, so the answers are
    those of the whole call."""

    first: float | None
    last: float | None
    follow: int

    @classmethod
    def of(cls, criteria: list[Criterion], wanted: dict[str, list[tuple[str, list[str]]]]) -> _Span | None:
        firsts, lasts, longest = [], [], 1
        for criterion in criteria:
            rule = criterion.rule or {}
            within, seconds = rule.get("within"), rule.get("seconds")
            if within not in ("first", "last") or isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                return None  # a check over the whole call: every word counts
            (firsts if within == "first" else lasts).append(seconds)
            longest = max([longest, *(len(tokens) for _, tokens in wanted[criterion.code])])
        return cls(max(firsts, default=None), max(lasts, default=None), longest - 1)


def _hear_text(raw: str | bytes, min_confidence: float, span: _Span | None) -> Heard | None:
    """`hear` on a transcript's JSON text, reading only what the checks use."""
    for read in _READERS:
        try:
            doc = read(raw)
        except msgspec.DecodeError:  # outside the strict types (or not JSON: then json says so)
            continue
        heard = _hear_doc(doc, min_confidence, span)
        if heard is not _SLOW:
            return heard
        break
    return hear(json.loads(raw), min_confidence)


def _hear_doc(doc: _Stereo | _Doc, min_confidence: float, span: _Span | None) -> Any:
    """`hear` on the read document, the agent's words limited to `span`; _SLOW where the full
    document is needed (no duration: the call then ends with its last word, anyone's)."""
    turns = doc.turns
    if not turns:
        return None
    duration = doc.duration
    if not duration:
        return _SLOW
    if isinstance(doc, _Stereo):  # every turn has a speaker: not mono
        mono, speaker = False, "agent"
        agents: list[Any] = [t for t in turns if type(t) is _AgentTurn]
    else:
        mono = not any(t.speaker for t in turns)
        if mono and len({t.speaker for t in turns}) > 1:
            return _SLOW  # both None and "": each word keeps its own turn's, which the slow way does
        speaker = turns[0].speaker if mono else "agent"
        agents = [t for t in turns if mono or t.speaker == "agent"]
    words: list[_Word] = []
    for turn in agents:
        words += turn.words or [_Word(turn.text or "", turn.start or 0.0)]
    words.sort(key=_START)  # stable, as in `_agent_words`; sorting first, then leaving out the
    if span is not None:  # unsure words, keeps the same words in the same order
        words = _within(words, span, duration, min_confidence)
    tokens: list[tuple[str, float, str | None]] = []
    positions: dict[str, list[int]] = {}
    for w in words:  # `_tokens` and `hear`'s positions, inline: this runs for every word kept
        if min_confidence and w.conf < min_confidence:
            continue
        word = w.word
        for token in (word,) if word.isalnum() and word.islower() else normalise(word):
            positions.setdefault(token, []).append(len(tokens))
            tokens.append((token, w.start, speaker))
    return Heard(tokens, positions, float(duration), mono)


def _within(words: list[_Word], span: _Span, duration: float, min_confidence: float) -> list[_Word]:
    """The words (in time order) that `span` keeps: a head and a tail of the list. The unsure
    words are still in (they are left out after), but only sure ones count as following."""
    starts = list(map(_START, words))
    head, tail = 0, len(words)
    if span.first is not None:
        head = bisect_right(starts, span.first)  # said at or before `first`
        following = 0
        while head < len(words) and following < span.follow:
            if not min_confidence or words[head].conf >= min_confidence:
                following += len(_tokens(words[head].word))
            head += 1
    if span.last is not None:
        tail = bisect_left(starts, duration - span.last)  # said at or after `duration - last`
    return words if head >= tail else words[:head] + words[tail:]
