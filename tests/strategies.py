"""Hypothesis strategies for random, valid networks (SPEC §1), reusable by every test module.

    from tests.strategies import networks
    @given(networks())
    def test_something(net): ...

Every network drawn obeys the file rules: bce has a sigmoid output layer and targets in [0, 1],
cross_entropy a softmax output layer and targets that form a distribution.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from hypothesis import strategies as st

from nntui.engine.network import LOSSES, REDUCTIONS, Layer, Network
from nntui.engine.ops.activations import ACTIVATIONS as ACTIVATION_RECORDS

#: Every registered activation: a new record is drawn by every property test without a change here.
ACTIVATIONS: tuple[str, ...] = tuple(ACTIVATION_RECORDS)

#: The output activation each loss requires (None: any activation).
OUTPUT_ACTIVATION: dict[str, str | None] = {
    "half_sse": None,
    "sse": None,
    "mse": None,
    "bce": "sigmoid",
    "cross_entropy": "softmax",
}


def finite_floats(bound: float) -> st.SearchStrategy[float]:
    """Finite float64 in [−bound, bound], no subnormals."""
    return st.floats(
        min_value=-bound,
        max_value=bound,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    )


@st.composite
def matrices(draw: st.DrawFn, rows: int, cols: int, bound: float) -> np.ndarray:
    """A (rows, cols) float64 array with entries in [−bound, bound]."""
    values = draw(st.lists(finite_floats(bound), min_size=rows * cols, max_size=rows * cols))
    return np.array(values, dtype=np.float64).reshape(rows, cols)


@st.composite
def distributions(draw: st.DrawFn, size: int) -> np.ndarray:
    """A probability vector of length `size`: one-hot or a normalised random one."""
    if draw(st.booleans()):
        out = np.zeros(size)
        out[draw(st.integers(0, size - 1))] = 1.0
        return out
    weights = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=size, max_size=size)))
    total = float(np.sum(weights))
    if total < 1e-3:
        out = np.zeros(size)
        out[0] = 1.0
        return out
    return weights / total


@st.composite
def targets_for(draw: st.DrawFn, loss: str, n_samples: int, size: int, bound: float) -> np.ndarray:
    """Targets (n_samples, size) that fit `loss`."""
    if loss == "cross_entropy":
        return np.stack([draw(distributions(size)) for _ in range(n_samples)])
    if loss == "bce":
        unit = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))
        values = draw(st.lists(unit, min_size=n_samples * size, max_size=n_samples * size))
        return np.array(values, dtype=np.float64).reshape(n_samples, size)
    return draw(matrices(n_samples, size, bound))


@st.composite
def networks(
    draw: st.DrawFn,
    *,
    min_layers: int = 1,
    max_layers: int = 4,
    max_width: int = 4,
    min_samples: int = 1,
    max_samples: int = 4,
    losses: tuple[str, ...] = LOSSES,
    activations: tuple[str, ...] = ACTIVATIONS,
    weight_bound: float = 2.0,
    input_bound: float = 2.0,
    target_bound: float = 2.0,
    max_learning_rate: float = 1.0,
) -> Network:
    """A random valid network: 1–4 layers of width 1–4, any activation, any loss that fits
    its output layer, either reduction, 1–4 samples, weights and inputs in ±bounds."""
    loss = draw(st.sampled_from(losses))
    n_layers = draw(st.integers(min_layers, max_layers))
    widths = draw(st.lists(st.integers(1, max_width), min_size=n_layers + 1, max_size=n_layers + 1))
    acts = [draw(st.sampled_from(activations)) for _ in range(n_layers)]
    required = OUTPUT_ACTIVATION[loss]
    if required is not None:
        acts[-1] = required
    layers = tuple(
        Layer(
            acts[i],
            draw(matrices(widths[i + 1], widths[i], weight_bound)),
            draw(matrices(1, widths[i + 1], weight_bound))[0],
        )
        for i in range(n_layers)
    )
    n_samples = draw(st.integers(min_samples, max_samples))
    inputs = draw(matrices(n_samples, widths[0], input_bound))
    targets = draw(targets_for(loss, n_samples, widths[-1], target_bound))
    return Network(
        layers=layers,
        inputs=inputs,
        targets=targets,
        loss=loss,
        learning_rate=draw(st.one_of(st.just(0.0), st.floats(0.0, max_learning_rate))),
        reduction=draw(st.sampled_from(REDUCTIONS)),
        update_biases=draw(st.booleans()),
    )


def parameter_values(net: Network) -> np.ndarray:
    """Every parameter in `net.params()` order, as one flat vector."""
    return np.array([net.value_of(p) for p in net.params()], dtype=np.float64)


def with_parameter_values(net: Network, values: np.ndarray) -> Network:
    """`net` with its parameters replaced by `values` (in `net.params()` order)."""
    weights = [np.array(layer.weights, copy=True) for layer in net.layers]
    biases = [np.array(layer.biases, copy=True) for layer in net.layers]
    for p, v in zip(net.params(), values, strict=True):
        if p.kind == "weight":
            weights[p.layer][p.neuron, p.input] = v
        else:
            biases[p.layer][p.neuron] = v
    return net.with_parameters(weights, biases)


@contextmanager
def strict_numpy() -> Iterator[None]:
    """Warnings are errors and NumPy raises on overflow, invalid values and division by zero.
    Underflow to 0 stays quiet: it is what a saturated exp is meant to do."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield
