"""The debugger's first frame, before NumPy: the ready state of the first iteration.

Before the first step nothing has been computed, so the ready view shows only what the network
file says: the graph with its weights and inputs, the ledger's parameter values, the target.
`Opening` answers every question a view asks of a `Session` in that state, from a
`NetworkSpec` (plain numbers), so the app draws its first frame while NumPy and the trace are
not yet loaded; the app then builds the `Session` and the views draw from it. Tests check that
both draw the same screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, overload

from nntui.engine.numbers import START_PRECISION
from nntui.engine.spec import TRACE_SAMPLES, Granularity, NetworkSpec, default_granularity_for
from nntui.trace_index import TraceIndex, empty_index

if TYPE_CHECKING:
    from nntui.engine.trace import Step


class Opening:
    """A read-only stand-in for a new `Session` over `network`, at its ready state."""

    trace = None  # none is built before the first step is asked for
    iteration = 1
    cursor = -1
    step: Step | None = None
    steps: tuple[Step, ...] = ()
    message: str | None = None
    blocked: str | None = None
    complete = False
    can_back = False
    loss_history: tuple[float, ...] = ()
    shown_loss: float | None = None
    sample_window = 0
    first_sample = 0

    @property
    def sample_windows(self) -> int:
        return -(-self.network.n_samples // TRACE_SAMPLES)

    def __init__(self, network: NetworkSpec, precision: int = START_PRECISION) -> None:
        self.network = network
        self.precision = precision
        self.index: TraceIndex = empty_index(network)
        self.granularity: Granularity = default_granularity_for(network.n_params, network.n_samples)

    def ledger_columns(self) -> tuple[Sequence[float], Sequence[float], Sequence[float]]:
        """The parameter values in ledger order; no gradient and no new value exist yet."""
        return _Values(self), (), ()


class _Values(Sequence[float]):
    """The values of the ledger's rows, looked up as they are drawn (a network file of 100,000
    parameters shows a screenful of them)."""

    def __init__(self, opening: Opening) -> None:
        self._network = opening.network
        self._params = opening.index.params

    def __len__(self) -> int:
        return len(self._params)

    @overload
    def __getitem__(self, row: int) -> float: ...
    @overload
    def __getitem__(self, row: slice) -> Sequence[float]: ...
    def __getitem__(self, row: int | slice) -> float | Sequence[float]:
        if isinstance(row, slice):
            return [self[index] for index in range(*row.indices(len(self)))]
        return self._network.value_of(self._params[row])
