"""Every number of the worked example (shared/seed/worked-example.txt), at 3 decimals, in the
document's order, from the trace the debugger and the export both read.

The document has a few slips, and these tests hold the engine to the arithmetic, not the slips:
- its matrix prints 0.8 for w100, but every equation uses 0.7 (SPEC §2); 0.7 is right;
- ∂E/∂w000 = 0.0826 is printed 0.082 (truncated), so w000* = 0.19174 is printed 0.191;
- in the check, W*·x 0.37991 is printed 0.379, h*_pre0 0.2707 is printed 0.27, and o* 0.5188,
  E* 0.1346 are printed 0.518 and 0.134 (truncated).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nntui.engine.compute import backward, forward, sgd_step
from nntui.engine.network import Layer, Network, ParamRef
from nntui.engine.trace import Step, Trace, build_trace


def worked_example() -> Network:
    return Network(
        layers=(
            Layer("relu", [[0.2, -1.2, 0.9], [-0.5, -1.2, 0.3]], [-0.1, 0.2]),
            Layer("sigmoid", [[0.7, -1.1]], [-0.1]),
        ),
        inputs=[[0.9, 0.2, 0.5]],
        targets=[[0.0]],
        loss="half_sse",
        learning_rate=0.1,
        name="Worked example: 3-2-1, ReLU then sigmoid",
    )


@pytest.fixture(scope="module")
def trace() -> Trace:
    return build_trace(worked_example(), "parameter")


def phase(trace: Trace, name: str) -> list[Step]:
    return [step for step in trace.steps if step.phase == name]


def results(steps: list[Step]) -> list[tuple[str, str]]:
    return [(step.symbol, step.result(3)) for step in steps]


# -- the preset ---------------------------------------------------------------------------------


def test_preset_is_the_worked_example() -> None:
    presets = pytest.importorskip("nntui.engine.presets")
    built = presets.PRESETS["worked-example"].build()
    assert built.same_as(worked_example())
    assert built.layers[1].weights[0, 0] == 0.7  # not the 0.8 of the document's matrix


# -- phase by phase, in the document's order ------------------------------------------------------


def test_step_counts_per_phase(trace: Trace) -> None:
    counts = {name: len(phase(trace, name)) for name in ("forward", "loss", "backward")}
    counts |= {name: len(phase(trace, name)) for name in ("update", "check")}
    assert counts == {"forward": 6, "loss": 1, "backward": 17, "update": 11, "check": 7}
    assert len(trace.steps) == 42
    assert [step.index for step in trace.steps] == list(range(42))


def test_forward(trace: Trace) -> None:
    # equations (7)–(10)
    assert results(phase(trace, "forward")) == [
        ("h_pre0", "0.290"),
        ("h0", "0.290"),
        ("h_pre1", "−0.340"),
        ("h1", "0.000"),
        ("o_pre", "0.103"),
        ("o", "0.526"),
    ]


def test_loss(trace: Trace) -> None:
    # equation (11)
    assert results(phase(trace, "loss")) == [("E", "0.138")]
    assert round(trace.loss, 3) == 0.138


def test_backward(trace: Trace) -> None:
    """Equations (13)–(36), a layer at a time from the output."""
    assert results(phase(trace, "backward")) == [
        ("∂E/∂o", "0.526"),  # (13)
        ("∂o/∂o_pre", "0.249"),  # (14)
        ("∂E/∂w100", "0.038"),  # (16)
        ("∂E/∂w101", "0.000"),  # (19)
        ("∂E/∂b10", "0.131"),  # (21)
        ("∂E/∂h0", "0.092"),  # (24)
        ("∂E/∂h1", "−0.144"),  # (29)
        ("∂h0/∂h_pre0", "1.000"),  # (25)
        ("∂h1/∂h_pre1", "0.000"),  # relu′ of the inactive h1, used in (32)–(34), (36)
        # (27): the document prints 0.082, but 0.0917587·0.9 = 0.0825828 rounds to 0.083
        ("∂E/∂w000", "0.083"),
        ("∂E/∂w001", "0.018"),  # (30)
        ("∂E/∂w002", "0.046"),  # (31)
        ("∂E/∂w010", "0.000"),  # (32)
        ("∂E/∂w011", "0.000"),  # (33)
        ("∂E/∂w012", "0.000"),  # (34)
        ("∂E/∂b00", "0.092"),  # (35)
        ("∂E/∂b01", "0.000"),  # (36)
    ]


def test_backward_chain_rule_factors(trace: Trace) -> None:
    steps = {step.symbol: step for step in phase(trace, "backward")}

    def factors(symbol: str) -> list[str]:
        return [f"{operand.value:.3f}" for operand in steps[symbol].operands]

    assert steps["∂E/∂w100"].op == "product"
    assert factors("∂E/∂w100") == ["0.526", "0.249", "0.290"]  # (16)
    assert factors("∂E/∂w101") == ["0.526", "0.249", "0.000"]  # (19)
    assert factors("∂E/∂b10") == ["0.526", "0.249", "1.000"]  # (21)
    assert factors("∂E/∂h0") == ["0.526", "0.249", "0.700"]  # (24): w100 is 0.7
    assert factors("∂E/∂h1") == ["0.526", "0.249", "-1.100"]  # (29)
    assert factors("∂E/∂w000") == ["0.092", "1.000", "0.900"]  # (27)
    assert factors("∂E/∂w001") == ["0.092", "1.000", "0.200"]  # (30)
    assert factors("∂E/∂w002") == ["0.092", "1.000", "0.500"]  # (31)
    assert factors("∂E/∂w010") == ["-0.144", "0.000", "0.900"]  # (32)
    assert factors("∂E/∂w011") == ["-0.144", "0.000", "0.200"]  # (33)
    assert factors("∂E/∂w012") == ["-0.144", "0.000", "0.500"]  # (34)
    assert factors("∂E/∂b00") == ["0.092", "1.000", "1.000"]  # (35)
    assert factors("∂E/∂b01") == ["-0.144", "0.000", "1.000"]  # (36)
    # the exact value behind the document's truncated 0.082
    assert math.isclose(steps["∂E/∂w000"].value, 0.0825828, abs_tol=5e-8)


def test_weighted_sums_before_the_bias(trace: Trace) -> None:
    """(7) W·x = [0.39, −0.54], (9) 0.203 − 0.1, (44) W*·x = [0.380, −0.54], (46) 0.188 − 0.113.

    (44) prints 0.379, carried from its truncated w000* = 0.191: 0.37991 rounds to 0.380."""

    def split(step: Step) -> tuple[str, str]:
        *products, bias = step.operands
        return f"{sum(o.value for o in products):.3f}", f"{bias.value:.3f}"

    forward_sums = [split(s) for s in phase(trace, "forward") if s.kind == "pre"]
    check_sums = [split(s) for s in phase(trace, "check") if s.kind == "pre"]
    assert forward_sums == [("0.390", "-0.100"), ("-0.540", "0.200"), ("0.203", "-0.100")]
    assert check_sums == [("0.380", "-0.109"), ("-0.540", "0.200"), ("0.188", "-0.113")]


def test_backward_params(trace: Trace) -> None:
    grads = [step for step in phase(trace, "backward") if step.kind == "grad"]
    names = [step.param.name for step in grads if step.param is not None]
    assert names == [
        *("w100", "w101", "b10"),
        *("w000", "w001", "w002", "w010", "w011", "w012", "b00", "b01"),
    ]
    assert grads[0].param == ParamRef(1, "weight", 0, 0)
    assert grads[0].param.to_json() == {"layer": 1, "kind": "weight", "neuron": 0, "input": 0}
    assert grads[2].param.to_json() == {"layer": 1, "kind": "bias", "neuron": 0, "input": None}


def test_update(trace: Trace) -> None:
    """Equations (18), (20), (22), (28), (37)–(43): output layer first."""
    assert results(phase(trace, "update")) == [
        ("w100*", "0.696"),
        ("w101*", "−1.100"),
        ("b10*", "−0.113"),
        # (28): the document prints 0.191 from its truncated 0.082; 0.2 − 0.1·0.0826 = 0.19174
        ("w000*", "0.192"),
        ("w001*", "−1.202"),
        ("w002*", "0.895"),
        ("w010*", "−0.500"),
        ("w011*", "−1.200"),
        ("w012*", "0.300"),
        ("b00*", "−0.109"),
        ("b01*", "0.200"),
    ]
    for step in phase(trace, "update"):
        assert step.op == "update"
        assert step.operands[1].value == 0.1  # µ


def test_check(trace: Trace) -> None:
    """Equations (44)–(48), the forward pass again with the new parameters."""
    assert results(phase(trace, "check")) == [
        ("h_pre0*", "0.271"),  # (44): printed 0.27
        ("h0*", "0.271"),  # (45)
        ("h_pre1*", "−0.340"),
        ("h1*", "0.000"),
        ("o_pre*", "0.075"),  # (46)
        ("o*", "0.519"),  # (47): the document truncates 0.5188 to 0.518
        ("E*", "0.135"),  # (48): the document truncates 0.1346 to 0.134
    ]
    assert round(trace.loss_after, 3) == 0.135
    assert trace.loss_after < trace.loss  # "we reduced the error"


def test_document_numbers_match_the_engine() -> None:
    """The same numbers straight from the engine, without the trace."""
    net = worked_example()
    fwd = forward(net)
    bwd = backward(net, fwd)
    after = sgd_step(net, bwd)
    fwd_after = forward(after)
    r = np.round
    np.testing.assert_array_equal(r(fwd.pre[0][0], 3), [0.29, -0.34])
    np.testing.assert_array_equal(r(fwd.post[0][0], 3), [0.29, 0.0])
    assert r(fwd.pre[1][0, 0], 3) == 0.103
    assert r(fwd.post[1][0, 0], 3) == 0.526
    assert r(fwd.loss, 3) == 0.138
    np.testing.assert_array_equal(r(bwd.weights[1], 3), [[0.038, 0.0]])
    np.testing.assert_array_equal(r(bwd.biases[1], 3), [0.131])
    np.testing.assert_array_equal(r(bwd.grad_post[0][0], 3), [0.092, -0.144])
    np.testing.assert_array_equal(r(bwd.weights[0], 3), [[0.083, 0.018, 0.046], [0, 0, 0]])
    np.testing.assert_array_equal(r(bwd.biases[0], 3), [0.092, 0.0])
    np.testing.assert_array_equal(r(after.layers[1].weights, 3), [[0.696, -1.1]])
    np.testing.assert_array_equal(r(after.layers[1].biases, 3), [-0.113])
    np.testing.assert_array_equal(
        r(after.layers[0].weights, 3), [[0.192, -1.202, 0.895], [-0.5, -1.2, 0.3]]
    )
    np.testing.assert_array_equal(r(after.layers[0].biases, 3), [-0.109, 0.2])
    np.testing.assert_array_equal(r(fwd_after.pre[0][0], 3), [0.271, -0.34])
    assert r(fwd_after.pre[1][0, 0], 3) == 0.075
    assert r(fwd_after.post[1][0, 0], 3) == 0.519
    assert r(fwd_after.loss, 3) == 0.135


# -- the step texts ---------------------------------------------------------------------------


def test_texts(trace: Trace) -> None:
    texts = [step.text(3) for step in trace.steps]
    for expected in (
        "h_pre0 = 0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1) = 0.290",
        "h_pre1 = −0.5·0.9 + (−1.2)·0.2 + 0.3·0.5 + 0.2 = −0.340",
        "h0 = relu(0.29) = 0.290",
        "o_pre = 0.7·0.29 + (−1.1)·0 + (−0.1) = 0.103",
        "o = σ(0.103) = 0.526",
        "E = ½·(0 − 0.526)² = 0.138",
        "∂E/∂o = 0.526 − 0 = 0.526",
        "∂o/∂o_pre = 0.526·(1 − 0.526) = 0.249",
        "∂E/∂w100 = 0.526 · 0.249 · 0.29 = 0.038",
        "∂E/∂w101 = 0.526 · 0.249 · 0 = 0.000",
        "∂E/∂b10 = 0.526 · 0.249 · 1 = 0.131",
        "∂E/∂h0 = 0.526 · 0.249 · 0.7 = 0.092",
        "∂E/∂h1 = 0.526 · 0.249 · (−1.1) = −0.144",
        "∂E/∂w000 = 0.092 · 1 · 0.9 = 0.083",
        "∂E/∂w010 = −0.144 · 0 · 0.9 = 0.000",
        "w100* = 0.7 − 0.1·0.038 = 0.696",
        "w101* = −1.1 − 0.1·0 = −1.100",
        "b10* = −0.1 − 0.1·0.131 = −0.113",
        "w000* = 0.2 − 0.1·0.083 = 0.192",
        "o* = σ(0.075) = 0.519",
    ):
        assert expected in texts


def test_first_step_json(trace: Trace) -> None:
    """The example step of SPEC §4."""
    doc = trace.steps[0].to_json(3)
    assert doc["index"] == 0
    assert doc["phase"] == "forward"
    assert doc["sample"] == 0
    assert doc["target"] == "pre[0][0]"
    assert doc["symbol"] == "h_pre0"
    assert doc["formula"] == "w000·x0 + w001·x1 + w002·x2 + b00"
    assert doc["op"] == "sum"
    assert doc["terms"][0]["symbol"] == "w000·x0"
    assert math.isclose(doc["terms"][0]["value"], 0.18)
    assert [t["symbol"] for t in doc["terms"]] == ["w000·x0", "w001·x1", "w002·x2", "b00"]
    assert math.isclose(doc["value"], 0.29)
    assert doc["param"] is None
    assert doc["text"] == "h_pre0 = 0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1) = 0.290"


def test_why_sentences(trace: Trace) -> None:
    steps = {step.symbol: step for step in trace.steps}
    # (19)–(20): "Gradient for w101 is zero because ReLU of first layer gave h1 = 0"
    assert "inactive relu" in steps["∂E/∂w101"].why.lower()
    assert "inactive relu" in steps["h1"].why.lower()
    for symbol in ("∂E/∂w010", "∂E/∂w011", "∂E/∂w012", "∂E/∂b01"):
        assert "inactive relu" in steps[symbol].why.lower()
    assert "ŷ = 1" in steps["o"].why  # "Output o is > 0.5 so the prediction would be ŷ = 1"
    assert "does not change" in steps["w101*"].why
    for step in trace.steps:
        assert step.why.strip(), step.symbol


def test_the_sums_before_the_bias_are_shown_too(trace: Trace) -> None:
    """(7) W·x = [0.39, −0.54], (9) 0.203, (44) 0.379 (really 0.380), (46) 0.188: the class
    sees them in each weighted sum's sentence, in the document's order."""
    reasons = [s.reason(3) for s in trace.steps if s.kind == "pre"]
    expected = ["0.390", "−0.540", "0.203", "0.380", "−0.540", "0.188"]
    for reason, number in zip(reasons, expected, strict=True):
        assert number in reason, (number, reason)
    assert json_why(trace, 0) == reasons[0]


def json_why(trace: Trace, index: int) -> str:
    return trace.to_json(3)["steps"][index]["why"]
