"""The fast training path: the same arithmetic as compute.forward/backward/sgd_step, stopping
cleanly on divergence or cancellation, and never a NumPy warning."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import ACTIVATIONS, networks, strict_numpy

from nntui.engine import training
from nntui.engine.compute import backward, forward, sgd_step
from nntui.engine.network import Layer, Network
from nntui.engine.presets import PRESETS, worked_example
from nntui.engine.trace import build_trace
from nntui.engine.training import TrainResult


@pytest.fixture(autouse=True)
def _no_numpy_warnings() -> Iterator[None]:
    """Every test here runs with warnings as errors and NumPy raising on overflow, invalid
    values and division by zero (underflow stays quiet for the comparisons)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            yield


def train(net: Network, steps: int, **kw: Any) -> TrainResult:
    """`training.train` with NumPy raising on every floating-point event, underflow too."""
    with np.errstate(all="raise"):
        return training.train(net, steps, **kw)


def reference(net: Network, steps: int) -> tuple[Network, list[float]]:
    """`steps` plain SGD steps with the engine's own functions, and the loss history."""
    history = [forward(net).loss]
    for _ in range(steps):
        net = sgd_step(net, backward(net, forward(net)))
        history.append(forward(net).loss)
    return net, history


def assert_same_parameters(actual: Network, expected: Network, tol: float = 1e-12) -> None:
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual.flat(), expected.flat(), rtol=tol, atol=tol)


def tiny(
    activation: str = "tanh",
    output: str = "sigmoid",
    loss: str = "half_sse",
    learning_rate: float = 0.5,
    **kw: object,
) -> Network:
    rng = np.random.default_rng(3)
    targets = rng.uniform(0, 1, (5, 2)) if loss != "cross_entropy" else np.eye(2)[[0, 1, 0, 1, 1]]
    return Network(
        layers=(
            Layer(activation, rng.normal(0, 1, (3, 2)), rng.normal(0, 1, 3)),
            Layer(output, rng.normal(0, 1, (2, 3)), rng.normal(0, 1, 2)),
        ),
        inputs=rng.normal(0, 1, (5, 2)),
        targets=targets,
        loss=loss,
        learning_rate=learning_rate,
        **kw,  # type: ignore[arg-type]
    )


# -- same arithmetic as the engine ---------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_train_equals_repeated_sgd_step(net: Network) -> None:
    """Random small nets: every activation and loss, both reductions, fixed or moving biases."""
    with strict_numpy():
        try:
            expected, history = reference(net, 8)
        except FloatingPointError:
            return  # the engine itself overflows here; divergence is tested below
    result = train(net, 8)
    assert result.steps_done == 8 and result.message is None
    assert not result.diverged and not result.cancelled
    assert_same_parameters(result.network, expected)
    np.testing.assert_allclose(result.loss_history, history, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_train_like_the_engine(name: str) -> None:
    net = PRESETS[name].build()
    expected, history = reference(net, 15)
    result = train(net, 15)
    assert_same_parameters(result.network, expected)
    np.testing.assert_allclose(result.loss_history, history, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("hidden", "output", "loss"),
    [
        (hidden, output, loss)
        for hidden in ACTIVATIONS
        for output, loss in (
            *((output, "half_sse") for output in ACTIVATIONS),
            ("linear", "sse"),
            ("tanh", "mse"),
            ("relu", "mse"),
            ("sigmoid", "bce"),
            ("softmax", "cross_entropy"),
        )
    ],
)
def test_every_activation_and_loss(hidden: str, output: str, loss: str) -> None:
    net = tiny(hidden, output, loss)
    expected, history = reference(net, 6)
    result = train(net, 6)
    assert_same_parameters(result.network, expected)
    np.testing.assert_allclose(result.loss_history, history, rtol=1e-12, atol=1e-12)


def test_one_step_is_the_traces_step() -> None:
    net = worked_example()
    trace = build_trace(net)
    result = train(net, 1)
    assert_same_parameters(result.network, trace.network_after, 1e-15)
    assert result.loss_history[0] == trace.loss  # bit for bit: same function
    assert result.loss_history[1] == trace.loss_after


def test_worked_example_loss_falls() -> None:
    result = train(worked_example(), 1000)
    assert result.loss_history[0] == pytest.approx(0.138, abs=5e-4)
    assert result.loss_history[1] == pytest.approx(0.1346, abs=1e-3)
    assert np.all(np.diff(result.loss_history) < 0)
    assert result.loss_after < 0.01
    assert len(result.loss_history) == 1001


def test_first_and_last_losses_are_the_engines() -> None:
    net = PRESETS["xor"].build()
    result = train(net, 50)
    assert result.loss_history[0] == forward(net).loss
    assert result.loss_history[-1] == forward(result.network).loss


def test_zero_steps() -> None:
    net = worked_example()
    result = train(net, 0)
    assert result.steps_done == 0 and result.message is None
    assert result.network.same_as(net)
    assert result.loss_history.tolist() == [forward(net).loss]


@pytest.mark.parametrize("steps", [-1, 1.5, "3", True])
def test_bad_steps(steps: object) -> None:
    with pytest.raises(ValueError, match="steps"):
        train(worked_example(), steps)  # type: ignore[arg-type]


def test_the_input_network_is_untouched() -> None:
    net = PRESETS["xor"].build()
    before = [layer.weights.copy() for layer in net.layers]
    train(net, 20)
    for layer, weights in zip(net.layers, before, strict=True):
        np.testing.assert_array_equal(layer.weights, weights)


# -- reduction, update_biases, learning rate ------------------------------------------------------


def test_sum_reduction_is_n_times_the_mean_step() -> None:
    mean = tiny(reduction="mean", learning_rate=0.5)
    total = tiny(reduction="sum", learning_rate=0.1)  # 5 samples: 0.1 · sum = 0.5 · mean
    by_mean, by_sum = train(mean, 5), train(total, 5)
    assert_same_parameters(by_mean.network, by_sum.network, 1e-12)
    np.testing.assert_allclose(by_sum.loss_history, 5 * by_mean.loss_history, rtol=1e-12)
    expected, _ = reference(total, 5)
    assert_same_parameters(by_sum.network, expected)


def test_fixed_biases_stay_fixed() -> None:
    net = tiny(update_biases=False)
    result = train(net, 30)
    for before, after in zip(net.layers, result.network.layers, strict=True):
        np.testing.assert_array_equal(before.biases, after.biases)
        assert not np.array_equal(before.weights, after.weights)
    expected, _ = reference(net, 30)
    assert_same_parameters(result.network, expected)


def test_learning_rate_zero_moves_nothing() -> None:
    net = replace(worked_example(), learning_rate=0.0)
    result = train(net, 25)
    assert result.steps_done == 25
    for before, after in zip(net.layers, result.network.layers, strict=True):
        np.testing.assert_array_equal(before.weights, after.weights)
        np.testing.assert_array_equal(before.biases, after.biases)
    assert len(set(result.loss_history.tolist())) == 1


# -- divergence ---------------------------------------------------------------------------------

DIVERGED = re.compile(
    r"training diverged at iteration (\d+): (.+); kept the "
    r"(?:starting parameters|parameters of iteration (\d+))$"
)


def check_divergence(result: TrainResult) -> re.Match[str]:
    assert result.diverged and not result.cancelled
    assert result.message is not None
    match = DIVERGED.match(result.message)
    assert match, result.message
    iteration = int(match.group(1))
    assert result.steps_done == iteration - 1
    if match.group(3) is not None:
        assert int(match.group(3)) == iteration - 1
    assert len(result.loss_history) == result.steps_done + 1
    assert np.all(np.isfinite(result.loss_history))
    for layer in result.network.layers:
        assert np.all(np.isfinite(layer.weights)) and np.all(np.isfinite(layer.biases))
    assert np.isfinite(forward(result.network).loss)
    return match


def test_huge_learning_rate_diverges_and_keeps_the_last_finite_state() -> None:
    net = Network(
        layers=(
            Layer("tanh", [[0.2, -1.2, 0.9], [-0.5, -1.2, 0.3]], [-0.1, 0.2]),
            Layer("linear", [[0.7, -1.1]], [-0.1]),
        ),
        inputs=[[0.9, 0.2, 0.5], [0.1, -0.4, 0.3]],
        targets=[[3.0], [-2.0]],
        loss="sse",
        learning_rate=1e6,
    )
    result = train(net, 1000)
    match = check_divergence(result)
    assert int(match.group(1)) > 1
    assert re.fullmatch(
        r"the loss after the step is not finite \(inf\); the step moved [wb]\d+ the most, "
        r"by -?\d\.\d+e\+\d+",
        match.group(2),
    ), match.group(2)
    # The kept parameters are those of `steps_done` engine steps.
    with np.errstate(all="ignore"):
        expected, _ = reference(net, result.steps_done)
    assert_same_parameters(result.network, expected, 1e-9)


def test_divergence_names_the_parameter_with_a_non_finite_gradient() -> None:
    """Loss finite, but ∂E/∂w001 = 2·(o − y)·x1 overflows: x1 is 1e308."""
    net = Network(
        layers=(Layer("linear", [[0.5, 1e-308]], [0.0]),),
        inputs=[[1.0, 1e308]],
        targets=[[-5.0]],
        loss="sse",
        learning_rate=0.1,
    )
    result = train(net, 10)
    match = check_divergence(result)
    assert match.group(1) == "1"
    assert match.group(2) == "the gradient of w001 is not finite (inf)"
    assert result.message is not None and result.message.endswith("kept the starting parameters")
    assert result.network.same_as(net)


def test_divergence_names_a_parameter_whose_update_overflows() -> None:
    """∂E/∂w000 = 2·o·x = 2e10 is finite, but 1e300 times it is not."""
    net = Network(
        layers=(Layer("linear", [[1.0]], [0.0]),),
        inputs=[[1e5]],
        targets=[[0.0]],
        loss="sse",
        learning_rate=1e300,
    )
    match = check_divergence(train(net, 3))
    assert match.group(1) == "1"
    assert match.group(2) == "the update of w000 is not finite (-inf)"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_with_absurd_learning_rates_never_warn(name: str) -> None:
    for rate in (1e3, 1e12, 1e300):
        net = replace(PRESETS[name].build(), learning_rate=rate)
        result = train(net, 300)
        if result.diverged:
            check_divergence(result)
        else:
            assert result.steps_done == 300 and np.all(np.isfinite(result.loss_history))


def test_extreme_weights_and_inputs_give_no_warning_or_nan() -> None:
    rng = np.random.default_rng(11)
    for activation in ("linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax"):
        for output, loss in (
            ("sigmoid", "bce"),
            ("softmax", "cross_entropy"),
            ("sigmoid", "half_sse"),
            ("tanh", "mse"),
            ("linear", "sse"),
        ):
            targets = (
                np.eye(3)[rng.integers(0, 3, 6)]
                if loss == "cross_entropy"
                else rng.integers(0, 2, (6, 3)).astype(float)
            )
            net = Network(
                layers=(
                    Layer(activation, rng.uniform(-50, 50, (4, 5)), rng.uniform(-50, 50, 4)),
                    Layer(output, rng.uniform(-50, 50, (3, 4)), rng.uniform(-50, 50, 3)),
                ),
                inputs=rng.uniform(-1e3, 1e3, (6, 5)),
                targets=targets,
                loss=loss,
                learning_rate=0.1,
            )
            result = train(net, 40)
            if result.diverged:
                check_divergence(result)
            else:
                assert result.steps_done == 40
                assert np.all(np.isfinite(result.loss_history))
                for layer in result.network.layers:
                    assert np.all(np.isfinite(layer.weights))


def test_a_non_finite_starting_loss_cannot_start() -> None:
    net = Network(
        layers=(Layer("linear", [[1e300]], [0.0]),),
        inputs=[[1e300]],
        targets=[[0.0]],
        loss="half_sse",
        learning_rate=0.1,
    )
    result = train(net, 5)
    assert result.diverged and result.steps_done == 0
    assert result.message is not None and result.message.startswith("training cannot start")
    assert result.network is net


# -- progress and cancellation ---------------------------------------------------------------


def test_progress_is_reported_every_n_steps() -> None:
    seen: list[int] = []
    result = train(worked_example(), 1050, on_progress=seen.append, progress_every=100)
    assert seen == [*range(100, 1001, 100), 1050]
    assert result.steps_done == 1050 and result.message is None


def test_no_progress_without_a_cadence() -> None:
    seen: list[int] = []
    train(worked_example(), 300, on_progress=seen.append)
    assert seen == []


def test_cancellation() -> None:
    polls: list[int] = []

    def should_stop() -> bool:
        polls.append(1)
        return len(polls) >= 3

    result = train(worked_example(), 10_000, progress_every=250, should_stop=should_stop)
    assert result.cancelled and not result.diverged
    assert result.steps_done == 750
    assert result.message == "cancelled after 750 of 10,000 iterations"
    assert len(result.loss_history) == 751
    expected, _ = reference(worked_example(), 750)
    assert_same_parameters(result.network, expected, 1e-10)


def test_should_stop_is_polled_without_a_progress_cadence() -> None:
    result = train(worked_example(), 10_000, should_stop=lambda: True)
    assert result.cancelled and 0 < result.steps_done < 10_000
    assert result.message == f"cancelled after {result.steps_done:,} of 10,000 iterations"


def test_not_cancelled_when_done() -> None:
    result = train(worked_example(), 100, progress_every=50, should_stop=lambda: True)
    assert result.steps_done == 50 and result.cancelled
    result = train(worked_example(), 100, progress_every=100, should_stop=lambda: True)
    assert result.steps_done == 100 and not result.cancelled and result.message is None


def test_loss_properties() -> None:
    result = train(worked_example(), 10)
    assert result.loss_before == result.loss_history[0]
    assert result.loss_after == result.loss_history[-1]
    assert math.isfinite(result.loss_after)


def test_a_divergence_names_the_parameter_in_the_networks_one_naming_style() -> None:
    """In a network with an index of 10 or more, every name is separated (w0_0_0, not w000)."""
    weights = [[1.0] * 11]
    net = Network((Layer("linear", weights, [0.0]),), [[1e100] * 11], [[3.0]], "half_sse", 0.1)
    result = train(net, 5)
    assert result.diverged and result.message is not None
    assert "w0_0_0" in result.message, result.message
