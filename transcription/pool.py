"""Transcription workers that use every core: worker processes, each with its own model, or
threads sharing one, whichever measures faster here.

Vosk releases the GIL while it decodes, yet two threads of one process gave 1.19 times one
thread on the 2-core reference machine, two processes each with a model of its own 1.4 times
one (issue 16's measurement; benchmarks/transcription.py measures both again and
docs/benchmarks.md has its figures). `Transcriber(kind="auto")` takes processes for two workers
or more when the machine has memory for a model per process, and says why in `describe()`. A
benchmark run with `--save` writes its measurement into the data folder
(`transcription-speed.json`); `auto` then follows what was measured on this very machine.

    with Transcriber(workers=2) as transcriber:           # kind "auto"
        print(transcriber.describe())
        result = await transcriber.transcribe(path, agent_channel=0, queue="Revenues")

A worker process loads the default model once, when it starts (the pool's initializer), and a
queue's own model (QA_VOSK_MODELS) the first time it meets a call of that queue; a thread pool
shares one engine per model. Processes are started with "spawn", never forked from a process
that runs an event loop and threads.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Literal

from qa_app.settings import get_settings
from transcription.audio import AudioError, decode
from transcription.engine import Engine, vad_from_settings
from transcription.metrics import talk_metrics
from transcription.model import DecoderOptions, ModelInfo, find_model, model_for_queue, tuned_model_dir
from transcription.vad import VadOptions

Kind = Literal["process", "thread", "auto"]
KINDS = ("process", "thread", "auto")

# benchmarks/transcription.py on the reference machine (docs/benchmarks.md, issue 16): the
# speed of two workers against one, each kind. A saved measurement of this machine wins.
REFERENCE_SPEED = {"workers": 2, "process": 1.4, "thread": 1.19, "machine": "the 2-core reference machine"}
SPEED_FILE = "transcription-speed.json"  # in QA_DATA_DIR, written by the benchmark's --save
# Memory a worker process needs beyond its model's files (Python, PyAV, numpy, the decoder).
PROCESS_OVERHEAD_BYTES = 200 * 2**20


def recording_result(engine: Engine, path: Path, agent_channel: int) -> dict:
    """One recording's transcript and measures, or the reason it failed: the dict
    `transcription.batch.transcribe_recording` gives, with the model's name, the recording's
    number of channels and the seconds of channel audio the recogniser was given
    (`decoded_seconds`)."""
    try:
        audio = decode(path, engine.sample_rate)
    except AudioError as error:
        return {"failed": str(error)}
    decoded = engine.decode_audio(audio, agent_channel)
    transcript = decoded.transcript
    return {
        "transcript": transcript.as_json(),
        "text": transcript.text,
        "duration": audio.duration,
        "metrics": talk_metrics(transcript).as_json(),
        "model": engine.info.name,
        "channels": len(audio.channels),
        "decoded_seconds": round(float(decoded.decoded_seconds), 3),
    }


class Engines:
    """Engines by model, made on first use; one per process (or per thread pool)."""

    def __init__(self, options: DecoderOptions, vad: VadOptions | None):
        self.options, self.vad = options, vad
        self._engines: dict[Path, Engine] = {}
        self._lock = threading.Lock()

    def get(self, info: ModelInfo) -> Engine:
        with self._lock:
            engine = self._engines.get(info.path)
            if engine is None:
                engine = self._engines[info.path] = Engine(info, options=self.options, vad=self.vad or False)
            return engine


_process_engines: Engines | None = None  # in a worker process


def _start_process(default: ModelInfo, options: DecoderOptions, vad: VadOptions | None) -> None:
    """A worker process's initializer: its engines, and the default model loaded now."""
    global _process_engines
    _process_engines = Engines(options, vad)
    _process_engines.get(default)


def _in_process(info: ModelInfo, path: str, agent_channel: int) -> dict:
    assert _process_engines is not None, "the worker process was not initialised"
    return recording_result(_process_engines.get(info), Path(path), agent_channel)


def measured_speed(data_dir: Path | None = None) -> dict:
    """The speed-ups of two workers over one, by kind: this machine's, when the benchmark saved
    them (`benchmarks/transcription.py --save`), else the reference machine's."""
    path = (data_dir or get_settings().data_dir) / SPEED_FILE
    try:
        saved = json.loads(path.read_text())
        if isinstance(saved.get("process"), int | float) and isinstance(saved.get("thread"), int | float):
            return saved
    except (OSError, ValueError):
        pass
    return dict(REFERENCE_SPEED)


def model_bytes(info: ModelInfo) -> int:
    return sum(f.stat().st_size for f in info.path.rglob("*") if f.is_file())


def available_memory() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def choose_kind(kind: Kind, workers: int, model: ModelInfo, speed: dict | None = None) -> tuple[str, str]:
    """The kind of worker to use and why."""
    if kind not in KINDS:
        raise ValueError(f"the kind of worker is process, thread or auto (got {kind!r})")
    if kind != "auto":
        return kind, "as asked"
    if workers <= 1:
        return "thread", "one worker: a thread decodes as fast as a process and needs no second copy of the model"
    speed = speed or measured_speed()
    where = speed.get("machine") or "this machine"
    figures = (
        f"{speed['workers']} worker processes gave {speed['process']:.2f} times one, "
        f"{speed['workers']} threads {speed['thread']:.2f} times (measured on {where})"
    )
    if speed["thread"] >= speed["process"]:
        return "thread", figures
    need = workers * (model_bytes(model) + PROCESS_OVERHEAD_BYTES)
    free = available_memory()
    if free is not None and need > free:
        return "thread", (
            f"{figures}, but {workers} processes would need about {need / 2**20:,.0f} MiB "
            f"and {free / 2**20:,.0f} MiB are free"
        )
    return "process", figures


class Transcriber:
    """`workers` recordings at a time. `kind`: "process", "thread" or "auto" (see
    `choose_kind`); `model`: the default model (QA_VOSK_MODEL's when None); `options` and `vad`:
    the recogniser's and the speech detector's settings (QA_VOSK_*, QA_VAD when not given)."""

    def __init__(
        self,
        workers: int = 2,
        kind: Kind = "auto",
        model: str | Path | ModelInfo | None = None,
        *,
        options: DecoderOptions | None = None,
        vad: VadOptions | None | bool = True,
    ):
        self.workers = max(1, int(workers))
        self.model = model if isinstance(model, ModelInfo) else find_model(model)
        self.options = options if options is not None else DecoderOptions.from_settings()
        self.vad: VadOptions | None = vad_from_settings() if vad is True else (vad or None)
        tuned_model_dir(self.model, self.options)  # a model it cannot be tuned for fails here
        self.kind, self.reason = choose_kind(kind, self.workers, self.model)
        self._executor: Executor | None = None
        self._engines: Engines | None = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        what = (
            f"{self.workers} worker process{'es' if self.workers > 1 else ''}, each with its own model"
            if self.kind == "process"
            else f"{self.workers} thread{'s' if self.workers > 1 else ''} sharing one model"
        )
        speech = "all audio (no voice-activity detection)" if self.vad is None else f"speech only (VAD {self.vad.mode})"
        return f"{what}: {self.reason}; model {self.model.name}, {self.options.describe()}, {speech}"

    def _start(self) -> Executor:
        with self._lock:
            if self._executor is None:
                if self.kind == "process":
                    self._executor = ProcessPoolExecutor(
                        max_workers=self.workers,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=_start_process,
                        initargs=(self.model, self.options, self.vad),
                    )
                else:
                    self._engines = Engines(self.options, self.vad)
                    self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="vosk")
            return self._executor

    def _restart(self, broken: Executor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def model_for(self, queue: str | None = None, model: ModelInfo | None = None) -> ModelInfo:
        """The model for a call: `model`, the queue's own (QA_VOSK_MODELS), else the default."""
        if model is not None:
            return model
        if queue is not None and queue in get_settings().vosk_models:
            return model_for_queue(queue)
        return self.model

    def submit(
        self, path: Path, agent_channel: int = 0, *, queue: str | None = None, model: ModelInfo | None = None
    ) -> Future:
        """Start one recording; a concurrent.futures.Future of its result dict."""
        info = self.model_for(queue, model)
        executor = self._start()
        if self.kind == "process":
            return executor.submit(_in_process, info, str(path), agent_channel)
        engines = self._engines
        assert engines is not None
        return executor.submit(lambda: recording_result(engines.get(info), Path(path), agent_channel))

    async def transcribe(
        self, path: Path, agent_channel: int = 0, *, queue: str | None = None, model: ModelInfo | None = None
    ) -> dict:
        """One recording's result dict (as `recording_result`). A worker process that dies (a
        crash inside the decoder) is replaced and the recording tried once more; if that worker
        dies too, the result is the reason, and the rest go on."""
        for attempt in range(2):
            executor = self._start()
            try:
                return await asyncio.wrap_future(self.submit(path, agent_channel, queue=queue, model=model))
            except BrokenProcessPool:
                self._restart(executor)
                if attempt:
                    return {"failed": "the transcription worker process stopped while decoding this recording"}
        raise AssertionError("unreachable")

    def run(self, path: Path, agent_channel: int = 0, *, queue: str | None = None) -> dict:
        """The same, for callers without an event loop."""
        return self.submit(path, agent_channel, queue=queue).result()

    def close(self) -> None:
        with self._lock:
            executor, self._executor, self._engines = self._executor, None, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Transcriber:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)
