"""The parameter ledger: one row per parameter — value, gradient, Δ and new value, and with an
optimizer other than plain SGD the numbers of its update between the gradient and Δ (the
velocity; Adam's m, v, m̂, v̂).

Rows follow backpropagation (output layer first) and fill in as the steps reveal them; the
rows the current step is about are highlighted and kept in view. Every number, and whether it
is known yet, comes from the session's answer at the cursor (`Known.param`); the ledger only
chooses which of the optimizer's columns fit (`shown_columns`). Clicking a row posts
`ParameterSelected`.

Which optimizer columns fit: value, gradient, Δ and new are always shown. The optimizer's
state — what it carries from step to step (momentum's v; Adam's m and v) — comes next: it is
what makes the update differ from plain SGD, and what the class cannot see anywhere else.
Derived parts (Adam's bias-corrected m̂ and v̂, Nesterov's look-ahead d, the weight-decayed g,
AdamW's θ′) follow from the state and the step panel shows them as they are computed, so they
are shown only when there is room. At 3 decimals a column takes 9 cells: at 120 columns the
side panel is sized for the state (Adam: value, grad, m, v, Δ, new in 62 cells); the full-width
ledger of an 80-column terminal has 79 cells, room for all eight of Adam's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from textual.events import Click
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from nntui.app.base import KnownView
from nntui.app.marks import MARK_CHANGED, MARK_EDITED, MARK_SELECTED, NO_MARKS, Marks
from nntui.app.messages import ParameterSelected
from nntui.engine.numbers import fmt_result
from nntui.engine.spec import ParamRef
from nntui.view_state import Known, ParamKnown, PartColumn

#: A number column of the ledger: one of the four every optimizer has, or the index of one of
#: the optimizer's parts (`Known.part_columns`, `ParamKnown.parts`).
Column = Literal["value", "grad", "delta", "new"] | int
#: What the four columns every ledger has are headed by.
HEADINGS = {"value": "value", "grad": "grad", "delta": "Δ", "new": "new"}
#: What a part a fixed bias has none of shows (its update is not the optimizer's).
NO_PART = "—"


def describe_param(
    param: ParamKnown, precision: int, part_columns: Sequence[PartColumn] = ()
) -> str:
    """One line of what is known of a parameter: `w101 = −1.100 · ∂E/∂w101 = 0.000`, and the
    optimizer's parts computed so far (`m = 0.002 · v = 0.000`)."""
    name = param.name
    parts = [f"{name} = {fmt_result(param.value, precision)}"]
    if param.grad is not None:
        parts.append(f"∂E/∂{name} = {fmt_result(param.grad, precision)}")
    else:
        parts.append("gradient not computed yet")
    for column, value in zip(part_columns, param.parts, strict=False):
        if value is not None and value == value:  # not NaN: a fixed bias has no such part
            parts.append(f"{column.symbol} = {fmt_result(value, precision)}")
    if param.new is not None:
        parts.append(f"{name}* = {fmt_result(param.new, precision)}")
    return " · ".join(parts)


def param_summary(known: Known, param: ParamRef) -> str:
    """`describe_param` of a single parameter, looked up by reference."""
    row = known.rows.row_of(param)
    return describe_param(known.param(row), known.precision, known.part_columns)


def cell_width(known: Known) -> int:
    """The width of a number column at the answer's precision."""
    # −1.234 at 3 decimals; below 2 decimals a small number may take 7 cells (−0.0004).
    return max(known.precision + 5, 7)


def name_width(known: Known) -> int:
    """The name column: as wide as the network's longest name (never cut), at least 7."""
    return max(7, known.rows.name_width)


def line_width(known: Known, columns: int) -> int:
    """Cells a row of `columns` number columns takes: the name, then each number after a space."""
    return name_width(known) + columns * (cell_width(known) + 1)


def shown_columns(known: Known, room: int | None = None) -> tuple[Column, ...]:
    """The number columns a ledger `room` cells wide shows, in order: value, grad, the
    optimizer's parts in the order its update computes them, Δ, new. With `room` None, the
    parts the optimizer carries from step to step (see the module docstring); with a `room`,
    as many parts as fit, the carried ones first. Plain SGD has none."""
    parts = known.part_columns
    carried = [k for k, column in enumerate(parts) if column.carried]
    derived = [k for k, column in enumerate(parts) if not column.carried]
    if room is None:
        chosen = carried
    else:
        chosen = []
        for k in carried + derived:
            if line_width(known, 4 + len(chosen) + 1) <= room:
                chosen.append(k)
    return ("value", "grad", *sorted(chosen), "delta", "new")


def row_width(known: Known, room: int | None = None) -> int:
    """Cells the ledger wants for `known` (the app sizes the side panel by it): its rows as
    `shown_columns(known, room)` lays them out, and a cell to spare."""
    return line_width(known, len(shown_columns(known, room))) + 1


class Ledger(KnownView, ScrollView, can_focus=False):
    """Every parameter's value, gradient, Δ (−learning_rate·gradient for plain SGD, the
    optimizer's step otherwise) and new value; with another optimizer, the parts of its
    update that fit between the gradient and Δ (`shown_columns`).

    Not focusable: the arrow keys belong to the debugger; the mouse wheel scrolls it.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ledger--header",
        "ledger--current",
        "ledger--zero",
        "ledger--pending",
        "ledger--selected",
        "ledger--edited",
        "ledger--changed",
    }
    """
    | Class | Description |
    | :- | :- |
    | `ledger--header` | The column titles. |
    | `ledger--current` | Rows the current step is about. |
    | `ledger--zero` | A gradient that is exactly 0. |
    | `ledger--pending` | The dots of numbers not computed yet. |
    | `ledger--selected` | The parameter selected for editing (its name and value). |
    | `ledger--edited` | A parameter edited since the network was opened (its value). |
    | `ledger--changed` | A parameter the last update changed (its value). |
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
    Ledger > .ledger--selected { color: $accent; text-style: bold reverse; }
    Ledger > .ledger--edited { color: $warning; text-style: bold underline; }
    Ledger > .ledger--changed { text-style: underline; }
    """

    marks: reactive[Marks] = reactive(NO_MARKS, init=False, repaint=False)
    """What the app marks (`nntui.app.marks`): the selection, edited and changed parameters."""

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

    def watch_marks(self, old: Marks, new: Marks) -> None:
        if new != old:
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
        known = self.known
        return describe_param(known.param(row), known.precision, known.part_columns)

    def row_width(self) -> int:
        """Cells one full row needs at the current precision."""
        return row_width(self.known)

    @property
    def columns(self) -> tuple[Column, ...]:
        """The number columns that fit the ledger's width now."""
        return shown_columns(self.known, self.size.width or None)

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
            for mark, key in (
                (MARK_SELECTED, "ledger--selected"),
                (MARK_EDITED, "ledger--edited"),
                (MARK_CHANGED, "ledger--changed"),
            ):
                self._styles[f"mark {mark}"] = base + component(key, partial=True)
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        styles = self._style_table()
        base = styles["base"]
        known = self.known
        cell = cell_width(known)
        columns = self.columns
        if y == 0:
            parts = known.part_columns
            titles = ["param".ljust(name_width(known))]
            titles += [
                (parts[column].symbol if isinstance(column, int) else HEADINGS[column]).rjust(cell)
                for column in columns
            ]
            return Strip([Segment(" ".join(titles), styles["header"])]).adjust_cell_length(
                width, base
            )
        row = self.scroll_offset.y + y - 1
        if row >= len(known.rows):
            return Strip.blank(width, base)
        param = known.param(row)
        prefix = "current " if param.current else ""
        style = styles["current"] if param.current else base
        mark = self.marks.style_of(known.rows[row]) if self.marks != NO_MARKS else None
        marked = None if mark is None else styles[f"mark {mark}"]
        name_style = marked if mark == MARK_SELECTED and marked is not None else style
        segments = [Segment(param.name.ljust(name_width(known)), name_style), Segment(" ", style)]
        last = len(columns) - 1
        for k, column in enumerate(columns):
            text, cell_style = self._cell(param, column, styles, prefix)
            if marked is not None and column == "value":
                cell_style = marked
            # Each number with the space after it, in its own style (as drawn since the start).
            segments.append(Segment(text.rjust(cell) + (" " if k < last else ""), cell_style))
        strip = Strip(segments)
        return strip.crop(self.scroll_offset.x, self.scroll_offset.x + width).adjust_cell_length(
            width, style
        )

    def _cell(
        self, param: ParamKnown, column: Column, styles: dict[str, Style], prefix: str
    ) -> tuple[str, Style]:
        """One number of a row and its style: a dot until its step is shown, a gradient of
        exactly 0 in the warning colour."""
        precision = self.known.precision
        style = styles[prefix.strip() or "base"]
        pending = ("·", styles[prefix + "pending"])
        if isinstance(column, int):
            value = param.parts[column]
            if value is None:
                return pending
            if value != value:  # NaN: a fixed bias keeps its value, none of the optimizer's parts
                return NO_PART, styles[prefix + "pending"]
            return fmt_result(value, precision), style
        if column == "value":
            return fmt_result(param.value, precision), style
        if column == "grad":
            if param.grad is None:
                return pending
            return fmt_result(param.grad, precision), (
                styles[prefix + "zero"] if param.grad == 0 else style
            )
        # Δ and the new value appear together, with the update step.
        if param.new is None or param.delta is None:
            return pending
        return fmt_result(param.delta if column == "delta" else param.new, precision), style
