"""The report's charts, drawn by matplotlib as SVG (vector: sharp in print, and WeasyPrint
renders SVG without rasterising)."""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from qa_app import formatting, i18n  # noqa: E402
from qa_app.i18n import _  # noqa: E402

ACCENT = "#1f5f99"
TARGET = "#b45309"


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # without the XML prolog, to embed in HTML


def _local_ticks(axis) -> None:
    """The value axis in the report's language's number format ("2,5" in Swedish and Dutch);
    English keeps matplotlib's own."""
    if i18n.current() in (i18n.SOURCE, i18n.PSEUDO):
        return
    axis.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _position: formatting.decimal(value, 0 if value == int(value) else 1))
    )


def _limits(values: list[float], kind: str) -> tuple[float, float]:
    """A scale that does not turn a change of a tenth of a second into a cliff: shares keep some
    room around the data and the target, other figures start at zero."""
    if not values:
        return (0, 100) if kind == "pct" else (0, 1)
    low, high = min(values), max(values)
    if kind == "pct":
        return max(0.0, low - 10), min(100.0, high + 5)
    return (min(0.0, low * 1.2), max(0.0, high * 1.2) or 1)


def trend_grid(
    labels: list[str], series: list[tuple[str, list[float | None], str, float | None]], min_points: int = 1
) -> str:
    """Small multiples, two per row: (title, values per month, "pct" or "num", target). A month
    without a value (None) is a gap that breaks the line, never a zero; a measure with fewer
    than `min_points` months of values draws no line and says so."""
    rows = (len(series) + 1) // 2
    figure, axes = plt.subplots(rows, 2, figsize=(7.2, 1.5 * rows), sharex=True)
    plt.rcParams.update({"font.size": 7})
    for axis, (title, values, kind, target) in zip(axes.flat, series, strict=False):
        shown = [None if v is None else (100 * v if kind == "pct" else v) for v in values]
        xs = [i for i, v in enumerate(shown) if v is not None]
        if len(xs) >= min_points:
            # NaN where a month has no value: matplotlib breaks the line there.
            axis.plot(
                range(len(shown)),
                [math.nan if v is None else v for v in shown],
                color=ACCENT,
                marker="o",
                markersize=2.5,
                linewidth=1.2,
            )
        target_shown = None if target is None else (100 * target if kind == "pct" else target)
        if target_shown is not None:
            axis.axhline(target_shown, color=TARGET, linestyle="--", linewidth=0.9)
        drawn = [shown[i] for i in xs] if len(xs) >= min_points else []
        axis.set_ylim(*_limits(drawn + ([target_shown] if target_shown is not None else []), kind))
        axis.set_title(title + (" (%)" if kind == "pct" else ""), fontsize=8, loc="left")
        axis.grid(axis="y", color="#dddddd", linewidth=0.5)
        axis.spines[["top", "right"]].set_visible(False)
        axis.tick_params(labelsize=6.5)
        _local_ticks(axis)
        if not xs:
            axis.text(0.5, 0.5, _("no data"), transform=axis.transAxes, ha="center", va="center", color="#777777")
        elif len(xs) < min_points:
            axis.text(
                0.5,
                0.5,
                _("too few months: %(have)s of %(need)s") % {"have": len(xs), "need": min_points},
                transform=axis.transAxes,
                ha="center",
                va="center",
                color="#777777",
            )
    for axis in axes.flat[len(series) :]:
        axis.set_visible(False)
    for axis in axes.flat:
        axis.set_xticks(range(len(labels)))
        axis.set_xticklabels(labels, rotation=45, ha="right")
        axis.set_xlim(-0.5, len(labels) - 0.5)
    figure.tight_layout()
    return _svg(figure)


def bars(title: str, labels: list[str], values: list[float], kind: str = "num") -> str:
    figure, axis = plt.subplots(figsize=(7.2, 2.2))
    axis.bar(range(len(values)), values, color=ACCENT)
    axis.set_xticks(range(len(labels)))
    axis.set_xticklabels(labels, fontsize=6.5)
    axis.set_title(title, fontsize=8, loc="left")
    axis.spines[["top", "right"]].set_visible(False)
    axis.tick_params(labelsize=6.5)
    _local_ticks(axis)
    figure.tight_layout()
    return _svg(figure)
