"""Network files that name their data (SPEC §7): the loader's `[data]` table, saving it back,
the held-out samples, accuracy, and the presets that learn a data set."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntui.engine.compute import forward
from nntui.engine.data import load_data
from nntui.engine.evaluation import accuracy, held_out, scores
from nntui.engine.loader import (
    NetworkFileError,
    dumps_json,
    dumps_toml,
    load_network,
    load_spec,
    loads_network,
    loads_spec,
    parse_network,
    save_network,
)
from nntui.engine.network import Network
from nntui.engine.presets import PRESET_FILES, PRESETS, seeded_layers, worked_example
from nntui.engine.spec import NetworkSpec
from nntui.engine.trace import default_granularity, default_samples
from nntui.engine.training import train

HEAD = """\
name = "two rings"
loss = "bce"
learning_rate = 0.5

[[layers]]
activation = "tanh"
weights = [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]]
biases = [0.0, 0.1, -0.1]

[[layers]]
activation = "sigmoid"
weights = [[0.3, -0.2, 0.5]]
biases = [0.05]
"""

CIRCLES = {"generator": "circles", "n": 50, "noise": 0.1, "seed": 3, "test_fraction": 0.2}

POINTS_CSV = """\
# made up for the tests
a,b,kind
0.1,0.2,yes
-0.3,0.4,no
0.5,-0.6,yes
0.7,0.8,no
-0.9,-1.0,yes
"""


def toml_table(name: str, table: dict[str, object]) -> str:
    """A `[name]` TOML table of strings, numbers and lists of strings."""
    lines = [f"\n[{name}]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def csv_table(path: str, **overrides: object) -> dict[str, object]:
    return {"csv": path, "x": ["a", "b"], "y": "kind", **overrides}


def assert_one_line(err: NetworkFileError, start: str) -> None:
    message = str(err)
    assert message.startswith(start), message
    assert "\n" not in message and message.isprintable(), repr(message)


@pytest.fixture
def nets(tmp_path: Path) -> Path:
    """A folder `nets` holding a CSV file in `nets/data/points.csv`."""
    folder = tmp_path / "nets"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "points.csv").write_text(POINTS_CSV, encoding="utf-8")
    return folder


# -- loading -----------------------------------------------------------------------------------
def test_a_generated_data_set_gives_the_training_and_the_held_out_samples() -> None:
    net = loads_network(HEAD + toml_table("data", CIRCLES), "net.toml")
    expected = load_data(CIRCLES, base_dir="", n_inputs=2, n_outputs=1)
    assert (net.n_samples, net.n_test_samples) == (40, 10)
    assert np.array_equal(net.inputs, expected.inputs)
    assert np.array_equal(net.targets, expected.targets)
    assert np.array_equal(net.test_inputs, expected.test_inputs)
    assert np.array_equal(net.test_targets, expected.test_targets)
    assert net.data is not None and net.data.settings == expected.settings
    assert net.labels == ("0", "1")
    assert net.data.description == "circles: 50 samples, noise 0.1, seed 3, 10 held out"
    # No sample is both trained on and held out.
    training = {tuple(row) for row in net.inputs.tolist()}
    assert not training & {tuple(row) for row in net.test_inputs.tolist()}


def test_a_network_without_a_test_set_has_empty_held_out_samples_of_its_width() -> None:
    net = worked_example()
    assert net.test_inputs.shape == (0, 3) and net.test_targets.shape == (0, 1)
    assert net.data is None and net.labels is None and net.n_test_samples == 0
    net = loads_network(HEAD + toml_table("data", {**CIRCLES, "test_fraction": 0}), "n.toml")
    assert (net.n_samples, net.test_inputs.shape) == (50, (0, 2))


def test_a_csv_path_is_relative_to_the_network_file(
    nets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (nets / "net.toml").write_text(HEAD + toml_table("data", csv_table("data/points.csv")))
    monkeypatch.chdir(nets.parent)
    net = load_network("nets/net.toml")
    assert net.n_samples == 5 and net.labels == ("no", "yes")
    assert net.targets[:, 0].tolist() == [1.0, 0.0, 1.0, 0.0, 1.0]  # sorted: no → 0, yes → 1
    assert net.data is not None and net.data.directory == str(nets)


def test_the_samples_come_from_samples_or_data_never_both_never_neither() -> None:
    both = HEAD + "\n[[samples]]\nx = [0, 0]\ny = [0]\n" + toml_table("data", CIRCLES)
    with pytest.raises(NetworkFileError) as caught:
        loads_network(both, "net.toml")
    assert_one_line(caught.value, "net.toml: data: a network file lists its [[samples]] or ")
    with pytest.raises(NetworkFileError, match=r"^net\.toml: samples: missing required key$"):
        loads_network(HEAD, "net.toml")


@pytest.mark.parametrize(
    "table, expected",
    [
        ({**CIRCLES, "nn": 3}, "net.toml: data.nn: unknown key; did you mean 'n'?"),
        ({**CIRCLES, "generator": "circle"}, "net.toml: data.generator: unknown generator "),
        ({**CIRCLES, "test_fraction": 1.5}, "net.toml: data.test_fraction: must be at least 0"),
        ({"generator": "moons"}, "net.toml: data.n: missing required key"),
        ({**CIRCLES, "csv": "x.csv"}, "net.toml: data: has both generator and csv"),
        ({"n": 3}, "net.toml: data: needs generator"),
        (csv_table("/etc/passwd"), 'net.toml: data.csv: "/etc/passwd" is an absolute path'),
        (csv_table("../secret.csv"), 'net.toml: data.csv: "../secret.csv" leads outside'),
        (csv_table("missing.csv"), "missing.csv: no such file"),
        (
            csv_table("data/points.csv", x=["a", "c"]),
            'data/points.csv: row 2: the header has no column "c"',
        ),
        (csv_table("data/points.csv", x=["a"]), "net.toml: data.x: names 1 input column, "),
    ],
)
def test_data_errors_are_one_line_naming_the_file_and_the_field(
    nets: Path, monkeypatch: pytest.MonkeyPatch, table: dict[str, object], expected: str
) -> None:
    monkeypatch.chdir(nets)
    (nets / "net.toml").write_text(HEAD + toml_table("data", table), encoding="utf-8")
    with pytest.raises(NetworkFileError) as caught:
        load_spec("net.toml")
    assert_one_line(caught.value, expected)


def test_a_data_table_that_is_not_a_table(nets: Path) -> None:
    with pytest.raises(NetworkFileError) as caught:
        loads_network("data = 3\n" + HEAD, "n.toml")
    assert_one_line(caught.value, "n.toml: data: expected a table ([data]), got 3")
    document = tomllib.loads(HEAD)
    with pytest.raises(NetworkFileError) as caught:
        loads_network(json.dumps({**document, "data": ["circles"]}), "n.json")
    assert_one_line(caught.value, "n.json: data: expected a table ([data]), got a list")


def test_a_generator_needs_two_inputs_and_fitting_classes() -> None:
    three_inputs = HEAD.replace(
        "[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]", "[1, 2, 3], [4, 5, 6], [7, 8, 9]"
    )
    with pytest.raises(NetworkFileError) as caught:
        loads_network(three_inputs + toml_table("data", CIRCLES), "n.toml")
    assert_one_line(caught.value, "n.toml: data.generator: circles makes points in the plane")


def test_a_loss_rule_broken_by_a_csv_target_names_its_row_and_column(nets: Path) -> None:
    (nets / "numbers.csv").write_text("a,b,y\n0,0,0.5\n1,1,2.0\n", encoding="utf-8")
    table = {"csv": "numbers.csv", "x": ["a", "b"], "y": "y"}
    (nets / "net.toml").write_text(HEAD + toml_table("data", table), encoding="utf-8")
    with pytest.raises(NetworkFileError) as caught:
        load_network(nets / "net.toml")
    assert_one_line(
        caught.value,
        f"{nets / 'numbers.csv'}: row 3, column 3 (y): must be between 0 and 1 for bce, got 2.0",
    )


def test_a_loss_rule_broken_by_generated_classes_names_the_generator() -> None:
    # One softmax neuron takes 0/1 targets, which are no distribution for cross-entropy.
    one_softmax = HEAD.replace('"bce"', '"cross_entropy"').replace('"sigmoid"', '"softmax"')
    with pytest.raises(NetworkFileError) as caught:
        loads_network(one_softmax + toml_table("data", CIRCLES), "n.toml")
    assert re.fullmatch(
        r"n\.toml: data\.generator: sample \d+: must sum to 1 for cross_entropy .*",
        str(caught.value),
    )


def test_labels_from_a_file_are_kept_printable(nets: Path) -> None:
    (nets / "odd.csv").write_text("a,b,kind\n0,0,\x1b[31mred\n1,1,blue\u202e\n", encoding="utf-8")
    (nets / "net.toml").write_text(HEAD + toml_table("data", csv_table("odd.csv")))
    net = load_network(nets / "net.toml")
    assert net.labels == ("\\x1b[31mred", "blue\\u202e")
    assert all(label.isprintable() for label in net.labels)


def test_a_file_without_data_loads_without_numpy_and_one_with_data_imports_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "plain.toml").write_text(dumps_toml(worked_example()), encoding="utf-8")
    (tmp_path / "data.toml").write_text(HEAD + toml_table("data", CIRCLES), encoding="utf-8")
    script = textwrap.dedent(
        """
        import sys
        from nntui.engine.loader import load_spec
        spec = load_spec(sys.argv[1])
        print(spec.n_samples, "numpy" in sys.modules)
        """
    )
    for name, expected in (("plain.toml", "1 False"), ("data.toml", "40 True")):
        result = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == expected, result.stderr


# -- the spec and the network --------------------------------------------------------------------
def test_the_spec_of_a_network_keeps_its_held_out_samples_and_its_data() -> None:
    net = loads_network(HEAD + toml_table("data", CIRCLES), "net.toml")
    spec = NetworkSpec.of(net)
    assert (spec.n_samples, spec.n_test_samples, spec.labels) == (40, 10, ("0", "1"))
    assert spec.build().same_as(net)
    assert loads_spec(HEAD + toml_table("data", CIRCLES), "net.toml") == spec


def test_same_as_compares_the_held_out_samples_and_the_data() -> None:
    net = loads_network(HEAD + toml_table("data", CIRCLES), "net.toml")
    other_split = loads_network(HEAD + toml_table("data", {**CIRCLES, "seed": 4}), "net.toml")
    assert net.same_as(net.with_flat(net.flat()))
    assert not net.same_as(other_split)
    moved = Network(
        layers=net.layers,
        inputs=net.inputs,
        targets=net.targets,
        loss=net.loss,
        learning_rate=net.learning_rate,
        name=net.name,
        test_inputs=net.test_inputs[:-1],
        test_targets=net.test_targets[:-1],
        data=net.data,
    )
    assert not net.same_as(moved)
    without_data = Network(
        layers=net.layers,
        inputs=net.inputs,
        targets=net.targets,
        loss=net.loss,
        learning_rate=net.learning_rate,
        name=net.name,
        test_inputs=net.test_inputs,
        test_targets=net.test_targets,
    )
    assert not net.same_as(without_data) and not without_data.same_as(net)


def test_training_and_the_trace_use_only_the_training_samples() -> None:
    net = loads_network(HEAD + toml_table("data", CIRCLES), "net.toml")
    result = train(net, 5)
    assert result.network.n_samples == 40
    assert np.array_equal(result.network.test_inputs, net.test_inputs)
    assert result.network.data == net.data
    assert forward(net).losses.shape == (40,)


# -- saving --------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_saving_writes_the_data_table_back_and_loads_identically(
    tmp_path: Path, suffix: str
) -> None:
    net = train(loads_network(HEAD + toml_table("data", CIRCLES), "net.toml"), 10).network
    path = tmp_path / f"net{suffix}"
    save_network(net, path)
    text = path.read_text(encoding="utf-8")
    assert "samples" not in text
    written = json.loads(text) if suffix == ".json" else tomllib.loads(text)
    assert written["data"] == {**CIRCLES}
    assert written == net.to_dict()
    again = load_network(path)
    assert again.same_as(net)
    save_network(again, tmp_path / f"again{suffix}")
    assert (tmp_path / f"again{suffix}").read_text(encoding="utf-8") == text


def test_to_dict_writes_the_table_in_place_of_the_samples() -> None:
    net = loads_network(HEAD + toml_table("data", {"generator": "xor", "n": 8}), "net.toml")
    table = net.to_dict()
    assert "samples" not in table
    assert table["data"] == {
        "generator": "xor",
        "n": 8,
        "noise": 0.0,
        "seed": 0,
        "test_fraction": 0.0,
    }
    assert json.loads(dumps_json(net)) == tomllib.loads(dumps_toml(net)) == table


def test_a_csv_path_is_kept_in_its_directory_and_rebased_elsewhere(nets: Path) -> None:
    (nets / "net.toml").write_text(HEAD + toml_table("data", csv_table("./data/points.csv")))
    net = load_network(nets / "net.toml")
    save_network(net, nets / "same-folder.json")
    assert json.loads((nets / "same-folder.json").read_text())["data"]["csv"] == "./data/points.csv"
    save_network(net, nets.parent / "above.toml")
    saved = tomllib.loads((nets.parent / "above.toml").read_text())
    assert saved["data"]["csv"] == "nets/data/points.csv"
    again = load_network(nets.parent / "above.toml")
    assert np.array_equal(again.inputs, net.inputs) and again.labels == net.labels
    save_network(net, nets / "data" / "below.toml")
    assert tomllib.loads((nets / "data" / "below.toml").read_text())["data"]["csv"] == "points.csv"
    assert load_network(nets / "data" / "below.toml").labels == ("no", "yes")


def test_saving_where_the_csv_file_cannot_be_named_is_refused_until_a_copy_is_beside(
    nets: Path, tmp_path: Path
) -> None:
    (nets / "net.toml").write_text(HEAD + toml_table("data", csv_table("data/points.csv")))
    net = load_network(nets / "net.toml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(NetworkFileError) as caught:
        save_network(net, elsewhere / "net.toml")
    assert_one_line(caught.value, f"{elsewhere / 'net.toml'}: data.csv: copy points.csv beside ")
    assert not (elsewhere / "net.toml").exists()
    (elsewhere / "points.csv").write_text(POINTS_CSV.replace("yes", "maybe"), encoding="utf-8")
    with pytest.raises(NetworkFileError):  # a different file of the same name is no copy
        save_network(net, elsewhere / "net.toml")
    shutil.copy(nets / "data" / "points.csv", elsewhere)
    save_network(net, elsewhere / "net.toml")
    again = load_network(elsewhere / "net.toml")
    assert tomllib.loads((elsewhere / "net.toml").read_text())["data"]["csv"] == "points.csv"
    samples = ("inputs", "targets", "test_inputs", "test_targets")
    assert all(np.array_equal(getattr(again, name), getattr(net, name)) for name in samples)


def test_the_export_writes_the_data_table_as_the_network(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nntui.cli import main

    assert main(["export", "circles", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    net = PRESETS["circles"].build()
    assert document["network"]["data"] == net.to_dict()["data"]
    assert "samples" not in document["network"] and "samples" not in document["network_after"]
    assert len(document["per_sample"]) == net.n_samples == 160


# -- accuracy and the test loss ------------------------------------------------------------------
def test_accuracy_takes_the_largest_output_for_several_classes() -> None:
    outputs = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.4, 0.4, 0.2]])
    targets = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0]], dtype=float)
    # right, wrong, right, and a tie that goes to the first class: right
    assert accuracy(outputs, targets) == 0.75


def test_accuracy_of_one_output_is_the_side_of_one_half() -> None:
    outputs = np.array([[0.2], [0.5], [0.49], [0.9]])
    targets = np.array([[0.0], [1.0], [1.0], [0.0]])
    assert accuracy(outputs, targets) == 0.5  # 0.5 counts as class 1


def test_scores_of_a_generated_data_set_by_hand() -> None:
    net = loads_network(HEAD + toml_table("data", CIRCLES), "net.toml")
    got = scores(net)

    def by_hand(inputs: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
        hidden = np.tanh(
            inputs @ np.array([[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]]).T + [0, 0.1, -0.1]
        )
        output = 1 / (1 + np.exp(-(hidden @ np.array([0.3, -0.2, 0.5]) + 0.05)))
        y = targets[:, 0]
        loss = -np.mean(y * np.log(output) + (1 - y) * np.log(1 - output))
        return float(loss), float(np.mean((output >= 0.5) == (y == 1)))

    loss, right = by_hand(net.inputs, net.targets)
    test_loss, test_right = by_hand(net.test_inputs, net.test_targets)
    assert got.loss == pytest.approx(loss, rel=1e-12)
    assert got.accuracy == right
    assert got.test_loss == pytest.approx(test_loss, rel=1e-12)
    assert got.test_accuracy == test_right


def test_no_accuracy_without_classes_and_no_test_scores_without_a_test_set(nets: Path) -> None:
    xor = scores(PRESETS["xor"].build())
    assert xor.accuracy is None and xor.test_loss is None and xor.test_accuracy is None
    assert held_out(PRESETS["xor"].build()) is None
    (nets / "numbers.csv").write_text("a,b,y\n0,0,0.5\n1,1,0.25\n2,2,0.75\n3,3,1\n")
    table = {"csv": "numbers.csv", "x": ["a", "b"], "y": "y", "test_fraction": 0.5}
    (nets / "net.toml").write_text(HEAD + toml_table("data", table), encoding="utf-8")
    regression = scores(load_network(nets / "net.toml"))
    assert regression.accuracy is None and regression.test_accuracy is None
    assert regression.test_loss is not None and regression.test_loss > 0


# -- the presets that learn a data set -----------------------------------------------------------
DATA_PRESETS = {
    # name: (shape, activations, steps, least training accuracy, least test accuracy)
    "circles": ((2, 8, 8, 1), ("tanh", "tanh", "sigmoid"), 300, 0.97, 0.95),
    "spiral": ((2, 16, 16, 3), ("tanh", "tanh", "softmax"), 3000, 0.95, 0.9),
    "iris": ((4, 8, 3), ("tanh", "softmax"), 2000, 0.95, 0.95),
}


@pytest.mark.parametrize("name", sorted(DATA_PRESETS))
def test_a_data_preset_holds_the_weights_seeded_layers_draws(name: str) -> None:
    shape, activations, *_ = DATA_PRESETS[name]
    net = PRESETS[name].build()
    assert net.shape == shape
    drawn = seeded_layers(0, shape, activations)
    for layer, (activation, weights, biases) in zip(net.layers, drawn, strict=True):
        assert layer.activation == activation
        assert np.array_equal(layer.weights, weights)
        assert np.array_equal(layer.biases, biases) and not biases.any()


@pytest.mark.parametrize("name", sorted(DATA_PRESETS))
def test_a_data_preset_learns_its_data_set(name: str) -> None:
    _, _, steps, least_training, least_test = DATA_PRESETS[name]
    net = PRESETS[name].build()
    result = train(net, steps)
    before, after = scores(net), scores(result.network)
    assert result.message is None
    assert after.loss < 0.15 * before.loss
    assert after.test_loss is not None and before.test_loss is not None
    assert after.test_loss < 0.3 * before.test_loss
    assert after.accuracy is not None and after.accuracy >= least_training
    assert after.test_accuracy is not None and after.test_accuracy >= least_test
    assert before.accuracy is not None and before.accuracy < 0.6  # it did learn


def test_the_data_presets_hold_a_fifth_out_and_trace_sixteen_samples() -> None:
    for name, total in (("circles", 200), ("spiral", 300), ("iris", 150)):
        net = PRESETS[name].build()
        assert net.n_samples + net.n_test_samples == total
        assert net.n_test_samples == total // 5
        assert default_samples(net) == tuple(range(16))
        assert default_granularity(net) == "layer"
    iris = PRESETS["iris"].build()
    assert iris.labels == ("setosa", "versicolor", "virginica")
    assert iris.data is not None and iris.data.directory == str(PRESET_FILES)


def test_a_data_preset_saved_beside_its_csv_file_names_it_as_it_was(tmp_path: Path) -> None:
    shutil.copy(PRESET_FILES / "iris.csv", tmp_path)
    net = PRESETS["iris"].build()
    save_network(net, tmp_path / "iris.toml")
    assert tomllib.loads((tmp_path / "iris.toml").read_text())["data"]["csv"] == "iris.csv"
    assert load_network(tmp_path / "iris.toml").same_as(net)


# -- every CSV problem, and any table, through the loader ----------------------------------------
MALFORMED_CSV = Path(__file__).parent / "malformed_csv"
CSV_CORPUS = tomllib.loads((MALFORMED_CSV / "expected.toml").read_text(encoding="utf-8"))


def corpus_network(data: object, outputs: int = 2) -> dict[str, object]:
    """A 2-input linear network of `outputs` neurons whose samples are `data`."""
    layer = {"activation": "linear", "weights": [[0.1, 0.2]] * outputs, "biases": [0.0] * outputs}
    return {"loss": "mse", "learning_rate": 0.1, "layers": [layer], "data": data}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", sorted(CSV_CORPUS))
def test_every_malformed_csv_file_is_one_line_from_the_loader(name: str) -> None:
    expected = CSV_CORPUS[name]
    table = {"csv": name, "x": ["a", "b"], "y": "label"}
    document = corpus_network(table, expected.get("outputs", 2))
    with pytest.raises(NetworkFileError) as caught:
        parse_network(document, str(MALFORMED_CSV / "net.json"))
    assert_one_line(caught.value, f"{MALFORMED_CSV / name}: {expected['error']}")
    assert caught.value.source == str(MALFORMED_CSV / name)


TEXT = st.text(max_size=12)
VALUES = st.one_of(
    st.sampled_from(["circles", "xor", "spiral", "gauss", "moons", "../x.csv", *CSV_CORPUS]),
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.booleans(),
    st.lists(st.sampled_from(["a", "b", "label", "c"]), max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(TEXT, st.integers(), max_size=2),
)
KEYS = st.sampled_from(["generator", "n", "noise", "seed", "test_fraction", "csv", "x", "y", "nn"])


@settings(max_examples=300, deadline=None)
@given(
    table=st.one_of(
        st.dictionaries(KEYS, VALUES, max_size=6),
        # near a table that loads, so that some do
        st.dictionaries(KEYS, VALUES, max_size=2).map(
            lambda changes: {"generator": "spiral", "n": 30, **changes}
        ),
    ),
    outputs=st.integers(min_value=1, max_value=4),
)
def test_any_data_table_loads_or_is_refused_with_one_line(
    table: dict[str, object], outputs: int
) -> None:
    source = str(MALFORMED_CSV / "net.json")
    try:
        net = parse_network(corpus_network(table, outputs), source)
    except NetworkFileError as err:
        message = str(err)
        assert "\n" not in message and message.isprintable(), repr(message)
        assert err.source in (source, *(str(MALFORMED_CSV / name) for name in CSV_CORPUS))
    else:
        assert net.n_samples >= 1 and net.data is not None
        held_out = table.get("test_fraction", 0)
        assert (net.n_test_samples > 0) == (held_out > 0)  # type: ignore[operator]
