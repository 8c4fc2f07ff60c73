"""The loss history plot: any mix of finite, infinite and NaN losses of any magnitude draws
(issue 9.1), long runs go on a log scale with labelled axes (issue 8.8), a network whose
very first loss is not finite can be trained (`t`) without the app falling over, and with a
test set the test loss is drawn beside the training loss, with the accuracy (issue 13.4)."""

from __future__ import annotations

import asyncio
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntui.app.app import NntuiApp
from nntui.app.loss_history import (
    LOG_DECADES,
    NOT_FINITE,
    TEST_MARK,
    LossHistory,
    bar_rows,
    mark_rows,
    scale_of,
)
from nntui.app.screens import TrainProgress
from nntui.engine.evaluation import Scores
from nntui.engine.network import Layer, Network
from nntui.engine.numbers import fmt_result
from nntui.engine.presets import PRESETS
from nntui.session import Session
from nntui.view_state import known_at

BARS = set(" ▁▂▃▄▅▆▇█")

any_float = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
extreme = st.sampled_from(
    [0.0, -0.0, 1e-300, 5e-324, 1e300, 1.7976931348623157e308, -1e300, -1.0, math.inf,
     -math.inf, math.nan, 0.138, 0.1346]
)  # fmt: skip
losses = st.lists(st.one_of(any_float, extreme), min_size=1, max_size=300)


def column_heights(rows: list[str]) -> list[int]:
    """How many eighths of a cell each column's bar is filled, bottom to top (× is -1)."""
    heights = []
    for k in range(len(rows[0])):
        column = [row[k] for row in rows]
        if NOT_FINITE in column:
            heights.append(-1)
            continue
        heights.append(sum(" ▁▂▃▄▅▆▇█".index(cell) for cell in column))
    return heights


@settings(max_examples=400, deadline=None)
@given(values=losses, width=st.integers(1, 200), height=st.integers(1, 30))
def test_any_losses_draw_as_a_plot_of_the_size_asked(
    values: list[float], width: int, height: int
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warning either
        rows = bar_rows(values, width, height)
    assert len(rows) == height
    columns = len(rows[0])
    assert 1 <= columns <= width
    assert all(len(row) == columns for row in rows)
    assert set("".join(rows)) <= BARS | {NOT_FINITE}
    # A non-finite value anywhere in the history shows (each point belongs to one column),
    # and × only ever stands for one.
    odd = [v for v in values if not math.isfinite(v)]
    assert (NOT_FINITE in "".join(rows)) == bool(odd)
    for k in range(columns):
        column = [row[k] for row in rows]
        if NOT_FINITE in column:
            assert set(column) == {NOT_FINITE}  # the whole column, not a bar with a × in it
        else:
            assert column[-1] != " "  # every finite value gets at least a sliver


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.floats(0, 1e300, allow_subnormal=True), min_size=1, max_size=50),
    height=st.integers(1, 20),
)
def test_a_bigger_loss_never_gets_a_lower_bar(values: list[float], height: int) -> None:
    """Every point has its own columns (the plot is wide enough): bars keep the values' order,
    on a linear scale and on a log scale alike, and the largest value fills the plot."""
    rows = bar_rows(values, 4 * len(values), height)
    repeat = len(rows[0]) // len(values)
    heights = column_heights(rows)[::repeat]
    for a, ha in zip(values, heights, strict=True):
        for b, hb in zip(values, heights, strict=True):
            if a < b:
                assert ha <= hb, (a, b, ha, hb)
    if max(values) > 0:
        assert max(heights) == 8 * height


def test_a_log_scale_when_the_positive_losses_span_more_than_two_decades() -> None:
    assert LOG_DECADES == 2
    assert scale_of([0.138, 0.00138]).log is False  # exactly two decades
    assert scale_of([0.138, 0.001]).log is True
    assert scale_of([0.138, 0.001]).top == 0.138
    assert scale_of([0.138, 0.001]).bottom == 0.001
    assert scale_of([1e300, 1e-300, 0.0, -1.0, math.nan]).log is True  # zero, − and nan aside
    linear = scale_of([0.5, 0.1, math.inf])
    assert (linear.top, linear.bottom, linear.log) == (0.5, 0.0, False)
    assert scale_of([math.nan, math.inf]) == scale_of([])
    assert scale_of([]).top is None


def test_a_long_falling_run_is_readable_on_the_log_scale() -> None:
    """On a linear scale 3,000 iterations from 0.138 to 0.001 are one tall bar and a flat line:
    at most the first few columns stand above the bottom row. On the log scale the fall shows
    in every part of the plot."""
    values = [0.138 * 0.998**k for k in range(3001)]
    assert scale_of(values).log
    rows = bar_rows(values, 36, 7)
    heights = column_heights(rows)
    assert heights == sorted(heights, reverse=True)  # it falls ...
    assert len(set(heights)) >= 20  # ... step by step, not one bar and a flat line
    assert heights[0] == 56 and heights[-1] == 1


def history(values: list[float], width: int = 41, height: int = 11, precision: int = 3) -> str:
    session = SimpleNamespace(
        loss_history=tuple(values), precision=precision, test_history=(), scores=None
    )
    return LossHistory(session).describe(width, height).plain  # type: ignore[arg-type]


def test_the_axes_are_labelled() -> None:
    values = [0.138 * 0.998**k for k in range(3001)]
    assert history(values, width=36).split("\n")[0] == "loss history · 3,000 iterations · log"
    lines = history(values, width=46).split("\n")
    assert lines[0] == "loss history · 3,000 iterations · log scale"
    plot = lines[1:8]  # 11 rows: the header, 7 of plot, the x axis, the numbers, one spare
    label_width = plot[0].index("█") - 1
    assert plot[0][:label_width].strip() == "0.138"
    assert plot[3][:label_width].strip() == "log"
    # The bottom is the last loss, written short enough to be read (not 0.000).
    bottom = float(plot[-1].split()[0].replace("−", "-"))
    assert bottom == pytest.approx(0.138 * 0.998**3000, rel=0.01)
    axis = lines[8]
    assert axis.split() == ["0", "iteration", "3,000"]
    # The first and last iteration sit under the first and last column of the plot.
    assert axis.index("0") == plot[-1].index("█")
    assert axis.rstrip().endswith("3,000") and len(axis.rstrip()) == len(plot[-1].rstrip())
    assert lines[9].startswith("0.138 → … →")


def test_a_linear_history_starts_its_axis_at_zero() -> None:
    lines = history([0.138, 0.135, 0.131]).split("\n")
    assert lines[0] == "loss history · 2 iterations"
    assert lines[1].startswith("0.138 ")
    assert lines[7].startswith("    0 ")
    assert "log" not in "".join(lines[:8])
    assert lines[8].split() == ["0", "2"]
    assert lines[9] == "0.138 → 0.135 → 0.131"


@pytest.mark.parametrize(
    ("values", "numbers"),
    [
        ([math.inf], "inf"),
        ([math.nan], "nan"),
        ([0.5, 0.7, math.inf], "0.500 → 0.700 → inf"),
        ([1e-300, 1e300, -math.inf, math.nan], None),
    ],
)
def test_non_finite_losses_are_marked_and_written(values: list[float], numbers: str | None) -> None:
    text = history(values)
    lines = text.split("\n")
    assert NOT_FINITE * 4 in lines[1]  # a short history: 4 columns a point
    expected = numbers or " → ".join(fmt_result(v, 3) for v in values)
    assert lines[-1] == expected
    assert expected.endswith(("inf", "nan"))


def one_layer(weights: list[float], x: list[float]) -> Network:
    """One linear layer, one sample with target 3: big inputs make the first loss not finite."""
    return Network(
        layers=(Layer("linear", [weights], [0.0]),),
        inputs=[x],
        targets=[[3.0]],
        loss="half_sse",
        learning_rate=0.1,
        name="not finite from the start",
    )


@pytest.mark.parametrize(
    ("weights", "first"),
    [([1e200, 1e200], "inf"), ([1e200, -1e200], "nan")],
    ids=["inf", "nan"],
)
def test_training_a_network_whose_first_loss_is_not_finite(
    weights: list[float], first: str
) -> None:
    """Issue 9.1: `t`, enter on such a network ended in `cannot convert float NaN to integer`
    from this plot, exit 1. Now training stops at once with its message, and the plot shows
    the one loss it has, as × and as the number."""
    app = NntuiApp(one_layer(weights, [1e200, 1e200]))

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("t", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.is_running and app._exception is None
            assert not any(isinstance(s, TrainProgress) for s in app.screen_stack)
            assert len(app.screen_stack) == 1
            (loss,) = app.session.loss_history
            assert f"{loss}" == first
            text = app.query_one(LossHistory).describe(41, 11).plain
            assert NOT_FINITE in text
            assert text.rstrip().endswith(first)
            await pilot.press("space")  # still stepping
            assert app.session.cursor == 0

    asyncio.run(main())
    assert app.return_code is None


# -- a test set: the test loss beside the training loss, and the accuracy ------------------------


def reference_bce(net: Network, inputs: np.ndarray, targets: np.ndarray) -> float:
    """SPEC §1 by hand: the forward pass through every layer, then the mean binary
    cross-entropy of the one output (the circles preset's loss)."""
    activations = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    values = inputs
    for layer in net.layers:
        values = activations[layer.activation](values @ layer.weights.T + layer.biases)
    out, y = values[:, 0], targets[:, 0]
    return float(np.mean(-(y * np.log(out) + (1 - y) * np.log(1 - out))))


def test_circles_test_loss_is_the_held_out_samples_loss() -> None:
    """Before an iteration is complete the history's last point is the start's: its test loss
    beside it. Once complete, the updated network's test loss joins it."""
    session = Session(PRESETS["circles"].build())
    assert session.view().test_history == ()  # no history yet
    session.finish()
    known = session.view()
    trace = session.trace
    assert len(known.loss_history) == 2
    before, after = known.test_history
    for net, value in ((trace.network, before), (trace.network_after, after)):
        assert value == pytest.approx(
            reference_bce(net, net.test_inputs, net.test_targets), rel=1e-12
        )
    assert before != after
    scores = known.scores
    assert scores is not None and scores.test_loss == after
    predicted = np.asarray(trace.forward_after.output)[:, 0] >= 0.5
    assert scores.accuracy == np.mean(predicted == (trace.network.targets[:, 0] >= 0.5))


def test_without_a_test_set_there_is_no_test_history() -> None:
    session = Session(PRESETS["xor-adam"].build())
    session.finish()
    known = session.view()
    assert known.test_history == () and known.scores is None
    assert len(known.loss_history) == 2


def test_a_recorded_test_history_is_the_sessions() -> None:
    """A session that records the test loss per iteration (`test_loss_history`) is believed."""
    session = Session(PRESETS["circles"].build())
    session.finish()
    session.next()
    session.apply_training(*_trained(session.training_start, 5))
    recorded = session.test_loss_history
    assert len(recorded) == len(session.loss_history) == 7
    assert None in recorded  # the points inside the run: not computed
    assert known_at(session).test_history == recorded


def _trained(network, steps: int):
    from nntui.engine.training import train

    result = train(network, steps)
    return result.network, result.loss_history, result.steps_done


def test_marks_follow_the_bars_columns() -> None:
    train = [1.0, 0.8, 0.6, 0.4]
    test = [1.0, None, 0.9, 0.8]
    scale = scale_of([*train, 1.0, 0.9, 0.8])
    bars = bar_rows(train, 16, 4, scale)
    marks = mark_rows(test, 16, 4, scale)
    assert [len(row) for row in marks] == [len(row) for row in bars]
    columns = ["".join(row[k] for row in marks) for k in range(16)]
    assert all(column.count(TEST_MARK) == 1 for k, column in enumerate(columns) if k // 4 != 1)
    assert all(column.strip() == "" for column in columns[4:8])  # None: nothing recorded
    # The same value as the training loss marks the top row of its bar.
    assert columns[0].index(TEST_MARK) == 0 and bars[0][0] == "█"
    # A test loss above the training loss stands above its bar.
    bar_top = min(row for row in range(4) if bars[row][12] != " ")
    assert columns[12].index(TEST_MARK) <= bar_top


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), any_float), min_size=1, max_size=300),
    width=st.integers(1, 200),
    height=st.integers(1, 30),
)
def test_any_test_history_marks_a_plot_of_the_size_asked(
    values: list[float | None], width: int, height: int
) -> None:
    train = [1.0] * len(values)
    scale = scale_of([*train, *(v for v in values if v is not None)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        marks = mark_rows(values, width, height, scale)
        bars = bar_rows(train, width, height, scale)
    assert [len(row) for row in marks] == [len(row) for row in bars]
    assert set("".join(marks)) <= {" ", TEST_MARK}
    for k in range(len(marks[0])):
        assert sum(row[k] == TEST_MARK for row in marks) <= 1
    if all(v is not None and math.isfinite(v) for v in values):
        assert all(any(row[k] == TEST_MARK for row in marks) for k in range(len(marks[0])))


def described(train: list[float], test: list[float | None], scores: Scores | None) -> str:
    known = SimpleNamespace(
        loss_history=tuple(train), precision=3, test_history=tuple(test), scores=scores
    )
    return LossHistory(known).describe(41, 11).plain  # type: ignore[arg-type]


def test_the_test_curve_has_a_legend_and_the_accuracy() -> None:
    scores = Scores(loss=0.4, accuracy=0.975, test_loss=0.55, test_accuracy=0.95)
    lines = described([0.7, 0.6, 0.5, 0.4], [0.7, 0.65, 0.6, 0.55], scores).split("\n")
    assert lines[0] == "loss history · 3 iterations"
    assert lines[1] == "█ training 0.400 · ● test 0.550"
    plot = lines[2:8]  # 11 rows: header, legend, 6 of plot, x axis, accuracy, one spare
    assert sum(row.count(TEST_MARK) for row in plot) == 16  # a mark in every column
    assert lines[8].split() == ["0", "iteration", "3"]
    assert lines[9] == "accuracy: training 97.5% · test 95.0%"


def test_a_regression_with_a_test_set_keeps_the_numbers_line() -> None:
    scores = Scores(loss=0.4, accuracy=None, test_loss=0.5, test_accuracy=None)
    lines = described([0.7, 0.4], [None, 0.5], scores).split("\n")
    assert lines[1] == "█ training 0.400 · ● test 0.500"
    assert lines[9] == "0.700 → 0.400"


def test_the_test_curve_shares_the_log_scale() -> None:
    """The test loss is on the plot's axis: a test loss 1000 times the training loss makes
    the scale logarithmic, and tops it."""
    lines = described([0.01, 0.001], [1.0, 1.0], None).split("\n")
    assert lines[0].endswith("log scale")
    assert lines[2].split()[0] == "1" and TEST_MARK in lines[2]


def test_circles_on_screen_shows_both_curves_after_stepping() -> None:
    app = NntuiApp(PRESETS["circles"].build(), source="circles")

    async def main() -> str:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            for _ in range(2):
                app.session.finish()
                app.session.next()
            app.session.finish()
            app.refresh_views()
            await pilot.pause()
            return app.query_one(LossHistory).describe(50, 11).plain

    text = asyncio.run(main())
    assert "● test" in text and "accuracy: training" in text
    assert TEST_MARK in "".join(text.split("\n")[2:8])
