"""The Vosk engine: one `Model` per process, shared by a pool of threads; each recording's
channel gets a recogniser of its own, used by one thread only (a recogniser is not thread-safe;
the model is). Vosk releases the GIL while it decodes, so threads give real parallelism.

A recogniser is not reused: after `Reset()` Vosk goes on counting time from the previous
recording, so the next recording's words would start where the last one ended."""

from __future__ import annotations

import json
from pathlib import Path

from transcription.audio import Audio, decode
from transcription.model import ModelInfo, find_model
from transcription.transcript import Transcript, Word, build_transcript

# Audio is fed in 4000-frame chunks, as Vosk's own examples and vosk-transcriber do.
CHUNK_FRAMES = 4000


class Engine:
    def __init__(self, model: str | Path | ModelInfo | None = None):
        import vosk

        vosk.SetLogLevel(-1)
        self.info = model if isinstance(model, ModelInfo) else find_model(model)
        self.model = vosk.Model(str(self.info.path))
        self._vosk = vosk

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    def _recognizer(self):
        recognizer = self._vosk.KaldiRecognizer(self.model, self.sample_rate)
        recognizer.SetWords(True)
        return recognizer

    def words(self, pcm: bytes) -> list[Word]:
        """The words Vosk hears in one channel of 16-bit PCM at the model's rate."""
        recognizer = self._recognizer()
        found: list[dict] = []
        step = CHUNK_FRAMES * 2
        for start in range(0, len(pcm), step):
            if recognizer.AcceptWaveform(pcm[start : start + step]):
                found.extend(json.loads(recognizer.Result()).get("result", []))
        found.extend(json.loads(recognizer.FinalResult()).get("result", []))
        return [
            Word(word=w["word"], start=float(w["start"]), end=float(w["end"]), conf=float(w["conf"])) for w in found
        ]

    def transcribe_audio(self, audio: Audio, agent_channel: int = 0) -> Transcript:
        if len(audio.channels) == 1:
            return build_transcript({None: self.words(audio.channels[0])}, audio.duration)
        speakers = {"agent": agent_channel, "caller": 1 - agent_channel}
        return build_transcript(
            {speaker: self.words(audio.channels[index]) for speaker, index in speakers.items()}, audio.duration
        )

    def transcribe(self, path: Path, agent_channel: int = 0) -> Transcript:
        return self.transcribe_audio(decode(path, self.sample_rate), agent_channel)
