"""The network: layers of weights and biases, the training samples and the training settings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

ACTIVATIONS = ("linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax")
ACTIVATION_ALIASES = {"identity": "linear"}
LOSSES = ("half_sse", "sse", "mse", "bce", "cross_entropy")
REDUCTIONS = ("mean", "sum")

ParamKind = Literal["weight", "bias"]


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

    @property
    def name(self) -> str:
        """`w100`, `b10`; indices of 10 or more are separated (`w0_12_3`) to stay readable.
        A row is `W1[0]`, a whole layer `W1` (`b1` for its biases)."""
        letter = "w" if self.kind == "weight" else "b"
        if self.neuron is None:
            return f"{letter.upper() if letter == 'w' else letter}{self.layer}"
        if self.kind == "weight" and self.input is None:
            return f"W{self.layer}[{self.neuron}]"
        indices = [self.layer, self.neuron] + ([] if self.input is None else [self.input])
        sep = "_" if max(indices) >= 10 else ""
        return letter + sep.join(map(str, indices))

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


@dataclass(frozen=True, eq=False)
class Layer:
    """One fully-connected layer: `weights` has one row per neuron and one column per input."""

    activation: str
    weights: np.ndarray
    biases: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", _frozen(self.weights, 2))
        object.__setattr__(self, "biases", _frozen(self.biases, 1))

    @property
    def size(self) -> int:
        return int(self.weights.shape[0])

    @property
    def fan_in(self) -> int:
        return int(self.weights.shape[1])

    @property
    def params(self) -> tuple[np.ndarray, np.ndarray]:
        return self.weights, self.biases


@dataclass(frozen=True, eq=False)
class Network:
    """A network and its training setup, exactly as a network file describes it (SPEC §1).

    Arrays are read-only float64. Two networks are `same_as` each other when every field and
    every number is identical.
    """

    layers: tuple[Layer, ...]
    inputs: np.ndarray  # (samples, fan_in of layer 0)
    targets: np.ndarray  # (samples, size of the last layer)
    loss: str
    learning_rate: float
    reduction: str = "mean"
    update_biases: bool = True
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "inputs", _frozen(self.inputs, 2))
        object.__setattr__(self, "targets", _frozen(self.targets, 2))

    # -- shape -----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """Neurons per column, inputs first: (3, 2, 1) for the worked example."""
        return (self.layers[0].fan_in, *(layer.size for layer in self.layers))

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def n_params(self) -> int:
        return sum(layer.weights.size + layer.biases.size for layer in self.layers)

    def params(self) -> Iterator[ParamRef]:
        """Every parameter, input side first: each layer's weights row by row, then its biases."""
        for index, layer in enumerate(self.layers):
            for neuron in range(layer.size):
                for col in range(layer.fan_in):
                    yield ParamRef(index, "weight", neuron, col)
            for neuron in range(layer.size):
                yield ParamRef(index, "bias", neuron)

    def value_of(self, ref: ParamRef) -> float:
        layer = self.layers[ref.layer]
        if ref.kind == "weight":
            return float(layer.weights[ref.neuron, ref.input])
        return float(layer.biases[ref.neuron])

    # -- derived networks --------------------------------------------------------------------
    def with_parameters(self, weights: list[np.ndarray], biases: list[np.ndarray]) -> Network:
        """The same network and samples with new weights and biases."""
        layers = tuple(
            Layer(layer.activation, w, b)
            for layer, w, b in zip(self.layers, weights, biases, strict=True)
        )
        return replace(self, layers=layers)

    def same_as(self, other: Network) -> bool:
        """True when every setting and every number is identical (bit for bit)."""
        if (
            self.loss,
            self.learning_rate,
            self.reduction,
            self.update_biases,
            self.name,
            len(self.layers),
        ) != (
            other.loss,
            other.learning_rate,
            other.reduction,
            other.update_biases,
            other.name,
            len(other.layers),
        ):
            return False
        for a, b in zip(self.layers, other.layers, strict=True):
            if a.activation != b.activation:
                return False
            if not (_identical(a.weights, b.weights) and _identical(a.biases, b.biases)):
                return False
        return _identical(self.inputs, other.inputs) and _identical(self.targets, other.targets)

    # -- the file schema ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The network file's structure (SPEC §1), every optional field written out."""
        return {
            "name": self.name,
            "loss": self.loss,
            "reduction": self.reduction,
            "learning_rate": self.learning_rate,
            "update_biases": self.update_biases,
            "layers": [
                {
                    "activation": layer.activation,
                    "weights": layer.weights.tolist(),
                    "biases": layer.biases.tolist(),
                }
                for layer in self.layers
            ],
            "samples": [
                {"x": x.tolist(), "y": y.tolist()}
                for x, y in zip(self.inputs, self.targets, strict=True)
            ],
        }


def _frozen(array: Any, ndim: int) -> np.ndarray:
    out = np.array(array, dtype=np.float64, copy=True)
    if out.ndim != ndim:
        raise ValueError(f"expected a {ndim}-dimensional array, got shape {out.shape}")
    out.setflags(write=False)
    return out


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b))
