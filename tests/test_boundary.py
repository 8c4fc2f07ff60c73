"""The decision-boundary pane: its numbers (`nntui.engine.boundary`) and its widget
(`nntui.app.boundary.BoundaryView`), mounted alone in a small app.

The grid's outputs are checked against the engine's own forward pass, bit for bit; the tones
against the outputs; the widget against the session it draws from (the network it follows at
each cursor, the samples it places, the colours of the classes).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from rich.color import Color
from rich.segment import Segment
from textual.app import App, ComposeResult

from nntui.app.app import DARK, DARK_THEME, LIGHT_THEME
from nntui.app.boundary import (
    CLASS_COLOURS,
    HALF_BLOCK,
    MIN_PLANE,
    REGION_STRENGTH,
    SAMPLE_MARK,
    TEST_MARK,
    TRAINING_MARK,
    BoundaryView,
    blend,
    class_colour,
    shown_network,
)
from nntui.engine import compute
from nntui.engine.boundary import (
    LEVELS,
    NOT_FINITE,
    Boundary,
    BoundaryCache,
    Plane,
    boundary_of,
    output_kind,
    outputs_over,
    with_updated,
)
from nntui.engine.network import Layer, Network
from nntui.engine.presets import resolve_network, worked_example_spec, xor_spec
from nntui.engine.training import train
from nntui.opening import Opening
from nntui.session import Session
from nntui.view_state import Known, known_at


def circles() -> Network:
    return resolve_network("circles")


def trained_circles(steps: int = 300) -> Network:
    return train(circles(), steps).network


def one_layer(activation: str, weights: list[list[float]], biases: list[float]) -> Network:
    """A network of one layer over four samples at the corners of [−1, 1]² (targets 0/1 or
    one-hot, as the output asks)."""
    inputs = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    outputs = len(weights)
    targets = (
        np.eye(outputs)[[0, 1, 0, 1]] if outputs > 1 else np.array([[0.0], [1.0], [0.0], [1.0]])
    )
    loss = {"sigmoid": "bce", "softmax": "cross_entropy"}.get(activation, "mse")
    return Network(
        layers=(Layer(activation, np.array(weights), np.array(biases)),),
        inputs=inputs,
        targets=targets,
        loss=loss,
        learning_rate=0.1,
    )


def as_samples(network: Network, points: np.ndarray) -> Network:
    """`network` with `points` as its samples (targets of zero: the loss is not looked at)."""
    return replace(
        network,
        inputs=points,
        targets=np.zeros((len(points), network.layers[-1].size)),
        test_inputs=np.empty((0, 2)),
        test_targets=np.empty((0, network.layers[-1].size)),
        data=None,
    )


# -- the numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["circles", "spiral", "xor"])
def test_the_grid_is_the_engines_forward_to_the_bit(preset: str) -> None:
    network = resolve_network(preset)
    boundary = boundary_of(network, 37, 22)
    points = boundary.plane.centres()
    engine = compute.forward(as_samples(network, points))
    outputs = boundary.outputs.reshape(len(points), -1)
    assert outputs.shape == engine.output.shape
    assert outputs.tobytes() == engine.output.tobytes()
    # And at the training samples, the trace's own forward pass.
    assert (
        outputs_over(network, network.inputs).tobytes() == compute.forward(network).output.tobytes()
    )


def test_the_plane_holds_every_sample_with_square_cells() -> None:
    network = circles()
    for columns, rows in ((114, 68), (74, 40), (20, 60)):
        plane = Plane.around(np.concatenate([network.inputs, network.test_inputs]), columns, rows)
        assert (plane.columns, plane.rows) == (columns, rows)
        assert plane.x_max - plane.x_min == pytest.approx(plane.cell * columns)
        assert plane.y_max - plane.y_min == pytest.approx(plane.cell * rows)
        for points in (network.inputs, network.test_inputs):
            assert points[:, 0].min() > plane.x_min and points[:, 0].max() < plane.x_max
            assert points[:, 1].min() > plane.y_min and points[:, 1].max() < plane.y_max
            row, column = plane.cells_of(points)
            # Each sample lies in the cell it is drawn in (row 0 is the top).
            left = plane.x_min + column * plane.cell
            top = plane.y_max - row * plane.cell
            assert np.all((left <= points[:, 0]) & (points[:, 0] < left + plane.cell))
            assert np.all((top - plane.cell < points[:, 1]) & (points[:, 1] <= top))
        # One axis is filled to its margin, the other widened about the centre.
        assert plane.x_min + plane.x_max == pytest.approx(
            network.inputs[:, 0].min() + network.inputs[:, 0].max(), abs=0.2
        )


def test_a_plane_about_one_point_or_none() -> None:
    one = Plane.around(np.array([[0.3, -0.2]]), 10, 10)
    assert one.x_min < 0.3 - 0.5 < 0.3 + 0.5 < one.x_max
    assert one.y_min < -0.2 - 0.5 < -0.2 + 0.5 < one.y_max
    none = Plane.around(np.empty((0, 2)), 10, 10)
    assert none.x_min < -1 < 1 < none.x_max and none.y_min < -1 < 1 < none.y_max


def test_cell_centres_run_row_by_row_from_the_top() -> None:
    plane = Plane(x_min=0.0, y_min=0.0, cell=1.0, columns=3, rows=2)
    assert plane.centres().tolist() == [
        [0.5, 1.5], [1.5, 1.5], [2.5, 1.5],
        [0.5, 0.5], [1.5, 0.5], [2.5, 0.5],
    ]  # fmt: skip
    rows, columns = plane.cells_of(np.array([[2.9, 0.1], [0.1, 1.9], [3.5, 1.0], [np.nan, 1.0]]))
    assert rows.tolist() == [1, 0, -1, -1] and columns.tolist() == [2, 0, -1, -1]


def test_a_sigmoid_output_leans_to_class_1_above_one_half_and_grows_surer() -> None:
    network = one_layer("sigmoid", [[3.0, 0.0]], [0.0])  # p = σ(3·x0)
    boundary = boundary_of(network, 40, 10)
    assert (boundary.kind, boundary.hues) == ("probability", 2)
    p = boundary.outputs[0, :, 0]
    hue, level = np.divmod(boundary.tone[0], LEVELS)
    leaning = boundary.tone[0] != 0
    assert np.array_equal(hue[leaning], (p[leaning] >= 0.5).astype(int))
    # Surer the farther p is from ½: levels never fall as |2p − 1| grows.
    order = np.argsort(np.abs(2 * p - 1))
    assert np.all(np.diff(np.where(leaning, level, 0)[order]) >= 0)
    assert (hue[0], level[0]) == (0, LEVELS - 1)  # far left: p ≈ 0
    assert (hue[-1], level[-1]) == (1, LEVELS - 1)  # far right: p ≈ 1


def test_softmax_cells_take_the_class_of_the_largest_probability() -> None:
    network = one_layer("softmax", [[-4.0, 0.0], [4.0, 0.0], [0.0, 4.0]], [0.0, 0.0, 0.0])
    boundary = boundary_of(network, 30, 30)
    assert (boundary.kind, boundary.hues) == ("classes", 3)
    outputs = boundary.outputs
    hue, level = np.divmod(boundary.tone, LEVELS)
    leaning = boundary.tone != 0
    assert np.array_equal(hue[leaning], np.argmax(outputs, axis=-1)[leaning])
    assert set(np.unique(hue[leaning])) == {0, 1, 2}
    # A coin toss among three is the neutral ground; certainty is the top level.
    top = outputs.max(axis=-1)
    assert np.all(boundary.tone[top < 1 / 3 + 1e-3] == 0)
    assert np.all(level[top > 1 - 1e-6] == LEVELS - 1)


def test_a_regression_is_drawn_on_a_diverging_scale_around_the_targets_middle() -> None:
    network = one_layer("linear", [[0.5, 0.0]], [0.5])  # o = 0.5·x0 + 0.5; targets 0 and 1
    boundary = boundary_of(network, 40, 4)
    assert (output_kind(network), boundary.scale) == ("regression", (0.0, 1.0))
    value = boundary.outputs[0, :, 0]
    hue = boundary.tone[0] // LEVELS
    leaning = boundary.tone[0] != 0
    assert np.array_equal(hue[leaning], (value[leaning] >= 0.5).astype(int))
    assert np.all(boundary.tone[0][np.abs(value - 0.5) < 0.001] == 0)
    # The samples are toned by their targets, at the ends of the scale.
    assert boundary.training.tone.tolist() == [LEVELS - 1, 2 * LEVELS - 1] * 2


def test_outputs_that_are_not_numbers_get_their_own_tone() -> None:
    network = one_layer("sigmoid", [[np.inf, -np.inf]], [0.0])
    boundary = boundary_of(network, 10, 10)
    assert np.any(boundary.tone == NOT_FINITE)
    assert np.all((boundary.tone == NOT_FINITE) == ~np.isfinite(boundary.outputs[..., 0]))


def test_samples_are_placed_and_toned_by_their_class() -> None:
    network = circles()
    boundary = boundary_of(network, 60, 40)
    assert len(boundary.training) == network.n_samples
    assert len(boundary.test) == network.n_test_samples
    classes = network.targets[:, 0].astype(int)
    assert boundary.training.tone.tolist() == [c * LEVELS + LEVELS - 1 for c in classes]
    assert np.all(boundary.training.rows >= 0) and np.all(boundary.test.columns >= 0)


def test_the_cache_computes_again_only_when_the_parameters_or_the_size_change() -> None:
    network = circles()
    cache = BoundaryCache(capacity=2)
    first = cache.boundary(network, 50, 30)
    assert cache.boundary(network, 50, 30) is first
    # Another network object with the same numbers: the same grid.
    assert cache.boundary(network.with_flat(network.flat()), 50, 30) is first
    assert cache.computed == 1
    changed = network.with_flat(network.flat() + 1e-9)
    assert cache.boundary(changed, 50, 30) is not first
    assert cache.computed == 2
    cache.boundary(network, 50, 30)  # still kept
    assert cache.computed == 2
    cache.boundary(network, 51, 30)  # a new size: computed, the oldest one forgotten
    cache.boundary(changed, 50, 30)
    assert cache.computed == 4


def test_with_updated_takes_the_marked_parameters_from_after() -> None:
    before = circles()
    after = before.with_flat(before.flat() + 1.0)
    masks = [
        (np.zeros(layer.weights.shape, bool), np.zeros(layer.size, bool)) for layer in before.layers
    ]
    masks[2][0][0, 3] = True
    masks[0][1][5] = True
    mixed = with_updated(before, after, masks)
    changed = np.flatnonzero(mixed.flat() != before.flat())
    assert len(changed) == 2
    assert mixed.layers[2].weights[0, 3] == after.layers[2].weights[0, 3]
    assert mixed.layers[0].biases[5] == after.layers[0].biases[5]


# -- the widget ----------------------------------------------------------------------------------


class BoundaryApp(App[None]):
    """The pane alone, drawing a session's answers in nntui's theme (the snapshots use it too)."""

    def __init__(self, session: Session | Known, theme: str = DARK) -> None:
        super().__init__()
        self.first = session.view() if isinstance(session, Session) else session
        self.register_theme(DARK_THEME)
        self.register_theme(LIGHT_THEME)
        self.theme = theme

    def compose(self) -> ComposeResult:
        yield BoundaryView(self.first)

    @property
    def pane(self) -> BoundaryView:
        return self.query_one(BoundaryView)


def in_event_loop(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run an async test (a Pilot) in its own event loop, as the other app tests do."""

    @functools.wraps(test)
    def run() -> None:
        asyncio.run(test())

    return run


def screen_lines(view: BoundaryView) -> list[list[Segment]]:
    return [list(view.render_line(y)) for y in range(view.size.height)]


def text_of(lines: list[list[Segment]]) -> list[str]:
    return ["".join(segment.text for segment in line) for line in lines]


def cell_at(lines: list[list[Segment]], row: int, column: int) -> Segment:
    """The segment of one terminal cell (one character of it)."""
    x = 0
    for segment in lines[row]:
        if x + len(segment.text) > column:
            return Segment(segment.text[column - x], segment.style)
        x += len(segment.text)
    raise IndexError(column)


@in_event_loop
async def test_the_pane_draws_the_plane_and_the_samples() -> None:
    session = Session(trained_circles())
    app = BoundaryApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        lines = screen_lines(app.pane)
        text = text_of(lines)
        assert text[0].startswith("decision boundary")
        assert "■ 0 ■ 1" in text[0] and f"{TRAINING_MARK} training" in text[0]
        assert f"{TEST_MARK} test" in text[0]
        assert SAMPLE_MARK not in "".join(text)  # ready: no step, no sample highlighted
        plane_text = "".join(text[1:-1])
        network = session.network
        assert plane_text.count(TRAINING_MARK) + plane_text.count(TEST_MARK) <= (
            network.n_samples + network.n_test_samples
        )
        assert plane_text.count(TRAINING_MARK) > network.n_samples // 2  # few share a cell
        assert HALF_BLOCK in plane_text and "x1" in plane_text
        assert "x0" in text[-1]
        assert all(len(line) == 100 for line in text)


@in_event_loop
async def test_cells_take_their_classs_colour() -> None:
    """Trained circles: class 1 (blue) inside, class 0 (orange) outside."""
    network = trained_circles()
    session = Session(network)
    app = BoundaryApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        lines = screen_lines(app.pane)
        text = text_of(lines)
        gutter = text[1].index(HALF_BLOCK)
        middle_row, middle_column = len(lines) // 2, gutter + (100 - gutter) // 2
        centre = cell_at(lines, middle_row, middle_column)
        corner = cell_at(lines, 1, gutter)
        assert centre.text == HALF_BLOCK and corner.text == HALF_BLOCK
        for segment, (red, green, blue) in ((centre, CLASS_COLOURS[1]), (corner, CLASS_COLOURS[0])):
            colour = segment.style.bgcolor.get_truecolor()
            shade = (colour.red, colour.green, colour.blue)
            # The class's colour, blended from the background: nearer it than the other's.
            own = sum((a - b) ** 2 for a, b in zip(shade, (red, green, blue), strict=True))
            others = [
                sum((a - b) ** 2 for a, b in zip(shade, other, strict=True))
                for other in CLASS_COLOURS[:2]
                if other != (red, green, blue)
            ]
            assert own < min(others)


def test_class_colours_are_distinct_and_blend_from_the_background() -> None:
    assert len(set(CLASS_COLOURS)) == len(CLASS_COLOURS)
    assert class_colour(len(CLASS_COLOURS) + 1) == class_colour(1)
    assert blend((0, 0, 0), (200, 100, 50), 0.0) == (0, 0, 0)
    assert blend((0, 0, 0), (200, 100, 50), 1.0) == (200, 100, 50)
    assert blend((10, 10, 10), (210, 110, 60), 0.5) == (110, 60, 35)


@in_event_loop
async def test_the_pane_changes_after_training() -> None:
    session = Session(circles())
    app = BoundaryApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = screen_lines(app.pane)
        result = train(session.training_start, 300)
        session.apply_training(
            result.network, result.loss_history, result.steps_done, result.message
        )
        app.pane.known = session.view()
        await pilot.pause()
        after = screen_lines(app.pane)
        assert text_of(after)[0] == text_of(before)[0]
        assert after != before  # the plane's colours moved
        assert app.pane.cache is not None and app.pane.cache.computed >= 2


@in_event_loop
async def test_the_boundary_follows_the_update_and_moves_back() -> None:
    """Stepping through the forward pass costs no grid; revealing the update moves the
    boundary to the new parameters; ← back over it moves it back (found in the cache)."""
    session = Session(trained_circles(50))
    app = BoundaryApp(session)
    steps = session.steps
    first_update = next(step.index for step in steps if step.kind == "new")
    last_update = max(step.index for step in steps if step.kind == "new")
    async with app.run_test(size=(80, 24)) as pilot:

        async def show(cursor: int) -> Boundary:
            session.cursor = cursor
            app.pane.known = session.view()
            await pilot.pause()
            screen_lines(app.pane)  # painted
            assert app.pane.boundary is not None
            return app.pane.boundary

        ready = await show(-1)
        cache = app.pane.cache
        assert cache is not None
        computed = cache.computed
        for cursor in range(0, first_update, max(1, first_update // 7)):
            assert await show(cursor) is ready
            assert shown_network(session.view()) is session.trace.network
        assert cache.computed == computed  # the cursor moved, the parameters did not
        # Halfway through the update: the parameters updated so far, the others as they were.
        halfway = await show((first_update + last_update) // 2)
        mixed = shown_network(session.view())
        assert mixed is not None
        before, after = session.trace.network.flat(), session.trace.network_after.flat()
        changed = np.flatnonzero(mixed.flat() != before)
        assert 0 < len(changed) < len(before)
        assert np.all(mixed.flat()[changed] == after[changed])
        assert halfway is not ready
        # The check: the updated network, its own grid.
        check = await show(last_update + 1)
        assert shown_network(session.view()) is session.trace.network_after
        assert (
            check.outputs.tobytes()
            == boundary_of(
                session.trace.network_after, check.plane.columns, check.plane.rows
            ).outputs.tobytes()
        )
        assert not np.array_equal(check.tone, ready.tone)
        # ← back over the update: the old grid again, from the cache.
        computed = cache.computed
        assert await show(first_update - 1) is ready
        assert cache.computed == computed


@in_event_loop
async def test_the_steps_sample_is_highlighted_while_stepping() -> None:
    session = Session(circles())
    app = BoundaryApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        step = next(step for step in session.steps if step.sample not in (None, 0))
        session.cursor = step.index
        app.pane.known = session.view()
        await pilot.pause()
        lines = screen_lines(app.pane)
        text = text_of(lines)
        assert f"{SAMPLE_MARK} sample {step.sample}" in text[0]
        assert "".join(text[1:-1]).count(SAMPLE_MARK) == 1
        boundary = app.pane.boundary
        assert boundary is not None
        # The mark is in the cell the sample falls in.
        row = next(y for y, line in enumerate(text) if SAMPLE_MARK in line and y > 0)
        column = text[row].index(SAMPLE_MARK)
        plane_left = 100 - boundary.plane.columns
        assert boundary.training.rows[step.sample] // 2 == row - 1
        assert boundary.training.columns[step.sample] == column - plane_left


@in_event_loop
async def test_a_network_without_two_inputs_gets_a_note() -> None:
    session = Session(worked_example_spec().build())
    app = BoundaryApp(session)
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        text = text_of(screen_lines(app.pane))
        assert (
            text[0].rstrip() == "the decision boundary needs 2 inputs; this network takes 3 inputs"
        )
        assert all(not line.strip() for line in text[1:])
        assert app.pane.cache is None


@in_event_loop
async def test_the_opening_draws_the_title_until_the_session_is_built() -> None:
    """Before NumPy (the app's first frame) there is no trace: the title only."""
    known = known_at(Opening(xor_spec()))
    app = BoundaryApp(known)
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        text = text_of(screen_lines(app.pane))
        assert text[0].rstrip() == "decision boundary"
        assert app.pane.cache is None


@pytest.mark.parametrize("size", [(3, 1), (8, 3), (12, 2), (17, 4), (20, 4), (46, 12)])
def test_every_size_draws_whole_lines(size: tuple[int, int]) -> None:
    """A pane squeezed into a corner draws what fits (down to its title) and never a line
    longer or shorter than itself."""
    width, height = size

    async def main() -> None:
        session = Session(circles())
        session.next()
        app = BoundaryApp(session)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            lines = text_of(screen_lines(app.pane))
            assert all(len(line) == width for line in lines)
            assert lines[0].startswith("decision boundary"[:width])
            if height - 2 >= MIN_PLANE[1] and width >= MIN_PLANE[0] + 6:
                assert HALF_BLOCK in "".join(lines[1:])
            else:
                assert not "".join(lines[1:]).strip()

    asyncio.run(main())


@in_event_loop
async def test_the_header_drops_the_least_important_first() -> None:
    session = Session(circles())
    session.next()  # sample 0's first step: highlighted
    app = BoundaryApp(session)
    async with app.run_test(size=(46, 12)) as pilot:
        await pilot.pause()
        header = text_of(screen_lines(app.pane))[0]
        assert header.rstrip() == f"decision boundary  ■ 0 ■ 1  {SAMPLE_MARK} sample 0"
    app = BoundaryApp(session)
    async with app.run_test(size=(120, 12)) as pilot:
        await pilot.pause()
        header = text_of(screen_lines(app.pane))[0]
        assert header.rstrip() == (
            f"decision boundary  ■ 0 ■ 1  {TRAINING_MARK} training  {TEST_MARK} test  "
            f"{SAMPLE_MARK} sample 0"
        )


@pytest.mark.parametrize("theme", [DARK_THEME.name, LIGHT_THEME.name])
def test_tones_blend_from_the_panes_own_background(theme: str) -> None:
    """p = ½ everywhere shows as the pane's background itself, in either theme; p ≈ 1
    everywhere as class 1's colour REGION_STRENGTH of the way from it."""

    async def colours(bias: float) -> tuple[set[tuple[object, object]], Color]:
        network = one_layer("sigmoid", [[0.0, 0.0]], [bias])
        app = BoundaryApp(Session(network), theme=theme)
        async with app.run_test(size=(40, 12)) as pilot:
            await pilot.pause()
            background = app.pane.rich_style.bgcolor
            assert background is not None
            seen = {
                (segment.style.color, segment.style.bgcolor)
                for line in screen_lines(app.pane)[1:-1]
                for segment in line
                if segment.text.startswith(HALF_BLOCK)
            }
            return seen, background

    async def main() -> None:
        undecided, background = await colours(0.0)
        assert undecided == {(background, background)}
        sure, background = await colours(30.0)
        paper = background.get_truecolor()
        shade = Color.from_rgb(
            *blend((paper.red, paper.green, paper.blue), CLASS_COLOURS[1], REGION_STRENGTH)
        )
        assert sure == {(shade, shade)}

    asyncio.run(main())


def test_an_answer_without_a_trace_draws_its_own_network() -> None:
    """An answer made from a trained network alone (no trace, as a live run may hand over)
    shows that network; the opening's (a spec, before NumPy) shows none."""
    network = trained_circles(20)
    known = replace(Session(network).view(), trace=None)
    assert shown_network(known) is network
    assert shown_network(known_at(Opening(xor_spec()))) is None


def test_the_widget_module_loads_no_numpy() -> None:
    """The app imports its panes before its first frame, which is drawn without NumPy."""
    import subprocess
    import sys

    script = "import sys, nntui.app.boundary; print('numpy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
