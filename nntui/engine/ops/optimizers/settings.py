"""Checked settings: `OptimizerSettings`, what a network file's `[optimizer]` table says, and
`settings_from_table`, which checks the table. Invalid settings cannot be built; a bad field is
one `OptimizerFieldError` line naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nntui.engine.notation import unicode
from nntui.engine.ops.optimizers.fields import Hyperparameter, OptimizerFieldError
from nntui.engine.ops.optimizers.records import Optimizer, optimizer
from nntui.engine.text import describe


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

    @classmethod
    def of(cls, name: str, **values: float | bool) -> OptimizerSettings:
        """Checked settings from keyword values: `OptimizerSettings.of("adam", beta1=0.8)`."""
        return cls(name, tuple(values.items()))

    @property
    def record(self) -> Optimizer:
        """The optimizer's record; OptimizerFieldError for an unknown name."""
        return optimizer(self.name)

    @property
    def state_names(self) -> tuple[str, ...]:
        """The vectors the optimizer keeps with these settings, in order (none for plain SGD)."""
        return self.record.state_names(self)

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
    record = optimizer(name)
    values = tuple(
        (key, record.hyperparameter(key).parse(raw)) for key, raw in table.items() if key != "name"
    )
    return OptimizerSettings(record.name, values)
