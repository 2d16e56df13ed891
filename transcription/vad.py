"""Voice-activity detection: where in a channel someone speaks, so that only that is decoded.

A call recorder writes each side on its own channel, and each side is silent about half the
time (the other side is talking) and longer while the caller is on hold. Decoding only the
speech of each channel roughly halves the work without changing the words or their times (the
engine shifts each segment's word times by the segment's start).

Three checks, per 30 ms frame:

1. WebRTC's detector (`webrtcvad-wheels`) at the QA_VAD aggressiveness: speech or not.
2. Steady sound is not speech: hold music's tone, a hum, a dial tone keep the same spectrum for
   seconds, while speech changes it several times a second. A frame whose band energies hardly
   vary over the voiced frames of the surrounding `STEADY_WINDOW_SECONDS` is dropped, whatever
   WebRTC says (it takes steady noise, and some tones, for a voice). A tune changes note a few
   times a second, but holds each note steady: where most of a second's voiced frames are
   within a steady note, it is music and dropped too (`music`).
3. In a stereo call, the other side's voice leaking into this channel (echo, crosstalk) is much
   quieter here than on its own channel: a frame `CROSSTALK_DB` quieter than the other channel's
   same frame, where the other side speaks, is theirs.

The frames left are grouped into segments, each widened by `LEAD_SECONDS` before and
`PADDING_SECONDS` after (Vosk needs a little silence around a word to place it), and segments closer than
`MERGE_GAP_SECONDS` become one. Segment edges fall on the 30 ms frame grid, which is also
Vosk's word-time grid (10 ms frames, subsampled by 3), so shifted times stay on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_SECONDS = 0.03  # webrtcvad takes 10, 20 or 30 ms frames
PADDING_SECONDS = 0.3  # after each run of speech
# Before each run of speech: a recogniser that starts on a segment places the first word
# boundaries from the audio before them. With 0.3 s here one word of the test call (issue 16)
# started 0.09 s from where Vosk on the whole channel put it; with 0.45 to 1.0 s every matched
# word was within 0.036 s. 0.6 s costs about 6% more audio decoded than 0.3 s.
LEAD_SECONDS = 0.6
MERGE_GAP_SECONDS = 0.3  # between padded segments
MIN_SPEECH_FRAMES = 3  # a run of fewer speech frames (90 ms) is a click, not a word
DEFAULT_MODE = 3  # webrtcvad's most aggressive: the least non-speech passed on

# Steady-sound check: the standard deviation over time of each band's energy (dB), averaged
# over bands. Measured here on espeak-ng speech (16 and 8 kHz): 13 dB and more (median 15); a
# two-note tone: 1.2 dB; white noise: 2.7 to 3.2 dB.
STEADY_WINDOW_SECONDS = 0.6
STEADY_MAX_DB = 6.0
BANDS = 16
LOUD_RANGE_DB = 30.0  # frames this far below the channel's loud ones are not judged
BAND_LOW_HZ, BAND_HIGH_HZ = 150.0, 3800.0  # the telephone band, where both sides are heard

# Music check: the share of a second's voiced frames that hold a steady note (see `music`).
# Measured here on 8 kHz stereo calls of espeak-ng speech with a hold-music tune: speech 0 to
# 0.08 a second (0.2 once, at a turn's end), the tune 0.5 to 0.77.
NOTE_HALF_FRAMES = 2  # a note is steady over 5 frames: 150 ms
NOTE_STEADY_DB = 3.0
MUSIC_WINDOW_SECONDS = 1.0
MUSIC_STEADY_SHARE = 0.35

CROSSTALK_DB = 20.0  # this much quieter than the other channel, where it speaks: their voice

WEBRTC_RATES = (8000, 16000, 32000, 48000)


@dataclass(frozen=True)
class Segment:
    start: float  # seconds from the start of the recording
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def speech_seconds(segments: list[Segment]) -> float:
    return sum(segment.seconds for segment in segments)


def _samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2")


def _frame_length(sample_rate: int) -> int:
    if sample_rate not in WEBRTC_RATES:
        raise ValueError(f"voice-activity detection takes audio at {WEBRTC_RATES} Hz, not {sample_rate}")
    return int(round(sample_rate * FRAME_SECONDS))


def _frames(samples: np.ndarray, length: int) -> np.ndarray:
    """Whole frames as rows (a last partial frame is left out: 30 ms never holds a word)."""
    count = len(samples) // length
    return samples[: count * length].reshape(count, length)


def webrtc_flags(pcm: bytes, sample_rate: int, mode: int = DEFAULT_MODE) -> np.ndarray:
    """WebRTC's speech-or-not for each 30 ms frame."""
    import webrtcvad

    length = _frame_length(sample_rate)
    detector = webrtcvad.Vad(mode)
    step = length * 2
    return np.array(
        [detector.is_speech(pcm[start : start + step], sample_rate) for start in range(0, len(pcm) - step + 1, step)],
        dtype=bool,
    )


def frame_levels(frames: np.ndarray) -> np.ndarray:
    """Each frame's energy in dB (full scale is about 90 dB; digital silence 0)."""
    power = (frames.astype(np.float64) ** 2).mean(axis=1)
    return 10 * np.log10(power + 1.0)


def band_energies(frames: np.ndarray, sample_rate: int) -> np.ndarray:
    """Each frame's energy (dB) in `BANDS` log-spaced bands of the telephone band."""
    length = frames.shape[1]
    window = np.hanning(length)
    spectrum = np.abs(np.fft.rfft(frames.astype(np.float64) * window, axis=1)) ** 2
    freqs = np.fft.rfftfreq(length, 1 / sample_rate)
    edges = np.geomspace(BAND_LOW_HZ, min(BAND_HIGH_HZ, sample_rate / 2 - 1), BANDS + 1)
    bands = np.empty((frames.shape[0], BANDS))
    for index in range(BANDS):
        inside = (freqs >= edges[index]) & (freqs < edges[index + 1])
        if not inside.any():  # the lowest bands are narrower than a bin (33 Hz): the nearest one
            inside[np.argmin(np.abs(freqs - (edges[index] + edges[index + 1]) / 2))] = True
        bands[:, index] = spectrum[:, inside].sum(axis=1)
    return 10 * np.log10(bands + 1.0)


def spectral_variation(frames: np.ndarray, sample_rate: int, voiced: np.ndarray) -> np.ndarray:
    """For each frame, how much the band energies of the `voiced` frames around it vary (dB).

    Only voiced frames count, so that a tone's start and end (the jump from silence) do not pass
    for variation; where fewer than `MIN_SPEECH_FRAMES` are voiced there is too little to judge,
    and the variation is infinite (WebRTC's word stands)."""
    bands = band_energies(frames, sample_rate) * voiced[:, None]
    half = max(1, int(round(STEADY_WINDOW_SECONDS / FRAME_SECONDS / 2)))
    count = len(bands)
    # A running window by cumulative sums: voiced frames, their sum and sum of squares per band.
    counts = np.concatenate([[0], np.cumsum(voiced)])
    sums = np.vstack([np.zeros(BANDS), np.cumsum(bands, axis=0)])
    squares = np.vstack([np.zeros(BANDS), np.cumsum(bands**2, axis=0)])
    low = np.clip(np.arange(count) - half, 0, count)
    high = np.clip(np.arange(count) + half + 1, 0, count)
    n = (counts[high] - counts[low])[:, None].astype(float)
    enough = n[:, 0] >= MIN_SPEECH_FRAMES
    n = np.maximum(n, 1.0)
    mean = (sums[high] - sums[low]) / n
    variance = np.maximum((squares[high] - squares[low]) / n - mean**2, 0.0)
    return np.where(enough, np.sqrt(variance).mean(axis=1), np.inf)


def _running_sum(values: np.ndarray, half: int) -> np.ndarray:
    """For each row, the sum of the rows within `half` of it (fewer at the ends)."""
    sums = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
    index = np.arange(len(values))
    return sums[np.clip(index + half + 1, 0, len(values))] - sums[np.clip(index - half, 0, len(values))]


def music(frames: np.ndarray, sample_rate: int, voiced: np.ndarray) -> np.ndarray:
    """Frames of music (hold music, a melody): most of the voiced frames around them hold a
    steady note, their band energies varying by under `NOTE_STEADY_DB` over 150 ms; speech
    changes its spectrum with every sound, so few of its frames are steady that long."""
    if len(frames) == 0:
        return np.zeros(0, dtype=bool)
    bands = band_energies(frames, sample_rate)
    n = _running_sum(np.ones(len(bands)), NOTE_HALF_FRAMES)[:, None]
    mean = _running_sum(bands, NOTE_HALF_FRAMES) / n
    variance = np.maximum(_running_sum(bands**2, NOTE_HALF_FRAMES) / n - mean**2, 0.0)
    steady = np.sqrt(variance).mean(axis=1) < NOTE_STEADY_DB
    half = int(round(MUSIC_WINDOW_SECONDS / FRAME_SECONDS / 2))
    voiced_around = _running_sum(voiced.astype(float), half)
    steady_around = _running_sum((voiced & steady).astype(float), half)
    return (voiced_around >= MIN_SPEECH_FRAMES) & (steady_around > MUSIC_STEADY_SHARE * voiced_around)


def speech_frames(pcm: bytes, sample_rate: int, mode: int = DEFAULT_MODE, other: bytes | None = None) -> np.ndarray:
    """Which 30 ms frames of a channel hold this side's speech: WebRTC says so, the sound is not
    steady, and (given the `other` channel of a stereo call) it is not the other side's voice."""
    length = _frame_length(sample_rate)
    frames = _frames(_samples(pcm), length)
    if len(frames) == 0:
        return np.zeros(0, dtype=bool)
    flags = webrtc_flags(pcm, sample_rate, mode)[: len(frames)]
    levels = frame_levels(frames)
    if flags.any():
        # WebRTC goes on saying "speech" for a few frames after a sound stops (its hangover):
        # those quiet frames would make a tone's end look like variation.
        loud = levels >= np.percentile(levels[flags], 90) - LOUD_RANGE_DB
        flags &= spectral_variation(frames, sample_rate, flags & loud) >= STEADY_MAX_DB
        flags &= ~music(frames, sample_rate, flags)
    if other is not None:
        theirs = _frames(_samples(other), length)[: len(frames)]
        if len(theirs) == len(frames):
            they_speak = webrtc_flags(other, sample_rate, mode)[: len(frames)]
            quieter = levels < frame_levels(theirs) - CROSSTALK_DB
            flags &= ~(they_speak & quieter)
    return flags


def segments_from_frames(flags: np.ndarray, duration: float) -> list[Segment]:
    """Runs of speech frames, padded and merged, within [0, duration]."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, speech in enumerate([*flags.tolist(), False]):
        if speech and start is None:
            start = index
        elif not speech and start is not None:
            if index - start >= MIN_SPEECH_FRAMES:
                runs.append((start, index))
            start = None
    lead = int(round(LEAD_SECONDS / FRAME_SECONDS))
    pad = int(round(PADDING_SECONDS / FRAME_SECONDS))
    gap = int(round(MERGE_GAP_SECONDS / FRAME_SECONDS))
    merged: list[list[int]] = []
    for first, last in runs:
        first, last = max(0, first - lead), last + pad
        if merged and first - merged[-1][1] <= gap:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [
        Segment(round(first * FRAME_SECONDS, 3), round(min(last * FRAME_SECONDS, duration), 3))
        for first, last in merged
        if first * FRAME_SECONDS < duration
    ]


def find_segments(pcm: bytes, sample_rate: int, mode: int = DEFAULT_MODE, other: bytes | None = None) -> list[Segment]:
    """The stretches of a channel (16-bit PCM) to decode; `other` is the call's other channel."""
    duration = len(pcm) / 2 / sample_rate
    return segments_from_frames(speech_frames(pcm, sample_rate, mode, other), duration)


def call_segments(channels: list[bytes], sample_rate: int, mode: int = DEFAULT_MODE) -> list[list[Segment]]:
    """The segments of each channel of a recording; in a stereo call each channel is checked
    against the other for crosstalk."""
    if len(channels) == 2:
        return [
            find_segments(channels[0], sample_rate, mode, other=channels[1]),
            find_segments(channels[1], sample_rate, mode, other=channels[0]),
        ]
    return [find_segments(channel, sample_rate, mode) for channel in channels]
