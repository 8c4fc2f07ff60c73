"""An optimizer's fields and their rules, the one-line error of a bad one, and what every part
of the package may read of checked settings (`SettingsLike`), without importing them.

NumPy-free, and a leaf of the package: the records, parts and kernels read settings through
`SettingsLike`; `settings.OptimizerSettings` is the one class that has it.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from nntui.engine.notation import Name
from nntui.engine.text import describe


class SettingsLike(Protocol):
    """Checked settings as the parts and kernels read them (`settings.OptimizerSettings`)."""

    @property
    def name(self) -> str: ...
    @property
    def values(self) -> tuple[tuple[str, float | bool], ...]: ...
    def number(self, name: str) -> float: ...
    def flag(self, name: str) -> bool: ...


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


def hint(word: str, choices: list[str]) -> str:
    """`; did you mean 'adam'?`, or the list of choices when nothing is close."""
    matches = difflib.get_close_matches(word[:100].lower(), choices, n=1, cutoff=0.6)
    return (
        f"; did you mean '{matches[0]}'?"
        if matches
        else f" (expected one of: {', '.join(choices)})"
    )
