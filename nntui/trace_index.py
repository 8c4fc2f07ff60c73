"""What the views look up at every key press, computed once per trace: which step reveals
which number, and the ledger's rows. NumPy-free, so the first frame can be drawn before NumPy
is imported (`empty_index`: the index of an iteration none of whose steps is built yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from nntui.engine.spec import NetworkSpec, ParamRef, separated_names

if TYPE_CHECKING:
    from typing import Protocol

    from nntui.engine.network import Network

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
        self._shapes = [(layer.size, layer.fan_in) for layer in net.layers]
        self._separated = separated_names(net.layers)
        # A layer's longest names are those of its last neuron and input (the most digits).
        self.name_width = max(
            len(self.name_of(ParamRef(index, kind, size - 1, fan_in - 1)))
            for index, (size, fan_in) in enumerate(self._shapes)
            for kind in ("weight", "bias")
        )
        self._start: dict[int, int] = {}
        row = 0
        for index in reversed(range(len(net.layers))):
            self._start[index] = row
            size, fan_in = self._shapes[index]
            row += size * fan_in + size
        self._total = row
        self._order = sorted(self._start, key=self._start.__getitem__)

    def __len__(self) -> int:
        return self._total

    @overload
    def __getitem__(self, row: int) -> ParamRef: ...
    @overload
    def __getitem__(self, row: slice) -> Sequence[ParamRef]: ...
    def __getitem__(self, row: int | slice) -> ParamRef | Sequence[ParamRef]:
        if isinstance(row, slice):
            return [self[k] for k in range(*row.indices(self._total))]
        if row < 0:
            row += self._total
        if not 0 <= row < self._total:
            raise IndexError(row)
        layer = next(i for i in reversed(self._order) if self._start[i] <= row)
        offset = row - self._start[layer]
        size, fan_in = self._shapes[layer]
        if offset < size * fan_in:
            return ParamRef(layer, "weight", offset // fan_in, offset % fan_in)
        return ParamRef(layer, "bias", offset - size * fan_in)

    def name_of(self, p: ParamRef) -> str:
        """`p`'s name in the network's style (`Network.param_name`)."""
        return p.label(self._separated)

    def row_of(self, p: ParamRef) -> int:
        """The row of a single parameter (or the first row of a row or layer reference)."""
        size, fan_in = self._shapes[p.layer]
        start = self._start[p.layer]
        neuron = p.neuron or 0
        if p.kind == "weight":
            return start + neuron * fan_in + (p.input or 0)
        return start + size * fan_in + neuron

    def rows_covered(self, p: ParamRef) -> tuple[int, int]:
        """The rows [start, stop) a step about `p` (one parameter, a row or a layer) covers."""
        size, fan_in = self._shapes[p.layer]
        first = self.row_of(p)
        if p.neuron is None:
            return first, first + (size * fan_in if p.kind == "weight" else size)
        if p.kind == "weight" and p.input is None:
            return first, first + fan_in
        return first, first + 1


def empty_index(net: Network | NetworkSpec) -> TraceIndex:
    """The index of a trace with no steps: nothing revealed, no gradient or update yet."""
    params = LedgerRows(net)
    # `index_trace` gives rows no step covers the step count, here 0: never ≤ the cursor (−1).
    never = [0] * len(params)
    return TraceIndex({}, params, never, never, {}, (), (), {}, ())
