"""The Vosk engine: a `Model` loaded once (per process), and a recogniser of its own for each
recording's channel (a recogniser is used by one thread only: it is not thread-safe; the model
is). Vosk releases the GIL while it decodes, so threads of one process can share an engine;
transcription/pool.py runs engines in worker processes where those measure better.

Only speech is decoded (transcription/vad.py finds it, per channel). The stretches of speech of
a channel are fed one after the other to one recogniser, which keeps adapting to the speaker
across them, and each word's times are mapped back from the audio fed to the recording's own
clock: a word heard at second t of the stretch that began at second s of the recording and at
second f of the feed is placed at s + (t - f). tests/transcription/test_vad.py checks the times
against Vosk fed the whole channel.

A recogniser is not reused across recordings: after `Reset()` Vosk goes on counting time from
the previous recording, so the next recording's words would start where the last one ended."""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass
from pathlib import Path

from transcription.audio import Audio, decode
from transcription.model import DecoderOptions, ModelInfo, find_model, tuned_model_dir
from transcription.transcript import Transcript, Word, build_transcript
from transcription.vad import Span, VadOptions, decoded_share, speech_spans

# Audio is fed in 4000-frame chunks, as Vosk's own examples and vosk-transcriber do.
CHUNK_FRAMES = 4000


def vad_from_settings() -> VadOptions | None:
    from qa_app.settings import get_settings

    mode = get_settings().vad_mode
    return None if mode is None else VadOptions(mode=mode)


@dataclass
class Decoded:
    """A transcript and how much of its audio was decoded (seconds of channel audio)."""

    transcript: Transcript
    decoded_seconds: float
    channel_seconds: float


class Engine:
    """`options`: the recogniser's speed settings (default: QA_VOSK_*); `vad`: the speech
    detector's (default: QA_VAD; None decodes whole channels)."""

    def __init__(
        self,
        model: str | Path | ModelInfo | None = None,
        *,
        options: DecoderOptions | None = None,
        vad: VadOptions | None | bool = True,
    ):
        import vosk

        vosk.SetLogLevel(-1)
        self.info = model if isinstance(model, ModelInfo) else find_model(model)
        self.options = options if options is not None else DecoderOptions.from_settings()
        self.vad: VadOptions | None = vad_from_settings() if vad is True else (vad or None)
        self.loaded_from = tuned_model_dir(self.info, self.options)
        self.model = vosk.Model(str(self.loaded_from))
        self._vosk = vosk

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    def _recognizer(self):
        recognizer = self._vosk.KaldiRecognizer(self.model, self.sample_rate)
        recognizer.SetWords(True)
        if self.options.alternatives:
            recognizer.SetMaxAlternatives(self.options.alternatives)
        return recognizer

    def _found(self, result: str) -> list[dict]:
        data = json.loads(result)
        if "alternatives" not in data:
            return data.get("result", [])
        # The best path, each word with the best path's share of the N-best list (the list gives
        # no confidence per word).
        alternatives = data["alternatives"]
        if not alternatives:
            return []
        best = max(a["confidence"] for a in alternatives)
        share = 1.0 / sum(math.exp(a["confidence"] - best) for a in alternatives)
        return [{**w, "conf": share} for w in alternatives[0].get("result", [])]

    def words(self, pcm: bytes, spans: list[Span] | None = None) -> list[Word]:
        """The words Vosk hears in one channel of 16-bit PCM at the model's rate: the whole
        channel, or only `spans` of it, with times on the channel's own clock either way."""
        recognizer = self._recognizer()
        found: list[dict] = []
        step = CHUNK_FRAMES * 2
        total = len(pcm) // 2
        spans = [Span(0, total)] if spans is None else spans
        fed_starts: list[int] = []  # where each span begins in the audio fed, in samples
        fed = 0
        for span in spans:
            fed_starts.append(fed)
            for start in range(span.start * 2, span.end * 2, step):
                if recognizer.AcceptWaveform(pcm[start : min(start + step, span.end * 2)]):
                    found.extend(self._found(recognizer.Result()))
            fed += span.length
        found.extend(self._found(recognizer.FinalResult()))
        rate = self.sample_rate

        def placed(seconds: float, ending: bool = False) -> float:
            if not spans:
                return seconds
            sample = seconds * rate - (1e-6 if ending else 0)
            index = max(0, bisect.bisect_right(fed_starts, sample) - 1)
            shift = spans[index].start - fed_starts[index]
            return seconds if shift == 0 else round(seconds + shift / rate, 6)

        return [
            Word(
                word=w["word"],
                start=placed(float(w["start"])),
                end=placed(float(w["end"]), ending=True),
                conf=float(w["conf"]),
            )
            for w in found
        ]

    def speech(self, audio: Audio) -> list[list[Span] | None]:
        """Each channel's stretches of speech (None for a channel decoded whole)."""
        if self.vad is None:
            return [None] * len(audio.channels)
        spans = []
        for index, pcm in enumerate(audio.channels):
            other = audio.channels[1 - index] if len(audio.channels) == 2 else None
            spans.append(speech_spans(pcm, audio.sample_rate, self.vad, other))
        return spans

    def decode_audio(self, audio: Audio, agent_channel: int = 0) -> Decoded:
        """The transcript, and how much audio the recogniser was given for it."""
        spans = self.speech(audio)
        samples = len(audio.channels[0]) // 2 if audio.channels else 0
        decoded = float(sum(decoded_share(s, samples) for s in spans) * audio.duration)
        if len(audio.channels) == 1:
            transcript = build_transcript({None: self.words(audio.channels[0], spans[0])}, audio.duration)
        else:
            speakers = {"agent": agent_channel, "caller": 1 - agent_channel}
            transcript = build_transcript(
                {speaker: self.words(audio.channels[index], spans[index]) for speaker, index in speakers.items()},
                audio.duration,
            )
        return Decoded(transcript, decoded, audio.duration * len(audio.channels))

    def transcribe_audio(self, audio: Audio, agent_channel: int = 0) -> Transcript:
        return self.decode_audio(audio, agent_channel).transcript

    def transcribe(self, path: Path, agent_channel: int = 0) -> Transcript:
        return self.transcribe_audio(decode(path, self.sample_rate), agent_channel)
