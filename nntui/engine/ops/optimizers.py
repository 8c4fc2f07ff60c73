"""Every optimizer as one record: its hyper-parameters, state, update rule and traced parts.

`OPTIMIZERS` maps the `[optimizer]` table's `name` (SPEC §6) to its `Optimizer`, in SPEC §6's
order. The numbers are PyTorch's `torch.optim` (SGD, Adam, AdamW, RMSprop with dampening 0,
amsgrad, centered and maximize off) in float64.

An optimizer's update of one parameter θ is written once, as its **parts**: an ordered list of
`UpdatePart`s (for Adam: m, v, m̂, v̂, then the new θ), each computing one number from the
numbers it reads by a documented `Op`. The same parts serve three readers:

- `step` runs them on whole flat vectors (every parameter at once) for the traced path;
- the trace builder runs them on one parameter's scalars and shows each as a step, its formula
  with the numbers substituted and its sentence of why;
- the `train` fast path uses `OptimizerKernel`, the same arithmetic in place on preallocated
  buffers, in the same order of operations, so it agrees with `step` to the last bit.

Plain SGD (momentum 0, weight_decay 0, the default) has a single part, `θ* = θ − η·g`, computed
exactly as `compute.sgd_step` computes it. NumPy is imported inside the functions, so the names
and the checks can run before NumPy is loaded.
"""

from __future__ import annotations

import difflib
import math
import numbers
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: The numbers a part may read, by name: the scalars of `scalar_values`, "theta" (θ), "grad"
#: (∂E/∂θ), the state before the step ("b", "m", "v") and every earlier part's `key`. Floats
#: for one parameter in the trace, flat float64 vectors in `step`.
Values = dict[str, Any]
#: A part's sentence of why, from the values once the part is computed and the parameter's name.
Why = Callable[[Mapping[str, Any], str], str]
#: update(theta, grad, theta_out, lr): one step in place (see `OptimizerKernel.update`).
Update = Callable[["np.ndarray", "np.ndarray", "np.ndarray", float], None]
#: Builds an optimizer's in-place update for these settings over a kernel's buffers.
KernelBuilder = Callable[["OptimizerSettings", "KernelBuffers"], Update]


class OptimizerFieldError(ValueError):
    """A bad `[optimizer]` field. `str(err)` is one line, `"{field}: {message}"` (SPEC §3's form
    without the file), e.g. `optimizer.beta1: must be in [0, 1), got 1.0`; the loader puts the
    file's name in front."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self) -> tuple[type[OptimizerFieldError], tuple[str, str]]:
        return (type(self), (self.field, self.message))


# -- the arithmetic of a part ----------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """How a part's value follows from the numbers it reads (f0, f1, … in `UpdatePart.reads`
    order). `rule` is the documented form, next to SPEC §4's `sum`, `product`, `update`, `apply`.
    `apply` works on floats and on NumPy arrays alike, with the same operations in the same
    order, so a traced scalar and a vector entry agree to the bit."""

    name: str
    rule: str
    apply: Callable[..., Any]


def _sqrt(value: Any) -> Any:
    """√ of a float (math) or an array (NumPy); both are correctly rounded, so they agree."""
    if isinstance(value, float | int):
        return math.sqrt(value)
    import numpy as np

    return np.sqrt(value)


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("add_product", "f0 + f1·f2", lambda base, factor, other: base + factor * other),
        Op("update", "f0 − f1·f2", lambda old, rate, direction: old - rate * direction),
        Op(
            "average",
            "f0·f1 + (1 − f0)·f2",
            lambda keep, old, new: keep * old + (1.0 - keep) * new,
        ),
        Op(
            "average_square",
            "f0·f1 + (1 − f0)·f2²",
            lambda keep, old, new: keep * old + (1.0 - keep) * (new * new),
        ),
        Op("unbias", "f0 / (1 − f1^f2)", lambda average, keep, t: average / (1.0 - keep**t)),
        Op(
            "adaptive_update",
            "f0 − f1·f2 / (√f3 + f4)",
            lambda old, rate, direction, square, eps: (
                old - rate * direction / (_sqrt(square) + eps)
            ),
        ),
        Op("decay", "f0·(1 − f1·f2)", lambda old, rate, decay: old * (1.0 - rate * decay)),
    )
}


@dataclass(frozen=True)
class UpdatePart:
    """One number of one parameter's update, shown by the trace as a step of its own.

    `formula` is the symbolic right-hand side and `template` the same with a `{name}` slot for
    each number shown; `{param}` in `stem`, `formula` and `why` is the parameter's name (w100).
    In the formulas g is the gradient the update uses: ∂E/∂θ, plus λ·θ when a weight decay part
    comes first. The value is `OPS[op].apply` of the values named by `reads`, in order.
    """

    key: str  # the name its value takes among the values: "m_new", "theta_new"
    stem: str  # its symbol: "m", "m̂", "{param}*"
    formula: str  # "β1·m + (1 − β1)·g"
    template: str  # "{beta1}·{m} + {one_minus_beta1}·{grad}"
    op: str
    reads: tuple[str, ...]
    why: Why
    state: str | None = None  # the state buffer this value becomes ("m"), if any
    title: str = ""  # what it is, for a ledger column: "velocity"

    def value(self, values: Mapping[str, Any]) -> Any:
        """This part's number (or vector) from the values it reads."""
        return OPS[self.op].apply(*(values[name] for name in self.reads))

    def symbol(self, param: str) -> str:
        return self.stem.format(param=param)

    def symbolic(self, param: str) -> str:
        """`m = β1·m + (1 − β1)·g` with the parameter's name in."""
        return f"{self.symbol(param)} = {self.formula.format(param=param)}"

    def substituted(self, values: Mapping[str, Any], write: Callable[[Any], str]) -> str:
        """The template with each number written by `write`: `0.9·0 + 0.1·0.038`."""
        names = {name for _, name, _, _ in string.Formatter().parse(self.template) if name}
        return self.template.format_map({name: write(values[name]) for name in names})


# -- hyper-parameters and their rules -----------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """What a number must satisfy, said the way the error says it: `in [0, 1)`."""

    text: str
    holds: Callable[[float], bool]


UNIT = Rule("in [0, 1)", lambda value: 0.0 <= value < 1.0)
POSITIVE = Rule("> 0", lambda value: value > 0.0)
NON_NEGATIVE = Rule(">= 0", lambda value: value >= 0.0)


@dataclass(frozen=True)
class Hyperparameter:
    """One `[optimizer]` field: a number with its rule, or a flag (`rule` None)."""

    name: str
    symbol: str
    default: float | bool
    rule: Rule | None
    meaning: str

    def parse(self, raw: object) -> float | bool:
        """`raw` (from TOML or JSON) as this field's value; OptimizerFieldError if it is not one."""
        if self.rule is None or isinstance(raw, bool) or not isinstance(raw, numbers.Real):
            return self.check(raw)  # a flag, or not a number: `check` says what is wrong
        try:
            number = float(raw)
        except (OverflowError, ValueError):
            message = f"{_describe(raw)} is too big for a 64-bit float"
            raise OptimizerFieldError(f"optimizer.{self.name}", message) from None
        return self.check(number)

    def check(self, value: object) -> float | bool:
        """`value` if it satisfies this field's rule; OptimizerFieldError otherwise."""
        path = f"optimizer.{self.name}"
        if self.rule is None:
            if not isinstance(value, bool):
                raise OptimizerFieldError(path, f"expected true or false, got {_describe(value)}")
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise OptimizerFieldError(path, f"expected a number, got {_describe(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise OptimizerFieldError(path, f"must be a finite number, got {number!r}")
        if not self.rule.holds(number):
            raise OptimizerFieldError(path, f"must be {self.rule.text}, got {number!r}")
        return number


@dataclass(frozen=True)
class Constraint:
    """A rule between fields, reported on `field`: nesterov needs momentum > 0."""

    field: str
    holds: Callable[[Mapping[str, float | bool]], bool]
    message: Callable[[Mapping[str, float | bool]], str]


MOMENTUM = Hyperparameter(
    "momentum", "μ", 0.0, UNIT, "how much of its velocity each step keeps (0: plain SGD)"
)
NESTEROV = Hyperparameter(
    "nesterov", "nesterov", False, None, "step along g + μ·b, looking ahead, instead of b"
)
ALPHA = Hyperparameter("alpha", "α", 0.99, UNIT, "how much of its average of g² each step keeps")
BETA1 = Hyperparameter("beta1", "β1", 0.9, UNIT, "how much of its average of g each step keeps")
BETA2 = Hyperparameter("beta2", "β2", 0.999, UNIT, "how much of its average of g² each step keeps")
EPS = Hyperparameter("eps", "ε", 1e-8, POSITIVE, "added to the root so it never divides by 0")
WEIGHT_DECAY = Hyperparameter(
    "weight_decay", "λ", 0.0, NON_NEGATIVE, "pulls every parameter towards 0 each step"
)
DECOUPLED_WEIGHT_DECAY = Hyperparameter(
    "weight_decay", "λ", 0.01, NON_NEGATIVE, "shrinks every parameter by 1 − η·λ each step"
)
NESTEROV_NEEDS_MOMENTUM = Constraint(
    "nesterov",
    lambda values: not values["nesterov"] or float(values["momentum"]) > 0.0,
    lambda values: f"needs momentum > 0, but momentum is {float(values['momentum'])!r}",
)


# -- settings and state -------------------------------------------------------------------------


@dataclass(frozen=True)
class OptimizerSettings:
    """An optimizer and its hyper-parameters, checked: invalid settings cannot be built.

    `OptimizerSettings()` is plain SGD (SPEC §1's update); `OptimizerSettings("adam")` is Adam
    with PyTorch's defaults. `values` lists every hyper-parameter of the record, in its order,
    filled with defaults where not given. Equal settings compare and hash equal.
    """

    name: str = "sgd"
    values: tuple[tuple[str, float | bool], ...] = ()

    def __post_init__(self) -> None:
        record = optimizer(self.name)
        given = dict(self.values)
        for name in given:
            record.hyperparameter(name)  # OptimizerFieldError for a field it does not have
        checked = {
            spec.name: spec.check(given.get(spec.name, spec.default))
            for spec in record.hyperparameters
        }
        for constraint in record.constraints:
            if not constraint.holds(checked):
                raise OptimizerFieldError(
                    f"optimizer.{constraint.field}", constraint.message(checked)
                )
        object.__setattr__(self, "values", tuple(checked.items()))

    @property
    def record(self) -> Optimizer:
        return OPTIMIZERS[self.name]

    def number(self, name: str) -> float:
        """The numeric hyper-parameter `name` (KeyError if this optimizer has none)."""
        value = dict(self.values)[name]
        assert not isinstance(value, bool), name
        return value

    def flag(self, name: str) -> bool:
        value = dict(self.values)[name]
        assert isinstance(value, bool), name
        return value

    @property
    def is_plain_sgd(self) -> bool:
        """Whether the update is SPEC §1's θ* = θ − η·∂E/∂θ, bit for bit (the default)."""
        return (
            self.name == "sgd"
            and self.number("momentum") == 0.0
            and self.number("weight_decay") == 0.0
        )

    def table(self) -> dict[str, str | float | bool]:
        """The `[optimizer]` table with every field written out, name first."""
        return {"name": self.name, **dict(self.values)}

    def summary(self) -> str:
        """One line for a title: the name and every hyper-parameter not at its default."""
        changed = [
            spec.name if spec.rule is None else f"{spec.symbol} = {self.number(spec.name):g}"
            for spec in self.record.hyperparameters
            if dict(self.values)[spec.name] != spec.default
        ]
        return self.name if not changed else f"{self.name} ({', '.join(changed)})"


@dataclass(frozen=True, eq=False)
class OptimizerState:
    """What an optimizer carries from one step to the next: the step count t (0 before the
    first step) and its named vectors (sgd with momentum: b; rmsprop: v; adam, adamw: m, v),
    one entry per parameter in the flat order. Immutable: the vectors are read-only copies, and
    `step` returns a new state, so a history of states can be stepped back through."""

    t: int = 0
    buffers: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "buffers",
            MappingProxyType({name: _read_only(array) for name, array in self.buffers.items()}),
        )

    @classmethod
    def initial(cls, settings: OptimizerSettings, size: int) -> OptimizerState:
        """The state before the first step: t = 0 and every vector 0 (PyTorch's start)."""
        import numpy as np

        return cls(0, {name: np.zeros(size) for name in settings.record.state_names(settings)})

    def __getitem__(self, name: str) -> np.ndarray:
        return self.buffers[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.buffers)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A float64 array nobody can write to: `array` itself when it already is one that owns its
    data (as `step` makes them), else a copy."""
    import numpy as np

    if (
        isinstance(array, np.ndarray)
        and array.dtype == np.float64
        and not array.flags.writeable
        and array.base is None
    ):
        return array
    copy = np.array(array, dtype=np.float64, copy=True)
    copy.setflags(write=False)
    return copy


# -- the record ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Optimizer:
    """One optimizer: its fields and their rules, its update of one parameter as parts (which
    also name its state), and its in-place kernel for the `train` fast path."""

    name: str
    title: str  # "Adam"
    text: str  # one line for Markdown: what its update does
    hyperparameters: tuple[Hyperparameter, ...]
    parts: Callable[[OptimizerSettings], tuple[UpdatePart, ...]]
    kernel: KernelBuilder
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
        return f"unknown key{_hint(name, choices)}"

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


def settings_from_table(table: object) -> OptimizerSettings:
    """Checked settings from a network file's `[optimizer]` table (None when there is none:
    plain SGD). OptimizerFieldError, one line naming the field, for anything wrong."""
    if table is None:
        return OptimizerSettings()
    if not isinstance(table, Mapping):
        raise OptimizerFieldError("optimizer", f"expected a table, got {_describe(table)}")
    name = table.get("name", "sgd")
    if not isinstance(name, str):
        raise OptimizerFieldError("optimizer.name", f"expected a string, got {_describe(name)}")
    if name not in OPTIMIZERS:
        raise OptimizerFieldError(
            "optimizer.name", f"unknown optimizer {_describe(name)}{_hint(name, list(OPTIMIZERS))}"
        )
    return OPTIMIZERS[name].validate({key: raw for key, raw in table.items() if key != "name"})


def _hint(word: str, choices: list[str]) -> str:
    matches = difflib.get_close_matches(word[:100].lower(), choices, n=1, cutoff=0.6)
    return (
        f"; did you mean '{matches[0]}'?"
        if matches
        else f" (expected one of: {', '.join(choices)})"
    )


def _describe(value: object) -> str:
    """A short one-line picture of a value read from a file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return '"' + shown.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, float | int):
        text = repr(value)
        return text if len(text) <= 40 else text[:40] + "…"
    return type(value).__name__


# -- the values a step reads --------------------------------------------------------------------


def scalar_values(settings: OptimizerSettings, t: int, lr: float) -> Values:
    """The scalars every parameter's parts read at step `t` (1 for the first step): "lr", "t",
    each numeric hyper-parameter by its field name, and the numbers derived from them that the
    templates show: `one_minus_beta1` (1 − β1), `bias1` (1 − β1ᵗ), and so on."""
    values: Values = {"lr": lr, "t": t}
    for name, value in settings.values:
        if not isinstance(value, bool):
            values[name] = value
    for name, bias in (("beta1", "bias1"), ("beta2", "bias2"), ("alpha", None)):
        if name in values:
            values[f"one_minus_{name}"] = 1.0 - values[name]
            if bias is not None:
                values[bias] = 1.0 - values[name] ** t
    return values


def evaluate(parts: tuple[UpdatePart, ...], values: Values) -> Values:
    """Every part's value, in order, added to `values` under its key (which it returns)."""
    for part in parts:
        values[part.key] = part.value(values)
    return values


def trace_parameter(
    settings: OptimizerSettings,
    t: int,
    lr: float,
    theta: float,
    grad: float,
    state: Mapping[str, float],
) -> tuple[tuple[UpdatePart, float], ...]:
    """One parameter's update at step `t` as (part, value) pairs, for the trace builder; `state`
    holds its entries of the state before the step (e.g. {"m": 0.0, "v": 0.0})."""
    parts = settings.record.parts(settings)
    values = scalar_values(settings, t, lr) | dict(state) | {"theta": theta, "grad": grad}
    evaluate(parts, values)
    return tuple((part, float(values[part.key])) for part in parts)


# -- the update of whole vectors ----------------------------------------------------------------


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
    import numpy as np

    parts = settings.record.parts(settings)
    names = tuple(part.state for part in parts if part.state is not None)
    if set(state.names) != set(names):
        raise ValueError(
            f"{settings.name} keeps {list(names)}, but the state has {list(state.names)}"
        )
    t = state.t + 1
    values = scalar_values(settings, t, lr) | dict(state.buffers)
    values |= {"theta": params, "grad": grads}
    evaluate(parts, values)
    new_params = np.asarray(values["theta_new"], dtype=np.float64)
    buffers = {part.state: values[part.key] for part in parts if part.state is not None}
    if movable is not None:
        new_params = np.where(movable, new_params, params)
        buffers = {name: np.where(movable, new, state[name]) for name, new in buffers.items()}
    for fresh in buffers.values():  # new arrays of this step's: adopted by the state, not copied
        fresh.setflags(write=False)
    return new_params, OptimizerState(t, buffers)


@dataclass(frozen=True)
class KernelBuffers:
    """What a kernel builder writes into: the state vectors by name, the size, the mask of
    entries whose state may change (`where`: True when every entry moves) and the step count,
    `clock[0]`, which the update advances before it computes (t = 1 on the first step)."""

    state: Mapping[str, np.ndarray]
    size: int
    where: bool | np.ndarray
    clock: list[int]


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


# -- parts shared by several optimizers ---------------------------------------------------------


def _decayed_gradient_why(values: Mapping[str, Any], param: str) -> str:
    return (
        f"Weight decay adds λ·{param} to the gradient (L2 regularisation): on top of lowering "
        f"the loss, each step pulls {param} a little towards 0."
    )


#: g = ∂E/∂θ + λ·θ, for every optimizer but adamw, when weight_decay > 0.
DECAYED_GRADIENT = UpdatePart(
    key="g",
    stem="g",
    formula="∂E/∂{param} + λ·{param}",
    template="{grad} + {weight_decay}·{theta}",
    op="add_product",
    reads=("grad", "weight_decay", "theta"),
    why=_decayed_gradient_why,
)


def _gradient_parts(settings: OptimizerSettings) -> tuple[tuple[UpdatePart, ...], str]:
    """The weight decay part (if any) and the name of the gradient the next parts read."""
    if settings.number("weight_decay") > 0.0:
        return (DECAYED_GRADIENT,), "g"
    return (), "grad"


def _still(values: Mapping[str, Any], direction: str) -> bool:
    return bool(values["lr"] == 0.0 or values[direction] == 0.0)


def _still_why(values: Mapping[str, Any], param: str, what: str) -> str:
    if values["lr"] == 0.0:
        return "The learning rate is 0, so nothing moves."
    return f"{what} is 0, so {param} does not change."


# -- sgd ----------------------------------------------------------------------------------------


def _velocity_why(values: Mapping[str, Any], param: str) -> str:
    if values["t"] == 1:
        return (
            "The velocity b starts at 0, so after the first step it is the gradient itself, "
            "b = g. From then on it keeps μ of itself and adds each new gradient: a direction "
            "that keeps coming back builds up speed."
        )
    return (
        "The velocity keeps μ of its old value and adds the new gradient: gradients that keep "
        "their sign build up speed (up to 1/(1 − μ) times a plain step), gradients that flip "
        "cancel out."
    )


def _nesterov_why(values: Mapping[str, Any], param: str) -> str:
    return (
        "Nesterov momentum looks ahead: the step follows g plus μ times the new velocity, as if "
        "the momentum step were already taken."
    )


def _sgd_step_why(direction: str, symbol: str) -> Why:
    def why(values: Mapping[str, Any], param: str) -> str:
        if _still(values, direction):
            return _still_why(values, param, "The gradient" if symbol == "g" else f"{symbol}")
        if symbol == "g":
            return f"One step against the gradient: {param} moves by −η·g, downhill on the loss."
        return (
            f"{param} moves against {'the velocity' if symbol == 'b' else 'the look-ahead'} "
            f"rather than the bare gradient: −η·{symbol}, downhill on the loss with the memory "
            "of earlier steps."
        )

    return why


def _sgd_parts(settings: OptimizerSettings) -> tuple[UpdatePart, ...]:
    parts, grad = _gradient_parts(settings)
    direction, symbol = grad, "g"
    if settings.number("momentum") > 0.0:
        velocity = UpdatePart(
            key="b_new",
            stem="b",
            formula="μ·b + g",
            template=f"{{momentum}}·{{b}} + {{{grad}}}",
            op="add_product",
            reads=(grad, "momentum", "b"),
            why=_velocity_why,
            state="b",
            title="velocity",
        )
        parts += (velocity,)
        direction, symbol = "b_new", "b"
        if settings.flag("nesterov"):
            look_ahead = UpdatePart(
                key="d",
                stem="d",
                formula="g + μ·b",
                template=f"{{{grad}}} + {{momentum}}·{{b_new}}",
                op="add_product",
                reads=(grad, "momentum", "b_new"),
                why=_nesterov_why,
            )
            parts += (look_ahead,)
            direction, symbol = "d", "d"
    new_theta = UpdatePart(
        key="theta_new",
        stem="{param}*",
        formula=f"{{param}} − η·{symbol}",
        template=f"{{theta}} − {{lr}}·{{{direction}}}",
        op="update",
        reads=("theta", "lr", direction),
        why=_sgd_step_why(direction, symbol),
    )
    return (*parts, new_theta)


def _sgd_kernel(settings: OptimizerSettings, buffers: KernelBuffers) -> Update:
    import numpy as np

    decay = settings.number("weight_decay")
    momentum = settings.number("momentum")
    nesterov = settings.flag("nesterov")
    velocity, where, clock = buffers.state.get("b"), buffers.where, buffers.clock
    decayed, direction = np.empty(buffers.size), np.empty(buffers.size)
    add, multiply, subtract = np.add, np.multiply, np.subtract

    if decay == 0.0 and velocity is None:

        def plain(theta: np.ndarray, grad: np.ndarray, out: np.ndarray, lr: float) -> None:
            clock[0] += 1
            multiply(grad, lr, out=direction)  # θ* = θ − η·g, as compute.sgd_step
            subtract(theta, direction, out=out, where=where)

        return plain

    def update(theta: np.ndarray, grad: np.ndarray, out: np.ndarray, lr: float) -> None:
        clock[0] += 1
        g = grad
        if decay > 0.0:
            multiply(theta, decay, out=decayed)  # g = ∂E/∂θ + λ·θ
            add(grad, decayed, out=decayed)
            g = decayed
        step = g
        if velocity is not None:
            multiply(velocity, momentum, out=velocity, where=where)  # b = g + μ·b
            add(g, velocity, out=velocity, where=where)
            step = velocity
            if nesterov:
                multiply(velocity, momentum, out=direction)  # d = g + μ·b
                add(g, direction, out=direction)
                step = direction
        multiply(step, lr, out=direction)  # θ* = θ − η·d
        subtract(theta, direction, out=out, where=where)

    return update


SGD = Optimizer(
    name="sgd",
    title="SGD",
    text=(
        "stochastic gradient descent: θ* = θ − η·g; with momentum μ, a velocity b = μ·b + g "
        "and θ* = θ − η·b (Nesterov: θ* = θ − η·(g + μ·b))"
    ),
    hyperparameters=(MOMENTUM, NESTEROV, WEIGHT_DECAY),
    parts=_sgd_parts,
    kernel=_sgd_kernel,
    constraints=(NESTEROV_NEEDS_MOMENTUM,),
)

# -- rmsprop ------------------------------------------------------------------------------------


def _square_average_why(keep: str) -> Why:
    def why(values: Mapping[str, Any], param: str) -> str:
        return (
            f"v is a running average of g²: it keeps {keep} of its old value and takes "
            f"1 − {keep} of g². √v is the typical size of {param}'s gradient lately, whatever "
            "its sign."
        )

    return why


def _rmsprop_step_why(values: Mapping[str, Any], param: str) -> str:
    if _still(values, "g" if "g" in values else "grad"):
        return _still_why(values, param, "The gradient")
    if values["t"] == 1:
        return (
            "On the first step v = (1 − α)·g², so g/√v = ±1/√(1 − α): the step is η/√(1 − α) "
            "(less a hair for ε), whatever the size of the gradient."
        )
    return (
        f"{param} moves by η·g/(√v + ε): the gradient divided by its own typical size lately, "
        "so steep and flat directions take steps of a similar size."
    )


def _rmsprop_parts(settings: OptimizerSettings) -> tuple[UpdatePart, ...]:
    parts, grad = _gradient_parts(settings)
    square = UpdatePart(
        key="v_new",
        stem="v",
        formula="α·v + (1 − α)·g²",
        template=f"{{alpha}}·{{v}} + {{one_minus_alpha}}·{{{grad}}}²",
        op="average_square",
        reads=("alpha", "v", grad),
        why=_square_average_why("α"),
        state="v",
        title="average of g²",
    )
    new_theta = UpdatePart(
        key="theta_new",
        stem="{param}*",
        formula="{param} − η·g / (√v + ε)",
        template=f"{{theta}} − {{lr}}·{{{grad}}} / (√{{v_new}} + {{eps}})",
        op="adaptive_update",
        reads=("theta", "lr", grad, "v_new", "eps"),
        why=_rmsprop_step_why,
    )
    return (*parts, square, new_theta)


def _rmsprop_kernel(settings: OptimizerSettings, buffers: KernelBuffers) -> Update:
    import numpy as np

    decay = settings.number("weight_decay")
    alpha, eps = settings.number("alpha"), settings.number("eps")
    one_minus_alpha = 1.0 - alpha
    square, where, clock = buffers.state["v"], buffers.where, buffers.clock
    decayed, scratch, root = (np.empty(buffers.size) for _ in range(3))
    add, divide, multiply, sqrt, subtract = np.add, np.divide, np.multiply, np.sqrt, np.subtract

    def update(theta: np.ndarray, grad: np.ndarray, out: np.ndarray, lr: float) -> None:
        clock[0] += 1
        g = grad
        if decay > 0.0:
            multiply(theta, decay, out=decayed)  # g = ∂E/∂θ + λ·θ
            add(grad, decayed, out=decayed)
            g = decayed
        multiply(square, alpha, out=square, where=where)  # v = α·v + (1 − α)·g²
        multiply(g, g, out=scratch)
        multiply(scratch, one_minus_alpha, out=scratch)
        add(square, scratch, out=square, where=where)
        sqrt(square, out=root)  # θ* = θ − η·g / (√v + ε)
        add(root, eps, out=root)
        multiply(g, lr, out=scratch)
        divide(scratch, root, out=scratch)
        subtract(theta, scratch, out=out, where=where)

    return update


RMSPROP = Optimizer(
    name="rmsprop",
    title="RMSprop",
    text=(
        "RMSprop: a running average v = α·v + (1 − α)·g² of the squared gradient, and "
        "θ* = θ − η·g / (√v + ε): each step divided by the gradient's typical size"
    ),
    hyperparameters=(ALPHA, EPS, WEIGHT_DECAY),
    parts=_rmsprop_parts,
    kernel=_rmsprop_kernel,
)

# -- adam and adamw -----------------------------------------------------------------------------


def _first_moment_why(values: Mapping[str, Any], param: str) -> str:
    if values["t"] == 1:
        return (
            "m is a running average of the gradient: it keeps β1 of its old value and takes "
            "1 − β1 of g. It starts at 0, so after this first step it is only (1 − β1)·g; "
            "m̂ corrects that."
        )
    return (
        "m is a running average of the gradient: it keeps β1 of its old value and takes 1 − β1 "
        "of g, so gradients that flip sign cancel out (momentum)."
    )


def _unbias_why(average: str, keep: str, target: str) -> Why:
    def why(values: Mapping[str, Any], param: str) -> str:
        sentence = (
            f"{average} started at 0, so it is too small by the factor 1 − {keep}ᵗ; dividing "
            "by it removes that bias"
        )
        if values["t"] == 1:
            return f"{sentence}. At t = 1 that gives {target} exactly."
        return f"{sentence}, which fades as t grows."

    return why


def _adam_step_why(values: Mapping[str, Any], param: str) -> str:
    if _still(values, "m_hat"):
        return _still_why(values, param, "m̂")
    if values["t"] == 1:
        return (
            f"At t = 1, m̂ = g and v̂ = g², so m̂/√v̂ = g/|g| = ±1: Adam's first step moves "
            f"{param} by η (less a hair for ε), whatever the size of its gradient."
        )
    return (
        f"{param} moves by η·m̂/(√v̂ + ε): the average gradient divided by its typical size, so "
        "the step is about η or less, however large or small the gradient is."
    )


def _decoupled_decay_why(values: Mapping[str, Any], param: str) -> str:
    return (
        f"AdamW decays the weight itself: {param} shrinks by the factor 1 − η·λ before Adam's "
        "step, so the decay is not divided by √v̂ the way a decay added to g would be."
    )


def _moment_parts(grad: str, theta: str) -> tuple[UpdatePart, ...]:
    """Adam's m, v, m̂, v̂ and new θ, reading the gradient `grad` and the parameter `theta`."""
    return (
        UpdatePart(
            key="m_new",
            stem="m",
            formula="β1·m + (1 − β1)·g",
            template=f"{{beta1}}·{{m}} + {{one_minus_beta1}}·{{{grad}}}",
            op="average",
            reads=("beta1", "m", grad),
            why=_first_moment_why,
            state="m",
            title="average of g",
        ),
        UpdatePart(
            key="v_new",
            stem="v",
            formula="β2·v + (1 − β2)·g²",
            template=f"{{beta2}}·{{v}} + {{one_minus_beta2}}·{{{grad}}}²",
            op="average_square",
            reads=("beta2", "v", grad),
            why=_square_average_why("β2"),
            state="v",
            title="average of g²",
        ),
        UpdatePart(
            key="m_hat",
            stem="m̂",
            formula="m / (1 − β1ᵗ)",
            template="{m_new} / {bias1}",
            op="unbias",
            reads=("m_new", "beta1", "t"),
            why=_unbias_why("m", "β1", "m̂ = g"),
        ),
        UpdatePart(
            key="v_hat",
            stem="v̂",
            formula="v / (1 − β2ᵗ)",
            template="{v_new} / {bias2}",
            op="unbias",
            reads=("v_new", "beta2", "t"),
            why=_unbias_why("v", "β2", "v̂ = g²"),
        ),
        UpdatePart(
            key="theta_new",
            stem="{param}*",
            formula=("{param}′" if theta == "theta_decayed" else "{param}") + " − η·m̂ / (√v̂ + ε)",
            template=f"{{{theta}}} − {{lr}}·{{m_hat}} / (√{{v_hat}} + {{eps}})",
            op="adaptive_update",
            reads=(theta, "lr", "m_hat", "v_hat", "eps"),
            why=_adam_step_why,
        ),
    )


def _adam_parts(settings: OptimizerSettings) -> tuple[UpdatePart, ...]:
    parts, grad = _gradient_parts(settings)
    return (*parts, *_moment_parts(grad, "theta"))


#: θ′ = θ·(1 − η·λ), AdamW's decoupled weight decay, when weight_decay > 0.
DECOUPLED_DECAY = UpdatePart(
    key="theta_decayed",
    stem="{param}′",
    formula="{param}·(1 − η·λ)",
    template="{theta}·(1 − {lr}·{weight_decay})",
    op="decay",
    reads=("theta", "lr", "weight_decay"),
    why=_decoupled_decay_why,
)


def _adamw_parts(settings: OptimizerSettings) -> tuple[UpdatePart, ...]:
    if settings.number("weight_decay") > 0.0:
        return (DECOUPLED_DECAY, *_moment_parts("grad", "theta_decayed"))
    return _moment_parts("grad", "theta")


def _adam_kernel(settings: OptimizerSettings, buffers: KernelBuffers) -> Update:
    """Adam's and AdamW's update in place (AdamW: the decay is on θ, not in g)."""
    import numpy as np

    decay = settings.number("weight_decay")
    decoupled = settings.name == "adamw"
    beta1, beta2, eps = settings.number("beta1"), settings.number("beta2"), settings.number("eps")
    one_minus_beta1, one_minus_beta2 = 1.0 - beta1, 1.0 - beta2
    first, second = buffers.state["m"], buffers.state["v"]
    where, clock = buffers.where, buffers.clock
    decayed, scratch, m_hat, v_hat = (np.empty(buffers.size) for _ in range(4))
    add, divide, multiply, sqrt, subtract = np.add, np.divide, np.multiply, np.sqrt, np.subtract

    def update(theta: np.ndarray, grad: np.ndarray, out: np.ndarray, lr: float) -> None:
        clock[0] += 1
        t = clock[0]
        g, base = grad, theta
        if decay and decoupled:
            multiply(theta, 1.0 - lr * decay, out=decayed)  # θ′ = θ·(1 − η·λ)
            base = decayed
        elif decay:
            multiply(theta, decay, out=decayed)  # g = ∂E/∂θ + λ·θ
            add(grad, decayed, out=decayed)
            g = decayed
        multiply(first, beta1, out=first, where=where)  # m = β1·m + (1 − β1)·g
        multiply(g, one_minus_beta1, out=scratch)
        add(first, scratch, out=first, where=where)
        multiply(second, beta2, out=second, where=where)  # v = β2·v + (1 − β2)·g²
        multiply(g, g, out=scratch)
        multiply(scratch, one_minus_beta2, out=scratch)
        add(second, scratch, out=second, where=where)
        divide(first, 1.0 - beta1**t, out=m_hat)  # m̂ = m / (1 − β1ᵗ)
        divide(second, 1.0 - beta2**t, out=v_hat)  # v̂ = v / (1 − β2ᵗ)
        sqrt(v_hat, out=v_hat)  # θ* = θ − η·m̂ / (√v̂ + ε)
        add(v_hat, eps, out=v_hat)
        multiply(m_hat, lr, out=m_hat)
        divide(m_hat, v_hat, out=m_hat)
        subtract(base, m_hat, out=out, where=where)

    return update


ADAM = Optimizer(
    name="adam",
    title="Adam",
    text=(
        "Adam: running averages m of the gradient and v of its square, corrected for starting "
        "at 0 (m̂, v̂), and θ* = θ − η·m̂ / (√v̂ + ε): steps of about η whatever the gradient's size"
    ),
    hyperparameters=(BETA1, BETA2, EPS, WEIGHT_DECAY),
    parts=_adam_parts,
    kernel=_adam_kernel,
)

ADAMW = Optimizer(
    name="adamw",
    title="AdamW",
    text=(
        "AdamW: Adam with the weight decay taken out of the gradient: each step first shrinks "
        "θ by 1 − η·λ, then takes Adam's step"
    ),
    hyperparameters=(BETA1, BETA2, EPS, DECOUPLED_WEIGHT_DECAY),
    parts=_adamw_parts,
    kernel=_adam_kernel,
)

#: Every optimizer by its `[optimizer]` name, in SPEC §6's order.
OPTIMIZERS: dict[str, Optimizer] = {record.name: record for record in (SGD, ADAM, ADAMW, RMSPROP)}


def optimizer(name: str) -> Optimizer:
    """The record of optimizer `name`; OptimizerFieldError (a ValueError) for an unknown name."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise OptimizerFieldError(
            "optimizer.name", f"unknown optimizer {_describe(name)}{_hint(name, list(OPTIMIZERS))}"
        ) from None
