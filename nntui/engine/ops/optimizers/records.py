"""The optimizer records — sgd (momentum, nesterov), rmsprop, adam, adamw — and the update of
whole vectors (`step`) and of one parameter (`trace_parameter`) they define.

A record lists its hyper-parameters (defaults and rules), its rules between them, its update
of one parameter as parts (`parts`) and its in-place kernel (`kernels`). `OPTIMIZERS` maps
the `[optimizer]` table's `name` (SPEC §6) to its record, in SPEC §6's order;
`settings_from_table` checks a network file's table into `OptimizerSettings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nntui.engine.notation import CLOSE, MINUS_OP, ONE, OPEN, OVER, PLUS, ROOT, TIMES, Name, Prose
from nntui.engine.ops.optimizers import kernels, updates
from nntui.engine.ops.optimizers.parts import (
    ALPHA,
    BETA1,
    BETA2,
    DECAY,
    EPS,
    M_HAT,
    MOMENTUM,
    RATE,
    THETA,
    V_HAT,
    VELOCITY,
    M,
    UpdatePart,
    V,
    evaluate,
    scalar_values,
)
from nntui.engine.ops.optimizers.settings import (
    NON_NEGATIVE,
    POSITIVE,
    UNIT,
    Constraint,
    Hyperparameter,
    OptimizerFieldError,
    OptimizerSettings,
    OptimizerState,
    describe,
    hint,
)

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Optimizer:
    """One optimizer: its fields and their rules, its update of one parameter as parts (which
    also name its state), its in-place kernel for the `train` fast path, and `explains`, the
    sentence a handout says of it (θ stands for any parameter)."""

    name: str
    title: str  # "Adam"
    explains: Prose
    hyperparameters: tuple[Hyperparameter, ...]
    parts: Callable[[OptimizerSettings], tuple[UpdatePart, ...]]
    kernel: kernels.KernelBuilder
    constraints: tuple[Constraint, ...] = ()

    def hyperparameter(self, name: str) -> Hyperparameter:
        """The field `name`; OptimizerFieldError naming it when this optimizer has no such field."""
        for spec in self.hyperparameters:
            if spec.name == name:
                return spec
        raise OptimizerFieldError(f"optimizer.{name}", self._no_field(name))

    def _no_field(self, name: str) -> str:
        owners = [record.name for record in OPTIMIZERS.values() if record.has(name)]
        if owners:
            return f"{self.name} has no {name} (it is an option of {', '.join(owners)})"
        choices = ["name", *(spec.name for spec in self.hyperparameters)]
        return f"unknown key{hint(name, choices)}"

    def has(self, name: str) -> bool:
        return any(spec.name == name for spec in self.hyperparameters)

    def validate(self, fields: Mapping[str, object]) -> OptimizerSettings:
        """Settings from the `[optimizer]` table's fields other than `name`, as read from the
        file; OptimizerFieldError (one line, naming the field) for the first bad one."""
        values = tuple((name, self.hyperparameter(name).parse(raw)) for name, raw in fields.items())
        return OptimizerSettings(self.name, values)

    def settings(self, **values: float | bool) -> OptimizerSettings:
        """Checked settings from keyword values: `ADAM.settings(beta1=0.8)`."""
        return OptimizerSettings(self.name, tuple(values.items()))

    def state_names(self, settings: OptimizerSettings) -> tuple[str, ...]:
        """The vectors its state keeps with these settings, in order (none for plain SGD)."""
        return tuple(part.state for part in self.parts(settings) if part.state is not None)


# -- the hyper-parameters -----------------------------------------------------------------------

MOMENTUM_FIELD = Hyperparameter(
    "momentum", MOMENTUM, 0.0, UNIT, "how much of its velocity each step keeps (0: plain SGD)"
)
NESTEROV_FIELD = Hyperparameter(
    "nesterov",
    Name("nesterov", "nesterov"),
    False,
    None,
    "step along g + ρ·v, looking ahead, instead of v",
)
ALPHA_FIELD = Hyperparameter(
    "alpha", ALPHA, 0.99, UNIT, "how much of its average of g² each step keeps"
)
BETA1_FIELD = Hyperparameter(
    "beta1", BETA1, 0.9, UNIT, "how much of its average of g each step keeps"
)
BETA2_FIELD = Hyperparameter(
    "beta2", BETA2, 0.999, UNIT, "how much of its average of g² each step keeps"
)
EPS_FIELD = Hyperparameter("eps", EPS, 1e-8, POSITIVE, "added to the root so it never divides by 0")
WEIGHT_DECAY_FIELD = Hyperparameter(
    "weight_decay", DECAY, 0.0, NON_NEGATIVE, "pulls every parameter towards 0 each step"
)
DECOUPLED_WEIGHT_DECAY_FIELD = Hyperparameter(
    "weight_decay", DECAY, 0.01, NON_NEGATIVE, "shrinks every parameter by 1 − µ·λ each step"
)
NESTEROV_NEEDS_MOMENTUM = Constraint(
    "nesterov",
    lambda values: not values["nesterov"] or float(values["momentum"]) > 0.0,
    lambda values: f"needs momentum > 0, but momentum is {float(values['momentum'])!r}",
)

# -- the records --------------------------------------------------------------------------------

SGD = Optimizer(
    name="sgd",
    title="SGD",
    explains=(
        *("Stochastic gradient descent: each parameter steps against its gradient. With "),
        *("momentum ", MOMENTUM, ", it keeps a velocity ", VELOCITY, " that adds up its past "),
        *("gradients, each worth ", MOMENTUM, " times the one after it, and steps against the "),
        "velocity instead: directions that keep coming back gather speed.",
    ),
    hyperparameters=(MOMENTUM_FIELD, NESTEROV_FIELD, WEIGHT_DECAY_FIELD),
    parts=updates.sgd_parts,
    kernel=kernels.sgd_kernel,
    constraints=(NESTEROV_NEEDS_MOMENTUM,),
)

RMSPROP = Optimizer(
    name="rmsprop",
    title="RMSprop",
    explains=(
        *("RMSprop keeps ", V, ", a running average of each parameter's squared gradient, and "),
        *("divides the step by ", (ROOT, V), ", the gradient's typical size lately: steep "),
        "and flat directions take steps of a similar size.",
    ),
    hyperparameters=(ALPHA_FIELD, EPS_FIELD, WEIGHT_DECAY_FIELD),
    parts=updates.rmsprop_parts,
    kernel=kernels.rmsprop_kernel,
)

_ADAM_EXPLAINS: Prose = (
    *("Adam keeps two running averages for each parameter: ", M, " of its gradient and "),
    *(V, " of its "),
    *("square. Both start at 0, so ", M_HAT, " and ", V_HAT, " correct for that start; the "),
    *("step is ", (RATE, TIMES, M_HAT, OVER, OPEN, ROOT, V_HAT, PLUS, EPS, CLOSE)),
    *(", about ", RATE, " whatever the size of the gradient."),
)

ADAM = Optimizer(
    name="adam",
    title="Adam",
    explains=_ADAM_EXPLAINS,
    hyperparameters=(BETA1_FIELD, BETA2_FIELD, EPS_FIELD, WEIGHT_DECAY_FIELD),
    parts=updates.adam_parts,
    kernel=kernels.adam_kernel,
)

ADAMW = Optimizer(
    name="adamw",
    title="AdamW",
    explains=(
        *("AdamW is Adam with the weight decay taken out of the gradient: each step first "),
        *("shrinks ", THETA, " by the factor ", (ONE, MINUS_OP, RATE, TIMES, DECAY)),
        ", then takes Adam's step. ",
        *_ADAM_EXPLAINS,
    ),
    hyperparameters=(BETA1_FIELD, BETA2_FIELD, EPS_FIELD, DECOUPLED_WEIGHT_DECAY_FIELD),
    parts=updates.adamw_parts,
    kernel=kernels.adam_kernel,
)

#: Every optimizer by its `[optimizer]` name, in SPEC §6's order.
OPTIMIZERS: dict[str, Optimizer] = {record.name: record for record in (SGD, ADAM, ADAMW, RMSPROP)}


def optimizer(name: str) -> Optimizer:
    """The record of optimizer `name`; OptimizerFieldError (a ValueError) for an unknown name."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise OptimizerFieldError(
            "optimizer.name", f"unknown optimizer {describe(name)}{hint(name, list(OPTIMIZERS))}"
        ) from None


def settings_from_table(table: object) -> OptimizerSettings:
    """Checked settings from a network file's `[optimizer]` table (None when there is none:
    plain SGD). OptimizerFieldError, one line naming the field, for anything wrong."""
    if table is None:
        return OptimizerSettings()
    if not isinstance(table, Mapping):
        raise OptimizerFieldError("optimizer", f"expected a table, got {describe(table)}")
    name = table.get("name", "sgd")
    if not isinstance(name, str):
        raise OptimizerFieldError("optimizer.name", f"expected a string, got {describe(name)}")
    return optimizer(name).validate({key: raw for key, raw in table.items() if key != "name"})


# -- the update ---------------------------------------------------------------------------------


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
