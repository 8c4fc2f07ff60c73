"""Data sets (SPEC §7): the generators, the train/test split, the `[data]` table, CSV files and
their one-line errors (SPEC §3), and the Iris data shipped with the presets."""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntui.engine.data import (
    GENERATORS,
    MAX_SAMPLES,
    CsvData,
    DataError,
    DataSet,
    csv_file,
    load_data,
    parse_data_table,
)
from nntui.engine.data.generators import CIRCLE_RADII, GAUSS_SPREAD, MOONS_SCALE, generate
from nntui.engine.data.split import held_out_count, split_indices
from nntui.engine.text import LINE_LIMIT

MALFORMED = Path(__file__).parent / "malformed_csv"
EXPECTED = tomllib.loads((MALFORMED / "expected.toml").read_text(encoding="utf-8"))
PRESETS = Path(__file__).parents[1] / "nntui" / "presets"
IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
TWO_CLASS = [name for name, generator in GENERATORS.items() if generator.max_classes == 2]
ANY_CLASS = [name for name, generator in GENERATORS.items() if generator.max_classes is None]


def generated(
    generator: str,
    n: int = 200,
    *,
    outputs: int = 1,
    noise: float = 0.0,
    seed: int = 0,
    test_fraction: float = 0.0,
) -> DataSet:
    table = {"generator": generator, "n": n, "noise": noise, "seed": seed}
    return load_data(
        {**table, "test_fraction": test_fraction}, base_dir="", n_inputs=2, n_outputs=outputs
    )


def classes(targets: np.ndarray) -> np.ndarray:
    """Class numbers from 0/1 targets (one output) or one-hot targets."""
    if targets.shape[1] == 1:
        return targets[:, 0].astype(int)
    return targets.argmax(axis=1)


def load_csv(
    directory: Path,
    name: str = "data.csv",
    *,
    x: list[str] | None = None,
    y: str = "label",
    outputs: int = 2,
    **extra: object,
) -> DataSet:
    table = {"csv": name, "x": x or ["a", "b"], "y": y, **extra}
    return load_data(table, base_dir=directory, n_inputs=len(table["x"]), n_outputs=outputs)


def write_csv(directory: Path, text: str, name: str = "data.csv") -> Path:
    path = directory / name
    path.write_bytes(text.encode("utf-8"))
    return path


def assert_one_line(message: str) -> None:
    """What SPEC §3 promises of an error: one printable line, not too long."""
    assert "\n" not in message and "\r" not in message, repr(message)
    assert message.isprintable(), repr(message)
    assert len(message) <= LINE_LIMIT


# -- generators ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", GENERATORS)
def test_one_seed_gives_the_same_points_and_another_seed_others(name: str) -> None:
    first, again, other = (generated(name, noise=0.1, seed=seed) for seed in (3, 3, 4))
    assert np.array_equal(first.inputs, again.inputs)
    assert np.array_equal(first.targets, again.targets)
    assert not np.array_equal(first.inputs, other.inputs)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("outputs", [1, 2])
def test_points_are_in_the_plane_and_targets_fit_the_outputs(name: str, outputs: int) -> None:
    data = generated(name, 101, outputs=outputs, noise=0.05)
    assert data.inputs.shape == (101, 2)
    assert data.targets.shape == (101, outputs)
    assert data.test_inputs.shape == (0, 2) and data.test_targets.shape == (0, outputs)
    if outputs == 1:
        assert set(np.unique(data.targets)) == {0.0, 1.0}
    else:  # one-hot
        assert set(np.unique(data.targets)) == {0.0, 1.0}
        assert np.array_equal(data.targets.sum(axis=1), np.ones(101))
    assert data.labels == ("0", "1") and data.is_classification
    assert np.isfinite(data.inputs).all()


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 400),
    name=st.sampled_from(sorted(GENERATORS)),
    outputs=st.integers(1, 6),
    seed=st.integers(0, 2**32),
)
def test_classes_are_as_even_as_n_allows(n: int, name: str, outputs: int, seed: int) -> None:
    if GENERATORS[name].max_classes == 2:
        outputs = min(outputs, 2)
    data = generated(name, n, outputs=outputs, seed=seed)
    class_count = 2 if outputs == 1 else outputs
    counts = np.bincount(classes(data.targets), minlength=class_count)
    assert counts.sum() == n
    assert counts.max() - counts.min() <= 1


def test_classes_are_shuffled_so_batches_in_file_order_mix_them() -> None:
    data = generated("circles", 200)
    assert 0.3 < classes(data.targets)[:50].mean() < 0.7


def test_noise_zero_gives_exact_circles() -> None:
    data = generated("circles", 500, seed=7)
    radius = np.hypot(data.inputs[:, 0], data.inputs[:, 1])
    for class_index, expected in enumerate(CIRCLE_RADII):
        on_circle = radius[classes(data.targets) == class_index]
        assert np.allclose(on_circle, expected, rtol=0, atol=1e-12)
    assert CIRCLE_RADII == (1.0, 0.5)


def test_noise_zero_xor_keeps_each_class_in_its_quadrants() -> None:
    data = generated("xor", 500, seed=1)
    x, y = data.inputs.T
    assert (np.abs(data.inputs) >= 0.05).all() and (np.abs(data.inputs) <= 1).all()
    assert np.array_equal(classes(data.targets), (x * y < 0).astype(int))
    # every quadrant is used
    assert {(bool(a > 0), bool(b > 0)) for a, b in data.inputs} == {
        (True, True),
        (True, False),
        (False, True),
        (False, False),
    }


def test_noise_zero_moons_lie_on_their_half_circles() -> None:
    data = generated("moons", 500, seed=2)
    # Undo the scaling to scikit-learn's make_moons coordinates.
    x = data.inputs[:, 0] * MOONS_SCALE + 0.5
    y = data.inputs[:, 1] * MOONS_SCALE + 0.25
    upper = classes(data.targets) == 0
    assert np.allclose(x[upper] ** 2 + y[upper] ** 2, 1.0, rtol=0, atol=1e-12)
    assert (y[upper] >= -1e-12).all()
    lower = ~upper
    assert np.allclose((x[lower] - 1) ** 2 + (y[lower] - 0.5) ** 2, 1.0, rtol=0, atol=1e-12)
    assert (y[lower] <= 0.5 + 1e-12).all()
    assert data.inputs[:, 0].min() >= -1 - 1e-12 and data.inputs[:, 0].max() <= 1 + 1e-12
    assert np.abs(data.inputs[:, 1]).max() <= 0.5 + 1e-12


@pytest.mark.parametrize("outputs", [1, 3, 5])
def test_noise_zero_spiral_arms_turn_with_the_radius(outputs: int) -> None:
    data = generated("spiral", 600, outputs=outputs, seed=3)
    arms = 2 if outputs == 1 else outputs
    radius = np.hypot(data.inputs[:, 0], data.inputs[:, 1])
    angle = np.arctan2(data.inputs[:, 1], data.inputs[:, 0])
    expected = 2 * np.pi * (1.75 * radius + classes(data.targets) / arms)
    off_by = np.angle(np.exp(1j * (angle - expected)))  # wrapped to (−π, π]
    assert np.abs(off_by).max() < 1e-9
    assert radius.max() <= 1.0


def test_gauss_blobs_sit_at_their_centres_with_their_spread() -> None:
    data = generated("gauss", 4000, seed=4)
    for class_index, centre in ((0, (-0.5, -0.5)), (1, (0.5, 0.5))):
        blob = data.inputs[classes(data.targets) == class_index]
        assert np.allclose(blob.mean(axis=0), centre, atol=0.02)
        assert np.allclose(blob.std(axis=0), GAUSS_SPREAD, atol=0.01)


def test_noise_jitters_the_same_points_by_its_standard_deviation() -> None:
    clean = generated("moons", 2000, seed=5)
    noisy = generated("moons", 2000, seed=5, noise=0.3)
    assert np.array_equal(clean.targets, noisy.targets)
    jitter = noisy.inputs - clean.inputs
    assert abs(jitter.std() - 0.3) < 0.02
    assert abs(jitter.mean()) < 0.02


@pytest.mark.parametrize("name", [name for name in GENERATORS if name != "gauss"])
def test_clean_shapes_fill_about_the_unit_square(name: str) -> None:
    data = generated(name, 1000, seed=6)
    assert np.abs(data.inputs).max() <= 1.0 + 1e-12
    assert np.abs(data.inputs).max() > 0.9


@pytest.mark.parametrize("name", ANY_CLASS)
def test_spiral_and_gauss_make_one_class_per_output(name: str) -> None:
    data = generated(name, 300, outputs=3)
    assert data.targets.shape == (300, 3)
    assert list(np.bincount(classes(data.targets))) == [100, 100, 100]
    assert data.labels == ("0", "1", "2")


@pytest.mark.parametrize("name", TWO_CLASS)
def test_two_class_generators_refuse_more_outputs(name: str) -> None:
    with pytest.raises(DataError) as caught:
        generated(name, outputs=3)
    assert str(caught.value) == (
        f"data.generator: {name} makes 2 classes, but the output layer has 3 neurons "
        "(one per class); gauss and spiral make any number"
    )


def test_generators_need_a_network_of_two_inputs() -> None:
    with pytest.raises(DataError, match=r"^data\.generator: spiral makes points in the plane "):
        load_data({"generator": "spiral", "n": 10}, base_dir="", n_inputs=3, n_outputs=1)


def test_generate_refuses_what_tables_cannot_ask() -> None:
    with pytest.raises(ValueError, match="cannot make 3 classes"):
        generate("xor", 10, classes=3)
    with pytest.raises(KeyError):
        generate("swirl", 10)


# -- the train/test split ----------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(2, 500),
    fraction=st.floats(0.0, 1.0, exclude_max=True),
    seed=st.integers(0, 2**64 - 1),
)
def test_split_never_mixes_and_keeps_both_sets(n: int, fraction: float, seed: int) -> None:
    train, test = split_indices(n, fraction, seed)
    assert not set(train) & set(test)
    assert sorted([*train, *test]) == list(range(n))
    assert list(train) == sorted(train) and list(test) == sorted(test)
    assert len(test) == held_out_count(n, fraction)
    if fraction > 0:
        assert len(train) >= 1 and len(test) >= 1
        assert abs(len(test) - fraction * n) <= 1
    else:
        assert len(test) == 0
    again_train, again_test = split_indices(n, fraction, seed)
    assert np.array_equal(train, again_train) and np.array_equal(test, again_test)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 300),
    fraction=st.floats(0.01, 0.99),
    seed=st.integers(0, 2**32),
    name=st.sampled_from(sorted(GENERATORS)),
)
def test_held_out_samples_are_generated_samples_never_trained_on(
    n: int, fraction: float, seed: int, name: str
) -> None:
    everything = generated(name, n, noise=0.1, seed=seed)
    split = generated(name, n, noise=0.1, seed=seed, test_fraction=fraction)
    train = {tuple(row) for row in np.hstack([split.inputs, split.targets])}
    test = {tuple(row) for row in np.hstack([split.test_inputs, split.test_targets])}
    full = {tuple(row) for row in np.hstack([everything.inputs, everything.targets])}
    assert not train & test
    assert train | test == full
    assert len(split.inputs) + len(split.test_inputs) == n


def test_a_test_set_needs_two_samples() -> None:
    with pytest.raises(DataError) as caught:
        generated("xor", 1, test_fraction=0.5)
    assert str(caught.value) == (
        "data.test_fraction: a test set needs at least 2 samples (one to train on, one to hold "
        "out), but the data has 1"
    )
    assert held_out_count(1, 0.0) == 0
    with pytest.raises(DataError, match=r"but the data has 1$"):
        split_indices(1, 0.5, 0)


def test_the_split_follows_the_seed() -> None:
    tests = [split_indices(100, 0.2, seed)[1] for seed in (0, 0, 1)]
    assert np.array_equal(tests[0], tests[1])
    assert not np.array_equal(tests[0], tests[2])
    assert held_out_count(10, 0.25) == 3  # 2.5 rounds half up
    assert held_out_count(10, 0.01) == 1 and held_out_count(10, 0.99) == 9


def test_data_set_arrays_are_read_only() -> None:
    data = generated("circles", 20, test_fraction=0.25)
    for array in (data.inputs, data.targets, data.test_inputs, data.test_targets):
        with pytest.raises(ValueError, match="read-only"):
            array[0, 0] = 1.0
    assert data.description == "circles: 20 samples, noise 0, seed 0, 5 held out"


# -- the [data] table --------------------------------------------------------------------------
BAD_TABLES = [
    ([], "data: expected a table ([data]), got an empty list"),
    (
        {"generator": "circles", "n": 10, "nosie": 0.1},
        "data.nosie: unknown key; did you mean 'noise'?",
    ),
    ({"generator": "circles", "n": 10, "colour": 1}, "data.colour: unknown key (expected one of: "),
    (
        {"generator": "circels", "n": 10},
        "data.generator: unknown generator \"circels\"; did you mean 'circles'?",
    ),
    (
        {"generator": "blobs", "n": 10},
        'data.generator: unknown generator "blobs" (expected one of: xor, ',
    ),
    ({"generator": 3, "n": 10}, "data.generator: expected a string, got 3"),
    ({"generator": "xor", "n": 10, "csv": "a.csv"}, "data: has both generator and csv"),
    ({"seed": 1}, "data: needs generator (xor, circles, gauss, spiral, moons) or csv"),
    ({"generator": "xor"}, "data.n: missing required key"),
    ({"generator": "xor", "n": 0}, "data.n: must be between 1 and 100,000, got 0"),
    ({"generator": "xor", "n": -5}, "data.n: must be between 1 and 100,000, got -5"),
    ({"generator": "xor", "n": 100_001}, "data.n: must be between 1 and 100,000, got 100001"),
    ({"generator": "xor", "n": 2.5}, "data.n: expected a whole number, got 2.5"),
    ({"generator": "xor", "n": True}, "data.n: expected a whole number, got true"),
    ({"generator": "xor", "n": 1e300}, "data.n: must be between 1 and 100,000, got 1e+300"),
    ({"generator": "xor", "n": 9, "noise": -0.1}, "data.noise: must be between 0 and 10, got -0.1"),
    (
        {"generator": "xor", "n": 9, "noise": math.nan},
        "data.noise: must be a finite number, got nan",
    ),
    ({"generator": "xor", "n": 9, "noise": "0.1"}, 'data.noise: expected a number, got "0.1"'),
    ({"generator": "xor", "n": 9, "seed": -1}, "data.seed: must be between 0 and "),
    ({"generator": "xor", "n": 9, "seed": 2**64}, "data.seed: must be between 0 and "),
    (
        {"generator": "xor", "n": 9, "test_fraction": 1},
        "data.test_fraction: must be at least 0 and below 1, got 1",
    ),
    (
        {"generator": "xor", "n": 9, "test_fraction": -0.1},
        "data.test_fraction: must be at least 0 and below 1",
    ),
    ({"generator": "xor", "n": 9, "x": ["a"]}, "data.x: only for a CSV file, not with a generator"),
    (
        {"csv": "a.csv", "x": ["a"], "y": "b", "noise": 0.1},
        "data.noise: only for a generator, not with csv",
    ),
    ({"csv": "a.csv", "x": ["a"], "y": "b", "n": 3}, "data.n: only for a generator, not with csv"),
    ({"csv": "a.csv", "y": "b"}, "data.x: missing required key"),
    ({"csv": "a.csv", "x": ["a"]}, "data.y: missing required key"),
    ({"csv": "", "x": ["a"], "y": "b"}, "data.csv: must name a CSV file, got an empty string"),
    (
        {"csv": "a.csv", "x": "a", "y": "b"},
        'data.x: expected a list of input column names, got "a"',
    ),
    ({"csv": "a.csv", "x": [], "y": "b"}, "data.x: must name at least one input column"),
    (
        {"csv": "a.csv", "x": ["a", " "], "y": "b"},
        "data.x[1]: must name a column, got an empty string",
    ),
    ({"csv": "a.csv", "x": ["a", 1], "y": "b"}, "data.x[1]: expected a string, got 1"),
    ({"csv": "a.csv", "x": ["a", "b", "a"], "y": "c"}, 'data.x[2]: "a" is already data.x[0]'),
    (
        {"csv": "a.csv", "x": ["a", "b"], "y": "b"},
        'data.y: "b" is also an input column (data.x[1])',
    ),
    ({"csv": "a\ud800.csv", "x": ["a"], "y": "b"}, "data.csv: contains an unpaired surrogate"),
    (
        {"csv": "a.csv", "x": ["a"], "y": "b", "seed": 1.5},
        "data.seed: expected a whole number, got 1.5",
    ),
]


@pytest.mark.parametrize(("table", "expected"), BAD_TABLES, ids=[t[1][:40] for t in BAD_TABLES])
def test_a_bad_table_is_refused_naming_its_field(table: object, expected: str) -> None:
    with pytest.raises(DataError) as caught:
        parse_data_table(table)
    assert str(caught.value).startswith(expected), str(caught.value)
    assert caught.value.source is None
    assert_one_line(str(caught.value))


def test_a_key_with_control_characters_is_shown_escaped() -> None:
    with pytest.raises(DataError) as caught:
        parse_data_table({"generator": "xor", "n": 3, "\x1b[2Jevil": 1})
    assert "\\x1b[2Jevil" in str(caught.value)
    assert_one_line(str(caught.value))


@pytest.mark.parametrize(
    "table",
    [
        {"generator": "spiral", "n": 300},
        {"generator": "moons", "n": 50, "noise": 0.2, "seed": 9, "test_fraction": 0.1},
        {"csv": "iris.csv", "x": IRIS_COLUMNS, "y": "species", "test_fraction": 0.2},
        {"generator": "gauss", "n": 200.0},
    ],
)
def test_settings_write_every_field_and_read_back_the_same(table: dict[str, object]) -> None:
    settings_ = parse_data_table(table)
    written = settings_.to_table()
    assert {"seed", "test_fraction"} <= set(written)
    assert set(table) <= set(written)
    assert parse_data_table(written) == settings_


# -- CSV files ---------------------------------------------------------------------------------
def test_a_numeric_target_with_one_output_is_used_as_it_is(tmp_path: Path) -> None:
    write_csv(tmp_path, "a,b,label\n1,2,0.5\n3,-4e-1,1.25\n")
    data = load_csv(tmp_path, outputs=1)
    assert data.inputs.tolist() == [[1.0, 2.0], [3.0, -0.4]]
    assert data.targets.tolist() == [[0.5], [1.25]]
    assert data.labels is None and not data.is_classification


def test_two_labels_with_one_output_become_0_and_1_in_sorted_order(tmp_path: Path) -> None:
    write_csv(tmp_path, "a,b,label\n1,2,yes\n3,4,no\n5,6,yes\n")
    data = load_csv(tmp_path, outputs=1)
    assert data.targets.tolist() == [[1.0], [0.0], [1.0]]
    assert data.labels == ("no", "yes")


def test_labels_become_one_hot_in_sorted_order(tmp_path: Path) -> None:
    write_csv(tmp_path, "a,b,label\n1,2,virginica\n3,4,setosa\n5,6,versicolor\n7,8,setosa\n")
    data = load_csv(tmp_path, outputs=3)
    assert data.labels == ("setosa", "versicolor", "virginica")
    assert data.targets.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]


def test_numeric_labels_sort_by_value(tmp_path: Path) -> None:
    write_csv(tmp_path, "a,b,label\n1,2,10\n3,4,2\n5,6,-1\n")
    data = load_csv(tmp_path, outputs=3)
    assert data.labels == ("-1", "2", "10")
    assert classes(data.targets).tolist() == [2, 1, 0]


def test_comments_blank_lines_quotes_spaces_bom_and_crlf_are_read(tmp_path: Path) -> None:
    text = (
        "\ufeff# where the data comes from\r\n"
        "\r\n"
        "  # and its licence\r\n"
        'a, "b",unused,label\r\n'
        ' 1.5 , 2 , "anything, really", x \r\n'
        "\r\n"
        '"3",.5e1,,"y"\r\n'
    )
    write_csv(tmp_path, text)
    data = load_csv(tmp_path, test_fraction=0.0)
    assert data.inputs.tolist() == [[1.5, 2.0], [3.0, 5.0]]
    assert data.labels == ("x", "y")
    assert data.csv is not None and data.csv.rows == (5, 7)
    assert data.csv.target_column == "column 4 (label)"


def test_columns_follow_x_not_the_file(tmp_path: Path) -> None:
    write_csv(tmp_path, "label,b,a\nx,2,1\ny,4,3\n")
    data = load_csv(tmp_path)
    assert data.inputs.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_unnamed_columns_may_repeat(tmp_path: Path) -> None:
    write_csv(tmp_path, ",a,,b,label\n0,1,z,2,x\n1,3,z,4,y\n")
    assert load_csv(tmp_path).inputs.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_a_row_is_named_in_a_target_error_from_the_loader(tmp_path: Path) -> None:
    write_csv(tmp_path, "a,b,label\n1,2,0.5\n3,4,2.0\n5,6,0.1\n7,8,0.3\n")
    data = load_csv(tmp_path, outputs=1, test_fraction=0.5, seed=3)
    assert data.csv is not None
    for test in (False, True):
        rows = data.csv.test_rows if test else data.csv.rows
        assert len(rows) == 2
        err = data.target_error(1, "must be between 0 and 1 for bce", test=test)
        assert str(err) == (
            f"{tmp_path / 'data.csv'}: row {rows[1]}, column 3 (label): "
            "must be between 0 and 1 for bce"
        )
    assert sorted(data.csv.rows + data.csv.test_rows) == [2, 3, 4, 5]
    error = generated("xor", 4).target_error(2, "must sum to 1")
    assert str(error) == "data.generator: sample 2: must sum to 1"


def test_the_input_columns_must_match_the_first_layer(tmp_path: Path) -> None:
    write_csv(tmp_path, "a,b,label\n1,2,x\n")
    table = {"csv": "data.csv", "x": ["a", "b"], "y": "label"}
    with pytest.raises(DataError) as caught:
        load_data(table, base_dir=tmp_path, n_inputs=3, n_outputs=2)
    assert str(caught.value) == "data.x: names 2 input columns, but layer 0 takes 3 inputs"


def test_too_many_rows_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert csv_file.MAX_SAMPLES == MAX_SAMPLES
    monkeypatch.setattr(csv_file, "MAX_SAMPLES", 3)
    write_csv(tmp_path, "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n")
    with pytest.raises(DataError) as caught:
        load_csv(tmp_path)
    assert str(caught.value).endswith(
        "data.csv: row 5: more than 3 data rows, the most a data set may have"
    )


def test_a_file_over_the_size_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_file, "MAX_CSV_BYTES", 1024 * 1024)
    write_csv(tmp_path, "a,b,label\n" + "1,2,x\n" * 200_000)
    with pytest.raises(DataError) as caught:
        load_csv(tmp_path)
    assert str(caught.value).endswith(
        "data.csv: too large for a CSV file (1.1 MB; the limit is 1 MB)"
    )


def test_what_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataError, match=r"folder\.csv: is a directory, not a CSV file$"):
        load_csv(tmp_path, "folder.csv")
    with pytest.raises(DataError, match=r"nothing\.csv: no such file$"):
        load_csv(tmp_path, "nothing.csv")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.csv")
        with pytest.raises(DataError, match=r"pipe\.csv: not a regular file \(a FIFO"):
            load_csv(tmp_path, "pipe.csv")


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads all")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "a,b,label\n1,2,x\n")
    path.chmod(0)
    with pytest.raises(DataError, match=r"data\.csv: permission denied$"):
        load_csv(tmp_path)


CSV_CELLS = ["1", "-2.5", ".5e1", "x", "y", "z", "", " ", "nan", "1e999", '"q,r"', '"', "\x1b", "#"]
CSV_HEADERS = ["a,b,label", "label,b,a", "a,b", "a;b;label", "a,a,label", "# note", ""]
CSV_ROW = st.one_of(
    st.lists(st.sampled_from(CSV_CELLS), min_size=0, max_size=4).map(",".join),
    st.tuples(
        st.sampled_from(["1", "-2.5", ".5e1"]),
        st.sampled_from(["0", "3"]),
        st.sampled_from(["x", "y", "z", "0", "1"]),
    ).map(",".join),
)
CSV_TEXT = st.builds(
    lambda header, rows, newline: newline.join([header, *rows]),
    st.sampled_from(CSV_HEADERS),
    st.lists(CSV_ROW, max_size=8),
    st.sampled_from(["\n", "\r\n", "\r"]),
)


@settings(max_examples=500, deadline=None)
@given(
    text=CSV_TEXT,
    outputs=st.integers(1, 3),
)
def test_any_text_gives_samples_or_one_data_error(text: str, outputs: int) -> None:
    """Whatever a file holds, reading it gives samples that fit the network or a DataError
    line: never another exception."""
    data = CsvData(path="fuzz.csv", x=("a", "b"), y="label")
    try:
        samples = csv_file.parse_csv_samples(text, "fuzz.csv", data, n_outputs=outputs)
    except DataError as err:
        assert str(err).startswith("fuzz.csv: ")
        assert_one_line(str(err))
    else:
        assert samples.inputs.shape == (len(samples.rows), 2)
        assert samples.targets.shape == (len(samples.rows), outputs)
        assert np.isfinite(samples.inputs).all() and np.isfinite(samples.targets).all()


# -- where a CSV file may be -------------------------------------------------------------------
def test_a_csv_beside_or_below_the_network_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "sets").mkdir()
    write_csv(tmp_path / "sets", "a,b,label\n1,2,x\n3,4,y\n")
    data = load_csv(tmp_path, "sets/../sets/data.csv")
    assert data.inputs.shape == (2, 2)
    assert data.description == "sets/../sets/data.csv: 2 rows"


def test_an_error_names_the_csv_as_the_user_would_open_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nets").mkdir()
    write_csv(tmp_path / "nets", "a,b,label\n1,x,y\n")
    table = {"csv": "data.csv", "x": ["a", "b"], "y": "label"}
    with pytest.raises(DataError) as caught:
        load_data(table, base_dir="nets", n_inputs=2, n_outputs=2)
    assert str(caught.value) == 'nets/data.csv: row 2, column 2 (b): expected a number, got "x"'
    assert caught.value.source == "nets/data.csv"
    assert caught.value.field == "row 2, column 2 (b)"
    write_csv(tmp_path, "a,b,label\n1,x,y\n")
    with pytest.raises(DataError, match=r"^data\.csv: row 2"):
        load_data(table, base_dir="", n_inputs=2, n_outputs=2)


def test_a_network_file_cannot_read_outside_its_directory(tmp_path: Path) -> None:
    outside = write_csv(tmp_path, "a,b,label\n1,2,secret\n", "outside.csv")
    nets = tmp_path / "nets"
    nets.mkdir()
    (nets / "link.csv").symlink_to(outside)
    cases = {
        "../outside.csv": "leads outside the network file's directory",
        "link.csv": "leads outside the network file's directory",
        str(outside): "is an absolute path",
    }
    for path, problem in cases.items():
        with pytest.raises(DataError) as caught:
            load_csv(nets, path)
        assert caught.value.field == "data.csv" and caught.value.source is None
        assert problem in str(caught.value)
        assert "secret" not in str(caught.value)
    with pytest.raises(DataError, match="not a usable file name"):
        load_csv(nets, "a\0.csv")


def test_a_path_from_the_command_line_may_be_anywhere(tmp_path: Path) -> None:
    outside = write_csv(tmp_path, "a,b,label\n1,2,x\n3,4,y\n", "outside.csv")
    (tmp_path / "nets").mkdir()
    table = {"csv": str(outside), "x": ["a", "b"], "y": "label"}
    data = load_data(table, base_dir=tmp_path / "nets", n_inputs=2, n_outputs=1, confined=False)
    assert data.targets.tolist() == [[0.0], [1.0]]
    table["csv"] = "../outside.csv"
    data = load_data(table, base_dir=tmp_path / "nets", n_inputs=2, n_outputs=1, confined=False)
    assert data.labels == ("x", "y")


# -- the malformed corpus ----------------------------------------------------------------------
def corpus_table(name: str) -> dict[str, object]:
    return {"csv": name, "x": ["a", "b"], "y": "label"}


def test_corpus_lists_every_file_and_breaks_at_least_15_rules() -> None:
    files = {path.name for path in MALFORMED.iterdir() if path.name != "expected.toml"}
    assert files == set(EXPECTED)
    assert len(files) >= 15


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_csv_is_refused_with_one_line(name: str) -> None:
    expected = EXPECTED[name]
    with pytest.raises(DataError) as caught:
        load_data(
            corpus_table(name),
            base_dir=MALFORMED,
            n_inputs=2,
            n_outputs=expected.get("outputs", 2),
        )
    message = str(caught.value)
    source = str(MALFORMED / name)
    assert message.startswith(f"{source}: {expected['error']}"), message
    assert caught.value.source == source
    assert_one_line(message)
    assert "\x1b" not in message


def test_the_corpus_gives_no_traceback_and_no_warning_under_w_error() -> None:
    """Each file, loaded by a fresh interpreter that turns every warning into an error, gives
    exactly its one line; nothing reaches stderr."""
    script = (
        "import sys, tomllib\n"
        "from pathlib import Path\n"
        "from nntui.engine.data import DataError, load_data\n"
        "corpus = Path(sys.argv[1])\n"
        "expected = tomllib.loads((corpus / 'expected.toml').read_text())\n"
        "for name, entry in sorted(expected.items()):\n"
        "    table = {'csv': name, 'x': ['a', 'b'], 'y': 'label'}\n"
        "    try:\n"
        "        load_data(table, base_dir=corpus, n_inputs=2, n_outputs=entry.get('outputs', 2))\n"
        "    except DataError as err:\n"
        "        print(err)\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script, str(MALFORMED)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=Path(__file__).parents[1],
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXPECTED)
    for line, name in zip(lines, sorted(EXPECTED), strict=True):
        assert line.startswith(f"{MALFORMED / name}: {EXPECTED[name]['error']}")


def test_data_error_keeps_its_parts_through_pickling() -> None:
    error = DataError("expected a number", field="row 3, column 1 (a)", source="x.csv")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.field, copy.source, str(copy)) == (
        error.message,
        error.field,
        error.source,
        "x.csv: row 3, column 1 (a): expected a number",
    )
    assert isinstance(copy, ValueError)


# -- Iris ----------------------------------------------------------------------------------
def test_iris_is_fishers_150_flowers() -> None:
    table = {"csv": "iris.csv", "x": IRIS_COLUMNS, "y": "species"}
    data = load_data(table, base_dir=PRESETS, n_inputs=4, n_outputs=3)
    assert data.inputs.shape == (150, 4)
    assert data.labels == ("setosa", "versicolor", "virginica")
    assert data.targets.sum(axis=0).tolist() == [50.0, 50.0, 50.0]
    assert np.round(data.inputs.mean(axis=0), 3).tolist() == [5.843, 3.057, 3.758, 1.199]
    assert data.inputs.min(axis=0).tolist() == [4.3, 2.0, 1.0, 0.1]
    assert data.inputs.max(axis=0).tolist() == [7.9, 4.4, 6.9, 2.5]
    # Fisher's samples 35 and 38, where UCI's iris.data differs
    assert data.inputs[34].tolist() == [4.9, 3.1, 1.5, 0.2]
    assert data.inputs[37].tolist() == [4.9, 3.6, 1.4, 0.1]


def test_iris_says_where_it_comes_from_and_under_which_licence() -> None:
    text = (PRESETS / "iris.csv").read_text(encoding="utf-8")
    preamble = text[: text.index("sepal_length")]
    for needed in ("Fisher (1936)", "UCI Machine Learning", "10.24432/C56C76", "CC BY 4.0"):
        assert needed in preamble
    assert all(line.startswith("#") for line in preamble.splitlines())


def test_iris_splits_into_a_test_set() -> None:
    table = {"csv": "iris.csv", "x": IRIS_COLUMNS, "y": "species", "test_fraction": 0.2}
    data = load_data(table, base_dir=PRESETS, n_inputs=4, n_outputs=3)
    assert (len(data.inputs), len(data.test_inputs)) == (120, 30)
    assert data.description == "iris.csv: 150 rows, 30 held out"
    assert data.csv is not None and data.csv.rows == tuple(sorted(data.csv.rows))
