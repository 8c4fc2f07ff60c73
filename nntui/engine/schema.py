"""What a network is made of, NumPy-free: the names a file may use, its parameters, their order.

Everything here is read by both halves of the engine — `spec` (a network as plain numbers,
before NumPy) and `network` (the NumPy arrays the engine computes with) — so it imports
neither: the dependency runs one way, `spec` → `network` → `schema`, never back.

- The names: `ACTIVATIONS`, `ACTIVATION_ALIASES`, `LOSSES` (from their records in
  `nntui.engine.ops`) and `REDUCTIONS`.
- A parameter: `ParamRef` (`w100`, `b10`; a row `W1[0]` or a layer `W1` at coarser steps), and
  the one naming style of a network (`separated_names`).
- The order of a network's parameters: `ParamLayout`, the one listing of it. Every flat list of
  parameters — `Network.params()`, the flat vectors of the engine, the ledger's rows, the
  parameter tables of the exports — is laid out by it, so the order is written down only here.
- Where a network's samples came from when its file names its data (`[data]`, SPEC §7):
  `DataSource`.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from nntui.engine.ops.activations import ACTIVATIONS as _ACTIVATION_RECORDS
from nntui.engine.ops.activations import ALIASES as _ALIASES
from nntui.engine.ops.losses import LOSSES as _LOSS_RECORDS

if TYPE_CHECKING:
    import numpy as np

    from nntui.engine.data.settings import DataSettings

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_ALIASES",
    "LOSSES",
    "REDUCTIONS",
    "DataSource",
    "ParamKind",
    "ParamLayout",
    "ParamRef",
    "param_value",
    "separated_names",
]

#: The activation names, from their records (`nntui.engine.ops.activations`, NumPy-free).
ACTIVATIONS = tuple(_ACTIVATION_RECORDS)
ACTIVATION_ALIASES = dict(_ALIASES)
#: The loss names, from their records (`nntui.engine.ops.losses`, NumPy-free).
LOSSES = tuple(_LOSS_RECORDS)
REDUCTIONS = ("mean", "sum")

ParamKind = Literal["weight", "bias"]


class LayerLike(Protocol):
    """What a `LayerSpec` and the engine's `Layer` share: sizes and nested-indexable numbers."""

    @property
    def size(self) -> int: ...
    @property
    def fan_in(self) -> int: ...
    @property
    def weights(self) -> Any: ...
    @property
    def biases(self) -> Any: ...


def separated_names(layers: Sequence[LayerLike]) -> bool:
    """Whether the parameter names of a network of these layers separate their indices.

    One style for the whole network: when any index — layer, neuron or input — reaches 10,
    every name is separated (`w2_0_0` beside `w2_0_10`, `b1_3`); otherwise every name is
    compact, as in the worked example (`w100`, `b10`). Compact names of bigger networks would
    collide (`w1110` is both w1,1,10 and w1,11,0)."""
    return len(layers) > 10 or any(layer.size > 10 or layer.fan_in > 10 for layer in layers)


@dataclass(frozen=True)
class ParamRef:
    """One parameter: `w{layer}{neuron}{input}` or `b{layer}{neuron}`, all 0-based.

    At neuron granularity a step covers a row (`input` is None for a weight), at layer
    granularity a whole matrix or bias vector (`neuron` is None too).
    """

    layer: int
    kind: ParamKind
    neuron: int | None
    input: int | None = None

    def label(self, separated: bool) -> str:
        """This parameter's name in a network whose names are `separated` (`w2_0_10`) or
        compact (`w100`, `b10`: the worked example's); see `separated_names`. A row is
        `W1[0]`, a whole layer `W1` (`b1` for its biases) in either style."""
        letter = "w" if self.kind == "weight" else "b"
        if self.neuron is None:
            return f"{letter.upper() if letter == 'w' else letter}{self.layer}"
        if self.kind == "weight" and self.input is None:
            return f"W{self.layer}[{self.neuron}]"
        indices = [self.layer, self.neuron] + ([] if self.input is None else [self.input])
        return letter + ("_" if separated else "").join(map(str, indices))

    @property
    def name(self) -> str:
        """The name on its own, separated only when one of its own indices reaches 10.

        Inside a network use `network.param_name(ref)`: one style for all its names."""
        indices = [self.layer, self.neuron or 0, self.input or 0]
        return self.label(max(indices) >= 10)

    def covers(self, other: ParamRef) -> bool:
        """True when this (possibly row or layer) reference includes the parameter `other`."""
        return (
            self.layer == other.layer
            and self.kind == other.kind
            and (self.neuron is None or self.neuron == other.neuron)
            and (self.input is None or self.kind == "bias" or self.input == other.input)
        )

    def to_json(self) -> dict[str, Any]:
        return {"layer": self.layer, "kind": self.kind, "neuron": self.neuron, "input": self.input}


def param_value(layers: Sequence[LayerLike], ref: ParamRef) -> float:
    """The number of a single parameter (`ref` names one weight or one bias)."""
    layer = layers[ref.layer]
    if ref.kind == "weight":
        return float(layer.weights[ref.neuron][ref.input])
    return float(layer.biases[ref.neuron])


@dataclass(frozen=True)
class ParamLayout:
    """Where each parameter of a network sits in a flat listing of its parameters.

    The order, written down here and nowhere else: layer by layer — input side first, or
    with `output_first` in the order backpropagation reaches them (the ledger's) — and inside
    a layer its weights row by row (neuron by neuron, each neuron's inputs in order), then its
    biases. A layer of `size` neurons and `fan_in` inputs takes `size·(fan_in + 1)` places.

    Positions are computed, not stored: a network of 100,000 parameters costs a few integers.
    """

    #: (size, fan_in) of every layer, input side first
    shapes: tuple[tuple[int, int], ...]
    output_first: bool = False

    @classmethod
    def of(cls, layers: Sequence[LayerLike], *, output_first: bool = False) -> ParamLayout:
        """The layout of a network of these layers (a `Network`'s or a `NetworkSpec`'s)."""
        return cls(tuple((layer.size, layer.fan_in) for layer in layers), output_first)

    # -- where each layer's block sits -------------------------------------------------------
    @functools.cached_property
    def layer_order(self) -> tuple[int, ...]:
        """The layers in listing order."""
        order = range(len(self.shapes))
        return tuple(reversed(order) if self.output_first else order)

    @functools.cached_property
    def _starts(self) -> tuple[int, ...]:
        """The first position of each layer's block, in listing order (then the total)."""
        starts = [0]
        for layer in self.layer_order:
            size, fan_in = self.shapes[layer]
            starts.append(starts[-1] + size * (fan_in + 1))
        return tuple(starts)

    def __len__(self) -> int:
        return self._starts[-1]

    def layer_span(self, layer: int) -> tuple[int, int]:
        """The positions [start, stop) of layer `layer`'s parameters, weights then biases."""
        slot = self.layer_order.index(layer)
        return self._starts[slot], self._starts[slot + 1]

    # -- positions and parameters --------------------------------------------------------------
    def __iter__(self) -> Iterator[ParamRef]:
        """Every parameter, in listing order."""
        for layer in self.layer_order:
            size, fan_in = self.shapes[layer]
            for neuron in range(size):
                for source in range(fan_in):
                    yield ParamRef(layer, "weight", neuron, source)
            for neuron in range(size):
                yield ParamRef(layer, "bias", neuron)

    def index_of(self, ref: ParamRef) -> int:
        """The position of a single parameter (the first of a row or a layer reference)."""
        start, _ = self.layer_span(ref.layer)
        size, fan_in = self.shapes[ref.layer]
        neuron = ref.neuron or 0
        if ref.kind == "weight":
            return start + neuron * fan_in + (ref.input or 0)
        return start + size * fan_in + neuron

    def span_of(self, ref: ParamRef) -> tuple[int, int]:
        """The positions [start, stop) a reference covers: one parameter, a row or a layer's."""
        size, fan_in = self.shapes[ref.layer]
        first = self.index_of(ref)
        if ref.neuron is None:
            return first, first + (size * fan_in if ref.kind == "weight" else size)
        if ref.kind == "weight" and ref.input is None:
            return first, first + fan_in
        return first, first + 1

    def ref_at(self, index: int) -> ParamRef:
        """The parameter at position `index` (negative counts from the end, as for a list)."""
        total = len(self)
        if index < 0:
            index += total
        if not 0 <= index < total:
            raise IndexError(index)
        slot = bisect.bisect_right(self._starts, index) - 1
        layer = self.layer_order[slot]
        offset = index - self._starts[slot]
        size, fan_in = self.shapes[layer]
        if offset < size * fan_in:
            return ParamRef(layer, "weight", offset // fan_in, offset % fan_in)
        return ParamRef(layer, "bias", offset - size * fan_in)

    # -- numbers in this order (NumPy, imported when called) -----------------------------------
    def flatten(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> np.ndarray:
        """One vector of every layer's `weights` and `biases` (a layer's parameters, its
        gradients, one sample's gradients...) in listing order."""
        import numpy as np

        if not self.shapes:
            return np.zeros(0)
        return np.concatenate(
            [part for layer in self.layer_order for part in (weights[layer].ravel(), biases[layer])]
        )

    def unflatten(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every layer's weights and biases (input side first) as views of `flat`, a vector in
        listing order: `flatten`'s inverse."""
        weights: list[np.ndarray] = [flat[:0]] * len(self.shapes)
        biases: list[np.ndarray] = [flat[:0]] * len(self.shapes)
        for layer in self.layer_order:
            start, stop = self.layer_span(layer)
            size, fan_in = self.shapes[layer]
            weights[layer] = flat[start : stop - size].reshape(size, fan_in)
            biases[layer] = flat[stop - size : stop]
        return weights, biases


@dataclass(frozen=True)
class DataSource:
    """Where a network's samples came from when its file has a `[data]` table (SPEC §7).

    A network keeps it so that saving writes the table back rather than hundreds of expanded
    samples: the table makes the same samples again, to the last bit, and the same split.

    - `settings`: the checked table, every optional field filled in (`DataSettings`).
    - `directory`: the absolute directory its CSV path is relative to (the network file's).
    - `labels`: the class names in target order (output k is `labels[k]` for one-hot
      targets; targets 0 and 1 are `labels[0]` and `labels[1]` for one output), or None for a
      CSV's numeric targets — a regression, with no classes and no accuracy. They came from a
      file and serve only to be shown, so they are kept printable (`nntui.engine.text.printable`).
    - `description`: one printable line for a title or a report
      (`circles: 200 samples, noise 0.1, seed 0, 40 held out`).
    """

    settings: DataSettings
    directory: str
    labels: tuple[str, ...] | None
    description: str

    @property
    def is_classification(self) -> bool:
        """Whether the targets are classes, so that accuracy means something."""
        return self.labels is not None

    def same_data(self, other: DataSource | None) -> bool:
        """Whether `other` names the same data the same way: the same table and classes
        (where the file sits, and so its description, may differ)."""
        return other is not None and self.settings == other.settings and self.labels == other.labels
