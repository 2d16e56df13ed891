"""Finding the Vosk model: QA_VOSK_MODEL, or an installed `vosk_model_*` package.

A missing or broken model gives one error that names everything that was looked at."""

from __future__ import annotations

import importlib.util
import pkgutil
import re
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
