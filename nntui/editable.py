"""The numbers a user can select and edit on screen: a weight or a bias (`ParamRef`), an input
x or a target y of one sample, the learning rate.

They live here, apart from the session, so the views can name them without importing NumPy
(the first frame is drawn before it is imported).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from nntui.engine.spec import ParamRef

__all__ = ["LEARNING_RATE", "Editable", "InputRef", "LearningRateRef", "TargetRef"]


@dataclass(frozen=True)
class InputRef:
    """Input `index` of sample `sample` (x), as something the user can select and edit."""

    sample: int
    index: int


@dataclass(frozen=True)
class TargetRef:
    """Target `index` of sample `sample` (y), as something the user can select and edit."""

    sample: int
    index: int


@dataclass(frozen=True)
class LearningRateRef:
    """The learning rate, as something the user can select and edit (there is one)."""


LEARNING_RATE = LearningRateRef()

#: One number the user can select and edit: a weight or a bias, an input, a target, the
#: learning rate.
Editable: TypeAlias = ParamRef | InputRef | TargetRef | LearningRateRef
