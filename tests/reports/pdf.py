"""Reading the reports' PDFs back: their text (pdftotext) and page count (pdfinfo)."""

from __future__ import annotations

import shutil
import subprocess


def pdf_text(pdf: bytes, *args: str) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "the report tests need pdftotext (apt install poppler-utils; scripts/bootstrap does)"
    return subprocess.run([tool, *args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
