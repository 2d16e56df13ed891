"""The pool of transcription workers, a model per queue and the recogniser's settings, with the
real Korean model (dither off, see conftest.py) and espeak-ng speech. Nothing is mocked but the
free memory in one test."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest

from qa_app.settings import ConfigError, get_settings, reset_settings
from transcription import pool
from transcription.engine import Engine
from transcription.model import (
    DecoderOptions,
    ModelError,
    ModelInfo,
    find_model,
    model_conf,
    model_for_queue,
    tuned_model_dir,
)
from transcription.pool import Transcriber, choose_kind, recording_result

RESULT_KEYS = {"transcript", "text", "duration", "metrics", "model", "channels", "decoded_seconds"}


@pytest.fixture
def environment(monkeypatch):
    """Set QA_* variables for one test; the settings are read again before and after."""

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        reset_settings()

    yield set_env
    monkeypatch.undo()
    reset_settings()


@pytest.fixture(scope="module")
def queue_model(deterministic_model, tmp_path_factory) -> Path:
    """The deterministic model under another name: the model of one queue."""
    folder = tmp_path_factory.mktemp("models") / "ko-revenues"
    folder.mkdir()
    for entry in deterministic_model.iterdir():
        (folder / entry.name).symlink_to(entry)
    return folder


def test_processes_and_threads_give_the_result_batch_stores(engine, deterministic_model, speech):
    call = speech["call_stereo8_mulaw.wav"]
    expected = recording_result(engine, call, 0)
    assert set(expected) == RESULT_KEYS and expected["text"]
    assert 0 < expected["decoded_seconds"] < 2 * expected["duration"]
    json.dumps(expected)  # stored as JSON: plain numbers only

    async def run(kind: str) -> list[dict]:
        with Transcriber(workers=2, kind=kind, model=deterministic_model) as transcriber:
            assert transcriber.kind == kind
            return await asyncio.gather(
                transcriber.transcribe(call, 0),
                transcriber.transcribe(call, 1),
                transcriber.transcribe(Path("/nowhere/x.wav"), 0),
            )

    for kind in ("process", "thread"):
        first, swapped, missing = asyncio.run(run(kind))
        assert first == expected, kind
        assert swapped["transcript"]["turns"][0]["speaker"] == "caller"
        assert missing == {"failed": "the recording file is missing: /nowhere/x.wav"}


def test_a_worker_process_that_dies_is_replaced_and_the_recording_tried_again(deterministic_model, speech):
    call = speech["call_stereo8_mulaw.wav"]

    async def run() -> dict:
        with Transcriber(workers=1, kind="process", model=deterministic_model) as transcriber:
            job = asyncio.create_task(transcriber.transcribe(call, 0))
            while not getattr(transcriber._executor, "_processes", None):
                await asyncio.sleep(0.05)
            for pid in list(transcriber._executor._processes):  # the decoder crashing, as seen from here
                os.kill(pid, signal.SIGKILL)
            return await job

    result = asyncio.run(run())
    assert "failed" not in result and result["text"]


def test_auto_takes_what_measured_best_and_says_so(deterministic_model, tmp_path, monkeypatch):
    model = find_model(deterministic_model)
    kind, reason = choose_kind("auto", 2, model, pool.REFERENCE_SPEED)
    assert kind == "process"
    assert reason == (
        "2 worker processes gave 1.40 times one, 2 threads 1.19 times (measured on the 2-core reference machine)"
    )
    assert choose_kind("auto", 1, model)[0] == "thread"
    assert choose_kind("thread", 4, model) == ("thread", "as asked")
    with pytest.raises(ValueError, match="process, thread or auto"):
        choose_kind("fibers", 2, model)  # type: ignore[arg-type]

    # This machine's own measurement, saved by the benchmark, wins.
    (tmp_path / pool.SPEED_FILE).write_text(json.dumps({"workers": 2, "process": 1.1, "thread": 1.3}))
    saved = pool.measured_speed(tmp_path)
    assert choose_kind("auto", 2, model, saved) == (
        "thread",
        "2 worker processes gave 1.10 times one, 2 threads 1.30 times (measured on this machine)",
    )
    # Not enough memory for a model per process: threads, and the reason.
    monkeypatch.setattr(pool, "available_memory", lambda: 300 * 2**20)
    kind, reason = choose_kind("auto", 2, model, pool.REFERENCE_SPEED)
    assert kind == "thread" and "but 2 processes would need about" in reason and "300 MiB are free" in reason

    monkeypatch.undo()
    transcriber = Transcriber(workers=2, model=deterministic_model)
    assert transcriber.describe().startswith("2 worker processes, each with its own model: 2 worker processes gave")
    assert "speech only (VAD 3)" in transcriber.describe()
    transcriber.close()


def test_a_queue_can_have_a_model_of_its_own(environment, deterministic_model, queue_model, speech):
    environment(QA_VOSK_MODEL=str(deterministic_model), QA_VOSK_MODELS=f"Revenues={queue_model}; Waste = {queue_model}")
    assert get_settings().vosk_models == {"Revenues": str(queue_model), "Waste": str(queue_model)}
    assert model_for_queue("Revenues").name == "ko-revenues"
    assert model_for_queue("Parking").path == deterministic_model.resolve()
    assert model_for_queue(None).path == deterministic_model.resolve()

    call = speech["call_stereo8_mulaw.wav"]

    async def run() -> tuple[dict, dict, int]:
        with Transcriber(workers=1, kind="thread") as transcriber:
            default = await transcriber.transcribe(call, 0, queue="Parking")
            assert len(transcriber._engines._engines) == 1  # the queue's model is loaded when first needed
            own = await transcriber.transcribe(call, 0, queue="Revenues")
            return default, own, len(transcriber._engines._engines)

    default, own, engines = asyncio.run(run())
    assert default["model"] == deterministic_model.name and own["model"] == "ko-revenues"
    assert own["transcript"] == default["transcript"]  # the same model under another name
    assert engines == 2

    environment(QA_VOSK_MODELS="Revenues=/nowhere/model")
    with pytest.raises(ModelError, match="QA_VOSK_MODELS for queue 'Revenues': no usable Vosk model"):
        model_for_queue("Revenues")
    for wrong in ("Revenues", "Revenues=/a; Revenues=/b", "=/a"):
        environment(QA_VOSK_MODELS=wrong)
        with pytest.raises(ConfigError, match="QA_VOSK_MODELS"):
            get_settings()


def test_recogniser_settings_apply_without_touching_the_model(environment, deterministic_model, tmp_path, speech):
    model = find_model(deterministic_model)
    original = (deterministic_model / "conf" / "model.conf").read_text()
    assert tuned_model_dir(model, DecoderOptions(), tmp_path) == model.path
    options = DecoderOptions(beam=8, max_active=1500, lattice_beam=1.5)
    tuned = tuned_model_dir(model, options, tmp_path)
    assert tuned.parent == tmp_path and tuned != model.path
    conf = model_conf(tuned)
    assert (conf["--beam"], conf["--max-active"], conf["--lattice-beam"]) == ("8", "1500", "1.5")
    assert {k: v for k, v in conf.items() if k not in options.conf_overrides()} == {
        k: v for k, v in model_conf(model.path).items() if k not in options.conf_overrides()
    }
    assert (tuned / "graph").resolve() == (model.path / "graph").resolve()
    assert (deterministic_model / "conf" / "model.conf").read_text() == original
    assert tuned_model_dir(model, options, tmp_path) == tuned  # made once
    assert options.describe() == "beam 8, max-active 1500, lattice-beam 1.5"

    bare = tmp_path / "old-model"
    (bare / "conf").mkdir(parents=True)
    old_style = ModelInfo(path=bare, name="old", sample_rate=16000)
    assert tuned_model_dir(old_style, DecoderOptions(beam=5), tmp_path) == bare  # nothing to replace

    # From the settings, into the data folder; a narrower search still transcribes, and an
    # N-best list keeps the best path with confidences between 0 and 1.
    environment(QA_VOSK_BEAM="8", QA_VOSK_MAX_ACTIVE="1500", QA_VOSK_ALTERNATIVES="3", QA_VAD="off")
    engine = Engine(deterministic_model)
    assert engine.options == DecoderOptions(beam=8.0, max_active=1500, frames_per_chunk=51, alternatives=3)
    assert model_conf(engine.loaded_from)["--frames-per-chunk"] == "51"  # the default
    assert engine.vad is None
    assert engine.loaded_from.parent == get_settings().data_dir / "vosk-models"
    words = engine.transcribe(speech["agent16.wav"]).words()
    assert words and all(0 <= w.conf <= 1 for w in words)

    environment(QA_VOSK_BEAM="model", QA_VOSK_FRAMES_PER_CHUNK="model")
    assert DecoderOptions.from_settings() == DecoderOptions(max_active=1500, alternatives=3)
    for name, value in [("QA_VOSK_BEAM", "wide"), ("QA_VOSK_MAX_ACTIVE", "1.5"), ("QA_VOSK_ALTERNATIVES", "-1")]:
        environment(**{name: value})
        with pytest.raises(ConfigError, match=name):
            get_settings()
        environment(**{name: ""})
    environment(QA_VAD="4")
    with pytest.raises(ConfigError, match="QA_VAD must be 0, 1, 2, 3 or off"):
        get_settings()
