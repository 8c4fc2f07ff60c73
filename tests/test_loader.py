"""Network files (SPEC §1), their one-line errors (SPEC §3), saving, and the presets."""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import struct
import tomllib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nntui.engine.compute import backward, forward, sgd_step
from nntui.engine.loader import (
    MAX_FILE_BYTES,
    NetworkFileError,
    dumps_json,
    dumps_toml,
    load_network,
    load_spec,
    loads_network,
    parse_network,
    save_network,
)
from nntui.engine.network import Layer, Network
from nntui.engine.presets import (
    PRESET_FILES,
    PRESETS,
    presets_listing,
    resolve_network,
    shape_text,
    worked_example,
)
from nntui.engine.text import LINE_LIMIT

MALFORMED = Path(__file__).parent / "malformed"
EXPECTED = tomllib.loads((MALFORMED / "expected.toml").read_text(encoding="utf-8"))

WORKED_TOML = """\
name = "Worked example"
loss = "half_sse"
learning_rate = 0.1

[[layers]]
activation = "relu"
weights = [[0.2, -1.2, 0.9], [-0.5, -1.2, 0.3]]
biases = [-0.1, 0.2]

[[layers]]
activation = "sigmoid"
weights = [[0.7, -1.1]]
biases = [-0.1]

[[samples]]
x = [0.9, 0.2, 0.5]
y = [0.0]
"""

AWKWARD = [0.1, 1e-300, -0.0, 1 / 3, 123456789.123456789, 5e-324, 1e22, -1.7976931348623157e308]


def assert_one_line_error(err: NetworkFileError, source: str) -> None:
    """What SPEC §3 promises of every error: one printable line, starting with the source."""
    message = str(err)
    assert message.startswith(f"{source}: "), message
    assert "\n" not in message and "\r" not in message
    assert message.isprintable(), repr(message)


def fingerprint(net: Network) -> tuple[object, ...]:
    """Every setting and the exact bits of every number (so -0.0 differs from 0.0), the
    held-out samples and the data table included."""
    arrays = [array for layer in net.layers for array in (layer.weights, layer.biases)]
    arrays += [net.inputs, net.targets, net.test_inputs, net.test_targets]
    return (
        net.name,
        net.loss,
        net.reduction,
        net.update_biases,
        struct.pack("<d", net.learning_rate),
        tuple(layer.activation for layer in net.layers),
        tuple((array.shape, array.tobytes()) for array in arrays),
        None if net.data is None else (net.data.settings, net.data.labels),
        net.optimizer,
        net.batch_size,
    )


def linear_network(values: list[float], learning_rate: float = 0.5, name: str = "") -> Network:
    """One linear layer whose weights, biases, inputs and targets are built from `values`."""
    count = len(values)
    return Network(
        layers=(Layer("linear", np.array([values]), np.array([values[0]])),),
        inputs=np.array([values]),
        targets=np.array([[values[-1]]]),
        loss="mse",
        learning_rate=learning_rate,
        reduction="sum" if count % 2 else "mean",
        update_biases=count % 3 != 0,
        name=name,
    )


# -- the malformed corpus --------------------------------------------------------------------
def test_corpus_lists_every_file_and_breaks_at_least_30_rules() -> None:
    files = {path.name for path in MALFORMED.iterdir() if path.name != "expected.toml"}
    assert files == set(EXPECTED)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_file_is_refused_naming_its_field(name: str) -> None:
    source = str(MALFORMED / name)
    with pytest.raises(NetworkFileError) as caught:
        load_network(source)
    assert_one_line_error(caught.value, source)
    assert str(caught.value).startswith(f"{source}: {EXPECTED[name]}")


def test_error_names_the_path_exactly_as_typed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("net.toml").write_text(WORKED_TOML.replace("learning_rate", "lerning_rate"))
    with pytest.raises(NetworkFileError) as caught:
        load_network("net.toml")
    assert str(caught.value) == "net.toml: lerning_rate: unknown key; did you mean 'learning_rate'?"
    assert caught.value.field == "lerning_rate"
    with pytest.raises(NetworkFileError, match=r"^\./net\.toml: lerning_rate: "):
        load_network("./net.toml")


def test_missing_file_directory_and_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError) as caught:
        load_network(tmp_path / "nope.toml")
    assert str(caught.value) == f"{tmp_path / 'nope.toml'}: no such file"
    with pytest.raises(NetworkFileError, match="is a directory"):
        load_network(tmp_path)
    with pytest.raises(NetworkFileError, match="not a usable file name"):
        load_network("bad\0name.toml")
    locked = tmp_path / "locked.toml"
    locked.write_text(WORKED_TOML)
    locked.chmod(0)
    try:
        if not os.access(locked, os.R_OK):  # root reads anything
            with pytest.raises(NetworkFileError, match=r"locked\.toml: permission denied$"):
                load_network(locked)
    finally:
        locked.chmod(0o600)


def test_message_is_collapsed_to_one_printable_line() -> None:
    err = NetworkFileError("a\nb.toml", "line one\n\n  line two\x1b[31m", "name")
    assert str(err) == "a b.toml: name: line one   line two\\x1b[31m"
    assert (err.source, err.field, err.message) == (
        "a\nb.toml",
        "name",
        "line one\n\n  line two\x1b[31m",
    )


def test_error_survives_pickling() -> None:
    import pickle

    err = NetworkFileError("net.toml", "missing required key", "loss")
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) == "net.toml: loss: missing required key"


def test_first_problem_is_reported() -> None:
    data = tomllib.loads(WORKED_TOML)
    data["learning_rate"] = -1
    data["layers"][1]["weights"] = [[1.0, 2.0, 3.0]]
    with pytest.raises(
        NetworkFileError, match=r"^x\.toml: learning_rate: must be >= 0, got -1\.0$"
    ):
        parse_network(data, "x.toml")


def test_top_level_must_be_a_table() -> None:
    with pytest.raises(NetworkFileError, match=r"^x\.json: expected a table of settings"):
        parse_network([1, 2], "x.json")
    with pytest.raises(NetworkFileError, match=r"^x\.json: 3: unknown key"):
        parse_network({**tomllib.loads(WORKED_TOML), 3: 1}, "x.json")


# -- what a good file gives ------------------------------------------------------------------
def test_defaults_are_filled_in() -> None:
    text = WORKED_TOML.replace('name = "Worked example"\n', "")
    net = loads_network(text, "net.toml")
    assert (net.name, net.reduction, net.update_biases) == ("", "mean", True)
    assert net.learning_rate == 0.1 and net.loss == "half_sse"
    assert net.shape == (3, 2, 1) and net.n_samples == 1


def test_the_worked_example_file_is_the_worked_example_preset() -> None:
    net = loads_network(WORKED_TOML, "net.toml")
    assert net.layers[1].weights.tolist() == [[0.7, -1.1]]
    assert fingerprint(net)[1:] == fingerprint(worked_example())[1:]


def test_identity_is_stored_as_linear() -> None:
    net = loads_network(WORKED_TOML.replace('"relu"', '"identity"'), "net.toml")
    assert net.layers[0].activation == "linear"
    assert 'activation = "linear"' in dumps_toml(net)


def test_integers_are_numbers_and_every_setting_is_read() -> None:
    text = WORKED_TOML.replace("learning_rate = 0.1", "learning_rate = 0").replace(
        "x = [0.9, 0.2, 0.5]", "x = [1, 0, -2]"
    )
    text = 'reduction = "sum"\nupdate_biases = false\n' + text
    net = loads_network(text, "net.toml")
    assert net.inputs.dtype == np.float64 and net.inputs.tolist() == [[1.0, 0.0, -2.0]]
    assert (net.learning_rate, net.reduction, net.update_biases) == (0.0, "sum", False)


def test_format_follows_extension_then_content(tmp_path: Path) -> None:
    net = worked_example()
    for name, text in [
        ("a.JSON", dumps_json(net)),
        ("plain", dumps_json(net)),
        ("plain.txt", dumps_toml(net)),
        ("bom.toml", "\ufeff" + dumps_toml(net)),
    ]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert load_network(tmp_path / name).same_as(net), name
    (tmp_path / "x.toml").write_text(dumps_json(net))
    with pytest.raises(NetworkFileError, match="not valid TOML"):
        load_network(tmp_path / "x.toml")


def test_cross_entropy_targets_may_be_off_by_rounding() -> None:
    data = PRESETS["softmax-3class"].build().to_dict()
    data["samples"][0]["y"] = [0.1, 0.2, 0.7000001]
    assert parse_network(data, "x.json").targets[0, 2] == 0.7000001
    data["samples"][0]["y"] = [0.1, 0.2, 0.71]
    with pytest.raises(NetworkFileError, match=r"samples\[0\]\.y: must sum to 1"):
        parse_network(data, "x.json")


# -- saving ----------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".toml", ".json"])
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_survive_save_and_load_bit_for_bit(
    tmp_path: Path, preset: str, suffix: str
) -> None:
    net = PRESETS[preset].build()
    if preset == "iris":  # a network file reads its CSV file beside it
        shutil.copy(PRESET_FILES / "iris.csv", tmp_path)
    path = tmp_path / f"net{suffix}"
    save_network(net, path)
    again = load_network(path)
    assert fingerprint(again) == fingerprint(net)
    save_network(again, tmp_path / f"again{suffix}")
    assert (tmp_path / f"again{suffix}").read_text() == path.read_text()


@pytest.mark.parametrize("dumps, source", [(dumps_toml, "a.toml"), (dumps_json, "a.json")])
def test_awkward_floats_survive_bit_for_bit(dumps, source: str) -> None:
    for learning_rate in [1 / 3, 1e-300, -0.0, 5e-324, 123456789.123456789]:
        net = linear_network(AWKWARD, learning_rate)
        again = loads_network(dumps(net), source)
        assert fingerprint(again) == fingerprint(net)
        assert math.copysign(1.0, again.layers[0].weights[0, 2]) == -1.0  # -0.0 kept


def test_every_optional_field_is_written() -> None:
    net = worked_example()
    assert (
        set(json.loads(dumps_json(net)))
        == set(tomllib.loads(dumps_toml(net)))
        == {
            "name",
            "loss",
            "reduction",
            "learning_rate",
            "update_biases",
            "layers",
            "samples",
        }
    )
    assert json.loads(dumps_json(net)) == net.to_dict()
    assert tomllib.loads(dumps_toml(net)) == net.to_dict()


@pytest.mark.parametrize("dumps, source", [(dumps_toml, "a.toml"), (dumps_json, "a.json")])
def test_names_with_awkward_characters_survive(dumps, source: str) -> None:
    name = 'quote " backslash \\ tab\t newline\n nul\0 del\x7f esc\x1b é ∂E/∂w 😀 \u2028 \\u0041'
    net = linear_network([1.0, 2.0], name=name)
    assert loads_network(dumps(net), source).name == name


def test_save_format_follows_extension(tmp_path: Path) -> None:
    net = worked_example()
    save_network(net, tmp_path / "a.json")
    save_network(net, tmp_path / "a.net")
    assert (tmp_path / "a.json").read_text().startswith("{")
    assert (tmp_path / "a.net").read_text().startswith("name = ")
    with pytest.raises(NetworkFileError, match="cannot write"):
        save_network(net, tmp_path / "missing-dir" / "a.toml")


def test_save_never_overwrites_unasked_and_is_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "net.toml"
    save_network(worked_example(), path)
    before = path.read_bytes()
    with pytest.raises(NetworkFileError, match=r"net\.toml: already exists; not overwritten$"):
        save_network(PRESETS["xor"].build(), path)
    assert path.read_bytes() == before

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(NetworkFileError, match="cannot write: No space left on device"):
        save_network(PRESETS["xor"].build(), path, overwrite=True)
    assert path.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir()] == ["net.toml"]
    monkeypatch.undo()
    save_network(PRESETS["xor"].build(), path, overwrite=True)
    assert load_network(path).same_as(PRESETS["xor"].build())


# -- what is not a regular file is refused before it is opened ---------------------------------
POSIX = pytest.mark.skipif(os.name != "posix", reason="FIFOs and devices")


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: a blocked open() of a FIFO is interrupted by the alarm."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@POSIX
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    with deadline(10), pytest.raises(NetworkFileError) as caught:
        load_network(fifo)  # before the fix: waits in open() for a writer, forever
    assert str(caught.value) == f"{fifo}: not a regular file (a FIFO)"
    assert_one_line_error(caught.value, str(fifo))


@POSIX
@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/zero", "a character device"), ("/dev/null", "a character device")]
)
def test_a_device_is_refused(path: str, kind: str) -> None:
    if not os.path.exists(path):
        pytest.skip(f"no {path}")
    with pytest.raises(NetworkFileError, match=f"^{path}: not a regular file \\({kind}\\)$"):
        load_spec(path)


@POSIX
def test_a_fifo_swapped_in_after_the_check_does_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: a regular file when checked, a FIFO when opened. The open does not wait
    (O_NONBLOCK) and what was opened is checked again."""
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    regular = os.stat(__file__)
    monkeypatch.setattr(os, "stat", lambda *args, **kwargs: regular)
    with deadline(10), pytest.raises(NetworkFileError, match=r"not a regular file \(a FIFO\)$"):
        load_spec(fifo)


@POSIX
def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A 2 GB file (sparse: no disk used) is refused from its size, at once."""
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:
        file.truncate(2 * 1024**3)
    with pytest.raises(NetworkFileError) as caught:
        load_spec(path)
    assert str(caught.value) == (
        f"{path}: too large for a network file (2.0 GB; the limit is 64 MB)"
    )
    just_over = tmp_path / "over.toml"
    with open(just_over, "wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(NetworkFileError, match="too large for a network file"):
        load_spec(just_over)


def test_error_lines_are_capped_and_show_the_end_of_a_long_path(tmp_path: Path) -> None:
    err = NetworkFileError("d/" * 200 + "net.toml", "x" * 1000, "name")
    text = str(err)
    assert len(text) <= LINE_LIMIT and text.endswith("…")
    assert text.startswith("…") and "/d/d/net.toml: name: xxx" in text
    err = NetworkFileError("net\x1b]0;PWNED\x07.toml", "unknown key \u202e", "a\u009bb")
    assert str(err) == "net\\x1b]0;PWNED\\x07.toml: a\\x9bb: unknown key \\u202e"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=6))
def test_any_finite_float_survives_bit_for_bit(values: list[float]) -> None:
    net = linear_network(values, learning_rate=abs(values[0]))
    assert fingerprint(loads_network(dumps_toml(net), "a.toml")) == fingerprint(net)
    assert fingerprint(loads_network(dumps_json(net), "a.json")) == fingerprint(net)


# -- presets and the NET argument ------------------------------------------------------------
EXPECTED_SHAPES = {
    "worked-example": "3-2-1",
    "xor": "2-2-1",
    "xor-momentum": "2-2-1",
    "xor-adam": "2-2-1",
    "softmax-3class": "2-4-3",
    "mnist-784": "784-32-10",
    "deep-4-16-16-3": "4-16-16-3",
    "circles": "2-8-8-1",
    "spiral": "2-16-16-3",
    "iris": "4-8-3",
}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_builds_the_documented_network(name: str) -> None:
    preset = PRESETS[name]
    net = preset.build()
    assert preset.name == name
    assert shape_text(net) == EXPECTED_SHAPES[name]
    assert "\n" not in preset.description and preset.description
    assert net.name
    assert fingerprint(preset.build()) == fingerprint(net)  # the same on every build
    # A preset is a valid network file: it passes every check the loader makes.
    directory = None if net.data is None else net.data.directory
    assert fingerprint(parse_network(net.to_dict(), name, directory=directory)) == fingerprint(net)


def test_worked_example_is_the_documents_network() -> None:
    net = worked_example()
    assert net.name == "Worked example: 3-2-1, ReLU then sigmoid"
    assert (net.loss, net.reduction, net.learning_rate) == ("half_sse", "mean", 0.1)
    assert [layer.activation for layer in net.layers] == ["relu", "sigmoid"]
    assert net.layers[0].weights.tolist() == [[0.2, -1.2, 0.9], [-0.5, -1.2, 0.3]]
    assert net.layers[1].weights.tolist() == [[0.7, -1.1]]  # 0.7, not the misprinted 0.8
    assert forward(net).loss == pytest.approx(0.138, abs=5e-4)


def test_xor_is_solved_by_2000_training_steps() -> None:
    net = PRESETS["xor"].build()
    for _ in range(2000):
        net = sgd_step(net, backward(net, forward(net)))
    assert np.abs(forward(net).output - net.targets).max() < 0.1


def test_the_optimizer_presets_leave_xors_plateau_long_before_plain_sgd() -> None:
    """xor-momentum and xor-adam: XOR's weights, and a loss history visibly unlike xor's."""
    from nntui.engine.training import train

    histories = {
        name: train(PRESETS[name].build(), 300).loss_history
        for name in PRESETS
        if name.startswith("xor")
    }
    assert histories["xor"][100] > 0.12 and histories["xor"][300] > 0.1  # still on the plateau
    assert histories["xor-momentum"][100] < 0.01
    assert histories["xor-adam"][100] < 0.005
    for name in ("xor-momentum", "xor-adam"):
        preset = PRESETS[name].build()
        assert preset.flat().tolist() == PRESETS["xor"].build().flat().tolist()
        assert not preset.optimizer.is_plain_sgd


def test_presets_listing_is_aligned_one_line_per_preset() -> None:
    lines = presets_listing()
    assert len(lines) == len(PRESETS)
    for line, (name, shape) in zip(lines, EXPECTED_SHAPES.items(), strict=True):
        assert line.startswith(name + " ")
        assert f" {shape} " in line
        assert PRESETS[name].description in line
    shapes = EXPECTED_SHAPES.values()
    shape_columns = {line.index(f" {shape} ") for line, shape in zip(lines, shapes, strict=True)}
    assert len(shape_columns) == 1


def test_resolve_network(tmp_path: Path, monkeypatch) -> None:
    assert resolve_network(None).same_as(worked_example())
    assert shape_text(resolve_network("xor")) == "2-2-1"
    save_network(PRESETS["softmax-3class"].build(), tmp_path / "mine.json")
    assert shape_text(resolve_network(str(tmp_path / "mine.json"))) == "2-4-3"
    # An existing file wins over a preset of the same name.
    monkeypatch.chdir(tmp_path)
    save_network(worked_example(), Path("xor"))
    assert shape_text(resolve_network("xor")) == "3-2-1"


@pytest.mark.parametrize(
    "arg, message",
    [
        ("nets/missing.toml", "nets/missing.toml: no such file"),
        ("missing.json", "missing.json: no such file"),
        ("nope", "nope: no such file or preset (presets: worked-example, xor, "),
        ("xr", "xr: no such file or preset; did you mean 'xor'? (presets: worked-example, "),
    ],
)
def test_resolve_network_refuses_unknown_names(arg: str, message: str) -> None:
    with pytest.raises(NetworkFileError) as caught:
        resolve_network(arg)
    assert str(caught.value).startswith(message)
    assert_one_line_error(caught.value, arg)


def test_resolve_network_reports_bad_files(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("loss = 3\n")
    with pytest.raises(NetworkFileError, match=r"bad\.toml: loss: expected a string, got 3$"):
        resolve_network(str(tmp_path / "bad.toml"))


# -- fuzzing: any input loads or gives one clean error line ----------------------------------
def assert_loads_or_refuses(load, source: str) -> None:
    """`load()` returns a network that saves and reloads unchanged, or raises a clean error."""
    try:
        net = load()
    except NetworkFileError as err:
        assert_one_line_error(err, source)
        return
    assert isinstance(net, Network)
    assert fingerprint(loads_network(dumps_toml(net), "again.toml")) == fingerprint(net)


VALID_DICTS = [
    worked_example().to_dict(),
    PRESETS["softmax-3class"].build().to_dict(),
    {**PRESETS["xor"].build().to_dict(), "loss": "bce"},
]
VALID_TEXTS = [
    dumps(parse_network(data, "x")) for data in VALID_DICTS for dumps in (dumps_toml, dumps_json)
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.integers(min_value=-3, max_value=3)
    | st.floats()
    | st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 5e-324, 1e308])
    | st.text(max_size=12)
    | st.sampled_from(["identity", "softmax", "bce", "sum", "lerning_rate", "\ud800", "a\nb"])
)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every place inside a nested structure, as a tuple of keys and indices."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _mutate(data: object, draw) -> object:
    """One change near the schema: replace, drop, add, shorten, lengthen or duplicate."""
    path = draw(st.sampled_from(_paths(data)))
    if not path:
        return draw(junk)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = draw(st.sampled_from(["replace", "drop", "add", "shorten", "lengthen", "duplicate"]))
    target = parent[last]
    if action == "replace":
        parent[last] = draw(junk)
    elif action == "drop":
        del parent[last]
    elif action == "add" and isinstance(target, dict):
        key = draw(
            st.sampled_from(["x", "y", "weights", "biases", "lerning_rate", "layer"])
            | st.text(max_size=6)
        )
        target[key] = draw(junk)
    elif action == "shorten" and isinstance(target, list):
        del target[draw(st.integers(0, len(target))) :]
    elif action == "lengthen" and isinstance(target, list):
        target.append(draw(junk))
    elif action == "duplicate" and isinstance(target, list) and target:
        target.append(json.loads(json.dumps(target[0])))
    return data


@settings(max_examples=300, deadline=None)
@given(content=st.binary(max_size=300), source=st.sampled_from(["f.toml", "f.json", "f"]))
def test_fuzz_random_bytes(content: bytes, source: str) -> None:
    assert_loads_or_refuses(lambda: loads_network(content, source), source)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_structures_near_the_schema(data: st.DataObject) -> None:
    tree = json.loads(json.dumps(data.draw(st.sampled_from(VALID_DICTS))))
    for _ in range(data.draw(st.integers(1, 3))):
        tree = _mutate(tree, data.draw)
    assert_loads_or_refuses(lambda: parse_network(tree, "fuzz.json"), "fuzz.json")
    try:
        text = json.dumps(tree, ensure_ascii=False)
    except (ValueError, TypeError):  # an int too long to print, say
        return
    for content in (text, text.encode("utf-8", "surrogatepass")):
        assert_loads_or_refuses(lambda content=content: loads_network(content, "f.json"), "f.json")


@settings(max_examples=400, deadline=None)
@given(
    text=st.sampled_from(VALID_TEXTS),
    cut=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    insert=st.sampled_from(
        ['"', "[", "]", "{", "}", ",", "=", "\n", "[[layers]]\n", "nan", "1e999", "x = 1\n", "\0"]
    )
    | st.text(max_size=8),
    source=st.sampled_from(["f.toml", "f.json", "f"]),
)
def test_fuzz_edited_file_text(
    text: str, cut: tuple[float, float], insert: str, source: str
) -> None:
    start, stop = sorted(int(fraction * len(text)) for fraction in cut)
    edited = text[:start] + insert + text[stop:]
    assert_loads_or_refuses(lambda: loads_network(edited, source), source)


# -- [optimizer] and batch_size (SPEC §6) ------------------------------------------------------

XOR_SAMPLES = "".join(
    f"\n[[samples]]\nx = [{x0}, {x1}]\ny = [{y}]\n"
    for (x0, x1), y in (((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0))
)


def xor_file(top: str = "", optimizer: str = "") -> str:
    """The XOR preset as a file, with `top` among its top-level keys and `optimizer` as the
    body of an `[optimizer]` table (none when empty)."""
    table = f"\n[optimizer]\n{optimizer}\n" if optimizer else ""
    return (
        f'loss = "half_sse"\nlearning_rate = 2.0\n{top}\n{table}'
        '\n[[layers]]\nactivation = "sigmoid"\nweights = [[0.5, -0.4], [-0.6, 0.7]]\n'
        "biases = [0.1, -0.2]\n"
        '\n[[layers]]\nactivation = "sigmoid"\nweights = [[0.8, 0.9]]\nbiases = [-0.3]\n'
        f"{XOR_SAMPLES}"
    )


@pytest.mark.parametrize(
    ("top", "optimizer", "expected"),
    [
        ("", 'name = "adagrad"', 'optimizer.name: unknown optimizer "adagrad"'),
        ("", 'name = "Adam"', "optimizer.name: unknown optimizer \"Adam\"; did you mean 'adam'?"),
        ("", 'name = "adam"\nmomentum = 0.9', "optimizer.momentum: adam has no momentum"),
        ("", 'name = "adam"\nbeta1 = -0.1', "optimizer.beta1: must be in [0, 1), got -0.1"),
        ("", 'name = "adam"\nbeta2 = 1.0', "optimizer.beta2: must be in [0, 1), got 1.0"),
        ("", 'name = "adamw"\nbeta1 = 1', "optimizer.beta1: must be in [0, 1), got 1.0"),
        ("", 'name = "rmsprop"\nalpha = 1.5', "optimizer.alpha: must be in [0, 1), got 1.5"),
        ("", 'name = "adam"\neps = 0.0', "optimizer.eps: must be > 0, got 0.0"),
        ("", 'name = "rmsprop"\neps = -1e-8', "optimizer.eps: must be > 0, got -1e-08"),
        ("", "nesterov = true", "optimizer.nesterov: needs momentum > 0, but momentum is 0.0"),
        ("", "momentum = 1.0", "optimizer.momentum: must be in [0, 1), got 1.0"),
        ("", "weight_decay = -0.5", "optimizer.weight_decay: must be >= 0, got -0.5"),
        ("", "momentun = 0.9", "optimizer.momentun: unknown key; did you mean 'momentum'?"),
        ("", 'name = "adam"\nbeta1 = "0.9"', 'optimizer.beta1: expected a number, got "0.9"'),
        ("optimizer = 3", "", "optimizer: expected a table, got 3"),
        ("batch_size = 0", "", "batch_size: must be at least 1, got 0"),
        ("batch_size = -2", "", "batch_size: must be at least 1, got -2"),
        ("batch_size = 5", "", "batch_size: must be at most the number of samples (4 training"),
        ("batch_size = 2.5", "", "batch_size: expected a whole number of samples, got 2.5"),
        ("batch_size = 2.0", "", "batch_size: expected a whole number of samples, got 2.0"),
        ('batch_size = "2"', "", 'batch_size: expected a whole number of samples, got "2"'),
        ("batch_size = true", "", "batch_size: expected a whole number of samples, got true"),
        ("batch_sise = 2", "", "batch_sise: unknown key; did you mean 'batch_size'?"),
    ],
)
def test_each_bad_optimizer_field_is_one_line_naming_it(
    tmp_path: Path, top: str, optimizer: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(xor_file(top, optimizer), encoding="utf-8")
    with pytest.raises(NetworkFileError) as caught:
        load_network(path)
    assert_one_line_error(caught.value, str(path))
    assert str(caught.value).startswith(f"{path}: {expected}")


@pytest.mark.parametrize(
    ("top", "optimizer"),
    [("batch_size = 0", ""), ("", 'name = "adam"\nmomentum = 0.9'), ("", "nesterov = true")],
)
def test_export_of_a_bad_optimizer_field_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], top: str, optimizer: str
) -> None:
    from nntui.cli import main

    path = tmp_path / "bad.toml"
    path.write_text(xor_file(top, optimizer), encoding="utf-8")
    assert main(["export", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"nntui: error: {path}: ") and err.count("\n") == 1


def test_the_optimizer_and_batch_size_load_and_save_back_identically(tmp_path: Path) -> None:
    text = xor_file("batch_size = 3", 'name = "sgd"\nmomentum = 0.9\nnesterov = true')
    net = loads_network(text, "net.toml")
    assert net.batch_size == 3 and net.optimizer.summary() == "sgd (ρ = 0.9, nesterov)"
    assert net.t == 0 and net.state["b"].tolist() == [0.0] * 9
    for name in ("again.toml", "again.json"):
        save_network(net, tmp_path / name)
        again = load_network(tmp_path / name)
        assert again.same_as(net) and again.optimizer == net.optimizer
    saved = (tmp_path / "again.toml").read_text(encoding="utf-8")
    assert "batch_size = 3\n" in saved and '[optimizer]\nname = "sgd"\nmomentum = 0.9\n' in saved
    assert json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))["optimizer"] == {
        "name": "sgd",
        "momentum": 0.9,
        "nesterov": True,
        "weight_decay": 0.0,
    }


def test_a_file_without_optimizer_saves_without_one(tmp_path: Path) -> None:
    """The defaults (plain SGD, every sample) write nothing: files save as they always did."""
    net = loads_network(xor_file(), "net.toml")
    assert net.optimizer.is_default and net.batch_size is None
    assert "optimizer" not in dumps_toml(net) and "batch_size" not in dumps_toml(net)
    assert "optimizer" not in dumps_json(net) and "optimizer" not in net.to_dict()
    explicit = loads_network(xor_file("", 'name = "sgd"\nmomentum = 0'), "net.toml")
    assert explicit.same_as(net) and "optimizer" not in dumps_toml(explicit)


def test_the_run_state_is_not_saved(tmp_path: Path) -> None:
    from nntui.engine.training import train

    net = loads_network(xor_file("", 'name = "adam"'), "net.toml")
    trained = train(net, 5).network
    assert trained.t == 5
    save_network(trained, tmp_path / "trained.toml")
    again = load_network(tmp_path / "trained.toml")
    assert again.t == 0 and again.flat().tobytes() == trained.flat().tobytes()
    assert not again.state.same_as(trained.state)


def test_batch_size_counts_the_training_samples_of_a_data_table(tmp_path: Path) -> None:
    head = (
        'loss = "bce"\nlearning_rate = 0.5\nbatch_size = {size}\n'
        '[[layers]]\nactivation = "sigmoid"\nweights = [[0.1, 0.2]]\nbiases = [0.0]\n'
        '[data]\ngenerator = "xor"\nn = 10\ntest_fraction = 0.2\n'
    )
    assert loads_network(head.format(size=8), "net.toml").batch_size == 8
    with pytest.raises(NetworkFileError, match=r"batch_size: must be at most .* \(8 training"):
        loads_network(head.format(size=9), "net.toml")
