"""A network as plain Python numbers: what a network file says, checked, before NumPy.

`NetworkSpec` holds exactly what a `Network` holds — layers, samples (the held-out ones too),
training settings, where the samples came from — as tuples of floats, and `build()` turns it
into the `Network` the engine computes with (the same float64 numbers, bit for bit). It exists
so the debugger can draw a network before NumPy has been imported: nothing here imports NumPy
until `build()` is called, and reading a network file (`nntui.engine.loader.load_spec`) checks
every rule in pure Python (a file with a `[data]` table excepted: its samples are made with
NumPy).

Both classes answer the same questions about shape and values (`layers[l].weights[j][i]`,
`inputs[s][i]`, `params()`, `value_of`), which is all a view of the ready state reads.

The dependency runs one way: this module builds a `Network` (`nntui.engine.network`, imported
by `build()` when called); `network` never imports this module. What both read — the names,
`ParamRef`, the order of the parameters — lives in `nntui.engine.schema`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from nntui.engine.schema import (
    ACTIVATION_ALIASES,
    ACTIVATIONS,
    LOSSES,
    REDUCTIONS,
    DataSource,
    ParamKind,
    ParamLayout,
    ParamRef,
    param_value,
    separated_names,
)

if TYPE_CHECKING:
    import numpy as np

    from nntui.engine.network import Network
    from nntui.engine.ops.optimizers import OptimizerSettings

# Re-exported: the names and the parameter references are read from here too.
__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_ALIASES",
    "GRANULARITIES",
    "LOSSES",
    "PARAMETER_STEPS_UP_TO",
    "REDUCTIONS",
    "TRACE_SAMPLES",
    "DataSource",
    "Granularity",
    "LayerSpec",
    "NetworkSpec",
    "ParamKind",
    "ParamLayout",
    "ParamRef",
    "Row",
    "default_granularity_for",
    "separated_names",
    "spec",
    "traced_sample_count",
]

Granularity = Literal["parameter", "neuron", "layer"]
GRANULARITIES: tuple[Granularity, ...] = ("parameter", "neuron", "layer")
#: Up to this many parameter × sample products a network is stepped one parameter at a time.
PARAMETER_STEPS_UP_TO = 400


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
    """A checked network file's content (SPEC §1), every optional field filled in.

    As in `Network`, `inputs` and `targets` are the training samples, `test_inputs` and
    `test_targets` the held-out ones (none without a `[data]` table that holds some out),
    `data` where they came from, and `optimizer` and `batch_size` how training runs (SPEC §6;
    `optimizer` None is plain SGD, so a file without `[optimizer]` is read without loading the
    optimizers). The run's state is not here: a network built from a spec starts its run."""

    layers: tuple[LayerSpec, ...]
    inputs: tuple[Row, ...]  # one row per sample
    targets: tuple[Row, ...]
    loss: str
    learning_rate: float
    reduction: str = "mean"
    update_biases: bool = True
    name: str = ""
    test_inputs: tuple[Row, ...] = ()
    test_targets: tuple[Row, ...] = ()
    data: DataSource | None = None
    optimizer: OptimizerSettings | None = None  # None: plain SGD (the optimizers not loaded)
    batch_size: int | None = None  # None: every step uses every sample (SPEC §6)
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
            test_inputs=_rows(net.test_inputs.tolist()),
            test_targets=_rows(net.test_targets.tolist()),
            data=net.data,
            optimizer=None if net.optimizer.is_default else net.optimizer,
            batch_size=net.batch_size,
            extra=dict(net.extra),
        )

    def build(self) -> Network:
        """The `Network` of these numbers (imports NumPy)."""
        from nntui.engine.network import Layer, Network, frozen_array

        net = Network(
            layers=tuple(
                Layer(
                    layer.activation, frozen_array(layer.weights, 2), frozen_array(layer.biases, 1)
                )
                for layer in self.layers
            ),
            inputs=frozen_array(self.inputs, 2),
            targets=frozen_array(self.targets, 2),
            loss=self.loss,
            learning_rate=self.learning_rate,
            reduction=self.reduction,
            update_biases=self.update_biases,
            name=self.name,
            test_inputs=_matrix(self.test_inputs, self.shape[0]),
            test_targets=_matrix(self.test_targets, self.shape[-1]),
            data=self.data,
            batch_size=self.batch_size,
            extra=dict(self.extra),
        )
        return net if self.optimizer is None else replace(net, optimizer=self.optimizer)

    # -- the same questions a Network answers ------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return (self.layers[0].fan_in, *(layer.size for layer in self.layers))

    @property
    def n_samples(self) -> int:
        """How many samples training uses (the held-out ones not counted)."""
        return len(self.inputs)

    @property
    def n_test_samples(self) -> int:
        return len(self.test_inputs)

    @property
    def labels(self) -> tuple[str, ...] | None:
        """The class names of the targets (see `DataSource.labels`), or None."""
        return None if self.data is None else self.data.labels

    @property
    def n_params(self) -> int:
        return len(self.layout)

    @functools.cached_property
    def layout(self) -> ParamLayout:
        """Where each parameter sits in the flat listing of this network's parameters."""
        return ParamLayout.of(self.layers)

    def params(self) -> Iterator[ParamRef]:
        """Every parameter in the one order (`ParamLayout`): input side first, each layer's
        weights row by row, then its biases."""
        return iter(self.layout)

    def value_of(self, ref: ParamRef) -> float:
        return param_value(self.layers, ref)

    @functools.cached_property
    def separated_names(self) -> bool:
        """Whether this network's parameter names separate their indices (`separated_names`)."""
        return separated_names(self.layers)

    def param_name(self, ref: ParamRef) -> str:
        """`ref`'s name in this network's one naming style: `w100`, or `w1_0_0` beside `w1_0_10`."""
        return ref.label(self.separated_names)


def _matrix(rows: tuple[Row, ...], width: int) -> np.ndarray:
    """`rows` as a read-only float64 matrix of `width` columns, also when there are none."""
    import numpy as np

    from nntui.engine.network import frozen_array

    return frozen_array(np.array(rows, dtype=np.float64).reshape(-1, width), 2)


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
