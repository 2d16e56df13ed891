"""The Vosk engine: one `Model` per process, shared by a pool of threads; each recording's
channel gets a recogniser of its own, used by one thread only (a recogniser is not thread-safe;
the model is). Vosk releases the GIL while it decodes, so threads give real parallelism (worker
processes, each with its own model, give more: transcription/pool.py).

A recogniser is not reused: after `Reset()` Vosk goes on counting time from the previous
recording, so the next recording's words would start where the last one ended.

`Engine()` decodes every channel whole (a voice comment: short, and all of it speech).
`Engine.for_calls()` decodes only the speech that voice-activity detection finds in each channel
(transcription/vad.py) and gives each word its time in the recording (`Engine.words`). QA_VAD
sets the detector's aggressiveness (0 to 3, default 3) or turns it off."""

from __future__ import annotations

import bisect
import copy
import json
from pathlib import Path

from qa_app.settings import get_settings
from transcription import vad
from transcription.audio import Audio, decode
from transcription.model import ModelInfo, find_model, recogniser_options, tuned_model
from transcription.transcript import Transcript, Word, build_transcript

# Audio is fed in 4000-frame chunks, as Vosk's own examples and vosk-transcriber do.
CHUNK_FRAMES = 4000


class Engine:
    def __init__(self, model: str | Path | ModelInfo | None = None, *, vad_mode: int | None = None):
        """`vad_mode`: None decodes whole channels; 0-3 decodes only the speech found at that
        aggressiveness (see `for_calls`)."""
        import vosk

        vosk.SetLogLevel(-1)
        self.info = model if isinstance(model, ModelInfo) else find_model(model)
        # QA_VOSK_BEAM and the other recogniser settings (transcription/model.py), when set.
        self.model = vosk.Model(str(tuned_model(self.info.path, recogniser_options())))
        self._vosk = vosk
        # webrtcvad takes 8, 16, 32 and 48 kHz; a model of another rate decodes whole channels.
        self.vad_mode = vad_mode if self.info.sample_rate in vad.WEBRTC_RATES else None

    @classmethod
    def for_calls(cls, model: str | Path | ModelInfo | None = None) -> Engine:
        """The engine for call recordings: voice-activity detection as QA_VAD says (on by default)."""
        return cls(model, vad_mode=get_settings().vad_mode)

    def with_vad(self, vad_mode: int | None) -> Engine:
        """This engine (the same loaded model) with another voice-activity setting."""
        other = copy.copy(self)
        other.vad_mode = vad_mode if self.info.sample_rate in vad.WEBRTC_RATES else None
        return other

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    def _recognizer(self):
        recognizer = self._vosk.KaldiRecognizer(self.model, self.sample_rate)
        recognizer.SetWords(True)
        return recognizer

    def words(self, pcm: bytes, segments: list[vad.Segment] | None = None) -> list[Word]:
        """The words Vosk hears in one channel of 16-bit PCM at the model's rate: in all of it,
        or only in `segments`, with the times of the whole channel.

        The segments go to one recogniser one after another, as if the silence between them had
        not been recorded: it keeps adapting to the speaker from one segment to the next as it
        does over a whole channel (a fresh recogniser per segment moved some words by 0.2 s
        here). Vosk counts time in audio fed, so each word is moved back by what was left out
        before the segment it starts in."""
        if segments is None:
            return [self._word(w, 0.0) for w in self._decode([pcm])]
        rate = self.sample_rate
        pieces, fed_starts, fed = [], [], 0.0
        for segment in segments:
            piece = pcm[int(round(segment.start * rate)) * 2 : int(round(segment.end * rate)) * 2]
            pieces.append(piece)
            fed_starts.append(fed)
            fed += len(piece) / 2 / rate
        found = []
        for w in self._decode(pieces):
            index = max(0, bisect.bisect_right(fed_starts, float(w["start"]) + 1e-6) - 1)
            found.append(self._word(w, segments[index].start - fed_starts[index]))
        return found

    @staticmethod
    def _word(found: dict, shift: float) -> Word:
        start, end = float(found["start"]) + shift, float(found["end"]) + shift
        if shift:
            start, end = round(start, 3), round(end, 3)
        return Word(word=found["word"], start=start, end=end, conf=float(found["conf"]))

    def _decode(self, pieces: list[bytes]) -> list[dict]:
        """Vosk's words (as its JSON gives them) in the audio of `pieces`, fed in turn to one
        recogniser. Each piece ends an utterance, as the silence after it would have (without
        that, a word after the join was placed up to 0.18 s off here)."""
        recognizer = self._recognizer()
        found: list[dict] = []
        step = CHUNK_FRAMES * 2
        for pcm in pieces:
            for start in range(0, len(pcm), step):
                if recognizer.AcceptWaveform(pcm[start : start + step]):
                    found.extend(json.loads(recognizer.Result()).get("result", []))
            found.extend(json.loads(recognizer.FinalResult()).get("result", []))
        return found

    def segments(self, audio: Audio) -> list[list[vad.Segment]] | None:
        """The speech segments of each channel, or None when this engine decodes whole channels."""
        if self.vad_mode is None:
            return None
        return vad.call_segments(audio.channels, audio.sample_rate, self.vad_mode)

    def transcribe_audio(self, audio: Audio, agent_channel: int = 0) -> Transcript:
        found = self.segments(audio) or [None] * len(audio.channels)
        if len(audio.channels) == 1:
            return build_transcript({None: self.words(audio.channels[0], found[0])}, audio.duration)
        speakers = {"agent": agent_channel, "caller": 1 - agent_channel}
        return build_transcript(
            {speaker: self.words(audio.channels[index], found[index]) for speaker, index in speakers.items()},
            audio.duration,
        )

    def transcribe(self, path: Path, agent_channel: int = 0) -> Transcript:
        return self.transcribe_audio(decode(path, self.sample_rate), agent_channel)
