"""The network as a graph: inputs, each layer's neurons and the loss as boxes in columns.

Edges are braille lines coloured by the sign of their weight. Each edge ends at a row of its
own on the receiving box's left side ("port"), in a short horizontal run that carries its weight
label in the edge's colour: the lines cross only before that run, so a label never sits on a
crossing. Every neuron box shows its bias and the values computed so far for the sample on
screen; the loss box shows the batch loss once it is computed (before that, the loss of the
sample on screen, titled with its symbol, `E_1`). An image network (a square input of 64 or
more pixels, like 28×28) shows the current sample as a half-block picture instead of input boxes.
The current step's boxes and edges are highlighted and the rest dimmed; inactive ReLUs and zero
gradients are marked. Columns or layers that do not fit collapse (`⋮ 28 more`, `◀ 3 layers`).

What is drawn is the session's answer at the cursor (`Known`): the graph lays it out and decides
nothing about the trace. Clicking a box posts `NodeSelected`, clicking a weight's label
`ParameterSelected`; the app decides what they show.

Drawing happens once per change into a grid of (character, style) cells; `render_line` only
slices that grid, so scrolling and repaints cost nothing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.events import Click
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from nntui.app.base import KnownView
from nntui.app.ledger import param_summary
from nntui.app.marks import MARK_CHANGED, MARK_EDITED, MARK_SELECTED, NO_MARKS, Marks
from nntui.app.messages import NodeSelected, ParameterSelected
from nntui.editable import Editable, InputRef, TargetRef
from nntui.engine.numbers import fmt_operand, fmt_result
from nntui.engine.spec import ParamRef

if TYPE_CHECKING:
    from nntui.engine.trace import Node
    from nntui.view_state import Known, NeuronKnown

# Style keys of the cell grid, in rising priority (a crossing shows the higher one).
BLANK, DIM, EDGE_POS, EDGE_NEG, EDGE_NEUTRAL, TEXT, BOX, VALUE = range(8)
HI_EDGE_POS, HI_EDGE_NEG, HI_EDGE_NEUTRAL, HI_LABEL, HI_BOX, ZERO, INACTIVE, TITLE = range(8, 16)
HEAD, LABEL_POS, LABEL_NEG = 16, 17, 18  # weight labels: in their edge's colour, not dimmed
#: Marks over a number (`Marks.style_of`): a value the last update changed, an edited value, the
#: selection.
CHANGED, EDITED, SELECTED = MARK_CHANGED, MARK_EDITED, MARK_SELECTED
#: Image cells: IMAGE + top · 17 + bottom + 1, with grey levels 0…15 and −1 for no pixel.
IMAGE = 100
_LEVELS = 16
#: The smallest input layer drawn as a picture (8×8); it must be a perfect square.
_MIN_IMAGE_PIXELS = 64

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
    image: bool = False  # the input layer drawn as a picture

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

    def cell(self, x: int, y: int, char: str, style: int) -> None:
        """One character of text (braille never draws over it)."""
        if 0 <= y < self.height and 0 <= x < self.width:
            self.chars[y][x] = char
            self.styles[y][x] = style
            self.dots[y][x] = -1

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


def _rgb(color: Color | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    if color is None or color.is_default:
        return default
    triplet = color.get_truecolor()
    return triplet.red, triplet.green, triplet.blue


def grey_levels(pixels: Sequence[float], side: int, cols: int) -> list[list[int]]:
    """A side×side picture as cols×cols grey levels 0…15 (each the mean of the pixels it
    covers). Values in [0, 1] are drawn on that scale (0 paper, 1 ink), others from their
    least to their greatest; a non-finite pixel counts as paper."""
    values = [float(v) for v in pixels]
    finite = [v for v in values if math.isfinite(v)]
    lo, hi = 0.0, 1.0
    if finite and (min(finite) < 0.0 or max(finite) > 1.0):
        lo, hi = min(finite), max(finite)
    scale = (_LEVELS - 1) / (hi - lo) if hi > lo else 0.0
    spans = [
        (k * side // cols, max(k * side // cols + 1, (k + 1) * side // cols)) for k in range(cols)
    ]
    levels = []
    for r0, r1 in spans:
        row = []
        for c0, c1 in spans:
            block = [values[i * side + j] for i in range(r0, r1) for j in range(c0, c1)]
            inked = [v for v in block if math.isfinite(v)]
            mean = sum(inked) / len(block) if inked else lo
            row.append(min(_LEVELS - 1, max(0, round((mean - lo) * scale))))
        levels.append(row)
    return levels


def _boxes_shown(count: int, height: int, usable: int) -> int:
    """How many boxes of `height` a column of `count` neurons shows in `usable` rows."""
    if count * (height + 1) - 1 <= usable:
        return count
    return max(1, (usable - 1) // (height + 1))


class GraphView(KnownView, Widget):
    """Draws the network and the values known at the cursor; highlights the current step."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "graph--dim",
        "graph--edge-positive",
        "graph--edge-negative",
        "graph--edge-neutral",
        "graph--text",
        "graph--box",
        "graph--value",
        "graph--active",
        "graph--zero",
        "graph--inactive",
        "graph--title",
        "graph--head",
        "graph--selected",
        "graph--edited",
        "graph--changed",
    }
    """
    | Class | Description |
    | :- | :- |
    | `graph--dim` | Boxes and edges the current step does not touch. |
    | `graph--edge-positive` / `graph--edge-negative` | Edges and weight labels, by sign. |
    | `graph--edge-neutral` | Edges into the loss, which carry no weight, and from a picture. |
    | `graph--box` / `graph--value` / `graph--title` | Node boxes, their values and names. |
    | `graph--active` | What the current step reads and writes. |
    | `graph--zero` | A zero gradient. |
    | `graph--inactive` | An inactive ReLU. |
    | `graph--head` | Column headings. |
    | `graph--selected` | The number selected for editing (`e` edits it). |
    | `graph--edited` | A number edited since the network was opened. |
    | `graph--changed` | A parameter the last update changed. |

    An input picture's greys run from the widget's background (0) to its text colour (1).
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
    GraphView > .graph--box { color: $text-muted; }
    GraphView > .graph--value { color: $text; }
    GraphView > .graph--active { color: $accent; text-style: bold; }
    GraphView > .graph--zero { color: $warning; text-style: bold; }
    GraphView > .graph--inactive { color: $warning; }
    GraphView > .graph--title { color: $text; text-style: bold; }
    GraphView > .graph--head { color: $secondary; text-style: italic; }
    GraphView > .graph--selected { color: $accent; text-style: bold reverse; }
    GraphView > .graph--edited { color: $warning; text-style: bold underline; }
    GraphView > .graph--changed { text-style: underline; }
    """

    marks: reactive[Marks] = reactive(NO_MARKS, init=False, repaint=False)
    """The selection and the edited and changed numbers (the app's, through `data_bind`)."""

    def __init__(self, known: Known, **kwargs: Any) -> None:
        super().__init__(known, **kwargs)
        self._grid: _Grid | None = None
        #: The size the grid was drawn at; None once it is out of date (a new answer, a new
        #: theme). Checked at every line painted, so it reads no reactive.
        self._drawn_for: tuple[int, int] | None = None
        self._styles: dict[int, Style] = {}
        self._drawing: _Drawing | None = None
        self._pictures: dict[tuple[int, int], tuple[object, list[list[int]]]] = {}

    def on_click(self, event: Click) -> None:
        """Clicking a weight's label picks that weight; clicking a box picks its node."""
        self._current_grid()
        if self._drawing is None:
            return
        picked = self._drawing.pick_at(event.x, event.y)
        if picked is None:
            return
        what, summary = picked
        if isinstance(what, ParamRef):
            self.post_message(ParameterSelected(self, what, summary))
        else:
            self.post_message(NodeSelected(self, what, summary))

    def watch_known(self, old: Known, new: Known) -> None:
        if new is not old:  # the same answer comes again as the binding starts: drawn already
            self._drawn_for = None  # the grid is drawn again, for the new answer, at the next paint
            self.refresh()

    def watch_marks(self, old: Marks, new: Marks) -> None:
        if new != old:
            self._drawn_for = None
            self.refresh()

    def on_resize(self) -> None:
        self._drawn_for = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._drawn_for = None

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
                key = keys[start]
                style = styles[key] if key < IMAGE else self._image_style(key)
                segments.append(Segment("".join(chars[start:x]), style))
                start = x
        return Strip(segments, grid.width)

    def _image_style(self, key: int) -> Style:
        """A picture cell `▀`: the top pixel's grey as foreground, the bottom one's as
        background, blended from the theme's background (0) to its text colour (ink)."""
        styles = self._style_table()
        if key in styles:
            return styles[key]
        base = self.rich_style
        paper = _rgb(base.bgcolor, (0, 0, 0))
        ink = _rgb(base.color, (255, 255, 255))

        def grey(level: int) -> Color:
            t = level / (_LEVELS - 1)
            r, g, b = (round(p + (i - p) * t) for p, i in zip(paper, ink, strict=True))
            return Color.from_rgb(r, g, b)

        top, bottom = divmod(key - IMAGE, _LEVELS + 1)
        style = base + Style(color=grey(top), bgcolor=grey(bottom - 1) if bottom else None)
        styles[key] = style
        return style

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
            LABEL_POS: base + get("graph--edge-positive"),
            LABEL_NEG: base + get("graph--edge-negative"),
            CHANGED: base + get("graph--value") + get("graph--changed"),
            EDITED: base + get("graph--edited"),
            SELECTED: base + get("graph--selected"),
        }
        self._styles = table
        return table

    def _current_grid(self) -> _Grid:
        size = self.size
        if self._drawn_for != (size.width, size.height):
            drawing = _Drawing(self.known, size.width, size.height, self._pictures, self.marks)
            self._grid = drawing.draw()
            self._drawing = drawing
            self._drawn_for = (size.width, size.height)
        assert self._grid is not None
        return self._grid


#: What a click picked: a parameter (a weight's label) or a node, and one line of what is
#: known of it.
_Picked = tuple["ParamRef | Node", str]


class _Drawing:
    """One frame of the graph for an answer (`Known`) at one size."""

    def __init__(
        self,
        known: Known,
        width: int,
        height: int,
        pictures: dict[tuple[int, int], tuple[object, list[list[int]]]] | None = None,
        marks: Marks = NO_MARKS,
    ) -> None:
        self.known = known
        self.marks = marks
        #: Where each markable number is written: (x, y, width) by what it is.
        self.number_cells: dict[Editable, tuple[int, int, int]] = {}
        # (sample, columns) → (the network drawn, its picture's grey levels): kept by the
        # widget from frame to frame, as a key press rarely changes the picture.
        self.pictures = {} if pictures is None else pictures
        self.net = known.network
        self.width, self.height = max(width, 1), max(height, 1)
        self.grid = _Grid(self.width, self.height)
        self.stepping = known.step is not None  # a step is on screen: the rest is dimmed
        self.sample = known.sample
        self.precision = known.precision
        self.n_columns = len(self.net.layers) + 2
        p = known.precision
        self.inner = max(10, 5 + p + 3)
        self.boxes: dict[int, list[_Box]] = {}  # column → its boxes, once drawn
        #: (x, y, width, weight) of every weight label drawn: clicking one picks the weight.
        self.weight_labels: list[tuple[int, int, int, ParamRef]] = []
        self.usable = self.height - 1  # row 0 holds the column headings
        # Weight labels name the weight with at most 3 decimals (more would not fit between
        # columns): `−0.652`. The gap before a labelled column keeps this much room for them.
        self.label_width = min(p, 3) + 3
        fan_in = self.net.layers[0].fan_in
        side = math.isqrt(fan_in)
        self.image_side = side if fan_in >= _MIN_IMAGE_PIXELS and side * side == fan_in else 0
        self.image_cols = self._image_cols() if self.image_side else 0

    # -- layout ---------------------------------------------------------------------------------
    def _column_sizes(self) -> list[int]:
        return [self.net.layers[0].fan_in, *(layer.size for layer in self.net.layers), 1]

    def _box_height(self, column: int) -> int:
        if column == 0:
            return 3
        if column == self.n_columns - 1:
            return 4 if self.net.layers[-1].size == 1 else 3
        return 6

    def _image_cols(self) -> int:
        """How many columns (= pixel rows, two to a text row) the input picture gets: all of
        its pixels when the network fits beside it, fewer (scaled down) when not."""
        others = sum(self._box_width(c) for c in range(1, self.n_columns))
        gaps = 3 * (self.n_columns - 1) + (self.label_width + 4 if self.n_columns > 3 else 0)
        room = min(self.width - 2 - others - gaps, 2 * (self.usable - 1))  # 1 row: caption
        return max(min(self.image_side, room), min(self.image_side, 8))

    def _box_width(self, column: int) -> int:
        """Neuron boxes hold `pre −0.340`; input and loss boxes only a value (the loss box's
        title may be a sample's symbol, `E_12*`); a picture its pixel columns."""
        if column == 0 and self.image_side:
            return self.image_cols
        if column == self.n_columns - 1:
            title = len(f"E_{self.net.n_samples}*") if self.net.n_samples > 1 else 2
            return max(9, self.precision + 7, title + 5)
        if column == 0:
            return max(9, self.precision + 7)
        return self.inner + 2

    def _visible_columns(self) -> list[int]:
        """All columns, or the window of them around the current step that fits."""
        min_gap = 5
        widths = [self._box_width(c) for c in range(self.n_columns)]
        if sum(widths) + min_gap * (self.n_columns - 1) <= self.width:
            return list(range(self.n_columns))
        focus = self.known.focus_column
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
        usable = self.usable
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
        heading_end = -1
        for k, column in enumerate(columns):
            # Each heading may use half of the gap on either side of its column, and keeps two
            # blank cells after the previous one: neighbouring headings never read as one.
            left = boxes[column][0].x - (gaps[k - 1] // 2 if k > 0 else boxes[column][0].x)
            right = boxes[column][0].x + widths[column]
            right += gaps[k] // 2 if k < len(gaps) else self.width - right
            left = max(0, left, heading_end + 2 if heading_end >= 0 else 0)
            heading_end = self._draw_heading(column, boxes[column], left, right) or heading_end
            for box in boxes[column]:
                if box.image:
                    self._draw_image(box)
                else:
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
        if self.marks != NO_MARKS:
            self._draw_marks()
        return self.grid

    def _draw_marks(self) -> None:
        """Restyle the numbers the marks name, where they are drawn (a number collapsed out
        of view, or the learning rate, which the graph does not show, is not marked)."""
        for label_x, label_y, width, param in self.weight_labels:
            self.number_cells.setdefault(param, (label_x, label_y, width))
        styles = self.grid.styles
        for what, (x, y, width) in self.number_cells.items():
            style = self.marks.style_of(what)
            if style is not None:
                for cx in range(max(0, x), min(self.grid.width, x + width)):
                    styles[y][cx] = style

    def _labelled(self, right: int) -> bool:
        """True when the edges into column `right` carry weight labels (not the edges into
        the loss, which have no weight, nor those from a picture, which stand for hundreds)."""
        return right != self.n_columns - 1 and not (right == 1 and self.image_side)

    def _label_gap(self) -> int:
        """The narrowest gap that holds weight labels: their horizontal runs, and 2 cells
        for the lines to cross in before them."""
        return self.label_width + 2 + 2

    def _gaps(self, columns: list[int], free: int) -> list[int]:
        """Space between neighbouring columns: at least 3 cells each; then room for the weight
        labels, first for the layer of the current step and its neighbours; the rest shared
        by how many labelled edges cross each gap."""
        if len(columns) < 2:
            return []
        sizes = self._column_sizes()
        weights = []
        for left, right in itertools.pairwise(columns):
            edges = min(sizes[left], 5) * min(sizes[right], 5)
            weights.append(1 if right == self.n_columns - 1 else max(2, edges))
        floor = 3
        gaps = [floor] * len(weights)
        spare = max(0, free - floor * len(weights))
        focus = self.known.focus_column
        labelled = [k for k in range(len(gaps)) if self._labelled(columns[k + 1])]
        for k in sorted(labelled, key=lambda k: (abs(columns[k + 1] - focus), -k)):
            extra = self._label_gap() - floor
            if extra <= spare:
                gaps[k] += extra
                spare -= extra
        share = sum(weights)
        return [gap + spare * w // share for gap, w in zip(gaps, weights, strict=True)]

    def _lay_out_column(
        self, column: int, count: int, x: int, top: int, usable: int, width: int
    ) -> list[_Box]:
        if column == 0 and self.image_side:
            height = (self.image_cols + 1) // 2 + 1  # two pixel rows a line, and the caption
            return [_Box(0, 0, x, top + max(0, (usable - height) // 2), width, height, image=True)]
        height = self._box_height(column)
        boxes = _boxes_shown(count, height, usable)
        if boxes == count:
            shown: list[int | None] = list(range(count))
        else:
            # Keep the first few and the last, the rest behind one "⋮ n more" line.
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

    def pick_at(self, x: int, y: int) -> _Picked | None:
        """What is drawn at (x, y) — a weight's label, a node's box or a pixel — with one line
        of what is known of it at the cursor; None for blank space and edges."""
        for label_x, label_y, width, param in self.weight_labels:
            if label_y == y and label_x <= x < label_x + width:
                return param, param_summary(self.known, param)
        for column, boxes in self.boxes.items():
            for box in boxes:
                inside = box.x <= x < box.x + box.width and box.y <= y < box.y + box.height
                if not inside or box.neuron is None:
                    continue
                if box.image:
                    return self._pick_pixel(box, x, y)
                if column == 0:
                    return (0, box.neuron), self._describe_input(box.neuron)
                if column == self.n_columns - 1:
                    return (column, None), self._describe_loss()
                return (column, box.neuron), self._describe_neuron(column - 1, box.neuron)
        return None

    def describe_at(self, x: int, y: int) -> str | None:
        """The line `pick_at` says of what is drawn at (x, y)."""
        picked = self.pick_at(x, y)
        return None if picked is None else picked[1]

    def _describe_input(self, j: int) -> str:
        value = fmt_result(self.net.inputs[self.sample][j], self.precision)
        return f"input x{j} = {value} (sample {self.sample})"

    def _describe_neuron(self, layer: int, j: int) -> str:
        name = self._neuron_name(layer, j)
        parts = [f"{name}: layer {layer}, neuron {j}, {self.net.layers[layer].activation}"]
        neuron = self.known.neuron(layer, j)
        for label, value, _ in [self._bias_line(neuron), *self._node_lines(neuron)]:
            parts.append(f"{label} {value or '—'}")
        if neuron.inactive:
            parts.append("inactive ReLU: it passes no gradient back")
        return " · ".join(parts)

    def _describe_loss(self) -> str:
        loss = self.known.loss_shown()
        shown = "not computed yet" if loss.value is None else fmt_result(loss.value, self.precision)
        n = self.net.n_samples
        if n == 1 or loss.of_sample:
            return f"loss {loss.symbol} ({self.net.loss}) of sample {self.sample}: {shown}"
        how = "mean" if self.net.reduction == "mean" else "sum"
        return f"loss {loss.symbol} ({self.net.loss}), the {how} over the {n} samples: {shown}"

    def _pick_pixel(self, box: _Box, x: int, y: int) -> _Picked | None:
        """The input pixels a picture cell shows: its top and bottom half."""
        side, cols = self.image_side, self.image_cols
        row, col = 2 * (y - box.y), x - box.x
        if not 0 <= row < cols or not 0 <= col < cols:
            return None  # the caption
        inputs = self.net.inputs[self.sample]
        parts = []
        pixels = []
        for r in (row, row + 1):
            if r < cols:
                i = (r * side // cols) * side + col * side // cols
                pixels.append(i)
                at = f"row {i // side}, column {i % side}"
                parts.append(f"x{i} = {fmt_result(inputs[i], self.precision)} ({at})")
        return (0, pixels[0]), f"input pixels of sample {self.sample}: " + " · ".join(parts)

    # -- values -------------------------------------------------------------------------------
    def _node_lines(self, neuron: NeuronKnown) -> list[tuple[str, str, int]]:
        """(label, value text, style) lines of a neuron box: the values known so far, blank
        for the rest."""
        p = self.precision
        lines = [
            (label, "", TEXT) if value is None else (label, fmt_result(value, p), VALUE)
            for label, value in (("pre", neuron.pre), ("act", neuron.post))
        ]
        # ∂E/∂a, then the local slope f′(z) (softmax layers work through δ = ∂E/∂z instead):
        # the two factors every chain-rule product through this neuron multiplies.
        lines.append(self._backward_line("∂E", neuron.grad_post))
        if neuron.delta is not None:
            lines.append(self._backward_line("δ", neuron.delta))
        elif neuron.has_slope:
            lines.append(self._backward_line("f′", neuron.slope))
        else:
            lines.append(("δ", "", TEXT))
        return lines

    def _backward_line(self, label: str, value: float | None) -> tuple[str, str, int]:
        """A backward value, blank until known; a zero gradient is marked."""
        if value is None:
            return (label, "", TEXT)
        return (label, fmt_result(value, self.precision), ZERO if value == 0 else VALUE)

    # -- drawing --------------------------------------------------------------------------------
    def heading_forms(self, column: int) -> list[str]:
        """The column's name, longest first; each shorter form drops whole words."""
        if column == 0:
            return ["inputs"] if self.net.n_samples == 1 else [f"x · sample {self.sample}", "x"]
        if column == self.n_columns - 1:
            return [self.net.loss, "loss", "E"]
        layer, act = column - 1, self.net.layers[column - 1].activation
        return [f"layer {layer} · {act}", f"{layer} · {act}", act]

    def _draw_heading(self, column: int, boxes: list[_Box], left: int, right: int) -> int | None:
        """The column's name over its boxes, in the longest form that fits between `left`
        and `right` (its share of the gaps): never cut, so never glued to a neighbour's words;
        nothing when even the shortest form does not fit. Returns the cell after its end."""
        text = next((f for f in self.heading_forms(column) if len(f) <= right - left), None)
        if text is None:
            return None
        centred = boxes[0].x + (boxes[0].width - len(text)) // 2
        x = min(max(left, centred), right - len(text))
        self.grid.put(x, 0, text, HEAD)
        return x + len(text)

    def _draw_image(self, box: _Box) -> None:
        """The sample's input as a picture: each cell `▀` is two pixel rows (foreground the
        top, background the bottom), then a caption lit while a step reads the inputs."""
        g = self.grid
        cols = self.image_cols
        net, levels = self.pictures.get((self.sample, cols), (None, []))
        if net is not self.net:
            levels = grey_levels(self.net.inputs[self.sample], self.image_side, cols)
            if len(self.pictures) > 16:
                self.pictures.clear()
            self.pictures[(self.sample, cols)] = (self.net, levels)
        for r in range(0, cols, 2):
            top = levels[r]
            bottom = levels[r + 1] if r + 1 < cols else [-1] * cols
            y = box.y + r // 2
            for c in range(cols):
                g.cell(box.x + c, y, "▀", IMAGE + top[c] * (_LEVELS + 1) + bottom[c] + 1)
        side = self.image_side
        forms = [f"{side}×{side} pixels", f"{side}×{side}"]
        caption = next((f for f in forms if len(f) <= box.width), forms[-1])
        active = self.known.node_lit(0, None)
        x = box.x + max(0, (box.width - len(caption)) // 2)
        g.put(x, box.y + box.height - 1, caption, HI_BOX if active else TEXT)

    def _draw_box(self, box: _Box) -> None:
        g = self.grid
        if box.neuron is None:
            text = f"⋮ {box.hidden} more"
            g.put(box.x + max(0, (box.width - len(text)) // 2), box.y, text, TEXT)
            return
        active = self.known.node_lit(box.column, box.neuron)
        quiet = self.stepping and not active
        last = self.n_columns - 1
        neuron: NeuronKnown | None = None
        marked: dict[int, Editable] = {}  # line → the number written on it
        if box.column == 0:
            title = f"x{box.neuron}"
            value = fmt_result(self.net.inputs[self.sample][box.neuron], self.precision)
            lines = [("", value, VALUE)]
            marked[0] = InputRef(self.sample, box.neuron)
        elif box.column == last:
            loss = self.known.loss_shown()
            title = loss.symbol
            shown = "" if loss.value is None else fmt_result(loss.value, self.precision)
            lines = [("", shown, VALUE)]
            if self.net.layers[-1].size == 1:
                target = self.net.targets[self.sample][0]
                lines.append(("y", fmt_operand(target, self.precision), TEXT))
                marked[1] = TargetRef(self.sample, 0)
        else:
            layer = box.column - 1
            title = self._neuron_name(layer, box.neuron)
            neuron = self.known.neuron(layer, box.neuron)
            lines = self._node_lines(neuron)
        inactive = neuron is not None and neuron.inactive
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
            if k in marked and value:
                self.number_cells[marked[k]] = (box.x + 1 + inner - len(value), row, len(value))
        g.put(box.x, box.y + box.height - 1, "╰" + across * inner + "╯", frame)
        if neuron is not None:
            # The bias is written into the bottom of the frame (`╰─ b −0.100 ╯`), so it costs
            # no row: 80×24 shows it too. One too long for the frame (|b| ≥ 10 at the widest
            # decimals) is left out; clicking the box still tells it.
            label, value, style = self._bias_line(neuron)
            if len(value) + 5 > inner:
                value = fmt_operand(neuron.bias, self.precision)
            if len(value) + 5 <= inner:
                y = box.y + box.height - 1
                g.put(box.x + 2, y, f" {label} ", DIM if quiet else TEXT)
                g.put(box.x + 5, y, value, DIM if quiet and style == VALUE else style)
                bias = ParamRef(box.column - 1, "bias", box.neuron)
                self.number_cells[bias] = (box.x + 5, y, len(value))
                g.put(box.x + 5 + len(value), y, " ", frame)

    def _bias_line(self, neuron: NeuronKnown) -> tuple[str, str, int]:
        """`b  −0.100`, lit while the current step computes or updates this bias."""
        style = HI_LABEL if neuron.bias_current else VALUE
        return ("b", fmt_result(neuron.bias, self.precision), style)

    def _neuron_name(self, layer: int, j: int) -> str:
        last = layer == len(self.net.layers) - 1
        if last:
            return "o" if self.net.layers[layer].size == 1 else f"o{j}"
        return f"h{j}" if len(self.net.layers) == 2 else f"h{layer}_{j}"

    def _loss_edge_style(self, output: int | None) -> int:
        """Edges into the loss light up for the loss and for ∂E/∂o of their output."""
        if not self.stepping:
            return EDGE_NEUTRAL
        return HI_EDGE_NEUTRAL if self.known.loss_edge_lit(output) else DIM

    def _ports(self, box: _Box, count: int) -> list[int]:
        """The rows where `count` edges end on `box`'s left side, top to bottom: one row each,
        consecutive around the middle of the box (inside its frame while there is room);
        shared rows only when there are more edges than the box has rows."""
        h = box.height
        if count <= h - 2:
            return [box.y + 1 + (h - 2 - count) // 2 + k for k in range(count)]
        if count <= h:
            return [box.y + (h - count) // 2 + k for k in range(count)]
        return [box.y + k * h // count for k in range(count)]

    def _draw_edges(self, sources: list[_Box], targets: list[_Box], column: int) -> None:
        """The edges into `column`. Each weighted edge ends in a horizontal run at a port of its
        own; the runs sit side by side left of the boxes, where no other edge passes, and
        carry the weight labels (when the gap has room for them and every edge has a port)."""
        layer = column - 1
        real_sources = [b for b in sources if b.neuron is not None]
        real_targets = [b for b in targets if b.neuron is not None]
        if not real_sources or not real_targets:
            return
        known = self.known
        lines: list[tuple[int, list[tuple[int, int]]]] = []
        labels: list[tuple[int, int, str, int, ParamRef]] = []
        src_gap = real_targets[0].x - (real_sources[0].x + real_sources[0].width)
        labelled = self._labelled(column) and src_gap >= self._label_gap()
        for t in real_targets:
            end = (t.x - 1) * 2 + 1  # the right dot of the cell before the box
            if column == self.n_columns - 1:  # into the loss: no weight, to its middle
                for src in real_sources:
                    start = ((src.x + src.width) * 2 + 1, src.mid * 4 + 2)
                    lines.append((self._loss_edge_style(src.neuron), [start, (end, t.mid * 4 + 2)]))
                continue
            assert t.neuron is not None
            if real_sources[0].image:  # one edge for the picture's hundreds of weights
                img = real_sources[0]
                hi = known.edge_lit(layer, t.neuron, None)
                style = HI_EDGE_NEUTRAL if hi else (DIM if self.stepping else EDGE_NEUTRAL)
                start = ((img.x + img.width) * 2 + 1, img.mid * 4 + 2)
                lines.append((style, [start, (end, t.mid * 4 + 2)]))
                continue
            ports = self._ports(t, len(real_sources))
            named = labelled and len(real_sources) <= t.height
            bend = (t.x - 1 - self.label_width - 1) * 2 if named else None
            for src, row in zip(real_sources, ports, strict=True):
                assert src.neuron is not None
                w = known.weight(layer, t.neuron, src.neuron)
                hi = known.edge_lit(layer, t.neuron, src.neuron)
                lit = HI_EDGE_POS if w >= 0 else HI_EDGE_NEG
                if hi:
                    style = label_style = lit
                elif self.stepping:
                    style = label_style = DIM
                else:
                    style = EDGE_POS if w >= 0 else EDGE_NEG
                    # A weight of magnitude 1 or more is written in bold.
                    label_style = lit if abs(w) >= 1 else (LABEL_POS if w >= 0 else LABEL_NEG)
                start = ((src.x + src.width) * 2 + 1, src.mid * 4 + 2)
                y = row * 4 + 2
                if bend is None:
                    lines.append((style, [start, (end, y)]))
                    continue
                lines.append((style, [start, (bend, y), (end, y)]))
                text = fmt_operand(w, min(self.precision, 3))
                weight = ParamRef(layer, "weight", t.neuron, src.neuron)
                labels.append((t.x - 1 - len(text), row, text, label_style, weight))
        for style, points in sorted(lines, key=lambda line: line[0]):
            for (x0, y0), (x1, y1) in itertools.pairwise(points):
                self.grid.line(x0, y0, x1, y1, style)
        for x, y, text, style, weight in labels:
            self.grid.put(x, y, text, style)
            self.weight_labels.append((x, y, len(text), weight))
