"""Flags: what makes a call worth a look, as plain functions over plain data (no database).

A call gets a flag of each kind that applies, with a sentence a person reads:

- `silence`: nobody spoke for `silence_seconds` or longer (dead air between two stretches of
  speech, as the transcript's talk metrics measure it);
- `talk_over`: agent and caller spoke at once for `talk_over_seconds` or longer in all;
- `long`, `short`: talk time over `length_factor` times the usual (the median of the service's
  answered calls that month), or under the usual divided by it; a service needs
  `usual_min_calls` calls for its usual to count;
- `automatic`: an automatic criterion failed (scorecards/autochecks.py), with what it found;
- `complaint`, `manager`: the caller used words of complaint, or asked for a manager (a phrase
  list per language in the settings), matched on the caller's words (every word on a mono
  recording) by their stems (kit/text.py), so "complained" matches "complain";
- `low_survey`: the resident's satisfaction answer (1-5) was `low_satisfaction` or lower;
- `repeat`: the same caller had rung about the same service within `repeat_days` before (the
  case register's rule, `cases.case_rules.repeat_of`), or the call's case repeats an earlier one;
- `transfer`: the call was transferred.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kit.text import same_word, stems
from qa_app.i18n import _l
from scorecards.automatic import clock, normalise
from transcription.metrics import overlap, speech_intervals
from transcription.transcript import Word

# Every kind, in the order a page lists them, with its label.
KINDS: dict[str, str] = {
    "automatic": "Failed automatic check",
    "complaint": "Words of complaint",
    "manager": "Asked for a manager",
    "low_survey": "Low survey answer",
    "repeat": "Repeat contact",
    "silence": "Long silence",
    "talk_over": "Talk-over",
    "long": "Unusually long",
    "short": "Unusually short",
    "transfer": "Transferred",
}
# The same labels as people read them, in their language (KINDS stays English: a targeted pick's
# stored reason starts with it, and the reason is read back by it).
KIND_LABELS = {
    "automatic": _l("Failed automatic check"),
    "complaint": _l("Words of complaint"),
    "manager": _l("Asked for a manager"),
    "low_survey": _l("Low survey answer"),
    "repeat": _l("Repeat contact"),
    "silence": _l("Long silence"),
    "talk_over": _l("Talk-over"),
    "long": _l("Unusually long"),
    "short": _l("Unusually short"),
    "transfer": _l("Transferred"),
}
PHRASE_KINDS = ("complaint", "manager")


@dataclass(frozen=True)
class Flag:
    kind: str
    detail: str  # a sentence: "Nobody spoke for 0:48 from 2:10."

    @property
    def label(self) -> str:
        return KINDS[self.kind]


class PhraseList:
    """Phrases of one kind in every language, ready to be found in a stream of words."""

    def __init__(self, phrases: Sequence[str]):
        self.phrases: list[tuple[str, list[str]]] = []
        self._first: dict[str, list[int]] = {}  # a stem of a phrase's first word -> its phrases
        for phrase in phrases:
            tokens = normalise(phrase)
            if not tokens:
                continue
            index = len(self.phrases)
            self.phrases.append((phrase, tokens))
            for key in stems(tokens[0]) | {tokens[0]}:
                self._first.setdefault(key, []).append(index)

    def find(self, words: Sequence[tuple[str, float]]) -> tuple[str, str, float] | None:
        """The first phrase heard in `words` ((token, start) in time order): the phrase, the
        words as heard ("complained" for "complain") and when they began."""
        first = self._first
        for position, (token, at) in enumerate(words):
            keys = stems(token)
            if token not in first and keys.isdisjoint(first):
                continue  # most words start no phrase
            candidates = {i for key in keys | {token} for i in first.get(key, ())}
            for index in sorted(candidates):
                phrase, tokens = self.phrases[index]
                if position + len(tokens) > len(words):
                    continue
                if all(same_word(words[position + k][0], tokens[k]) for k in range(1, len(tokens))):
                    return phrase, " ".join(w for w, _ in words[position : position + len(tokens)]), at
        return None


@dataclass(frozen=True)
class FlagRules:
    """The settings' "flags" section (scorecards/config.py), ready to use."""

    silence_seconds: float = 20
    talk_over_seconds: float = 10
    length_factor: float = 3.0
    usual_min_calls: int = 20
    low_satisfaction: int = 2
    repeat_days: int = 7
    min_confidence: float = 0.0  # a transcript word heard less surely than this is not evidence
    phrases: Mapping[str, PhraseList] = field(default_factory=dict)  # kind -> its phrases in every language

    @classmethod
    def from_settings(cls, flags: Mapping[str, Any], min_confidence: float = 0.0) -> FlagRules:
        return cls(
            silence_seconds=float(flags["silence_seconds"]),
            talk_over_seconds=float(flags["talk_over_seconds"]),
            length_factor=float(flags["length_factor"]),
            usual_min_calls=int(flags["usual_min_calls"]),
            low_satisfaction=int(flags["low_satisfaction"]),
            repeat_days=int(flags["repeat_days"]),
            min_confidence=float(min_confidence),
            phrases={
                kind: PhraseList([p for language in sorted(by_language) for p in by_language[language]])
                for kind, by_language in flags["phrases"].items()
            },
        )


@dataclass(frozen=True)
class Usual:
    """The usual talk time of a service in a month: the median of its answered calls."""

    seconds: float
    calls: int
    service: str  # its name, for the sentence; "calls without a service" when none was recorded


@dataclass(frozen=True)
class Repeat:
    """The call repeats an earlier contact `days` before it, about `service`; `earlier_case` is
    the tracking number of the earlier case when the case register found the repeat."""

    days: float
    service: str | None = None
    earlier_case: str | None = None


def call_flags(
    call: Mapping[str, Any],
    rules: FlagRules,
    *,
    transcript: Mapping[str, Any] | None = None,
    metrics: Mapping[str, Any] | None = None,
    checks: Sequence[Mapping[str, Any]] = (),
    satisfaction: int | None = None,
    repeat: Repeat | None = None,
    usual: Usual | None = None,
) -> list[Flag]:
    """The flags of one call, in the order of `KINDS`.

    `call` has talk_seconds, transferred and disposition; `transcript` is the design's JSON
    (turns with timed words) and `metrics` its talk metrics (transcription/metrics.py);
    `checks` are the call's automatic answers ({"criterion", "title", "value", "summary"});
    `satisfaction` is the lowest survey answer about the call; `repeat` the earlier contact it
    repeats; `usual` its service's usual talk time that month.
    """
    found: dict[str, str] = {}
    failed = [c for c in checks if c.get("value") is not None and float(c["value"]) < 1]
    if failed:
        parts = [
            f"{c.get('title') or c['criterion']} ({str(c.get('summary') or 'failed').rstrip('.')})" for c in failed
        ]
        found["automatic"] = ("Automatic checks failed: " if len(parts) > 1 else "Automatic check failed: ") + (
            "; ".join(parts) + "."
        )
    words = _caller_words(transcript, rules.min_confidence)
    for kind in PHRASE_KINDS:
        phrases = rules.phrases.get(kind)
        heard = phrases.find(words[0]) if phrases and words else None
        if heard:
            _phrase, said_words, at = heard
            who = "Someone" if words[1] else "The caller"
            said = f"{who} said “{said_words}” at {clock(at)}."
            found[kind] = said if kind == "complaint" else f"Asked for a manager: {said[0].lower()}{said[1:]}"
    if satisfaction is not None and satisfaction <= rules.low_satisfaction:
        found["low_survey"] = f"The resident rated the call {satisfaction} of 5."
    if repeat is not None:
        when = _days(repeat.days)
        if repeat.earlier_case:
            found["repeat"] = f"Its case repeats case {repeat.earlier_case}, opened {when} before."
        else:
            about = f"about {repeat.service} " if repeat.service else ""
            found["repeat"] = f"The same caller rang {about}{when} before."
    silence = _longest_silence(transcript, metrics, rules.silence_seconds)
    if silence and silence[0] >= rules.silence_seconds:
        seconds, at = silence
        found["silence"] = f"Nobody spoke for {clock(seconds)}" + (f" from {clock(at)}." if at is not None else ".")
    talk_over = _talk_over(transcript, metrics)
    if talk_over is not None and talk_over >= rules.talk_over_seconds:
        found["talk_over"] = f"Agent and caller spoke at once for {clock(talk_over)} in all."
    talk = call.get("talk_seconds")
    if usual is not None and usual.calls >= rules.usual_min_calls and usual.seconds > 0 and talk:
        base = f"Talk time {clock(talk)} against a usual {clock(usual.seconds)} for {usual.service}"
        if talk > usual.seconds * rules.length_factor:
            found["long"] = f"{base}: {talk / usual.seconds:.1f} times as long."
        elif talk < usual.seconds / rules.length_factor:
            found["short"] = f"{base}: {talk / usual.seconds:.0%} of it."
    if call.get("transferred") or call.get("disposition") == "transferred":
        found["transfer"] = "The call was transferred."
    return [Flag(kind, found[kind]) for kind in KINDS if kind in found]


def _days(days: float) -> str:
    whole = int(days)
    if whole < 1:
        return f"{max(1, round(days * 24))} hours" if days * 24 >= 1.5 else "an hour"
    return "a day" if whole == 1 else f"{whole} days"


def _turns(transcript: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return list(transcript.get("turns") or []) if transcript else []


def _caller_words(
    transcript: Mapping[str, Any] | None, min_confidence: float
) -> tuple[list[tuple[str, float]], bool] | None:
    """(token, start) of the caller's words in time order, and whether the recording is mono
    (then every word counts: the speakers cannot be told apart); None without a transcript."""
    turns = _turns(transcript)
    if not turns:
        return None
    mono = not any(t.get("speaker") for t in turns)
    timed = []
    for turn in turns:
        if not mono and turn.get("speaker") == "agent":
            continue
        items = turn.get("words") or [{"word": turn.get("text") or "", "start": turn.get("start") or 0.0}]
        for item in items:
            conf = item.get("conf")
            if conf is not None and float(conf) < min_confidence:
                continue
            timed.append((float(item.get("start") or 0.0), str(item.get("word", ""))))
    timed.sort(key=lambda pair: pair[0])  # stable: a word keeps its place within a turn
    return [(token, start) for start, word in timed for token in _tokens(word)], mono


@lru_cache(maxsize=65536)
def _tokens(word: str) -> tuple[str, ...]:
    return tuple(normalise(word))


def _words(turns: list[Mapping[str, Any]], speaker: str | None = None) -> list[Word]:
    return [
        Word(str(w.get("word", "")), float(w["start"]), float(w["end"]), float(w.get("conf") or 1.0))
        for t in turns
        if speaker is None or t.get("speaker") == speaker
        for w in t.get("words") or ()
        if w.get("start") is not None and w.get("end") is not None
    ]


def _longest_silence(
    transcript: Mapping[str, Any] | None, metrics: Mapping[str, Any] | None, at_least: float
) -> tuple[float, float | None] | None:
    """(seconds, when it began) of the longest pause between two stretches of speech: worked
    out from the words as the talk metrics do, so that it can say where; else the metrics'.
    When the metrics show no pause of `at_least`, the words are not read (most calls)."""
    measured = metrics.get("longest_silence") if metrics else None
    if measured is not None and float(measured) < at_least:
        return float(measured), None
    words = _words(_turns(transcript))
    if words:
        speech = speech_intervals(words)
        pauses = [(later[0] - earlier[1], earlier[1]) for earlier, later in zip(speech, speech[1:], strict=False)]
        return max(pauses, default=(0.0, None))
    if metrics and metrics.get("longest_silence") is not None:
        return float(metrics["longest_silence"]), None
    return None


def _talk_over(transcript: Mapping[str, Any] | None, metrics: Mapping[str, Any] | None) -> float | None:
    if metrics and metrics.get("overlap") is not None:
        return float(metrics["overlap"])
    turns = _turns(transcript)
    if not any(t.get("speaker") for t in turns):
        return None  # mono, or no transcript: talk-over cannot be told
    agent, caller = speech_intervals(_words(turns, "agent")), speech_intervals(_words(turns, "caller"))
    return overlap(agent, caller)
