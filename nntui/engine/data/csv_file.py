"""Reading a data set from a CSV file (SPEC §7), refusing a bad one with one line.

The rules a CSV file follows:

- UTF-8 text (a byte-order mark is skipped), at most `MAX_CSV_BYTES`; a NUL byte anywhere
  means it is not text (a binary file, or UTF-16) and it is refused.
- Comma-separated, with `"` quoting as spreadsheets write it (Python's `csv`, strict); spaces
  around a cell are ignored, also before a quoted cell (`1, "a, b"`).
- Lines before the header that are blank or whose first non-blank character is `#` are
  comments: a file can say where its data comes from and under which licence, and the note
  travels with it (`nntui/presets/iris.csv` does). Other tools need to be told (pandas:
  `comment="#"`). After the header, a blank line is skipped and `#` has no special meaning.
- The header names the columns; a name may appear only once. Every data row has one cell per
  header column, and `MAX_SAMPLES` data rows at most.
- Input cells are plain decimal numbers (`5.1`, `-0.2`, `1e-3`); `nan`, `inf` and numbers too
  big for a float are refused.
- The target column holds, with one output neuron, a number per row (used as it is), or one of
  exactly two labels, which become 0 and 1 in sorted order (`no` → 0, `yes` → 1); which of the
  two follows from the first data row. With K ≥ 2 output neurons it holds exactly K labels,
  which become one-hot vectors in sorted order (numerically when every label is a number, so
  `2` comes before `10`).

Rows are counted as the file's lines, from 1 (comments and the header included), so a row
number in an error is the line an editor shows; columns from 1, with their header name.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nntui.engine.data.errors import DataError, closest, count, one_line, quoted, quoted_list
from nntui.engine.data.settings import MAX_SAMPLES, CsvData
from nntui.files import ReadRefused, read_regular

FloatArray = npt.NDArray[np.float64]

#: The largest CSV file read, as for a network file (`nntui.engine.loader.MAX_FILE_BYTES`):
#: 64 MB of numbers is 100,000 rows of about 80 columns, far past what a lecture trains on.
MAX_CSV_BYTES = 64 * 1024 * 1024
#: A plain decimal number: what `float` reads, less `nan`, `inf`, `1_000` and surrounding space.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: One line and its line break (the last line may have none).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
#: Separators other programs write, and how a message names them.
_SEPARATORS = {";": "';'", "\t": "tabs", "|": "'|'"}


@dataclass(frozen=True)
class CsvSamples:
    """The samples of a CSV file: inputs `(n, len(x))`, targets `(n, outputs)`, the class
    labels in target order (None for numeric targets), and the row each sample came from."""

    inputs: FloatArray
    targets: FloatArray
    labels: tuple[str, ...] | None
    rows: tuple[int, ...]
    #: The file as errors show it, and the target column as they name it: `column 5 (species)`.
    source: str
    target_column: str


def read_csv_samples(path: str, source: str, data: CsvData, *, n_outputs: int) -> CsvSamples:
    """Read the CSV file at `path` (named `source` in errors) for a network with `n_outputs`
    output neurons. Raises `DataError` with `source` set for any problem."""
    return parse_csv_samples(
        _text(_read_bytes(path, source), source), source, data, n_outputs=n_outputs
    )


def parse_csv_samples(text: str, source: str, data: CsvData, *, n_outputs: int) -> CsvSamples:
    """`read_csv_samples` on text already read."""
    records = _records(text, source)
    header_row, header = next(records, (0, []))
    if not header:
        empty = not text.strip()
        raise DataError(
            "file is empty" if empty else "has no header row, only comments", source=source
        )
    names = [cell.strip() for cell in header]
    _check_unique(names, header_row, source)
    x_columns = [
        _column_of(name, f"data.x[{index}]", names, header_row, source)
        for index, name in enumerate(data.x)
    ]
    y_column = _column_of(data.y, "data.y", names, header_row, source)
    reader = _SampleReader(names, x_columns, y_column, n_outputs, source)
    for row, cells in records:
        reader.add(row, cells)
    return reader.samples()


class _SampleReader:
    """Turns data rows into numbers one by one, and the labels into targets at the end."""

    def __init__(
        self, names: list[str], x_columns: list[int], y_column: int, n_outputs: int, source: str
    ) -> None:
        self.names = names
        self.x_columns = x_columns
        self.y_column = y_column
        self.n_outputs = n_outputs
        self.source = source
        self.inputs: list[list[float]] = []
        self.rows: list[int] = []
        #: Numeric targets (one output, a number in the first data row), else None.
        self.numbers: list[float] | None = None
        self.row_labels: list[str] = []
        #: The labels in the order they first appear (a dict as an ordered set).
        self.seen_labels: dict[str, None] = {}

    def add(self, row: int, cells: list[str]) -> None:
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            return  # a blank line
        if len(cells) != len(self.names):
            hint = (
                " (a # comment is allowed only before the header)"
                if cells[0].lstrip().startswith("#")
                else ""
            )
            raise self._error(
                f"has {count(len(cells), 'cell')}, but the header has "
                f"{count(len(self.names), 'column')}{hint}",
                row,
            )
        if len(self.rows) == MAX_SAMPLES:
            raise self._error(
                f"more than {MAX_SAMPLES:,} data rows, the most a data set may have", row
            )
        self.inputs.append([self._number(cells[column], row, column) for column in self.x_columns])
        self._add_target(cells[self.y_column].strip(), row)
        self.rows.append(row)

    def samples(self) -> CsvSamples:
        if not self.rows:
            raise DataError("has a header row but no data rows", source=self.source)
        inputs = np.array(self.inputs, dtype=np.float64)
        if self.numbers is not None:
            targets = np.array(self.numbers, dtype=np.float64).reshape(-1, 1)
            labels = None
        else:
            labels = self._sorted_labels()
            targets = self._label_targets(labels)
        return CsvSamples(
            inputs, targets, labels, tuple(self.rows), self.source, self._column(self.y_column)
        )

    def _add_target(self, cell: str, row: int) -> None:
        if not self.rows and self.n_outputs == 1 and parse_number(cell) is not None:
            self.numbers = []
        if self.numbers is not None:
            self.numbers.append(self._number(cell, row, self.y_column))
            return
        if not cell:
            raise self._error("empty cell; expected a label", row, self.y_column)
        if cell not in self.seen_labels:
            self._check_new_label(cell, row)
            self.seen_labels[cell] = None
        self.row_labels.append(cell)

    def _allowed_labels(self) -> int:
        return 2 if self.n_outputs == 1 else self.n_outputs

    def _check_new_label(self, label: str, row: int) -> None:
        allowed = self._allowed_labels()
        if len(self.seen_labels) < allowed:
            return
        so_far = f"(the labels before it: {quoted_list(list(self.seen_labels))})"
        raise self._error(
            f"a {_ordinal(allowed + 1)} label {quoted(label)}, but {self._fit()} {so_far}",
            row,
            self.y_column,
        )

    def _fit(self) -> str:
        """What the output layer takes, in words."""
        if self.n_outputs == 1:
            return "a one-neuron output takes two labels, as 0 and 1"
        return f"the output layer has {self.n_outputs} neurons, one per label"

    def _sorted_labels(self) -> tuple[str, ...]:
        labels = list(self.seen_labels)
        if len(labels) < self._allowed_labels():
            raise DataError(
                f"{count(len(labels), 'label')} ({quoted_list(labels)}), but {self._fit()}",
                field=self._column(self.y_column),
                source=self.source,
            )
        values = [parse_number(label) for label in labels]
        if all(value is not None for value in values):
            by_value = dict(zip(labels, values, strict=True))
            return tuple(sorted(labels, key=lambda label: (by_value[label], label)))
        return tuple(sorted(labels))

    def _label_targets(self, labels: tuple[str, ...]) -> FloatArray:
        index_of = {label: index for index, label in enumerate(labels)}
        classes = np.array([index_of[label] for label in self.row_labels], dtype=np.intp)
        if self.n_outputs == 1:
            return classes.astype(np.float64).reshape(-1, 1)
        return np.eye(self.n_outputs, dtype=np.float64)[classes]

    def _number(self, cell: str, row: int, column: int) -> float:
        """A cell as a finite float, or the error naming its row and column."""
        text = cell.strip()
        number = parse_number(text)
        if number is None:
            raise self._error(_not_a_number(text), row, column)
        return number

    def _column(self, column: int) -> str:
        return column_name(column, self.names[column])

    def _error(self, message: str, row: int, column: int | None = None) -> DataError:
        field = f"row {row}" if column is None else f"row {row}, {self._column(column)}"
        return DataError(message, field=field, source=self.source)


def column_name(index: int, name: str) -> str:
    """How an error names a column: `column 5 (species)`, counted from 1."""
    if not name:
        return f"column {index + 1}"
    shown = one_line(name, 40)
    return f"column {index + 1} ({shown})"


def parse_number(text: str) -> float | None:
    """`text` as a finite float when it is a plain decimal number, else None."""
    if _NUMBER.fullmatch(text) is None:
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def _not_a_number(text: str) -> str:
    if not text:
        return "empty cell; expected a number"
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return f"must be a finite number, got {quoted(text)}"
    if _NUMBER.fullmatch(text):
        return f"{quoted(text)} is too big for a 64-bit float"
    return f"expected a number, got {quoted(text)}"


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


# -- the header --------------------------------------------------------------------------------
def _check_unique(names: list[str], row: int, source: str) -> None:
    """No column name twice: `x` and `y` name columns, and a name must say which. Unnamed
    columns (an index column pandas writes as `,a,b`) may repeat: nothing can name them."""
    first_column: dict[str, int] = {}
    for index, name in enumerate(names):
        if name and name in first_column:
            columns = f"columns {first_column[name] + 1} and {index + 1}"
            raise DataError(
                f"the header names {quoted(name)} twice ({columns})",
                field=f"row {row}, {column_name(index, name)}",
                source=source,
            )
        first_column.setdefault(name, index)


def _column_of(name: str, field: str, names: list[str], row: int, source: str) -> int:
    if name in names:
        return names.index(name)
    message = f"the header has no column {quoted(name)} (named in {field})"
    match = closest(name, [known for known in names if known])
    if match is not None:
        message += f"; did you mean {quoted(match)}?"
    elif len(names) == 1 and (separator := _other_separator(names[0])):
        message += (
            f"; the header is one column: is the file separated by {separator}? nntui reads commas"
        )
    else:
        message += f"; its columns are {quoted_list(names)}"
    raise DataError(message, field=f"row {row}", source=source)


def _other_separator(header: str) -> str | None:
    """The separator a one-column header seems to use instead of commas (`;`, a tab, `|`)."""
    for separator, shown in _SEPARATORS.items():
        if separator in header:
            return shown
    return None


# -- records -----------------------------------------------------------------------------------
def _records(text: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """The file's records after its comments, each with the row (line) it starts on."""
    comment_lines, body = _without_preamble(text)
    reader = csv.reader(io.StringIO(body, newline=""), strict=True, skipinitialspace=True)
    while True:
        row = comment_lines + reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise DataError(f"not valid CSV: {err}", field=f"row {row}", source=source) from None
        yield row, cells


def _without_preamble(text: str) -> tuple[int, str]:
    """How many lines of comments (and blank lines) open the file, and the text after them."""
    position = lines = 0
    while position < len(text):
        line = _LINE.match(text, position)
        assert line is not None  # the pattern matches anywhere, if only the empty string
        content = line.group().strip()
        if content and not content.startswith("#"):
            break
        position, lines = line.end(), lines + 1
    return lines, text[position:]


# -- the file ----------------------------------------------------------------------------------
def _read_bytes(path: str, source: str) -> bytes:
    """The file's bytes (`files.read_regular`: a regular file of at most `MAX_CSV_BYTES`)."""
    try:
        return read_regular(path, limit=MAX_CSV_BYTES, kind="CSV file")
    except ReadRefused as err:
        raise DataError(str(err), source=source) from None


def _text(content: bytes, source: str) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError("UTF-16 text; nntui reads UTF-8 (save the file as UTF-8)", source=source)
    nul = content.find(b"\0")
    if nul >= 0:
        raise DataError(f"not a text file (a NUL byte at offset {nul})", source=source)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        message = f"not UTF-8 (byte 0x{content[err.start]:02x} at offset {err.start})"
        raise DataError(message, source=source) from None
    return text.removeprefix("\ufeff")
