"""How numbers are written in formulas, ledgers and exports.

Operands are written short (0.29, 1, −1.2: rounded to the precision, trailing zeros dropped);
results are written at the full precision (0.290). The minus sign is the typographic −.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

MINUS = "−"
#: From this magnitude on, numbers are written in scientific notation (1.23e+20).
_HUGE = 1e12
#: Largest number of elements written out in full before an array is elided with …
ARRAY_EDGE = 3


def _fixed(value: float, precision: int) -> str:
    text = f"{value:.{precision}f}"
    if text.startswith("-"):
        text = MINUS + text[1:]
    return text


def fmt_result(value: float, precision: int) -> str:
    """A result at exactly `precision` decimals: 0.290, −0.144 (−0.000 shows a tiny negative)."""
    value = float(value)
    if not math.isfinite(value):
        return str(value).replace("-", MINUS)
    if value == 0:
        value = 0.0  # no "−0.000" for an exact negative zero
    if abs(value) >= _HUGE:
        return f"{value:.{precision}e}".replace("-", MINUS)
    return _fixed(value, precision)


def fmt_operand(value: float, precision: int) -> str:
    """An operand written short: 0.29, 1, −1.2; a tiny non-zero keeps 3 significant digits."""
    value = float(value)
    if not math.isfinite(value):
        return str(value).replace("-", MINUS)
    if value == 0:
        return "0"
    if abs(value) >= _HUGE:
        return f"{value:.3g}".replace("-", MINUS)
    text = f"{value:.{precision}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("0", "-0"):
        text = f"{value:.3g}"
    return text.replace("-", MINUS)


def fmt_value(value: float | np.ndarray, precision: int, *, short: bool = False) -> str:
    """A scalar or an array (rows in brackets, long ones elided with …)."""
    fmt = fmt_operand if short else fmt_result
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return _fmt_array(value, precision, fmt)
    return fmt(float(value), precision)


def _fmt_array(array: np.ndarray, precision: int, fmt: Callable[[float, int], str]) -> str:
    items = []
    for item in _edges(array):
        if item is None:
            items.append("…")
        elif array.ndim == 1:
            items.append(fmt(float(item), precision))
        else:
            items.append(_fmt_array(item, precision, fmt))
    return "[" + ", ".join(items) + "]"


def _edges(array: np.ndarray) -> list[Any]:
    """All rows, or the first ARRAY_EDGE, None for the elided ones, and the last one."""
    if len(array) <= ARRAY_EDGE + 2:
        return list(array)
    return [*array[:ARRAY_EDGE], None, array[-1]]
