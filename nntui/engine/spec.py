"""A network as plain Python numbers: what a network file says, checked, before NumPy.

`NetworkSpec` holds exactly what a `Network` holds — layers, samples, training settings — as
tuples of floats, and `build()` turns it into the `Network` the engine computes with (the same
float64 numbers, bit for bit). It exists so the debugger can draw a network before NumPy has
been imported: nothing here imports NumPy until `build()` is called, and reading a network
file (`nntui.engine.loader.load_spec`) checks every rule in pure Python.

Both classes answer the same questions about shape and values (`layers[l].weights[j][i]`,
`inputs[s][i]`, `params()`, `value_of`), which is all a view of the ready state reads.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from nntui.engine.ops.activations import ACTIVATIONS as _ACTIVATION_RECORDS
from nntui.engine.ops.activations import ALIASES as _ALIASES
from nntui.engine.ops.losses import LOSSES as _LOSS_RECORDS

if TYPE_CHECKING:
    from nntui.engine.network import Network

#: The activation names, from their records (`nntui.engine.ops.activations`, NumPy-free).
ACTIVATIONS = tuple(_ACTIVATION_RECORDS)
ACTIVATION_ALIASES = dict(_ALIASES)
#: The loss names, from their records (`nntui.engine.ops.losses`, NumPy-free).
LOSSES = tuple(_LOSS_RECORDS)
REDUCTIONS = ("mean", "sum")

ParamKind = Literal["weight", "bias"]
Granularity = Literal["parameter", "neuron", "layer"]
GRANULARITIES: tuple[Granularity, ...] = ("parameter", "neuron", "layer")
#: Up to this many parameter × sample products a network is stepped one parameter at a time.
PARAMETER_STEPS_UP_TO = 400


def separated_names(layers: Sequence[_LayerLike]) -> bool:
    """Whether the parameter names of a network of these layers separate their indices.

    One style for the whole network: when any index — layer, neuron or input — reaches 10,
    every name is separated (`w2_0_0` beside `w2_0_10`, `b1_3`); otherwise every name is
    compact, as in the worked example (`w100`, `b10`). Compact names of bigger networks would
    collide (`w1110` is both w1,1,10 and w1,11,0)."""
    return len(layers) > 10 or any(layer.size > 10 or layer.fan_in > 10 for layer in layers)


#: A network with more samples than this is stepped through this many of them (the first, by
#: default; any others on request): the batch's numbers still come from every sample, but
#: the per-sample steps of thousands of samples are nothing a class reads — and would take
#: minutes and gigabytes to build.
TRACE_SAMPLES = 16


def traced_sample_count(n_samples: int) -> int:
    """How many samples a trace steps through by default."""
    return min(n_samples, TRACE_SAMPLES)


def default_granularity_for(n_params: int, n_samples: int) -> Granularity:
    """One step per parameter for small networks (the document's way), per layer for big ones
    (counting the samples a trace steps through)."""
    traced = traced_sample_count(n_samples)
    return "parameter" if n_params * traced <= PARAMETER_STEPS_UP_TO else "layer"


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


Row = tuple[float, ...]


@dataclass(frozen=True)
class LayerSpec:
    """One fully-connected layer: one row of `weights` per neuron, one column per input."""

    activation: str
    weights: tuple[Row, ...]
    biases: Row

    @property
    def size(self) -> int:
        return len(self.weights)

    @property
    def fan_in(self) -> int:
        return len(self.weights[0])


@dataclass(frozen=True)
class NetworkSpec:
    """A checked network file's content (SPEC §1), every optional field filled in."""

    layers: tuple[LayerSpec, ...]
    inputs: tuple[Row, ...]  # one row per sample
    targets: tuple[Row, ...]
    loss: str
    learning_rate: float
    reduction: str = "mean"
    update_biases: bool = True
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, net: Network) -> NetworkSpec:
        """The spec of a built network (the same numbers as Python floats)."""
        return cls(
            layers=tuple(
                LayerSpec(
                    layer.activation, _rows(layer.weights.tolist()), tuple(layer.biases.tolist())
                )
                for layer in net.layers
            ),
            inputs=_rows(net.inputs.tolist()),
            targets=_rows(net.targets.tolist()),
            loss=net.loss,
            learning_rate=net.learning_rate,
            reduction=net.reduction,
            update_biases=net.update_biases,
            name=net.name,
            extra=dict(net.extra),
        )

    def build(self) -> Network:
        """The `Network` of these numbers (imports NumPy)."""
        from nntui.engine.network import Layer, Network

        return Network(
            layers=tuple(
                Layer(layer.activation, layer.weights, layer.biases) for layer in self.layers
            ),
            inputs=self.inputs,
            targets=self.targets,
            loss=self.loss,
            learning_rate=self.learning_rate,
            reduction=self.reduction,
            update_biases=self.update_biases,
            name=self.name,
            extra=dict(self.extra),
        )

    # -- the same questions a Network answers ------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return (self.layers[0].fan_in, *(layer.size for layer in self.layers))

    @property
    def n_samples(self) -> int:
        return len(self.inputs)

    @property
    def n_params(self) -> int:
        return sum(layer.size * (layer.fan_in + 1) for layer in self.layers)

    def params(self) -> Iterator[ParamRef]:
        """Every parameter, input side first: each layer's weights row by row, then its biases."""
        return layer_params(self.layers)

    def value_of(self, ref: ParamRef) -> float:
        return param_value(self.layers, ref)

    @functools.cached_property
    def separated_names(self) -> bool:
        """Whether this network's parameter names separate their indices (`separated_names`)."""
        return separated_names(self.layers)

    def param_name(self, ref: ParamRef) -> str:
        """`ref`'s name in this network's one naming style: `w100`, or `w1_0_0` beside `w1_0_10`."""
        return ref.label(self.separated_names)


class _LayerLike(Protocol):
    """What `LayerSpec` and the engine's `Layer` share: sizes and nested-indexable numbers."""

    @property
    def size(self) -> int: ...
    @property
    def fan_in(self) -> int: ...
    @property
    def weights(self) -> Any: ...
    @property
    def biases(self) -> Any: ...


def layer_params(layers: Sequence[_LayerLike]) -> Iterator[ParamRef]:
    """Every parameter of `layers`, input side first: each layer's weights row by row, then
    its biases (`Network.params`, `NetworkSpec.params`)."""
    for index, layer in enumerate(layers):
        for neuron in range(layer.size):
            for col in range(layer.fan_in):
                yield ParamRef(index, "weight", neuron, col)
        for neuron in range(layer.size):
            yield ParamRef(index, "bias", neuron)


def param_value(layers: Sequence[_LayerLike], ref: ParamRef) -> float:
    """The number of a single parameter (`ref` names one weight or one bias)."""
    layer = layers[ref.layer]
    if ref.kind == "weight":
        return float(layer.weights[ref.neuron][ref.input])
    return float(layer.biases[ref.neuron])


def _rows(rows: Sequence[Sequence[float]]) -> tuple[Row, ...]:
    return tuple(tuple(float(v) for v in row) for row in rows)


def spec(
    name: str,
    loss: str,
    learning_rate: float,
    layers: Sequence[tuple[str, Sequence[Sequence[float]], Sequence[float]]],
    inputs: Sequence[Sequence[float]],
    targets: Sequence[Sequence[float]],
) -> NetworkSpec:
    """A spec from nested lists, as the presets write networks out by hand."""
    return NetworkSpec(
        layers=tuple(LayerSpec(act, _rows(w), tuple(map(float, b))) for act, w, b in layers),
        inputs=_rows(inputs),
        targets=_rows(targets),
        loss=loss,
        learning_rate=learning_rate,
        name=name,
    )
