"""Decoding any call recording with PyAV into 16-bit PCM per channel at the model's rate.

WAV (PCM, mu-law, a-law), GSM, MP3, OGG/Opus, FLAC... whatever FFmpeg reads, at any rate:
telephone audio at 8 kHz is up-sampled to what the model wants rather than refused. A stereo
recording keeps its channels apart (a call recorder puts agent and caller on one each).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

# A file whose header promises more audio than it holds is truncated, not just short.
TRUNCATION_TOLERANCE = 0.9


class AudioError(Exception):
    """The recording cannot be used; the message says why, for the failed status."""


@dataclass
class Audio:
    channels: list[bytes]  # 16-bit little-endian PCM, one entry per channel
    sample_rate: int
    source_rate: int
    source_codec: str

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / 2 / self.sample_rate if self.channels else 0.0


def decode(path: Path, sample_rate: int) -> Audio:
    if not path.is_file():
        raise AudioError(f"the recording file is missing: {path}")
    if path.stat().st_size == 0:
        raise AudioError("the recording file is empty")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioError("the file holds no audio stream")
            stream = container.streams.audio[0]
            layout = "stereo" if stream.channels == 2 else "mono"
            resampler = av.AudioResampler(format="s16p", layout=layout, rate=sample_rate)
            parts: list[np.ndarray] = []
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    parts.append(out.to_ndarray())
            for out in resampler.resample(None):
                parts.append(out.to_ndarray())
            codec, source_rate = stream.codec_context.name, stream.rate or 0
    except AudioError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as error:
        raise AudioError(f"the file cannot be decoded: {error}") from None
    if not parts:
        raise AudioError("the file holds no audio")
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
