"""Editing a network's numbers: a weight or a bias, an input x, a target y, the learning rate.

Each takes only finite numbers; a target only one the loss accepts (bce: between 0 and 1;
cross_entropy: a distribution — the loss records' `target_problem`), and a learning rate ≥ 0, as
in a network file. A network whose samples come from a `[data]` table keeps them as the table
makes them: saving writes the table back, not the samples, so its x and y are not edited.

The training run (the optimizer's step count and vectors) carries on through these edits, as
through a step: "what if w100 were 0.5 now?" asks about this point of the run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from nntui.engine.edit.errors import EditError, count, finite, with_layers
from nntui.engine.network import Layer, Network, ParamRef
from nntui.engine.ops.losses import LOSSES as LOSS_RECORDS

__all__ = [
    "number_from_text",
    "set_input",
    "set_learning_rate",
    "set_parameter",
    "set_target",
    "set_target_row",
    "target_problem",
]


def number_from_text(text: str) -> float:
    """The finite number `text` holds (as a dialog's user typed it: spaces around it, `1e-3`,
    the screen's minus sign −); ValueError with one line saying why not."""
    stripped = text.strip().replace("\u2212", "-")
    shown = stripped if len(stripped) <= 40 else stripped[:40] + "…"
    if not stripped:
        raise ValueError("type a number")
    try:
        value = float(stripped)
    except ValueError:
        raise ValueError(f"not a number: {shown!r}") from None
    if math.isnan(value) or (math.isinf(value) and "inf" in stripped.lower()):
        raise ValueError(f"must be a finite number, got {shown!r}")
    if math.isinf(value):
        raise ValueError(f"{shown} is too big for a 64-bit float")
    return value


def set_parameter(net: Network, ref: ParamRef, value: float) -> Network:
    """`net` with the weight or bias `ref` (one parameter) set to `value`."""
    _check_parameter(net, ref)
    number = finite(value, net.param_name(ref))
    layer = net.layers[ref.layer]
    assert ref.neuron is not None
    if ref.kind == "weight":
        weights = layer.weights.copy()
        weights[ref.neuron, ref.input] = number
        changed = Layer(layer.activation, weights, layer.biases)
    else:
        biases = layer.biases.copy()
        biases[ref.neuron] = number
        changed = Layer(layer.activation, layer.weights, biases)
    return with_layers(net, {ref.layer: changed})


def _check_parameter(net: Network, ref: ParamRef) -> None:
    """`ref` names one weight or bias that `net` has."""
    if not 0 <= ref.layer < len(net.layers):
        raise EditError(ref.name, f"no such parameter: the network has {len(net.layers)} layers")
    layer = net.layers[ref.layer]
    if ref.neuron is None or (ref.kind == "weight" and ref.input is None):
        raise EditError(ref.name, "names a row or a layer; an edit sets one weight or bias")
    if not 0 <= ref.neuron < layer.size:
        raise EditError(
            ref.name, f"no such parameter: layer {ref.layer} has {count(layer.size, 'neuron')}"
        )
    if ref.kind == "weight" and not 0 <= (ref.input or 0) < layer.fan_in:
        raise EditError(
            ref.name, f"no such parameter: layer {ref.layer} has {count(layer.fan_in, 'input')}"
        )


def set_input(net: Network, sample: int, index: int, value: float) -> Network:
    """`net` with input `index` of training sample `sample` set to `value`."""
    field = f"samples[{sample}].x[{index}]"
    _check_sample_edit(net, sample, field)
    if not 0 <= index < net.shape[0]:
        raise EditError(field, f"no such input: the network takes {count(net.shape[0], 'input')}")
    inputs = net.inputs.copy()
    inputs[sample, index] = finite(value, field)
    return replace(net, inputs=inputs)


def set_target(net: Network, sample: int, index: int, value: float) -> Network:
    """`net` with target `index` of training sample `sample` set to `value`, if the loss
    accepts the sample's target then (a cross_entropy target is a distribution, so one entry of
    it cannot change alone: `set_target_row` sets them all)."""
    field = f"samples[{sample}].y[{index}]"
    _check_sample_edit(net, sample, field)
    outputs = net.shape[-1]
    if not 0 <= index < outputs:
        raise EditError(field, f"no such target: the network has {count(outputs, 'output')}")
    row = net.targets[sample].tolist()
    row[index] = finite(value, field)
    return _with_target_row(net, sample, row, alone=index)


def set_target_row(net: Network, sample: int, values: Sequence[float]) -> Network:
    """`net` with every target of training sample `sample` set to `values` (one per output)."""
    field = f"samples[{sample}].y"
    _check_sample_edit(net, sample, field)
    outputs = net.shape[-1]
    if len(values) != outputs:
        raise EditError(
            field, f"has {count(len(values), 'number')}, but the network has {outputs} outputs"
        )
    row = [finite(value, f"{field}[{k}]") for k, value in enumerate(values)]
    return _with_target_row(net, sample, row, alone=None)


def _with_target_row(net: Network, sample: int, row: list[float], alone: int | None) -> Network:
    problem = target_problem(net.loss, row)
    if problem is not None:
        entry, message = problem
        field = f"samples[{sample}].y" + ("" if entry is None else f"[{entry}]")
        if entry is None and alone is not None:
            message += "; set the whole target at once (e.g. one-hot)"
        raise EditError(field, message)
    targets = net.targets.copy()
    targets[sample] = row
    return replace(net, targets=targets)


def _check_sample_edit(net: Network, sample: int, field: str) -> None:
    if net.data is not None:
        raise EditError(
            field,
            f"the samples come from the network's [data] table ({net.data.description}); "
            "saving writes the table, so its samples are not edited one by one",
        )
    if not 0 <= sample < net.n_samples:
        raise EditError(field, f"no such sample: the network has {count(net.n_samples, 'sample')}")


def target_problem(loss: str, row: Sequence[float]) -> tuple[int | None, str] | None:
    """What is wrong with one sample's targets `row` for `loss` (the entry at fault, or None
    for the whole row, and the message), or None when the loss accepts them."""
    rule = LOSS_RECORDS[loss].target_problem
    return None if rule is None else rule(row)


def set_learning_rate(net: Network, value: float) -> Network:
    """`net` with learning rate `value` (finite, ≥ 0: 0 is allowed, nothing moves)."""
    rate = finite(value, "learning_rate")
    if rate < 0:
        raise EditError("learning_rate", f"must be >= 0, got {rate!r}")
    return replace(net, learning_rate=rate)
