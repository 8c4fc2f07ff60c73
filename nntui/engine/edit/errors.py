"""What every edit shares: `EditError`, checking a number, replacing layers, and words."""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Sequence
from dataclasses import replace

from nntui.engine.network import Layer, Network

__all__ = ["EditError", "count", "did_you_mean", "finite", "with_layers"]


class EditError(ValueError):
    """An edit that cannot be made. `str(err)` is one line, `"{field}: {message}"` (or the
    message alone); `field` names what was edited: `w100`, `samples[2].x[0]`, `learning_rate`,
    `loss`, `layers[1]`, `layers[1].activation`."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)

    def __reduce__(self) -> tuple[type[EditError], tuple[str, str]]:
        return (type(self), (self.field, self.message))


def finite(value: object, field: str) -> float:
    """`value` as a finite float; a bool, a string or anything not a real number is refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise EditError(field, f"expected a number, got {type(value).__name__} {value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise EditError(field, "is too big for a 64-bit float") from None
    if not math.isfinite(number):
        raise EditError(field, f"must be a finite number, got {number!r}")
    return number


def with_layers(net: Network, changed: dict[int, Layer]) -> Network:
    """`net` with the layers at the keys of `changed` replaced, every other field as it was."""
    layers = tuple(changed.get(index, layer) for index, layer in enumerate(net.layers))
    return replace(net, layers=layers)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`; did you mean 'sigmoid'?` when `word` looks like a typo of a choice, else the list."""
    close = difflib.get_close_matches(word[:100].lower(), choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f" (expected one of: {', '.join(choices)})"


def count(number: int, noun: str) -> str:
    """`1 neuron`, `3 neurons`, `1,000 samples`."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
