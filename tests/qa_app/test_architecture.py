"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and they would catch what
they are there for: a package importing one above it, a rule importing the database, a cycle made
by an import inside a function."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from qa_app import packages
from tests.qa_command import ROOT

ROOT_PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]

LINT = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
]


def lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LINT, "--no-cache"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(folder)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_contracts_cover_every_installed_package():
    assert set(packages.INSTALLED) <= set(ROOT_PACKAGES)


def test_the_contracts_hold():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "3 kept, 0 broken" in done.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tree")
    shutil.copy(ROOT / "pyproject.toml", folder)
    for name in ROOT_PACKAGES:
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", "templates"))
    return folder


@pytest.mark.parametrize(
    ("module", "line", "contract", "named"),
    [
        (
            "qa_app/settings.py",
            "from reports import monthly",
            "Packages depend downwards only",
            "qa_app.settings -> reports.monthly",
        ),
        (
            "cases/register.py",
            "import surveys.figures",
            "Packages depend downwards only",
            "cases.register -> surveys.figures",
        ),
        (
            "scorecards/scoring.py",
            "from qa_app import db",
            "Rules are plain functions",
            "scorecards.scoring -> qa_app.db",
        ),
        (
            "qa_app/settings.py",
            "def _late():\n    from qa_app import db  # an import inside a function counts too\n",
            "No import cycle",
            ".settings",
        ),
    ],
)
def test_a_wrong_import_breaks_its_contract(copy, module, line, contract, named):
    path = copy / module
    original = path.read_text()
    path.write_text(original + "\n\n" + line + "\n")
    try:
        done = lint(copy)
    finally:
        path.write_text(original)
    assert done.returncode != 0
    broken = done.stdout.split("Broken contracts", 1)[1]
    assert contract in broken and named in broken, done.stdout[-3000:]
