"""The loss after every completed iteration, as a bar plot with its numbers; with a test set
(SPEC §7) the test loss beside it as a curve of marks over the bars, a legend with both latest
values, and for classes the accuracy on the training and the test samples.

The training loss keeps the bars it always had (a class reads a falling loss at a glance from
them); the test loss is the dots over them, in another colour, on the same axis — so where the
two part, the dots stand above the bars: the network fits its training samples better than
the ones it has not seen."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from nntui.app.base import KnownView
from nntui.engine.numbers import MINUS, fmt_result

if TYPE_CHECKING:
    from nntui.engine.evaluation import Scores

_BARS = " ▁▂▃▄▅▆▇█"
#: What a column shows for a loss that is not a number one can draw (inf, −inf, nan).
NOT_FINITE = "×"
#: The test loss's mark, drawn over the training loss's bars.
TEST_MARK = "●"
#: The styles of the training loss's bars, the test loss's marks and the non-finite columns.
TRAIN_STYLE, TEST_STYLE, NOT_FINITE_STYLE = "bold", "bold magenta", "bold red"
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


def bar_rows(
    values: Sequence[float], width: int, height: int, scale: Scale | None = None
) -> list[str]:
    """The bar plot of `values` on `scale` (by default `scale_of(values)`): `height` rows, top
    first, all of one length, at most `width` columns. A longer history is sampled evenly,
    first and last point included, and a column whose stretch of the history holds a value
    that is not finite shows it as a column of × instead. A short history gets wider bars (up
    to 4 columns each). Each finite value gets at least a sliver, so a tiny loss is still
    visible; zero and negative values sit at the bottom of a log scale."""
    width, height = max(1, width), max(1, height)
    if not values:
        return [""] * height
    scale = scale_of(values) if scale is None else scale
    top_level = height * 8
    levels = []
    for v in _columns(values, width):
        levels.append(_level(v, scale, top_level) if math.isfinite(v) else -1)
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


def mark_rows(values: Sequence[float | None], width: int, height: int, scale: Scale) -> list[str]:
    """The test loss's marks for a plot `bar_rows(training, width, height, scale)` of a
    training history as long as `values`: rows of the same size, a ● in each column at the
    height of its value's bar top, blank elsewhere. A column whose own point has no value
    (None: not recorded) takes the last one its stretch of the history has, if any; values
    that are not finite are not marked (the legend writes them)."""
    width, height = max(1, width), max(1, height)
    if not values:
        return [""] * height
    top_level = height * 8
    rows = []
    marks: list[int | None] = []
    for index, stretch in _picks(len(values), width):
        own = values[index]
        known = [values[k] for k in stretch if values[k] is not None]
        value = own if own is not None else (known[-1] if known else None)
        if value is None or not math.isfinite(value):
            marks.append(None)
        else:
            marks.append(height - 1 - (_level(value, scale, top_level) - 1) // 8)
    for row in range(height):
        rows.append("".join(TEST_MARK if mark == row else " " for mark in marks))
    return rows


def _level(value: float, scale: Scale, top_level: int) -> int:
    """How many eighths of a cell the bar of finite `value` fills: at least 1, a sliver."""
    return min(top_level, max(1, round(_fraction(value, scale) * (top_level - 1)) + 1))


def _picks(n: int, width: int) -> list[tuple[int, range]]:
    """Which point of a history of `n` each column draws, and the stretch of the history it
    stands for: every point (repeated up to 4 times) when they fit, else an even sample, each
    column standing for the points nearer to its own sample than to its neighbours'."""
    if n <= width:
        repeat = max(1, min(4, width // n))
        return [(k, range(k, k + 1)) for k in range(n) for _ in range(repeat)]
    step = (n - 1) / (width - 1) if width > 1 else float(n - 1)
    edges = [0, *(min(n, math.floor((k + 0.5) * step) + 1) for k in range(width - 1)), n]
    return [
        (min(n - 1, round(k * step)), range(edges[k], max(edges[k], edges[k + 1])))
        for k in range(width)
    ]


def _columns(values: Sequence[float], width: int) -> list[float]:
    """The value each column draws (`_picks`); a column whose stretch of the history holds a
    value that is not finite shows it instead."""
    columns = []
    for index, stretch in _picks(len(values), width):
        odd = [values[k] for k in stretch if not math.isfinite(values[k])]
        columns.append(odd[0] if odd else values[index])
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
    """The loss before the first iteration, then after each completed one (and training);
    with a test set, the test loss over it and, for classes, the accuracy."""

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
        key = (known.loss_history, known.precision, self.size, *self._test_facts())
        if key == self._shown:
            return  # most steps leave the history as it is
        self._shown = key
        self.update(self.describe(self.size.width - 2, self.size.height), layout=False)

    def on_resize(self) -> None:
        self.watch_known()

    def _test_facts(self) -> tuple[tuple[float | None, ...], Scores | None]:
        """The test loss beside each point and the latest scores (none without a test set or
        classes to score)."""
        known = self.known
        return known.test_history, known.scores

    def describe(self, width: int, height: int) -> Text:
        known = self.known
        points = list(known.loss_history)
        text = Text()
        text.append("loss history", style="bold")
        if not points:
            text.append("\nno completed iteration yet: finish one (enter) or train (t)")
            return text
        test, scores = self._test_facts()
        tested = any(value is not None for value in test)
        iterations = len(points) - 1
        known_test = [value for value in test if value is not None]
        scale = scale_of(points + known_test)
        header = f" · {iterations:,} iteration{'s' if iterations != 1 else ''}"
        if scale.log:
            fits = len("loss history") + len(header) + len(" · log scale") <= width
            header += " · log scale" if fits else " · log"
        text.append(header + "\n")
        if tested:
            text.append_text(_legend(points[-1], known_test[-1], known.precision))
            text.append("\n")
        # The header (and legend), the plot, its x axis and the numbers, with a line to spare.
        plot_height = max(1, height - (5 if tested else 4))
        self._plot(text, points, test if tested else None, scale, width, plot_height)
        accuracy = _accuracy(scores)
        text.append(accuracy if accuracy else _numbers(points, known.precision, width))
        return text

    def _plot(
        self,
        text: Text,
        points: list[float],
        test: Sequence[float | None] | None,
        scale: Scale,
        width: int,
        height: int,
    ) -> None:
        """The plot's rows, each after its y-axis label, and the x axis under them."""
        # The y axis: the top and bottom values to 3 significant digits (a bottom of 0.00034
        # or 1e−300 stays readable on a log scale), "log" between them.
        top, bottom = (_axis_label(v) for v in (scale.top, scale.bottom))
        labels = [""] * height
        labels[0] = top
        if height > 1:
            labels[-1] = bottom
        if scale.log and height > 2:
            labels[height // 2] = "log"
        label_width = max(len(label) for label in labels)
        columns = max(4, width - label_width - 1)
        rows = bar_rows(points, columns, height, scale)
        marks = mark_rows(test, columns, height, scale) if test is not None else None
        for k, (label, row) in enumerate(zip(labels, rows, strict=True)):
            text.append(label.rjust(label_width) + " ", style="dim")
            drawn = row if marks is None else _overlay(row, marks[k])
            for run in _runs(drawn):
                text.append(run, style=_RUN_STYLES.get(run[0], TRAIN_STYLE))
            text.append("\n")
        text.append(" " * (label_width + 1) + _x_axis(len(points) - 1, len(rows[0])) + "\n", "dim")


_RUN_STYLES = {NOT_FINITE: NOT_FINITE_STYLE, TEST_MARK: TEST_STYLE}


def _overlay(bars: str, marks: str) -> str:
    """A plot row with the test loss's marks over the training loss's bars (× stays: a column
    that is not finite is not a place for a mark)."""
    return "".join(
        bar if mark == " " or bar == NOT_FINITE else mark
        for bar, mark in zip(bars, marks, strict=True)
    )


def _legend(train: float, test: float, precision: int) -> Text:
    """`█ training 0.135 · ● test 0.140`: which mark is which, with the latest of each."""
    legend = Text()
    legend.append("█", style=TRAIN_STYLE)
    legend.append(f" training {fmt_result(train, precision)} · ")
    legend.append(TEST_MARK, style=TEST_STYLE)
    legend.append(f" test {fmt_result(test, precision)}")
    return legend


def _accuracy(scores: Scores | None) -> str:
    """`accuracy: training 97.5% · test 95.0%` for classes (the test part only with a test
    set); empty when the targets are not classes."""
    if scores is None or scores.accuracy is None:
        return ""
    line = f"accuracy: training {_percent(scores.accuracy)}"
    if scores.test_accuracy is not None:
        line += f" · test {_percent(scores.test_accuracy)}"
    return line


def _percent(share: float) -> str:
    return f"{share:.1%}"


def _axis_label(value: float | None) -> str:
    if value is None:
        return ""
    return "0" if value == 0 else f"{value:.3g}".replace("-", MINUS)


def _runs(row: str) -> list[str]:
    """`row` cut where runs of ×, of test marks and of bars start and end, to style each."""
    odd = NOT_FINITE + TEST_MARK
    return [m.group() for m in re.finditer(f"{NOT_FINITE}+|{TEST_MARK}+|[^{odd}]+", row)]


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
    """`0.138 → 0.135 → 0.131`, or first, last and how many when that does not fit. Only the
    points that can be shown are formatted: a live run's history grows by thousands."""
    first = fmt_result(points[0], precision)
    last: list[str] = []  # from the end, until the line with the first is too long
    length = len(first)
    for value in reversed(points[1:]):
        if length > width:
            break
        last.insert(0, fmt_result(value, precision))
        length += len(last[0]) + len(" → ")
    if length <= width:  # every point fits
        return " → ".join([first, *last])
    tail: list[str] = []
    for part in reversed(last):
        candidate = " → ".join([first, "…", part, *tail])
        if len(candidate) > width:
            break
        tail.insert(0, part)
    final = last[-1] if last else fmt_result(points[-1], precision)
    return " → ".join([first, "…", *tail]) if tail else f"{first} → … → {final}"
