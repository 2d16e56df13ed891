"""Voice-activity detection per channel: the stretches of a channel the recogniser decodes.

A call recorder puts each side on its own channel, so most of each channel is not that side's
speech: silence while the other side talks, pauses, hold music. Decoding only speech is the
largest saving transcription has (docs/benchmarks.md gives the share decoded).

Three checks, all cheap next to decoding:

1. WebRTC's detector (`webrtcvad-wheels`), frame by frame (30 ms). It is a small statistical
   model of speech energy in six bands; QA_VAD sets its aggressiveness (0-3).
2. Steady sound is not speech. WebRTC's detector calls a tone or hold music speech (measured:
   100% of the frames of a 440 Hz tone and of synthetic music, at every aggressiveness). Speech
   changes all the time: its spectrum moves from one 30 ms frame to the next (mean cosine
   similarity of consecutive magnitude spectra 0.72-0.82 over espeak-ng's Korean, both voices,
   through 8 kHz mu-law) and its level rises and falls with the syllables (10th to 90th
   percentile of the loud frames' level 15-23 dB within a second). A tone holds still (0.99-1.0
   and under 1 dB) and so does music made of notes (0.94-0.99 and 4-8 dB). A second is judged
   steady when its similarity is at least `STEADY_SIMILARITY` and its level spread under
   `STEADY_SPREAD_DB`; two steady seconds in a row are not decoded, nor the frames either side
   that go on with the same steady sound (each like the one before it). Music with drums or a
   singer can pass as speech; it then costs decoding time, and Vosk mostly hears little in it.
3. The other side's echo is not speech: a frame at least `bleed_db` below the loudest the other
   channel was in the last `BLEED_WINDOW` seconds is its leak (an echo arrives a little later
   than its source, so the window looks back). Speaking over the other side at a normal level
   (within 30 dB) is kept.

The stretches found are padded by `pad` seconds each side (the recogniser needs a little
silence around a word to place it) and joined where they touch. All bounds lie on the 30 ms
frame grid, which is also Vosk's (10 ms frames, three to an output frame), so the word times of
a stretch decoded alone map back onto the recording's own grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_SECONDS = 0.03
VAD_RATES = (8000, 16000, 32000, 48000)  # the rates WebRTC's detector takes
STEADY_SIMILARITY = 0.9
STEADY_SPREAD_DB = 12.0
STEADY_WINDOW_SECONDS = 1.0
STEADY_MIN_WINDOWS = 2
LOUD_RANGE_DB = 30.0  # a window's loud frames: within this of its loudest
BLEED_WINDOW = 0.4
SILENCE_DB = -60.0  # frames below this level (dB of full scale) are never speech
FFT_BLOCK = 4096  # frames per block of the spectral check (bounds its memory)


@dataclass(frozen=True)
class VadOptions:
    mode: int = 3  # WebRTC's aggressiveness, 0-3 (QA_VAD)
    pad: float = 0.3  # seconds kept before and after each stretch of speech
    min_speech: float = 0.09  # a shorter burst alone (a click) is not speech
    steady: bool = True  # the check for tones and music (2. above)
    bleed_db: float = 30.0  # the check for the other side's echo (3. above); 0 turns it off


@dataclass(frozen=True)
class Span:
    """Samples [start, end) of a channel."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


def speech_spans(
    pcm: bytes, sample_rate: int, options: VadOptions | None = None, other: bytes | None = None
) -> list[Span] | None:
    """The stretches of speech in one channel of 16-bit PCM (`other`: the call's other channel,
    for the echo check); None when the detector does not take `sample_rate` (then the whole
    channel is decoded)."""
    import webrtcvad

    options = options or VadOptions()
    if sample_rate not in VAD_RATES:
        return None
    size = int(sample_rate * FRAME_SECONDS)
    samples = np.frombuffer(pcm, dtype="<i2")
    count = len(samples) // size
    if count == 0:
        return []
    frames = samples[: count * size].reshape(count, size)
    level = _level_db(frames)
    detector = webrtcvad.Vad(options.mode)
    step = size * 2
    speech = np.fromiter(
        (detector.is_speech(pcm[i * step : (i + 1) * step], sample_rate) for i in range(count)), dtype=bool, count=count
    )
    speech &= level > SILENCE_DB
    if other is not None and options.bleed_db > 0:
        speech &= ~_bleed(level, other, size, count, options.bleed_db)
    if options.steady and speech.any():
        speech &= ~_steady(frames, level, speech, sample_rate)
    return _spans(speech, size, len(samples), options)


def decoded_share(spans: list[Span] | None, samples: int) -> float:
    """The share of a channel the spans cover (1.0 for None: the whole channel)."""
    if spans is None:
        return 1.0
    return sum(span.length for span in spans) / samples if samples else 0.0


def _level_db(frames: np.ndarray) -> np.ndarray:
    power = np.mean(frames.astype(np.float64) ** 2, axis=1)
    return 10 * np.log10(power / 32768.0**2 + 1e-12)


def _bleed(level: np.ndarray, other: bytes, size: int, count: int, margin: float) -> np.ndarray:
    theirs = np.frombuffer(other, dtype="<i2")
    their_count = min(count, len(theirs) // size)
    their_level = np.full(count, -120.0)
    if their_count:
        their_level[:their_count] = _level_db(theirs[: their_count * size].reshape(their_count, size))
    look_back = max(1, round(BLEED_WINDOW / FRAME_SECONDS))
    loudest = their_level.copy()
    for shift in range(1, look_back + 1):
        loudest[shift:] = np.maximum(loudest[shift:], their_level[:-shift])
    return level < loudest - margin


def _steady(frames: np.ndarray, level: np.ndarray, speech: np.ndarray, sample_rate: int) -> np.ndarray:
    """Frames in runs of steady seconds (tones, music): see the module's docstring."""
    count = len(frames)
    similarity = np.zeros(count)  # with the previous frame
    window = np.hanning(frames.shape[1])
    top = max(2, int(frames.shape[1] * min(4000, sample_rate / 2) / sample_rate))  # telephone band
    for start in range(0, count, FFT_BLOCK):
        first = max(0, start - 1)
        block = frames[first : start + FFT_BLOCK].astype(np.float64)
        spectrum = np.abs(np.fft.rfft(block * window, axis=1))[:, :top]
        spectrum /= np.linalg.norm(spectrum, axis=1, keepdims=True) + 1e-9
        pairs = np.sum(spectrum[1:] * spectrum[:-1], axis=1)
        similarity[first + 1 : first + 1 + len(pairs)] = pairs
    per_window = max(2, round(STEADY_WINDOW_SECONDS / FRAME_SECONDS))
    steady_windows = []
    for start in range(0, count - per_window + 1, per_window):
        part = slice(start, start + per_window)
        if speech[part].mean() < 0.5:
            steady_windows.append(False)
            continue
        loud = level[part] >= level[part].max() - LOUD_RANGE_DB
        both = loud[1:] & loud[:-1]
        if both.sum() < per_window // 3:
            steady_windows.append(False)
            continue
        spread = np.percentile(level[part][loud], 90) - np.percentile(level[part][loud], 10)
        mean_similarity = similarity[start + 1 : start + per_window][both].mean()
        steady_windows.append(bool(mean_similarity >= STEADY_SIMILARITY and spread < STEADY_SPREAD_DB))
    out = np.zeros(count, dtype=bool)
    run = 0
    for index, steady in enumerate([*steady_windows, False]):
        if steady:
            run += 1
            continue
        if run >= STEADY_MIN_WINDOWS:
            first = (index - run) * per_window
            last = index * per_window
            # The run goes on, frame by frame, as far as the same steady sound does: into the
            # windows either side that hold part of it, and past the last whole window.
            while first > 0 and speech[first - 1] and similarity[first] >= STEADY_SIMILARITY:
                first -= 1
            while last < count and speech[last] and similarity[last] >= STEADY_SIMILARITY:
                last += 1
            out[first:last] = True
        run = 0
    return out


def _spans(speech: np.ndarray, size: int, total: int, options: VadOptions) -> list[Span]:
    """Runs of speech frames, short bursts dropped, padded, joined where they touch."""
    edges = np.diff(np.concatenate(([0], speech.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    shortest = max(1, round(options.min_speech / FRAME_SECONDS))
    pad = round(options.pad / FRAME_SECONDS)
    spans: list[Span] = []
    for first, last in zip(starts, ends, strict=True):
        if last - first < shortest:
            continue
        start = max(0, (first - pad) * size)
        end = min(total, (last + pad) * size)
        if spans and start <= spans[-1].end:
            spans[-1] = Span(spans[-1].start, max(end, spans[-1].end))
        else:
            spans.append(Span(start, end))
    return spans
