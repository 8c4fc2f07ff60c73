"""How numbers are written in formulas, ledgers and exports.

One rule for every number of a line, at every precision (0–8 decimals):

- A number is rounded to `precision` decimals. A result keeps them all (0.290, −0.144); an
  operand drops trailing zeros (0.29, 1, −1.2), as the worked example writes them.
- It keeps at least its first significant digit: a non-zero number smaller than the last
  decimal (|v| < 10^−precision) is written with one significant digit instead — 0.0004 and
  −0.0004 at 3 decimals, 0.3 for 0.29 at 0 decimals, 4e−7 from 10^−4 down (where Python's
  `g` format switches too). So a 0 on screen is exactly 0 (an inactive ReLU, a gradient that
  is really 0), nothing non-zero reads as 0, and −0 (−0.0, −0.000) is never printed.
- From 10^12 on, scientific notation (1.235e+12). The minus sign is the typographic −.

Arrays with more than ARRAY_EDGE + 2 entries along a dimension are shortened to what matters:
their ARRAY_EDGE largest entries by magnitude, each named (`h17`, from a label such as
`"h{0}"`, or its index `#17`), then how many are non-zero —
`[h17 = 1.204, h3 = 0.877, h9 = 0.512, … 14 of 32 non-zero]`, or `… 29 more` when every
entry is non-zero, `[32 zeros]` when none is. Arrays are NumPy arrays or nested sequences of
floats; this module does not import NumPy.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

MINUS = "−"
#: From this magnitude on, numbers are written in scientific notation (1.23e+20).
_HUGE = 1e12
#: A long array shows this many entries (its largest); one with at most ARRAY_EDGE + 2
#: entries along every dimension is written out in full.
ARRAY_EDGE = 3
#: Decimals of results: what a session starts with, and the range `+`/`-` move within.
START_PRECISION, MIN_PRECISION, MAX_PRECISION = 3, 0, 8


def _fixed(value: float, precision: int) -> str:
    text = f"{value:.{precision}f}"
    if text.startswith("-"):
        text = MINUS + text[1:]
    return text


def fmt_result(value: float, precision: int) -> str:
    """A result at exactly `precision` decimals: 0.290, −0.144; 0.0004 for a non-zero that
    would round to 0 (the module's rule)."""
    value = float(value)
    if not math.isfinite(value):
        return str(value).replace("-", MINUS)
    if value == 0:
        return _fixed(0.0, precision)  # no "−0.000" for an exact negative zero
    if abs(value) >= _HUGE:
        return f"{value:.{precision}e}".replace("-", MINUS)
    if abs(value) < 10.0**-precision:
        return _one_digit(value)
    return _fixed(value, precision)


def fmt_operand(value: float, precision: int) -> str:
    """An operand written short: 0.29, 1, −1.2; 0.0004 for a non-zero that would round to 0."""
    value = float(value)
    if not math.isfinite(value):
        return str(value).replace("-", MINUS)
    if value == 0:
        return "0"
    if abs(value) >= _HUGE:
        return f"{value:.3g}".replace("-", MINUS)
    if abs(value) < 10.0**-precision:
        return _one_digit(value)
    text = _fixed(value, precision)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _one_digit(value: float) -> str:
    """A small non-zero number with one significant digit: 0.0004, −0.3, 4e−7."""
    text = f"{value:.1g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


class ArrayLike(Protocol):
    """A NumPy array as this module reads one, without importing NumPy."""

    @property
    def ndim(self) -> int: ...
    def tolist(self) -> Any: ...
    def ravel(self) -> Any: ...


#: What `fmt_value` writes: a number, nested sequences of numbers, or a NumPy array.
Value = float | Sequence[Any] | ArrayLike


def fmt_value(
    value: Value, precision: int, *, short: bool = False, label: str | None = None
) -> str:
    """A scalar or an array (rows in brackets). A long array shows its largest entries, named
    by `label` (`"h{0}"`, `"w0_{0}_{1}"`: one field per dimension; by their index `#3`
    without one)."""
    fmt = fmt_operand if short else fmt_result
    array: Any = value
    if not is_array(array):
        return fmt(float(array), precision)
    largest = long_array_entries(array)
    if largest is not None:
        return _shortened(*largest, precision, fmt, label)
    return _fmt_array(array.tolist() if hasattr(array, "tolist") else array, precision, fmt)


def long_array_entries(value: Any) -> tuple[list[Entry], int, int] | None:
    """What a long array is written as: its ARRAY_EDGE largest non-zero entries (value and
    index, largest first), how many entries are non-zero and how many there are. None for a
    scalar or an array short enough to be written out in full."""
    if not is_array(value):
        return None
    if hasattr(value, "ravel"):  # a NumPy array: searched with its own methods, at C speed
        if any(size > ARRAY_EDGE + 2 for size in value.shape):
            return _largest_in_array(value)
        return None
    return _largest_in_rows(value) if _long(value) else None


def left_out_note(shown: int, nonzero: int, total: int) -> str:
    """What a shortened array says of the entries it does not show: `29 more` when every entry
    is non-zero, else `14 of 32 non-zero`."""
    if nonzero == total:
        return f"{total - shown:,} more"
    return f"{nonzero:,} of {total:,} non-zero"


def is_array(value: object) -> bool:
    """A NumPy array of one or more dimensions, or a list or tuple."""
    return isinstance(value, list | tuple) or getattr(value, "ndim", 0) > 0


def _fmt_array(rows: Sequence[Any], precision: int, fmt: Callable[[float, int], str]) -> str:
    items = [
        _fmt_array(item, precision, fmt) if is_array(item) else fmt(float(item), precision)
        for item in rows
    ]
    return "[" + ", ".join(items) + "]"


def _long(rows: Sequence[Any]) -> bool:
    """Whether an array has more than ARRAY_EDGE + 2 entries along some dimension."""
    while True:
        if len(rows) > ARRAY_EDGE + 2:
            return True
        if not rows or not is_array(rows[0]):
            return False
        rows = rows[0]


Entry = tuple[float, tuple[int, ...]]  # a number of an array and its index


def _key(entry: Entry) -> tuple[bool, float, tuple[int, ...]]:
    """Largest first: a NaN (what went wrong), then by magnitude, then by index."""
    value, index = entry
    return (not math.isnan(value), -abs(value), index)


def _largest_in_rows(rows: Sequence[Any]) -> tuple[list[Entry], int, int]:
    """The ARRAY_EDGE largest non-zero entries of nested sequences, how many entries are
    non-zero, and how many there are."""

    def entries(rows: Sequence[Any], index: tuple[int, ...]) -> Iterator[Entry]:
        for k, item in enumerate(rows):
            if is_array(item):
                yield from entries(item, (*index, k))
            else:
                yield float(item), (*index, k)

    every = list(entries(rows, ()))
    nonzero = [e for e in every if e[0] != 0]
    return heapq.nsmallest(ARRAY_EDGE, nonzero, key=_key), len(nonzero), len(every)


def _largest_in_array(array: Any) -> tuple[list[Entry], int, int]:
    """`_largest_in_rows` of a NumPy array, with the array's own methods (no NumPy import)."""
    flat = array.ravel()
    nan = flat != flat
    size = abs(flat)
    size[nan] = -1.0  # NaNs are taken first, below; zeros never (only non-zero entries)
    nans = nan.nonzero()[0][:ARRAY_EDGE].tolist()
    order = (-size).argsort(kind="stable")[:ARRAY_EDGE].tolist()
    picked = [k for k in (*nans, *order) if nan[k] or size[k] > 0][:ARRAY_EDGE]
    shape = array.shape
    largest = []
    for k in picked:
        index, rest = [], k
        for dim in reversed(shape):
            rest, position = divmod(rest, dim)
            index.append(position)
        largest.append((float(flat[k]), tuple(reversed(index))))
    return sorted(largest, key=_key), int((flat != 0).sum()), int(flat.size)


def _shortened(
    largest: list[Entry],
    nonzero: int,
    total: int,
    precision: int,
    fmt: Callable[[float, int], str],
    label: str | None,
) -> str:
    """`[h17 = 1.204, h3 = 0.877, h9 = 0.512, … 14 of 32 non-zero]`: the ARRAY_EDGE largest
    entries by magnitude (a NaN first: it is what went wrong), then how many are non-zero."""
    if not largest:
        return f"[{total:,} zeros]"
    items = [f"{_name(label, index)} = {fmt(v, precision)}" for v, index in largest]
    items.append(f"… {left_out_note(len(largest), nonzero, total)}")
    return "[" + ", ".join(items) + "]"


def _name(label: str | None, index: tuple[int, ...]) -> str:
    """An entry's name from its label (`"w0_{0}_{1}"`), or its index (`#3,17`)."""
    if label is not None:
        try:
            return label.format(*index)
        except (IndexError, KeyError, ValueError):
            pass  # a label for another shape: the index says it without a mistake
    return "#" + ",".join(map(str, index))
