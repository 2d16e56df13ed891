"""Redacted spans taken out of a recording (issue 19, must show 2): a real stereo call (espeak-ng
speech on two channels, the `speech` fixture) redacted over given word spans, per channel and on
both: the spans are silent (or a low 1 kHz tone) and every sample outside them is unchanged, in
the same format (16-bit PCM WAV, 8 kHz mu-law WAV, FLAC)."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from kit.redaction import redact_transcript
from transcription.audio import AudioError
from transcription.redact_audio import TONE_DB, AudioSpan, redact_audio, spans_for_redactions

# The agent speaks from the start (left channel), the caller from 4.5 s (right channel).
SPANS = [AudioSpan(0.6, 1.4, 0), AudioSpan(5.0, 5.8, 1), AudioSpan(1.8, 2.1, None)]


def samples(path: Path) -> tuple[np.ndarray, dict]:
    """All samples as decoded (channels x n, the decoder's own format) and the stream's shape."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        shape = {"codec": stream.codec_context.name, "rate": stream.rate, "channels": stream.channels}
        parts = []
        for frame in container.decode(stream):
            data = frame.to_ndarray()
            parts.append(data if frame.format.is_planar else data.reshape(frame.samples, stream.channels).T)
    return np.concatenate(parts, axis=1), shape


def in_spans(shape: tuple[int, int], rate: int, spans: list[AudioSpan]) -> np.ndarray:
    """True where a sample is inside a span: sample i of a channel is in [start, end) when
    round(start x rate) <= i < round(end x rate)."""
    mask = np.zeros(shape, dtype=bool)
    for span in spans:
        rows = range(shape[0]) if span.channel is None else [span.channel]
        for row in rows:
            mask[row, round(span.start * rate) : round(span.end * rate)] = True
    return mask


def rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values.astype(np.float64) ** 2)))


@pytest.fixture(params=["call_stereo16.wav", "call_stereo8_mulaw.wav", "call.flac"])
def call(request, speech, tmp_path) -> Path:
    if request.param == "call.flac":
        av_copy = tmp_path / "call.flac"
        with av.open(str(speech["call_stereo16.wav"])) as source, av.open(str(av_copy), "w") as target:
            stream = source.streams.audio[0]
            out = target.add_stream("flac", rate=stream.rate, layout="stereo")
            for frame in source.decode(stream):
                frame.pts = None
                for packet in out.encode(frame):
                    target.mux(packet)
            for packet in out.encode(None):
                target.mux(packet)
        return av_copy
    path = tmp_path / request.param
    shutil.copy(speech[request.param], path)
    return path


def test_the_spans_are_silent_and_every_other_sample_unchanged(call: Path, tmp_path):
    before, shape = samples(call)
    assert shape["channels"] == 2
    mask = in_spans(before.shape, shape["rate"], SPANS)
    # There was speech in each span, on the channel it names.
    for span in SPANS[:2]:
        part = before[span.channel, round(span.start * shape["rate"]) : round(span.end * shape["rate"])]
        assert rms(part) > 300, f"no speech in {span} to redact"

    written = redact_audio(call, SPANS, out=tmp_path / f"redacted{call.suffix}")
    after, after_shape = samples(written)
    assert after_shape == shape, "the same codec, rate and channels"
    assert after.shape == before.shape and after.dtype == before.dtype
    assert np.all(after[mask] == 0), "silent in the spans"
    assert np.array_equal(after[~mask], before[~mask]), "every sample outside the spans unchanged"
    # Only the span's channel: the caller's channel while the agent's number is silenced.
    rate = shape["rate"]
    assert np.array_equal(
        after[1, round(0.6 * rate) : round(1.4 * rate)], before[1, round(0.6 * rate) : round(1.4 * rate)]
    )


def test_in_place_and_pcm_bytes_outside_the_spans(speech, tmp_path):
    path = tmp_path / "call.wav"
    shutil.copy(speech["call_stereo16.wav"], path)
    original = path.read_bytes()
    before, shape = samples(path)
    assert redact_audio(path, SPANS) == path
    assert not list(tmp_path.glob(".*redacting*")), "no partial file left behind"
    after, _ = samples(path)
    mask = in_spans(before.shape, shape["rate"], SPANS)
    assert np.array_equal(after[~mask], before[~mask]) and np.all(after[mask] == 0)
    # The audio bytes of the data chunk: the same outside the spans (16-bit little-endian, interleaved).
    data_before = original[original.index(b"data") + 8 :][: before.size * 2]
    redacted = path.read_bytes()
    data_after = redacted[redacted.index(b"data") + 8 :][: before.size * 2]
    interleaved_mask = np.repeat(mask.T.reshape(-1), 2)
    assert np.array_equal(
        np.frombuffer(data_after, np.uint8)[~interleaved_mask], np.frombuffer(data_before, np.uint8)[~interleaved_mask]
    )


@pytest.mark.parametrize("name", ["call_stereo16.wav", "call_stereo8_mulaw.wav"])
def test_a_tone_in_place_of_the_spans(speech, tmp_path, name):
    source = speech[name]
    before, shape = samples(source)
    rate = shape["rate"]
    written = redact_audio(source, SPANS, out=tmp_path / f"tone-{name}", fill="tone", tone_db=-20)
    after, _ = samples(written)
    mask = in_spans(before.shape, rate, SPANS)
    assert np.array_equal(after[~mask], before[~mask])
    span = after[0, round(0.6 * rate) : round(1.4 * rate)].astype(np.float64)
    expected = 32767 * 10 ** (-20 / 20) / np.sqrt(2)
    assert abs(rms(span) - expected) / expected < 0.05, "the tone's level"
    spectrum = np.abs(np.fft.rfft(span))
    assert abs(np.fft.rfftfreq(len(span), 1 / rate)[np.argmax(spectrum)] - 1000) < 5, "a 1 kHz tone"
    assert TONE_DB < -6, "the default tone is low"


def test_the_spans_of_a_transcripts_redactions(speech, tmp_path):
    """A transcript's redactions (kit/redaction.py) over the recording: the caller's number is
    silenced on the caller's channel, with a margin for the word timings."""
    words = "mitt personnummer är ett nio åtta fem noll tre ett två ett två tre fyra tack".split()
    timed = [
        {"word": w, "start": round(4.6 + 0.1 * i, 2), "end": round(4.68 + 0.1 * i, 2), "conf": 0.9}
        for i, w in enumerate(words)
    ]
    transcript = {
        "text": " ".join(words),
        "duration": 6.0,
        "turns": [
            {"speaker": "caller", "start": 4.6, "end": timed[-1]["end"], "text": " ".join(words), "words": timed}
        ],
    }
    _, redactions = redact_transcript(transcript)
    assert [(r["kind"], r["speaker"]) for r in redactions] == [("national_id", "caller")]
    spans = spans_for_redactions(redactions, agent_channel=0, margin=0.1)
    assert len(spans) == 1 and spans[0].channel == 1
    assert (spans[0].start, spans[0].end) == pytest.approx((timed[3]["start"] - 0.1, timed[14]["end"] + 0.1))
    before, shape = samples(speech["call_stereo16.wav"])
    written = redact_audio(speech["call_stereo16.wav"], spans, out=tmp_path / "call.wav")
    after, _ = samples(written)
    mask = in_spans(before.shape, shape["rate"], spans)
    assert mask[1].any() and not mask[0].any()
    assert np.all(after[mask] == 0) and np.array_equal(after[~mask], before[~mask])
    # The agent on the right channel: the caller is then on the left one; mono: all channels.
    assert spans_for_redactions(redactions, agent_channel=1, margin=0)[0].channel == 0
    assert spans_for_redactions(redactions, channels=1)[0].channel is None


def test_what_cannot_be_redacted(speech, tmp_path):
    with pytest.raises(ValueError, match="no channel 2"):
        redact_audio(speech["call_stereo16.wav"], [AudioSpan(0, 1, 2)], out=tmp_path / "x.wav")
    with pytest.raises(ValueError, match="fill"):
        redact_audio(speech["call_stereo16.wav"], SPANS, out=tmp_path / "x.wav", fill="beep")
    with pytest.raises(AudioError, match="missing"):
        redact_audio(tmp_path / "gone.wav", SPANS)
    with pytest.raises(AudioError):
        redact_audio(speech["garbage.wav"], SPANS, out=tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()
