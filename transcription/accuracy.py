"""Word and character error rates (jiwer) of machine transcripts against corrected or reference
text. Rates over many calls are pooled: all errors over all reference words, never an average of
per-call rates (a one-word call would weigh as much as a ten-minute one)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import jiwer

AUDIO_SUFFIXES = {".wav", ".mp3", ".gsm", ".ogg", ".opus", ".flac"}


def normalise(text: str) -> str:
    """Lower case, punctuation out, spaces collapsed: what ASR scoring compares."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s']|_", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Score:
    word_errors: int
    ref_words: int
    char_errors: int
    ref_chars: int

    @property
    def wer(self) -> float | None:
        return self.word_errors / self.ref_words if self.ref_words else None

    @property
    def cer(self) -> float | None:
        return self.char_errors / self.ref_chars if self.ref_chars else None

    def __add__(self, other: Score) -> Score:
        return Score(
            self.word_errors + other.word_errors,
            self.ref_words + other.ref_words,
            self.char_errors + other.char_errors,
            self.ref_chars + other.ref_chars,
        )


ZERO = Score(0, 0, 0, 0)


def score(reference: str, hypothesis: str) -> Score:
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return Score(len(hyp.split()), 0, len(hyp), 0)
    words = jiwer.process_words(ref, hyp or "")
    chars = jiwer.process_characters(ref, hyp or "")
    word_errors = words.substitutions + words.deletions + words.insertions
    char_errors = chars.substitutions + chars.deletions + chars.insertions
    return Score(word_errors, len(ref.split()), char_errors, len(ref))


def pooled(scores: list[Score]) -> Score:
    return sum(scores, ZERO)


def references(folder: Path) -> dict[Path, str]:
    """Audio files with their reference text: a `.txt` beside each, or a Kaldi-style `text`
    file (`utterance-id transcript` per line, the id being the audio file's name without suffix)."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    audio = {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in AUDIO_SUFFIXES}
    found: dict[Path, str] = {}
    kaldi = folder / "text"
    if kaldi.is_file():
        for number, line in enumerate(kaldi.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            utterance, _, text = line.partition(" ")
            if utterance not in audio:
                raise ValueError(f"{kaldi}, line {number}: no audio file named {utterance}.*")
            found[audio[utterance]] = text.strip()
    for path in audio.values():
        reference = path.with_suffix(".txt")
        if path not in found and reference.is_file():
            found[path] = reference.read_text(encoding="utf-8").strip()
    if not found:
        raise ValueError(f"{folder} holds no audio file with a reference (.txt beside it, or a Kaldi `text` file)")
    return found
