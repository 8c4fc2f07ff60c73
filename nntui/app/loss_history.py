"""The loss after every completed iteration, as a bar plot with its numbers."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from nntui.app.base import SessionView
from nntui.engine.numbers import fmt_result

_BARS = " ▁▂▃▄▅▆▇█"


def bar_rows(values: list[float], width: int, height: int) -> list[str]:
    """A bar plot of `values`, `height` rows, top row first, at most `width` bars: a longer
    history is sampled evenly, first and last point included. Each bar's height is
    proportional to its value, from 0 (losses are never negative) to the maximum."""
    if len(values) > width:
        step = (len(values) - 1) / (width - 1)
        values = [values[round(k * step)] for k in range(width)]
    else:
        # A short history gets wider bars (up to 4 columns each), easier to see from the back.
        repeat = max(1, min(4, width // len(values)))
        values = [v for v in values for _ in range(repeat)]
    high = max(values)
    levels = []
    for v in values:
        # Every point gets at least a sliver, so a tiny loss is still visible.
        fraction = 1.0 if high <= 0 else max(0.0, v) / high
        levels.append(max(1, round(fraction * (height * 8 - 1)) + 1))
    rows = []
    for row in range(height):
        floor = (height - 1 - row) * 8
        line = "".join(_BARS[min(8, max(0, level - floor))] for level in levels)
        rows.append(line)
    return rows


class LossHistory(SessionView, Static):
    """The loss before the first iteration, then after each completed one (and training)."""

    _shown: tuple[object, ...] | None = None  # what is drawn now, to skip redrawing it

    DEFAULT_CSS = """
    LossHistory {
        height: 12;
        padding: 0 1;
        border-top: solid $primary-muted;
    }
    """

    def refresh_view(self) -> None:
        s = self.session
        key = (s.loss_history, s.precision, self.size)
        if key == self._shown:
            return  # most steps leave the history as it is
        self._shown = key
        self.update(self.describe(self.size.width - 2, self.size.height), layout=False)

    def on_resize(self) -> None:
        self.refresh_view()

    def describe(self, width: int, height: int) -> Text:
        s = self.session
        p = s.precision
        points = list(s.loss_history)
        text = Text()
        text.append("loss history", style="bold")
        if not points:
            text.append("\nno completed iteration yet: finish one (enter) or train (t)")
            return text
        iterations = len(points) - 1
        text.append(f" · {iterations} iteration{'s' if iterations != 1 else ''}\n")
        label_width = max(len(fmt_result(v, p)) for v in (min(points), max(points)))
        plot_height = max(1, height - 4)
        plot_width = max(4, width - label_width - 1)
        rows = bar_rows(points, plot_width, plot_height)
        for k, row in enumerate(rows):
            if k == 0:
                label = fmt_result(max(points), p)
            elif k == len(rows) - 1:
                label = fmt_result(0.0, p)
            else:
                label = ""
            text.append(label.rjust(label_width) + " ", style="dim")
            text.append(row + "\n", style="bold")
        text.append(_numbers(points, p, width))
        return text


def _numbers(points: list[float], precision: int, width: int) -> str:
    """`0.138 → 0.135 → 0.131`, or first, last and how many when that does not fit."""
    parts = [fmt_result(v, precision) for v in points]
    joined = " → ".join(parts)
    if len(joined) <= width:
        return joined
    tail = []
    for part in reversed(parts[1:]):
        candidate = " → ".join([parts[0], "…", part, *tail])
        if len(candidate) > width:
            break
        tail.insert(0, part)
    return " → ".join([parts[0], "…", *tail]) if tail else f"{parts[0]} → … → {parts[-1]}"
