"""Finding the Vosk model: QA_VOSK_MODEL, or an installed `vosk_model_*` package.

A missing or broken model gives one error that names everything that was looked at."""

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


def queue_models() -> dict[str, ModelInfo]:
    """The model of each queue QA_VOSK_MODELS names (calls of other queues use the default
    model), each checked: a wrong folder is an error naming the queue."""
    models = {}
    for queue, folder in get_settings().vosk_models.items():
        problem = check_model_dir(Path(folder).expanduser())
        if problem is not None:
            raise ModelError(f"QA_VOSK_MODELS, queue {queue!r}: {problem}")
        models[queue] = find_model(folder)
    return models


# The recogniser's settings that trade accuracy for speed, and the option each sets in the
# model's conf/model.conf (Vosk reads them there when it loads a model; a recogniser has no
# setter for them). Unset, a model keeps its own values: for the small Korean model beam 10,
# max-active 3000, lattice-beam 2 (Vosk's own defaults, for a model that names none: 13, 7000, 6).
#   QA_VOSK_BEAM: how far below the best path a path may score and still be followed; lower is
#     faster and misses more.
#   QA_VOSK_MAX_ACTIVE: the most paths followed per frame; lower is faster and misses more.
#   QA_VOSK_LATTICE_BEAM: how much of the search is kept for word confidences and alternatives.
#   QA_VOSK_FRAMES_PER_CHUNK: frames the acoustic network computes at once (Kaldi's default 20).
RECOGNISER_SETTINGS = {
    "QA_VOSK_BEAM": ("vosk_beam", "beam"),
    "QA_VOSK_MAX_ACTIVE": ("vosk_max_active", "max-active"),
    "QA_VOSK_LATTICE_BEAM": ("vosk_lattice_beam", "lattice-beam"),
    "QA_VOSK_FRAMES_PER_CHUNK": ("vosk_frames_per_chunk", "frames-per-chunk"),
}


def recogniser_options() -> dict[str, float | int]:
    """The model.conf options the QA_VOSK_* settings above ask for: only those set in the
    environment (or .env) to a number; unset or "model", the model's own value stands."""
    settings = get_settings()  # reads .env into the environment first
    options: dict[str, float | int] = {}
    for variable, (attribute, option) in RECOGNISER_SETTINGS.items():
        value = getattr(settings, attribute)
        if os.environ.get(variable, "").strip() and value is not None:
            options[option] = value
    return options


def tuned_model(path: Path, options: dict[str, float | int]) -> Path:
    """A model folder like `path` whose conf/model.conf has `options` instead of its own values:
    a folder of links to the original's files (nothing large is copied) and a copy of conf/,
    made once per model and options in the temporary folder. `path` itself without options."""
    if not options:
        return path
    original = (path / "conf" / "model.conf").read_text() if (path / "conf" / "model.conf").is_file() else ""
    kept = [line for line in original.splitlines() if line.split("=")[0].lstrip("-").strip() not in options]
    conf = "\n".join(kept + [f"--{option}={value}" for option, value in sorted(options.items())]) + "\n"
    key = hashlib.sha256(f"{path.resolve()}\n{conf}".encode()).hexdigest()[:16]
    name = path.parent.name if path.name == "model" else path.name  # an installed package's folder is "model"
    folder = Path(tempfile.gettempdir()) / "qa-vosk-models" / f"{name}-{key}"
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    for entry in path.iterdir():
        if entry.name != "conf":
            (building / entry.name).symlink_to(entry.resolve())
    (building / "conf").mkdir()
    for entry in (path / "conf").iterdir():
        shutil.copy(entry, building / "conf" / entry.name)
    (building / "conf" / "model.conf").write_text(conf)
    try:
        building.rename(folder)  # atomic: two processes making the same folder do not mix
    except OSError:
        shutil.rmtree(building, ignore_errors=True)  # the other one was first
    return folder
