"""Many agent scorecards at once: the figures are gathered in one pass (fast, in the database),
and the slow part, laying out each PDF, runs in a pool of processes, one PDF per agent, so a
centre of 300 agents uses every core it is given."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def _one(html: str) -> bytes:
    from reports import render

    return render.pdf(html)


def pdfs_in_processes(cards: list, context: dict[str, Any], workers: int) -> bytes:
    """A .zip of one PDF per agent, `staffnumber-name.pdf`."""
    from reports import render

    documents = [
        (
            f"{c.agent['staff_number']}-{c.agent['name'].replace(' ', '-')}.pdf",
            render.html("reports/agent.html", cards=[c], **context),
        )
        for c in cards
    ]
    buffer = io.BytesIO()
    with (
        ProcessPoolExecutor(max_workers=max(1, workers)) as pool,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive,
    ):
        for (name, _html), pdf in zip(
            documents, pool.map(_one, [html for _, html in documents], chunksize=4), strict=True
        ):
            archive.writestr(name, pdf)
    return buffer.getvalue()
