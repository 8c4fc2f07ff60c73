"""The optimizer records (nntui/engine/ops/optimizers/) against SPEC §6, PyTorch and the engine.

- `reference_run` below is SPEC §6 written out again with plain Python floats and loops, not
  calling the module: `step` must follow it to 1e-12 over random sizes, hyper-parameters,
  gradients, learning rates, movable masks and 1–10 steps.
- The in-place kernel, and each parameter's traced parts, must give `step`'s numbers exactly.
- `tests/data/torch_optim_reference.json` (made by benchmarks/make_torch_reference.py with
  torch.optim in float64) is replayed through `step` to 1e-9.
- Plain SGD is `compute.sgd_step` bit for bit; every bad `[optimizer]` field is one line naming it.
"""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntui.engine.compute import backward, forward, sgd_step
from nntui.engine.notation import (
    Name,
    Num,
    Partial,
    fill,
    latex,
    latex_prose,
    tokens,
    unicode,
    unicode_prose,
)
from nntui.engine.ops.optimizers import (
    OPS,
    OPTIMIZERS,
    OptimizerFieldError,
    OptimizerSettings,
    OptimizerState,
    make_kernel,
    scalar_values,
    settings_from_table,
    step,
    substituted_prose,
    trace_parameter,
    written,
)
from nntui.engine.ops.optimizers.parts import GRAD, THETA, THETA_PRIME, THETA_STAR
from tests.strategies import networks, parameter_values

TORCH_REFERENCE = Path(__file__).parent / "data" / "torch_optim_reference.json"


# -- an independent reference: SPEC §6 in plain floats ------------------------------------------


def reference_run(
    table: dict[str, Any],
    lr: float,
    params: list[float],
    grads_per_step: list[list[float]],
    movable: list[bool],
) -> tuple[list[list[float]], dict[str, list[float]]]:
    """SPEC §6, one number at a time: the parameters after each step, and the final state."""
    name = table["name"]
    momentum = table.get("momentum", 0.0)
    nesterov = table.get("nesterov", False)
    alpha = table.get("alpha", 0.99)
    beta1, beta2 = table.get("beta1", 0.9), table.get("beta2", 0.999)
    eps = table.get("eps", 1e-8)
    weight_decay = table.get("weight_decay", 0.01 if name == "adamw" else 0.0)
    theta = list(params)
    size = len(theta)
    b, m, v = [0.0] * size, [0.0] * size, [0.0] * size
    history = []
    for t, grads in enumerate(grads_per_step, start=1):
        for i in range(size):
            if not movable[i]:
                continue  # a fixed bias: neither decayed nor moved, its state untouched
            g = grads[i]
            if weight_decay != 0 and name != "adamw":
                g = g + weight_decay * theta[i]
            if name == "sgd":
                if momentum > 0:
                    b[i] = g if t == 1 else momentum * b[i] + g
                    d = g + momentum * b[i] if nesterov else b[i]
                else:
                    d = g
                theta[i] = theta[i] - lr * d
            elif name == "rmsprop":
                v[i] = alpha * v[i] + (1 - alpha) * g**2
                theta[i] = theta[i] - lr * g / (math.sqrt(v[i]) + eps)
            else:  # adam, adamw
                if name == "adamw":
                    theta[i] = theta[i] * (1 - lr * weight_decay)
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g**2
                m_hat = m[i] / (1 - beta1**t)
                v_hat = v[i] / (1 - beta2**t)
                theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        history.append(list(theta))
    state = {"sgd": {"b": b} if momentum > 0 else {}, "rmsprop": {"v": v}}.get(
        name, {"m": m, "v": v}
    )
    return history, state


# -- strategies ---------------------------------------------------------------------------------

unit = st.one_of(st.just(0.0), st.floats(0.0, 0.999))
decay = st.one_of(st.just(0.0), st.floats(0.0, 0.5))


@st.composite
def optimizer_tables(draw: st.DrawFn) -> dict[str, Any]:
    """A valid `[optimizer]` table: any optimizer, any subset of its fields, in range."""
    name = draw(st.sampled_from(list(OPTIMIZERS)))
    table: dict[str, Any] = {"name": name}
    fields: dict[str, st.SearchStrategy[Any]] = {
        "sgd": {"momentum": unit, "weight_decay": decay},
        "rmsprop": {"alpha": unit, "eps": st.floats(1e-10, 1e-2), "weight_decay": decay},
    }.get(
        name, {"beta1": unit, "beta2": unit, "eps": st.floats(1e-10, 1e-2), "weight_decay": decay}
    )
    for key, values in fields.items():
        if draw(st.booleans()):
            table[key] = draw(values)
    if name == "sgd" and table.get("momentum", 0.0) > 0:
        table["nesterov"] = draw(st.booleans())
    return table


@st.composite
def runs(draw: st.DrawFn) -> dict[str, Any]:
    """An optimizer, a start vector, 1–10 steps of gradients, a learning rate and a mask."""
    size = draw(st.integers(1, 8))
    number = st.floats(-10.0, 10.0, allow_subnormal=False)
    gradient = st.one_of(st.just(0.0), st.floats(-100.0, 100.0, allow_subnormal=False))
    steps = draw(st.integers(1, 10))
    return {
        "table": draw(optimizer_tables()),
        "lr": draw(st.one_of(st.just(0.0), st.floats(0.0, 1.0))),
        "params": draw(st.lists(number, min_size=size, max_size=size)),
        "grads": [draw(st.lists(gradient, min_size=size, max_size=size)) for _ in range(steps)],
        "movable": draw(
            st.one_of(st.just([True] * size), st.lists(st.booleans(), min_size=size, max_size=size))
        ),
    }


def run_step(run: dict[str, Any]) -> tuple[list[np.ndarray], OptimizerState]:
    """`step` over every step of `run`: the parameters after each, and the last state."""
    optimizer = settings_from_table(run["table"])
    params = np.array(run["params"], dtype=np.float64)
    state = OptimizerState.initial(optimizer, params.size)
    mask = np.array(run["movable"], dtype=bool)
    history = []
    for grads in run["grads"]:
        params, state = step(optimizer, state, params, np.array(grads), run["lr"], mask)
        history.append(params)
    return history, state


def assert_close(actual: Any, expected: Any, rel: float, scale: float) -> None:
    """Equal to `rel` relative, with an absolute floor of `rel`·`scale` for numbers near 0
    (where one rounding of a larger number is a large relative error)."""
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=rel * scale)


# -- step against SPEC §6 -----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(runs())
def test_step_follows_the_reference_written_from_spec_6(run: dict[str, Any]) -> None:
    expected, expected_state = reference_run(
        run["table"], run["lr"], run["params"], run["grads"], run["movable"]
    )
    history, state = run_step(run)
    scale = 1.0 + max(abs(x) for row in [run["params"], *expected] for x in row)
    for actual, wanted in zip(history, expected, strict=True):
        assert_close(actual, wanted, 1e-12, scale)
    assert state.t == len(run["grads"])
    assert set(state.names) == set(expected_state)
    for name, wanted in expected_state.items():
        assert_close(state[name], wanted, 1e-12, 1.0 + max(abs(x) for x in wanted))


@settings(max_examples=100, deadline=None)
@given(runs())
def test_fixed_entries_are_neither_decayed_nor_moved_and_keep_their_state(
    run: dict[str, Any],
) -> None:
    history, state = run_step(run)
    fixed = ~np.array(run["movable"], dtype=bool)
    for params in history:
        np.testing.assert_array_equal(params[fixed], np.array(run["params"])[fixed])
    for name in state.names:
        np.testing.assert_array_equal(state[name][fixed], 0.0)


def test_momentum_remembers_past_gradients() -> None:
    """A gradient that stops: plain SGD stops at once, momentum keeps going (and is b = g first)."""
    plain, heavy = OptimizerSettings(), OptimizerSettings.of("sgd", momentum=0.9)
    moves = {}
    for optimizer in (plain, heavy):
        params, state = np.array([1.0]), OptimizerState.initial(optimizer, 1)
        trail = [params]
        for grad in (1.0, 0.0, 0.0):
            params, state = step(optimizer, state, params, np.array([grad]), 0.1)
            trail.append(params)
        moves[optimizer.name + str(optimizer.number("momentum"))] = np.diff(np.ravel(trail))
    np.testing.assert_allclose(moves["sgd0.0"], [-0.1, 0.0, 0.0])
    np.testing.assert_allclose(moves["sgd0.9"], [-0.1, -0.09, -0.081])


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e6])
def test_adam_first_step_is_the_learning_rate_whatever_the_gradient(scale: float) -> None:
    optimizer = OptimizerSettings.of("adam")
    params = np.array([0.5, 0.5])
    grads = np.array([3.0, -0.2]) * scale
    new, _ = step(optimizer, OptimizerState.initial(optimizer, 2), params, grads, 0.1)
    # m̂/√v̂ = g/|g| at t = 1: the step is η·|g|/(|g| + ε), a hair under η.
    np.testing.assert_allclose(new - params, -0.1 * grads / (np.abs(grads) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(new - params, [-0.1, 0.1], rtol=1e-4)


def test_state_is_immutable_and_step_changes_neither_its_inputs_nor_the_old_state() -> None:
    optimizer = OptimizerSettings.of("adam")
    params, grads = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    start = OptimizerState.initial(optimizer, 2)
    _, after = step(optimizer, start, params, grads, 0.1)
    np.testing.assert_array_equal(start["m"], 0.0)
    np.testing.assert_array_equal(params, [1.0, -2.0])
    with pytest.raises(ValueError, match="read-only"):
        after["m"][0] = 1.0
    with pytest.raises(TypeError):
        after.buffers["m"] = np.zeros(2)  # type: ignore[index]
    given = np.zeros(2)
    state = OptimizerState(3, {"m": given, "v": given})
    given[0] = 7.0
    assert state["m"][0] == 0.0


def test_a_state_of_another_optimizer_is_refused() -> None:
    adam = OptimizerSettings.of("adam")
    momentum = OptimizerSettings.of("sgd", momentum=0.9)
    with pytest.raises(ValueError, match="keeps"):
        step(momentum, OptimizerState.initial(adam, 2), np.zeros(2), np.zeros(2), 0.1)
    with pytest.raises(ValueError, match="keeps"):
        make_kernel(adam, 2, state=OptimizerState.initial(momentum, 2))


# -- the kernel and the traced parts give step's numbers --------------------------------------


@settings(max_examples=200, deadline=None)
@given(runs(), st.booleans())
def test_kernel_agrees_with_step_to_the_bit(run: dict[str, Any], in_place: bool) -> None:
    """Two parameter vectors taking turns (as `train` keeps them), or one updated in place."""
    optimizer = settings_from_table(run["table"])
    mask = np.array(run["movable"], dtype=bool)
    size = len(run["params"])
    kernel = make_kernel(optimizer, size, mask)
    start = np.array(run["params"], dtype=np.float64)
    buffers = (start, start if in_place else np.full(size, np.nan))
    history, state = run_step(run)
    for index, (grads, expected) in enumerate(zip(run["grads"], history, strict=True)):
        params, out = buffers[index % 2], buffers[(index + 1) % 2]
        kernel.update(params, np.array(grads), out, run["lr"])
        np.testing.assert_array_equal(out, expected)
    kept = kernel.state()
    assert kept.t == state.t
    for name in state.names:
        np.testing.assert_array_equal(kept[name], state[name])


@settings(max_examples=50, deadline=None)
@given(runs(), st.integers(1, 5))
def test_kernel_continues_from_a_state(run: dict[str, Any], split: int) -> None:
    """`train` continuing the debugger's run: a kernel started from step's state after k steps
    ends where step ends."""
    optimizer = settings_from_table(run["table"])
    mask = np.array(run["movable"], dtype=bool)
    history, final = run_step(run)
    split = min(split, len(run["grads"]))
    head = dict(run, grads=run["grads"][:split])
    params, state = run_step(head)
    kernel = make_kernel(optimizer, params[-1].size, mask, state)
    current = params[-1].copy()
    for grads in run["grads"][split:]:
        out = np.empty_like(current)
        kernel.update(current, np.array(grads), out, run["lr"])
        current = out
    np.testing.assert_array_equal(current, history[-1])
    assert kernel.state().t == final.t


@settings(max_examples=100, deadline=None)
@given(runs())
def test_each_parameters_traced_parts_give_steps_numbers(run: dict[str, Any]) -> None:
    """The trace's scalar parts, one parameter at a time, end on step's new value and state,
    and every part's value follows from the numbers it reads by its documented op."""
    optimizer = settings_from_table(run["table"])
    params = np.array(run["params"], dtype=np.float64)
    state = OptimizerState.initial(optimizer, params.size)
    for t, grads in enumerate(run["grads"], start=1):
        new, new_state = step(optimizer, state, params, np.array(grads), run["lr"])
        for i in range(params.size):
            old = {name: float(state[name][i]) for name in state.names}
            traced = trace_parameter(optimizer, t, run["lr"], params[i], grads[i], old)
            values = scalar_values(optimizer, t, run["lr"]) | old
            values |= {"theta": params[i], "grad": grads[i]}
            for part, value in traced:
                factors = [values[name] for name in part.reads]
                assert value == OPS[part.op].apply(*factors) or math.isnan(value)
                values[part.key] = value
            assert traced[-1][0].key == "theta_new"
            assert traced[-1][1] == new[i]
            for part, value in traced:
                if part.state is not None:
                    assert value == new_state[part.state][i]
        params, state = new, new_state


def written_steps(table: dict[str, Any], t: int, lr: float, theta: float, grad: float) -> list[str]:
    """Each part of one parameter's update as the trace writes it, for a parameter named w100
    (state 0 before the step): `symbol = formula = numbers = value` at 4 significant digits."""
    optimizer = settings_from_table(table)
    state = {name: 0.0 for name in optimizer.record.state_names(optimizer)}
    values = scalar_values(optimizer, t, lr) | state | {"theta": theta, "grad": grad}
    names = w100_names()
    lines = []
    for part, value in trace_parameter(optimizer, t, lr, theta, grad, state):
        values[part.key] = value
        symbol = unicode(written(part.symbol, names))
        formula = unicode(written(part.formula, names))
        numbers = fill(part.template, part.numbers(values), 4)
        lines.append(f"{symbol} = {formula} = {numbers} = {value:.4g}")
    return lines


def w100_names() -> dict[Any, Any]:
    """θ's stand-ins as the trace replaces them for w100."""
    w100 = Name("w100", "w", ("100",))
    return {
        THETA: w100,
        THETA_STAR: w100.starred(),
        THETA_PRIME: w100.primed(),
        GRAD: Partial(Name("E", "E"), w100),
    }


def whys(table: dict[str, Any], t: int, lr: float, grad: float) -> list[str]:
    """Each part's sentence of why, for w100 at 0.5 with the state 0 before the step."""
    optimizer = settings_from_table(table)
    state = {name: 0.0 for name in optimizer.record.state_names(optimizer)}
    values = scalar_values(optimizer, t, lr) | state | {"theta": 0.5, "grad": grad}
    out = []
    for part, value in trace_parameter(optimizer, t, lr, 0.5, grad, state):
        values[part.key] = value
        out.append(unicode_prose(substituted_prose(part.why(values), w100_names())))
    return out


def test_the_worked_adam_update_reads_as_the_issue_writes_it() -> None:
    lines = written_steps({"name": "adam"}, 1, 0.1, 0.2, 0.038)
    assert lines[0] == "m = β1·m + (1 − β1)·∂E/∂w100 = 0.9·0 + 0.1·0.038 = 0.0038"
    assert lines[1] == "v = β2·v + (1 − β2)·(∂E/∂w100)² = 0.999·0 + 0.001·0.038² = 1.444e-06"
    assert lines[2] == "m̂ = m / (1 − β1ᵗ) = 0.0038 / 0.1 = 0.038"
    assert lines[-1].startswith("w100* = w100 − µ·m̂ / (√v̂ + ε) = 0.2 − 0.1·0.038 / (√0.0014")
    assert lines[-1].endswith("= 0.1")
    assert "whatever the size of its gradient" in whys({"name": "adam"}, 1, 0.1, 0.038)[-1]


def test_adamw_decays_the_parameter_first_and_steps_from_it() -> None:
    lines = written_steps({"name": "adamw", "weight_decay": 0.5}, 1, 0.1, 0.2, 0.038)
    assert lines[0] == "w100′ = w100·(1 − µ·λ) = 0.2·(1 − 0.1·0.5) = 0.19"
    assert lines[-1].startswith("w100* = w100′ − µ·m̂ / (√v̂ + ε) = 0.19 − 0.1·0.038")


def test_momentum_is_rho_and_the_velocity_v() -> None:
    """µ is the learning rate (as in the worked example); ρ the momentum, v the velocity."""
    lines = written_steps({"name": "sgd", "momentum": 0.9, "nesterov": True}, 1, 0.1, 0.2, -0.5)
    assert lines == [
        "v = ρ·v + ∂E/∂w100 = 0.9·0 + (−0.5) = -0.5",
        "d = ∂E/∂w100 + ρ·v = −0.5 + 0.9·(−0.5) = -0.95",
        "w100* = w100 − µ·d = 0.2 − 0.1·(−0.95) = 0.295",
    ]


@pytest.mark.parametrize(
    ("table", "t", "lr", "grad", "phrase"),
    [
        ({"name": "sgd", "weight_decay": 0.1}, 1, 0.1, -0.2, "One step against the gradient"),
        ({"name": "adam"}, 3, 0.0, 0.5, "The learning rate is 0, so nothing moves."),
        ({"name": "adam"}, 1, 0.1, 0.0, "m̂ is 0, so w100 does not change."),
        ({"name": "adam"}, 1, 0.1, -2.0, "Adam's first step moves w100 by µ"),
        ({"name": "adam"}, 2, 0.1, -2.0, "the step is about µ or less"),
        ({"name": "rmsprop"}, 1, 0.1, 0.3, "µ divided by the square root of 1 − α"),
        ({"name": "rmsprop"}, 2, 0.1, 0.3, "the gradient's own typical size lately"),
        ({"name": "rmsprop"}, 2, 0.1, 0.0, "∂E/∂w100 is 0, so w100 does not change."),
        ({"name": "sgd", "momentum": 0.9}, 1, 0.1, 0.3, "against the velocity"),
        ({"name": "sgd", "momentum": 0.9, "nesterov": True}, 2, 0.1, 0.3, "the look-ahead"),
    ],
)
def test_the_new_values_why_fits_its_case(
    table: dict[str, Any], t: int, lr: float, grad: float, phrase: str
) -> None:
    assert phrase in whys(table, t, lr, grad)[-1]


def test_first_step_whys_say_what_starting_at_zero_does() -> None:
    momentum = whys({"name": "sgd", "momentum": 0.9}, 1, 0.1, 0.3)
    assert "after the first step it is the gradient itself" in momentum[0]
    later = whys({"name": "sgd", "momentum": 0.9}, 2, 0.1, 0.3)
    assert "up to 1/(1 − ρ) times a plain step" in later[0]
    adam = whys({"name": "adam"}, 1, 0.1, 0.3)
    assert "m̂ = ∂E/∂w100 exactly" in adam[2] and "v̂ = (∂E/∂w100)² exactly" in adam[3]
    assert "fades as t grows" in whys({"name": "adam"}, 5, 0.1, 0.3)[2]


def test_summary_names_what_is_not_default() -> None:
    assert OptimizerSettings().summary() == "sgd"
    nesterov = settings_from_table({"name": "sgd", "momentum": 0.9, "nesterov": True})
    assert nesterov.summary() == "sgd (ρ = 0.9, nesterov)"
    assert nesterov.title == "SGD with Nesterov momentum"
    assert settings_from_table({"name": "adam", "beta2": 0.99}).summary() == "adam (β2 = 0.99)"
    assert settings_from_table({"name": "adamw"}).summary() == "adamw"


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        ({"name": "sgd"}, ["theta_new"]),
        ({"name": "sgd", "weight_decay": 0.1}, ["g", "theta_new"]),
        ({"name": "sgd", "momentum": 0.9}, ["b_new", "theta_new"]),
        ({"name": "sgd", "momentum": 0.9, "nesterov": True}, ["b_new", "d", "theta_new"]),
        ({"name": "rmsprop"}, ["v_new", "theta_new"]),
        ({"name": "adam"}, ["m_new", "v_new", "m_hat", "v_hat", "theta_new"]),
        (
            {"name": "adam", "weight_decay": 0.1},
            ["g", "m_new", "v_new", "m_hat", "v_hat", "theta_new"],
        ),
        ({"name": "adamw"}, ["theta_decayed", "m_new", "v_new", "m_hat", "v_hat", "theta_new"]),
        ({"name": "adamw", "weight_decay": 0}, ["m_new", "v_new", "m_hat", "v_hat", "theta_new"]),
    ],
)
def test_parts_follow_the_settings(table: dict[str, Any], keys: list[str]) -> None:
    optimizer = settings_from_table(table)
    parts = optimizer.record.parts(optimizer)
    assert [part.key for part in parts] == keys
    assert parts[-1].kind == "new" and all(part.kind != "new" for part in parts[:-1])
    readable = {"theta", "grad", "b", "m", "v", *scalar_values(optimizer, 1, 0.1)}
    for part in parts:
        assert part.op in OPS
        assert set(part.reads) <= readable, part.key  # reads only what exists before it
        assert set(part.shows) <= readable, part.key
        slots = [token.slot for token in tokens(part.template) if isinstance(token, Num)]
        assert sorted(slots) == list(range(len(part.shows))), part.key  # one slot per number
        why = unicode_prose(part.why(evaluate_one(optimizer)))
        assert why.endswith(".") and "\n" not in why
        assert latex(part.formula) and latex_prose(part.why(evaluate_one(optimizer)))
        readable.add(part.key)


def evaluate_one(optimizer: OptimizerSettings) -> dict[str, Any]:
    values = scalar_values(optimizer, 2, 0.1) | {"b": 0.3, "m": 0.1, "v": 0.04}
    values |= {"theta": 0.5, "grad": -0.2}
    for part in optimizer.record.parts(optimizer):
        values[part.key] = part.value(values)
    return values


def test_a_square_root_writes_its_argument_in_braces_in_latex() -> None:
    adam = settings_from_table({"name": "adam"})
    formula = latex(written(adam.record.parts(adam)[-1].formula, w100_names()))
    assert r"\sqrt{\hat{v}}" in formula and r"\hat{m}" in formula and r"\varepsilon" in formula
    filled = latex(adam.record.parts(adam)[-1].template, [0.2, 0.1, 0.038, 0.00144, 1e-8])
    assert r"\sqrt{0.001}" in filled


# -- PyTorch -----------------------------------------------------------------------------------


def torch_cases() -> list[dict[str, Any]]:
    return list(json.loads(TORCH_REFERENCE.read_text(encoding="utf-8"))["cases"])


def test_the_torch_reference_covers_every_optimizer_and_option() -> None:
    tables = [case["optimizer"] for case in torch_cases()]
    assert {table["name"] for table in tables} == set(OPTIMIZERS)
    assert any(table.get("nesterov") for table in tables)
    for name in OPTIMIZERS:
        assert any(table["name"] == name and table.get("weight_decay") for table in tables)
    assert any(case["movable"] for case in torch_cases())


@pytest.mark.parametrize(
    "case", torch_cases(), ids=lambda case: json.dumps(case["optimizer"], separators=(",", "="))
)
def test_step_matches_torch_optim(case: dict[str, Any]) -> None:
    optimizer = settings_from_table(case["optimizer"])
    params = np.array(case["params"], dtype=np.float64)
    mask = None if case["movable"] is None else np.array(case["movable"], dtype=bool)
    state = OptimizerState.initial(optimizer, params.size)
    for grads, expected, torch_state in zip(
        case["grads"], case["params_after"], case["state_after"], strict=True
    ):
        params, state = step(optimizer, state, params, np.array(grads), case["learning_rate"], mask)
        np.testing.assert_allclose(params, expected, rtol=1e-9, atol=1e-12)
        assert set(torch_state) == set(state.names)
        for name, values in torch_state.items():
            np.testing.assert_allclose(state[name], values, rtol=1e-9, atol=0.0)


# -- plain SGD is the engine's update, bit for bit ---------------------------------------------


@settings(max_examples=100, deadline=None)
@given(networks())
def test_plain_sgd_is_compute_sgd_step_bit_for_bit(net: Any) -> None:
    with np.errstate(all="ignore"):
        grads = backward(net, forward(net))
        after = parameter_values(sgd_step(net, grads))
    flat_grads = np.array(
        [
            grads.weights[ref.layer][ref.neuron, ref.input]
            if ref.kind == "weight"
            else grads.biases[ref.layer][ref.neuron]
            for ref in net.params()
        ]
    )
    movable = np.array([ref.kind == "weight" or net.update_biases for ref in net.params()])
    params = parameter_values(net)
    plain = OptimizerSettings()
    assert plain.is_plain_sgd
    with np.errstate(all="ignore"):
        new, _ = step(
            plain,
            OptimizerState.initial(plain, params.size),
            params,
            flat_grads,
            net.learning_rate,
            movable,
        )
        out = np.empty_like(params)
        make_kernel(plain, params.size, movable).update(params, flat_grads, out, net.learning_rate)
    np.testing.assert_array_equal(new, after)
    np.testing.assert_array_equal(out, after)
    assert new.tobytes() == after.tobytes()  # the same bits, signed zeros included


# -- settings and their errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "field", "message"),
    [
        ({"name": "adagrad"}, "optimizer.name", 'unknown optimizer "adagrad"'),
        ({"name": "Adam"}, "optimizer.name", "did you mean 'adam'?"),
        ({"name": 3}, "optimizer.name", "expected a string, got 3"),
        ({"name": "adam", "momentum": 0.9}, "optimizer.momentum", "adam has no momentum"),
        ({"name": "rmsprop", "beta1": 0.9}, "optimizer.beta1", "an option of adam, adamw"),
        ({"name": "sgd", "alpha": 0.9}, "optimizer.alpha", "an option of rmsprop"),
        ({"name": "adam", "betas": [0.9, 0.99]}, "optimizer.betas", "unknown key"),
        ({"name": "sgd", "momentun": 0.9}, "optimizer.momentun", "did you mean 'momentum'?"),
        ({"name": "adam", "beta1": 1.0}, "optimizer.beta1", "must be in [0, 1), got 1.0"),
        ({"name": "adam", "beta1": -0.1}, "optimizer.beta1", "must be in [0, 1), got -0.1"),
        ({"name": "adamw", "beta2": 1.5}, "optimizer.beta2", "must be in [0, 1), got 1.5"),
        ({"name": "adam", "beta2": -1}, "optimizer.beta2", "must be in [0, 1), got -1.0"),
        ({"name": "rmsprop", "alpha": 1.0}, "optimizer.alpha", "must be in [0, 1), got 1.0"),
        ({"name": "sgd", "momentum": -0.5}, "optimizer.momentum", "must be in [0, 1), got -0.5"),
        ({"name": "sgd", "momentum": 1}, "optimizer.momentum", "must be in [0, 1), got 1.0"),
        ({"name": "adam", "eps": 0}, "optimizer.eps", "must be > 0, got 0.0"),
        ({"name": "rmsprop", "eps": -1e-8}, "optimizer.eps", "must be > 0, got -1e-08"),
        ({"name": "sgd", "weight_decay": -0.1}, "optimizer.weight_decay", "must be >= 0, got -0.1"),
        ({"name": "adamw", "weight_decay": -1}, "optimizer.weight_decay", "must be >= 0"),
        ({"name": "sgd", "nesterov": True}, "optimizer.nesterov", "needs momentum > 0"),
        (
            {"name": "sgd", "nesterov": True, "momentum": 0.0},
            "optimizer.nesterov",
            "needs momentum > 0, but momentum is 0.0",
        ),
        ({"name": "sgd", "nesterov": 1}, "optimizer.nesterov", "expected true or false, got 1"),
        ({"name": "sgd", "momentum": True}, "optimizer.momentum", "expected a number, got true"),
        ({"name": "adam", "eps": "1e-8"}, "optimizer.eps", 'expected a number, got "1e-8"'),
        ({"name": "adam", "beta1": math.inf}, "optimizer.beta1", "must be a finite number"),
        ({"name": "adam", "beta1": math.nan}, "optimizer.beta1", "must be a finite number"),
        ({"name": "adam", "eps": 10**400}, "optimizer.eps", "too big for a 64-bit float"),
        ([0.9], "optimizer", "expected a table, got a list"),
    ],
)
def test_each_bad_field_is_one_line_naming_it(table: Any, field: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        settings_from_table(table)
    error = caught.value
    assert isinstance(error, OptimizerFieldError)
    assert error.field == field
    assert message in error.message
    assert str(error) == f"{field}: {error.message}"
    assert "\n" not in str(error)
    copy = pickle.loads(pickle.dumps(error))  # crosses process boundaries intact
    assert (copy.field, copy.message, str(copy)) == (error.field, error.message, str(error))


def test_an_unknown_hyperparameter_for_keyword_settings_names_it() -> None:
    with pytest.raises(OptimizerFieldError, match=r"^optimizer\.momentum: adamw has no momentum"):
        OptimizerSettings.of("adamw", momentum=0.9)
    with pytest.raises(OptimizerFieldError, match=r"^optimizer\.name: unknown optimizer"):
        OptimizerSettings("lbfgs")


def test_defaults_are_pytorchs() -> None:
    assert settings_from_table(None) == OptimizerSettings() == settings_from_table({})
    assert OptimizerSettings().table() == {
        "name": "sgd",
        "momentum": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    }
    assert settings_from_table({"name": "adam"}).table() == {
        "name": "adam",
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
    }
    assert settings_from_table({"name": "adamw"}).number("weight_decay") == 0.01
    assert settings_from_table({"name": "rmsprop"}).table() == {
        "name": "rmsprop",
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
    }
    assert not OptimizerSettings.of("sgd", momentum=0.5).is_plain_sgd
    assert not OptimizerSettings.of("adam").is_plain_sgd


@settings(max_examples=200, deadline=None)
@given(optimizer_tables())
def test_table_round_trips(table: dict[str, Any]) -> None:
    optimizer = settings_from_table(table)
    written = optimizer.table()
    for key, value in table.items():
        assert written[key] == value
    assert settings_from_table(written) == optimizer
    assert hash(settings_from_table(written)) == hash(optimizer)
    names = optimizer.record.state_names(optimizer)
    assert OptimizerState.initial(optimizer, 3).names == names
    assert optimizer.summary().startswith(optimizer.name)


def test_the_records_load_without_numpy() -> None:
    """`spec` and the loader check `[optimizer]` before NumPy is imported (the first frame)."""
    code = (
        "import sys\n"
        "from nntui.engine.ops.optimizers import settings_from_table\n"
        "settings_from_table({'name': 'adam', 'beta1': 0.8})\n"
        "print('numpy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
