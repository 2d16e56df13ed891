"""Small charts for the app's pages, drawn by matplotlib as SVG (the printed reports have their
own, reports/charts.py). Figures are made without pyplot, so nothing global is touched and a
web process can draw them as it answers."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

from matplotlib import rc_context
from matplotlib.figure import Figure

ACCENT = "#1f5f99"
MUTED = "#9bb7d4"


def svg(figure: Figure) -> str:
    """The figure as SVG text, without the XML prolog (to embed in HTML)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def data_uri(svg_text: str) -> str:
    """An SVG as a data: address for <img src> (the pages' Content-Security-Policy allows
    images from data:, not inline styles)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg_text.encode()).decode("ascii")


def count_bars(labels: Sequence[str], values: Sequence[int], *, last_partial: bool = False) -> str:
    """Counts as bars, one per label (weeks, months), the last paler when it is not over yet."""
    with rc_context({"svg.fonttype": "none", "font.size": 7, "svg.hashsalt": "qa"}):
        figure = Figure(figsize=(5.6, 1.7))
        axis = figure.subplots()
        colours = [ACCENT] * len(values)
        if last_partial and colours:
            colours[-1] = MUTED
        axis.bar(range(len(values)), values, color=colours, width=0.7)
        axis.set_xticks(range(len(labels)))
        axis.set_xticklabels(labels, rotation=45, ha="right", fontsize=6.5)
        axis.set_ylim(0, max([*values, 1]) * 1.15)
        axis.yaxis.get_major_locator().set_params(integer=True)
        axis.spines[["top", "right"]].set_visible(False)
        axis.grid(axis="y", color="#dddddd", linewidth=0.5)
        axis.set_axisbelow(True)
        axis.tick_params(labelsize=6.5)
        figure.tight_layout()
        return svg(figure)
