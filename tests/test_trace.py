"""The step trace (SPEC §4) on random networks, at every granularity: each step's `op` holds,
its value is the engine's, the order is the lecture's, every parameter is covered, and the
JSON and the texts are well formed."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from strategies import networks, strict_numpy

from nntui.engine.compute import Backward, Forward, backward, forward, sgd_step
from nntui.engine.functions import activate, derivative, loss_gradient
from nntui.engine.network import LOSSES, Layer, Network, ParamRef
from nntui.engine.trace import GRANULARITIES, Step, Trace, build_trace

OP_TOLERANCE = 1e-9
PROPERTY = settings(max_examples=40, deadline=None)
#: SPEC §4 keys of a step (plus "terms" for a sum, "factors" otherwise) and of the document.
STEP_KEYS = {
    *("index", "phase", "sample", "target", "symbol", "formula", "op", "value", "param", "text"),
}
TRACE_KEYS = {
    *("format", "network", "per_sample", "loss", "gradients", "steps", "network_after"),
    "loss_after",
}


def traces(net: Network) -> list[Trace]:
    return [build_trace(net, g) for g in GRANULARITIES]


# -- op holds -----------------------------------------------------------------------------------


def op_errors(step: Step) -> list[str]:
    """What is wrong with `step`'s arithmetic: value against Σ terms, Π factors or old − µ·g,
    to 1e-9 relative to the size of the numbers involved (element-wise for arrays)."""
    values = [np.asarray(o.value, dtype=np.float64) for o in step.operands]
    value = np.asarray(step.value, dtype=np.float64)
    with np.errstate(all="ignore"):
        if step.op == "sum":
            expected = functools.reduce(np.add, values)
            size = functools.reduce(np.add, [np.abs(v) for v in values])
        elif step.op == "product":
            expected = functools.reduce(np.multiply, values)
            size = np.abs(value)
        elif step.op == "update":
            old, rate, grad = values
            expected = old - rate * grad
            size = np.abs(old) + np.abs(rate * grad)
        else:
            return []
        bad = ~(np.abs(expected - value) <= OP_TOLERANCE * np.maximum(1.0, size))
    if np.shape(expected) != np.shape(value) or np.any(bad):
        return [f"step {step.index} {step.text(6)!r}: {step.op} of parts is {expected}"]
    return []


def apply_errors(step: Step, net: Network) -> list[str]:
    """An `apply` step is the function its formula names, of its operands."""
    if step.op != "apply" or step.layer is None:
        return []
    act = net.layers[step.layer].activation
    parts = [np.asarray(o.value, dtype=np.float64) for o in step.operands]
    if step.kind == "post":
        expected = activate(act, parts[0])
    elif step.kind == "deriv":
        expected = derivative(act, parts[0], activate(act, parts[0]))
    elif step.kind == "grad_post" and net.loss == "mse":  # 2·(o − y)/K
        expected = 2.0 * (parts[0] - parts[1]) / net.layers[-1].size
    elif step.kind == "grad_post":
        expected = loss_gradient(net.loss, parts[0], parts[1])
    elif step.kind == "grad_pre" and net.loss == "bce":  # sigmoid + bce: o − y
        o, y = parts
        expected = o - y
    elif step.kind == "grad_pre":  # softmax + cross-entropy: o·Σy − y
        o, y = parts
        expected = o * float(np.sum(net.targets[step.sample])) - y
    else:
        return []
    if not np.allclose(expected, step.value, rtol=1e-12, atol=1e-12):
        return [f"step {step.index} {step.text(6)!r}: {step.formula} gives {expected}"]
    return []


@PROPERTY
@given(networks())
def test_every_op_holds(net: Network) -> None:
    for trace in traces(net):
        errors = [e for step in trace.steps for e in op_errors(step) + apply_errors(step, net)]
        assert not errors, f"{trace.granularity}:\n" + "\n".join(errors[:5])


def test_op_check_can_fail() -> None:
    trace = build_trace(
        Network(
            layers=(Layer("linear", [[2.0]], [1.0]),),
            inputs=[[3.0]],
            targets=[[0.0]],
            loss="half_sse",
            learning_rate=0.1,
        )
    )
    step = trace.steps[0]
    assert not op_errors(step)
    broken = dataclasses.replace(step, value=step.value + 1e-6)
    assert op_errors(broken)


# -- values are the engine's ----------------------------------------------------------------


def _select(array: np.ndarray, p: ParamRef) -> np.ndarray:
    if p.neuron is None:
        return array
    if p.kind == "weight" and p.input is not None:
        return array[p.neuron, p.input]
    return array[p.neuron]


def engine_value(
    step: Step, net: Network, fwd: Forward, bwd: Backward, after: Network, fwd_after: Forward
) -> np.ndarray | float:
    """The number `step` stands for, computed directly by the engine."""
    f = fwd_after if step.phase == "check" else fwd
    s, li, j = step.sample, step.layer, step.neuron
    row = slice(None) if j is None else j
    if step.kind == "pre":
        return f.pre[li][s, row]
    if step.kind == "post":
        return f.post[li][s, row]
    if step.kind == "loss":
        return f.losses[s]
    if step.kind == "batch_loss":
        return f.loss
    if step.kind == "grad_post":
        return bwd.grad_post[li][s, row]
    if step.kind == "deriv":
        return bwd.local[li][s, row]
    if step.kind == "grad_pre":
        return bwd.grad_pre[li][s, row]
    p = step.param
    assert p is not None, f"step {step.index} ({step.kind}) has no param"
    if step.kind == "grad":
        source = bwd.sample_weights if p.kind == "weight" else bwd.sample_biases
        return _select(source[p.layer][s], p)
    if step.kind == "batch_grad":
        source = bwd.weights if p.kind == "weight" else bwd.biases
        return _select(source[p.layer], p)
    if step.kind == "new":
        layer = after.layers[p.layer]
        return _select(layer.weights if p.kind == "weight" else layer.biases, p)
    raise AssertionError(f"step {step.index}: unknown kind {step.kind!r}")


@PROPERTY
@given(networks())
def test_step_values_are_the_engines(net: Network) -> None:
    fwd = forward(net)
    bwd = backward(net, fwd)
    after = sgd_step(net, bwd)
    fwd_after = forward(after)
    for trace in traces(net):
        assert trace.network_after.same_as(after)
        assert trace.loss == fwd.loss
        assert trace.loss_after == fwd_after.loss
        for step in trace.steps:
            expected = engine_value(step, net, fwd, bwd, after, fwd_after)
            assert np.shape(step.value) == np.shape(expected), step.text()
            np.testing.assert_array_equal(step.value, expected, err_msg=step.text(6))


# -- order and coverage ---------------------------------------------------------------------

PHASE_ORDER = re.compile(r"^(forward|loss)( (forward|loss))* backward update check$")


@PROPERTY
@given(networks())
def test_indices_and_phase_order(net: Network) -> None:
    for trace in traces(net):
        assert [step.index for step in trace.steps] == list(range(len(trace.steps)))
        runs = [
            step.phase
            for k, step in enumerate(trace.steps)
            if k == 0 or trace.steps[k - 1].phase != step.phase
        ]
        assert PHASE_ORDER.match(" ".join(runs)), runs
        assert trace.steps[-1].phase == "check"
        for name, start in trace.phase_starts.items():
            assert trace.steps[start].phase == name
            assert all(step.phase != name for step in trace.steps[:start])
        # forward and backward go sample by sample; update has no sample
        for name in ("forward", "backward", "check"):
            samples = [
                step.sample
                for step in trace.steps
                if step.phase == name and step.sample is not None
            ]
            assert samples == sorted(samples)
            assert set(samples) == set(range(net.n_samples))
        assert all(step.sample is None for step in trace.steps if step.phase == "update")


@PROPERTY
@given(networks())
def test_every_parameter_is_covered(net: Network) -> None:
    params = list(net.params())
    for trace in traces(net):
        grads = [s for s in trace.steps if s.kind == "grad"]
        batch = [s for s in trace.steps if s.kind == "batch_grad"]
        updates = [s for s in trace.steps if s.phase == "update"]
        assert all(s.phase == "backward" for s in grads + batch)
        for p in params:
            for sample in range(net.n_samples):
                covering = [
                    s for s in grads if s.sample == sample and s.param and s.param.covers(p)
                ]
                assert len(covering) == 1, (trace.granularity, p.name, sample)
            assert len([s for s in updates if s.param and s.param.covers(p)]) == 1, p.name
            reductions = [s for s in batch if s.param and s.param.covers(p)]
            assert len(reductions) == (1 if net.n_samples > 1 else 0), p.name
        if trace.granularity == "parameter":
            # output layer first, each layer's weights row by row, then its biases
            by_layer = sorted(params, key=lambda p: -p.layer)
            assert [s.param for s in updates] == by_layer
            assert len(updates) == net.n_params
            assert len(grads) == net.n_params * net.n_samples
            for step in grads + batch + updates:
                doc = step.param.to_json()
                assert set(doc) == {"layer", "kind", "neuron", "input"}
                assert isinstance(doc["layer"], int) and isinstance(doc["neuron"], int)
                if doc["kind"] == "bias":
                    assert doc["input"] is None
                else:
                    assert doc["kind"] == "weight" and isinstance(doc["input"], int)
                assert json.loads(json.dumps(step.to_json()))["param"] == doc
                assert isinstance(step.value, float)


# -- JSON and text --------------------------------------------------------------------------


#: A printed zero with a minus sign: −0, −0.0, −0.000 (not −0.0004).
NEGATIVE_ZERO = re.compile(r"[−-]0(?:\.0*)?(?![0-9.])")


def shown_as(value: float, precision: int) -> float:
    """The number a reader sees for `value` at `precision` decimals (numbers.py's rule): the
    value rounded to the decimals, or to one significant digit when that would round it to 0."""
    if value != 0 and abs(value) < 10.0**-precision:
        return float(f"{value:.1g}")
    return float(f"{value:.{precision}f}")


def read_number(text: str) -> float:
    return float(text.replace("−", "-"))


def check_result(value: object, result: str, precision: int) -> None:
    """`result` writes `value` at `precision` as numbers.py's rule says: every scalar rounded
    (decimals, or its first significant digit), a long array as its largest entries."""
    assert not NEGATIVE_ZERO.search(result), result
    if np.ndim(value) == 0:
        v = float(value)  # type: ignore[arg-type]
        if math.isfinite(v) and abs(v) < 1e12:
            assert read_number(result) == shown_as(v, precision), (v, result)
            if v == 0 or abs(v) >= 10.0**-precision:  # exactly `precision` decimals
                assert len(result.partition(".")[2]) == precision, result
        return
    array = np.asarray(value, dtype=np.float64)
    if " = " not in result and "zeros" not in result:  # written out in full
        shown = np.asarray(json.loads(result.replace("−", "-")), dtype=np.float64)
        np.testing.assert_array_equal(shown, np.vectorize(shown_as)(array, precision))
        return
    entries = [read_number(t) for t in re.findall(r" = ([^,\]]+)", result)]
    largest = sorted((abs(v) for v in array.ravel() if v != 0), reverse=True)[: len(entries)]
    assert [abs(shown_as(v, precision)) for v in largest] == [abs(e) for e in entries], result
    nonzero = int(np.count_nonzero(array))
    assert (f"{nonzero:,} of {array.size:,} non-zero" in result) == (0 < nonzero < array.size)


@settings(max_examples=15, deadline=None)
@given(networks())
def test_json_and_text(net: Network) -> None:
    for trace in traces(net):
        doc = trace.to_json(3)
        dumped = json.dumps(doc, allow_nan=False)
        assert json.loads(dumped)["format"] == "nntui-trace/1"
        assert set(doc) >= TRACE_KEYS
        assert doc["network"] == net.to_dict()
        assert doc["network_after"] == trace.network_after.to_dict()
        fwd, bwd = trace.forward, trace.backward
        assert doc["loss"] == fwd.loss and doc["loss_after"] == trace.forward_after.loss
        for li, layer in enumerate(doc["gradients"]["layers"]):
            np.testing.assert_array_equal(layer["weights"], bwd.weights[li])
            np.testing.assert_array_equal(layer["biases"], bwd.biases[li])
        assert len(doc["per_sample"]) == net.n_samples
        for s, sample in enumerate(doc["per_sample"]):
            assert set(sample) >= {"x", "y", "loss", "output", "layers", "gradients"}
            assert sample["loss"] == fwd.losses[s]
            np.testing.assert_array_equal(sample["x"], net.inputs[s])
            np.testing.assert_array_equal(sample["y"], net.targets[s])
            np.testing.assert_array_equal(sample["output"], fwd.output[s])
            for li, layer in enumerate(sample["layers"]):
                assert set(layer) == {"pre", "post", "grad_pre", "grad_post"}
                np.testing.assert_array_equal(layer["pre"], fwd.pre[li][s])
                np.testing.assert_array_equal(layer["post"], fwd.post[li][s])
                np.testing.assert_array_equal(layer["grad_pre"], bwd.grad_pre[li][s])
                np.testing.assert_array_equal(layer["grad_post"], bwd.grad_post[li][s])
            for li, layer in enumerate(sample["gradients"]["layers"]):
                np.testing.assert_array_equal(layer["weights"], bwd.sample_weights[li][s])
                np.testing.assert_array_equal(layer["biases"], bwd.sample_biases[li][s])
        assert len(doc["steps"]) == len(trace.steps)
        for step, step_doc in zip(trace.steps, doc["steps"], strict=True):
            parts = "terms" if step.op == "sum" else "factors"
            assert STEP_KEYS | {parts} <= set(step_doc)
            assert step_doc["op"] in ("sum", "product", "update", "apply")
            assert step_doc["phase"] in ("forward", "loss", "backward", "update", "check")
            assert len(step_doc[parts]) == len(step.operands)
            np.testing.assert_array_equal(step_doc["value"], step.value)
            for p in range(9):
                text = step.text(p)
                assert text.startswith(step.symbol + " = ")
                result = step.result(p)
                assert text.endswith(" = " + result)
                check_result(step.value, result, p)
                assert not NEGATIVE_ZERO.search(text + step.reason(p)), text


# -- large numbers --------------------------------------------------------------------------

LARGE = settings(max_examples=25, deadline=None)


@LARGE
@given(networks(input_bound=1e4, weight_bound=1.0, max_layers=3))
def test_large_inputs_give_finite_traces(net: Network) -> None:
    with strict_numpy():
        built = traces(net)
    for trace in built:
        for step in trace.steps:
            numbers = [np.asarray(step.value), *(np.asarray(o.value) for o in step.operands)]
            assert all(np.all(np.isfinite(n)) for n in numbers), step.text()
            assert "nan" not in step.text(3) and "inf" not in step.text(3)
        json.dumps(trace.to_json(3), allow_nan=False)


# No shrinking: a failure here is shown, minimal, by test_saturated_bce_sigmoid_products_hold,
# and shrinking networks of ±1e4 inputs takes longer than the rest of this file.
@pytest.mark.parametrize("loss", LOSSES)
@settings(max_examples=15, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(data=st.data())
def test_large_inputs_ops_hold(loss: str, data: st.DataObject) -> None:
    net = data.draw(networks(losses=(loss,), input_bound=1e4, weight_bound=1.0, max_layers=3))
    for trace in traces(net):
        errors = [e for step in trace.steps for e in op_errors(step)]
        assert not errors, f"{trace.granularity}:\n" + "\n".join(errors[:5])


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize(("x", "y"), [(40.0, 0.0), (-800.0, 1.0), (1e4, 0.0), (-1e4, 1.0)])
def test_saturated_bce_sigmoid_products_hold(granularity: str, x: float, y: float) -> None:
    """bce after a sigmoid whose output rounds to exactly 1 (or 0): the gradient is the fused
    o − y, and the chain-rule factors shown for it must still multiply to it."""
    net = Network(
        layers=(Layer("sigmoid", [[1.0]], [0.0]),),
        inputs=[[x]],
        targets=[[y]],
        loss="bce",
        learning_rate=0.1,
    )
    with strict_numpy():
        trace = build_trace(net, granularity)
    errors = [e for step in trace.steps for e in op_errors(step)]
    assert not errors, "\n".join(errors)
    assert math.isfinite(trace.loss)


def test_layer_steps_name_each_gradient_as_it_was_defined_and_by_its_sample() -> None:
    """softmax-3class at layer granularity: ∂E_1/∂h reads the output's ∂E_1/∂o_pre (not a δ1
    never defined), and δ0 inside sample 1's steps reads ∂E_1/∂h (not the batch's ∂E/∂h)."""
    from nntui.engine.presets import PRESETS

    trace = build_trace(PRESETS["softmax-3class"].build(), "layer")
    defined: set[str] = set()
    for step in trace.steps:
        if step.phase != "backward" or step.sample is None:
            continue
        for operand in step.operands:
            symbol = operand.symbol
            if symbol.startswith(("δ", "∂E")) and "·" not in symbol:
                assert symbol in defined, (step.symbol, symbol)
        if step.symbol.startswith(("δ", "∂E")):
            defined.add(step.symbol)
        if step.sample == 1 and step.symbol.startswith("δ"):
            assert "∂E_1/∂h" in step.formula and "∂E/∂" not in step.formula
        if step.sample == 1 and step.kind == "grad_post":
            assert step.formula == "W1ᵀ·∂E_1/∂o_pre"


# -- activations added as records ---------------------------------------------------------------


def test_elu_softplus_silu_steps_are_their_records() -> None:
    """A 1-1-1-1 chain of the three later activations: each activation step names its
    function, each derivative step writes f′ with the neuron's own z, and its value is f′ of
    that z computed with `math` (elu′(z) = e^z for z ≤ 0, softplus′ = σ,
    silu′ = σ·(1 + z·(1 − σ)))."""
    net = Network(
        layers=(
            Layer("elu", [[1.5]], [-2.0]),
            Layer("softplus", [[-0.8]], [0.3]),
            Layer("silu", [[1.2]], [-0.4]),
        ),
        inputs=[[1.0]],
        targets=[[0.5]],
        loss="half_sse",
        learning_rate=0.1,
    )
    steps = build_trace(net, "parameter").steps
    posts = [s for s in steps if s.kind == "post" and s.phase == "forward"]
    assert [s.formula for s in posts] == ["elu(h0_pre0)", "softplus(h1_pre0)", "silu(o_pre)"]
    pre = [float(s.value) for s in steps if s.kind == "pre" and s.phase == "forward"]
    assert pre[0] == -0.5

    def sig(z: float) -> float:
        return 1.0 / (1.0 + math.exp(-z))

    slopes = {s.layer: s for s in steps if s.kind == "deriv"}
    assert slopes[0].formula == "elu′(h0_pre0) = 1 if h0_pre0 > 0, else exp(h0_pre0)"
    assert slopes[0].substituted() == "elu′(−0.5)"
    assert slopes[1].formula == "σ(h1_pre0)"
    assert slopes[2].formula == "σ(o_pre)·(1 + o_pre·(1 − σ(o_pre)))"
    assert slopes[2].substituted() == "silu′(0.856)"
    expected = [
        math.exp(pre[0]),
        sig(pre[1]),
        sig(pre[2]) * (1.0 + pre[2] * (1.0 - sig(pre[2]))),
    ]
    assert [float(slopes[k].value) for k in range(3)] == pytest.approx(expected, rel=1e-14)
    assert "exp(h0_pre0)" in slopes[0].reason()
