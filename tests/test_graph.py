"""The graph tells the truth: the loss box shows the batch loss, headings never glue words,
each weight label sits on its own edge, every neuron shows its bias, and an image network
shows its input as a picture.

The drawing is asked directly (`_Drawing(session.view(), width, height).draw()` is the grid
the widget paints), at the graph's size inside the app at 80×24, 120×36 and 200×60.
"""

from __future__ import annotations

import asyncio
import math
import re

import pytest

from nntui.app.app import NntuiApp
from nntui.app.graph import (
    EDGE_NEG,
    EDGE_POS,
    HI_EDGE_NEG,
    HI_EDGE_POS,
    IMAGE,
    LABEL_NEG,
    LABEL_POS,
    GraphView,
    _Box,
    _Drawing,
    grey_levels,
)
from nntui.engine.loader import loads_spec, parse_spec
from nntui.engine.numbers import fmt_operand, fmt_result
from nntui.engine.presets import PRESETS
from nntui.engine.spec import NetworkSpec
from nntui.opening import Opening
from nntui.session import Session
from nntui.view_state import known_at

#: The graph widget's size when the terminal is 80×24, 120×36 and 200×60.
GRAPH_SIZES = [(80, 16), (74, 28), (154, 52)]

TWO_SAMPLES = """
name = "two samples"
loss = "half_sse"
learning_rate = 0.5

[[layers]]
activation = "sigmoid"
weights = [[0.4, -0.7], [0.9, 0.2]]
biases = [0.1, -0.3]

[[layers]]
activation = "sigmoid"
weights = [[1.5, -0.8]]
biases = [0.2]

[[samples]]
x = [1.0, 0.0]
y = [0.0]

[[samples]]
x = [0.0, 1.0]
y = [1.0]
"""


def draw(session: Session | Opening, size: tuple[int, int] = (74, 28)) -> _Drawing:
    """The graph of what is known at the session's cursor (the opening's ready state)."""
    known = session.view() if isinstance(session, Session) else known_at(session)
    drawing = _Drawing(known, *size)
    drawing.draw()
    return drawing


def text_of(drawing: _Drawing) -> list[str]:
    return ["".join(row) for row in drawing.grid.chars]


def loss_box(drawing: _Drawing) -> tuple[str, str]:
    """The loss box's title and the number on its first line."""
    box = drawing.boxes[drawing.n_columns - 1][0]
    rows = text_of(drawing)
    title = rows[box.y][box.x : box.x + box.width].strip("╭╮─ ")
    value = rows[box.y + 1][box.x + 1 : box.x + box.width - 1].strip()
    return title, value


# -- 8.3: the loss box shows the batch loss -------------------------------------------------------


def test_the_loss_box_shows_the_batch_loss_once_it_is_computed() -> None:
    session = Session(loads_spec(TWO_SAMPLES, "two.toml").build())
    trace = session.trace
    p = session.precision
    sample_losses = [fmt_result(float(v), p) for v in trace.forward.losses]
    assert len(set(sample_losses)) == 2  # the test means something only if they differ
    batch_seen = after_seen = samples_seen = 0
    for step in session.steps:
        session.cursor = step.index
        title, value = loss_box(draw(session))
        if step.phase == "check" and step.kind == "batch_loss":
            # The last step: E* is the batch loss after the update.
            assert (title, value) == ("E*", fmt_result(trace.loss_after, p))
            after_seen += 1
        elif step.kind == "batch_loss" or step.phase in ("backward", "update"):
            # From the batch loss on, the box is the batch's: E = (E_0 + E_1)/2.
            assert (title, value) == ("E", fmt_result(trace.loss, p)), step.symbol
            batch_seen += 1
        elif step.kind == "loss":
            # A sample's own loss is titled with its own symbol, never plain E.
            assert title == step.symbol and title.startswith("E_"), title
            assert value == fmt_result(step.value, p)
            samples_seen += 1
    assert batch_seen > 10 and after_seen == 1 and samples_seen == 4
    # E* is not the last sample's loss after the update (the box showed 0.270 for E* 0.380).
    assert fmt_result(trace.loss_after, p) != fmt_result(float(trace.forward_after.losses[-1]), p)


def test_clicking_the_loss_box_says_whose_loss_it_is() -> None:
    session = Session(loads_spec(TWO_SAMPLES, "two.toml").build())
    batch = next(s for s in session.steps if s.kind == "batch_loss")
    session.cursor = batch.index
    drawing = draw(session)
    box = drawing.boxes[drawing.n_columns - 1][0]
    said = drawing.describe_at(box.x + 1, box.y + 1)
    assert said is not None
    assert "mean over the 2 samples" in said and fmt_result(session.trace.loss, 3) in said
    session.cursor = batch.index - 1  # the last sample's own loss
    said = draw(session).describe_at(box.x + 1, box.y + 1)
    assert said is not None and "E_1" in said and "of sample 1" in said


def test_one_sample_keeps_its_loss_as_e() -> None:
    session = Session(PRESETS["worked-example"].build())
    session.cursor = 6  # E = ½·(0 − 0.526)² = 0.138
    assert loss_box(draw(session)) == ("E", "0.138")
    session.finish()
    assert loss_box(draw(session)) == ("E*", "0.135")


# -- 8.4: headings keep their words apart ---------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_headings_never_run_words_together(name: str) -> None:
    """The heading row is whole headings, two blanks or more apart (not
    `softmaxcross_entropy`, `cross_en` or `sample 0 layer 0`), at the app's sizes and at
    every width from 30 to 200."""
    session = Session(PRESETS[name].build())
    sizes = [*GRAPH_SIZES, *((w, 24) for w in range(30, 201, 9))]
    for cursor in (-1, len(session.steps) - 1):
        session.cursor = cursor
        for size in sizes:
            drawing = draw(session, size)
            forms = {f for c in range(drawing.n_columns) for f in drawing.heading_forms(c)}
            row = text_of(drawing)[0]
            headings = re.split(r" {2,}", row.strip())
            assert set(headings) <= forms, (size, row)
            assert len(headings) >= min(3, len(drawing.boxes)), (size, row)


def test_softmax_3class_heading_at_80x24() -> None:
    async def run() -> str:
        app = NntuiApp(PRESETS["softmax-3class"].build(), source="softmax-3class")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return app.query_one(GraphView).render_line(0).text

    row = asyncio.run(run())
    assert "softmaxcross" not in row and "softmax" in row.split()
    assert {"cross_entropy", "loss", "E"} & set(row.split())


# -- 8.11: weight labels on their own edges, biases in the boxes ----------------------------------


def ports(drawing: _Drawing) -> list[tuple[int, int, _Box, int, int]]:
    """(layer, neuron, receiving box, source neuron, row of the edge's end) of every drawn
    weighted edge."""
    out = []
    for column in range(1, drawing.n_columns - 1):
        sources = [b for b in drawing.boxes.get(column - 1, []) if b.neuron is not None]
        for box in drawing.boxes.get(column, []):
            if box.neuron is None:
                continue
            rows = drawing._ports(box, len(sources))
            for src, row in zip(sources, rows, strict=True):
                assert src.neuron is not None
                out.append((column - 1, box.neuron, box, src.neuron, row))
    return out


@pytest.mark.parametrize("size", GRAPH_SIZES, ids=["80x24", "120x36", "200x60"])
def test_each_weight_label_ends_its_own_edge_at_the_receiving_box(size: tuple[int, int]) -> None:
    session = Session(PRESETS["worked-example"].build())
    last = len(session.steps) - 1
    for cursor, net in ((-1, session.network), (2, session.network), (last, None)):
        session.cursor = cursor
        net = net or session.trace.network_after  # at the end: every weight updated
        drawing = draw(session, size)
        rows, styles = text_of(drawing), drawing.grid.styles
        edges = ports(drawing)
        assert len(edges) == 3 * 2 + 2 * 1
        assert len({(box.x, row) for _, _, box, _, row in edges}) == len(edges)  # own rows
        for layer, j, box, i, row in edges:
            w = float(net.layers[layer].weights[j, i])
            label = fmt_operand(w, 3)
            end = box.x - 1  # the cell before the box: the edge's last braille cell
            assert rows[row][end - len(label) : end] == label, (cursor, layer, j, i)
            assert rows[row][end] == "⠤" and rows[row][box.x] in "│┆"
            # In the edge's colour: by the sign of its weight (dimmed while another step acts).
            style = styles[row][end - len(label)]
            if cursor < 0:
                expected = {LABEL_POS, HI_EDGE_POS} if w >= 0 else {LABEL_NEG, HI_EDGE_NEG}
                assert style in expected
            # Only the edge's own horizontal run before the label: no other edge crosses it.
            first = box.x - 1 - drawing.label_width - 1
            assert set(rows[row][first + 1 : end - len(label)]) <= {"⠤"}, cursor
        # Rows of the label zone that end no edge are empty: no line passes through it.
        for column in range(1, drawing.n_columns - 1):
            x0 = drawing.boxes[column][0].x - 1 - drawing.label_width
            used = {row for layer, _, _, _, row in edges if layer == column - 1}
            for y in range(1, drawing.height):
                if y not in used:
                    assert rows[y][x0 : x0 + drawing.label_width + 1].strip() == "", (column, y)


def test_edge_colour_follows_the_sign_of_its_weight() -> None:
    session = Session(PRESETS["worked-example"].build())
    drawing = draw(session)
    rows, styles = text_of(drawing), drawing.grid.styles
    for layer, j, box, i, row in ports(drawing):
        w = session.network.layers[layer].weights[j, i]
        run_start = box.x - 1 - drawing.label_width - 1
        assert rows[row][run_start] != " "
        assert styles[row][box.x - 1] == (EDGE_POS if w >= 0 else EDGE_NEG)


@pytest.mark.parametrize("size", GRAPH_SIZES, ids=["80x24", "120x36", "200x60"])
def test_every_neuron_box_shows_its_bias(size: tuple[int, int]) -> None:
    session = Session(PRESETS["worked-example"].build())
    for cursor, net in ((-1, session.network), (len(session.steps) - 1, None)):
        session.cursor = cursor
        net = net or session.trace.network_after  # after the update: the new biases
        drawing = draw(session, size)
        rows = text_of(drawing)
        for column in range(1, drawing.n_columns - 1):
            for box in drawing.boxes[column]:
                assert box.neuron is not None
                bias = float(net.layers[column - 1].biases[box.neuron])
                bottom = rows[box.y + box.height - 1][box.x : box.x + box.width]
                assert f" b {fmt_result(bias, 3)} " in bottom, (cursor, bottom)
    # b10* = −0.1 − 0.1·0.131 = −0.113, b00* = −0.109: the document's new biases
    text = "\n".join(text_of(draw(session, size)))
    assert "b −0.113" in text and "b −0.109" in text


def test_clicking_a_neuron_tells_its_bias() -> None:
    session = Session(PRESETS["worked-example"].build())
    drawing = draw(session)
    h1 = drawing.boxes[1][1]
    said = drawing.describe_at(h1.x + 2, h1.y + 1)
    assert said is not None and said.startswith("h1") and "b 0.200" in said


def test_a_bias_step_lights_the_bias() -> None:
    session = Session(PRESETS["worked-example"].build())
    b10 = next(s for s in session.steps if s.symbol == "b10*")
    session.cursor = b10.index
    drawing = draw(session)
    box = drawing.boxes[2][0]
    bottom = box.y + box.height - 1
    x = text_of(drawing)[bottom].index("−0.113", box.x)
    assert drawing.grid.styles[bottom][x] != drawing.grid.styles[bottom][box.x]


@pytest.mark.parametrize("name", [*PRESETS, "image"])
def test_the_opening_draws_the_same_graph_as_the_session(name: str) -> None:
    spec = image_spec() if name == "image" else NetworkSpec.of(PRESETS[name].build())
    for size in GRAPH_SIZES:
        opening, ready = draw(Opening(spec), size), draw(Session(spec.build()), size)
        assert opening.grid.chars == ready.grid.chars
        assert opening.grid.styles == ready.grid.styles


# -- 8.6: an image network shows its input as a picture ------------------------------------------


def image_spec(side: int = 28, samples: int = 2) -> NetworkSpec:
    """A side×side input, 3 hidden ReLUs, 2 softmax outputs. Sample 0 inks the top-left
    quarter; sample 1 a vertical bar in the right half."""
    n = side * side
    half, bar = side // 2, 3 * side // 4
    pictures = [
        [1.0 if r < half and c < half else 0.0 for r in range(side) for c in range(side)],
        [1.0 if bar <= c < bar + 2 else 0.0 for r in range(side) for c in range(side)],
    ][:samples]
    data = {
        "name": "picture",
        "loss": "cross_entropy",
        "learning_rate": 0.1,
        "layers": [
            {
                "activation": "relu",
                "weights": [[((j + 1) * (i % 7) - 3) / 100 for i in range(n)] for j in range(3)],
                "biases": [0.0, 0.1, -0.1],
            },
            {
                "activation": "softmax",
                "weights": [[0.5, -0.5, 0.25], [-0.25, 0.5, 0.5]],
                "biases": [0.0, 0.0],
            },
        ],
        "samples": [
            {"x": x, "y": [1.0, 0.0] if s == 0 else [0.0, 1.0]} for s, x in enumerate(pictures)
        ],
    }
    return parse_spec(data, "picture.json")


def picture(drawing: _Drawing) -> tuple[_Box, list[str], list[list[int]]]:
    box = drawing.boxes[0][0]
    assert box.image
    rows = (drawing.image_cols + 1) // 2
    chars = [row[box.x : box.x + box.width] for row in text_of(drawing)[box.y : box.y + rows]]
    styles = [row[box.x : box.x + box.width] for row in drawing.grid.styles[box.y : box.y + rows]]
    return box, chars, styles


def cell(top: int, bottom: int) -> int:
    """The style key of a picture cell: top and bottom grey levels 0…15."""
    return IMAGE + top * 17 + bottom + 1


def test_a_28x28_input_is_drawn_as_a_picture_in_28_columns_by_14_rows() -> None:
    session = Session(image_spec().build())
    drawing = draw(session, (154, 52))
    box, chars, styles = picture(drawing)
    assert drawing.image_cols == 28 and box.width == 28 and len(chars) == 14
    assert all(row == "▀" * 28 for row in chars)
    assert styles[0][0] == cell(15, 15) and styles[6][13] == cell(15, 15)  # inked quarter
    assert styles[7][14] == cell(0, 0) and styles[0][14] == cell(0, 0)  # paper
    text = "\n".join(text_of(drawing))
    assert "28×28" in text
    assert not re.search(r"\bx\d+\b", text)  # no input boxes


def test_the_picture_follows_the_sample_on_screen() -> None:
    session = Session(image_spec().build())
    second = next(s for s in session.steps if s.sample == 1)
    session.cursor = second.index
    _, _, styles = picture(draw(session, (154, 52)))
    assert styles[0][0] == cell(0, 0)
    assert styles[5][21] == cell(15, 15) and styles[5][20] == cell(0, 0)  # the bar, cols 21–22


@pytest.mark.parametrize("size", GRAPH_SIZES[:2], ids=["80x24", "120x36"])
def test_the_picture_scales_down_to_the_room_there_is(size: tuple[int, int]) -> None:
    session = Session(image_spec().build())
    drawing = draw(session, size)
    _, chars, styles = picture(drawing)
    cols = drawing.image_cols
    assert 8 <= cols < 28 and len(chars) == (cols + 1) // 2 < size[1]
    # every layer column still fits beside it
    assert set(drawing.boxes) == set(range(drawing.n_columns))
    right = max(b.x + b.width for boxes in drawing.boxes.values() for b in boxes)
    assert right <= size[0]
    assert styles[0][0] == cell(15, 15) and styles[0][cols - 1] == cell(0, 0)


def test_clicking_the_picture_tells_its_pixels() -> None:
    session = Session(image_spec().build())
    drawing = draw(session, (154, 52))
    box = drawing.boxes[0][0]
    said = drawing.describe_at(box.x + 20, box.y + 3)  # pixel rows 6 and 7, column 20
    assert said is not None
    assert "x188 = 0.000 (row 6, column 20)" in said and "x216 = 0.000" in said
    said = drawing.describe_at(box.x, box.y)
    assert said is not None and "x0 = 1.000" in said and "x28 = 1.000" in said


def test_grey_levels_use_0_to_1_or_the_pictures_own_range() -> None:
    assert grey_levels([0.0, 0.5, 1.0, 0.0], 2, 2) == [[0, 8], [15, 0]]
    # Standardised pixels (outside [0, 1]) run from their least to their greatest.
    assert grey_levels([-1.0, 1.0, 3.0, -1.0], 2, 2) == [[0, 8], [15, 0]]
    assert grey_levels([2.0] * 4, 2, 2) == [[0, 0], [0, 0]]  # one value: nothing to show
    assert grey_levels([math.inf, 1.0, 0.0, 1.0], 2, 2) == [[0, 15], [0, 15]]
    assert grey_levels([1.0, 1.0, 0.0, 0.0] * 2 + [0.0] * 8, 4, 2) == [[15, 0], [0, 0]]


@pytest.mark.parametrize("side", [7, 8])
def test_only_a_square_input_of_64_or_more_is_a_picture(side: int) -> None:
    drawing = draw(Session(image_spec(side).build()), (154, 52))
    assert bool(drawing.image_side) == (side * side >= 64)


def test_the_picture_is_painted_in_grey_in_the_app() -> None:
    async def run() -> list:
        app = NntuiApp(image_spec().build(), source="picture")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            graph = app.query_one(GraphView)
            drawing = graph._drawing
            assert drawing is not None
            box = drawing.boxes[0][0]
            return list(graph.render_line(box.y))

    segments = asyncio.run(run())
    cells = [s for s in segments if s.text.startswith("▀")]
    assert cells and all(s.style is not None and s.style.bgcolor is not None for s in cells)
    # Ink (sample 0's inked top-left quarter) and paper are painted in different colours.
    colours = {(s.style.color, s.style.bgcolor) for s in cells if s.style is not None}
    assert len(colours) >= 2


def test_the_widget_redraws_the_picture_of_each_sample() -> None:
    """The widget keeps pictures from frame to frame; stepping to sample 1 still shows it."""

    async def run() -> list[list[int]]:
        app = NntuiApp(image_spec().build(), source="picture")
        seen = []
        async with app.run_test(size=(200, 60)) as pilot:
            await pilot.pause()
            second = next(s for s in app.session.steps if s.sample == 1)
            for cursor in (0, second.index, 0):
                app.session.cursor = cursor
                app.refresh_views()
                await pilot.pause()
                graph = app.query_one(GraphView)
                graph._current_grid()
                assert graph._drawing is not None
                seen.append(picture(graph._drawing)[2][0])
        return seen

    first, second, again = asyncio.run(run())
    assert first == again != second
    assert first[0] == cell(15, 15) and second[0] == cell(0, 0)
