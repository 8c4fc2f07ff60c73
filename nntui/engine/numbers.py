"""How numbers are written in formulas, ledgers and exports.

Operands are written short (0.29, 1, −1.2: rounded to the precision, trailing zeros dropped);
results are written at the full precision (0.290). The minus sign is the typographic −.
Arrays are NumPy arrays or nested sequences of floats; this module does not import NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

MINUS = "−"
#: From this magnitude on, numbers are written in scientific notation (1.23e+20).
_HUGE = 1e12
#: Largest number of elements written out in full before an array is elided with …
ARRAY_EDGE = 3
#: Decimals of results: what a session starts with, and the range `+`/`-` move within.
START_PRECISION, MIN_PRECISION, MAX_PRECISION = 3, 0, 8


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


def fmt_value(value: float | Sequence[Any], precision: int, *, short: bool = False) -> str:
    """A scalar or an array (rows in brackets, long ones elided with …)."""
    fmt = fmt_operand if short else fmt_result
    if _is_array(value):
        return _fmt_array(value, precision, fmt)
    return fmt(float(value), precision)  # type: ignore[arg-type]


def _is_array(value: object) -> bool:
    """A NumPy array of one or more dimensions, or a list or tuple."""
    return isinstance(value, list | tuple) or getattr(value, "ndim", 0) > 0


def _fmt_array(array: Any, precision: int, fmt: Callable[[float, int], str]) -> str:
    items = []
    for item in _edges(array):
        if item is None:
            items.append("…")
        elif _is_array(item):
            items.append(_fmt_array(item, precision, fmt))
        else:
            items.append(fmt(float(item), precision))
    return "[" + ", ".join(items) + "]"


def _edges(array: Any) -> list[Any]:
    """All rows, or the first ARRAY_EDGE, None for the elided ones, and the last one."""
    if len(array) <= ARRAY_EDGE + 2:
        return list(array)
    return [*array[:ARRAY_EDGE], None, array[-1]]
