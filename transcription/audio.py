"""Decoding any call recording with PyAV into 16-bit PCM per channel at the model's rate.

WAV (PCM, mu-law, a-law), GSM, MP3, OGG/Opus, FLAC... at any rate: telephone audio at 8 kHz is
up-sampled to what the model wants rather than refused. A stereo recording keeps its channels
apart (a call recorder puts agent and caller on one each).

Audio can decode to far more than its file: half a megabyte of FLAC holds six hours of silence,
700 MB of PCM at 16 kHz. So a file is opened with the demuxer its suffix names (never FFmpeg's
guess from the content), its container's header is read first and a recording it says is longer
than `max_seconds` is refused before anything is decoded; a header that says nothing, or lies,
is caught by the sample budget: decoding stops once it has produced more than `max_seconds`.
Voice comments pass their own limit (QA_MAX_VOICE_SECONDS); call recordings keep a generous one
(`CALL_MAX_SECONDS`) so that a corrupt recording cannot eat the worker either.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

# A file whose header promises more audio than it holds is truncated, not just short.
TRUNCATION_TOLERANCE = 0.9

CALL_MAX_SECONDS = 4 * 3600  # the longest call recording decoded (2 x 460 MB of PCM at 16 kHz)
# The budget lets a codec's padding (an encoder's priming samples) through, nothing more.
BUDGET_SLACK_SECONDS = 1.0
# A probe gives up on a file whose first this many packets hold no audio.
FIRST_FRAME_PACKETS = 50

# The demuxer for each suffix taken, and the name a refusal gives the format.
FORMATS: dict[str, tuple[str, str]] = {
    ".wav": ("wav", "WAV"),
    ".flac": ("flac", "FLAC"),
    ".mp3": ("mp3", "MP3"),
    ".ogg": ("ogg", "Ogg"),
    ".oga": ("ogg", "Ogg"),
    ".opus": ("ogg", "Ogg Opus"),
    ".webm": ("webm", "WebM"),
    ".m4a": ("mp4", "MP4/M4A"),
    ".mp4": ("mp4", "MP4/M4A"),
    ".3gp": ("3gp", "3GP"),
    ".aac": ("aac", "AAC (ADTS)"),
    ".amr": ("amr", "AMR"),
    ".gsm": ("gsm", "GSM"),
}


class AudioError(Exception):
    """The recording cannot be used; the message says why, for the failed status."""


class TooLong(AudioError):
    """Longer than `limit`: `seconds` is the length the header gives, None when the sample budget
    stopped the decoding (the header said nothing, or `said`, less than there was)."""

    def __init__(self, seconds: float | None, limit: float, said: float | None = None):
        self.seconds, self.limit, self.said = seconds, limit, said
        if seconds is not None:
            super().__init__(f"the recording is {clock(seconds)} long; at most {clock(limit)} is taken")
        else:
            header = f"its header says {clock(said)}" if said else "its header does not say how long it is"
            super().__init__(f"the recording goes on past {clock(limit)} ({header}); at most {clock(limit)} is taken")


def clock(seconds: float) -> str:
    """5:00, 6:00:00: a length rounded up to the second (a limit is a whole number of seconds)."""
    whole = math.ceil(seconds - 1e-6)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class Audio:
    channels: list[bytes]  # 16-bit little-endian PCM, one entry per channel
    sample_rate: int
    source_rate: int
    source_codec: str

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / 2 / self.sample_rate if self.channels else 0.0


def demuxer(suffix: str) -> tuple[str, str]:
    """FFmpeg's demuxer for a file's suffix and the format's name; AudioError for a suffix we do
    not take."""
    found = FORMATS.get(suffix.lower())
    if found is None:
        taken = ", ".join(sorted(FORMATS))
        what = f"{suffix} files" if suffix else "files without a suffix"
        raise AudioError(f"{what} are not taken (audio files are {taken})")
    return found


def _open(source: Path | bytes, suffix: str):
    name, label = demuxer(suffix)
    try:
        return av.open(io.BytesIO(source) if isinstance(source, bytes) else str(source), format=name)
    except (av.error.FFmpegError, ValueError, OSError) as error:
        raise AudioError(f"the file cannot be decoded: it is not {label} audio ({_reason(error)})") from None


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


def _audio_stream(container):
    if not container.streams.audio:
        raise AudioError("the file holds no audio stream")
    return container.streams.audio[0]


def header_seconds(container, stream) -> float | None:
    """What the container's header says the audio stream lasts, without decoding: the stream's
    duration, the container's, or frames x frame size; the longest where they differ. None when
    it says nothing."""
    found = []
    if stream.duration and stream.time_base:
        found.append(float(stream.duration * stream.time_base))
    if container.duration:
        found.append(container.duration / av.time_base)
    frame_size = stream.codec_context.frame_size
    if stream.frames and frame_size and stream.rate:
        found.append(stream.frames * frame_size / stream.rate)
    found = [seconds for seconds in found if seconds > 0]
    return max(found) if found else None


def probe(source: Path | bytes, suffix: str | None = None, *, max_seconds: float | None = None) -> float | None:
    """The length in seconds the header of a file (or of a file's bytes, with its suffix) gives,
    None when it does not say; TooLong, before anything is decoded, when it is over
    `max_seconds`. Then the first frame is decoded (and nothing more), to refuse with AudioError
    a file that is not the audio its suffix names: some demuxers (FLAC's, MP3's) open anything."""
    if suffix is None:
        suffix = Path(source).suffix  # type: ignore[arg-type]  # bytes come with their suffix
    label = demuxer(suffix)[1]
    with _open(source, suffix) as container:
        stream = _audio_stream(container)
        seconds = header_seconds(container, stream)
        if max_seconds is not None and seconds is not None and seconds > max_seconds:
            raise TooLong(seconds, max_seconds)
        try:
            for count, packet in enumerate(container.demux(stream)):
                if any(frame.samples for frame in packet.decode()):
                    return seconds
                if count >= FIRST_FRAME_PACKETS:
                    break
        except (av.error.FFmpegError, ValueError) as error:
            raise AudioError(f"the file cannot be decoded: it is not {label} audio ({_reason(error)})") from None
    raise AudioError(f"the file cannot be decoded: it holds no {label} audio")


def decode(path: Path, sample_rate: int, *, max_seconds: float = CALL_MAX_SECONDS) -> Audio:
    """The recording at `sample_rate`; TooLong when its header says it is longer than
    `max_seconds` (before decoding), or when decoding goes past it (the sample budget)."""
    if not path.is_file():
        raise AudioError(f"the recording file is missing: {path}")
    if path.stat().st_size == 0:
        raise AudioError("the recording file is empty")
    label = demuxer(path.suffix)[1]
    said: float | None = None
    budget = math.ceil((max_seconds + BUDGET_SLACK_SECONDS) * sample_rate)
    produced = 0
    parts: list[np.ndarray] = []

    def keep(frames) -> None:
        nonlocal produced
        for out in frames:
            produced += out.samples
            if produced > budget:
                raise TooLong(None, max_seconds, said)
            parts.append(out.to_ndarray())

    try:
        with _open(path, path.suffix) as container:
            stream = _audio_stream(container)
            said = header_seconds(container, stream)
            if said is not None and said > max_seconds:
                raise TooLong(said, max_seconds)
            layout = "stereo" if stream.channels == 2 else "mono"
            resampler = av.AudioResampler(format="s16p", layout=layout, rate=sample_rate)
            for frame in container.decode(stream):
                keep(resampler.resample(frame))
            keep(resampler.resample(None))
            codec, source_rate = stream.codec_context.name, stream.rate or 0
    except AudioError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as error:
        raise AudioError(f"the file cannot be decoded: {error}") from None
    if not parts:
        raise AudioError(f"the file cannot be decoded: it holds no {label} audio")
    samples = np.concatenate(parts, axis=1).astype("<i2")
    audio = Audio(
        channels=[samples[i].tobytes() for i in range(samples.shape[0])],
        sample_rate=sample_rate,
        source_rate=source_rate,
        source_codec=codec,
    )
    sizes = wav_data_sizes(path)
    if sizes is not None:
        declared_bytes, present_bytes = sizes
        if present_bytes < declared_bytes * TRUNCATION_TOLERANCE:
            declared = audio.duration * declared_bytes / max(present_bytes, 1)
            raise AudioError(
                f"the file is truncated: it holds {audio.duration:.1f} s of the {declared:.1f} s its header declares"
            )
    return audio


def wav_data_sizes(path: Path) -> tuple[int, int] | None:
    """(bytes the WAV header declares for its audio, bytes actually present), or None when the
    file is not a RIFF/WAVE file or its recorder left the length open (0 or 0xFFFFFFFF).

    FFmpeg estimates a WAV's length from the file's size, so a recording cut off by a crash
    decodes without complaint; the header is the only witness."""
    with open(path, "rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        while chunk := handle.read(8):
            if len(chunk) < 8:
                return None
            size = int.from_bytes(chunk[4:8], "little")
            if chunk[:4] == b"data":
                if size in (0, 0xFFFFFFFF):
                    return None
                start = handle.tell()
                present = path.stat().st_size - start
                return size, present
            handle.seek(size + (size & 1), 1)
    return None
