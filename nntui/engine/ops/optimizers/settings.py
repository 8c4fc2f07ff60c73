"""An optimizer's hyper-parameters and their rules, checked settings, and the state a training
run carries from one step to the next.

`OptimizerSettings` is what a network file's `[optimizer]` table says, checked: invalid
settings cannot be built, and a bad field is one `OptimizerFieldError` line naming it.
`OptimizerState` is the run's memory (t and the vectors b, m, v), immutable, so a history of
states can be stepped back through. NumPy is imported only when a state is made.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from nntui.engine.notation import Name, unicode

if TYPE_CHECKING:
    import numpy as np

    from nntui.engine.ops.optimizers.records import Optimizer


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
    """One `[optimizer]` field: a number with its rule, or a flag (`rule` None). `symbol` is
    how formulas write it (ρ, β1, ε, λ)."""

    name: str
    symbol: Name
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
            message = f"{describe(raw)} is too big for a 64-bit float"
            raise OptimizerFieldError(f"optimizer.{self.name}", message) from None
        return self.check(number)

    def check(self, value: object) -> float | bool:
        """`value` if it satisfies this field's rule; OptimizerFieldError otherwise."""
        path = f"optimizer.{self.name}"
        if self.rule is None:
            if not isinstance(value, bool):
                raise OptimizerFieldError(path, f"expected true or false, got {describe(value)}")
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise OptimizerFieldError(path, f"expected a number, got {describe(value)}")
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
        record = self.record
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
        """The optimizer's record; OptimizerFieldError for an unknown name."""
        from nntui.engine.ops.optimizers.records import optimizer

        return optimizer(self.name)

    @property
    def title(self) -> str:
        """How prose names it: `SGD`, `SGD with momentum`, `Adam`."""
        if self.name == "sgd" and self.number("momentum") > 0.0:
            return "SGD with Nesterov momentum" if self.flag("nesterov") else "SGD with momentum"
        return self.record.title

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
        """Whether the update is SPEC §1's θ* = θ − µ·∂E/∂θ, bit for bit (the default)."""
        return (
            self.name == "sgd"
            and self.number("momentum") == 0.0
            and self.number("weight_decay") == 0.0
        )

    @property
    def is_default(self) -> bool:
        """Whether a network file needs no `[optimizer]` table for these settings."""
        return self == OptimizerSettings()

    def table(self) -> dict[str, str | float | bool]:
        """The `[optimizer]` table with every field written out, name first."""
        return {"name": self.name, **dict(self.values)}

    def changed(self) -> list[tuple[Hyperparameter, float | bool]]:
        """The hyper-parameters not at their default, in the record's order, with their values."""
        values = dict(self.values)
        return [
            (spec, values[spec.name])
            for spec in self.record.hyperparameters
            if values[spec.name] != spec.default
        ]

    def summary(self) -> str:
        """One line for a title: the name and every hyper-parameter not at its default,
        `adam (β2 = 0.99)`, `sgd (ρ = 0.9, nesterov)`."""
        changed = [
            spec.name if spec.rule is None else f"{unicode(spec.symbol)} = {value:g}"
            for spec, value in self.changed()
        ]
        return self.name if not changed else f"{self.name} ({', '.join(changed)})"


@dataclass(frozen=True, eq=False)
class OptimizerState:
    """What an optimizer carries from one step to the next: the step count t (0 before the
    first step) and its named vectors (sgd with momentum: b, the velocity; rmsprop: v; adam,
    adamw: m, v), one entry per parameter in the network's flat order (`ParamLayout`).
    Immutable: the vectors are read-only copies, and `step` returns a new state, so a history of
    states can be stepped back through. Plain SGD keeps no vector, only t (which says the
    batch the next step takes)."""

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

    def fits(self, settings: OptimizerSettings, size: int) -> bool:
        """Whether this is a state of `settings` for `size` parameters."""
        names = settings.record.state_names(settings)
        return set(self.names) == set(names) and all(
            self.buffers[name].shape == (size,) for name in names
        )

    def same_as(self, other: OptimizerState) -> bool:
        """The same t and the same vectors, bit for bit."""
        if self.t != other.t or set(self.names) != set(other.names):
            return False
        return all(self[name].tobytes() == other[name].tobytes() for name in self.names)


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


def hint(word: str, choices: list[str]) -> str:
    """`; did you mean 'adam'?`, or the list of choices when nothing is close."""
    matches = difflib.get_close_matches(word[:100].lower(), choices, n=1, cutoff=0.6)
    return (
        f"; did you mean '{matches[0]}'?"
        if matches
        else f" (expected one of: {', '.join(choices)})"
    )


def describe(value: object) -> str:
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
