"""The update: of whole flat vectors (`step`, for the traced path and the session's history),
of one parameter (`trace_parameter`), and in place (`OptimizerKernel`, the `train` fast path),
all by the same parts in the same order, so they agree to the bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from nntui.engine.ops.optimizers.kernels import KernelBuffers, Update
from nntui.engine.ops.optimizers.parts import UpdatePart, evaluate, scalar_values
from nntui.engine.ops.optimizers.settings import OptimizerSettings
from nntui.engine.ops.optimizers.state import OptimizerState

if TYPE_CHECKING:
    import numpy as np


def trace_parameter(
    settings: OptimizerSettings,
    t: int,
    lr: float,
    theta: float,
    grad: float,
    state: Mapping[str, float],
) -> tuple[tuple[UpdatePart, float], ...]:
    """One parameter's update at step `t` as (part, value) pairs; `state` holds its entries of
    the state before the step (e.g. {"m": 0.0, "v": 0.0})."""
    update_parts = settings.record.parts(settings)
    values = scalar_values(settings, t, lr) | dict(state) | {"theta": theta, "grad": grad}
    evaluate(update_parts, values)
    return tuple((part, float(values[part.key])) for part in update_parts)


def step_values(
    settings: OptimizerSettings,
    state: OptimizerState,
    params: np.ndarray,
    grads: np.ndarray,
    lr: float,
) -> dict[str, object]:
    """Every number of one update of the flat vectors `params` by `grads`: the scalars of
    `scalar_values` (t is the state's t + 1), the state before the step by name, "theta",
    "grad" and each part's vector under its key ("theta_new" last). No entry is held fixed
    (`step` does that)."""
    names = settings.record.state_names(settings)
    if set(state.names) != set(names):
        raise ValueError(
            f"{settings.name} keeps {list(names)}, but the state has {list(state.names)}"
        )
    values = scalar_values(settings, state.t + 1, lr) | dict(state.buffers)
    values |= {"theta": params, "grad": grads}
    return evaluate(settings.record.parts(settings), values)


def step(
    settings: OptimizerSettings,
    state: OptimizerState,
    params: np.ndarray,
    grads: np.ndarray,
    lr: float,
    movable: np.ndarray | None = None,
) -> tuple[np.ndarray, OptimizerState]:
    """One update of the flat float64 vectors `params` by `grads` (∂E/∂θ of the step's batch
    loss) at learning rate `lr`: the new parameters and the new state (t one more).

    Entries where `movable` is False (biases under `update_biases = false`) are neither decayed
    nor moved, and their state stays as it was. Neither `params` nor `state` is changed.
    """
    values = step_values(settings, state, params, grads, lr)
    return settle(settings, state, values, movable)


def settle(
    settings: OptimizerSettings,
    state: OptimizerState,
    values: Mapping[str, object],
    movable: np.ndarray | None = None,
) -> tuple[np.ndarray, OptimizerState]:
    """The new parameters and state from an update's values (`step_values`), the entries where
    `movable` is False kept as they were."""
    import numpy as np

    params = np.asarray(values["theta"], dtype=np.float64)
    new_params = np.asarray(values["theta_new"], dtype=np.float64)
    update_parts = settings.record.parts(settings)
    buffers = {
        part.state: np.asarray(values[part.key], dtype=np.float64)
        for part in update_parts
        if part.state is not None
    }
    if movable is not None:
        new_params = np.where(movable, new_params, params)
        buffers = {name: np.where(movable, new, state[name]) for name, new in buffers.items()}
    for fresh in buffers.values():  # new arrays of this step's: adopted by the state, not copied
        fresh.setflags(write=False)
    return new_params, OptimizerState(state.t + 1, buffers)


class OptimizerKernel:
    """The `train` fast path's form of `step`: the state lives in preallocated vectors and
    `update(params, grads, out, lr)` writes the new parameters into `out` (which may be
    `params` itself), allocating nothing per step.

    The operations are `step`'s, in the same order, so both agree to the bit. `state()` hands
    the state back as an `OptimizerState` (for the session's history); a kernel can also start
    from one, so `train` continues the debugger's run.
    """

    def __init__(
        self,
        settings: OptimizerSettings,
        size: int,
        movable: np.ndarray | None = None,
        state: OptimizerState | None = None,
    ) -> None:
        import numpy as np

        self.settings = settings
        names = settings.record.state_names(settings)
        if state is not None and set(state.names) != set(names):
            raise ValueError(
                f"{settings.name} keeps {list(names)}, but the state has {list(state.names)}"
            )
        self.buffers: dict[str, np.ndarray] = {
            name: np.zeros(size) if state is None else np.array(state[name], dtype=np.float64)
            for name in names
        }
        self._clock = [0 if state is None else state.t]
        frozen = None if movable is None else ~np.asarray(movable, dtype=bool)
        if frozen is None or not frozen.any():
            buffers = KernelBuffers(self.buffers, size, True, self._clock)
            self.update: Update = settings.record.kernel(settings, buffers)
            return
        moving = settings.record.kernel(
            settings, KernelBuffers(self.buffers, size, ~frozen, self._clock)
        )
        copyto = np.copyto

        def update(params: np.ndarray, grads: np.ndarray, out: np.ndarray, lr: float) -> None:
            copyto(out, params, where=frozen)  # fixed entries keep their value; the
            moving(params, grads, out, lr)  # update writes `out` only where entries move

        self.update = update

    @property
    def t(self) -> int:
        """The steps taken so far (counting those of the state it started from)."""
        return self._clock[0]

    def state(self) -> OptimizerState:
        """A snapshot of the state (copies: later updates do not change it)."""
        return OptimizerState(self.t, self.buffers)


def make_kernel(
    settings: OptimizerSettings,
    size: int,
    movable: np.ndarray | None = None,
    state: OptimizerState | None = None,
) -> OptimizerKernel:
    """The in-place update for `size` parameters, starting from `state` (default: the start)."""
    return OptimizerKernel(settings, size, movable, state)
