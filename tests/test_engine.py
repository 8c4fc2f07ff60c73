"""The engine's arithmetic (SPEC §1): activations, losses, backprop against finite differences,
the SGD step, the reduction over samples, and staying finite for pre-activations of ±1e4."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from strategies import (
    ACTIVATIONS,
    OUTPUT_ACTIVATION,
    networks,
    parameter_values,
    strict_numpy,
    with_parameter_values,
)

from nntui.engine.compute import backward, forward, reduce_factor, sgd_step
from nntui.engine.functions import (
    LEAKY_SLOPE,
    activate,
    derivative,
    loss_gradient,
    loss_per_sample,
    output_delta,
    sigmoid,
    softmax,
    softmax_backward,
)
from nntui.engine.loader import LOSS_OUTPUT as LOADER_LOSS_OUTPUT
from nntui.engine.network import LOSSES, Layer, Network
from nntui.engine.ops.activations import ACTIVATIONS as ACTIVATION_RECORDS
from nntui.engine.ops.losses import LOSSES as LOSS_RECORDS
from nntui.engine.spec import ACTIVATIONS as FILE_ACTIVATIONS
from nntui.engine.spec import LOSSES as FILE_LOSSES

ELEMENTWISE = [name for name, record in ACTIVATION_RECORDS.items() if record.elementwise]

# Gradient checks: relative tolerance, and an absolute floor proportional to the size of the
# numbers in the computation (the round-off of a difference quotient scales with it).
RTOL = 1e-6
ATOL_PER_SCALE = 1e-9
# Relative finite-difference step. With Richardson extrapolation the truncation error is
# O(h⁴) (negligible at 1e-4) and the round-off about 1e-16·scale/h ≈ 1e-12·scale, three
# orders of magnitude inside the absolute floor.
REL_STEP = 1e-4

PROPERTY = settings(max_examples=100, deadline=None)
FD_PROPERTY = settings(max_examples=200, deadline=None)


def flat_gradient(weights: tuple[np.ndarray, ...], biases: tuple[np.ndarray, ...]) -> np.ndarray:
    """Gradients in `Network.params()` order: each layer's weights row by row, then its biases."""
    pairs = zip(weights, biases, strict=True)
    return np.concatenate([np.concatenate([w.ravel(), b.ravel()]) for w, b in pairs])


def kink_pattern(net: Network, fwd) -> tuple[bytes, ...]:
    """Which pre-activations of an activation with a corner at 0 (relu, leaky_relu, elu: its
    record is not `smooth`) are positive: where the loss is smooth, this does not change."""
    return tuple(
        (z > 0).tobytes()
        for z, layer in zip(fwd.pre, net.layers, strict=True)
        if not ACTIVATION_RECORDS[layer.activation].smooth
    )


def magnitude(fwd) -> float:
    """The size of the numbers the loss is computed from (the scale of its round-off)."""
    return max(
        1.0,
        abs(fwd.loss),
        float(np.max(np.abs(fwd.losses))),
        *(float(np.max(np.abs(z))) for z in fwd.pre),
    )


def finite_differences(net: Network) -> Iterator[tuple[int, np.ndarray, float, float]]:
    """For each parameter k away from a relu kink: (k, d losses/dθ_k, d loss/dθ_k, scale).

    Richardson-extrapolated central differences; a parameter whose ±h moves any pre-activation
    of a relu, leaky_relu or elu across 0 is skipped (the loss has a kink there)."""
    theta = parameter_values(net)
    fwd = forward(net)
    pattern = kink_pattern(net, fwd)
    for k in range(theta.size):
        h = REL_STEP * max(1.0, abs(theta[k]))
        at: dict[int, object] = {}
        for m in (-2, -1, 1, 2):
            moved = theta.copy()
            moved[k] += m * h / 2
            at[m] = forward(with_parameter_values(net, moved))
        if any(kink_pattern(net, f) != pattern for f in at.values()):
            continue
        scale = max(magnitude(fwd), *(magnitude(f) for f in at.values()))
        per_sample = (
            4 * (at[1].losses - at[-1].losses) / h - (at[2].losses - at[-2].losses) / (2 * h)
        ) / 3
        batch = (4 * (at[1].loss - at[-1].loss) / h - (at[2].loss - at[-2].loss) / (2 * h)) / 3
        yield k, per_sample, batch, scale


def assert_close_gradient(fd: float, g: float, scale: float, what: str) -> None:
    tolerance = RTOL * max(abs(fd), abs(g)) + ATOL_PER_SCALE * scale
    assert abs(fd - g) <= tolerance, f"{what}: finite difference {fd!r}, backward {g!r}"


# -- backprop against finite differences ---------------------------------------------------------


@FD_PROPERTY
@given(networks())
def test_gradients_match_finite_differences(net: Network) -> None:
    """The batch gradient and every sample's own gradient, against the difference quotients of
    the batch loss and of each sample's loss."""
    bwd = backward(net, forward(net))
    batch = flat_gradient(bwd.weights, bwd.biases)
    per_sample = [
        flat_gradient(
            tuple(w[s] for w in bwd.sample_weights), tuple(b[s] for b in bwd.sample_biases)
        )
        for s in range(net.n_samples)
    ]
    names = [p.name for p in net.params()]
    checked = 0
    for k, fd_samples, fd_batch, scale in finite_differences(net):
        assert_close_gradient(fd_batch, float(batch[k]), scale, f"∂E/∂{names[k]}")
        for s in range(net.n_samples):
            assert_close_gradient(
                float(fd_samples[s]), float(per_sample[s][k]), scale, f"∂E_{s}/∂{names[k]}"
            )
        checked += 1
    note(f"checked {checked} of {len(names)} parameters")


def test_finite_difference_check_can_fail() -> None:
    """The tolerance is strict enough to catch a gradient that is off by 1e-5 relative."""
    net = Network(
        layers=(
            Layer("tanh", [[0.3, -0.7], [0.5, 0.2]], [0.1, -0.2]),
            Layer("sigmoid", [[0.9, -0.4]], [0.05]),
        ),
        inputs=[[0.4, -1.3]],
        targets=[[1.0]],
        loss="bce",
        learning_rate=0.1,
    )
    bwd = backward(net, forward(net))
    grad = flat_gradient(bwd.weights, bwd.biases)
    checked = 0
    for k, _, fd, scale in finite_differences(net):
        assert_close_gradient(fd, float(grad[k]), scale, "exact")
        with pytest.raises(AssertionError):
            assert_close_gradient(fd, float(grad[k]) * (1 + 1e-5) + 1e-7, scale, "perturbed")
        checked += 1
    assert checked == net.n_params


@PROPERTY
@given(networks())
def test_per_sample_gradients_reduce_to_batch_gradient(net: Network) -> None:
    fwd = forward(net)
    bwd = backward(net, fwd)
    factor = 1.0 / net.n_samples if net.reduction == "mean" else 1.0
    assert reduce_factor(net) == factor
    for layer in range(len(net.layers)):
        for per_sample, batch in (
            (bwd.sample_weights[layer], bwd.weights[layer]),
            (bwd.sample_biases[layer], bwd.biases[layer]),
        ):
            assert per_sample.shape == (net.n_samples, *batch.shape)
            reduced = np.sum(per_sample, axis=0) * factor
            scale = max(1.0, float(np.max(np.abs(per_sample))))
            np.testing.assert_allclose(reduced, batch, rtol=1e-12, atol=1e-12 * scale)
    # the batch loss reduces the same way
    expected = float(np.sum(fwd.losses)) * factor
    assert math.isclose(fwd.loss, expected, rel_tol=1e-12, abs_tol=1e-300)


@settings(max_examples=40, deadline=None)
@given(networks())
def test_backward_shapes(net: Network) -> None:
    fwd = forward(net)
    bwd = backward(net, fwd)
    for i, layer in enumerate(net.layers):
        assert fwd.pre[i].shape == fwd.post[i].shape == (net.n_samples, layer.size)
        assert bwd.grad_pre[i].shape == bwd.grad_post[i].shape == (net.n_samples, layer.size)
        assert bwd.weights[i].shape == layer.weights.shape
        assert bwd.biases[i].shape == layer.biases.shape
        assert (bwd.local[i] is None) == (layer.activation == "softmax")
    assert fwd.losses.shape == (net.n_samples,)


# -- the SGD step -------------------------------------------------------------------------------


@PROPERTY
@given(networks())
def test_sgd_step_is_theta_minus_rate_times_gradient(net: Network) -> None:
    bwd = backward(net, forward(net))
    after = sgd_step(net, bwd)
    rate = net.learning_rate
    for old, new, gw, gb in zip(net.layers, after.layers, bwd.weights, bwd.biases, strict=True):
        assert new.activation == old.activation
        np.testing.assert_array_equal(new.weights, old.weights - rate * gw)
        if net.update_biases:
            np.testing.assert_array_equal(new.biases, old.biases - rate * gb)
        else:
            np.testing.assert_array_equal(new.biases, old.biases)
    # everything but the parameters is kept
    assert (after.loss, after.learning_rate, after.reduction, after.update_biases, after.name) == (
        net.loss,
        net.learning_rate,
        net.reduction,
        net.update_biases,
        net.name,
    )
    np.testing.assert_array_equal(after.inputs, net.inputs)
    np.testing.assert_array_equal(after.targets, net.targets)
    # the step does not touch the network it started from
    assert net.same_as(with_parameter_values(net, parameter_values(net)))


def test_sgd_step_with_fixed_biases_and_zero_rate() -> None:
    net = Network(
        layers=(Layer("linear", [[1.0, 2.0]], [0.5]),),
        inputs=[[1.0, 1.0]],
        targets=[[0.0]],
        loss="half_sse",
        learning_rate=0.5,
        update_biases=False,
    )
    after = sgd_step(net, backward(net, forward(net)))
    # o = 3.5, ∂E/∂o = 3.5, ∂E/∂w = 3.5·x = [3.5, 3.5]
    np.testing.assert_array_equal(after.layers[0].weights, [[1.0 - 1.75, 2.0 - 1.75]])
    np.testing.assert_array_equal(after.layers[0].biases, [0.5])
    still = Network(
        layers=net.layers,
        inputs=net.inputs,
        targets=net.targets,
        loss="half_sse",
        learning_rate=0.0,
    )
    assert sgd_step(still, backward(still, forward(still))).same_as(still)


# -- activations and losses on numbers checkable by hand -------------------------------------


def test_activation_values() -> None:
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(activate("linear", z), z)
    np.testing.assert_array_equal(activate("relu", z), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(activate("leaky_relu", z), [-0.02, 0.0, 3.0], rtol=1e-15)
    assert sigmoid(np.array(0.0)) == 0.5
    np.testing.assert_allclose(activate("sigmoid", np.array([math.log(3.0)])), [0.75])
    np.testing.assert_allclose(activate("tanh", z), np.tanh(z))
    np.testing.assert_allclose(activate("softmax", np.array([0.0, math.log(3.0)])), [0.25, 0.75])
    np.testing.assert_allclose(
        activate("softmax", np.array([[1.0, 2.0, 3.0], [101.0, 102.0, 103.0]]))[1],
        activate("softmax", np.array([1.0, 2.0, 3.0])),
    )
    with pytest.raises(ValueError):
        activate("swish", z)


def test_activation_derivatives() -> None:
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(derivative("linear", z, z), [1.0, 1.0, 1.0])
    # relu′(z) = 1 for z > 0, else 0: relu′(0) = 0 (SPEC §1)
    np.testing.assert_array_equal(derivative("relu", z, activate("relu", z)), [0.0, 0.0, 1.0])
    assert LEAKY_SLOPE == 0.01
    np.testing.assert_array_equal(
        derivative("leaky_relu", z, activate("leaky_relu", z)), [0.01, 0.01, 1.0]
    )
    assert derivative("sigmoid", np.array(0.0), np.array(0.5)) == 0.25
    assert derivative("tanh", np.array(0.0), np.array(0.0)) == 1.0
    a = np.tanh(z)
    np.testing.assert_allclose(derivative("tanh", z, a), 1.0 / np.cosh(z) ** 2, rtol=1e-12)
    with pytest.raises(ValueError):
        derivative("softmax", z, softmax(z))


@pytest.mark.parametrize("act", ELEMENTWISE)
def test_derivative_matches_difference_quotient(act: str) -> None:
    z = np.array([-3.1, -0.7, 0.4, 2.9])
    h = 1e-6
    slope = (activate(act, z + h) - activate(act, z - h)) / (2 * h)
    np.testing.assert_allclose(derivative(act, z, activate(act, z)), slope, rtol=1e-8, atol=1e-9)


def test_every_registered_activation_is_a_file_name_and_drawn_by_the_properties() -> None:
    assert FILE_ACTIVATIONS == tuple(ACTIVATION_RECORDS) == ACTIVATIONS
    assert {"elu", "softplus", "silu"} <= set(ACTIVATIONS)
    assert [name for name in ACTIVATIONS if name not in ELEMENTWISE] == ["softmax"]


def test_elu_softplus_silu_against_the_math_module() -> None:
    """The three later activations on numbers computed one at a time with `math`, an oracle
    independent of NumPy and of the records."""
    z = np.array([-30.0, -2.5, -0.3, 0.0, 0.7, 4.0, 30.0])
    oracles = {
        "elu": (
            lambda x: x if x > 0 else math.expm1(x),
            lambda x: 1.0 if x > 0 else math.exp(x),
        ),
        "softplus": (
            lambda x: math.log1p(math.exp(x)),
            lambda x: 1.0 / (1.0 + math.exp(-x)),
        ),
        "silu": (
            lambda x: x / (1.0 + math.exp(-x)),
            lambda x: (1.0 + math.exp(-x) + x * math.exp(-x)) / (1.0 + math.exp(-x)) ** 2,
        ),
    }
    for name, (value, slope) in oracles.items():
        a = activate(name, z)
        np.testing.assert_allclose(a, [value(x) for x in z], rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(
            derivative(name, z, a), [slope(x) for x in z], rtol=1e-13, atol=1e-300
        )


def test_elu_softplus_silu_at_large_pre_activations() -> None:
    z = np.array([-BIG, BIG])
    with strict_numpy():
        values = {name: activate(name, z) for name in ("elu", "softplus", "silu")}
        slopes = {name: derivative(name, z, values[name]) for name in values}
    np.testing.assert_array_equal(values["elu"], [-1.0, BIG])
    np.testing.assert_array_equal(slopes["elu"], [0.0, 1.0])
    np.testing.assert_array_equal(values["softplus"], [0.0, BIG])
    np.testing.assert_array_equal(slopes["softplus"], [0.0, 1.0])
    np.testing.assert_array_equal(values["silu"], [0.0, BIG])
    np.testing.assert_array_equal(slopes["silu"], [0.0, 1.0])


def test_every_registered_loss_is_a_file_name_with_its_output_rule() -> None:
    assert FILE_LOSSES == tuple(LOSS_RECORDS) == LOSSES
    required = {name: record.output for name, record in LOSS_RECORDS.items()}
    assert required == OUTPUT_ACTIVATION  # the tests' own table, written independently
    assert {k: v for k, v in required.items() if v is not None} == LOADER_LOSS_OUTPUT


def test_softmax_backward_is_the_jacobian() -> None:
    z = np.array([0.3, -1.2, 2.0])
    a = softmax(z)
    g = np.array([0.5, -2.0, 1.5])
    jacobian = np.diag(a) - np.outer(a, a)
    np.testing.assert_allclose(softmax_backward(g, a), jacobian.T @ g, rtol=1e-13)


def test_loss_values() -> None:
    o = np.array([[0.5, 1.0]])
    y = np.array([[0.0, 2.0]])
    # squared errors 0.25 and 1.0
    np.testing.assert_allclose(loss_per_sample("half_sse", o, o, y), [0.625])
    np.testing.assert_allclose(loss_per_sample("sse", o, o, y), [1.25])
    np.testing.assert_allclose(loss_per_sample("mse", o, o, y), [0.625])  # divided by K = 2
    np.testing.assert_allclose(loss_gradient("half_sse", o, y), [[0.5, -1.0]])
    np.testing.assert_allclose(loss_gradient("sse", o, y), [[1.0, -2.0]])
    np.testing.assert_allclose(loss_gradient("mse", o, y), [[0.5, -1.0]])
    # bce at σ(0) = 0.5 with y = 1: ln 2; ∂E/∂o = (0.5 − 1)/(0.5·0.5) = −2
    z = np.array([[0.0]])
    half = sigmoid(z)
    np.testing.assert_allclose(loss_per_sample("bce", z, half, np.array([[1.0]])), [math.log(2)])
    np.testing.assert_allclose(loss_gradient("bce", half, np.array([[1.0]])), [[-2.0]])
    # bce with a soft target: −(0.25·ln 0.75 + 0.75·ln 0.25) at o = σ(ln 3) = 0.75
    z = np.array([[math.log(3.0)]])
    expected = -(0.25 * math.log(0.75) + 0.75 * math.log(0.25))
    np.testing.assert_allclose(
        loss_per_sample("bce", z, sigmoid(z), np.array([[0.25]])), [expected], rtol=1e-14
    )
    # cross-entropy of softmax([0, ln 3]) = [0.25, 0.75] against class 1: −ln 0.75
    z = np.array([[0.0, math.log(3.0)]])
    o = softmax(z)
    y = np.array([[0.0, 1.0]])
    np.testing.assert_allclose(loss_per_sample("cross_entropy", z, o, y), [-math.log(0.75)])
    np.testing.assert_allclose(loss_gradient("cross_entropy", o, y), [[0.0, -1 / 0.75]])
    with pytest.raises(ValueError):
        loss_per_sample("hinge", o, o, y)
    with pytest.raises(ValueError):
        loss_gradient("hinge", o, y)


@PROPERTY
@given(
    st.integers(1, 4).flatmap(
        lambda k: st.tuples(
            st.lists(st.floats(-5, 5), min_size=k, max_size=k),
            st.lists(st.floats(-5, 5), min_size=k, max_size=k),
        )
    )
)
def test_squared_error_losses_are_related(pair: tuple[list[float], list[float]]) -> None:
    o, y = np.array([pair[0]]), np.array([pair[1]])
    k = o.shape[1]
    half = loss_per_sample("half_sse", o, o, y)
    sse = loss_per_sample("sse", o, o, y)
    mse = loss_per_sample("mse", o, o, y)
    np.testing.assert_allclose(sse, 2 * half, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(mse, sse / k, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(sse, [np.sum((y - o) ** 2)], rtol=1e-14, atol=1e-300)
    g_half = loss_gradient("half_sse", o, y)
    np.testing.assert_allclose(loss_gradient("sse", o, y), 2 * g_half, rtol=1e-14)
    np.testing.assert_allclose(loss_gradient("mse", o, y), 2 * g_half / k, rtol=1e-14)


@PROPERTY
@given(
    st.integers(1, 4).flatmap(
        lambda k: st.tuples(
            st.lists(st.floats(-8, 8), min_size=k, max_size=k),
            st.lists(st.floats(0, 1), min_size=k, max_size=k),
        )
    )
)
def test_fused_output_deltas_equal_the_chain_rule(pair: tuple[list[float], list[float]]) -> None:
    """Where nothing saturates, the fused bce/sigmoid and cross-entropy/softmax deltas are
    ∂E/∂o · ∂o/∂z, and the bce value from z is the SPEC formula in o."""
    z, y = np.array([pair[0]]), np.array([pair[1]])
    o = sigmoid(z)
    chain = loss_gradient("bce", o, y) * derivative("sigmoid", z, o)
    np.testing.assert_allclose(output_delta("bce", "sigmoid", z, o, y), chain, atol=1e-12)
    np.testing.assert_allclose(output_delta("bce", "sigmoid", z, o, y), o - y, atol=1e-15)
    formula = -np.sum(y * np.log(o) + (1 - y) * np.log(1 - o), axis=-1)
    np.testing.assert_allclose(loss_per_sample("bce", z, o, y), formula, rtol=1e-9)
    p = softmax(z)
    q = y / np.sum(y) if np.sum(y) > 0.01 else np.eye(z.shape[1])[:1]
    chain = softmax_backward(loss_gradient("cross_entropy", p, q), p)
    np.testing.assert_allclose(
        output_delta("cross_entropy", "softmax", z, p, q), chain, rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(
        output_delta("cross_entropy", "softmax", z, p, q), p - q, rtol=1e-9, atol=1e-12
    )
    formula = -np.sum(q * np.log(p), axis=-1)
    np.testing.assert_allclose(
        loss_per_sample("cross_entropy", z, p, q), formula, rtol=1e-9, atol=1e-12
    )


def test_reduction_mean_and_sum() -> None:
    layers = (Layer("linear", [[1.0]], [0.0]),)
    common = dict(layers=layers, inputs=[[1.0], [3.0]], targets=[[0.0], [0.0]], loss="sse")
    mean = Network(**common, learning_rate=0.1, reduction="mean")
    total = Network(**common, learning_rate=0.1, reduction="sum")
    np.testing.assert_array_equal(forward(mean).losses, [1.0, 9.0])
    assert forward(mean).loss == 5.0
    assert forward(total).loss == 10.0
    # ∂E_i/∂w = 2·o·x = 2, 18
    np.testing.assert_allclose(backward(mean, forward(mean)).weights[0], [[10.0]])
    np.testing.assert_allclose(backward(total, forward(total)).weights[0], [[20.0]])


# -- numerical stability ------------------------------------------------------------------------

BIG = 1e4
SATURATING = np.array([[BIG, -BIG], [-BIG, BIG], [BIG, BIG], [-BIG, -BIG], [0.0, BIG]])


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_activations_stay_finite_at_large_pre_activations(act: str) -> None:
    with strict_numpy():
        a = activate(act, SATURATING)
        assert np.all(np.isfinite(a))
        if act == "softmax":
            np.testing.assert_allclose(np.sum(a, axis=-1), 1.0)
            np.testing.assert_array_equal(a[0], [1.0, 0.0])
            np.testing.assert_array_equal(a[2], [0.5, 0.5])
            d = softmax_backward(np.ones_like(a), a)
        else:
            d = derivative(act, SATURATING, a)
        assert np.all(np.isfinite(d))
    if act == "sigmoid":
        np.testing.assert_array_equal(a[0], [1.0, 0.0])
        np.testing.assert_array_equal(d[0], [0.0, 0.0])
    if act == "tanh":
        np.testing.assert_array_equal(a[0], [1.0, -1.0])


def _loss_cases() -> Iterator[tuple[str, str, np.ndarray]]:
    """Every valid (loss, output activation, targets) at saturation."""
    for loss in LOSSES:
        needed = OUTPUT_ACTIVATION[loss]
        acts = ACTIVATIONS if needed is None else (needed,)
        for act in acts:
            if loss == "bce":
                targets = (np.zeros((5, 2)), np.ones((5, 2)), np.full((5, 2), 0.5))
            elif loss == "cross_entropy":
                targets = (np.tile([1.0, 0.0], (5, 1)), np.tile([0.0, 1.0], (5, 1)))
            else:
                targets = (np.zeros((5, 2)), np.full((5, 2), 0.5))
            for y in targets:
                yield loss, act, y


@pytest.mark.parametrize(("loss", "act", "y"), list(_loss_cases()))
def test_losses_stay_finite_at_saturated_outputs(loss: str, act: str, y: np.ndarray) -> None:
    with strict_numpy():
        o = activate(act, SATURATING)
        e = loss_per_sample(loss, SATURATING, o, y)
        g = loss_gradient(loss, o, y)
        d = output_delta(loss, act, SATURATING, o, y)
    for name, values in (("loss", e), ("∂E/∂o", g), ("∂E/∂z", d)):
        assert np.all(np.isfinite(values)), f"{name} of {loss} after {act}: {values}"
        assert not np.any(np.isnan(values))


def test_saturated_bce_and_cross_entropy_values() -> None:
    """Losses computed from z keep their true, large value where o rounds to 0 or 1."""
    z = np.array([[BIG], [-BIG]])
    with strict_numpy():
        o = sigmoid(z)
        np.testing.assert_allclose(
            loss_per_sample("bce", z, o, np.array([[0.0], [1.0]])), [BIG, BIG]
        )
        np.testing.assert_allclose(
            loss_per_sample("bce", z, o, np.array([[1.0], [0.0]])), [0.0, 0.0], atol=1e-300
        )
        np.testing.assert_array_equal(output_delta("bce", "sigmoid", z, o, np.zeros((2, 1))), o)
        z2 = np.array([[BIG, -BIG]])
        p = softmax(z2)
        np.testing.assert_allclose(
            loss_per_sample("cross_entropy", z2, p, np.array([[0.0, 1.0]])), [2 * BIG]
        )
        np.testing.assert_allclose(
            output_delta("cross_entropy", "softmax", z2, p, np.array([[0.0, 1.0]])), [[1.0, -1.0]]
        )


def _saturating_networks() -> Iterator[tuple[str, Network]]:
    """Two-layer networks whose hidden and output pre-activations are about ±1e4."""
    for loss, out_act, y in _loss_cases():
        for hidden in ACTIVATIONS:
            net = Network(
                layers=(
                    Layer(hidden, [[1.0], [-1.0]], [0.0, 0.0]),
                    Layer(out_act, [[1.0, -1.0], [-1.0, 1.0]], [0.0, 0.0]),
                ),
                inputs=[[BIG], [-BIG], [1.0]],
                targets=y[:3],
                loss=loss,
                learning_rate=0.1,
            )
            yield f"{hidden}-{out_act}-{loss}-y{y[0].tolist()}", net


SATURATING_NETWORKS = dict(_saturating_networks())


@pytest.mark.parametrize("name", list(SATURATING_NETWORKS))
def test_forward_and_backward_stay_finite_at_large_pre_activations(name: str) -> None:
    net = SATURATING_NETWORKS[name]
    with strict_numpy():
        fwd = forward(net)
        bwd = backward(net, fwd)
        after = sgd_step(net, bwd)
        fwd_after = forward(after)
    assert np.max(np.abs(fwd.pre[0])) == BIG
    arrays = [fwd.losses, *fwd.pre, *fwd.post, *bwd.grad_pre, *bwd.grad_post]
    arrays += [*bwd.weights, *bwd.biases, *bwd.sample_weights, *bwd.sample_biases]
    arrays += [fwd_after.losses]
    for array in arrays:
        assert np.all(np.isfinite(array)), array
    assert math.isfinite(fwd.loss) and math.isfinite(fwd_after.loss)


@settings(max_examples=100, deadline=None)
@given(networks(input_bound=BIG, weight_bound=1.0, max_layers=3))
def test_random_networks_stay_finite_at_large_inputs(net: Network) -> None:
    with strict_numpy():
        fwd = forward(net)
        bwd = backward(net, fwd)
        after = sgd_step(net, bwd)
        fwd_after = forward(after)
    assert math.isfinite(fwd.loss)
    assert math.isfinite(fwd_after.loss)
    for array in (*bwd.weights, *bwd.biases, *bwd.grad_pre):
        assert np.all(np.isfinite(array))
