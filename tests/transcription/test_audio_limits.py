"""Audio that decodes to days: the container's header is read before anything is decoded, a
recording longer than the caller's limit is refused on its word, and a file whose header says
nothing (or lies) is decoded under a sample budget that stops it at the limit. The demuxer is
the one the file's suffix names, never FFmpeg's guess from the content.

The long files are real: six hours of silence written by ffmpeg as FLAC (4 MB), and the
same file with the length in its STREAMINFO block taken out or replaced by a lie.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.audio_files import with_flac_length
from transcription.audio import CALL_MAX_SECONDS, AudioError, TooLong, decode, probe

SIX_HOURS = 6 * 3600
VOICE_LIMIT = 300


@pytest.fixture(scope="module")
def unsaid(six_hours) -> Path:
    path = six_hours.with_name("unsaid.flac")
    path.write_bytes(with_flac_length(six_hours.read_bytes(), 0))
    return path


@pytest.fixture(scope="module")
def lying(six_hours) -> Path:
    path = six_hours.with_name("lying.flac")
    path.write_bytes(with_flac_length(six_hours.read_bytes(), 60 * 8000))  # "one minute"
    return path


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


@contextmanager
def peak_memory() -> Iterator[dict[str, float]]:
    """How far this process's peak resident memory rose above where it stood (Linux: writing 5
    to clear_refs resets the peak, so what earlier tests loaded does not hide a rise)."""
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    measured: dict[str, float] = {}
    yield measured
    measured["growth_mb"] = (_status_kb("VmHWM") - before) / 1024


def test_the_header_is_read_without_decoding(six_hours, unsaid, lying):
    assert probe(six_hours) == pytest.approx(SIX_HOURS)
    assert probe(six_hours.read_bytes(), ".flac") == pytest.approx(SIX_HOURS)
    assert probe(unsaid) is None
    assert probe(lying) == pytest.approx(60)
    started = time.monotonic()
    with pytest.raises(TooLong, match="^the recording is 6:00:00 long; at most 5:00 is taken$"):
        probe(six_hours.read_bytes(), ".flac", max_seconds=VOICE_LIMIT)
    assert time.monotonic() - started < 0.1
    assert probe(lying, max_seconds=VOICE_LIMIT) == pytest.approx(60)  # the budget's business


def test_six_hours_are_refused_on_the_headers_word_before_decoding(six_hours):
    with peak_memory() as memory:
        started = time.monotonic()
        with pytest.raises(TooLong) as refused:
            decode(six_hours, 16000, max_seconds=VOICE_LIMIT)
        elapsed = time.monotonic() - started
    assert str(refused.value) == "the recording is 6:00:00 long; at most 5:00 is taken"
    assert refused.value.seconds == pytest.approx(SIX_HOURS) and refused.value.limit == VOICE_LIMIT
    assert elapsed < 0.5, elapsed  # decoding it takes 11 s and 2 GB here
    assert memory["growth_mb"] < 20, memory


@pytest.mark.parametrize("name", ["unsaid", "lying"])
def test_a_header_without_a_length_or_with_a_lie_is_stopped_by_the_sample_budget(name, request):
    path = request.getfixturevalue(name)
    with peak_memory() as memory:
        started = time.monotonic()
        with pytest.raises(TooLong) as refused:
            decode(path, 16000, max_seconds=VOICE_LIMIT)
        elapsed = time.monotonic() - started
    assert refused.value.seconds is None
    header = {"unsaid": "does not say how long it is", "lying": "says 1:00"}[name]
    assert str(refused.value) == f"the recording goes on past 5:00 (its header {header}); at most 5:00 is taken"
    assert elapsed < 2, elapsed
    assert memory["growth_mb"] < 100, memory  # 5 minutes at 16 kHz are 10 MB; 6 hours would be 2 GB


def test_within_the_budget_a_recording_decodes_whole(speech):
    whole = decode(speech["agent.flac"], 16000)
    limited = decode(speech["agent.flac"], 16000, max_seconds=whole.duration + 0.5)
    assert limited.channels == whole.channels
    with pytest.raises(TooLong):
        decode(speech["agent.flac"], 16000, max_seconds=whole.duration / 3)


def test_call_recordings_have_a_generous_budget_of_their_own(six_hours):
    assert CALL_MAX_SECONDS == 4 * 3600
    started = time.monotonic()
    with pytest.raises(TooLong, match="^the recording is 6:00:00 long; at most 4:00:00 is taken$"):
        decode(six_hours, 16000)
    assert time.monotonic() - started < 0.5


def test_the_suffix_names_the_demuxer(speech, tmp_path):
    flac_named_wav = tmp_path / "voice.wav"
    shutil.copy(speech["agent.flac"], flac_named_wav)
    with pytest.raises(AudioError, match=r"cannot be decoded: it is not WAV audio"):
        decode(flac_named_wav, 16000)
    with pytest.raises(AudioError, match=r"cannot be decoded: it is not WAV audio"):
        probe(speech["agent.flac"].read_bytes(), ".wav")
    wav_named_flac = tmp_path / "voice.flac"
    shutil.copy(speech["agent16.wav"], wav_named_flac)
    with pytest.raises(AudioError, match="cannot be decoded: it holds no FLAC audio"):
        decode(wav_named_flac, 16000)
    ogg_named_mp3 = tmp_path / "voice.mp3"
    shutil.copy(speech["agent.ogg"], ogg_named_mp3)
    with pytest.raises(AudioError, match=r"cannot be decoded: it is not MP3 audio"):
        decode(ogg_named_mp3, 16000)
    unknown = tmp_path / "voice.xyz"
    shutil.copy(speech["agent16.wav"], unknown)
    with pytest.raises(AudioError, match=r"^\.xyz files are not taken \(audio files are .*\.flac.*\.wav"):
        decode(unknown, 16000)
    with pytest.raises(AudioError, match="files without a suffix are not taken"):
        probe(speech["agent16.wav"].read_bytes(), "")
    # Named for what they hold, the same bytes decode.
    renamed = wav_named_flac.rename(tmp_path / "renamed.wav")
    assert decode(renamed, 16000).channels == decode(speech["agent16.wav"], 16000).channels
