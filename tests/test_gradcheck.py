"""`nntui gradcheck` (SPEC §2): backprop against central finite differences, exit 1 when the
largest relative error exceeds 1e-6, 2 for bad input."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from nntui.cli import main
from nntui.engine import compute
from nntui.engine.gradcheck import TOLERANCE, check_gradients, relative_error
from nntui.engine.network import Layer, Network
from nntui.engine.presets import PRESETS, resolve_network


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_passes(name: str) -> None:
    net = resolve_network(name)
    result = check_gradients(net)
    assert len(result.parameters) == net.n_params
    assert result.passed, (result.largest, name)
    assert result.largest is not None
    assert result.largest.relative_error is not None
    assert result.largest.relative_error <= TOLERANCE
    # The names are the network's own, in params() order.
    assert [check.name for check in result.parameters] == [
        net.param_name(ref) for ref in net.params()
    ]


def test_the_worked_example_prints_a_table_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradcheck"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[1].split()[:2] == ["parameter", "backprop"]
    rows = lines[2:-1]
    assert len(rows) == 11
    assert rows[0].split()[0] == "w000"
    # Each row: the name, backprop, the finite difference, the relative error, which agree.
    for row in rows:
        _name, backprop, difference, error = row.split()
        assert abs(float(backprop) - float(difference)) <= 1e-6 * abs(float(backprop)) + 1e-12
        assert float(error) <= TOLERANCE
    assert lines[-1].startswith("largest relative error: ")
    assert "within 1e-6" in lines[-1]


def _wrong_backward(factor: float, position: int):
    """`compute.backward` with the batch gradient of one weight of layer 0 scaled."""
    right = compute.backward

    def backward(net, fwd, batch=None):
        grads = right(net, fwd, batch)
        weights = [array.copy() for array in grads.weights]
        weights[0].flat[position] *= factor
        return dataclasses.replace(grads, weights=tuple(weights))

    return backward


@pytest.mark.parametrize("factor", [1 + 1e-5, 2.0, 0.0])
def test_a_wrong_gradient_exits_1_and_is_named_last(
    factor: float, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Off by 1e-5 relative, doubled, or zeroed: caught, and the last line names it."""
    monkeypatch.setattr(compute, "backward", _wrong_backward(factor, 1))
    assert main(["gradcheck", "xor"]) == 1
    out, _ = capsys.readouterr()
    last = out.splitlines()[-1]
    assert "(w001)" in last
    assert "above 1e-6: backprop disagrees" in last


def test_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradcheck", "softmax-3class", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "nntui-gradcheck/1"
    assert document["passed"] is True
    net = resolve_network("softmax-3class")
    assert [entry["name"] for entry in document["parameters"]] == [
        net.param_name(ref) for ref in net.params()
    ]
    largest = max(document["parameters"], key=lambda entry: entry["relative_error"])
    assert document["largest"] == {
        "name": largest["name"],
        "relative_error": largest["relative_error"],
    }


def test_json_says_failed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(compute, "backward", _wrong_backward(3.0, 0))
    assert main(["gradcheck", "iris", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is False
    assert document["largest"]["name"] == "w000"


def test_relative_error_has_no_zero_over_zero() -> None:
    assert relative_error(0.0, 0.0, 1.0) == 0.0
    # A zero gradient beside round-off is not a failure; beside a real slope it is.
    assert relative_error(0.0, 1e-13, 1.0) <= TOLERANCE
    assert relative_error(0.0, 1e-3, 1.0) == 1.0
    assert relative_error(1.0, 1.0 + 1e-5, 1.0) == pytest.approx(1e-5 / (1 + 1e-5), rel=1e-9)


def _relu_at_its_corner() -> Network:
    """One relu neuron whose pre-activation is exactly 0: its bias sits on the corner."""
    return Network(
        layers=(Layer("relu", [[0.5]], [-0.5]), Layer("sigmoid", [[1.5]], [0.1])),
        inputs=[[1.0]],
        targets=[[1.0]],
        loss="bce",
        learning_rate=0.1,
    )


def test_a_parameter_on_a_relu_corner_is_listed_but_not_counted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = check_gradients(_relu_at_its_corner())
    corners = {check.name for check in result.parameters if check.corner}
    assert corners == {"w000", "b00"}
    assert result.passed
    assert result.largest is not None and not result.largest.corner


def test_a_step_near_a_corner_is_made_smaller() -> None:
    """A pre-activation 2e-5 above 0: the first step (1e-4) crosses, the second (1e-5) does
    not, and the bias is checked."""
    net = dataclasses.replace(
        _relu_at_its_corner(),
        layers=(Layer("relu", [[0.5]], [-0.5 + 2e-5]), Layer("sigmoid", [[1.5]], [0.1])),
    )
    result = check_gradients(net)
    assert not any(check.corner for check in result.parameters)
    assert result.passed


def test_a_mini_batch_checks_the_batch_loss() -> None:
    """With a batch size, the loss of the batch the next step uses (SPEC §6)."""
    net = dataclasses.replace(resolve_network("xor"), batch_size=2)
    result = check_gradients(net)
    full = compute.backward(net, compute.forward(net))
    full_flat = net.layout.flatten(full.weights, full.biases)
    assert result.passed
    assert not np.allclose([check.backprop for check in result.parameters], full_flat)


@pytest.mark.parametrize(
    "args",
    [
        ["gradcheck", "no-such-net"],
        ["gradcheck", "--format", "yaml"],
        ["gradcheck", "missing.toml"],
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("nntui: error: ")
    assert err.count("\n") == 1


def test_a_loss_that_is_not_finite_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "inf.json"
    path.write_text(
        json.dumps(
            {
                "loss": "half_sse",
                "learning_rate": 0.1,
                "layers": [{"activation": "linear", "weights": [[1e200]], "biases": [0.0]}],
                "samples": [{"x": [1e200], "y": [0.0]}],
            }
        ),
        encoding="utf-8",
    )
    assert main(["gradcheck", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert (
        err == f"nntui: error: {path}: the loss is not finite (inf): no gradient can be checked\n"
    )


def test_an_overflowing_difference_fails_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """A finite loss whose steps overflow (a saturated sigmoid fed 1e200): NaN, a failure."""
    net = Network(
        layers=(Layer("sigmoid", [[1e200]], [0.0]), Layer("linear", [[1.0]], [0.0])),
        inputs=[[1e200]],
        targets=[[3.0]],
        loss="half_sse",
        learning_rate=0.1,
    )
    result = check_gradients(net)
    assert not result.passed
    assert result.largest is not None and result.largest.name == "w000"
