"""A transcript as speaker turns of timed words, in the JSON shape DESIGN.md gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# A pause this long within one speaker's speech starts a new turn.
TURN_PAUSE_SECONDS = 1.5


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    conf: float


@dataclass
class Turn:
    speaker: str | None
    words: list[Word] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)


@dataclass
class Transcript:
    turns: list[Turn]
    duration: float

    @property
    def text(self) -> str:
        return " ".join(turn.text for turn in self.turns)

    def words(self, speaker: str | None = None) -> list[Word]:
        return [w for turn in self.turns if speaker is None or turn.speaker == speaker for w in turn.words]

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "duration": round(self.duration, 3),
            "turns": [
                {
                    "speaker": turn.speaker,
                    "start": turn.start,
                    "end": turn.end,
                    "text": turn.text,
                    "words": [{"word": w.word, "start": w.start, "end": w.end, "conf": w.conf} for w in turn.words],
                }
                for turn in self.turns
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transcript:
        turns = [
            Turn(speaker=t["speaker"], words=[Word(w["word"], w["start"], w["end"], w["conf"]) for w in t["words"]])
            for t in data["turns"]
        ]
        return cls(turns=turns, duration=data["duration"])


def build_transcript(words_by_speaker: dict[str | None, list[Word]], duration: float) -> Transcript:
    """Interleave the speakers' words by time; a turn ends when the speaker changes or pauses."""
    tagged = sorted(
        ((word, speaker) for speaker, words in words_by_speaker.items() for word in words),
        key=lambda pair: (pair[0].start, pair[0].end),
    )
    turns: list[Turn] = []
    for word, speaker in tagged:
        last = turns[-1] if turns else None
        if last is None or last.speaker != speaker or word.start - last.end > TURN_PAUSE_SECONDS:
            turns.append(Turn(speaker=speaker))
        turns[-1].words.append(word)
    return Transcript(turns=turns, duration=duration)
