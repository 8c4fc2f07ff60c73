"""Changing a network's architecture: a neuron or a hidden layer more or less.

Every weight and bias that still has a place keeps its number exactly; new weights come from a
seeded initialisation (`nntui.engine.init`), new biases are 0.

**When a layer is added or removed**, the layer after it reads different inputs. Its biases are
kept. Its weights are kept when their shape still fits — a new layer of as many neurons as the
column before it, or a removed layer that had as many neurons as inputs — and drawn afresh
from the initialisation otherwise: an old weight then has no input of its own left to read
(trimming or padding the matrix would pair old numbers with inputs they never saw, which looks
like keeping them but is not). So a lecturer who wants to keep the next layer's weights inserts a
layer as wide as the column before it.

**New weights are seeded by the seed and by the network they join**: the same edit of the same
network with the same seed draws the same numbers (redo and tests reproduce them), while a
second neuron added after a first, with the same seed, draws different ones. Two neurons that
start with the same weights get the same gradients and stay twins forever, which is a lesson,
but not one an edit should teach by accident.

**The training run starts over** (t = 0, the optimizer's vectors 0, as for a network just
opened): momentum and Adam's m and v hold one entry per parameter in the flat order, which a
neuron or a layer more or less shifts. The other edits keep the run.

**Size limits** (`size_problem`): `MAX_NEURONS` a column, `MAX_LAYERS` layers and
`MAX_PARAMETERS` parameters, for a network made (`nntui new`) or grown here.
"""

from __future__ import annotations

import hashlib
import itertools
import numbers
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from nntui.engine.edit.choices import activation_name, hidden_problem, initialisation_name
from nntui.engine.edit.errors import EditError, count, with_layers
from nntui.engine.init import initial_values
from nntui.engine.network import Layer, Network

__all__ = [
    "MAX_LAYERS",
    "MAX_NEURONS",
    "MAX_PARAMETERS",
    "add_layer",
    "add_neuron",
    "remove_layer",
    "remove_neuron",
    "size_problem",
]

#: The most neurons a column (the inputs, or a layer) may have: MNIST's 784 inputs fit, and a
#: column of 4096 boxes is already more than a screen or a class can follow.
MAX_NEURONS = 4096
#: The most layers a network made or edited here may have.
MAX_LAYERS = 32
#: The most parameters: a network file of a million numbers is about 20 MB, within what the
#: loader reads (64 MB), and a training step of it takes a fraction of a second.
MAX_PARAMETERS = 1_000_000


def size_problem(shape: Sequence[int]) -> str | None:
    """Why a network of `shape` (inputs first) is too big to make or edit here, or None."""
    if len(shape) - 1 > MAX_LAYERS:
        return f"at most {MAX_LAYERS} layers, got {len(shape) - 1}"
    for column, size in enumerate(shape):
        if size > MAX_NEURONS:
            return f"at most {MAX_NEURONS:,} neurons a column; column {column} has {size:,}"
    params = sum(size * (fan_in + 1) for fan_in, size in itertools.pairwise(shape))
    if params > MAX_PARAMETERS:
        return f"{count(params, 'parameter')}; at most {MAX_PARAMETERS:,}"
    return None


def add_neuron(
    net: Network, layer: int, position: int, init: str | None = None, seed: int = 0
) -> Network:
    """`net` with a new neuron at `position` (0 … size) of hidden layer `layer`: its weights in
    (a row of layer `layer`) and out (a column of the next layer) drawn by `init` (by default
    `default_initialisation` of the network's activations) with `seed`, its bias 0. Every
    other number stays as it was."""
    field = f"layers[{layer}]"
    _check_hidden(net, layer, field, "add a neuron to")
    old = net.layers[layer]
    if not 0 <= position <= old.size:
        raise EditError(field, f"a new neuron goes at 0 to {old.size}, not at {position}")
    shape = list(net.shape)
    shape[layer + 1] += 1
    _check_size(shape, field)
    name = initialisation_name(init, [layer.activation for layer in net.layers])
    generator = _edit_generator(net, seed, 1, layer, position)
    row = initial_values(name, generator, old.fan_in, rows=old.size + 1, fan_in=old.fan_in)
    after = net.layers[layer + 1]
    column = initial_values(name, generator, after.size, rows=after.size, fan_in=old.size + 1)
    grown = Layer(
        old.activation,
        np.insert(old.weights, position, row, axis=0),
        np.insert(old.biases, position, 0.0),
    )
    fed = Layer(after.activation, np.insert(after.weights, position, column, axis=1), after.biases)
    return _rebuilt(with_layers(net, {layer: grown, layer + 1: fed}))


def remove_neuron(net: Network, layer: int, neuron: int) -> Network:
    """`net` without neuron `neuron` of hidden layer `layer`: its row of weights and its bias,
    and the next layer's column of weights that read it. Every other number stays."""
    field = f"layers[{layer}]"
    _check_hidden(net, layer, field, "remove a neuron from")
    old = net.layers[layer]
    if not 0 <= neuron < old.size:
        neurons = count(old.size, "neuron")
        raise EditError(field, f"no neuron {neuron}: layer {layer} has {neurons}")
    if old.size == 1:
        raise EditError(field, "is down to one neuron; remove the layer instead")
    after = net.layers[layer + 1]
    shrunk = Layer(
        old.activation, np.delete(old.weights, neuron, axis=0), np.delete(old.biases, neuron)
    )
    fed = Layer(after.activation, np.delete(after.weights, neuron, axis=1), after.biases)
    return _rebuilt(with_layers(net, {layer: shrunk, layer + 1: fed}))


def add_layer(
    net: Network,
    index: int,
    size: int,
    activation: str,
    init: str | None = None,
    seed: int = 0,
) -> Network:
    """`net` with a new hidden layer of `size` neurons as layer `index` (0: right after the
    inputs; at most the output layer's index, for the new layer goes before it): its weights
    drawn by `init` with `seed`, its biases 0. The layer that was at `index` keeps its biases,
    and its weights when the new layer has as many neurons as it had inputs; else they are drawn
    for the new fan-in (see the module's docstring for why)."""
    field = f"layers[{index}]"
    last = len(net.layers) - 1
    if not 0 <= index <= last:
        raise EditError(field, f"a new hidden layer goes at 0 to {last} (before the output layer)")
    name = activation_name(activation, f"{field}.activation")
    problem = hidden_problem(name)
    if problem is not None:
        raise EditError(f"{field}.activation", problem)
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise EditError(field, f"a layer needs at least one neuron, got {size!r}")
    shape = list(net.shape)
    shape.insert(index + 1, size)
    _check_size(shape, field)
    chosen = initialisation_name(init, [name, *(layer.activation for layer in net.layers)])
    generator = _edit_generator(net, seed, 2, index, size)
    fan_in = net.shape[index]
    weights = initial_values(chosen, generator, (size, fan_in), rows=size, fan_in=fan_in)
    new = Layer(name, weights, np.zeros(size))
    after = _refed(net.layers[index], size, chosen, generator)
    return _rebuilt(
        replace(net, layers=(*net.layers[:index], new, after, *net.layers[index + 1 :]))
    )


def remove_layer(net: Network, index: int, init: str | None = None, seed: int = 0) -> Network:
    """`net` without hidden layer `index`. The layer after it now reads what the removed one
    read: it keeps its biases, and its weights when the removed layer had as many neurons as
    inputs; else they are drawn by `init` with `seed` for the new fan-in."""
    field = f"layers[{index}]"
    _check_hidden(net, index, field, "remove")
    removed = net.layers[index]
    rest = (*net.layers[:index], *net.layers[index + 1 :])
    chosen = initialisation_name(init, [layer.activation for layer in rest])
    generator = _edit_generator(net, seed, 3, index)
    after = _refed(net.layers[index + 1], removed.fan_in, chosen, generator)
    return _rebuilt(replace(net, layers=(*net.layers[:index], after, *net.layers[index + 2 :])))


def _refed(layer: Layer, fan_in: int, init: str, generator: np.random.Generator) -> Layer:
    """`layer` reading `fan_in` inputs: as it is when its weights fit, else with new ones."""
    if layer.fan_in == fan_in:
        return layer
    weights = initial_values(init, generator, (layer.size, fan_in), rows=layer.size, fan_in=fan_in)
    return Layer(layer.activation, weights, layer.biases)


#: What to do instead of editing the output layer, by edit.
_OUTPUT_LAYER_ADVICE = {
    "add a neuron to": "add neurons to a hidden layer",
    "remove a neuron from": "remove neurons from a hidden layer",
    "remove": "remove a hidden layer",
}


def _check_hidden(net: Network, layer: int, field: str, edit: str) -> None:
    """`layer` is a hidden layer of `net`; else one line saying what can be done instead."""
    last = len(net.layers) - 1
    if last == 0 and layer == 0:
        advice = "add a layer first" if "neuron" in edit else "it has only its output layer"
        raise EditError(field, f"the network has no hidden layer; {advice}")
    if layer == last:
        raise EditError(
            field,
            f"cannot {edit} the output layer (it has one neuron per target); "
            + _OUTPUT_LAYER_ADVICE[edit],
        )
    if not 0 <= layer < last:
        hidden = "it has none" if last == 0 else f"0 to {last - 1}"
        raise EditError(field, f"no such hidden layer (hidden layers: {hidden})")


def _check_size(shape: Sequence[int], field: str) -> None:
    problem = size_problem(shape)
    if problem is not None:
        raise EditError(field, f"too big: {problem}")


def _rebuilt(net: Network) -> Network:
    """`net`, whose parameters an edit has changed, with its training run started over: the
    optimizer's step count and vectors (momentum; Adam's m and v) belong to the parameters they
    were built for, one entry each in the flat order, which an added or removed neuron shifts."""
    return replace(net, optimizer_state=None)


def _edit_generator(net: Network, seed: int, *where: int) -> np.random.Generator:
    """The generator an architecture edit draws from: seeded by `seed`, by what the edit is and
    where (`where`), and by every parameter of `net` (see the module's docstring)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise EditError("seed", f"must be a whole number >= 0, got {seed!r}")
    digest = hashlib.blake2b(net.flat().tobytes(), digest_size=8).digest()
    return np.random.default_rng([int(seed), *where, int.from_bytes(digest, "little")])
