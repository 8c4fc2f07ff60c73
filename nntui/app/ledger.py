"""The parameter ledger: one row per parameter — value, gradient, Δ and new value.

Rows follow backpropagation (output layer first) and fill in as the steps reveal them; the
rows the current step is about are highlighted and kept in view. Every number, and whether it
is known yet, comes from the session's answer at the cursor (`Known.param`). Clicking a row
posts `ParameterSelected`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.events import Click
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from nntui.app.base import KnownView
from nntui.app.messages import ParameterSelected
from nntui.engine.numbers import fmt_result
from nntui.engine.spec import ParamRef
from nntui.view_state import Known, ParamKnown


def describe_param(param: ParamKnown, precision: int) -> str:
    """One line of what is known of a parameter: `w101 = −1.100 · ∂E/∂w101 = 0.000`."""
    name = param.name
    parts = [f"{name} = {fmt_result(param.value, precision)}"]
    if param.grad is not None:
        parts.append(f"∂E/∂{name} = {fmt_result(param.grad, precision)}")
    else:
        parts.append("gradient not computed yet")
    if param.new is not None:
        parts.append(f"{name}* = {fmt_result(param.new, precision)}")
    return " · ".join(parts)


def param_summary(known: Known, param: ParamRef) -> str:
    """`describe_param` of a single parameter, looked up by reference."""
    return describe_param(known.param(known.rows.row_of(param)), known.precision)


def cell_width(known: Known) -> int:
    """The width of a number column at the answer's precision."""
    # −1.234 at 3 decimals; below 2 decimals a small number may take 7 cells (−0.0004).
    return max(known.precision + 5, 7)


def name_width(known: Known) -> int:
    """The name column: as wide as the network's longest name (never cut), at least 7."""
    return max(7, known.rows.name_width)


def row_width(known: Known) -> int:
    """Cells one full row of the ledger needs for `known` (the app sizes the side panel)."""
    return name_width(known) + 1 + 4 * (cell_width(known) + 1)


class Ledger(KnownView, ScrollView, can_focus=False):
    """Every parameter's value, gradient, Δ (−learning_rate·gradient for plain SGD, the
    optimizer's step otherwise) and new value.

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

    def __init__(self, known: Known, **kwargs: Any) -> None:
        super().__init__(known, **kwargs)
        self.set_reactive(Ledger.virtual_size, Size(row_width(known), len(known.rows) + 1))

    def watch_known(self, old: Known, known: Known) -> None:
        """Size the rows for the new answer and keep the current step's rows in view."""
        if known is old:  # the same answer comes again as the binding starts: drawn already
            return
        self.virtual_size = Size(row_width(known), len(known.rows) + 1)
        rows = known.current_rows
        if rows is not None:
            first, last = rows[0], rows[1] - 1
            top, height = self.scroll_offset.y, max(1, self.size.height - 1)
            if first < top or last >= top + height:
                self.scroll_to(y=max(0, first - height // 3), animate=False)
        self.refresh()

    def on_click(self, event: Click) -> None:
        """Clicking a row picks its parameter."""
        row = self.scroll_offset.y + event.y - 1
        known = self.known
        if event.y < 1 or row >= len(known.rows):
            return
        self.post_message(ParameterSelected(self, known.rows[row], self.describe_row(row)))

    def describe_row(self, row: int) -> str:
        """One line of what is known of the parameter in row `row`."""
        return describe_param(self.known.param(row), self.known.precision)

    def row_width(self) -> int:
        """Cells one full row needs at the current precision."""
        return row_width(self.known)

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
        known = self.known
        cell = cell_width(known)
        if y == 0:
            titles = ["param".ljust(name_width(known))]
            titles += [t.rjust(cell) for t in ("value", "grad", "Δ", "new")]
            return Strip([Segment(" ".join(titles), styles["header"])]).adjust_cell_length(
                width, base
            )
        row = self.scroll_offset.y + y - 1
        if row >= len(known.rows):
            return Strip.blank(width, base)
        param = known.param(row)
        p = known.precision
        prefix = "current " if param.current else ""
        style = styles["current"] if param.current else base
        pending, zero = styles[prefix + "pending"], styles[prefix + "zero"]
        segments = [
            Segment(param.name.ljust(name_width(known)) + " ", style),
            Segment(fmt_result(param.value, p).rjust(cell) + " ", style),
        ]
        if param.grad is not None:
            grad_style = zero if param.grad == 0 else style
            segments.append(Segment(fmt_result(param.grad, p).rjust(cell) + " ", grad_style))
        else:
            segments.append(Segment("·".rjust(cell) + " ", pending))
        if param.new is not None and param.delta is not None:
            segments.append(Segment(fmt_result(param.delta, p).rjust(cell) + " ", style))
            segments.append(Segment(fmt_result(param.new, p).rjust(cell), style))
        else:
            segments.append(Segment("·".rjust(cell) + " ", pending))
            segments.append(Segment("·".rjust(cell), pending))
        strip = Strip(segments)
        return strip.crop(self.scroll_offset.x, self.scroll_offset.x + width).adjust_cell_length(
            width, style
        )
