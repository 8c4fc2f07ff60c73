"""The loss after every completed iteration, as a bar plot with its numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from nntui.app.base import KnownView
from nntui.engine.numbers import MINUS, fmt_result

_BARS = " ▁▂▃▄▅▆▇█"
#: What a column shows for a loss that is not a number one can draw (inf, −inf, nan).
NOT_FINITE = "×"
#: Finite positive losses spanning more decades than this are drawn on a log scale.
LOG_DECADES = 2.0


@dataclass(frozen=True)
class Scale:
    """The y axis of a loss plot: the values at its `top` and `bottom` (None when no value is
    finite), and whether heights follow log10 of the value."""

    top: float | None
    bottom: float | None
    log: bool


def scale_of(values: Sequence[float]) -> Scale:
    """A log scale from the smallest to the largest finite positive value when those span
    more than LOG_DECADES decades; else a linear one from 0 (or the smallest value, if
    negative) to the largest value."""
    finite = [v for v in values if math.isfinite(v)]
    positive = [v for v in finite if v > 0]
    if positive and math.log10(max(positive)) - math.log10(min(positive)) > LOG_DECADES:
        return Scale(max(positive), min(positive), True)
    if finite:
        return Scale(max(0.0, max(finite)), min(0.0, min(finite)), False)
    return Scale(None, None, False)


def bar_rows(values: Sequence[float], width: int, height: int) -> list[str]:
    """The bar plot of `values` on `scale_of(values)`: `height` rows, top first, all of one
    length, at most `width` columns. A longer history is sampled evenly, first and last point
    included, and a column whose stretch of the history holds a value that is not finite
    shows it as a column of × instead. A short history gets wider bars (up to 4 columns
    each). Each finite value gets at least a sliver, so a tiny loss is still visible; zero
    and negative values sit at the bottom of a log scale."""
    width, height = max(1, width), max(1, height)
    if not values:
        return [""] * height
    scale = scale_of(values)
    top_level = height * 8
    levels = []
    for v in _columns(values, width):
        if math.isfinite(v):
            fraction = _fraction(v, scale)
            levels.append(min(top_level, max(1, round(fraction * (top_level - 1)) + 1)))
        else:
            levels.append(-1)
    rows = []
    for row in range(height):
        floor = (height - 1 - row) * 8
        rows.append(
            "".join(
                NOT_FINITE if level < 0 else _BARS[min(8, max(0, level - floor))]
                for level in levels
            )
        )
    return rows


def _columns(values: Sequence[float], width: int) -> list[float]:
    """The value each column draws: every value (repeated up to 4 times) when they fit, else
    an even sample whose columns show a non-finite value of their stretch if there is one."""
    n = len(values)
    if n <= width:
        repeat = max(1, min(4, width // n))
        return [v for v in values for _ in range(repeat)]
    step = (n - 1) / (width - 1) if width > 1 else float(n - 1)
    # Column k stands for the points nearer to its own sample than to its neighbours'.
    edges = [0, *(min(n, math.floor((k + 0.5) * step) + 1) for k in range(width - 1)), n]
    columns = []
    for k in range(width):
        stretch = values[edges[k] : max(edges[k], edges[k + 1])]
        odd = [v for v in stretch if not math.isfinite(v)]
        columns.append(odd[0] if odd else values[min(n - 1, round(k * step))])
    return columns


def _fraction(value: float, scale: Scale) -> float:
    """How far up the axis a finite `value` is, 0 to 1."""
    top, bottom = scale.top, scale.bottom
    assert top is not None and bottom is not None  # there is a finite value
    if scale.log:
        if value <= 0:
            return 0.0
        low, high = math.log10(bottom), math.log10(top)
        return (math.log10(value) - low) / (high - low)
    span = top - bottom  # top ≥ 0 ≥ bottom
    if math.isinf(span):  # both near the float's limit: halved, the span fits
        return (value / 2 - bottom / 2) / (top / 2 - bottom / 2)
    return (value - bottom) / span if span > 0 else 0.0


class LossHistory(KnownView, Static):
    """The loss before the first iteration, then after each completed one (and training)."""

    _shown: tuple[object, ...] | None = None  # what is drawn now, to skip redrawing it

    DEFAULT_CSS = """
    LossHistory {
        height: 12;
        padding: 0 1;
        border-top: solid $primary-muted;
    }
    """

    def watch_known(self) -> None:
        known = self.known
        key = (known.loss_history, known.precision, self.size)
        if key == self._shown:
            return  # most steps leave the history as it is
        self._shown = key
        self.update(self.describe(self.size.width - 2, self.size.height), layout=False)

    def on_resize(self) -> None:
        self.watch_known()

    def describe(self, width: int, height: int) -> Text:
        known = self.known
        p = known.precision
        points = list(known.loss_history)
        text = Text()
        text.append("loss history", style="bold")
        if not points:
            text.append("\nno completed iteration yet: finish one (enter) or train (t)")
            return text
        iterations = len(points) - 1
        scale = scale_of(points)
        header = f" · {iterations:,} iteration{'s' if iterations != 1 else ''}"
        if scale.log:
            fits = len("loss history") + len(header) + len(" · log scale") <= width
            header += " · log scale" if fits else " · log"
        text.append(header + "\n")
        # The header, the plot, its x axis and the numbers, with a line to spare.
        plot_height = max(1, height - 4)
        # The y axis: the top and bottom values to 3 significant digits (a bottom of 0.00034
        # or 1e−300 stays readable on a log scale), "log" between them.
        top, bottom = (_axis_label(v) for v in (scale.top, scale.bottom))
        labels = [""] * plot_height
        labels[0] = top
        if plot_height > 1:
            labels[-1] = bottom
        if scale.log and plot_height > 2:
            labels[plot_height // 2] = "log"
        label_width = max(len(label) for label in labels)
        rows = bar_rows(points, max(4, width - label_width - 1), plot_height)
        for label, row in zip(labels, rows, strict=True):
            text.append(label.rjust(label_width) + " ", style="dim")
            for run in _runs(row):
                text.append(run, style="bold red" if run[0] == NOT_FINITE else "bold")
            text.append("\n")
        text.append(" " * (label_width + 1) + _x_axis(iterations, len(rows[0])) + "\n", "dim")
        text.append(_numbers(points, p, width))
        return text


def _axis_label(value: float | None) -> str:
    if value is None:
        return ""
    return "0" if value == 0 else f"{value:.3g}".replace("-", MINUS)


def _runs(row: str) -> list[str]:
    """`row` cut where × columns start and end, to style them apart from the bars."""
    return [m.group() for m in re.finditer(f"{NOT_FINITE}+|[^{NOT_FINITE}]+", row)]


def _x_axis(iterations: int, columns: int) -> str:
    """`0      iteration      25` under a plot `columns` wide: the first and last iteration
    (the first point is the loss before iteration 1), as much of it as fits."""
    first, last = "0", f"{iterations:,}"
    if iterations == 0:
        return first
    gap = columns - len(first) - len(last)
    if gap < 1:
        return last.rjust(columns)
    word = "iteration" if gap >= len("iteration") + 2 else ""
    return first + word.center(gap) + last


def _numbers(points: list[float], precision: int, width: int) -> str:
    """`0.138 → 0.135 → 0.131`, or first, last and how many when that does not fit."""
    parts = [fmt_result(v, precision) for v in points]
    joined = " → ".join(parts)
    if len(joined) <= width:
        return joined
    tail: list[str] = []
    for part in reversed(parts[1:]):
        candidate = " → ".join([parts[0], "…", part, *tail])
        if len(candidate) > width:
            break
        tail.insert(0, part)
    return " → ".join([parts[0], "…", *tail]) if tail else f"{parts[0]} → … → {parts[-1]}"
