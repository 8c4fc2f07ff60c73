"""Optimizers and mini-batches (SPEC §6) through the whole engine: the traced path against an
independent reference written here from SPEC §6's formulas, the trace's optimizer steps (each
`op` holds at every granularity), the fast path against the traced path, and mini-batch
traces (which samples, the batch's loss, the JSON).

The reference is independent of the engine's batching and optimizer code: each step's batch
is picked here (k = t mod the number of batches), its gradient is that of a network holding
only the batch's samples (the engine's full-batch backward, itself checked against finite
differences elsewhere), and the update is SPEC §6 one parameter at a time, in plain floats.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import networks

from nntui.engine.compute import backward, forward
from nntui.engine.network import Network, ParamRef
from nntui.engine.ops.optimizers import OPTIMIZERS, settings_from_table
from nntui.engine.presets import PRESETS
from nntui.engine.trace import GRANULARITIES, Step, build_trace
from nntui.engine.training import train

OP_TOLERANCE = 1e-9

#: Each operation as docs/json-formats.md writes it, on the factors f0, f1, … (element-wise).
DOCUMENTED_OPS: dict[str, Any] = {
    "update": lambda f0, f1, f2: f0 - f1 * f2,
    "add_product": lambda f0, f1, f2: f0 + f1 * f2,
    "average": lambda f0, f1, f2: f0 * f1 + (1 - f0) * f2,
    "average_square": lambda f0, f1, f2: f0 * f1 + (1 - f0) * f2**2,
    "unbias": lambda f0, f1, f2: f0 / (1 - f1**f2),
    "adaptive_update": lambda f0, f1, f2, f3, f4: f0 - f1 * f2 / (np.sqrt(f3) + f4),
    "decay": lambda f0, f1, f2: f0 * (1 - f1 * f2),
}

unit = st.one_of(st.just(0.0), st.floats(0.0, 0.99))


@st.composite
def optimizer_tables(draw: st.DrawFn) -> dict[str, Any]:
    """Any optimizer with any of its fields, in range."""
    name = draw(st.sampled_from(list(OPTIMIZERS)))
    table: dict[str, Any] = {"name": name}
    decay = st.one_of(st.just(0.0), st.floats(0.0, 0.3))
    fields: dict[str, Any] = {
        "sgd": {"momentum": unit, "weight_decay": decay},
        "rmsprop": {"alpha": unit, "eps": st.floats(1e-8, 1e-2), "weight_decay": decay},
    }.get(name, {"beta1": unit, "beta2": unit, "eps": st.floats(1e-8, 1e-2), "weight_decay": decay})
    for key, values in fields.items():
        if draw(st.booleans()):
            table[key] = draw(values)
    if name == "sgd" and table.get("momentum", 0.0) > 0:
        table["nesterov"] = draw(st.booleans())
    return table


@st.composite
def trained_networks(draw: st.DrawFn) -> Network:
    """A random network with a random optimizer and batch size (None: every sample)."""
    net = draw(networks(max_layers=3, max_width=3, max_samples=5, max_learning_rate=0.5))
    batch_size = draw(st.one_of(st.none(), st.integers(1, net.n_samples)))
    optimizer = settings_from_table(draw(optimizer_tables()))
    return dataclasses.replace(net, optimizer=optimizer, batch_size=batch_size)


# -- the reference: SPEC §6 written out again ---------------------------------------------------


def reference_batch(n_samples: int, batch_size: int | None, t: int) -> range:
    """The samples of the step after t steps: every sample, or batch t mod the count, in file
    order, the last batch of a pass perhaps smaller."""
    if batch_size is None or batch_size >= n_samples:
        return range(n_samples)
    count = math.ceil(n_samples / batch_size)
    start = (t % count) * batch_size
    return range(start, min(start + batch_size, n_samples))


def batch_gradient(net: Network, samples: range) -> list[float]:
    """∂E/∂θ of the batch loss: the full-batch gradient of a network of those samples only."""
    rows = slice(samples.start, samples.stop)
    alone = dataclasses.replace(
        net, inputs=net.inputs[rows], targets=net.targets[rows], batch_size=None
    )
    grads = backward(alone, forward(alone))
    return [float(g) for g in alone.layout.flatten(grads.weights, grads.biases)]


class Reference:
    """SPEC §6's update of a whole network, one parameter at a time in plain floats."""

    def __init__(self, net: Network) -> None:
        self.net = net
        table = net.optimizer.table()
        self.table = table
        size = net.n_params
        self.b, self.m, self.v = [0.0] * size, [0.0] * size, [0.0] * size
        self.movable = [ref.kind == "weight" or net.update_biases for ref in net.params()]
        self.t = 0

    def step(self) -> Network:
        net, table = self.net, self.table
        samples = reference_batch(net.n_samples, net.batch_size, self.t)
        grads = batch_gradient(net, samples)
        theta = [float(x) for x in net.flat()]
        self.t += 1
        t, lr, name = self.t, net.learning_rate, table["name"]
        decay = table["weight_decay"]
        for i in range(len(theta)):
            if not self.movable[i]:
                continue
            g = grads[i] + (decay * theta[i] if name != "adamw" else 0.0)
            if name == "sgd":
                momentum = table["momentum"]
                if momentum > 0:
                    self.b[i] = g if t == 1 else momentum * self.b[i] + g
                    d = g + momentum * self.b[i] if table["nesterov"] else self.b[i]
                else:
                    d = g
                theta[i] -= lr * d
            elif name == "rmsprop":
                alpha, eps = table["alpha"], table["eps"]
                self.v[i] = alpha * self.v[i] + (1 - alpha) * g * g
                theta[i] -= lr * g / (math.sqrt(self.v[i]) + eps)
            else:
                beta1, beta2, eps = table["beta1"], table["beta2"], table["eps"]
                if name == "adamw":
                    theta[i] *= 1 - lr * decay
                self.m[i] = beta1 * self.m[i] + (1 - beta1) * g
                self.v[i] = beta2 * self.v[i] + (1 - beta2) * g * g
                m_hat = self.m[i] / (1 - beta1**t)
                v_hat = self.v[i] / (1 - beta2**t)
                theta[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        self.net = net.with_flat(np.array(theta))
        return self.net


def close(actual: np.ndarray, expected: np.ndarray) -> bool:
    scale = 1.0 + float(np.max(np.abs(expected), initial=0.0))
    return bool(np.all(np.abs(actual - expected) <= 1e-9 * scale))


@settings(max_examples=60, deadline=None)
@given(trained_networks(), st.integers(1, 4))
def test_traced_steps_follow_the_reference_written_from_spec_6(net: Network, steps: int) -> None:
    reference = Reference(net)
    traced = net
    with np.errstate(all="ignore"):
        for _ in range(steps):
            trace = build_trace(traced, "layer")
            expected = reference.step()
            if not np.all(np.isfinite(expected.flat())):
                return  # a diverging run: compared up to here
            traced = trace.network_after
            assert close(traced.flat(), expected.flat()), (net.optimizer, traced.t)
    assert traced.t == steps


# -- the trace's optimizer steps -----------------------------------------------------------------


def op_errors(step: Step) -> list[str]:
    """What is wrong with an optimizer step's arithmetic: its value against its op of its
    factors (as documented), to 1e-9 relative, element-wise."""
    if step.op not in DOCUMENTED_OPS:
        return []
    factors = [np.asarray(o.value, dtype=np.float64) for o in step.operands]
    value = np.asarray(step.value, dtype=np.float64)
    with np.errstate(all="ignore"):
        expected = np.asarray(DOCUMENTED_OPS[step.op](*factors), dtype=np.float64)
        size = 1.0 + sum(np.abs(f) for f in factors)
        bad = ~(np.abs(expected - value) <= OP_TOLERANCE * size)
        bad &= ~(np.isnan(expected) & np.isnan(value))
    if np.shape(expected) != np.shape(value) or np.any(bad):
        return [f"step {step.index} {step.text(6)!r}: {step.op} gives {expected}"]
    return []


@settings(max_examples=40, deadline=None)
@given(trained_networks(), st.integers(0, 3))
def test_every_optimizer_step_follows_from_its_factors_at_every_granularity(
    net: Network, earlier: int
) -> None:
    with np.errstate(all="ignore"):
        for _ in range(earlier):  # a state that is not zero
            net = build_trace(net, "layer").network_after
        for granularity in GRANULARITIES:
            trace = build_trace(net, granularity)
            errors = [error for step in trace.steps for error in op_errors(step)]
            assert not errors, "\n".join(errors[:5])


@settings(max_examples=40, deadline=None)
@given(trained_networks())
def test_each_parameters_parts_come_in_order_and_end_on_its_new_value(net: Network) -> None:
    parts = net.optimizer.record.parts(net.optimizer)
    with np.errstate(all="ignore"):
        trace = build_trace(net, "parameter")
    updates = [step for step in trace.steps if step.phase == "update"]
    after = trace.network_after
    position = 0
    for ref in sorted(net.params(), key=lambda ref: -ref.layer):
        fixed = ref.kind == "bias" and not net.update_biases
        own = 1 if fixed or net.optimizer.is_plain_sgd else len(parts)
        steps = updates[position : position + own]
        position += own
        assert all(step.param == ref for step in steps)
        assert [step.kind for step in steps[:-1]] == [part.kind for part in parts[:-1]][: own - 1]
        last = steps[-1]
        assert last.kind == "new" and last.symbol == net.param_name(ref) + "*"
        assert last.target.startswith("layers.layers[")  # where SPEC §4 puts a new value
        assert last.value == after.value_of(ref) or math.isnan(last.value)
        for step in steps[:-1]:
            assert step.target.startswith("optimizer.") and step.why.endswith(".")
    assert position == len(updates)


def test_the_adam_update_of_the_worked_example_reads_as_the_issue_writes_it() -> None:
    net = dataclasses.replace(
        PRESETS["worked-example"].build(), optimizer=settings_from_table({"name": "adam"})
    )
    trace = build_trace(net)
    w100 = [step for step in trace.steps if step.phase == "update"][:5]
    assert [step.kind for step in w100] == ["m", "v", "m_hat", "v_hat", "new"]
    assert w100[0].text(4) == "m = 0.9·0 + 0.1·0.038 = 0.0038"
    assert w100[0].formula == "β1·m + (1 − β1)·∂E/∂w100"
    assert w100[2].formula == "m / (1 − β1ᵗ)"
    assert w100[4].formula == "w100 − µ·m̂ / (√v̂ + ε)"
    assert w100[4].text(3) == "w100* = 0.7 − 0.1·0.038 / (√0.001 + 1e−8) = 0.600"
    assert "Adam's first step moves w100 by µ" in w100[4].reason()
    doc = w100[0].to_json()
    assert doc["op"] == "average" and [f["symbol"] for f in doc["factors"]] == [
        "β1",
        "m",
        "∂E/∂w100",
    ]
    assert doc["target"] == "optimizer.m.layers[1].weights[0][0]"
    assert trace.t == 1 and trace.network_after.t == 1
    w100_at = net.layout.index_of(ParamRef(1, "weight", 0, 0))  # the state's flat order
    np.testing.assert_allclose(trace.network_after.state["m"][w100_at], 0.0038, rtol=1e-2)


def test_a_fixed_bias_keeps_its_value_and_its_state() -> None:
    net = dataclasses.replace(
        PRESETS["xor"].build(),
        update_biases=False,
        optimizer=settings_from_table({"name": "sgd", "momentum": 0.9}),
    )
    trace = build_trace(net)
    biases = [s for s in trace.steps if s.phase == "update" and s.param.kind == "bias"]
    assert [s.kind for s in biases] == ["new"] * 3
    assert all("update_biases = false" in s.reason() for s in biases)
    velocity = trace.network_after.state["b"]
    np.testing.assert_array_equal(velocity[[4, 5, 8]], 0.0)  # the biases' entries
    column = trace.update_columns[0]
    assert column.key == "b_new" and column.symbol == "v"
    np.testing.assert_array_equal(column.biases[0], 0.0)
    step = trace.update_columns[-1]
    assert step.key == "step"
    np.testing.assert_array_equal(step.biases[1], 0.0)


def test_the_update_columns_follow_the_optimizer() -> None:
    base = PRESETS["xor"].build()
    assert build_trace(base).update_columns == ()
    adam = build_trace(dataclasses.replace(base, optimizer=settings_from_table({"name": "adam"})))
    assert [c.symbol for c in adam.update_columns] == ["m", "v", "m̂", "v̂", "Δ"]
    net, after = adam.network, adam.network_after
    step = adam.update_columns[-1]
    np.testing.assert_array_equal(step.weights[1], after.layers[1].weights - net.layers[1].weights)
    m = adam.update_columns[0]
    np.testing.assert_array_equal(
        net.layout.flatten(list(m.weights), list(m.biases)), after.state["m"]
    )


# -- fast path against traced path ---------------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        {"name": "sgd", "momentum": 0.9},
        {"name": "sgd", "momentum": 0.5, "nesterov": True, "weight_decay": 0.01},
        {"name": "rmsprop", "weight_decay": 0.05},
        {"name": "adam"},
        {"name": "adam", "weight_decay": 0.1},
        {"name": "adamw"},
    ],
    ids=lambda table: "-".join(str(v) for v in table.values()),
)
@pytest.mark.parametrize("batch_size", [None, 1, 4])
@pytest.mark.parametrize("preset", ["xor", "softmax-3class", "deep-4-16-16-3"])
def test_train_equals_the_traced_path(
    table: dict[str, Any], batch_size: int | None, preset: str
) -> None:
    # A learning rate these optimizers are used with: RMSprop's first step is µ/√(1 − α),
    # ten times µ, and at the presets' own rates (0.2 to 2) the runs are chaotic enough to
    # turn the two paths' last-bit differences (their sums run in another order) into 1e-10.
    net = dataclasses.replace(
        PRESETS[preset].build(),
        optimizer=settings_from_table(table),
        batch_size=batch_size,
        update_biases=batch_size != 1,
        learning_rate=0.02,
    )
    steps = 9
    result = train(net, steps)
    traced, history = net, [forward(net).loss]
    for _ in range(steps):
        trace = build_trace(traced, "layer")
        traced = trace.network_after
        history.append(trace.training_loss_after)
    np.testing.assert_allclose(result.network.flat(), traced.flat(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.loss_history, history, rtol=1e-12, atol=1e-14)
    assert result.network.t == traced.t == steps
    for name in traced.state.names:
        np.testing.assert_allclose(
            result.network.state[name], traced.state[name], rtol=1e-12, atol=1e-15
        )


def test_train_continues_a_run_where_it_stopped() -> None:
    net = dataclasses.replace(
        PRESETS["xor"].build(), optimizer=settings_from_table({"name": "adam"}), batch_size=3
    )
    whole = train(net, 10).network
    halves = train(train(net, 4).network, 6).network
    assert whole.flat().tobytes() == halves.flat().tobytes()
    assert whole.state.same_as(halves.state) and whole.t == 10


def test_a_run_that_diverges_keeps_the_state_of_its_last_finite_step() -> None:
    net = dataclasses.replace(
        PRESETS["softmax-3class"].build(),
        optimizer=settings_from_table({"name": "adam"}),
        learning_rate=1e307,
    )
    result = train(net, 50)
    assert result.diverged and 0 < result.steps_done < 50
    again = train(net, result.steps_done)
    assert again.network.state.same_as(result.network.state)
    assert again.network.flat().tobytes() == result.network.flat().tobytes()


def test_plain_sgd_with_batches_moves_like_the_traced_path() -> None:
    net = dataclasses.replace(PRESETS["xor"].build(), batch_size=3)
    result = train(net, 5)
    traced = net
    for _ in range(5):
        traced = build_trace(traced).network_after
    np.testing.assert_allclose(result.network.flat(), traced.flat(), rtol=1e-13)
    assert result.network.t == 5


# -- mini-batch traces ---------------------------------------------------------------------------


def test_a_mini_batch_trace_steps_through_the_batch_samples_only() -> None:
    net = dataclasses.replace(PRESETS["softmax-3class"].build(), batch_size=4)
    first = build_trace(net)
    assert first.step_batch.samples == range(0, 4) and first.samples == (0, 1, 2, 3)
    second = build_trace(first.network_after)
    assert second.step_batch.samples == range(4, 6) and second.samples == (4, 5)
    assert second.step_batch.describe() == "batch 2 of 2 (samples 4–5)"
    for trace, samples in ((first, {0, 1, 2, 3}), (second, {4, 5})):
        own = {step.sample for step in trace.steps if step.sample is not None}
        assert own == samples
        losses = trace.forward.losses
        assert trace.loss == pytest.approx(np.mean(losses[list(samples)]), rel=1e-15)
        assert trace.training_loss == pytest.approx(np.mean(losses), rel=1e-15)
        batch_loss = next(s for s in trace.steps if s.kind == "batch_loss")
        assert batch_loss.value == trace.loss and len(batch_loss.operands) == len(samples)
        check = [s for s in trace.steps if s.phase == "check" and s.sample is not None]
        assert {s.sample for s in check} == samples
    third = build_trace(second.network_after)
    assert third.step_batch.samples == range(0, 4)  # a new pass starts at sample 0


def test_a_mini_batch_trace_in_json_says_which_batch() -> None:
    net = dataclasses.replace(PRESETS["xor"].build(), batch_size=3)
    later = build_trace(build_trace(net).network_after)
    doc = json.loads(json.dumps(later.to_json()))
    assert doc["batch"] == {"index": 1, "count": 2, "first": 3, "last": 3}
    assert [entry["sample"] for entry in doc["per_sample"]] == [3]
    assert doc["network"]["batch_size"] == 3
    assert "t" not in doc  # plain SGD
    full = build_trace(PRESETS["xor"].build()).to_json()
    assert "batch" not in full and "sample" not in full["per_sample"][0]


def test_samples_asked_for_outside_the_batch_fall_back_on_the_batch() -> None:
    net = dataclasses.replace(PRESETS["softmax-3class"].build(), batch_size=2)
    assert build_trace(net, samples=(1, 4)).samples == (1,)
    assert build_trace(net, samples=(4, 5)).samples == (0, 1)


def test_a_big_batch_traces_its_first_samples_and_sums_the_rest() -> None:
    import nntui.engine.spec as spec

    count = spec.TRACE_SAMPLES + 6
    base = PRESETS["xor"].build()
    inputs = np.tile(base.inputs, (count, 1))
    targets = np.tile(base.targets, (count, 1))
    net = dataclasses.replace(base, inputs=inputs, targets=targets, batch_size=count)
    second = build_trace(build_trace(net, "layer").network_after, "layer")
    assert second.samples == tuple(range(count, count + spec.TRACE_SAMPLES))
    batch_loss = next(s for s in second.steps if s.kind == "batch_loss")
    assert "the other 6 samples" in batch_loss.formula
    assert batch_loss.value == pytest.approx(second.loss, rel=1e-12)


def test_batches_follow_spec_6s_example() -> None:
    """batch_size = 3 over 7 samples: samples 0-2, 3-5, 6, then 0-2 again."""
    from nntui.engine.batches import batch_at, batch_count

    assert batch_count(7, 3) == 3 and batch_count(7, None) == 1 and batch_count(7, 7) == 1
    firsts = [tuple(batch_at(7, 3, t).samples) for t in range(5)]
    assert firsts == [(0, 1, 2), (3, 4, 5), (6,), (0, 1, 2), (3, 4, 5)]
    assert batch_at(7, None, 5).samples == range(7) and batch_at(7, None, 5).is_everything
    assert batch_at(7, 3, 2).describe() == "batch 3 of 3 (sample 6)"
    assert batch_at(7, 3, 2).to_json() == {"index": 2, "count": 3, "first": 6, "last": 6}


def test_a_network_with_its_run_state_pickles() -> None:
    import pickle

    trained = train(PRESETS["xor-adam"].build(), 3).network
    again = pickle.loads(pickle.dumps(trained))
    assert again.state.same_as(trained.state) and again.t == 3
    assert again.optimizer == trained.optimizer and again.same_as(trained)
