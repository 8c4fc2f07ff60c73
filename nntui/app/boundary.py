"""The decision-boundary pane: the input plane of a 2-input network, coloured by its output.

Each terminal cell shows two cells of the grid with a half block `▀`: the upper one's colour
as foreground, the lower one's as background, so a pane of 120×36 shows a grid of about
114×68. A cell's colour is its tone (`nntui.engine.boundary`): the class the network leans to
there, blended from the pane's background into that class's colour as the network grows
sure — for one sigmoid output two colours by p(1), for softmax one per class by its
probability, for a regression orange below the middle of the targets and blue above. The
training samples are drawn over it as ◆, the held-out ones as ◇, each in its target's colour;
while stepping, the sample of the step on screen is ◈ on its class's colour.

The pane follows the parameters the class knows at the cursor: before the update, the
network the iteration starts from; as the update is revealed, parameter by parameter, the
updated ones; in the check and after, the updated network. `←` back over the update moves the
boundary back; during a training run it is drawn from the run's snapshots (an answer without
a trace). A network without 2 inputs has no plane: the app shows its predictions pane in this
one's place, and the pane drawn alone says so in one line.

This module imports no NumPy (the app's first frame is drawn before it is loaded): the numbers
come from `nntui.engine.boundary`, imported once there is a trace to draw from.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from nntui.app.base import KnownView
from nntui.engine.numbers import MINUS
from nntui.engine.spec import NetworkSpec, ParamRef
from nntui.engine.text import printable

if TYPE_CHECKING:
    from nntui.engine.boundary import Boundary, BoundaryCache
    from nntui.engine.network import Network
    from nntui.view_state import Known

RGB = tuple[int, int, int]

#: The class colours, in class order: Playground's orange and blue first, then colours that
#: stay apart from them and from each other on a projector.
CLASS_COLOURS: tuple[RGB, ...] = (
    (245, 147, 34),  # orange
    (40, 140, 225),  # blue
    (60, 180, 90),  # green
    (175, 110, 230),  # violet
    (230, 205, 50),  # yellow
    (225, 80, 120),  # rose
    (40, 195, 195),  # teal
    (170, 120, 70),  # brown
)
#: How far the strongest cell goes from the background towards its class's colour: points in
#: the full colour stay visible over a cell of their own class.
REGION_STRENGTH = 0.5
#: How far a point's colour goes from its class's colour towards the text colour (lighter on
#: a dark theme, darker on a light one), to stand out from the cells.
POINT_LIFT = 0.3
#: A cell whose output is not a number: the background tinted red.
NOT_FINITE_COLOUR: RGB = (190, 60, 60)
NOT_FINITE_STRENGTH = 0.35

HALF_BLOCK = "▀"
TRAINING_MARK = "◆"
TEST_MARK = "◇"
SAMPLE_MARK = "◈"
#: Where the axes point at the highlighted sample's row and column.
POINTER_RIGHT, POINTER_UP = "▸", "▴"
#: Rows the pane takes besides the plane: the header and the x axis.
FRAME_ROWS = 2
#: The smallest plane worth drawing, in terminal columns and rows; a smaller pane shows its
#: title only.
MIN_PLANE = (12, 2)
#: The longest a class label is written in the header.
LABEL_WIDTH = 12


class SampleCell(NamedTuple):
    """The highlighted sample's grid cell (row, column) and its tone."""

    row: int
    column: int
    tone: int


def class_colour(hue: int) -> RGB:
    """The colour of class (or, for a regression, side) `hue`; the palette repeats after 8."""
    return CLASS_COLOURS[hue % len(CLASS_COLOURS)]


def blend(start: RGB, end: RGB, amount: float) -> RGB:
    """The colour `amount` (0 … 1) of the way from `start` to `end`."""
    red, green, blue = (round(a + (b - a) * amount) for a, b in zip(start, end, strict=True))
    return red, green, blue


def axis_number(value: float) -> str:
    """An axis end as the pane writes it: two decimals, a true minus sign, never −0.00."""
    text = f"{value:.2f}" if abs(value) < 100 else f"{value:.3g}"
    return "0.00" if text == "-0.00" else text.replace("-", MINUS)


def shown_network(known: Known) -> Network | None:
    """The network as the class knows it at the cursor. Parameters whose update step is on
    screen or behind the cursor take their new values (`Known.index.new_at`), the others the
    values the iteration started from; so the update moves the boundary as it is revealed,
    and `←` moves it back. Without a trace: the answer's own network (an answer made from a
    network alone, as a live training run may hand over), or None at the opening, whose
    network is a `NetworkSpec` drawn before NumPy is loaded."""
    trace = known.trace
    if trace is None:
        return None if isinstance(known.network, NetworkSpec) else known.network
    import numpy as np  # loaded with the trace

    from nntui.engine.boundary import with_updated

    before, after = trace.network, trace.network_after
    updated = np.asarray(known.index.new_at) <= known.through  # in quiz mode, as revealed
    count = int(updated.sum())
    if count == 0:
        return before
    if count == len(updated):
        return after

    masks = []
    rows = known.rows
    for layer_index, layer in enumerate(before.layers):
        first_weight = rows.row_of(ParamRef(layer_index, "weight", 0, 0))
        first_bias = rows.row_of(ParamRef(layer_index, "bias", 0))
        weights = updated[first_weight : first_weight + layer.weights.size]
        biases = updated[first_bias : first_bias + layer.size]
        masks.append((weights.reshape(layer.weights.shape), biases))
    return with_updated(before, after, masks)


class BoundaryView(KnownView, Widget):
    """The input plane coloured by the network's output, the samples drawn over it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "boundary--title",
        "boundary--axis",
        "boundary--note",
        "boundary--sample",
    }
    """
    | Class | Description |
    | :- | :- |
    | `boundary--title` | The pane's title. |
    | `boundary--axis` | The axes' names and the values at their ends; the legend's words. |
    | `boundary--note` | Why the pane shows no plane (a network without 2 inputs). |
    | `boundary--sample` | The highlighted sample's mark (its colour; the cell is its class's). |

    The plane's colours are the data's (`CLASS_COLOURS`), blended from the widget's background.
    """

    DEFAULT_CSS = """
    BoundaryView {
        width: 1fr;
        height: 1fr;
    }
    BoundaryView > .boundary--title { color: $text; text-style: bold; }
    BoundaryView > .boundary--axis { color: $text-muted; }
    BoundaryView > .boundary--note { color: $text-muted; text-style: italic; }
    BoundaryView > .boundary--sample { color: $text; text-style: bold; }
    """

    def __init__(self, known: Known, **kwargs: Any) -> None:
        super().__init__(known, **kwargs)
        self._cache: BoundaryCache | None = None
        #: The pane's lines as drawn for the current answer and size; None once out of date.
        self._lines: list[Strip] | None = None
        self._styles: dict[tuple[Any, ...], Style] = {}
        self._boundary: Boundary | None = None

    @property
    def cache(self) -> BoundaryCache | None:
        """The boundaries computed so far (None before the first): the tests count them."""
        return self._cache

    @property
    def boundary(self) -> Boundary | None:
        """The numbers the pane drew last (None while it draws a note or only its title)."""
        return self._boundary

    def watch_known(self, old: Known, new: Known) -> None:
        if new is not old:
            self._lines = None
            self.refresh()

    def on_resize(self) -> None:
        self._lines = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._lines = None

    # -- painting -----------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        lines = self._lines
        if lines is None:
            lines = self._lines = self.draw(self.size.width, self.size.height)
        if y < len(lines):
            return lines[y]
        return Strip.blank(self.size.width, self.rich_style)

    def draw(self, width: int, height: int) -> list[Strip]:
        """The whole pane, `width` × `height`, as lines."""
        known = self.known
        self._boundary = None
        fan_in = known.network.layers[0].fan_in
        if fan_in != 2:
            inputs = f"{fan_in} input" + ("" if fan_in == 1 else "s")
            note = f"the decision boundary needs 2 inputs; this network takes {inputs}"
            return [self._text_line([(note, self._component("boundary--note"))], width)]
        network = shown_network(known)
        title = [
            self._text_line([("decision boundary", self._component("boundary--title"))], width)
        ]
        rows = height - FRAME_ROWS
        if network is None or rows < MIN_PLANE[1]:
            return title  # the opening (no NumPy yet), or no room
        gutter = self._gutter(network, width, rows)
        if width - gutter < MIN_PLANE[0]:
            return title
        if self._cache is None:
            self._cache = _numbers().BoundaryCache()
        boundary = self._boundary = self._cache.boundary(network, width - gutter, 2 * rows)
        sample = self._highlighted(boundary)
        lines = [self._header(boundary, network, sample, width)]
        cell = self._sample_cell(boundary, sample)
        lines += self._plane(boundary, cell, gutter, width)
        lines.append(self._x_axis(boundary, cell, gutter, width))
        return lines

    def _gutter(self, network: Network, width: int, rows: int) -> int:
        """The width of the y axis' labels: the plane's extent depends on the grid's width,
        so it is measured on a first guess and then on the plane it gives."""
        gutter = 6
        for _ in range(2):
            plane = _numbers().plane_of(network, max(1, width - gutter), 2 * rows)
            labels = (axis_number(plane.y_max), axis_number(plane.y_min), "x1")
            gutter = max(len(label) for label in labels) + 1
        return gutter

    def _sample_cell(self, boundary: Boundary, sample: int | None) -> SampleCell | None:
        """Where the highlighted sample is drawn (None: no sample, or one off the plane)."""
        if sample is None:
            return None
        training = boundary.training
        row, column = int(training.rows[sample]), int(training.columns[sample])
        if row < 0:
            return None
        return SampleCell(row, column, int(training.tone[sample]))

    def _highlighted(self, boundary: Boundary) -> int | None:
        """The training sample the step on screen is about, while stepping (None when ready,
        or for a step of the whole batch)."""
        step = self.known.step
        if step is None or step.sample is None or step.sample >= len(boundary.training):
            return None
        return step.sample

    # -- the parts ----------------------------------------------------------------------------
    def _header(
        self, boundary: Boundary, network: Network, sample: int | None, width: int
    ) -> Strip:
        """The title, then what fits of — in this order of importance — the colours'
        legend, the highlighted sample, the training and the test samples' marks; drawn in
        the order title, colours, marks, sample, so the marks' legend stays in place."""
        title = self._component("boundary--title")
        words = self._component("boundary--axis")
        name = "decision boundary" if boundary.kind != "regression" else "network output"
        by_importance: list[tuple[int, list[tuple[str, Style]]]] = [
            (0, [(name, title)]),
            (1, self._colour_legend(boundary, network)),
        ]
        if sample is not None:
            mark = self._style(("mark", SAMPLE_MARK, int(boundary.training.tone[sample])))
            by_importance.append((4, [(SAMPLE_MARK, mark), (f" sample {sample}", words)]))
        by_importance.append((2, [(TRAINING_MARK, words), (" training", words)]))
        if len(boundary.test):
            by_importance.append((3, [(TEST_MARK, words), (" test", words)]))
        chosen: list[tuple[int, list[tuple[str, Style]]]] = []
        used = -2  # the first piece needs no gap before it
        for place, piece in by_importance:
            used += 2 + sum(len(text) for text, _ in piece)
            if used > width and chosen:  # the title is cut to fit, the others left out
                break  # what is less important does not jump the queue
            chosen.append((place, piece))
        shown: list[tuple[str, Style]] = []
        for _, piece in sorted(chosen, key=lambda placed: placed[0]):
            if shown:
                shown.append(("  ", self.rich_style))
            shown.extend(piece)
        return self._text_line(shown, width)

    def _colour_legend(self, boundary: Boundary, network: Network) -> list[tuple[str, Style]]:
        """`■ 0 ■ 1` for classes (the data's labels when it has some); for a regression the
        scale, `0.00 ███████ 1.00`, from one end's colour through the ground to the other's."""
        levels = _numbers().LEVELS
        words = self._component("boundary--axis")
        if boundary.scale is not None:
            low, high = boundary.scale
            strip: list[tuple[str, Style]] = [(axis_number(low) + " ", words)]
            for hue, steps in ((0, range(levels - 1, 0, -2)), (1, range(1, levels, 2))):
                strip += [("█", self._style(("tone", hue * levels + level))) for level in steps]
            strip.append((" " + axis_number(high), words))
            return strip
        labels = network.labels or tuple(str(hue) for hue in range(boundary.hues))
        legend: list[tuple[str, Style]] = []
        for hue in range(boundary.hues):
            if legend:
                legend.append((" ", words))
            label = printable(labels[hue])[:LABEL_WIDTH] if hue < len(labels) else str(hue)
            legend += [("■", self._style(("swatch", hue))), (" " + label, words)]
        return legend

    def _plane(
        self, boundary: Boundary, sample: SampleCell | None, gutter: int, width: int
    ) -> list[Strip]:
        """The plane's rows, each with its y-axis label in the gutter; the highlighted
        sample's row is pointed at by a ▸ in the gutter."""
        plane = boundary.plane
        rows = plane.rows // 2
        tones = boundary.tone.tolist()
        # Per terminal row, each cell's character and style key: the two halves' tones,
        # unless a sample's mark covers the cell.
        chars = [[HALF_BLOCK] * plane.columns for _ in range(rows)]
        keys: list[list[tuple[Any, ...]]] = [
            list(zip(upper, lower, strict=True)) for upper, lower in _pairs(tones)
        ]
        # The held-out samples first, so a training sample in the same cell is drawn on top.
        for mark, marks in ((TEST_MARK, boundary.test), (TRAINING_MARK, boundary.training)):
            for row, column, tone in zip(
                marks.rows.tolist(), marks.columns.tolist(), marks.tone.tolist(), strict=True
            ):
                if row >= 0:
                    chars[row // 2][column] = mark
                    keys[row // 2][column] = ("mark", mark, tone, tones[row][column])
        if sample is not None:
            chars[sample.row // 2][sample.column] = SAMPLE_MARK
            keys[sample.row // 2][sample.column] = ("mark", SAMPLE_MARK, sample.tone)
        labels = [""] * rows
        labels[0], labels[-1] = axis_number(plane.y_max), axis_number(plane.y_min)
        if rows >= 3:
            labels[rows // 2] = "x1"
        axis = self._component("boundary--axis")
        pointer = self._component("boundary--sample")
        lines = []
        for index, label in enumerate(labels):
            pointed = sample is not None and sample.row // 2 == index
            tick = Segment(POINTER_RIGHT, pointer) if pointed else Segment(" ", axis)
            cells = self._segments(chars[index], keys[index])
            lines.append(Strip([Segment(label.rjust(gutter - 1), axis), tick, *cells], width))
        return lines

    def _x_axis(
        self, boundary: Boundary, sample: SampleCell | None, gutter: int, width: int
    ) -> Strip:
        """`−2.41         x0         2.41` under the plane, and a ▴ under the highlighted
        sample's column."""
        plane = boundary.plane
        left, right = axis_number(plane.x_min), axis_number(plane.x_max)
        span = width - gutter
        gap = span - len(left) - len(right)
        text = (left + ("x0".center(gap) if gap >= 4 else " " * max(gap, 1)) + right)[:span]
        axis = self._component("boundary--axis")
        if sample is None:
            return self._text_line([(" " * gutter + text, axis)], width)
        column = sample.column
        pieces = [
            (" " * gutter + text[:column], axis),
            (POINTER_UP, self._component("boundary--sample")),
            (text[column + 1 :], axis),
        ]
        return self._text_line(pieces, width)

    # -- styles -------------------------------------------------------------------------------
    def _segments(self, chars: list[str], keys: list[tuple[Any, ...]]) -> Iterator[Segment]:
        """A row of cells as segments, one per run of a style key."""
        start = 0
        for key, run in itertools.groupby(keys):
            stop = start + sum(1 for _ in run)
            yield Segment("".join(chars[start:stop]), self._style(key))
            start = stop

    def _text_line(self, pieces: Sequence[tuple[str, Style]], width: int) -> Strip:
        segments = [Segment(text, style) for text, style in pieces]
        return Strip(segments).adjust_cell_length(width, self.rich_style)

    def _component(self, name: str) -> Style:
        return self.rich_style + self.get_component_rich_style(name)

    def _style(self, key: tuple[Any, ...]) -> Style:
        """The style of a style key, made once per theme: `(top, bottom)` a plane cell's
        two tones; `("mark", char, tone, ground)` a sample over its cell's ground,
        `("mark", SAMPLE_MARK, tone)` the highlighted one; `("swatch", hue)` and
        `("tone", tone)` the legend's colours."""
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = self._make_style(key)
        return style

    def _make_style(self, key: tuple[Any, ...]) -> Style:
        kind = key[0]
        if isinstance(kind, int):  # a plane cell: its upper and lower half's tones
            return Style(color=self._tone_colour(key[0]), bgcolor=self._tone_colour(key[1]))
        if kind == "swatch":
            full = key[1] * _numbers().LEVELS + _numbers().LEVELS - 1
            return self.rich_style + Style(color=self._rgb(self._full_rgb(full)))
        if kind == "tone":
            return self.rich_style + Style(color=self._tone_colour(key[1]))
        char, tone = key[1], key[2]
        if char == SAMPLE_MARK:
            # The sample on screen: a bold mark on its class's full colour, the cell's ground
            # given up so it is found at a glance.
            mark = self.get_component_rich_style("boundary--sample")
            return Style(color=self._rgb(self._full_rgb(tone)), bold=True, bgcolor=mark.color)
        ground = self._tone_colour(key[3])
        return Style(color=self._rgb(self._point_rgb(tone)), bgcolor=ground)

    def _tone_colour(self, tone: int) -> Color:
        return self._rgb(self._tone_rgb(tone))

    def _tone_rgb(self, tone: int) -> RGB:
        """A plane cell's colour: the background blended towards its class's colour by its
        level."""
        numbers = _numbers()
        paper = self._paper()
        if tone == numbers.NOT_FINITE:
            return blend(paper, NOT_FINITE_COLOUR, NOT_FINITE_STRENGTH)
        hue, level = divmod(tone, numbers.LEVELS)
        return blend(paper, class_colour(hue), REGION_STRENGTH * level / (numbers.LEVELS - 1))

    def _full_rgb(self, tone: int) -> RGB:
        """The class's own colour at the tone's strength (a regression's target by its place
        on the scale), from the background."""
        numbers = _numbers()
        if tone == numbers.NOT_FINITE:
            return NOT_FINITE_COLOUR
        hue, level = divmod(tone, numbers.LEVELS)
        return blend(self._paper(), class_colour(hue), 0.35 + 0.65 * level / (numbers.LEVELS - 1))

    def _point_rgb(self, tone: int) -> RGB:
        """A sample's mark: its class's colour, lifted towards the text colour."""
        return blend(self._full_rgb(tone), self._ink(), POINT_LIFT)

    def _paper(self) -> RGB:
        return _triplet(self.rich_style.bgcolor, (0, 0, 0))

    def _ink(self) -> RGB:
        return _triplet(self.rich_style.color, (255, 255, 255))

    @staticmethod
    def _rgb(triplet: RGB) -> Color:
        return Color.from_rgb(*triplet)


def _numbers() -> ModuleType:
    """`nntui.engine.boundary`, imported once there is a trace to draw (it loads NumPy, which
    the first frame does without)."""
    from nntui.engine import boundary

    return boundary


def _triplet(colour: Color | None, default: RGB) -> RGB:
    if colour is None or colour.is_default:
        return default
    truecolor = colour.get_truecolor()
    return truecolor.red, truecolor.green, truecolor.blue


def _pairs(rows: list[list[int]]) -> Iterator[tuple[list[int], list[int]]]:
    """The grid's rows two by two: each terminal row's upper and lower half."""
    for index in range(0, len(rows) - 1, 2):
        yield rows[index], rows[index + 1]
