"""Which activations and losses a network may take, and changing them.

The rules, stricter than a network file's where a file would still load but teach the wrong
thing (`pairing_problem`, `hidden_problem`): softmax only on the output layer, with
cross_entropy and at least two outputs; bce needs a sigmoid output and cross_entropy a softmax
one (SPEC §1); and the targets must suit the loss. `activation_choices` and `loss_choices` list
what one layer or the loss may become with everything else as it is; `output_choices` lists the
(output activation, loss) pairs that may change together — the only way from sigmoid with bce to
softmax with cross_entropy, where changing either alone breaks a rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from nntui.engine.edit.errors import EditError, count, did_you_mean, with_layers
from nntui.engine.edit.values import target_problem
from nntui.engine.init import default_initialisation, initialisation
from nntui.engine.network import Network
from nntui.engine.ops.activations import activation as activation_record
from nntui.engine.ops.losses import LOSSES as LOSS_RECORDS
from nntui.engine.schema import ACTIVATION_ALIASES, ACTIVATIONS, LOSSES

__all__ = [
    "activation_choices",
    "activation_name",
    "hidden_problem",
    "loss_choices",
    "loss_name",
    "output_choices",
    "pairing_problem",
    "set_activation",
    "set_loss",
    "set_output",
]


def activation_name(name: str, field: str = "activation") -> str:
    """The activation `name` names (the alias `identity` is `linear`); EditError for an
    unknown name, with the closest known one when it looks like a typo."""
    name = ACTIVATION_ALIASES.get(name, name)
    if name not in ACTIVATIONS:
        raise EditError(field, f"unknown activation {name!r}{did_you_mean(name, ACTIVATIONS)}")
    return name


def initialisation_name(init: str | None, activations: Sequence[str]) -> str:
    """`init`, checked, or the default for a network of these activations (he for relu,
    else xavier); EditError for an unknown name."""
    if init is None:
        return default_initialisation(activations)
    try:
        return initialisation(init).name
    except ValueError as err:
        raise EditError("init", str(err)) from None


def loss_name(name: str) -> str:
    if name not in LOSSES:
        raise EditError("loss", f"unknown loss {name!r}{did_you_mean(name, LOSSES)}")
    return name


def _paired_loss(activation: str) -> str:
    """The loss that requires `activation` as its output (softmax: cross_entropy)."""
    return next((name for name, rec in LOSS_RECORDS.items() if rec.output == activation), "")


def hidden_problem(activation: str) -> str | None:
    """Why a hidden layer cannot have `activation`, or None."""
    if activation_record(activation).distribution:
        return f"{activation} is for the output layer only (with {_paired_loss(activation)})"
    return None


def pairing_problem(activation: str, loss: str, outputs: int) -> str | None:
    """Why an output layer of `outputs` neurons with `activation` cannot go with `loss`, or
    None: bce needs a sigmoid output and cross_entropy a softmax one (SPEC §1), softmax goes
    with cross_entropy only, and softmax needs two outputs (one neuron's softmax is always 1)."""
    needed = LOSS_RECORDS[loss].output
    if needed is not None and activation != needed:
        return f"{loss} needs a {needed} output layer, not {activation}"
    if activation_record(activation).distribution:
        paired = _paired_loss(activation)
        if loss != paired:
            return f"a {activation} output goes with {paired} only"
        if outputs < 2:
            return (
                f"{activation} (and so {paired}) needs at least 2 output neurons: "
                f"the {activation} of one neuron is always 1"
            )
    return None


def _activation_problem(net: Network, layer: int, activation: str) -> str | None:
    if layer < len(net.layers) - 1:
        return hidden_problem(activation)
    return pairing_problem(activation, net.loss, net.shape[-1])


def _loss_problem(net: Network, loss: str, activation: str | None = None) -> str | None:
    """Why `net` (its output activation `activation`, by default its own) cannot have `loss`."""
    output = net.layers[-1].activation if activation is None else activation
    return pairing_problem(output, loss, net.shape[-1]) or _targets_problem(net, loss)


def _targets_problem(net: Network, loss: str) -> str | None:
    """The first training or held-out target that `loss` does not accept, said in one line."""
    if LOSS_RECORDS[loss].target_problem is None:
        return None
    for which, targets in (("samples", net.targets), ("held-out samples", net.test_targets)):
        for sample, row in enumerate(targets.tolist()):
            problem = target_problem(loss, row)
            if problem is not None:
                entry, message = problem
                where = f"{which}[{sample}].y" + ("" if entry is None else f"[{entry}]")
                return f"the targets do not fit {loss}: {where} {message}"
    return None


def _check_layer_index(net: Network, layer: int, field: str) -> None:
    if not 0 <= layer < len(net.layers):
        raise EditError(field, f"no such layer: the network has {count(len(net.layers), 'layer')}")


def activation_choices(net: Network, layer: int) -> tuple[str, ...]:
    """The activations layer `layer` may take, everything else as it is (its own among them
    when `net` follows the rules), in SPEC §1's order."""
    _check_layer_index(net, layer, f"layers[{layer}].activation")
    return tuple(name for name in ACTIVATIONS if _activation_problem(net, layer, name) is None)


def set_activation(net: Network, layer: int, activation: str) -> Network:
    """`net` with layer `layer`'s activation `activation`, if it is among `activation_choices`."""
    field = f"layers[{layer}].activation"
    _check_layer_index(net, layer, field)
    name = activation_name(activation, field)
    problem = _activation_problem(net, layer, name)
    if problem is not None:
        raise EditError(field, problem)
    return with_layers(net, {layer: replace(net.layers[layer], activation=name)})


def loss_choices(net: Network) -> tuple[str, ...]:
    """The losses `net` may take with its output layer and targets as they are."""
    return tuple(name for name in LOSSES if _loss_problem(net, name) is None)


def set_loss(net: Network, loss: str) -> Network:
    """`net` with loss `loss`, if it is among `loss_choices`."""
    problem = _loss_problem(net, loss_name(loss))
    if problem is not None:
        raise EditError("loss", problem)
    return replace(net, loss=loss)


def output_choices(net: Network) -> tuple[tuple[str, str], ...]:
    """Every (output activation, loss) pair `net` may take together, its targets as they are:
    changing both at once is the only way from sigmoid with bce to softmax with cross_entropy."""
    return tuple(
        (activation, loss)
        for activation in ACTIVATIONS
        for loss in LOSSES
        if _loss_problem(net, loss, activation) is None
    )


def set_output(net: Network, activation: str, loss: str) -> Network:
    """`net` with the output activation `activation` and the loss `loss` together, if the pair
    is among `output_choices`."""
    last = len(net.layers) - 1
    name = activation_name(activation, f"layers[{last}].activation")
    problem = _loss_problem(net, loss_name(loss), name)
    if problem is not None:
        raise EditError("loss", problem)
    changed = with_layers(net, {last: replace(net.layers[last], activation=name)})
    return replace(changed, loss=loss)
