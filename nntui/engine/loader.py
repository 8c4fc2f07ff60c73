"""Reading and writing network files (SPEC §1), and the one-line errors for bad ones (SPEC §3).

A network file is TOML or JSON with the same structure. Loading checks every rule before it
builds anything and stops at the first problem, which it reports as a `NetworkFileError` whose
text names the file and the field (`nets/bad.toml: layers[1].weights: ...`). No input, however
broken, escapes as any other exception. Saving writes every optional field and every number with
`repr`, so load → save → load gives the same network bit for bit.

Reading and checking are pure Python (`load_spec` gives a `NetworkSpec`); only building the
`Network` imports NumPy, so the debugger can check a file and draw it before NumPy loads.

A file gives its samples as `[[samples]]` or names them in a `[data]` table (SPEC §7), never
both. The table is handed to `nntui.engine.data` — imported only then, for it imports NumPy —
with the network file's directory, against which a CSV path is read; its `DataError`s become
this module's one-line errors, naming the CSV file when the problem is in it. Saving writes the
table back, not the samples it made, with its CSV path rewritten for the file's new place.
"""

from __future__ import annotations

import difflib
import filecmp
import json
import math
import numbers
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Literal, NamedTuple, TypeGuard

from nntui.engine.ops.losses import LOSSES as LOSS_RECORDS
from nntui.engine.spec import (
    ACTIVATION_ALIASES,
    ACTIVATIONS,
    LOSSES,
    REDUCTIONS,
    DataSource,
    LayerSpec,
    NetworkSpec,
    Row,
)
from nntui.engine.text import LINE_LIMIT, describe, printable
from nntui.files import ReadRefused, read_regular, write_text_atomic

if TYPE_CHECKING:
    import numpy as np

    from nntui.engine.data import DataSet
    from nntui.engine.network import Network
    from nntui.engine.ops.optimizers import OptimizerSettings

FileFormat = Literal["toml", "json"]

TOP_KEYS = (
    "name",
    "loss",
    "reduction",
    "learning_rate",
    "update_biases",
    "batch_size",
    "optimizer",
    "layers",
    "samples",
    "data",
)
LAYER_KEYS = ("activation", "weights", "biases")
SAMPLE_KEYS = ("x", "y")
ACTIVATION_NAMES = (*ACTIVATIONS, *ACTIVATION_ALIASES)
# The output activation each loss needs; how far a cross-entropy target may be from summing to 1.
LOSS_OUTPUT = {name: record.output for name, record in LOSS_RECORDS.items() if record.output}
#: The largest network file read. A 784-32-10 network is about half a megabyte; 64 MB of JSON
#: samples (1.1 million 1-1 samples) already take about 1 GB of memory and 9 s to read and check,
#: which is as far as a debugger stepping through arithmetic needs to go. A bigger file (a 2 GB
#: data dump, /dev/zero behind a symbolic link) is refused before a byte of it is read.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: How much of a path an error line shows: its end, where the file's name is.
SOURCE_LIMIT = 120


class NetworkFileError(Exception):
    """A network file (or network argument) that cannot be used.

    `str(err)` is always one line: `"{source}: {field}: {message}"`, or `"{source}: {message}"`
    for a problem with the file as a whole (missing, unreadable, not UTF-8, not TOML/JSON). The
    command line prints it after `nntui: error: `. `source` is the path as the user typed it.
    """

    def __init__(self, source: str, message: str, field: str | None = None) -> None:
        self.source = source
        self.message = message
        self.field = field
        shown = _shown_source(source)
        parts = [shown, message] if field is None else [shown, field, message]
        super().__init__(_one_line(": ".join(parts)))

    def __reduce__(self) -> tuple[type[NetworkFileError], tuple[str, str, str | None]]:
        return (type(self), (self.source, self.message, self.field))


# -- loading ---------------------------------------------------------------------------------
def load_network(path: str | os.PathLike[str]) -> Network:
    """Read, parse and check the network file at `path`, and build it.

    The format follows the extension (`.toml`, `.json`); any other file is JSON when its first
    non-blank character is `{`, else TOML. Raises `NetworkFileError` for any problem.
    """
    return load_spec(path).build()


def load_spec(path: str | os.PathLike[str]) -> NetworkSpec:
    """`load_network` without building: the checked file as plain numbers (no NumPy, unless
    the file has a `[data]` table)."""
    source = os.fsdecode(path)
    return loads_spec(_read_bytes(path, source), source)


def loads_network(
    content: bytes | str,
    source: str,
    fmt: FileFormat | None = None,
    *,
    directory: str | None = None,
) -> Network:
    """Parse and check a network file's content; `source` names it in errors.

    Without `fmt` the format follows `source`'s extension, then the content (see `load_network`).
    A `[data]` table's CSV path is relative to `directory`, by default `source`'s directory.
    Raises `NetworkFileError` for any problem.
    """
    return loads_spec(content, source, fmt, directory=directory).build()


def loads_spec(
    content: bytes | str,
    source: str,
    fmt: FileFormat | None = None,
    *,
    directory: str | None = None,
) -> NetworkSpec:
    """`loads_network` without building (no NumPy, unless the content has a `[data]` table)."""
    text = content if isinstance(content, str) else _decode(content, source)
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
    if not text.strip():
        raise NetworkFileError(source, "file is empty")
    fmt = fmt or _format_of(source) or ("json" if text.lstrip().startswith("{") else "toml")
    data = _parse_json(text, source) if fmt == "json" else _parse_toml(text, source)
    return parse_spec(data, source, directory=directory)


def parse_network(data: object, source: str, *, directory: str | None = None) -> Network:
    """Check parsed file content against SPEC §1 and build the network.

    Missing optional fields get their defaults (`reduction` mean, `update_biases` true, `name`
    empty) and the activation alias `identity` becomes `linear`. The first broken rule raises
    `NetworkFileError` naming its field path, e.g. `layers[1].weights` or `samples[2].y`, or a
    problem in a `[data]` table's CSV file, naming that file, its row and column. A CSV path is
    relative to `directory`, by default `source`'s directory.
    """
    return parse_spec(data, source, directory=directory).build()


def parse_spec(data: object, source: str, *, directory: str | None = None) -> NetworkSpec:
    """`parse_network` without building (no NumPy, unless `data` has a `[data]` table)."""
    try:
        return _network(data, os.path.dirname(source) if directory is None else directory)
    except _Invalid as err:
        raise NetworkFileError(err.source or source, err.message, err.field or None) from None


def _read_bytes(path: str | os.PathLike[str], source: str) -> bytes:
    """The file's bytes (`files.read_regular`: a regular file of at most `MAX_FILE_BYTES`)."""
    try:
        return read_regular(path, limit=MAX_FILE_BYTES, kind="network file")
    except ReadRefused as err:
        raise NetworkFileError(source, str(err)) from None


def _decode(content: bytes, source: str) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as err:
        message = f"not UTF-8 (byte 0x{content[err.start]:02x} at offset {err.start})"
        raise NetworkFileError(source, message) from None


_SUFFIX_FORMATS: dict[str, FileFormat] = {".toml": "toml", ".json": "json"}


def _format_of(source: str) -> FileFormat | None:
    return _SUFFIX_FORMATS.get(os.path.splitext(source)[1].lower())


def _parse_toml(text: str, source: str) -> object:
    import tomllib  # here: `nntui` with no file starts without it

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise NetworkFileError(source, f"not valid TOML: {err}") from None
    except RecursionError:
        raise NetworkFileError(source, "not valid TOML: nested too deeply") from None
    except (ValueError, OverflowError) as err:
        raise NetworkFileError(source, f"not valid TOML: {_reader_problem(err)}") from None


def _parse_json(text: str, source: str) -> object:
    try:
        return json.loads(text, object_pairs_hook=_object_without_duplicates)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno}, column {err.colno}"
        raise NetworkFileError(source, f"not valid JSON: {err.msg} ({where})") from None
    except RecursionError:
        raise NetworkFileError(source, "not valid JSON: nested too deeply") from None
    except (ValueError, OverflowError) as err:
        raise NetworkFileError(source, f"not valid JSON: {_reader_problem(err)}") from None


class _DuplicateKeyError(ValueError):
    pass


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object, refusing a repeated key (TOML refuses them too; JSON would keep the last)."""
    table: dict[str, object] = {}
    for key, value in pairs:
        if key in table:
            raise _DuplicateKeyError(f"duplicate key {describe(key)}")
        table[key] = value
    return table


def _reader_problem(err: Exception) -> str:
    # Python's own limit on int() of a very long digit string; no float is that long anyway.
    if "integer string conversion" in str(err):
        return "a number has too many digits"
    return str(err)


# -- checking --------------------------------------------------------------------------------
class _Invalid(Exception):
    """A broken rule at `field` (empty for the file as a whole); becomes a NetworkFileError.
    `source` names another file than the network file: the CSV file a `[data]` table reads."""

    def __init__(self, field: str, message: str, source: str | None = None) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message
        self.source = source


class _Samples(NamedTuple):
    """A file's samples, however it gives them: listed, or made from its `[data]` table."""

    inputs: tuple[Row, ...]
    targets: tuple[Row, ...]
    test_inputs: tuple[Row, ...] = ()
    test_targets: tuple[Row, ...] = ()
    data: DataSource | None = None


def _network(data: object, directory: str) -> NetworkSpec:
    if not isinstance(data, Mapping):
        raise _Invalid("", f"expected a table of settings (a JSON object), got {describe(data)}")
    table = _table(data, "", TOP_KEYS)
    name = _string(table.get("name", ""), "name")
    loss = _choice(_required(table, "", "loss"), "loss", LOSSES, "loss")
    reduction = _choice(table.get("reduction", "mean"), "reduction", REDUCTIONS, "reduction")
    learning_rate = _number(_required(table, "", "learning_rate"), "learning_rate")
    if learning_rate < 0:
        raise _Invalid("learning_rate", f"must be >= 0, got {learning_rate!r}")
    update_biases = _boolean(table.get("update_biases", True), "update_biases")
    batch_size = _batch_size(table.get("batch_size"))
    optimizer = _optimizer(table.get("optimizer"))
    layers = _layers(_required(table, "", "layers"))
    _check_loss_fits(loss, layers)
    if "data" in table:
        if "samples" in table:
            raise _Invalid(
                "data", "a network file lists its [[samples]] or names its [data], not both"
            )
        samples = _data_samples(table["data"], layers, loss, directory)
    else:
        inputs, targets = _samples(_required(table, "", "samples"), layers, loss)
        samples = _Samples(tuple(map(tuple, inputs)), tuple(map(tuple, targets)))
    if batch_size is not None and batch_size > len(samples.inputs):
        trained = _count(len(samples.inputs), "training sample")
        raise _Invalid(
            "batch_size", f"must be at most the number of samples ({trained}), got {batch_size}"
        )
    return NetworkSpec(
        layers=tuple(layers),
        inputs=samples.inputs,
        targets=samples.targets,
        loss=loss,
        learning_rate=learning_rate,
        reduction=reduction,
        update_biases=update_biases,
        name=name,
        test_inputs=samples.test_inputs,
        test_targets=samples.test_targets,
        data=samples.data,
        optimizer=optimizer,
        batch_size=batch_size,
    )


def _batch_size(value: object) -> int | None:
    """`batch_size` (SPEC §6): a whole number >= 1, or None when the file has none."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("batch_size", f"expected a whole number of samples, got {describe(value)}")
    if value < 1:
        raise _Invalid("batch_size", f"must be at least 1, got {describe(value)}")
    return value


def _optimizer(value: object) -> OptimizerSettings | None:
    """The `[optimizer]` table (SPEC §6), checked by the optimizer records; None (plain SGD)
    without one."""
    if value is None:
        return None
    # Here, not at the top: a file without the table is read without loading the optimizers.
    from nntui.engine.ops.optimizers import OptimizerFieldError, settings_from_table

    try:
        settings = settings_from_table(value)
    except OptimizerFieldError as err:
        raise _Invalid(err.field, err.message) from None
    return None if settings.is_default else settings


def _layers(value: object) -> list[LayerSpec]:
    if not _is_list(value):
        raise _Invalid("layers", f"expected a list of tables ([[layers]]), got {describe(value)}")
    if not value:
        raise _Invalid("layers", "must have at least one layer")
    layers: list[LayerSpec] = []
    for index, item in enumerate(value):
        layers.append(_layer(item, index, layers[-1] if layers else None))
    return layers


def _layer(value: object, index: int, previous: LayerSpec | None) -> LayerSpec:
    path = f"layers[{index}]"
    table = _table(value, path, LAYER_KEYS)
    activation = _choice(
        _required(table, path, "activation"), f"{path}.activation", ACTIVATION_NAMES, "activation"
    )
    weights = _matrix(_required(table, path, "weights"), f"{path}.weights")
    neurons, fan_in = len(weights), len(weights[0])
    if previous is not None and fan_in != previous.size:
        raise _Invalid(
            f"{path}.weights",
            f"row 0 has {_count(fan_in, 'number')}, "
            f"but layer {index - 1} has {_count(previous.size, 'neuron')}",
        )
    biases = _numbers(_required(table, path, "biases"), f"{path}.biases")
    if len(biases) != neurons:
        raise _Invalid(
            f"{path}.biases",
            f"has {_count(len(biases), 'number')}, but layer {index} has "
            f"{_count(neurons, 'neuron')} (one row of weights each)",
        )
    return LayerSpec(
        ACTIVATION_ALIASES.get(activation, activation),
        tuple(map(tuple, weights)),
        tuple(biases),
    )


def _check_loss_fits(loss: str, layers: list[LayerSpec]) -> None:
    needed = LOSS_OUTPUT.get(loss)
    output = layers[-1].activation
    if needed is not None and output != needed:
        raise _Invalid(
            "loss",
            f"{loss} needs a {needed} output layer, "
            f"but the output layer (layer {len(layers) - 1}) is {output}",
        )


def _samples(
    value: object, layers: list[LayerSpec], loss: str
) -> tuple[list[list[float]], list[list[float]]]:
    if not _is_list(value):
        raise _Invalid("samples", f"expected a list of tables ([[samples]]), got {describe(value)}")
    if not value:
        raise _Invalid("samples", "must have at least one sample")
    fan_in, outputs, last = layers[0].fan_in, layers[-1].size, len(layers) - 1
    inputs: list[list[float]] = []
    targets: list[list[float]] = []
    for index, item in enumerate(value):
        path = f"samples[{index}]"
        table = _table(item, path, SAMPLE_KEYS)
        x = _numbers(_required(table, path, "x"), f"{path}.x")
        if len(x) != fan_in:
            raise _Invalid(
                f"{path}.x",
                f"has {_count(len(x), 'number')}, but layer 0 takes {_count(fan_in, 'input')}",
            )
        y = _numbers(_required(table, path, "y"), f"{path}.y")
        if len(y) != outputs:
            raise _Invalid(
                f"{path}.y",
                f"has {_count(len(y), 'number')}, "
                f"but the output layer (layer {last}) has {_count(outputs, 'neuron')}",
            )
        _check_target(loss, y, f"{path}.y")
        inputs.append(x)
        targets.append(y)
    return inputs, targets


def _data_samples(table: object, layers: list[LayerSpec], loss: str, directory: str) -> _Samples:
    """The samples a `[data]` table makes (SPEC §7), checked against the loss's target rules."""
    # Here, not at the top: the data package imports NumPy, which a file of listed samples
    # never needs before its first frame is drawn.
    from nntui.engine.data import DataError, load_data

    try:
        dataset = load_data(
            table, base_dir=directory, n_inputs=layers[0].fan_in, n_outputs=layers[-1].size
        )
        _check_data_targets(dataset, loss)
    except DataError as err:
        raise _Invalid(err.field or "", err.message, err.source) from None
    labels = None if dataset.labels is None else tuple(map(printable, dataset.labels))
    source = DataSource(
        settings=dataset.settings,
        directory=os.path.abspath(directory or os.curdir),
        labels=labels,
        description=printable(dataset.description),
    )
    return _Samples(
        inputs=_plain_rows(dataset.inputs),
        targets=_plain_rows(dataset.targets),
        test_inputs=_plain_rows(dataset.test_inputs),
        test_targets=_plain_rows(dataset.test_targets),
        data=source,
    )


def _check_data_targets(dataset: DataSet, loss: str) -> None:
    """A data set's targets against the loss's rules; a broken one names its CSV row (a CSV's
    numbers for bce) or its sample (a generator's classes for a one-neuron softmax)."""
    if LOSS_RECORDS[loss].target_problem is None:
        return
    for test, targets in ((False, dataset.targets), (True, dataset.test_targets)):
        for index, target in enumerate(targets.tolist()):
            try:
                _check_target(loss, target, "")
            except _Invalid as err:
                raise dataset.target_error(index, err.message, test=test) from None


def _plain_rows(array: np.ndarray) -> tuple[Row, ...]:
    return tuple(map(tuple, array.tolist()))


def _check_target(loss: str, y: list[float], path: str) -> None:
    """A sample's targets against its loss's own rule (bce: probabilities; cross-entropy: a
    distribution), which the loss's record states."""
    rule = LOSS_RECORDS[loss].target_problem
    problem = None if rule is None else rule(y)
    if problem is not None:
        index, message = problem
        raise _Invalid(path if index is None else f"{path}[{index}]", message)


# -- checking single values ------------------------------------------------------------------
def _table(value: object, path: str, keys: Sequence[str]) -> Mapping[str, object]:
    """`value` as a table whose keys are all among `keys`."""
    if not isinstance(value, Mapping):
        raise _Invalid(path, f"expected a table, got {describe(value)}")
    for key in value:
        if key not in keys:
            hint = _suggestion(key, keys) if isinstance(key, str) else None
            hint = f"; did you mean '{hint}'?" if hint else f" (expected one of: {', '.join(keys)})"
            raise _Invalid(_key_path(path, key), f"unknown key{hint}")
    return value


def _required(table: Mapping[str, object], path: str, key: str) -> object:
    if key not in table:
        raise _Invalid(_key_path(path, key), "missing required key")
    return table[key]


def _string(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(path, f"expected a string, got {describe(value)}")
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise _Invalid(path, "contains an unpaired surrogate (\\ud800-\\udfff), which is not text")
    return value


def _choice(value: object, path: str, choices: Sequence[str], what: str) -> str:
    text = _string(value, path)
    if text in choices:
        return text
    hint = _suggestion(text, choices)
    hint = f"; did you mean '{hint}'?" if hint else f" (expected one of: {', '.join(choices)})"
    raise _Invalid(path, f"unknown {what} {describe(text)}{hint}")


def _boolean(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(path, f"expected true or false, got {describe(value)}")
    return value


def _number(value: object, path: str) -> float:
    """A finite float from an int or float; a bool is not a number here."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _Invalid(path, f"expected a number, got {describe(value)}")
    try:
        number = float(value)
    except (OverflowError, ValueError):
        raise _Invalid(path, f"{describe(value)} is too big for a 64-bit float") from None
    if not math.isfinite(number):
        raise _Invalid(path, f"must be a finite number, got {describe(value)}")
    return number


def _numbers(value: object, path: str) -> list[float]:
    if not _is_list(value):
        raise _Invalid(path, f"expected a list of numbers, got {describe(value)}")
    return [_number(item, f"{path}[{index}]") for index, item in enumerate(value)]


def _matrix(value: object, path: str) -> list[list[float]]:
    """Non-empty rows of numbers, all the same non-zero length: one row per neuron."""
    if not _is_list(value):
        raise _Invalid(path, f"expected a list of rows (one per neuron), got {describe(value)}")
    if not value:
        raise _Invalid(path, "must have at least one row (one per neuron)")
    rows = [_numbers(row, f"{path}[{index}]") for index, row in enumerate(value)]
    if not rows[0]:
        raise _Invalid(path, "row 0 is empty; each row needs one number per input")
    for index, row in enumerate(rows[1:], start=1):
        if len(row) != len(rows[0]):
            raise _Invalid(
                path,
                f"row {index} has {_count(len(row), 'number')}, but row 0 has {len(rows[0])}",
            )
    return rows


def _is_list(value: object) -> TypeGuard[list[object] | tuple[object, ...]]:
    return isinstance(value, list | tuple)


def _key_path(parent: str, key: object) -> str:
    text = key if isinstance(key, str) else repr(key)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        text = json.dumps(text, ensure_ascii=False)
    return f"{parent}.{text}" if parent else text


def _suggestion(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to `word`, if one is close enough to be a likely typo."""
    matches = difflib.get_close_matches(word[:100].lower(), choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _one_line(text: str, limit: int | None = LINE_LIMIT) -> str:
    """Runs of line breaks and other non-space whitespace become one space; every other
    character that is not printable (an escape sequence, a direction override, a lone
    surrogate, an unassigned code point) is shown escaped, a stricter `printable`; and the
    line is cut at `limit` characters."""
    flat = re.sub(r"[^\S ]+", " ", text)
    if not flat.isprintable():
        flat = "".join(char if char.isprintable() else ascii(char)[1:-1] for char in flat)
    return printable(flat, limit)


def _shown_source(source: str) -> str:
    """The path as typed, made printable; a very long one keeps its end (the file's name)."""
    shown = _one_line(source, None)
    return shown if len(shown) <= SOURCE_LIMIT else "…" + shown[-(SOURCE_LIMIT - 1) :]


# -- saving ----------------------------------------------------------------------------------
def dumps_toml(net: Network) -> str:
    """The network as a TOML network file, every optional field written out: its `[data]`
    table when its samples came from one (its CSV path as the network has it), else its
    `[[samples]]`. `batch_size` and the `[optimizer]` table are written when they are not the
    defaults, so a file without them saves as it always did; the run's state is never saved."""
    lines = [
        f"name = {_toml_string(net.name)}",
        f"loss = {_toml_string(net.loss)}",
        f"reduction = {_toml_string(net.reduction)}",
        f"learning_rate = {_toml_float(net.learning_rate)}",
        f"update_biases = {'true' if net.update_biases else 'false'}",
    ]
    if net.batch_size is not None:
        lines.append(f"batch_size = {net.batch_size}")
    if not net.optimizer.is_default:
        lines += ["", "[optimizer]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in net.optimizer.table().items()]
    for layer in net.layers:
        lines += [
            "",
            "[[layers]]",
            f"activation = {_toml_string(layer.activation)}",
            f"weights = {_toml_matrix(layer.weights)}",
            f"biases = {_toml_array(layer.biases)}",
        ]
    if net.data is not None:
        lines += ["", "[data]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in _data_table(net).items()]
        return "\n".join(lines) + "\n"
    for x, y in zip(net.inputs, net.targets, strict=True):
        lines += ["", "[[samples]]", f"x = {_toml_array(x)}", f"y = {_toml_array(y)}"]
    return "\n".join(lines) + "\n"


def dumps_json(net: Network) -> str:
    """The network as a JSON network file, every optional field written out, a row per line
    (a `data` table, as `dumps_toml`, in place of the samples when they came from one; the
    batch size and the optimizer as `dumps_toml` writes them)."""
    layers = ",\n".join(
        "    {\n"
        f'      "activation": {_json_string(layer.activation)},\n'
        f'      "weights": {_json_matrix(layer.weights, "      ")},\n'
        f'      "biases": {_json_array(layer.biases)}\n'
        "    }"
        for layer in net.layers
    )
    if net.data is not None:
        fields = ",\n".join(
            f"    {_json_string(key)}: {_json_value(value)}"
            for key, value in _data_table(net).items()
        )
        samples = f'  "data": {{\n{fields}\n  }}\n'
    else:
        rows = ",\n".join(
            f'    {{"x": {_json_array(x)}, "y": {_json_array(y)}}}'
            for x, y in zip(net.inputs, net.targets, strict=True)
        )
        samples = f'  "samples": [\n{rows}\n  ]\n'
    training = ""
    if net.batch_size is not None:
        training += f'  "batch_size": {net.batch_size},\n'
    if not net.optimizer.is_default:
        fields = ", ".join(
            f"{_json_string(key)}: {_json_value(value)}"
            for key, value in net.optimizer.table().items()
        )
        training += f'  "optimizer": {{{fields}}},\n'
    return (
        "{\n"
        f'  "name": {_json_string(net.name)},\n'
        f'  "loss": {_json_string(net.loss)},\n'
        f'  "reduction": {_json_string(net.reduction)},\n'
        f'  "learning_rate": {_json_float(net.learning_rate)},\n'
        f'  "update_biases": {"true" if net.update_biases else "false"},\n'
        f"{training}"
        f'  "layers": [\n{layers}\n  ],\n'
        f"{samples}"
        "}\n"
    )


def save_network(net: Network, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
    """Write `net` to `path`: JSON for a `.json` path, TOML otherwise (UTF-8), atomically
    (`nntui.files.write_text_atomic`): a full disk or a crash never leaves half a file.

    An existing file is replaced only with `overwrite` (SPEC §8: `--force`, or the user said
    yes). Raises `NetworkFileError` when the file cannot be written, exists (without
    `overwrite`) or is not a regular file, or when its samples come from a CSV file that a
    network file at `path` could not name (see `_moved_data`).
    """
    source = os.fsdecode(path)
    net = _moved_data(net, source)
    text = dumps_json(net) if _format_of(source) == "json" else dumps_toml(net)
    try:
        write_text_atomic(path, text, overwrite=overwrite)
    except FileExistsError:
        raise NetworkFileError(source, "already exists; not overwritten") from None
    except OSError as err:
        raise NetworkFileError(source, f"cannot write: {err.strerror or err}") from None
    except ValueError:  # e.g. a NUL character in the path
        raise NetworkFileError(source, "not a usable file name") from None


def _data_table(net: Network) -> dict[str, object]:
    assert net.data is not None
    return net.data.settings.to_table()


def _moved_data(net: Network, source: str) -> Network:
    """`net` as a network file at `source` names its data: a CSV path relative to the new
    file's directory, so that the saved file reads the same CSV file.

    A network file reads a CSV file only in its own directory or below it, so a network saved
    elsewhere (a preset's `iris.csv` beside a file in the current directory) cannot name the
    one it came from. It names an identical copy beside it, if there is one; else saving is
    refused, saying to copy the CSV file there: the samples are never silently expanded (the
    held-out ones would be lost)."""
    data = net.data
    if data is None:
        return net
    from nntui.engine.data.settings import CsvData  # a network with data: NumPy is loaded

    if not isinstance(data.settings.origin, CsvData):
        return net
    written = data.settings.origin.path
    directory = os.path.realpath(os.path.dirname(os.path.abspath(source)))
    if os.path.realpath(data.directory) == directory:
        return net  # the same directory: the path as the user wrote it
    csv_file = os.path.realpath(os.path.join(data.directory, written))
    relative = os.path.relpath(csv_file, directory)
    if relative.split(os.sep)[0] == os.pardir:
        relative = os.path.basename(csv_file)
        if not _same_file_content(os.path.join(directory, relative), csv_file):
            raise NetworkFileError(
                source,
                f"copy {relative} beside it first: a network file reads CSV files only in its "
                f"own directory or below it, and its data's is {csv_file}",
                "data.csv",
            )
    origin = replace(data.settings.origin, path=relative)
    moved = replace(data, settings=replace(data.settings, origin=origin), directory=directory)
    return replace(net, data=moved)


def _same_file_content(path: str, other: str) -> bool:
    try:
        return os.path.isfile(path) and filecmp.cmp(path, other, shallow=False)
    except (OSError, ValueError):
        return False


def _toml_value(value: object) -> str:
    """A `[data]` table's value in TOML: text, a whole number, a float or a list of text."""
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _toml_float(value)
    assert isinstance(value, list | tuple), value
    return "[" + ", ".join(_toml_value(item) for item in value) + "]"


def _json_value(value: object) -> str:
    """A `[data]` table's value in JSON, as `_toml_value`."""
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, bool | int):
        return json.dumps(value)
    if isinstance(value, float):
        return _json_float(value)
    assert isinstance(value, list | tuple), value
    return "[" + ", ".join(_json_value(item) for item in value) + "]"


def _toml_float(value: float) -> str:
    number = float(value)
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return repr(number)  # the shortest text that reads back as exactly this float


def _toml_array(values: np.ndarray) -> str:
    return "[" + ", ".join(_toml_float(value) for value in values.tolist()) + "]"


def _toml_matrix(rows: np.ndarray) -> str:
    if len(rows) == 1:
        return f"[{_toml_array(rows[0])}]"
    return "[\n" + "".join(f"    {_toml_array(row)},\n" for row in rows) + "]"


_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped, the rest as is."""
    _check_text(text)
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif char < " " or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _json_float(value: float) -> str:
    return json.dumps(float(value))


def _json_array(values: np.ndarray) -> str:
    return "[" + ", ".join(_json_float(value) for value in values.tolist()) + "]"


def _json_matrix(rows: np.ndarray, indent: str) -> str:
    if len(rows) == 1:
        return f"[{_json_array(rows[0])}]"
    body = ",\n".join(f"{indent}  {_json_array(row)}" for row in rows)
    return f"[\n{body}\n{indent}]"


def _json_string(text: str) -> str:
    _check_text(text)
    return json.dumps(text, ensure_ascii=False)


def _check_text(text: str) -> None:
    if any("\ud800" <= char <= "\udfff" for char in text):
        raise ValueError("cannot save a string with an unpaired surrogate")
