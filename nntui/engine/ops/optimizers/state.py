"""The state an optimizer carries from one training step to the next: t and its vectors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


class HasState(Protocol):
    """Settings that say which vectors their optimizer keeps (`OptimizerSettings`)."""

    @property
    def state_names(self) -> tuple[str, ...]: ...


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
    def initial(cls, settings: HasState, size: int) -> OptimizerState:
        """The state before the first step: t = 0 and every vector 0 (PyTorch's start)."""
        import numpy as np

        return cls(0, {name: np.zeros(size) for name in settings.state_names})

    def __reduce__(self) -> tuple[type[OptimizerState], tuple[int, dict[str, np.ndarray]]]:
        """Pickled as t and a plain dict of its vectors (a mapping proxy cannot be)."""
        return (type(self), (self.t, dict(self.buffers)))

    def __getitem__(self, name: str) -> np.ndarray:
        return self.buffers[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.buffers)

    def fits(self, settings: HasState, size: int) -> bool:
        """Whether this is a state of `settings` for `size` parameters."""
        names = settings.state_names
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
