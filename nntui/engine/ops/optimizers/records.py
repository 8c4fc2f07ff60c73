"""The optimizer records — sgd (momentum, nesterov), rmsprop, adam, adamw — and the update of
whole vectors (`step`) and of one parameter (`trace_parameter`) they define.

A record lists its hyper-parameters (defaults and rules), its rules between them, its update
of one parameter as parts (`parts`) and its in-place kernel (`kernels`). `OPTIMIZERS` maps
the `[optimizer]` table's `name` (SPEC §6) to its record, in SPEC §6's order;
`settings_from_table` checks a network file's table into `SettingsLike`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nntui.engine.notation import CLOSE, MINUS_OP, ONE, OPEN, OVER, PLUS, ROOT, TIMES, Name, Prose
from nntui.engine.ops.optimizers import kernels, updates
from nntui.engine.ops.optimizers.fields import (
    NON_NEGATIVE,
    POSITIVE,
    UNIT,
    Constraint,
    Hyperparameter,
    OptimizerFieldError,
    SettingsLike,
    hint,
)
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
)
from nntui.engine.text import describe

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Optimizer:
    """One optimizer: its fields and their rules, its update of one parameter as parts (which
    also name its state), its in-place kernel for the `train` fast path, and `explains`, the
    sentence a handout says of it (θ stands for any parameter)."""

    name: str
    title: str  # "Adam"
    explains: Prose
    hyperparameters: tuple[Hyperparameter, ...]
    parts: Callable[[SettingsLike], tuple[UpdatePart, ...]]
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

    def state_names(self, settings: SettingsLike) -> tuple[str, ...]:
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
