"""Taking redacted spans out of a recording (issue 19): the time spans of the words that held a
personal number are replaced, in the stored file, by silence or by a low 1 kHz tone, on one
channel (the speaker's) or on all; every other sample stays exactly as it was.

The file is decoded and written again with PyAV in its own container, codec, sample rate and
channel layout (WAV PCM, mu-law and a-law, FLAC...); the samples are edited with numpy in the
decoder's own sample format, never resampled. For the lossless codecs that means every sample
outside the spans is unchanged (mu-law and a-law decode to 16-bit values and encode back to the
same codes). A lossy codec (MP3, Opus, GSM) is encoded again, so its samples outside the spans
come back close, not identical: redaction still holds, exactness cannot.

The new file is written beside the old one and moved over it (or to `out`) only when complete.
The original is gone then, unless QA_REDACT_KEEP_ORIGINAL is on: a copy is kept first, readable by
the app's user only, in QA_DATA_DIR/unredacted-recordings under the recording's path (the
resident's access and erasure requests include it, transcription/privacy.py).
`spans_for_redactions` turns a transcript's redactions ({"kind", "start", "end", "speaker"}, from
kit/redaction.py) into spans on the right channel, with a margin for the word timings.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from qa_app.settings import get_settings, make_private_dir
from transcription.audio import AudioError, demuxer

FILLS = ("silence", "tone")
TONE_HZ = 1000.0
TONE_DB = -30.0  # the tone's level below full scale: audible, not loud
SPAN_MARGIN_SECONDS = 0.15  # word timings are approximate: a span is widened this much each side
# Codecs re-encoded without loss: a sample outside the spans comes back bit for bit.
LOSSLESS = frozenset(
    {
        "pcm_s16le",
        "pcm_s16be",
        "pcm_s24le",
        "pcm_s32le",
        "pcm_u8",
        "pcm_f32le",
        "pcm_f64le",
        "pcm_mulaw",
        "pcm_alaw",
        "flac",
    }
)


@dataclass(frozen=True)
class AudioSpan:
    """Seconds `start` to `end` of a recording, on `channel` (0 left, 1 right) or on all (None)."""

    start: float
    end: float
    channel: int | None = None


def spans_for_redactions(
    redactions: Iterable[dict],
    *,
    agent_channel: int = 0,
    channels: int = 2,
    margin: float = SPAN_MARGIN_SECONDS,
) -> list[AudioSpan]:
    """The spans to silence for a transcript's redactions: the agent's on `agent_channel`
    (QA_AGENT_CHANNEL), the caller's on the other one of a stereo recording, a redaction without
    a speaker (or any in a mono recording) on all channels; each widened by `margin` seconds."""
    spans = []
    for redaction in redactions:
        start, end = redaction.get("start"), redaction.get("end")
        if not isinstance(start, int | float) or not isinstance(end, int | float):
            continue
        speaker = redaction.get("speaker")
        channel = None
        if channels == 2 and speaker in ("agent", "caller"):
            channel = agent_channel if speaker == "agent" else 1 - agent_channel
        spans.append(AudioSpan(max(0.0, start - margin), end + margin, channel))
    return spans


def _as_span(span: AudioSpan | Sequence) -> AudioSpan:
    if isinstance(span, AudioSpan):
        return span
    return AudioSpan(*span)


def _full_scale(sample_format: str) -> tuple[float, float]:
    """(the amplitude of full scale, the value of silence) in a decoder's sample format."""
    name = sample_format.rstrip("p")
    if name == "u8":
        return 127.0, 128.0
    if name in ("flt", "dbl"):
        return 1.0, 0.0
    bits = {"s16": 16, "s32": 32, "s64": 64}[name]
    return float(2 ** (bits - 1) - 1), 0.0


def _fill(
    samples: np.ndarray,
    first_sample: int,
    rate: int,
    spans: Sequence[AudioSpan],
    fill: str,
    tone_db: float,
    sample_format: str,
) -> None:
    """Overwrite, in place, the parts of `samples` (channels x n, starting at sample
    `first_sample` of the recording) that fall in the spans."""
    channels, count = samples.shape
    amplitude, silence = _full_scale(sample_format)
    for span in spans:
        start = max(round(span.start * rate) - first_sample, 0)
        end = min(round(span.end * rate) - first_sample, count)
        if start >= end:
            continue
        rows = range(channels) if span.channel is None else [span.channel]
        if fill == "silence":
            values = np.full(end - start, silence)
        else:
            t = (np.arange(start, end) + first_sample) / rate
            values = silence + amplitude * 10 ** (tone_db / 20) * np.sin(2 * math.pi * TONE_HZ * t)
        for row in rows:
            samples[row, start:end] = np.round(values).astype(samples.dtype) if samples.dtype.kind in "iu" else values


def unredacted_dir() -> Path:
    """Where the unredacted originals are kept when QA_REDACT_KEEP_ORIGINAL is on."""
    return get_settings().data_dir / "unredacted-recordings"


def unredacted_path(recording: Path) -> Path:
    """Where the original of a recording is kept: under its path below QA_RECORDINGS_DIR (its
    name alone for a recording elsewhere)."""
    recording, root = recording.resolve(), get_settings().recordings_dir.resolve()
    relative = recording.relative_to(root) if recording.is_relative_to(root) else Path(recording.name)
    return unredacted_dir() / relative


def keep_original(recording: Path) -> Path:
    """Copy the recording, as it is before its first redaction, to `unredacted_path` (mode 0600);
    a copy already kept is the original, and stays."""
    kept = unredacted_path(recording)
    if kept.exists():
        return kept
    make_private_dir(unredacted_dir())
    kept.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = kept.with_name(f".{kept.name}.copying")
    try:
        with (
            open(recording, "rb") as original,
            os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as copy,
        ):
            shutil.copyfileobj(original, copy)
        os.chmod(partial, 0o600)
        os.replace(partial, kept)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return kept


def redact_audio(
    source: Path,
    spans: Iterable[AudioSpan | Sequence],
    *,
    out: Path | None = None,
    fill: str = "silence",
    tone_db: float = TONE_DB,
    keep: bool | None = None,
) -> Path:
    """Write `source` with the spans silenced (`fill="silence"`) or replaced by a 1 kHz tone at
    `tone_db` below full scale (`fill="tone"`), in the same format, to `out` (by default over
    `source`, once the new file is complete). Written over `source`, its original is first kept
    by `keep_original` when `keep` (by default QA_REDACT_KEEP_ORIGINAL) says so. A span's channel
    is 0 or 1 (None: all channels); spans past the end are cut at the end. Returns the path
    written. AudioError for a file that cannot be read; ValueError for a wrong fill or a channel
    the recording does not have."""
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {', '.join(FILLS)} (got {fill!r})")
    spans = sorted((_as_span(span) for span in spans), key=lambda s: s.start)
    if not source.is_file():
        raise AudioError(f"the recording file is missing: {source}")
    target = out or source
    format_name, label = demuxer(source.suffix)
    partial = target.with_name(f".{target.name}.redacting")
    try:
        with av.open(str(source), format=format_name) as reader:
            if not reader.streams.audio:
                raise AudioError("the file holds no audio stream")
            stream = reader.streams.audio[0]
            rate, layout = stream.rate, stream.layout.name
            channels = stream.channels
            wrong = [span.channel for span in spans if span.channel is not None and not 0 <= span.channel < channels]
            if wrong:
                raise ValueError(f"the recording has {channels} channel(s); there is no channel {wrong[0]}")
            with av.open(str(partial), "w", format=format_name) as writer:
                writer.metadata.update(reader.metadata)
                encoder = writer.add_stream(stream.codec_context.name, rate=rate, layout=layout)
                if stream.codec_context.bit_rate and stream.codec_context.name not in LOSSLESS:
                    encoder.bit_rate = stream.codec_context.bit_rate
                position = 0
                for frame in reader.decode(stream):
                    position = _write(writer, encoder, frame, position, rate, layout, spans, fill, tone_db)
                for packet in encoder.encode(None):
                    writer.mux(packet)
        if target.resolve() == source.resolve() and (get_settings().redact_keep_original if keep is None else keep):
            keep_original(source)
        os.replace(partial, target)
    except (av.error.FFmpegError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise AudioError(f"the {label} recording cannot be redacted: {error}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _write(writer, encoder, frame, position: int, rate: int, layout: str, spans, fill: str, tone_db: float) -> int:
    """Edit one decoded frame and encode it; the position of the next frame's first sample."""
    sample_format = frame.format.name
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    count = frame.samples
    if frame.format.is_planar:
        samples = data.copy()
    else:  # interleaved: one row of samples x channels
        samples = data.reshape(count, channels).T.copy()
    _fill(samples, position, rate, spans, fill, tone_db, sample_format)
    edited = samples if frame.format.is_planar else samples.T.reshape(1, count * channels)
    new = av.AudioFrame.from_ndarray(np.ascontiguousarray(edited), format=sample_format, layout=layout)
    new.sample_rate = rate
    new.pts, new.time_base = position, Fraction(1, rate)
    for packet in encoder.encode(new):
        writer.mux(packet)
    return position + count
