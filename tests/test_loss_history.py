"""The loss history plot: any mix of finite, infinite and NaN losses of any magnitude draws
(issue 9.1), long runs go on a log scale with labelled axes (issue 8.8), and a network whose
very first loss is not finite can be trained (`t`) without the app falling over."""

from __future__ import annotations

import asyncio
import math
import warnings
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntui.app.app import NntuiApp
from nntui.app.loss_history import LOG_DECADES, NOT_FINITE, LossHistory, bar_rows, scale_of
from nntui.app.screens import TrainProgress
from nntui.engine.network import Layer, Network
from nntui.engine.numbers import fmt_result

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
