"""The network: layers of weights and biases, the training samples and the training settings.

A network also carries its training run: the optimizer (`optimizer`, SPEC §6; plain SGD by
default), the batch size (`batch_size`, None for every sample) and the run's state
(`optimizer_state`: t, the steps taken, and the optimizer's vectors, zero at the start). A
training step returns a network with the next state, so a history of networks (the debugger's
`←`) restores the state with them, the network as opened starts over, and `train` continues
from any network's state. The state is not part of the file: saving writes the settings only.

A network whose file names its data (`[data]`, SPEC §7) also holds the samples held out from
training, `test_inputs` and `test_targets`, and where its samples came from (`data`). Training,
the trace and the loss read only `inputs` and `targets`, the training samples: a held-out sample
is never trained on. The test samples are there to be scored (`nntui.engine.evaluation`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from nntui.engine.batches import Batch, batch_at
from nntui.engine.ops.optimizers import OptimizerSettings, OptimizerState
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

# Re-exported: the names and the parameter references are NumPy-free, in `schema`.
__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_ALIASES",
    "LOSSES",
    "REDUCTIONS",
    "DataSource",
    "Layer",
    "Network",
    "ParamKind",
    "ParamLayout",
    "ParamRef",
    "frozen_array",
]


def _no_samples() -> np.ndarray:
    """The held-out samples of a network without a test set (they take its width after)."""
    return np.empty((0, 0))


@dataclass(frozen=True, eq=False)
class Layer:
    """One fully-connected layer: `weights` has one row per neuron and one column per input."""

    activation: str
    weights: np.ndarray
    biases: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", frozen_array(self.weights, 2))
        object.__setattr__(self, "biases", frozen_array(self.biases, 1))

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

    Arrays are read-only float64. `inputs` and `targets` are the training samples; the
    held-out ones, `test_inputs` and `test_targets`, have no rows unless the file's `[data]`
    holds some out (`test_fraction`), and `data` says where the samples came from (None for a
    file that lists its `[[samples]]`). `optimizer`, `batch_size` and `optimizer_state` are the
    training run (see the module's docstring); a state that does not fit the optimizer or the
    parameters (an edit changed them) starts over, as does a missing one. Two networks are
    `same_as` each other when every field of the file and every number is identical.
    """

    layers: tuple[Layer, ...]
    inputs: np.ndarray  # (samples, fan_in of layer 0)
    targets: np.ndarray  # (samples, size of the last layer)
    loss: str
    learning_rate: float
    reduction: str = "mean"
    update_biases: bool = True
    name: str = ""
    test_inputs: np.ndarray = field(default_factory=_no_samples)  # (held out, fan_in)
    test_targets: np.ndarray = field(default_factory=_no_samples)  # (held out, outputs)
    data: DataSource | None = None
    optimizer: OptimizerSettings = field(default_factory=OptimizerSettings)
    batch_size: int | None = None  # None: every step uses every sample
    optimizer_state: OptimizerState | None = None  # None: the start (t = 0, every vector 0)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "inputs", frozen_array(self.inputs, 2))
        object.__setattr__(self, "targets", frozen_array(self.targets, 2))
        fan_in, outputs = self.layers[0].fan_in, self.layers[-1].size
        object.__setattr__(self, "test_inputs", _held_out(self.test_inputs, fan_in))
        object.__setattr__(self, "test_targets", _held_out(self.test_targets, outputs))
        if self.batch_size is not None and (
            isinstance(self.batch_size, bool) or int(self.batch_size) < 1
        ):
            raise ValueError(f"batch_size must be a whole number >= 1, got {self.batch_size!r}")
        state = self.optimizer_state
        if state is None or not state.fits(self.optimizer, self.n_params):
            state = OptimizerState.initial(self.optimizer, self.n_params)
            object.__setattr__(self, "optimizer_state", state)

    # -- the training run ----------------------------------------------------------------------
    @property
    def state(self) -> OptimizerState:
        """The training run's state before the next step (`optimizer_state`, never None)."""
        assert self.optimizer_state is not None
        return self.optimizer_state

    @property
    def t(self) -> int:
        """How many training steps this network's run has taken (0 as opened)."""
        return self.state.t

    @property
    def batch(self) -> Batch:
        """The samples the next training step uses (SPEC §6): every sample without a batch
        size, else batch t mod the number of batches."""
        return batch_at(self.n_samples, self.batch_size, self.t)

    def restarted(self) -> Network:
        """The same network with its run's state back at the start (t = 0, every vector 0)."""
        return replace(self, optimizer_state=None)

    # -- shape -----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """Neurons per column, inputs first: (3, 2, 1) for the worked example."""
        return (self.layers[0].fan_in, *(layer.size for layer in self.layers))

    @property
    def n_samples(self) -> int:
        """How many samples training uses (the held-out ones not counted)."""
        return int(self.inputs.shape[0])

    @property
    def n_test_samples(self) -> int:
        """How many samples are held out from training (0 without a test set)."""
        return int(self.test_inputs.shape[0])

    @property
    def labels(self) -> tuple[str, ...] | None:
        """The class names of the targets, printable, when the file's `[data]` has classes
        (see `DataSource.labels`); None otherwise."""
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

    def flat(self) -> np.ndarray:
        """Every parameter's value, in `params()` order (a new vector)."""
        return self.layout.flatten(
            [layer.weights for layer in self.layers], [layer.biases for layer in self.layers]
        )

    def value_of(self, ref: ParamRef) -> float:
        return param_value(self.layers, ref)

    @functools.cached_property
    def separated_names(self) -> bool:
        """Whether this network's parameter names separate their indices (`separated_names`)."""
        return separated_names(self.layers)

    def param_name(self, ref: ParamRef) -> str:
        """`ref`'s name in this network's one naming style: `w100`, or `w1_0_0` beside `w1_0_10`.
        Every name shown of a parameter of this network (traces, ledger, messages) is this."""
        return ref.label(self.separated_names)

    # -- derived networks --------------------------------------------------------------------
    def with_parameters(
        self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]
    ) -> Network:
        """The same network and samples with new weights and biases."""
        layers = tuple(
            Layer(layer.activation, layer_weights, layer_biases)
            for layer, layer_weights, layer_biases in zip(self.layers, weights, biases, strict=True)
        )
        return replace(self, layers=layers)

    def with_flat(self, values: np.ndarray) -> Network:
        """The same network with every parameter from `values`, a vector in `params()` order
        (`flat()`'s inverse)."""
        return self.with_parameters(*self.layout.unflatten(values))

    def same_as(self, other: Network) -> bool:
        """True when every setting and every number is identical (bit for bit), the held-out
        samples, the data table, the optimizer and the batch size included; the run's state is
        not compared (it is not in the file: compare `state.same_as`)."""
        same_data = other.data is None if self.data is None else self.data.same_data(other.data)
        if not same_data:
            return False
        if (
            self.loss,
            self.learning_rate,
            self.reduction,
            self.update_biases,
            self.name,
            self.optimizer,
            self.batch_size,
            len(self.layers),
        ) != (
            other.loss,
            other.learning_rate,
            other.reduction,
            other.update_biases,
            other.name,
            other.optimizer,
            other.batch_size,
            len(other.layers),
        ):
            return False
        for mine, theirs in zip(self.layers, other.layers, strict=True):
            if mine.activation != theirs.activation:
                return False
            if not (
                _identical(mine.weights, theirs.weights) and _identical(mine.biases, theirs.biases)
            ):
                return False
        samples = ("inputs", "targets", "test_inputs", "test_targets")
        return all(_identical(getattr(self, name), getattr(other, name)) for name in samples)

    # -- the file schema ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The network file's structure (SPEC §1), every optional field written out: the
        `[data]` table (every field of it) when the samples came from one, else the samples.
        `batch_size` and the `optimizer` table (every field of it) are written when they are
        not the defaults (every sample, plain SGD), so a file of SPEC §1 reads as it did."""
        table: dict[str, Any] = {
            "name": self.name,
            "loss": self.loss,
            "reduction": self.reduction,
            "learning_rate": self.learning_rate,
            "update_biases": self.update_biases,
            **({} if self.batch_size is None else {"batch_size": self.batch_size}),
            **({} if self.optimizer.is_default else {"optimizer": self.optimizer.table()}),
            "layers": [
                {
                    "activation": layer.activation,
                    "weights": layer.weights.tolist(),
                    "biases": layer.biases.tolist(),
                }
                for layer in self.layers
            ],
        }
        if self.data is not None:
            table["data"] = self.data.settings.to_table()
        else:
            table["samples"] = [
                {"x": x.tolist(), "y": y.tolist()}
                for x, y in zip(self.inputs, self.targets, strict=True)
            ]
        return table


def frozen_array(array: Any, ndim: int) -> np.ndarray:
    """`array` as a read-only float64 array of `ndim` dimensions that owns its numbers: a copy,
    unless it already is one (then shared)."""
    if (
        isinstance(array, np.ndarray)
        and array.ndim == ndim
        and array.dtype == np.float64
        and not array.flags.writeable
        and array.base is None
    ):
        # Already one of ours (a read-only copy that owns its data): shared, not copied, so
        # a network's next iterations do not each copy a data set of 100,000 samples.
        return array
    out = np.array(array, dtype=np.float64, copy=True)
    if out.ndim != ndim:
        raise ValueError(f"expected a {ndim}-dimensional array, got shape {out.shape}")
    out.setflags(write=False)
    return out


def _held_out(array: Any, width: int) -> np.ndarray:
    """`frozen_array(array, 2)`, and no samples at all as `(0, width)`: rows that fit the
    network, so the engine computes on an empty test set without a special case."""
    if np.size(array) == 0 and np.shape(array) != (0, width):
        array = np.empty((0, width))
    return frozen_array(array, 2)


def _identical(mine: np.ndarray, theirs: np.ndarray) -> bool:
    return mine.shape == theirs.shape and bool(np.array_equal(mine, theirs))
