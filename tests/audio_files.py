"""Audio files the tests make: six hours of silence as a small FLAC, and the same with its header
lying about its length. The `six_hours` fixture is shared through tests/conftest.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def six_hours(tmp_path_factory) -> Path:
    """Six hours of 8 kHz silence as FLAC: 4 MB that decode to 700 MB at 16 kHz (ffmpeg writes it in 3 s)."""
    path = tmp_path_factory.mktemp("long") / "silence.flac"
    lavfi = ("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "6:00:00", "-codec:a", "flac")
    subprocess.run(["ffmpeg", "-loglevel", "error", *lavfi, str(path)], check=True)
    return path


def with_flac_length(data: bytes, samples: int) -> bytes:
    """The FLAC file with the total sample count in its STREAMINFO replaced (0: unknown)."""
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    changed = bytearray(data)
    start = 8 + 13  # the 36-bit count takes the low nibble of STREAMINFO's byte 13 and bytes 14-17
    changed[start] = (changed[start] & 0xF0) | ((samples >> 32) & 0x0F)
    changed[start + 1 : start + 5] = (samples & 0xFFFFFFFF).to_bytes(4, "big")
    return bytes(changed)
