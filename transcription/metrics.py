"""Talk measures of a call from its word timings: plain functions over plain data.

Speech is the union of a speaker's word intervals, with pauses shorter than
`SPEECH_GAP_SECONDS` between words counted as speaking (breath, not silence).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from transcription.transcript import Transcript, Word

SPEECH_GAP_SECONDS = 0.5

Interval = tuple[float, float]


def speech_intervals(words: list[Word], gap: float = SPEECH_GAP_SECONDS) -> list[Interval]:
    intervals: list[Interval] = []
    for word in sorted(words, key=lambda w: w.start):
        if intervals and word.start - intervals[-1][1] <= gap:
            intervals[-1] = (intervals[-1][0], max(intervals[-1][1], word.end))
        else:
            intervals.append((word.start, word.end))
    return intervals


def union(*groups: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(i for group in groups for i in group):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def total(intervals: list[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def overlap(a: list[Interval], b: list[Interval]) -> float:
    """Seconds during which both speak (talk-over)."""
    seconds, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            seconds += end - start
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return seconds


@dataclass
class TalkMetrics:
    duration: float
    agent_talk: float
    caller_talk: float
    silence_share: float  # share of the call in which nobody speaks
    longest_silence: float  # the longest pause between two stretches of speech (dead air)
    overlap: float  # seconds both speak at once
    agent_words_per_minute: float | None

    def as_json(self) -> dict:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def talk_metrics(transcript: Transcript) -> TalkMetrics:
    """For a mono recording everyone counts as one speaker, reported as the agent's talk."""
    speakers = {turn.speaker for turn in transcript.turns}
    stereo = bool(speakers - {None})
    agent_words = transcript.words("agent") if stereo else transcript.words()
    caller_words = transcript.words("caller") if stereo else []
    agent, caller = speech_intervals(agent_words), speech_intervals(caller_words)
    speech = union(agent, caller)
    duration = transcript.duration
    pauses = [later[0] - earlier[1] for earlier, later in zip(speech, speech[1:], strict=False)]
    agent_talk = total(agent)
    return TalkMetrics(
        duration=duration,
        agent_talk=agent_talk,
        caller_talk=total(caller),
        silence_share=max(0.0, 1 - total(speech) / duration) if duration else 0.0,
        longest_silence=max(pauses, default=0.0),
        overlap=overlap(agent, caller),
        agent_words_per_minute=len(agent_words) / (agent_talk / 60) if agent_talk else None,
    )
