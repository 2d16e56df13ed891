"""Decoding many recordings at once: worker processes, each with a model of its own, or threads
sharing one model.

Vosk releases the GIL while it decodes, so threads run in parallel too, but not as well: on this
2-core machine two threads decoded 1.19 times what one does, two processes 1.4 times (issue 16).
So `choose_kind` takes processes whenever there is more than one worker, and one thread (no
process to start, no second copy of the model) for one. A process costs its own copy of the
model in memory (about 250 MB for the small Korean model) and a few seconds to load it.

A centre that answers in several languages names a model per queue (QA_VOSK_MODELS); a job
says its call's queue and runs on that queue's model, which each worker loads the first time it
needs it (a queue with nothing to transcribe costs no memory).

Worker processes are started with "spawn": a clean interpreter, not a fork of a process that
holds an event loop, database connections and threads. Each watches its parent and exits when
the parent is gone (killed, say), rather than decoding on for nobody.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from qa_app.i18n import ngettext
from transcription.engine import Engine
from transcription.model import ModelInfo, find_model, queue_models

KINDS = ("auto", "process", "thread")
PARENT_CHECK_SECONDS = 1.0


def default_workers() -> int:
    """One worker per core."""
    return os.cpu_count() or 1


def choose_kind(workers: int, kind: str = "auto") -> str:
    """ "process" or "thread": what `kind` says, or for "auto" what measured faster here."""
    if kind not in KINDS:
        raise ValueError(f"the kind of workers is one of {', '.join(KINDS)} (got {kind!r})")
    if kind != "auto":
        return kind
    return "process" if workers > 1 else "thread"


def describe(kind: str, workers: int) -> str:
    """ "2 worker processes, one model each", "1 thread sharing one model"."""
    if kind == "process":
        return f"{workers} worker process{'es' if workers != 1 else ''}, one model each"
    return f"{workers} thread{'s' if workers != 1 else ''} sharing one model"


def say(kind: str, workers: int) -> str:
    """The same in the language of the command's output (describe's English goes in the summary)."""
    if kind == "process":
        return ngettext("%(n)s worker process, one model each", "%(n)s worker processes, one model each", workers) % {
            "n": workers
        }
    return ngettext("%(n)s thread sharing one model", "%(n)s threads sharing one model", workers) % {"n": workers}


# In a worker process: its engines by model folder, the default one loaded when the process
# starts, a queue's own model the first time a job needs it.
_engines: dict[Path, Engine] = {}
_vad_mode: int | None = None


def _watch_parent(parent: int) -> None:
    """Exit this process as soon as its parent is gone (it is then adopted: its parent id changes)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _start_worker(model: ModelInfo, vad_mode: int | None, parent: int) -> None:
    global _vad_mode
    _watch_parent(parent)
    _vad_mode = vad_mode
    _engines[model.path] = Engine(model, vad_mode=vad_mode)


def _run(job: Callable[..., Any], model: ModelInfo, args: tuple) -> Any:
    if model.path not in _engines:
        _engines[model.path] = Engine(model, vad_mode=_vad_mode)
    return job(_engines[model.path], *args)


class Transcriber:
    """`workers` decoders of one kind. `submit(job, *args, queue=...)` runs `job(engine, *args)`
    on one of them, with the engine of the queue's model, and returns a Future; a job for
    processes must be a module-level function (it is sent by name) whose arguments and result can
    be pickled.

    With `engine` given, the workers are threads sharing it (a test's deterministic model, a
    stand-in engine) for every queue without a model of its own; otherwise each loads `model`
    (default QA_VOSK_MODEL) with voice-activity detection as QA_VAD says, as `Engine.for_calls`
    does. The queues' own models (QA_VOSK_MODELS) are checked here, so that a wrong folder stops
    the run before any worker starts."""

    def __init__(
        self,
        workers: int,
        kind: str = "auto",
        *,
        model: str | Path | ModelInfo | None = None,
        engine: Engine | None = None,
    ):
        if workers < 1:
            raise ValueError("at least one worker is needed")
        from qa_app.settings import get_settings

        self.workers = workers
        self.kind = "thread" if engine is not None else choose_kind(workers, kind)
        self.queue_models = queue_models()  # fails here, not in a worker
        self._executor: Executor
        self._engines: dict[Path, Engine] = {}
        self._loading = threading.Lock()
        if self.kind == "process":
            self.engine = None
            self.info = model if isinstance(model, ModelInfo) else find_model(model)  # fails here, not in a worker
            self._vad_mode = get_settings().vad_mode
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.info, self._vad_mode, os.getpid()),
            )
        else:
            self.engine = engine or Engine.for_calls(model)
            self.info = self.engine.info
            self._vad_mode = get_settings().vad_mode  # for a queue's own model, as Engine.for_calls
            self._engines[self.info.path] = self.engine
            self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vosk")

    def model_for(self, queue: str | None = None) -> ModelInfo:
        """The model a call of `queue` is decoded with: its own (QA_VOSK_MODELS) or the default."""
        return self.queue_models.get(queue or "", self.info)

    def model_name_for(self, queue: str | None = None) -> str:
        return self.model_for(queue).name

    @property
    def model_name(self) -> str:
        return self.info.name

    def _thread_engine(self, model: ModelInfo) -> Engine:
        with self._loading:  # two threads wanting a new model load it once
            if model.path not in self._engines:
                self._engines[model.path] = Engine(model, vad_mode=self._vad_mode)
            return self._engines[model.path]

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    def describe(self) -> str:
        return describe(self.kind, self.workers)

    def say(self) -> str:
        return say(self.kind, self.workers)

    def submit(self, job: Callable[..., Any], *args: Any, queue: str | None = None) -> Future:
        model = self.model_for(queue)
        if self.kind == "process":
            return self._executor.submit(_run, job, model, args)
        return self._executor.submit(lambda: job(self._thread_engine(model), *args))

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Transcriber:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
