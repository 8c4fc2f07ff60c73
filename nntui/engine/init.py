"""Seeded starting weights: `he`, `xavier` and `uniform`, the initialisations a class meets first.

A network file holds its weights, not a recipe for them, so these are used only where nntui makes
weights itself: a new network (`nntui new`, `nntui.engine.new`) and a neuron or a layer added to
one (`nntui.engine.edit`). For a layer of `rows` neurons reading `fan_in` inputs (`fan_out` is
`rows`, the neurons the weights feed):

- `he` (He et al., 2015): normal, mean 0, variance 2/fan_in. Made for relu: a relu passes on
  about half of its input's variance, and the factor 2 gives it back, so the activations keep
  their size from layer to layer.
- `xavier` (Glorot and Bengio, 2010, the uniform form): uniform on ±√(6/(fan_in + fan_out)),
  variance 2/(fan_in + fan_out). Made for tanh and sigmoid: it keeps both the activations and
  the gradients at about their size, in the working range of a squashing function.
- `uniform`: uniform on ±1/√fan_in, variance 1/(3·fan_in): PyTorch's default for `nn.Linear`,
  the numbers a class gets from `torch.nn.Linear(fan_in, rows)`.

Biases start at 0: the random weights already make the neurons of a layer differ, and a zero
bias puts every pre-activation where its activation bends.

**Seeded.** Every number comes from `numpy.random.default_rng(seed)`, so the same seed and the
same shape give the same weights on every machine, and a class can draw them again in three
lines of NumPy (see `initial_layers`). **Rounded** to `SIGNIFICANT_DIGITS` significant digits
(0.1257, not 0.12573022...): the file, the screen and a hand calculation show short numbers, and
the spread changes by less than one part in ten thousand.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "INITIALISATIONS",
    "SIGNIFICANT_DIGITS",
    "Initialisation",
    "default_initialisation",
    "initial_layers",
    "initial_values",
    "initial_weights",
    "initialisation",
    "rounded",
]

#: How many significant digits a drawn weight keeps.
SIGNIFICANT_DIGITS = 4

#: Draws weights of the given size with the scale of a (rows, fan_in) layer:
#: (generator, size, rows, fan_in) → array of that size.
Draw = Callable[[np.random.Generator, "int | tuple[int, ...]", int, int], np.ndarray]


@dataclass(frozen=True)
class Initialisation:
    """One initialisation: its name (`he`), what it draws, in words, and the draw itself.

    `draw(generator, size, rows, fan_in)` draws an array of `size` with the scale of a layer of
    `rows` neurons and `fan_in` inputs: the whole layer, or the row or column a new neuron adds.
    `spread(rows, fan_in)` is the standard deviation of those weights (before rounding): a
    normal's σ, or a uniform's bound/√3."""

    name: str
    description: str
    draw: Draw
    spread: Callable[[int, int], float]


def _he(
    generator: np.random.Generator, size: int | tuple[int, ...], rows: int, fan_in: int
) -> np.ndarray:
    return generator.normal(0.0, _he_spread(rows, fan_in), size=size)


def _he_spread(rows: int, fan_in: int) -> float:
    return math.sqrt(2.0 / fan_in)


def _xavier_bound(rows: int, fan_in: int) -> float:
    return math.sqrt(6.0 / (fan_in + rows))


def _xavier(
    generator: np.random.Generator, size: int | tuple[int, ...], rows: int, fan_in: int
) -> np.ndarray:
    bound = _xavier_bound(rows, fan_in)
    return generator.uniform(-bound, bound, size=size)


def _uniform_bound(rows: int, fan_in: int) -> float:
    return 1.0 / math.sqrt(fan_in)


def _uniform(
    generator: np.random.Generator, size: int | tuple[int, ...], rows: int, fan_in: int
) -> np.ndarray:
    bound = _uniform_bound(rows, fan_in)
    return generator.uniform(-bound, bound, size=size)


INITIALISATIONS: dict[str, Initialisation] = {
    record.name: record
    for record in (
        Initialisation("he", "normal, mean 0, variance 2/fan_in", _he, _he_spread),
        Initialisation(
            "xavier",
            "uniform on ±√(6/(fan_in + fan_out))",
            _xavier,
            lambda rows, fan_in: _xavier_bound(rows, fan_in) / math.sqrt(3.0),
        ),
        Initialisation(
            "uniform",
            "uniform on ±1/√fan_in (PyTorch's nn.Linear)",
            _uniform,
            lambda rows, fan_in: _uniform_bound(rows, fan_in) / math.sqrt(3.0),
        ),
    )
}

#: Activations that zero (or nearly zero) a negative pre-activation: He's factor 2 is for them.
_RELU_LIKE = frozenset({"relu", "leaky_relu"})


def initialisation(name: str) -> Initialisation:
    """The record of initialisation `name`; ValueError (one line) for an unknown name."""
    try:
        return INITIALISATIONS[name]
    except KeyError:
        known = ", ".join(INITIALISATIONS)
        raise ValueError(f"unknown initialisation {name!r} (expected one of: {known})") from None


def default_initialisation(activations: Sequence[str]) -> str:
    """`he` when every hidden layer is relu or leaky_relu (He's assumption), else `xavier`.

    `activations` are the layers' activations, input side first; the output layer's does not
    decide (a network with no hidden layer follows its output's)."""
    hidden = list(activations[:-1]) or list(activations[-1:])
    return "he" if hidden and all(name in _RELU_LIKE for name in hidden) else "xavier"


def initial_weights(
    name: str, rows: int, fan_in: int, generator: np.random.Generator | int
) -> np.ndarray:
    """A (rows, fan_in) array drawn by initialisation `name`, rounded to `SIGNIFICANT_DIGITS`.

    `generator` is a NumPy generator (drawn from, so several layers can share one stream) or a
    seed: then the weights are those of `numpy.random.default_rng(seed)`, the same for the same
    (seed, shape) on every machine."""
    record = initialisation(name)
    if rows < 1 or fan_in < 1:
        raise ValueError(f"a layer needs at least one neuron and one input, got {rows}×{fan_in}")
    if not isinstance(generator, np.random.Generator):
        generator = np.random.default_rng(generator)
    return rounded(record.draw(generator, (rows, fan_in), rows, fan_in))


def initial_values(
    name: str,
    generator: np.random.Generator,
    size: int | tuple[int, ...],
    *,
    rows: int,
    fan_in: int,
) -> np.ndarray:
    """`size` weights drawn by initialisation `name` with the scale of a layer of `rows`
    neurons and `fan_in` inputs, rounded: the row a new neuron reads its inputs with, or the
    column of the next layer that reads it."""
    if rows < 1 or fan_in < 1:
        raise ValueError(f"a layer needs at least one neuron and one input, got {rows}×{fan_in}")
    return rounded(initialisation(name).draw(generator, size, rows, fan_in))


def initial_layers(
    name: str, shape: Sequence[int], seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every layer's (weights, biases) for a network of `shape` (inputs first: (2, 3, 1)).

    One generator, `numpy.random.default_rng(seed)`, draws layer 0's weights, then layer 1's,
    and so on, each as one (neurons, fan_in) array; the biases are 0. For `he` that is::

        rng = np.random.default_rng(seed)
        weights = [rng.normal(0, (2 / m) ** 0.5, size=(n, m)) for m, n in zip(shape, shape[1:])]

    rounded to 4 significant digits.
    """
    generator = np.random.default_rng(seed)
    return [
        (initial_weights(name, size, fan_in, generator), np.zeros(size))
        for fan_in, size in itertools.pairwise(shape)
    ]


def rounded(values: np.ndarray) -> np.ndarray:
    """`values` rounded to `SIGNIFICANT_DIGITS` significant digits, each the float nearest its
    short decimal (so the file says 0.1257 and reads back exactly that number)."""
    # Through the decimal text, as reading "0.1257" would: arithmetic (round(v / 10**k) * 10**k)
    # can land one float away from it and be written out as 0.12570000000000001.
    short = f"{{:.{SIGNIFICANT_DIGITS - 1}e}}".format
    decimals = [float(short(value)) for value in values.ravel().tolist()]
    return np.array(decimals, dtype=np.float64).reshape(values.shape)
