"""How numbers are written (nntui.engine.numbers): one rounding rule for every number of a
line at every precision, never a −0, and long arrays shortened to what matters (issue 8,
items 5 and 6)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntui.engine.network import Layer, Network
from nntui.engine.numbers import (
    MAX_PRECISION,
    MIN_PRECISION,
    fmt_operand,
    fmt_result,
    fmt_value,
)
from nntui.engine.presets import PRESETS
from nntui.engine.trace import GRANULARITIES, build_trace

#: A printed zero with a minus sign: −0, −0.0, −0.000 (but not −0.0004).
NEGATIVE_ZERO = re.compile(r"[−-]0(?:\.0*)?(?![0-9.])")
PRECISIONS = st.integers(MIN_PRECISION, MAX_PRECISION)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)
SMALL = st.floats(min_value=-1e-3, max_value=1e-3, allow_nan=False)


def read(text: str) -> float:
    return float(text.replace("−", "-"))


# -- scalars --------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.one_of(FLOATS, SMALL), PRECISIONS)
def test_no_negative_zero_and_nothing_non_zero_reads_as_zero(value: float, precision: int) -> None:
    for text in (fmt_result(value, precision), fmt_operand(value, precision)):
        assert not NEGATIVE_ZERO.search(text), (value, precision, text)
        assert "-" not in text.replace("e-", ""), text  # the typographic minus
        if value != 0:
            assert read(text) != 0, (value, precision, text)
        else:
            assert read(text) == 0


@settings(max_examples=300, deadline=None)
@given(st.one_of(FLOATS, SMALL), PRECISIONS)
def test_every_number_keeps_its_first_significant_digit(value: float, precision: int) -> None:
    """Rounded to `precision` decimals, or to one significant digit when that would give 0; the
    result writes all its decimals then, the operand drops trailing zeros; both read the same."""
    if abs(value) >= 1e12:
        return
    result, operand = fmt_result(value, precision), fmt_operand(value, precision)
    assert read(result) == read(operand)
    if value == 0 or abs(value) >= 10.0**-precision:
        assert read(result) == float(f"{value:.{precision}f}")
        assert len(result.partition(".")[2]) == precision, result
        assert not operand.endswith("0") or "." not in operand, operand
    else:
        assert read(result) == float(f"{value:.1g}")
        assert math.isclose(read(result), value, rel_tol=0.5)


@pytest.mark.parametrize(
    ("value", "precision", "result", "operand"),
    [
        (0.29, 3, "0.290", "0.29"),
        (0.29, 0, "0.3", "0.3"),  # not "0": it is not zero
        (-0.1, 0, "−0.1", "−0.1"),  # the worked example's bias b00, never "−0"
        (-1.2, 0, "−1", "−1"),
        (0.9, 0, "0.9", "0.9"),  # like 0.2: every number below 1 keeps one digit
        (1.5, 0, "2", "2"),
        (-0.00037, 3, "−0.0004", "−0.0004"),
        (0.00004, 3, "4e−5", "4e−5"),
        (-0.0, 3, "0.000", "0"),
        (0.0, 0, "0", "0"),
        (0.0825828, 3, "0.083", "0.083"),
        (-0.144, 8, "−0.14400000", "−0.144"),
    ],
)
def test_examples(value: float, precision: int, result: str, operand: str) -> None:
    assert fmt_result(value, precision) == result
    assert fmt_operand(value, precision) == operand


def test_the_worked_example_at_every_precision() -> None:
    """The document's numbers at 3 decimals; at 0 decimals no −0 and no 0 for 0.29 or −0.1."""
    trace = build_trace(PRESETS["worked-example"].build())
    first = trace.steps[0]
    assert first.text(3) == "h_pre0 = 0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1) = 0.290"
    assert first.text(0) == "h_pre0 = 0.2·0.9 + (−1)·0.2 + 0.9·0.5 + (−0.1) = 0.3"
    assert first.reason(0) == (
        "h_pre0 adds up its weighted inputs (here 0.4) and its bias b00 (−0.1)."
    )
    for precision in range(MIN_PRECISION, MAX_PRECISION + 1):
        for step in trace.steps:
            text = f"{step.text(precision)} {step.reason(precision)}"
            assert not NEGATIVE_ZERO.search(text), (precision, text)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.one_of(FLOATS, SMALL), min_size=2, max_size=6),
    st.sampled_from(GRANULARITIES),
)
def test_no_negative_zero_in_any_step_text(weights: list[float], granularity: str) -> None:
    """A network made of arbitrary numbers (tiny, negative, huge): no step text, result or
    sentence at any precision shows a −0."""
    size = len(weights) // 2
    w = np.clip(np.array(weights[: 2 * size]).reshape(2, size), -1e6, 1e6)
    net = Network(
        layers=(Layer("tanh", w, np.zeros(2)), Layer("linear", [[0.5, -1e-7]], [-1e-9])),
        inputs=[np.linspace(-1e-5, 1e-5, size)],
        targets=[[-1e-6]],
        loss="half_sse",
        learning_rate=0.1,
    )
    with np.errstate(all="ignore"):
        trace = build_trace(net, granularity)  # type: ignore[arg-type]
    for precision in range(MIN_PRECISION, MAX_PRECISION + 1):
        for step in trace.steps:
            text = f"{step.text(precision)} {step.reason(precision)}"
            assert not NEGATIVE_ZERO.search(text), (precision, text)


# -- arrays ---------------------------------------------------------------------------------------


def test_a_short_array_is_written_out() -> None:
    assert fmt_value([0.5, -0.25, 0.0, 1.0, 2.0], 3) == "[0.500, −0.250, 0.000, 1.000, 2.000]"
    assert (
        fmt_value(np.array([[0.2, -1.2], [0.0, 0.5]]), 1, short=True) == "[[0.2, −1.2], [0, 0.5]]"
    )


def test_a_long_vector_shows_its_largest_entries_and_how_many_are_non_zero() -> None:
    hidden = np.zeros(32)
    hidden[[3, 9, 17, 20]] = [0.877, 0.512, 1.204, -0.1]
    assert fmt_value(hidden, 3, label="h{0}") == (
        "[h17 = 1.204, h3 = 0.877, h9 = 0.512, … 4 of 32 non-zero]"
    )
    assert fmt_value(hidden, 3) == "[#17 = 1.204, #3 = 0.877, #9 = 0.512, … 4 of 32 non-zero]"
    assert fmt_value(np.eye(10)[3], 3, short=True, label="y{0}") == "[y3 = 1, … 1 of 10 non-zero]"
    assert fmt_value(np.zeros(784), 3, label="x{0}") == "[784 zeros]"
    dense = np.arange(1.0, 9.0)
    assert fmt_value(dense, 0, short=True, label="x{0}") == "[x7 = 8, x6 = 7, x5 = 6, … 5 more]"


def test_a_long_matrix_names_its_entries_by_row_and_column() -> None:
    weights = np.full((32, 784), 0.01)
    weights[5, 402], weights[17, 3] = -2.0, 1.5
    text = fmt_value(weights, 2, label="w0_{0}_{1}")
    assert text == "[w0_5_402 = −2.00, w0_17_3 = 1.50, w0_0_0 = 0.01, … 25,085 more]"


def test_a_nan_is_shown_first() -> None:
    values = [1.0] * 7 + [math.nan]
    assert fmt_value(values, 1).startswith("[#7 = nan, ")


def test_tuples_and_arrays_read_alike() -> None:
    """The first frame formats the network file's tuples before NumPy exists."""
    rng = np.random.default_rng(3)
    for shape in ((7,), (2, 9), (3, 3)):
        array = rng.normal(size=shape)
        as_tuples = tuple(map(tuple, array)) if array.ndim == 2 else tuple(array)
        for precision in (0, 3):
            assert fmt_value(as_tuples, precision, label=None) == fmt_value(array, precision)


def test_mnist_shows_the_active_units_not_the_first_three() -> None:
    """Sample 0's hidden layer: the largest activations by name and how many are active,
    not `[0.000, 0.000, 0.000, …, 0.000]`."""
    net = PRESETS["mnist-784"].build()
    trace = build_trace(net, "layer")
    relu = next(step for step in trace.steps if step.kind == "post" and step.layer == 0)
    hidden = trace.forward.post[0][0]
    active = int(np.count_nonzero(hidden))
    top = np.argsort(-hidden, kind="stable")[:3]
    expected = ", ".join(f"h{neuron} = {hidden[neuron]:.3f}" for neuron in top)
    assert relu.result(3) == f"[{expected}, … {active} of 32 non-zero]"
    assert 0 < active < 32
    pre = next(step for step in trace.steps if step.kind == "pre").substituted(3)
    assert f"{np.count_nonzero(net.inputs[0])} of 784 non-zero" in pre
