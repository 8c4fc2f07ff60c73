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
from nntui.engine.network import LOSSES, Layer, Network, ParamLayout, ParamRef
from nntui.engine.ops.activations import ACTIVATIONS as ACTIVATION_RECORDS
from nntui.engine.ops.losses import LOSSES as LOSS_RECORDS
from nntui.engine.presets import worked_example, worked_example_spec
from nntui.engine.spec import ACTIVATIONS as FILE_ACTIVATIONS
from nntui.engine.spec import LOSSES as FILE_LOSSES
from nntui.engine.spec import NetworkSpec

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
    """For each parameter away from a relu kink: (its position in `params()`, d losses/dθ,
    d loss/dθ, scale).

    Richardson-extrapolated central differences; a parameter whose ±h moves any pre-activation
    of a relu, leaky_relu or elu across 0 is skipped (the loss has a kink there)."""
    theta = parameter_values(net)
    fwd = forward(net)
    pattern = kink_pattern(net, fwd)
    for index in range(theta.size):
        h = REL_STEP * max(1.0, abs(theta[index]))
        at: dict[int, object] = {}
        for halves in (-2, -1, 1, 2):
            moved = theta.copy()
            moved[index] += halves * h / 2
            at[halves] = forward(with_parameter_values(net, moved))
        if any(kink_pattern(net, moved_fwd) != pattern for moved_fwd in at.values()):
            continue
        scale = max(magnitude(fwd), *(magnitude(moved_fwd) for moved_fwd in at.values()))
        per_sample = (
            4 * (at[1].losses - at[-1].losses) / h - (at[2].losses - at[-2].losses) / (2 * h)
        ) / 3
        batch = (4 * (at[1].loss - at[-1].loss) / h - (at[2].loss - at[-2].loss) / (2 * h)) / 3
        yield index, per_sample, batch, scale


def assert_close_gradient(fd: float, grad: float, scale: float, what: str) -> None:
    tolerance = RTOL * max(abs(fd), abs(grad)) + ATOL_PER_SCALE * scale
    assert abs(fd - grad) <= tolerance, f"{what}: finite difference {fd!r}, backward {grad!r}"


# -- backprop against finite differences ---------------------------------------------------------


@FD_PROPERTY
@given(networks())
def test_gradients_match_finite_differences(net: Network) -> None:
    """The batch gradient and every sample's own gradient, against the difference quotients of
    the batch loss and of each sample's loss."""
    bwd = backward(net, forward(net))
    # The gradients laid out by `ParamLayout`; the difference quotients move the parameters
    # through `params()` and `value_of` (strategies.py): the two orders must agree.
    batch = net.layout.flatten(bwd.weights, bwd.biases)
    per_sample = [
        net.layout.flatten(
            [grad[sample] for grad in bwd.sample_weights],
            [grad[sample] for grad in bwd.sample_biases],
        )
        for sample in range(net.n_samples)
    ]
    names = [ref.name for ref in net.params()]
    checked = 0
    for index, fd_samples, fd_batch, scale in finite_differences(net):
        assert_close_gradient(fd_batch, float(batch[index]), scale, f"∂E/∂{names[index]}")
        for sample in range(net.n_samples):
            assert_close_gradient(
                float(fd_samples[sample]),
                float(per_sample[sample][index]),
                scale,
                f"∂E_{sample}/∂{names[index]}",
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
    grad = net.layout.flatten(bwd.weights, bwd.biases)
    checked = 0
    for index, _, fd, scale in finite_differences(net):
        assert_close_gradient(fd, float(grad[index]), scale, "exact")
        with pytest.raises(AssertionError):
            assert_close_gradient(fd, float(grad[index]) * (1 + 1e-5) + 1e-7, scale, "perturbed")
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
    for index, layer in enumerate(net.layers):
        assert fwd.pre[index].shape == fwd.post[index].shape == (net.n_samples, layer.size)
        assert (
            bwd.grad_pre[index].shape == bwd.grad_post[index].shape == (net.n_samples, layer.size)
        )
        assert bwd.weights[index].shape == layer.weights.shape
        assert bwd.biases[index].shape == layer.biases.shape
        assert (bwd.local[index] is None) == (layer.activation == "softmax")
    assert fwd.losses.shape == (net.n_samples,)


# -- the SGD step -------------------------------------------------------------------------------


@PROPERTY
@given(networks())
def test_sgd_step_is_theta_minus_rate_times_gradient(net: Network) -> None:
    bwd = backward(net, forward(net))
    after = sgd_step(net, bwd)
    rate = net.learning_rate
    for old, new, grad_w, grad_b in zip(
        net.layers, after.layers, bwd.weights, bwd.biases, strict=True
    ):
        assert new.activation == old.activation
        np.testing.assert_array_equal(new.weights, old.weights - rate * grad_w)
        if net.update_biases:
            np.testing.assert_array_equal(new.biases, old.biases - rate * grad_b)
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
    assert {
        name: output for name, output in required.items() if output is not None
    } == LOADER_LOSS_OUTPUT


def test_softmax_backward_is_the_jacobian() -> None:
    z = np.array([0.3, -1.2, 2.0])
    a = softmax(z)
    grad = np.array([0.5, -2.0, 1.5])
    jacobian = np.diag(a) - np.outer(a, a)
    np.testing.assert_allclose(softmax_backward(grad, a), jacobian.T @ grad, rtol=1e-13)


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
        lambda size: st.tuples(
            st.lists(st.floats(-5, 5), min_size=size, max_size=size),
            st.lists(st.floats(-5, 5), min_size=size, max_size=size),
        )
    )
)
def test_squared_error_losses_are_related(pair: tuple[list[float], list[float]]) -> None:
    o, y = np.array([pair[0]]), np.array([pair[1]])
    size = o.shape[1]
    half = loss_per_sample("half_sse", o, o, y)
    sse = loss_per_sample("sse", o, o, y)
    mse = loss_per_sample("mse", o, o, y)
    np.testing.assert_allclose(sse, 2 * half, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(mse, sse / size, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(sse, [np.sum((y - o) ** 2)], rtol=1e-14, atol=1e-300)
    grad_half = loss_gradient("half_sse", o, y)
    np.testing.assert_allclose(loss_gradient("sse", o, y), 2 * grad_half, rtol=1e-14)
    np.testing.assert_allclose(loss_gradient("mse", o, y), 2 * grad_half / size, rtol=1e-14)


@PROPERTY
@given(
    st.integers(1, 4).flatmap(
        lambda size: st.tuples(
            st.lists(st.floats(-8, 8), min_size=size, max_size=size),
            st.lists(st.floats(0, 1), min_size=size, max_size=size),
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
    probs = softmax(z)
    dist = y / np.sum(y) if np.sum(y) > 0.01 else np.eye(z.shape[1])[:1]
    chain = softmax_backward(loss_gradient("cross_entropy", probs, dist), probs)
    np.testing.assert_allclose(
        output_delta("cross_entropy", "softmax", z, probs, dist), chain, rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(
        output_delta("cross_entropy", "softmax", z, probs, dist),
        probs - dist,
        rtol=1e-9,
        atol=1e-12,
    )
    formula = -np.sum(dist * np.log(probs), axis=-1)
    np.testing.assert_allclose(
        loss_per_sample("cross_entropy", z, probs, dist), formula, rtol=1e-9, atol=1e-12
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
            slope = softmax_backward(np.ones_like(a), a)
        else:
            slope = derivative(act, SATURATING, a)
        assert np.all(np.isfinite(slope))
    if act == "sigmoid":
        np.testing.assert_array_equal(a[0], [1.0, 0.0])
        np.testing.assert_array_equal(slope[0], [0.0, 0.0])
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
        losses = loss_per_sample(loss, SATURATING, o, y)
        grad = loss_gradient(loss, o, y)
        delta = output_delta(loss, act, SATURATING, o, y)
    for name, values in (("loss", losses), ("∂E/∂o", grad), ("∂E/∂z", delta)):
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
        probs = softmax(z2)
        np.testing.assert_allclose(
            loss_per_sample("cross_entropy", z2, probs, np.array([[0.0, 1.0]])), [2 * BIG]
        )
        np.testing.assert_allclose(
            output_delta("cross_entropy", "softmax", z2, probs, np.array([[0.0, 1.0]])),
            [[1.0, -1.0]],
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


# -- the one order of the parameters (ParamLayout) ----------------------------------------------


def documented_order(net: Network | NetworkSpec, *, output_first: bool = False) -> list[ParamRef]:
    """The order as the docs state it, written out independently of `ParamLayout`: layer by
    layer, each layer's weights row by row, then its biases."""
    order = range(len(net.layers))
    refs = []
    for index in reversed(order) if output_first else order:
        layer = net.layers[index]
        refs += [
            ParamRef(index, "weight", neuron, source)
            for neuron in range(layer.size)
            for source in range(layer.fan_in)
        ]
        refs += [ParamRef(index, "bias", neuron) for neuron in range(layer.size)]
    return refs


def test_the_worked_example_lists_its_parameters_in_the_documents_order() -> None:
    net = worked_example()
    names = [net.param_name(ref) for ref in net.params()]
    assert names == [
        *("w000", "w001", "w002", "w010", "w011", "w012", "b00", "b01"),
        *("w100", "w101", "b10"),
    ]
    ledger = ParamLayout.of(net.layers, output_first=True)
    assert [net.param_name(ref) for ref in ledger] == names[8:] + names[:8]
    assert len(ledger) == len(net.layout) == net.n_params == 11


@PROPERTY
@given(networks(), st.booleans())
def test_positions_and_parameters_agree(net: Network, output_first: bool) -> None:
    layout = ParamLayout.of(net.layers, output_first=output_first)
    refs = documented_order(net, output_first=output_first)
    assert list(layout) == refs
    assert len(layout) == len(refs)
    for position, ref in enumerate(refs):
        assert layout.index_of(ref) == position
        assert layout.ref_at(position) == ref
        assert layout.ref_at(position - len(refs)) == ref
    for outside in (len(refs), -len(refs) - 1):
        with pytest.raises(IndexError):
            layout.ref_at(outside)
    # A layer's span, and the span of a row or a whole weight matrix, cover exactly the
    # parameters that reference covers.
    for index, layer in enumerate(net.layers):
        start, stop = layout.layer_span(index)
        assert {ref.layer for ref in refs[start:stop]} == {index}
        assert stop - start == layer.size * (layer.fan_in + 1)
        coarse = [
            ParamRef(index, "weight", None),
            ParamRef(index, "bias", None),
            *(ParamRef(index, "weight", neuron) for neuron in range(layer.size)),
        ]
        for ref in coarse:
            first, last = layout.span_of(ref)
            assert refs[first:last] == [other for other in refs if ref.covers(other)]


@PROPERTY
@given(networks(), st.booleans())
def test_flatten_lays_numbers_out_in_the_listing_order(net: Network, output_first: bool) -> None:
    layout = ParamLayout.of(net.layers, output_first=output_first)
    weights = [layer.weights for layer in net.layers]
    biases = [layer.biases for layer in net.layers]
    flat = layout.flatten(weights, biases)
    assert flat.tolist() == [net.value_of(ref) for ref in layout]
    back_weights, back_biases = layout.unflatten(flat)
    for mine, theirs in zip([*back_weights, *back_biases], [*weights, *biases], strict=True):
        np.testing.assert_array_equal(mine, theirs)
    # views of the vector, not copies
    flat[layout.index_of(ParamRef(0, "bias", 0))] = 123.0
    assert back_biases[0][0] == 123.0
    # the network's own vector is the input-side-first one, and `with_flat` its inverse
    assert net.flat().tolist() == parameter_values(net).tolist()
    doubled = net.with_flat(2 * net.flat())
    assert doubled.flat().tolist() == (2 * parameter_values(net)).tolist()
    assert doubled.same_as(with_parameter_values(net, 2 * parameter_values(net)))


def test_a_spec_and_its_network_have_one_layout() -> None:
    spec = worked_example_spec()
    net = spec.build()
    assert spec.layout == net.layout
    assert list(spec.params()) == list(net.params()) == documented_order(net)
    assert spec.n_params == net.n_params
