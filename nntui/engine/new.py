"""A new network from nothing: `nntui new 2-3-1`, and the debugger's new-network dialog.

`new_network(shape, activations, loss, init, seed, data)` gives a `Network` that follows every
rule of a network file (it is built through the loader's own checks) and the stricter rules of
`nntui.engine.edit` (softmax only on the output, with cross_entropy). Anything left out gets the
default a lecturer would expect:

- **Hidden layers relu**: the worked example's hidden activation, the one modern networks use,
  and the easiest by hand (max(0, z), slope 0 or 1); an inactive relu is itself a lesson.
- **The output and the loss go together**: one output is sigmoid with bce (a yes/no
  classifier), several are softmax with cross_entropy (one class each). Given only a loss, the
  output is the one it needs (linear for a squared error: a regression); given only the
  activations, the loss is the one the output needs (half_sse, the worked example's, for an
  output that needs none).
- **Initialisation** `he` when the hidden layers are relu, else `xavier`
  (`nntui.engine.init.default_initialisation`); **seed** 0; **learning rate** 0.1.
- **One sample**, like the worked example, so an iteration is as long as the document's. Its
  inputs are 0.25, −0.5, 0.75, −1, 0.25, …: not 0 (a zero input makes every weight it feeds
  have gradient 0), all different (so their gradients differ), and quarters, exact in binary
  and easy by hand. Its target is class 0 for cross_entropy (one-hot), 1 for bce (the positive
  class) and 0.5 for a squared error (reachable by every output activation).
- With **data** (a generator of SPEC §7: xor, circles, gauss, spiral, moons), the network names
  it in a `[data]` table instead: 200 points, noise 0.1, the network's seed, a fifth held out
  — as the circles preset does. The generators draw points in the plane: 2 inputs.

The network's name says how it was made: `2-3-1: relu, sigmoid, bce; he weights, seed 0`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from nntui.engine.edit import (
    MAX_NEURONS,
    EditError,
    activation_name,
    hidden_problem,
    loss_name,
    pairing_problem,
    size_problem,
)
from nntui.engine.edit.choices import initialisation_name
from nntui.engine.edit.errors import count
from nntui.engine.init import initial_layers
from nntui.engine.network import Network
from nntui.engine.ops.activations import activation as activation_record
from nntui.engine.ops.losses import LOSSES as LOSS_RECORDS

__all__ = [
    "DEFAULT_HIDDEN",
    "DEFAULT_LEARNING_RATE",
    "GENERATED_DATA",
    "MAX_SEED",
    "default_activations",
    "default_sample",
    "new_network",
    "parse_activations",
    "parse_shape",
    "shape_problem",
]

DEFAULT_HIDDEN = "relu"
DEFAULT_LEARNING_RATE = 0.1
#: The `[data]` table of a new network that names a generator (the circles preset's settings).
GENERATED_DATA: dict[str, Any] = {"n": 200, "noise": 0.1, "test_fraction": 0.2}
#: The largest seed (a `[data]` table's too).
MAX_SEED = 2**64 - 1
#: How a new network is named in the loader's messages, should one slip through.
SOURCE = "new network"

_SHAPE = re.compile(r"[0-9]+(?:-[0-9]+)+")


def parse_shape(text: str) -> tuple[int, ...]:
    """`2-3-1` as (2, 3, 1): inputs, then each layer's neurons. EditError (field `shape`) for
    anything else: fewer than two numbers, a 0, a size over the limits (`size_problem`)."""
    written = text.strip()
    shown = written if len(written) <= 40 else written[:40] + "…"
    if not _SHAPE.fullmatch(written):
        if re.fullmatch(r"[0-9]+", written):
            raise EditError(
                "shape",
                f"needs the inputs and at least one layer, like 2-3-1; got {shown!r}",
            )
        raise EditError("shape", f"expected whole numbers joined by '-', like 2-3-1; got {shown!r}")
    parts = written.split("-")
    for column, part in enumerate(parts):
        digits = part.lstrip("0")
        if len(digits) > 12:  # shown cut short (and int() refuses 4,300 digits)
            raise EditError(
                "shape",
                f"at most {MAX_NEURONS:,} neurons a column; column {column} has {digits[:12]}…",
            )
    return shape_checked(tuple(int(part) for part in parts))


def shape_problem(shape: Sequence[int]) -> str | None:
    """Why `shape` (inputs first) cannot be a network's, or None."""
    if len(shape) < 2:
        return "needs the inputs and at least one layer, like 2-3-1"
    for column, size in enumerate(shape):
        if size < 1 and column == 0:
            return f"a network needs at least one input, got {size}"
        if size < 1:
            return f"every layer needs at least one neuron, but layer {column - 1} has {size}"
    return size_problem(shape)


def shape_checked(shape: Sequence[int]) -> tuple[int, ...]:
    """`shape` as a tuple, or EditError (field `shape`) saying why it cannot be one."""
    problem = shape_problem(shape)
    if problem is not None:
        raise EditError("shape", problem)
    return tuple(shape)


def parse_activations(text: str) -> list[str]:
    """`relu,sigmoid` as ["relu", "sigmoid"] (spaces around a name ignored; not yet checked)."""
    return [name.strip() for name in text.split(",")]


def default_activations(shape: Sequence[int], loss: str | None = None) -> tuple[str, ...]:
    """relu for every hidden layer; the output `loss` needs, or without one, sigmoid for one
    output and softmax for several; linear for a loss that needs none (a regression)."""
    outputs = shape[-1]
    if loss is None:
        output = "sigmoid" if outputs == 1 else "softmax"
    else:
        output = LOSS_RECORDS[loss].output or "linear"
    return (*([DEFAULT_HIDDEN] * (len(shape) - 2)), output)


def default_loss(output: str) -> str:
    """The loss an output activation goes with: bce for sigmoid, cross_entropy for softmax,
    half_sse (the worked example's) for the others."""
    paired = [name for name, rec in LOSS_RECORDS.items() if rec.output == output]
    return paired[0] if paired else "half_sse"


def default_sample(shape: Sequence[int], loss: str) -> tuple[list[float], list[float]]:
    """The one sample of a new network without data (x, y): see the module's docstring."""
    inputs = [(-1.0) ** column * ((column % 4) + 1) / 4 for column in range(shape[0])]
    outputs = shape[-1]
    needs = LOSS_RECORDS[loss].output  # the output activation the loss requires, if any
    record = None if needs is None else activation_record(needs)
    if record is not None and record.distribution:  # cross_entropy: class 0, one-hot
        target = [1.0] + [0.0] * (outputs - 1)
    elif record is not None and record.probability:  # bce: probability 1
        target = [1.0] * outputs
    else:
        target = [0.5] * outputs
    return inputs, target


def new_network(
    shape: Sequence[int],
    activations: Sequence[str] | None = None,
    loss: str | None = None,
    init: str | None = None,
    seed: int = 0,
    data: str | None = None,
) -> Network:
    """A new network of `shape` (inputs first); the defaults are in the module's docstring.

    Raises `EditError` whose field is the argument at fault (`shape`, `activations`, `loss`,
    `init`, `seed`, `data`) and whose text is one line saying why."""
    shape = shape_checked(shape)
    chosen_loss = None if loss is None else loss_name(loss)
    names = _activations(shape, activations, chosen_loss)
    chosen_loss = chosen_loss or default_loss(names[-1])
    problem = pairing_problem(names[-1], chosen_loss, shape[-1])
    if problem is not None:
        raise EditError("loss" if loss is not None else "activations", problem)
    chosen_init = initialisation_name(init, names)
    _check_seed(seed)
    weights = initial_layers(chosen_init, shape, seed)
    table: dict[str, Any] = {
        "name": _title(shape, names, chosen_loss, chosen_init, seed, data),
        "loss": chosen_loss,
        "learning_rate": DEFAULT_LEARNING_RATE,
        "layers": [
            {"activation": name, "weights": layer_weights.tolist(), "biases": biases.tolist()}
            for name, (layer_weights, biases) in zip(names, weights, strict=True)
        ],
    }
    if data is None:
        inputs, target = default_sample(shape, chosen_loss)
        table["samples"] = [{"x": inputs, "y": target}]
    else:
        table["data"] = _data_table(data, shape, seed)
    return _built(table, data)


def _activations(
    shape: tuple[int, ...], given: Sequence[str] | None, loss: str | None
) -> tuple[str, ...]:
    """The layers' activations: `given`, checked, or the defaults."""
    if given is None:
        return default_activations(shape, loss)
    layers = len(shape) - 1
    if len(given) != layers:
        shown = "-".join(map(str, shape))
        raise EditError(
            "activations",
            f"{shown} has {count(layers, 'layer')}, so {layers} "
            f"{'activation' if layers == 1 else 'activations'} (input side first), "
            f"got {len(given)}",
        )
    names = tuple(
        activation_name(name, f"activations[{index}]") for index, name in enumerate(given)
    )
    for index, name in enumerate(names[:-1]):
        problem = hidden_problem(name)
        if problem is not None:
            raise EditError(f"activations[{index}]", problem)
    return names


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise EditError("seed", f"must be a whole number from 0 to 2**64 - 1, got {seed!r}")


def _data_table(generator: str, shape: tuple[int, ...], seed: int) -> dict[str, Any]:
    from nntui.engine.data import GENERATORS
    from nntui.engine.edit.errors import did_you_mean

    if generator not in GENERATORS:
        raise EditError(
            "data", f"unknown generator {generator!r}{did_you_mean(generator, tuple(GENERATORS))}"
        )
    if shape[0] != 2:
        raise EditError(
            "data",
            f"{generator} draws points in the plane, so the network needs 2 inputs, not {shape[0]}",
        )
    return {
        "generator": generator,
        "n": GENERATED_DATA["n"],
        "noise": GENERATED_DATA["noise"],
        "seed": seed,
        "test_fraction": GENERATED_DATA["test_fraction"],
    }


def _built(table: dict[str, Any], data: str | None) -> Network:
    """The network of `table`, through the loader's checks (a generator's classes against the
    output layer, its targets against the loss)."""
    from nntui.engine.loader import NetworkFileError, parse_network

    try:
        return parse_network(table, SOURCE, directory="")
    except NetworkFileError as err:
        raise EditError("data" if data is not None else "", err.message) from None


def _title(
    shape: tuple[int, ...],
    activations: Sequence[str],
    loss: str,
    init: str,
    seed: int,
    data: str | None,
) -> str:
    """`2-3-1: relu, sigmoid, bce; he weights, seed 0` (and `; circles data`)."""
    layers = ", ".join(activations)
    made = f"{'-'.join(map(str, shape))}: {layers}, {loss}; {init} weights, seed {seed}"
    return made if data is None else f"{made}; {data} data"
