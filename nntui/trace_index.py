"""What the views look up at every key press, computed once per trace: which step reveals
which number, and the ledger's rows. NumPy-free, so the first frame can be drawn before NumPy
is imported (`empty_index`: the index of an iteration none of whose steps is built yet).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from nntui.engine.schema import ParamLayout
from nntui.engine.spec import NetworkSpec, ParamRef, separated_names

if TYPE_CHECKING:
    from typing import Protocol

    from nntui.engine.network import Network
    from nntui.engine.ops.optimizers import OptimizerSettings
    from nntui.engine.trace import Trace

    class StepByRow(Protocol):
        """A step index for every ledger row: a NumPy array of int64 for a real trace, a list
        for the empty index."""

        def __getitem__(self, row: int, /) -> Any: ...

        def __len__(self) -> int: ...


@dataclass(frozen=True, eq=False)
class TraceIndex:
    """Lookups the views need at every key press, computed once per trace.

    `revealed[(sample, kind, layer, neuron)]` is the index of the step that first shows that
    number (whole-layer steps are expanded to every neuron). `grad_at[p]` and `new_at[p]` give,
    for parameter p in ledger order, the step whose batch gradient and whose update cover it.
    """

    revealed: dict[tuple[Any, ...], int]
    params: LedgerRows  # the ledger's rows
    grad_at: StepByRow
    new_at: StepByRow
    rows_of_step: dict[int, tuple[int, int]]  # step index → ledger rows [start, stop)
    boundaries: tuple[int, ...]  # first index of every run of one phase
    phase_position: tuple[int, ...]  # step index → its 1-based position within its phase
    phase_total: dict[str, int]  # phase → how many steps it has
    #: step index → the sample the graph shows: the step's own, or for a batch-wide step
    #: (reduction, update) the last sample before it
    display_sample: tuple[int, ...]


class LedgerRows(Sequence[ParamRef]):
    """Every parameter in the order backpropagation reaches it: output layer first, each
    layer's weights row by row, then its biases. Rows are computed, not stored, so a network
    of 100,000 parameters costs nothing to index. Names are the network's (`name_of`), in its
    one style; `name_width` is the length of the longest."""

    def __init__(self, net: Network | NetworkSpec) -> None:
        self._layout = ParamLayout.of(net.layers, output_first=True)  # the one order
        self._separated = separated_names(net.layers)
        # A layer's longest names are those of its last neuron and input (the most digits).
        self.name_width = max(
            len(self.name_of(ParamRef(index, kind, size - 1, fan_in - 1)))
            for index, (size, fan_in) in enumerate(self._layout.shapes)
            for kind in ("weight", "bias")
        )

    def __len__(self) -> int:
        return len(self._layout)

    @overload
    def __getitem__(self, row: int) -> ParamRef: ...
    @overload
    def __getitem__(self, row: slice) -> Sequence[ParamRef]: ...
    def __getitem__(self, row: int | slice) -> ParamRef | Sequence[ParamRef]:
        if isinstance(row, slice):
            return [self._layout.ref_at(k) for k in range(*row.indices(len(self._layout)))]
        return self._layout.ref_at(row)

    def name_of(self, ref: ParamRef) -> str:
        """`ref`'s name in the network's style (`Network.param_name`)."""
        return ref.label(self._separated)

    def row_of(self, ref: ParamRef) -> int:
        """The row of a single parameter (or the first row of a row or layer reference)."""
        return self._layout.index_of(ref)

    def rows_covered(self, ref: ParamRef) -> tuple[int, int]:
        """The rows [start, stop) a step about `ref` (one parameter, a row or a layer) covers."""
        return self._layout.span_of(ref)


def empty_index(net: Network | NetworkSpec) -> TraceIndex:
    """The index of a trace with no steps: nothing revealed, no gradient or update yet."""
    params = LedgerRows(net)
    # `index_trace` gives rows no step covers the step count, here 0: never ≤ the cursor (−1).
    never = [0] * len(params)
    return TraceIndex({}, params, never, never, {}, (), (), {}, ())


# -- the optimizer's columns of the ledger -------------------------------------------------------


@dataclass(frozen=True)
class PartColumn:
    """A ledger column for one part of an optimizer's update (SPEC §6) before the step Δ: the
    velocity; Adam's m, v, m̂, v̂; … `symbol` heads the column ("m̂"), `title` says what it
    is ("average of g, unbiased"), `kind` is the trace step that computes it ("m_hat").
    `carried` parts are the run's state, kept from step to step (v, m, v): the ledger shows
    them first when it is short of room, since they are what the optimizer remembers."""

    symbol: str
    title: str
    kind: str
    carried: bool


@dataclass(frozen=True, eq=False)
class UpdateIndex:
    """The optimizer's numbers of one trace in ledger order, and when each is shown.

    `values[c][row]` is column `c`'s number of the parameter in `row` (NaN for a part a fixed
    bias has none of), `shown_at[c][row]` the index of the step that computes it. A fixed bias
    has no step of its parts: its numbers are shown with its new value (its state unchanged).
    Empty for plain SGD, whose update is one step."""

    columns: tuple[PartColumn, ...]
    values: tuple[StepByRow, ...]
    shown_at: tuple[StepByRow, ...]


NO_PARTS = UpdateIndex((), (), ())

_update_indexes: weakref.WeakKeyDictionary[Trace, UpdateIndex] = weakref.WeakKeyDictionary()


def update_index(trace: Trace, rows: LedgerRows, new_at: StepByRow) -> UpdateIndex:
    """`trace`'s `UpdateIndex`, worked out on first asking and kept as long as the trace is
    (every key press asks again; this walks the steps once per trace). `new_at` is the trace
    index's, the step of each row's new value."""
    known = _update_indexes.get(trace)
    if known is None:
        known = _index_update(trace, rows, new_at)
        _update_indexes[trace] = known
    return known


def _index_update(trace: Trace, rows: LedgerRows, new_at: StepByRow) -> UpdateIndex:
    import numpy as np

    columns = part_columns(trace.optimizer)
    if not columns:
        return NO_PARTS
    values = tuple(
        ledger_order(update.weights, update.biases) for update in trace.update_columns[:-1]
    )
    column_of = {column.kind: k for k, column in enumerate(columns)}
    shown_at = [np.array(new_at, dtype=np.int64) for _ in columns]
    for step in trace.steps:
        k = column_of.get(step.kind)
        if k is None or step.param is None or step.phase != "update":
            continue
        start, stop = rows.rows_covered(step.param)
        shown_at[k][start:stop] = step.index
    return UpdateIndex(columns, values, tuple(shown_at))


def part_columns(settings: OptimizerSettings | None) -> tuple[PartColumn, ...]:
    """The ledger's columns for the parts of an update by `settings` (None: plain SGD, as a
    network file without `[optimizer]` reads), before the new value; none for plain SGD."""
    if settings is None or settings.is_plain_sgd:
        return ()
    from nntui.engine.notation import unicode

    parts = settings.record.parts(settings)[:-1]  # the last is the new value, the ledger's own
    return tuple(
        PartColumn(unicode(part.symbol), part.title, part.kind, part.state is not None)
        for part in parts
    )


def ledger_order(weights: Sequence[Any], biases: Sequence[Any]) -> Any:
    """Per-layer arrays (weights, biases) as one flat vector in ledger order: the output layer
    first, each layer's weights row by row, then its biases."""
    import numpy as np

    pairs = zip(reversed(weights), reversed(biases), strict=True)
    return np.concatenate([np.concatenate([np.ravel(w), np.ravel(b)]) for w, b in pairs])
