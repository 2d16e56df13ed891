"""Talk measures and turns on hand-made word timings (no audio, no engine)."""

from __future__ import annotations

import pytest

from transcription.metrics import overlap, speech_intervals, talk_metrics, union
from transcription.transcript import Transcript, Word, build_transcript


def w(word: str, start: float, end: float) -> Word:
    return Word(word, start, end, 1.0)


AGENT = [
    w("hello", 0.0, 0.5),
    w("city", 0.7, 1.0),
    w("hall", 1.1, 1.5),
    w("how", 6.0, 6.3),
    w("can", 6.4, 6.6),
    w("I", 6.7, 7.0),
]
CALLER = [w("my", 1.3, 1.6), w("bin", 1.7, 2.0), w("was", 2.2, 2.6), w("missed", 3.5, 4.0)]


def test_speech_joins_words_across_short_pauses():
    # 0.0-0.5, 0.7-1.0, 1.1-1.5 (pauses of 0.2 and 0.1) form one stretch; 6.0-7.0 another.
    assert speech_intervals(AGENT) == [(0.0, 1.5), (6.0, 7.0)]
    # Caller: 1.3-2.6 with small pauses, then a 0.9 s pause, then 3.5-4.0.
    assert speech_intervals(CALLER) == [(1.3, 2.6), (3.5, 4.0)]


def test_union_and_overlap():
    agent, caller = speech_intervals(AGENT), speech_intervals(CALLER)
    assert union(agent, caller) == [(0.0, 2.6), (3.5, 4.0), (6.0, 7.0)]
    assert overlap(agent, caller) == pytest.approx(0.2)  # 1.3-1.5
    assert overlap([(0, 10)], [(1, 2), (3, 4), (9, 12)]) == pytest.approx(3.0)
    assert overlap([(0, 1)], [(1, 2)]) == 0


def test_talk_metrics_for_a_stereo_call():
    transcript = build_transcript({"agent": AGENT, "caller": CALLER}, duration=10.0)
    m = talk_metrics(transcript)
    assert m.agent_talk == pytest.approx(2.5)  # 1.5 + 1.0
    assert m.caller_talk == pytest.approx(1.8)  # 1.3 + 0.5
    # Someone speaks 2.6 + 0.5 + 1.0 = 4.1 s of 10 s.
    assert m.silence_share == pytest.approx(0.59)
    # The pauses between stretches of speech: 2.6-3.5 (0.9) and 4.0-6.0 (2.0).
    assert m.longest_silence == pytest.approx(2.0)
    assert m.overlap == pytest.approx(0.2)
    assert m.agent_words_per_minute == pytest.approx(6 / (2.5 / 60))


def test_mono_counts_all_speech_as_one_speaker_and_silence_is_all_silence():
    mono = build_transcript({None: AGENT}, duration=8.0)
    m = talk_metrics(mono)
    assert (m.agent_talk, m.caller_talk, m.overlap) == (pytest.approx(2.5), 0, 0)
    empty = talk_metrics(Transcript(turns=[], duration=5.0))
    assert (empty.silence_share, empty.longest_silence, empty.agent_words_per_minute) == (1.0, 0.0, None)


def test_turns_change_with_the_speaker_or_a_long_pause():
    transcript = build_transcript({"agent": AGENT, "caller": CALLER}, duration=10.0)
    # Words interleave by time: the caller's "my" (1.3) comes before the agent's "hall" ends (1.5)
    # but after it starts (1.1), so "hall" stays with the agent's first turn.
    assert [(t.speaker, t.text) for t in transcript.turns] == [
        ("agent", "hello city hall"),
        ("caller", "my bin was missed"),
        ("agent", "how can I"),
    ]
    assert (transcript.turns[1].start, transcript.turns[1].end) == (1.3, 4.0)
    mono = build_transcript({None: [w("a", 0, 1), w("b", 1.2, 2), w("c", 4.0, 5)]}, duration=6)
    assert [t.text for t in mono.turns] == ["a b", "c"]  # the 2 s pause starts a new turn
    assert Transcript.from_json(transcript.as_json()).as_json() == transcript.as_json()
