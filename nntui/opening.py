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
from typing import TYPE_CHECKING

from nntui.engine.numbers import START_PRECISION
from nntui.engine.spec import Granularity, NetworkSpec, default_granularity_for
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

    def __init__(self, network: NetworkSpec, precision: int = START_PRECISION) -> None:
        self.network = network
        self.precision = precision
        self.index: TraceIndex = empty_index(network)
        self.granularity: Granularity = default_granularity_for(network.n_params, network.n_samples)
        self._values: list[float] | None = None

    def ledger_columns(self) -> tuple[Sequence[float], Sequence[float], Sequence[float]]:
        """The parameter values in ledger order; no gradient and no new value exist yet."""
        if self._values is None:
            self._values = [self.network.value_of(param) for param in self.index.params]
        return self._values, (), ()
