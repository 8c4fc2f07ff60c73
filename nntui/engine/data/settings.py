"""Checking a network file's `[data]` table (SPEC §7) before anything is generated or read.

`parse_data_table` turns the table into `DataSettings` or raises a `DataError` naming the field
(`data.n`, `data.x[1]`): an unknown key (with a did-you-mean), both `generator` and `csv` or
neither, a key that belongs to the other kind of data, a value of the wrong type or out of range.
Whether the data fits the network (two inputs for a generator, the class count, the CSV's
columns) and whether there are samples enough to hold some out are checked where the data is
made, in `nntui.engine.data.load_data`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

from nntui.engine.data.errors import DataError, did_you_mean, quoted
from nntui.engine.data.generators import GENERATORS
from nntui.engine.text import describe

#: The field path of the table in error lines.
TABLE = "data"
GENERATOR_KEYS = ("generator", "n", "noise")
CSV_KEYS = ("csv", "x", "y")
SHARED_KEYS = ("seed", "test_fraction")
TABLE_KEYS = (*GENERATOR_KEYS, *CSV_KEYS, *SHARED_KEYS)
OPTIONAL_KEYS = ("noise", *SHARED_KEYS)
#: The most samples a data set may have, generated or read. Full-batch training of a 2-16-16-3
#: network on 100,000 samples takes a fraction of a second a step; the debugger steps through
#: a few samples of them (`traced_sample_count`). Far more is not something a lecture watches.
MAX_SAMPLES = 100_000
#: The most noise: ten times the span of the shapes, which is already pure noise. A limit keeps
#: every generated number far from overflow.
MAX_NOISE = 10.0
#: Seeds are what `numpy.random.default_rng` takes: whole numbers >= 0 (limited to 64 bits).
MAX_SEED = 2**64 - 1


@dataclass(frozen=True)
class GeneratedData:
    """`generator = "circles"`, `n = 200`, `noise = 0.1`."""

    generator: str
    n: int
    noise: float = 0.0


@dataclass(frozen=True)
class CsvData:
    """`csv = "iris.csv"` (as written: relative to the network file), input and target columns."""

    path: str
    x: tuple[str, ...]
    y: str


@dataclass(frozen=True)
class DataSettings:
    """A checked `[data]` table, every optional field filled in with its default."""

    origin: GeneratedData | CsvData
    seed: int = 0
    test_fraction: float = 0.0

    def to_table(self) -> dict[str, object]:
        """The table with every field written out, in SPEC §7's order, for saving a network."""
        origin = self.origin
        if isinstance(origin, GeneratedData):
            table: dict[str, object] = {
                "generator": origin.generator,
                "n": origin.n,
                "noise": origin.noise,
            }
        else:
            table = {"csv": origin.path, "x": list(origin.x), "y": origin.y}
        return {**table, "seed": self.seed, "test_fraction": self.test_fraction}


def parse_data_table(table: object) -> DataSettings:
    """Check a `[data]` table (SPEC §7) and give its settings. Raises `DataError`, whose
    `field` is the table's field path and whose `source` is None (the network file)."""
    if not isinstance(table, Mapping):
        raise DataError(f"expected a table ([data]), got {describe(table)}", field=TABLE)
    _check_keys(table)
    seed = _whole_number(table.get("seed", 0), "seed", 0, MAX_SEED)
    test_fraction = _number(table.get("test_fraction", 0.0), "test_fraction")
    if not 0.0 <= test_fraction < 1.0:
        raise DataError(
            f"must be at least 0 and below 1, got {describe(table['test_fraction'])}",
            field=_field("test_fraction"),
        )
    origin = _generated(table) if "generator" in table else _csv(table)
    return DataSettings(origin=origin, seed=seed, test_fraction=test_fraction)


def _check_keys(table: Mapping[object, object]) -> None:
    for key in table:
        if key not in TABLE_KEYS:
            text = key if isinstance(key, str) else repr(key)
            raise DataError(f"unknown key{did_you_mean(text, TABLE_KEYS)}", field=_field(text))
    if "generator" in table and "csv" in table:
        raise DataError(
            "has both generator and csv; a data set is generated or read, not both", field=TABLE
        )
    if "generator" not in table and "csv" not in table:
        raise DataError(
            "needs generator (xor, circles, gauss, spiral, moons) or csv (a CSV file)",
            field=TABLE,
        )
    generated = "generator" in table
    own, foreign = (GENERATOR_KEYS, CSV_KEYS) if generated else (CSV_KEYS, GENERATOR_KEYS)
    for key in foreign:
        if key in table:
            where = "a CSV file, not with a generator" if generated else "a generator, not with csv"
            raise DataError(f"only for {where}", field=_field(key))
    for key in own:
        if key not in table and key not in OPTIONAL_KEYS:
            raise DataError("missing required key", field=_field(key))


def _generated(table: Mapping[object, object]) -> GeneratedData:
    name = _string(table["generator"], "generator")
    if name not in GENERATORS:
        raise DataError(
            f"unknown generator {quoted(name)}{did_you_mean(name, tuple(GENERATORS))}",
            field=_field("generator"),
        )
    n = _whole_number(table["n"], "n", 1, MAX_SAMPLES)
    noise = _number(table.get("noise", 0.0), "noise")
    if not 0.0 <= noise <= MAX_NOISE:
        raise DataError(
            f"must be between 0 and {MAX_NOISE:g}, got {describe(table['noise'])}",
            field=_field("noise"),
        )
    return GeneratedData(generator=name, n=n, noise=noise)


def _csv(table: Mapping[object, object]) -> CsvData:
    path = _string(table["csv"], "csv")
    if not path.strip():
        raise DataError("must name a CSV file, got an empty string", field=_field("csv"))
    raw_x = table["x"]
    if not isinstance(raw_x, list | tuple):
        raise DataError(
            f"expected a list of input column names, got {describe(raw_x)}", field=_field("x")
        )
    if not raw_x:
        raise DataError("must name at least one input column", field=_field("x"))
    x = tuple(_column_name(name, f"x[{index}]") for index, name in enumerate(raw_x))
    for index, name in enumerate(x):
        first = x.index(name)
        if first != index:
            raise DataError(
                f"{quoted(name)} is already data.x[{first}]", field=_field(f"x[{index}]")
            )
    y = _column_name(table["y"], "y")
    if y in x:
        raise DataError(
            f"{quoted(y)} is also an input column (data.x[{x.index(y)}]): the target would be "
            "given to the network",
            field=_field("y"),
        )
    return CsvData(path=path, x=x, y=y)


def _column_name(value: object, key: str) -> str:
    name = _string(value, key).strip()
    if not name:
        raise DataError("must name a column, got an empty string", field=_field(key))
    return name


def _field(key: str) -> str:
    return f"{TABLE}.{key}"


def _string(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise DataError(f"expected a string, got {describe(value)}", field=_field(key))
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise DataError(
            "contains an unpaired surrogate (\\ud800-\\udfff), which is not text", field=_field(key)
        )
    return value


def _number(value: object, key: str) -> float:
    """A finite float from an int or float; a bool is not a number here."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DataError(f"expected a number, got {describe(value)}", field=_field(key))
    try:
        number = float(value)
    except (OverflowError, ValueError):
        raise DataError(
            f"{describe(value)} is too big for a 64-bit float", field=_field(key)
        ) from None
    if not math.isfinite(number):
        raise DataError(f"must be a finite number, got {describe(value)}", field=_field(key))
    return number


def _whole_number(value: object, key: str, least: int, most: int) -> int:
    """An int in [least, most]; a float with no fraction (`200.0`, as JSON may write it) too."""
    whole = int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(whole, bool) or not isinstance(whole, int):
        raise DataError(f"expected a whole number, got {describe(value)}", field=_field(key))
    if not least <= whole <= most:
        raise DataError(
            f"must be between {least:,} and {most:,}, got {describe(value)}", field=_field(key)
        )
    return whole
