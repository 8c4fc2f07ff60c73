"""The parameter ledger: one row per parameter — value, gradient, Δ and new value.

Rows follow backpropagation (output layer first) and fill in as the steps reveal them; the
rows the current step is about are highlighted and kept in view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.events import Click
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from nntui.app.base import SessionView
from nntui.engine.numbers import fmt_result


class Ledger(SessionView, ScrollView, can_focus=False):
    """Every parameter's value, gradient, Δ = −learning_rate·gradient and new value.

    Not focusable: the arrow keys belong to the debugger; the mouse wheel scrolls it.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ledger--header",
        "ledger--current",
        "ledger--zero",
        "ledger--pending",
    }
    """
    | Class | Description |
    | :- | :- |
    | `ledger--header` | The column titles. |
    | `ledger--current` | Rows the current step is about. |
    | `ledger--zero` | A gradient that is exactly 0. |
    | `ledger--pending` | The dots of numbers not computed yet. |
    """

    DEFAULT_CSS = """
    Ledger {
        height: 1fr;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    Ledger > .ledger--header { text-style: bold; color: $secondary; }
    Ledger > .ledger--current { background: $accent-muted; text-style: bold; }
    Ledger > .ledger--zero { color: $warning; }
    Ledger > .ledger--pending { color: $text-disabled; }
    """

    def refresh_view(self) -> None:
        s = self.session
        self.virtual_size = Size(self.row_width(), len(s.index.params) + 1)
        rows = s.index.rows_of_step.get(s.cursor)
        if rows is not None:
            first, last = rows[0], rows[1] - 1
            top, height = self.scroll_offset.y, max(1, self.size.height - 1)
            if first < top or last >= top + height:
                self.scroll_to(y=max(0, first - height // 3), animate=False)
        self.refresh()

    def on_click(self, event: Click) -> None:
        """Clicking a row tells that parameter's story so far."""
        row = self.scroll_offset.y + event.y - 1
        if event.y < 1 or row >= len(self.session.index.params):
            return
        self.app.notify(self.describe_row(row), title="parameter", timeout=8)

    def describe_row(self, row: int) -> str:
        s = self.session
        p = s.precision
        name = s.index.params.name_of(s.index.params[row])
        old, grad, new = self._data()
        parts = [f"{name} = {fmt_result(old[row], p)}"]
        if s.index.grad_at[row] <= s.cursor:
            parts.append(f"∂E/∂{name} = {fmt_result(grad[row], p)}")
        else:
            parts.append("gradient not computed yet")
        if s.index.new_at[row] <= s.cursor:
            parts.append(f"{name}* = {fmt_result(new[row], p)}")
        return " · ".join(parts)

    def _data(self) -> tuple[Sequence[float], Sequence[float], Sequence[float]]:
        return self.session.ledger_columns()

    def _cell(self) -> int:
        # −1.234 at 3 decimals; below 2 decimals a small number may take 7 cells (−0.0004).
        return max(self.session.precision + 5, 7)

    def _name_cell(self) -> int:
        """The name column: as wide as the network's longest name (never cut), at least 7."""
        return max(7, self.session.index.params.name_width)

    def row_width(self) -> int:
        """Cells one full row needs at the current precision."""
        return self._name_cell() + 1 + 4 * (self._cell() + 1)

    _styles: dict[str, Style] | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def _style_table(self) -> dict[str, Style]:
        """The row styles, worked out once per change of CSS (`rich_style` walks the DOM)."""
        if self._styles is None:
            base = self.rich_style
            component = self.get_component_rich_style
            current = base + component("ledger--current", partial=True)
            self._styles = {
                "base": base,
                "header": base + component("ledger--header"),
                "current": current,
            }
            for name, row_style in (("", base), ("current ", current)):
                self._styles[name + "pending"] = row_style + component(
                    "ledger--pending", partial=True
                )
                self._styles[name + "zero"] = row_style + component("ledger--zero", partial=True)
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        styles = self._style_table()
        base = styles["base"]
        cell = self._cell()
        if y == 0:
            titles = ["param".ljust(self._name_cell())]
            titles += [t.rjust(cell) for t in ("value", "grad", "Δ", "new")]
            return Strip([Segment(" ".join(titles), styles["header"])]).adjust_cell_length(
                width, base
            )
        row = self.scroll_offset.y + y - 1
        s = self.session
        params = s.index.params
        if row >= len(params):
            return Strip.blank(width, base)
        old, grad, new = self._data()
        p = s.precision
        rows = s.index.rows_of_step.get(s.cursor)
        current = rows is not None and rows[0] <= row < rows[1]
        prefix = "current " if current else ""
        style = styles["current"] if current else base
        pending, zero = styles[prefix + "pending"], styles[prefix + "zero"]
        grad_known = s.index.grad_at[row] <= s.cursor
        new_known = s.index.new_at[row] <= s.cursor
        rate = s.network.learning_rate
        fixed = params[row].kind == "bias" and not s.network.update_biases
        segments = [
            Segment(params.name_of(params[row]).ljust(self._name_cell()) + " ", style),
            Segment(fmt_result(old[row], p).rjust(cell) + " ", style),
        ]
        if grad_known:
            g = grad[row]
            segments.append(Segment(fmt_result(g, p).rjust(cell) + " ", zero if g == 0 else style))
        else:
            segments.append(Segment("·".rjust(cell) + " ", pending))
        if new_known:
            delta = 0.0 if fixed else -rate * grad[row]
            segments.append(Segment(fmt_result(delta, p).rjust(cell) + " ", style))
            segments.append(Segment(fmt_result(new[row], p).rjust(cell), style))
        else:
            segments.append(Segment("·".rjust(cell) + " ", pending))
            segments.append(Segment("·".rjust(cell), pending))
        strip = Strip(segments)
        return strip.crop(self.scroll_offset.x, self.scroll_offset.x + width).adjust_cell_length(
            width, style if current else base
        )
