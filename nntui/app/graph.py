"""The network as a graph: inputs, each layer's neurons and the loss as boxes in columns.

Edges are braille lines coloured by the sign of their weight (bold when |w| ≥ 1) and labelled
with it; every box shows the values computed so far for the sample on screen. The current
step's boxes and edges are highlighted and the rest dimmed; inactive ReLUs and zero gradients
are marked. Columns or layers that do not fit collapse (`⋮ 28 more`, `◀ 3 layers`).

Drawing happens once per change into a grid of (character, style) cells; `render_line` only
slices that grid, so scrolling and repaints cost nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.events import Click
from textual.strip import Strip
from textual.widget import Widget

from nntui.app.base import SessionView
from nntui.engine.numbers import fmt_operand, fmt_result
from nntui.engine.spec import ParamRef

if TYPE_CHECKING:
    from nntui.app.base import Shown
    from nntui.engine.trace import Edge, Node, Step

# Style keys of the cell grid, in rising priority (a crossing shows the higher one).
BLANK, DIM, EDGE_POS, EDGE_NEG, EDGE_NEUTRAL, TEXT, LABEL, BOX, VALUE = range(9)
HI_EDGE_POS, HI_EDGE_NEG, HI_EDGE_NEUTRAL, HI_LABEL, HI_BOX, ZERO, INACTIVE, TITLE = range(9, 17)
HEAD = 17

_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][col] of a braille cell


@dataclass
class _Box:
    column: int
    neuron: int | None  # None: the "⋮ n more" marker
    x: int
    y: int
    width: int
    height: int
    hidden: int = 0  # for the marker: how many neurons it stands for

    @property
    def mid(self) -> int:
        return self.y + self.height // 2


class _Grid:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[BLANK] * width for _ in range(height)]
        self.dots = [[0] * width for _ in range(height)]

    def put(self, x: int, y: int, text: str, style: int) -> None:
        if not 0 <= y < self.height:
            return
        for k, char in enumerate(text):
            cx = x + k
            if 0 <= cx < self.width:
                self.chars[y][cx] = char
                self.styles[y][cx] = style
                self.dots[y][cx] = -1  # text wins over braille

    def free(self, x: int, y: int, length: int) -> bool:
        """True when no text (box, heading, label) occupies these cells; braille may."""
        if not 0 <= y < self.height or x < 0 or x + length > self.width:
            return False
        return all(self.dots[y][x + k] >= 0 for k in range(length))

    def line(self, x0: int, y0: int, x1: int, y1: int, style: int) -> None:
        """A braille line between two points in dot coordinates (2 per column, 4 per row)."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        while True:
            self._dot(x0, y0, style)
            if x0 == x1 and y0 == y1:
                break
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def _dot(self, px: int, py: int, style: int) -> None:
        cx, cy = px // 2, py // 4
        if not (0 <= cx < self.width and 0 <= cy < self.height) or self.dots[cy][cx] < 0:
            return
        self.dots[cy][cx] |= _DOTS[py % 4][px % 2]
        self.chars[cy][cx] = chr(0x2800 + self.dots[cy][cx])
        if style >= self.styles[cy][cx] or self.styles[cy][cx] == BLANK:
            self.styles[cy][cx] = style


def _matches_edge(patterns: frozenset[Edge], layer: int, neuron: int, source: int) -> bool:
    return any(
        p[0] == layer and p[1] in (None, neuron) and p[2] in (None, source) for p in patterns
    )


def _matches_node(patterns: frozenset[Node], column: int, neuron: int | None) -> bool:
    return any(p[0] == column and (p[1] is None or p[1] == neuron) for p in patterns)


class GraphView(SessionView, Widget):
    """Draws the session's network and the values of the current step."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "graph--dim",
        "graph--edge-positive",
        "graph--edge-negative",
        "graph--edge-neutral",
        "graph--text",
        "graph--label",
        "graph--box",
        "graph--value",
        "graph--active",
        "graph--zero",
        "graph--inactive",
        "graph--title",
        "graph--head",
    }
    """
    | Class | Description |
    | :- | :- |
    | `graph--dim` | Boxes and edges the current step does not touch. |
    | `graph--edge-positive` / `graph--edge-negative` | Edges by the sign of their weight. |
    | `graph--edge-neutral` | Edges into the loss, which carry no weight. |
    | `graph--label` | Weight labels on edges. |
    | `graph--box` / `graph--value` / `graph--title` | Node boxes, their values and names. |
    | `graph--active` | What the current step reads and writes. |
    | `graph--zero` | A zero gradient. |
    | `graph--inactive` | An inactive ReLU. |
    | `graph--head` | Column headings. |
    """

    DEFAULT_CSS = """
    GraphView {
        width: 1fr;
        height: 1fr;
    }
    GraphView > .graph--dim { color: $text-disabled; }
    GraphView > .graph--edge-positive { color: $primary; }
    GraphView > .graph--edge-negative { color: $error; }
    GraphView > .graph--edge-neutral { color: $text-muted; }
    GraphView > .graph--text { color: $text-muted; }
    GraphView > .graph--label { color: $text; }
    GraphView > .graph--box { color: $text-muted; }
    GraphView > .graph--value { color: $text; }
    GraphView > .graph--active { color: $accent; text-style: bold; }
    GraphView > .graph--zero { color: $warning; text-style: bold; }
    GraphView > .graph--inactive { color: $warning; }
    GraphView > .graph--title { color: $text; text-style: bold; }
    GraphView > .graph--head { color: $secondary; text-style: italic; }
    """

    def __init__(self, session: Shown, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self._grid: _Grid | None = None
        self._key: tuple[object, ...] | None = None
        self._styles: dict[int, Style] = {}
        self._drawing: _Drawing | None = None

    def on_click(self, event: Click) -> None:
        """Clicking a box tells everything known about that node so far."""
        self._current_grid()
        if self._drawing is None:
            return
        details = self._drawing.describe_at(event.x, event.y)
        if details:
            self.app.notify(details, title="node", timeout=8)

    # -- public -------------------------------------------------------------------------------
    def refresh_view(self) -> None:
        """Call after the session changed: the grid is rebuilt at the next paint."""
        self._key = None
        self.refresh()

    def on_resize(self) -> None:
        self._key = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._key = None

    # -- painting -------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        grid = self._current_grid()
        if y >= grid.height:
            return Strip.blank(self.size.width, self.rich_style)
        styles = self._style_table()
        chars, keys = grid.chars[y], grid.styles[y]
        segments: list[Segment] = []
        start = 0
        for x in range(1, grid.width + 1):
            if x == grid.width or keys[x] != keys[start]:
                segments.append(Segment("".join(chars[start:x]), styles[keys[start]]))
                start = x
        return Strip(segments, grid.width)

    def _style_table(self) -> dict[int, Style]:
        if self._styles:
            return self._styles
        get = self.get_component_rich_style
        base = self.rich_style
        dim = get("graph--dim")
        table = {
            BLANK: base,
            DIM: base + dim,
            EDGE_POS: base + get("graph--edge-positive") + Style(dim=True),
            EDGE_NEG: base + get("graph--edge-negative") + Style(dim=True),
            EDGE_NEUTRAL: base + get("graph--edge-neutral"),
            TEXT: base + get("graph--text"),
            LABEL: base + get("graph--label"),
            BOX: base + get("graph--box"),
            VALUE: base + get("graph--value"),
            HI_EDGE_POS: base + get("graph--edge-positive") + Style(bold=True),
            HI_EDGE_NEG: base + get("graph--edge-negative") + Style(bold=True),
            HI_EDGE_NEUTRAL: base + get("graph--active"),
            HI_LABEL: base + get("graph--active"),
            HI_BOX: base + get("graph--active"),
            ZERO: base + get("graph--zero"),
            INACTIVE: base + get("graph--inactive"),
            TITLE: base + get("graph--title"),
            HEAD: base + get("graph--head"),
        }
        self._styles = table
        return table

    def _current_grid(self) -> _Grid:
        s = self.session
        key = (id(s), id(s.trace), s.cursor, s.precision, self.size.width, self.size.height)
        if self._grid is None or key != self._key:
            drawing = _Drawing(s, self.size.width, self.size.height)
            self._grid = drawing.draw()
            self._drawing = drawing
            self._key = key
        return self._grid


class _Drawing:
    """One frame of the graph for the session as it is now."""

    def __init__(self, session: Shown, width: int, height: int) -> None:
        self.s = session
        self.net = session.network
        self.width, self.height = max(width, 1), max(height, 1)
        self.grid = _Grid(self.width, self.height)
        self.step: Step | None = session.step
        self.cursor = session.cursor
        self.sample = 0 if self.cursor < 0 else session.index.display_sample[self.cursor]
        self.n_columns = len(self.net.layers) + 2
        p = session.precision
        self.inner = max(10, 5 + p + 3)
        self.boxes: dict[int, list[_Box]] = {}  # column → its boxes, once drawn

    # -- layout ---------------------------------------------------------------------------------
    def _column_sizes(self) -> list[int]:
        return [self.net.layers[0].fan_in, *(layer.size for layer in self.net.layers), 1]

    def _box_height(self, column: int) -> int:
        if column == 0:
            return 3
        if column == self.n_columns - 1:
            return 4 if self.net.layers[-1].size == 1 else 3
        return 6

    def _focus_column(self) -> int:
        if self.step is None:
            return 0
        if self.step.kind in ("loss", "batch_loss"):
            return self.n_columns - 1
        if self.step.layer is not None:
            return self.step.layer + 1
        return 0

    def _box_width(self, column: int) -> int:
        """Neuron boxes hold `pre −0.340`; input and loss boxes only a value."""
        if column in (0, self.n_columns - 1):
            return max(9, self.s.precision + 7)
        return self.inner + 2

    def _visible_columns(self) -> list[int]:
        """All columns, or the window of them around the current step that fits."""
        min_gap = 5
        widths = [self._box_width(c) for c in range(self.n_columns)]
        if sum(widths) + min_gap * (self.n_columns - 1) <= self.width:
            return list(range(self.n_columns))
        focus = self._focus_column()
        chosen = [focus]
        used = widths[focus]
        left, right = focus - 1, focus + 1
        while True:
            grew = False
            for side in (right, left) if right - focus <= focus - left else (left, right):
                if 0 <= side < self.n_columns and used + min_gap + widths[side] + 4 <= self.width:
                    chosen.append(side)
                    used += min_gap + widths[side]
                    grew = True
                    if side == right:
                        right += 1
                    else:
                        left -= 1
                    break
            if not grew:
                break
        return sorted(chosen)

    def draw(self) -> _Grid:
        columns = self._visible_columns()
        widths = {c: self._box_width(c) for c in columns}
        top = 1  # row 0 holds the column headings
        usable = self.height - top
        margin = 2 if (columns[0] > 0 or columns[-1] < self.n_columns - 1) else 1
        gaps = self._gaps(columns, self.width - 2 * margin - sum(widths.values()))
        total = sum(widths.values()) + sum(gaps)
        x = max(0, (self.width - total) // 2)
        boxes = self.boxes
        sizes = self._column_sizes()
        for k, column in enumerate(columns):
            boxes[column] = self._lay_out_column(
                column, sizes[column], x, top, usable, widths[column]
            )
            x += widths[column] + (gaps[k] if k < len(gaps) else 0)
        # Boxes first: edges and labels then keep out of the cells they cover.
        for k, column in enumerate(columns):
            # Each heading may use half of the gap on either side of its column.
            left = boxes[column][0].x - (gaps[k - 1] // 2 if k > 0 else boxes[column][0].x)
            right = boxes[column][0].x + widths[column]
            right += gaps[k] // 2 if k < len(gaps) else self.width - right
            self._draw_heading(column, boxes[column], max(0, left), right)
            for box in boxes[column]:
                self._draw_box(box)
        for k in range(len(columns) - 1):
            self._draw_edges(boxes[columns[k]], boxes[columns[k + 1]], columns[k + 1])
        if columns[0] > 0:
            self.grid.put(0, self.height // 2, "◀", HEAD)
            self.grid.put(0, self.height // 2 + 1, str(columns[0]), HEAD)
        hidden_right = self.n_columns - 1 - columns[-1]
        if hidden_right > 0:
            self.grid.put(self.width - 1, self.height // 2, "▶", HEAD)
            text = str(hidden_right)
            self.grid.put(self.width - len(text), self.height // 2 + 1, text, HEAD)
        return self.grid

    def _gaps(self, columns: list[int], free: int) -> list[int]:
        """Space between neighbouring columns: at least 3 cells each, the rest shared by how
        many labelled edges cross each gap (the edges into the loss carry no labels)."""
        if len(columns) < 2:
            return []
        sizes = self._column_sizes()
        weights = []
        for left, right in itertools.pairwise(columns):
            edges = min(sizes[left], 5) * min(sizes[right], 5)
            weights.append(1 if right == self.n_columns - 1 else max(2, edges))
        floor = 3
        spare = max(0, free - floor * len(weights))
        gaps = [floor + spare * w // sum(weights) for w in weights]
        return gaps

    def _lay_out_column(
        self, column: int, count: int, x: int, top: int, usable: int, width: int
    ) -> list[_Box]:
        height = self._box_height(column)
        if count * (height + 1) - 1 <= usable:
            shown: list[int | None] = list(range(count))
        else:
            # Keep the first few and the last, the rest behind one "⋮ n more" line.
            boxes = max(1, (usable - 1) // (height + 1))
            shown = [*range(boxes - 1), None, count - 1] if boxes >= 2 else [0, None]
        heights = [height if n is not None else 1 for n in shown]
        # Spread the boxes out when there is room (edges read better), at most 6 rows apart.
        spacing = min(6, max(1, (usable - sum(heights)) // (len(shown) + 1)))
        total = sum(heights) + spacing * (len(shown) - 1)
        y = top + max(0, (usable - total) // 2)
        out = []
        for neuron, h in zip(shown, heights, strict=True):
            out.append(_Box(column, neuron, x, y, width, h))
            y += h + spacing
        for box in out:
            if box.neuron is None:
                box.hidden = count - (len(shown) - 1)
        return out

    def describe_at(self, x: int, y: int) -> str | None:
        """One line about the node drawn at (x, y), with the values shown so far."""
        for column, boxes in self.boxes.items():
            for box in boxes:
                inside = box.x <= x < box.x + box.width and box.y <= y < box.y + box.height
                if not inside or box.neuron is None:
                    continue
                p = self.s.precision
                if column == 0:
                    value = self.net.inputs[self.sample][box.neuron]
                    return f"input x{box.neuron} = {fmt_result(value, p)} (sample {self.sample})"
                if column == self.n_columns - 1:
                    loss = self._loss_value()
                    shown = "not computed yet" if loss is None else fmt_result(loss, p)
                    return f"loss ({self.net.loss}) of sample {self.sample}: {shown}"
                layer = column - 1
                name = self._neuron_name(layer, box.neuron)
                parts = [
                    f"{name}: layer {layer}, neuron {box.neuron}, "
                    f"{self.net.layers[layer].activation}"
                ]
                for label, value, _ in self._node_lines(layer, box.neuron):
                    parts.append(f"{label} {value or '—'}")
                if self._inactive(layer, box.neuron):
                    parts.append("inactive ReLU: it passes no gradient back")
                return " · ".join(parts)
        return None

    # -- values -------------------------------------------------------------------------------
    def _revealed(self, kind: str, layer: int, neuron: int) -> bool:
        at = self.s.index.revealed.get((self.sample, kind, layer, neuron))
        return at is not None and at <= self.cursor

    def _in_check(self) -> bool:
        return self.step is not None and self.step.phase == "check"

    def _node_lines(self, layer: int, j: int) -> list[tuple[str, str, int]]:
        """(label, value text, style) lines of neuron j of `layer`, values so far only.
        The trace is read only for numbers already revealed (before the first step there is
        none, and no trace: see `nntui.opening`)."""
        p = self.s.precision
        check = self._in_check()
        prefix = "check_" if check else ""
        lines = []
        for label, kind in (("pre", "pre"), ("act", "post")):
            if self._revealed(prefix + kind, layer, j):
                fwd = self.s.trace.forward_after if check else self.s.trace.forward
                array = fwd.pre if kind == "pre" else fwd.post
                lines.append((label, fmt_result(array[layer][self.sample, j], p), VALUE))
            else:
                lines.append((label, "", TEXT))
        # ∂E/∂a, then the local slope f′(z) (softmax layers work through δ = ∂E/∂z instead):
        # the two factors every chain-rule product through this neuron multiplies.
        lines.append(self._value_line("∂E", "grad_post", layer, j))
        if self._revealed("grad_pre", layer, j) and not check:
            lines.append(self._value_line("δ", "grad_pre", layer, j))
        elif self.net.layers[layer].activation != "softmax":  # softmax has no f′ of its own
            lines.append(self._value_line("f′", "deriv", layer, j))
        else:
            lines.append(("δ", "", TEXT))
        return lines

    def _value_line(self, label: str, kind: str, layer: int, j: int) -> tuple[str, str, int]:
        """A backward value of the sample on screen, blank until its step (and in the check)."""
        if self._in_check() or not self._revealed(kind, layer, j):
            return (label, "", TEXT)
        backward = self.s.trace.backward
        arrays = {"grad_post": backward.grad_post, "grad_pre": backward.grad_pre}
        array = arrays[kind][layer] if kind in arrays else backward.local[layer]
        assert array is not None
        value = float(array[self.sample, j])
        return (label, fmt_result(value, self.s.precision), ZERO if value == 0 else VALUE)

    def _inactive(self, layer: int, j: int) -> bool:
        if self.net.layers[layer].activation != "relu":
            return False
        check = self._in_check()
        if not self._revealed(("check_" if check else "") + "post", layer, j):
            return False
        fwd = self.s.trace.forward_after if check else self.s.trace.forward
        return bool(fwd.pre[layer][self.sample, j] <= 0)

    # -- drawing --------------------------------------------------------------------------------
    def _highlighted(self, column: int, neuron: int | None) -> bool:
        return self.step is not None and _matches_node(self.step.nodes, column, neuron)

    def _draw_heading(self, column: int, boxes: list[_Box], left: int, right: int) -> None:
        """The column's name over its boxes, in the longest form that fits between `left`
        and `right` (its share of the gaps), so neighbouring headings never run together."""
        if column == 0:
            forms = ["inputs"] if self.net.n_samples == 1 else [f"x · sample {self.sample}", "x"]
        elif column == self.n_columns - 1:
            forms = [self.net.loss, "loss", "E"]
        else:
            layer, act = column - 1, self.net.layers[column - 1].activation
            forms = [f"layer {layer} · {act}", f"{layer} · {act}", act]
        room = right - left
        text = next((f for f in forms if len(f) <= room), forms[-1][: max(1, room)])
        centred = boxes[0].x + (boxes[0].width - len(text)) // 2
        x = min(max(left, centred), right - len(text))
        self.grid.put(x, 0, text, HEAD)

    def _draw_box(self, box: _Box) -> None:
        g = self.grid
        if box.neuron is None:
            text = f"⋮ {box.hidden} more"
            g.put(box.x + max(0, (box.width - len(text)) // 2), box.y, text, TEXT)
            return
        active = self._highlighted(box.column, box.neuron)
        quiet = self.step is not None and not active
        last = self.n_columns - 1
        if box.column == 0:
            title = f"x{box.neuron}"
            value = fmt_result(self.net.inputs[self.sample][box.neuron], self.s.precision)
            lines = [("", value, VALUE)]
        elif box.column == last:
            title = "E*" if self._in_check() else "E"
            loss = self._loss_value()
            lines = [("", "" if loss is None else fmt_result(loss, self.s.precision), VALUE)]
            if self.net.layers[-1].size == 1:
                target = self.net.targets[self.sample][0]
                lines.append(("y", fmt_operand(target, self.s.precision), TEXT))
        else:
            layer = box.column - 1
            title = self._neuron_name(layer, box.neuron)
            lines = self._node_lines(layer, box.neuron)
        inactive = box.column not in (0, last) and self._inactive(box.column - 1, box.neuron)
        frame = HI_BOX if active else (DIM if quiet else BOX)
        inner = box.width - 2
        mark = " off" if inactive else ""
        # An inactive ReLU gets a dashed frame: visible in any theme, even in black and white.
        across, side = ("┄", "┆") if inactive else ("─", "│")
        head = f"{across} {title}{mark} "
        g.put(box.x, box.y, "╭" + head + across * max(0, inner - len(head)) + "╮", frame)
        g.put(box.x + 3, box.y, title, HI_BOX if active else TITLE)
        if mark:
            g.put(box.x + 3 + len(title), box.y, mark, INACTIVE)
        for k, (label, value, style) in enumerate(lines):
            row = box.y + 1 + k
            g.put(box.x, row, side + " " * inner + side, frame)
            if label:
                g.put(box.x + 1, row, label, DIM if quiet else TEXT)
            text_style = style if not (quiet and style == VALUE) else VALUE
            g.put(box.x + 1 + inner - len(value), row, value, text_style)
        g.put(box.x, box.y + box.height - 1, "╰" + across * inner + "╯", frame)

    def _loss_value(self) -> float | None:
        """The loss of the sample on screen, once computed."""
        check = self._in_check()
        at = self.s.index.revealed.get((self.sample, "check_loss" if check else "loss"))
        if at is None or at > self.cursor:
            return None
        trace = self.s.trace
        return float((trace.forward_after if check else trace.forward).losses[self.sample])

    def _neuron_name(self, layer: int, j: int) -> str:
        last = layer == len(self.net.layers) - 1
        if last:
            return "o" if self.net.layers[layer].size == 1 else f"o{j}"
        return f"h{j}" if len(self.net.layers) == 2 else f"h{layer}_{j}"

    def _weight(self, layer: int, neuron: int, source: int) -> float:
        """The weight as the class knows it: the new value once its update step is shown."""
        row = self.s.index.params.row_of(ParamRef(layer, "weight", neuron, source))
        if self.s.index.new_at[row] <= self.cursor:
            return float(self.s.trace.network_after.layers[layer].weights[neuron, source])
        return float(self.net.layers[layer].weights[neuron][source])

    def _loss_edge_style(self, neuron: int | None) -> int:
        """Edges into the loss light up for the loss and for ∂E/∂o of their output."""
        step = self.step
        if step is None:
            return EDGE_NEUTRAL
        at_output = step.layer == len(self.net.layers) - 1 and step.neuron in (None, neuron)
        if step.kind in ("loss", "batch_loss") or (
            step.phase == "backward" and step.kind in ("grad_post", "grad_pre") and at_output
        ):
            return HI_EDGE_NEUTRAL
        return DIM

    def _draw_edges(self, sources: list[_Box], targets: list[_Box], column: int) -> None:
        into_loss = column == self.n_columns - 1
        layer = column - 1
        real_sources = [b for b in sources if b.neuron is not None]
        real_targets = [b for b in targets if b.neuron is not None]
        edges = []
        for t in real_targets:
            for src in real_sources:
                x0, y0 = (src.x + src.width) * 2 + 1, src.mid * 4 + 2
                x1, y1 = (t.x - 1) * 2, t.mid * 4 + 2
                if into_loss:
                    edges.append((self._loss_edge_style(src.neuron), x0, y0, x1, y1, None))
                    continue
                assert src.neuron is not None and t.neuron is not None
                w = self._weight(layer, t.neuron, src.neuron)
                hi = self.step is not None and _matches_edge(
                    self.step.edges, layer, t.neuron, src.neuron
                )
                if hi:
                    style = HI_EDGE_POS if w >= 0 else HI_EDGE_NEG
                else:
                    style = EDGE_POS if w >= 0 else EDGE_NEG
                    if self.step is not None:
                        style = DIM
                edges.append((style, x0, y0, x1, y1, (w, hi)))
        for style, x0, y0, x1, y1, _ in sorted(edges, key=lambda e: e[0]):
            self.grid.line(x0, y0, x1, y1, style)
        if into_loss or len(edges) > 16:
            return
        for _, x0, y0, x1, y1, info in edges:
            assert info is not None
            w, hi = info
            # Labels name the weight, at most 3 decimals: more would not fit between columns.
            label = fmt_operand(w, min(self.s.precision, 3))
            self._place_label(label, x0, y0, x1, y1, hi, w)

    def _place_label(
        self, text: str, x0: int, y0: int, x1: int, y1: int, hi: bool, w: float
    ) -> None:
        for t in (0.72, 0.6, 0.82, 0.5, 0.4, 0.3, 0.9):
            cx = round((x0 + (x1 - x0) * t) / 2) - len(text) // 2
            cy = round((y0 + (y1 - y0) * t) / 4)
            if self.grid.free(cx - 1, cy, len(text) + 2):
                style = HI_LABEL if hi else (DIM if self.step is not None else LABEL)
                if abs(w) >= 1 and not hi and self.step is None:
                    style = TITLE
                self.grid.put(cx, cy, text, style)
                return
