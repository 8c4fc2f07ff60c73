"""Data sets (SPEC §7): a network file's `[data]` table made into training and test samples.

`load_data(table, base_dir=..., n_inputs=..., n_outputs=...)` checks the table, generates the
points or reads the CSV file it names, and holds out the test set, giving a frozen `DataSet`.
Every problem is a `DataError` whose text is the one SPEC §3 line (see its docstring for how the
loader names the network file).

**Targets follow the output layer.** With one output neuron the targets are 0/1 (two classes,
or two CSV labels in sorted order) or a CSV's numbers as they are; with K ≥ 2 output neurons
they are one-hot vectors of K classes (K generator classes, or K CSV labels in sorted order).
The output activation does not enter: one-hot and 0/1 targets suit softmax with
cross-entropy, sigmoid with bce and any output with a squared error alike, and the loader
checks each loss's own target rules afterwards (a CSV's numbers against bce's [0, 1], say;
`DataSet.target_error` names the CSV row for it). `xor`, `circles` and `moons` have two
classes, so they take one output neuron or two; `gauss` and `spiral` make one class per output
neuron (`spiral` for a 2-16-16-3 network: three arms).

**Where a CSV file may be.** Its path is relative to the network file's directory
(`base_dir`). With `confined` (the default, for a path written in a network file) it must stay
inside that directory — no absolute path, no `..` or symbolic link leading out — because a
network file is something people share and `nntui serve` opens for a browser, and opening it
must not read its reader's other files into an error line. A path typed on the command line is
the user's own choice: pass `confined=False`, and an absolute path works too.

The package imports NumPy (the generators draw with `numpy.random.default_rng`), so the loader
imports it only for a file that has a `[data]` table, keeping the first frame NumPy-free.

- `settings`: checking the `[data]` table (`parse_data_table`, `DataSettings`).
- `generators`: xor, circles, gauss, spiral, moons, one record each (`GENERATORS`, `generate`).
- `csv_file`: reading a CSV file and its rules.
- `split`: the seeded train/test split.
- `errors`: `DataError` and the texts in it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nntui.engine.data.csv_file import MAX_CSV_BYTES, CsvSamples, read_csv_samples
from nntui.engine.data.errors import DataError, count, quoted
from nntui.engine.data.generators import GENERATORS, generate
from nntui.engine.data.settings import (
    MAX_NOISE,
    MAX_SAMPLES,
    CsvData,
    DataSettings,
    GeneratedData,
    parse_data_table,
)
from nntui.engine.data.split import split_indices

__all__ = [
    "GENERATORS",
    "MAX_CSV_BYTES",
    "MAX_NOISE",
    "MAX_SAMPLES",
    "CsvData",
    "CsvOrigin",
    "DataError",
    "DataSet",
    "DataSettings",
    "GeneratedData",
    "load_data",
    "parse_data_table",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CsvOrigin:
    """Where a CSV data set's samples came from, to name them in errors: the file as shown,
    the target column (`column 5 (species)`) and the row of each training and test sample."""

    source: str
    target_column: str
    rows: tuple[int, ...]
    test_rows: tuple[int, ...]


@dataclass(frozen=True)
class DataSet:
    """The samples a `[data]` table gives, split into training and test sets.

    The arrays are read-only float64: `inputs` `(n_train, n_inputs)`, `targets`
    `(n_train, n_outputs)`, and the same for the test set, which has no rows without
    `test_fraction`. `labels` names the classes in target order — output k is `labels[k]` for
    one-hot targets, target 0 and 1 are `labels[0]` and `labels[1]` for one output — and is None
    for a CSV's numeric targets (a regression: no accuracy to report). `description` is one
    line for a title or a report; `settings` is the checked table, for saving it back.
    """

    inputs: FloatArray
    targets: FloatArray
    test_inputs: FloatArray
    test_targets: FloatArray
    labels: tuple[str, ...] | None
    description: str
    settings: DataSettings
    csv: CsvOrigin | None = None

    @property
    def is_classification(self) -> bool:
        """Whether the targets are classes, so accuracy means something."""
        return self.labels is not None

    def target_error(self, sample: int, message: str, *, test: bool = False) -> DataError:
        """A `DataError` about the target of training sample `sample` (test sample, with
        `test`), naming its CSV row and column, or the generator: for the loader's checks of a
        loss's target rules (bce's 0 ≤ y ≤ 1)."""
        kind = "test sample" if test else "sample"
        if self.csv is None:
            return DataError(f"{kind} {sample}: {message}", field="data.generator")
        row = (self.csv.test_rows if test else self.csv.rows)[sample]
        return DataError(
            message, field=f"row {row}, {self.csv.target_column}", source=self.csv.source
        )


def load_data(
    table: object,
    *,
    base_dir: str | os.PathLike[str],
    n_inputs: int,
    n_outputs: int,
    confined: bool = True,
) -> DataSet:
    """The data set a `[data]` table describes, for a network whose first layer takes
    `n_inputs` inputs and whose output layer has `n_outputs` neurons.

    A CSV path is relative to `base_dir` (the network file's directory; `""` for the current
    one) and, when `confined`, must lie inside it (see the package docstring). Raises
    `DataError` for any problem with the table, the CSV file or their fit to the network.
    """
    settings = parse_data_table(table)
    origin = settings.origin
    samples: CsvSamples | None = None
    labels: tuple[str, ...] | None
    if isinstance(origin, GeneratedData):
        inputs, targets, labels = _generated(origin, settings.seed, n_inputs, n_outputs)
    else:
        samples = _csv_samples(origin, os.fsdecode(base_dir), confined, n_inputs, n_outputs)
        inputs, targets, labels = samples.inputs, samples.targets, samples.labels
    train, test = split_indices(len(inputs), settings.test_fraction, settings.seed)
    csv = None
    if samples is not None:
        csv = CsvOrigin(
            source=samples.source,
            target_column=samples.target_column,
            rows=tuple(samples.rows[index] for index in train),
            test_rows=tuple(samples.rows[index] for index in test),
        )
    return DataSet(
        inputs=_frozen(inputs[train]),
        targets=_frozen(targets[train]),
        test_inputs=_frozen(inputs[test]),
        test_targets=_frozen(targets[test]),
        labels=labels,
        description=_description(settings, len(inputs), len(test)),
        settings=settings,
        csv=csv,
    )


def _csv_samples(
    origin: CsvData, base_dir: str, confined: bool, n_inputs: int, n_outputs: int
) -> CsvSamples:
    if len(origin.x) != n_inputs:
        raise DataError(
            f"names {count(len(origin.x), 'input column')}, but layer 0 takes "
            f"{count(n_inputs, 'input')}",
            field="data.x",
        )
    path, source = _csv_path(origin.path, base_dir, confined)
    return read_csv_samples(path, source, origin, n_outputs=n_outputs)


def _generated(
    origin: GeneratedData, seed: int, n_inputs: int, n_outputs: int
) -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    """The generator's points and their targets: 0/1 for one output, else one-hot."""
    generator = GENERATORS[origin.generator]
    if n_inputs != 2:
        raise DataError(
            f"{origin.generator} makes points in the plane (2 inputs), but layer 0 takes "
            f"{count(n_inputs, 'input')}",
            field="data.generator",
        )
    classes = 2 if n_outputs == 1 else n_outputs
    if generator.max_classes is not None and classes > generator.max_classes:
        raise DataError(
            f"{origin.generator} makes {generator.max_classes} classes, but the output layer has "
            f"{n_outputs} neurons (one per class); gauss and spiral make any number",
            field="data.generator",
        )
    points, class_of = generate(
        origin.generator, origin.n, classes=classes, noise=origin.noise, seed=seed
    )
    if n_outputs == 1:
        targets = class_of.astype(np.float64).reshape(-1, 1)
    else:
        targets = np.eye(n_outputs, dtype=np.float64)[class_of]
    return points, targets, tuple(str(index) for index in range(classes))


def _csv_path(path: str, base_dir: str, confined: bool) -> tuple[str, str]:
    """The path to open, and the path errors show (the network file's directory joined with
    the table's path, as the user would open it)."""
    if "\0" in path:
        raise DataError("not a usable file name (it holds a NUL character)", field="data.csv")
    joined = os.path.join(base_dir, path)
    shown = os.path.normpath(joined) if base_dir else path
    if confined:
        if os.path.isabs(path):
            raise DataError(
                f"{quoted(path)} is an absolute path; a network file names its CSV file "
                "relative to its own directory",
                field="data.csv",
            )
        directory = os.path.realpath(base_dir or os.curdir)
        resolved = os.path.realpath(joined)
        if os.path.commonpath([directory, resolved]) != directory:
            raise DataError(
                f"{quoted(path)} leads outside the network file's directory; a network file "
                "may read only CSV files beside it or below it",
                field="data.csv",
            )
        return resolved, shown
    return joined, shown


def _description(settings: DataSettings, total: int, held_out: int) -> str:
    origin = settings.origin
    held = f", {held_out} held out" if held_out else ""
    if isinstance(origin, GeneratedData):
        return (
            f"{origin.generator}: {count(total, 'sample')}, noise {origin.noise:g}, "
            f"seed {settings.seed}{held}"
        )
    return f"{origin.path}: {count(total, 'row')}{held}"


def _frozen(array: FloatArray) -> FloatArray:
    array = np.ascontiguousarray(array, dtype=np.float64)
    array.flags.writeable = False
    return array
