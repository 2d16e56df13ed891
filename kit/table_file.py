"""Reading a CSV file with a header row: the dialect found by the standard library's
`csv.Sniffer` (comma, semicolon, tab or bar, as spreadsheets in different countries write
them), and our column names mapped from the file's own with `--map ours=theirs`."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import TextIO

SAMPLE_BYTES = 64 * 1024


class ImportError_(Exception):
    """A whole file cannot be read (wrong format, missing columns); the message says why."""


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise ImportError_(f"--map takes ours=theirs, e.g. external_id=CallID (got {pair!r})")
        mapping[ours.strip()] = theirs.strip()
    return mapping


def rows(
    handle: TextIO,
    *,
    required: Sequence[str],
    optional: Sequence[str],
    mapping: dict[str, str] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {our column: value}) for each data row."""
    mapping = mapping or {}
    known = set(required) | set(optional)
    if unknown := set(mapping) - known:
        raise ImportError_(
            f"--map names unknown column(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
        )
    sample = handle.read(SAMPLE_BYTES)
    handle.seek(0)
    if not sample.strip():
        raise ImportError_("the file is empty")
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(handle, dialect)
    header = [name.strip() for name in next(reader)]
    positions: dict[str, int] = {}
    lowered = {name.lower(): i for i, name in enumerate(header)}
    for column in (*required, *optional):
        wanted = mapping.get(column, column).lower()
        if wanted in lowered:
            positions[column] = lowered[wanted]
    missing = [c for c in required if c not in positions]
    if missing:
        hint = ", ".join(f"--map {c}=<your column>" for c in missing)
        raise ImportError_(
            f"line 1: missing column(s) {', '.join(missing)} (found: {', '.join(header)}); name them in the header or use {hint}"
        )
    width = len(header)
    for row in reader:
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != width:
            yield reader.line_num, {"__error__": f"expected {width} columns as in the header, found {len(row)}"}
            continue
        yield reader.line_num, {column: row[i].strip() for column, i in positions.items()}
