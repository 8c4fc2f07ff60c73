"""Editing a network (issue 11): every edit gives a new network and leaves the old one as it was,
keeps every number it does not change bit for bit, refuses what would make an invalid network in
one line; the seeded initialisations; new networks, and their files loading back identical."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from strategies import finite_floats, networks
from test_engine import assert_close_gradient, finite_differences

from nntui.engine.compute import backward, forward
from nntui.engine.edit import (
    MAX_NEURONS,
    EditError,
    activation_choices,
    add_layer,
    add_neuron,
    loss_choices,
    number_from_text,
    output_choices,
    remove_layer,
    remove_neuron,
    set_activation,
    set_input,
    set_learning_rate,
    set_loss,
    set_output,
    set_parameter,
    set_target,
    set_target_row,
)
from nntui.engine.init import (
    INITIALISATIONS,
    SIGNIFICANT_DIGITS,
    default_initialisation,
    initial_layers,
    initial_values,
    initial_weights,
    initialisation,
)
from nntui.engine.loader import load_network, loads_network, parse_network, save_network
from nntui.engine.network import Network, ParamRef
from nntui.engine.new import default_sample, new_network, parse_shape
from nntui.engine.presets import resolve_network, worked_example
from nntui.engine.schema import ACTIVATIONS, LOSSES
from nntui.engine.training import train

PROPERTY = settings(max_examples=60, deadline=None)


def snapshot(net: Network) -> dict[str, object]:
    """Every number and setting of `net`, copied: to check later that an edit left it alone."""
    return {
        "dict": net.to_dict(),
        "flat": net.flat().copy(),
        "inputs": net.inputs.copy(),
        "targets": net.targets.copy(),
    }


def assert_untouched(net: Network, before: dict[str, object]) -> None:
    assert net.to_dict() == before["dict"]
    assert np.array_equal(net.flat(), before["flat"])  # type: ignore[arg-type]
    assert np.array_equal(net.inputs, before["inputs"])  # type: ignore[arg-type]
    assert np.array_equal(net.targets, before["targets"])  # type: ignore[arg-type]


def same_settings(new: Network, old: Network) -> bool:
    return (new.loss, new.learning_rate, new.reduction, new.update_biases, new.name) == (
        old.loss,
        old.learning_rate,
        old.reduction,
        old.update_biases,
        old.name,
    )


def one_line_refusal(call: object, *text: str) -> str:
    """Run `call`, which must raise EditError (a ValueError) of one line holding each `text`."""
    with pytest.raises(ValueError) as caught:
        call()  # type: ignore[operator]
    message = str(caught.value)
    assert "\n" not in message and message, message
    for part in text:
        assert part in message, message
    return message


# -- initialisations ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(INITIALISATIONS))
def test_initialisation_statistics(name: str) -> None:
    """Mean 0 and the documented spread, over a big layer (200,000 weights: the sample standard
    deviation is within 1% of the true one with overwhelming probability)."""
    rows, fan_in = 400, 500
    weights = initial_weights(name, rows, fan_in, 1)
    spread = {
        "he": math.sqrt(2 / fan_in),
        "xavier": math.sqrt(6 / (fan_in + rows)) / math.sqrt(3),
        "uniform": 1 / math.sqrt(fan_in) / math.sqrt(3),
    }[name]
    assert spread == pytest.approx(initialisation(name).spread(rows, fan_in))
    assert weights.shape == (rows, fan_in)
    assert abs(float(weights.mean())) < 0.01 * spread
    assert float(weights.std()) == pytest.approx(spread, rel=0.01)
    if name == "he":  # normal: about 68.3% within one standard deviation, 95.4% within two
        assert float(np.mean(np.abs(weights) < spread)) == pytest.approx(0.6827, abs=0.005)
        assert float(np.mean(np.abs(weights) < 2 * spread)) == pytest.approx(0.9545, abs=0.003)
    else:  # uniform: every weight inside the bound, and the bound reached (within rounding)
        bound = spread * math.sqrt(3)
        assert float(np.max(np.abs(weights))) <= bound * (1 + 10.0 ** (1 - SIGNIFICANT_DIGITS))
        assert float(np.max(np.abs(weights))) > 0.999 * bound
        # flat: each tenth of the interval holds about a tenth of the weights
        counts, _ = np.histogram(weights, bins=10, range=(-bound, bound))
        assert np.all(np.abs(counts / weights.size - 0.1) < 0.005), counts


@pytest.mark.parametrize("name", sorted(INITIALISATIONS))
def test_initialisations_are_deterministic_per_seed_and_shape(name: str) -> None:
    first = initial_weights(name, 3, 4, 7)
    assert np.array_equal(first, initial_weights(name, 3, 4, 7))
    assert np.array_equal(first, initial_weights(name, 3, 4, np.random.default_rng(7)))
    assert not np.array_equal(first, initial_weights(name, 3, 4, 8))
    assert not first.flags.writeable or first.dtype == np.float64


def test_initial_layers_are_the_documented_numpy_recipe() -> None:
    """One generator, default_rng(seed), layer by layer; rounded to 4 significant digits."""
    shape = (3, 5, 4, 2)
    rng = np.random.default_rng(11)
    expected = [rng.normal(0, (2 / m) ** 0.5, size=(n, m)) for m, n in itertools.pairwise(shape)]
    layers = initial_layers("he", shape, 11)
    for (weights, biases), drawn in zip(layers, expected, strict=True):
        assert np.array_equal(biases, np.zeros(len(drawn)))
        assert weights.tolist() == [[float(f"{w:.3e}") for w in row] for row in drawn.tolist()]
    rng = np.random.default_rng(2)
    bound = math.sqrt(6 / (3 + 5))
    xavier = initial_layers("xavier", shape, 2)[0][0]
    assert np.allclose(xavier, rng.uniform(-bound, bound, size=(5, 3)), rtol=1e-3, atol=0)


def test_drawn_weights_are_short_decimals() -> None:
    weights = initial_weights("he", 50, 50, 3)
    for value in weights.ravel().tolist():
        assert float(f"{value:.{SIGNIFICANT_DIGITS}g}") == value
        assert len(repr(abs(value)).replace("0.", "").lstrip("0").split("e")[0]) <= 6


def test_default_initialisation() -> None:
    assert default_initialisation(["relu", "sigmoid"]) == "he"
    assert default_initialisation(["relu", "leaky_relu", "softmax"]) == "he"
    assert default_initialisation(["relu", "tanh", "sigmoid"]) == "xavier"
    assert default_initialisation(["tanh", "linear"]) == "xavier"
    assert default_initialisation(["sigmoid"]) == "xavier"
    assert default_initialisation(["relu"]) == "he"


def test_unknown_initialisation_and_empty_layers_are_refused() -> None:
    one_line_refusal(lambda: initial_weights("lecun", 2, 2, 0), "unknown initialisation 'lecun'")
    one_line_refusal(lambda: initial_weights("he", 0, 2, 0), "at least one neuron")
    rng = np.random.default_rng(0)
    one_line_refusal(lambda: initial_values("he", rng, 3, rows=2, fan_in=0), "at least one")


# -- numbers -------------------------------------------------------------------------------------


@PROPERTY
@given(networks(), st.data())
def test_set_parameter_changes_that_number_only(net: Network, data: st.DataObject) -> None:
    refs = list(net.params())
    index = data.draw(st.integers(0, len(refs) - 1))
    value = data.draw(finite_floats(1e6))
    before = snapshot(net)
    edited = set_parameter(net, refs[index], value)
    assert_untouched(net, before)
    expected = net.flat().copy()
    expected[index] = value
    assert np.array_equal(edited.flat(), expected)
    assert edited.value_of(refs[index]) == value
    assert same_settings(edited, net)
    assert np.array_equal(edited.inputs, net.inputs) and np.array_equal(edited.targets, net.targets)


@PROPERTY
@given(networks(), st.data())
def test_set_input_and_target_change_that_number_only(net: Network, data: st.DataObject) -> None:
    sample = data.draw(st.integers(0, net.n_samples - 1))
    column = data.draw(st.integers(0, net.shape[0] - 1))
    value = data.draw(finite_floats(100.0))
    before = snapshot(net)
    edited = set_input(net, sample, column, value)
    assert_untouched(net, before)
    expected = net.inputs.copy()
    expected[sample, column] = value
    assert np.array_equal(edited.inputs, expected)
    assert np.array_equal(edited.flat(), net.flat())
    # A target the loss accepts (a row that is itself a valid target, one entry changed)
    row = data.draw(st.sampled_from(net.targets.tolist()))
    edited = set_target_row(net, sample, row)
    assert edited.targets[sample].tolist() == row
    assert np.array_equal(np.delete(edited.targets, sample, 0), np.delete(net.targets, sample, 0))
    if net.loss != "cross_entropy":
        output = data.draw(st.integers(0, net.shape[-1] - 1))
        target = data.draw(st.floats(0.0, 1.0))
        edited = set_target(net, sample, output, target)
        assert edited.targets[sample, output] == target
        assert_untouched(net, before)


def test_edited_numbers_reach_a_network_file_exactly(tmp_path: object) -> None:
    net = worked_example()
    net = set_parameter(net, ParamRef(1, "weight", 0, 1), 0.1 + 0.2)
    net = set_input(net, 0, 2, -1e-300)
    net = set_target(net, 0, 0, 1 / 3)
    net = set_learning_rate(net, 1.0)
    again = loads_network(dumps(net), "edited.toml")
    assert again.same_as(net)


def dumps(net: Network) -> str:
    from nntui.engine.loader import dumps_toml

    return dumps_toml(net)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (math.inf, "w100: must be a finite number, got inf"),
        (-math.inf, "must be a finite number"),
        (math.nan, "must be a finite number, got nan"),
        (True, "expected a number"),
        ("0.5", "expected a number, got str"),
        (None, "expected a number"),
        (10**400, "too big for a 64-bit float"),
    ],
)
def test_set_parameter_refuses_what_is_not_a_finite_number(value: object, text: str) -> None:
    net = worked_example()
    before = snapshot(net)
    one_line_refusal(lambda: set_parameter(net, ParamRef(1, "weight", 0, 0), value), text)  # type: ignore[arg-type]
    assert_untouched(net, before)


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        (ParamRef(2, "weight", 0, 0), "no such parameter: the network has 2 layers"),
        (ParamRef(1, "weight", 1, 0), "layer 1 has 1 neuron"),
        (ParamRef(1, "weight", 0, 2), "w102: no such parameter: layer 1 has 2 inputs"),
        (ParamRef(0, "bias", 2), "b02: no such parameter"),
        (ParamRef(1, "weight", 0, None), "names a row or a layer"),
        (ParamRef(1, "bias", None), "names a row or a layer"),
    ],
)
def test_set_parameter_refuses_a_parameter_the_network_lacks(ref: ParamRef, text: str) -> None:
    one_line_refusal(lambda: set_parameter(worked_example(), ref, 1.0), text)


def test_sample_edits_refuse_what_breaks_a_rule() -> None:
    net = worked_example()
    one_line_refusal(lambda: set_input(net, 1, 0, 1.0), "samples[1].x[0]: no such sample")
    one_line_refusal(lambda: set_input(net, 0, 3, 1.0), "samples[0].x[3]: no such input")
    one_line_refusal(lambda: set_input(net, 0, 0, math.nan), "must be a finite number")
    one_line_refusal(lambda: set_target(net, 0, 1, 0.0), "samples[0].y[1]: no such target")
    one_line_refusal(lambda: set_target_row(net, 0, [0.0, 1.0]), "has 2 numbers")
    bce = set_loss(net, "bce")
    one_line_refusal(
        lambda: set_target(bce, 0, 0, 1.5), "samples[0].y[0]: must be between 0 and 1 for bce"
    )
    assert set_target(bce, 0, 0, 1.0).targets[0, 0] == 1.0
    classes = resolve_network("softmax-3class")
    message = one_line_refusal(
        lambda: set_target(classes, 0, 1, 1.0), "samples[0].y: must sum to 1 for cross_entropy"
    )
    assert "set the whole target at once" in message
    one_line_refusal(lambda: set_target_row(classes, 0, [0.5, 0.6, -0.1]), "must be >= 0")
    assert set_target_row(classes, 0, [0.0, 0.0, 1.0]).targets[0].tolist() == [0.0, 0.0, 1.0]


def test_samples_made_by_a_data_table_are_not_edited_one_by_one() -> None:
    circles = resolve_network("circles")
    for edit in (
        lambda: set_input(circles, 0, 0, 1.0),
        lambda: set_target(circles, 0, 0, 1.0),
        lambda: set_target_row(circles, 0, [1.0]),
    ):
        one_line_refusal(edit, "[data] table", "circles: 200 samples")
    assert set_learning_rate(circles, 0.25).data == circles.data


def test_learning_rate_edits() -> None:
    net = worked_example()
    assert set_learning_rate(net, 0).learning_rate == 0.0
    assert set_learning_rate(net, 2.5).learning_rate == 2.5
    assert net.learning_rate == 0.1
    one_line_refusal(lambda: set_learning_rate(net, -0.1), "learning_rate: must be >= 0, got -0.1")
    one_line_refusal(lambda: set_learning_rate(net, math.inf), "learning_rate: must be a finite")


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.5", 0.5), (" -1e-3 ", -0.001), ("\u22120.25", -0.25), ("7", 7.0), ("1_000", 1000.0)],
)
def test_number_from_text_reads_what_a_user_types(text: str, value: float) -> None:
    assert number_from_text(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "type a number"),
        ("   ", "type a number"),
        ("abc", "not a number: 'abc'"),
        ("1,5", "not a number"),
        ("nan", "must be a finite number, got 'nan'"),
        ("-inf", "must be a finite number"),
        ("Infinity", "must be a finite number"),
        ("1e999", "1e999 is too big for a 64-bit float"),
        ("9" * 500, "…"),
    ],
)
def test_number_from_text_says_why_not(text: str, message: str) -> None:
    found = one_line_refusal(lambda: number_from_text(text), message)
    assert len(found) < 100


# -- activations and the loss ----------------------------------------------------------------------


def file_accepts(net: Network) -> bool:
    """The loader's own rules: the network's file loads."""
    parse_network(net.to_dict(), "edited.toml")
    return True


def test_the_worked_examples_choices() -> None:
    net = worked_example()
    every_but_softmax = tuple(name for name in ACTIVATIONS if name != "softmax")
    assert activation_choices(net, 0) == every_but_softmax
    assert activation_choices(net, 1) == every_but_softmax  # half_sse: any output but softmax
    assert loss_choices(net) == ("half_sse", "sse", "mse", "bce")  # a sigmoid, targets in [0, 1]
    assert ("softmax", "cross_entropy") not in output_choices(net)  # one output
    bce = set_loss(net, "bce")
    assert activation_choices(bce, 1) == ("sigmoid",)
    assert activation_choices(bce, 0) == every_but_softmax


def test_from_sigmoid_and_bce_to_softmax_and_cross_entropy_takes_both_at_once() -> None:
    net = new_network((2, 3, 2), ["relu", "sigmoid"], "bce")
    net = set_target_row(net, 0, [1.0, 0.0])  # a one-hot target: a distribution too
    one_line_refusal(lambda: set_loss(net, "cross_entropy"), "cross_entropy needs a softmax")
    one_line_refusal(
        lambda: set_activation(net, 1, "softmax"), "bce needs a sigmoid output layer, not softmax"
    )
    assert ("softmax", "cross_entropy") in output_choices(net)
    changed = set_output(net, "softmax", "cross_entropy")
    assert (changed.layers[-1].activation, changed.loss) == ("softmax", "cross_entropy")
    assert np.array_equal(changed.flat(), net.flat())
    assert net.loss == "bce" and net.layers[-1].activation == "sigmoid"
    assert file_accepts(changed)


def test_a_loss_whose_targets_do_not_fit_is_not_offered() -> None:
    net = set_target(worked_example(), 0, 0, 2.0)
    assert "bce" not in loss_choices(net)
    one_line_refusal(
        lambda: set_loss(net, "bce"),
        "loss: the targets do not fit bce: samples[0].y[0] must be between 0 and 1",
    )


@pytest.mark.parametrize(
    ("edit", "text"),
    [
        (lambda net: set_activation(net, 0, "softmax"), "softmax is for the output layer only"),
        (lambda net: set_activation(net, 1, "softmax"), "goes with cross_entropy only"),
        (lambda net: set_activation(net, 0, "sigmod"), "did you mean 'sigmoid'?"),
        (lambda net: set_activation(net, 2, "relu"), "layers[2].activation: no such layer"),
        (lambda net: set_loss(net, "crossentropy"), "did you mean 'cross_entropy'?"),
        (lambda net: set_loss(net, "cross_entropy"), "cross_entropy needs a softmax output"),
        (lambda net: set_output(net, "softmax", "cross_entropy"), "at least 2 output neurons"),
        (lambda net: set_output(net, "relu", "bce"), "bce needs a sigmoid output layer, not relu"),
    ],
)
def test_invalid_activations_and_losses_are_refused(edit: object, text: str) -> None:
    net = worked_example()
    before = snapshot(net)
    one_line_refusal(lambda: edit(net), text)  # type: ignore[operator]
    assert_untouched(net, before)


def test_identity_is_linear() -> None:
    assert set_activation(worked_example(), 0, "identity").layers[0].activation == "linear"


@PROPERTY
@given(networks(), st.data())
def test_choices_are_exactly_what_the_setters_accept(net: Network, data: st.DataObject) -> None:
    """Every choice offered is accepted and makes a network the loader accepts; everything
    else is refused, and the network given is never changed."""
    before = snapshot(net)
    layer = data.draw(st.integers(0, len(net.layers) - 1))
    offered = activation_choices(net, layer)
    for name in ACTIVATIONS:
        if name in offered:
            changed = set_activation(net, layer, name)
            assert changed.layers[layer].activation == name
            assert file_accepts(changed)
        else:
            with pytest.raises(EditError):
                set_activation(net, layer, name)
    for loss in LOSSES:
        if loss in loss_choices(net):
            assert file_accepts(set_loss(net, loss))
        else:
            with pytest.raises(EditError):
                set_loss(net, loss)
    pairs = output_choices(net)
    assert set(pairs) >= {(net.layers[-1].activation, loss) for loss in loss_choices(net)}
    activation, loss = data.draw(st.sampled_from([(a, b) for a in ACTIVATIONS for b in LOSSES]))
    if (activation, loss) in pairs:
        assert file_accepts(set_output(net, activation, loss))
    else:
        with pytest.raises(EditError):
            set_output(net, activation, loss)
    assert_untouched(net, before)


# -- architecture ----------------------------------------------------------------------------------

hidden_networks = networks(min_layers=2, max_layers=4, max_width=4)


def assert_layers_identical(new: Network, old: Network, pairs: list[tuple[int, int]]) -> None:
    """Layers `new[i]` and `old[j]` for each (i, j): the same activation and numbers."""
    for mine, theirs in pairs:
        assert new.layers[mine].activation == old.layers[theirs].activation
        assert np.array_equal(new.layers[mine].weights, old.layers[theirs].weights)
        assert np.array_equal(new.layers[mine].biases, old.layers[theirs].biases)


def assert_rest_kept(new: Network, old: Network) -> None:
    assert same_settings(new, old)
    assert np.array_equal(new.inputs, old.inputs) and np.array_equal(new.targets, old.targets)


@PROPERTY
@given(hidden_networks, st.data(), st.sampled_from(sorted(INITIALISATIONS)))
def test_add_neuron_keeps_every_number(net: Network, data: st.DataObject, init: str) -> None:
    layer = data.draw(st.integers(0, len(net.layers) - 2))
    position = data.draw(st.integers(0, net.layers[layer].size))
    seed = data.draw(st.integers(0, 2**32))
    before = snapshot(net)
    grown = add_neuron(net, layer, position, init, seed)
    assert_untouched(net, before)
    assert grown.shape[layer + 1] == net.shape[layer + 1] + 1
    old, new = net.layers[layer], grown.layers[layer]
    assert np.array_equal(np.delete(new.weights, position, 0), old.weights)
    assert np.array_equal(np.delete(new.biases, position), old.biases)
    assert new.biases[position] == 0.0 and new.activation == old.activation
    after_old, after_new = net.layers[layer + 1], grown.layers[layer + 1]
    assert np.array_equal(np.delete(after_new.weights, position, 1), after_old.weights)
    assert np.array_equal(after_new.biases, after_old.biases)
    others = [(i, i) for i in range(len(net.layers)) if i not in (layer, layer + 1)]
    assert_layers_identical(grown, net, others)
    assert_rest_kept(grown, net)
    assert np.all(np.isfinite(grown.flat()))
    assert np.array_equal(grown.flat(), add_neuron(net, layer, position, init, seed).flat())


@PROPERTY
@given(hidden_networks, st.data())
def test_remove_neuron_keeps_every_other_number(net: Network, data: st.DataObject) -> None:
    layers = [index for index in range(len(net.layers) - 1) if net.layers[index].size > 1]
    if not layers:
        return
    layer = data.draw(st.sampled_from(layers))
    neuron = data.draw(st.integers(0, net.layers[layer].size - 1))
    before = snapshot(net)
    shrunk = remove_neuron(net, layer, neuron)
    assert_untouched(net, before)
    old = net.layers[layer]
    assert np.array_equal(shrunk.layers[layer].weights, np.delete(old.weights, neuron, 0))
    assert np.array_equal(shrunk.layers[layer].biases, np.delete(old.biases, neuron))
    after = net.layers[layer + 1]
    assert np.array_equal(shrunk.layers[layer + 1].weights, np.delete(after.weights, neuron, 1))
    assert np.array_equal(shrunk.layers[layer + 1].biases, after.biases)
    others = [(i, i) for i in range(len(net.layers)) if i not in (layer, layer + 1)]
    assert_layers_identical(shrunk, net, others)
    assert_rest_kept(shrunk, net)


@PROPERTY
@given(networks(max_layers=3), st.data(), st.sampled_from(sorted(INITIALISATIONS)))
def test_add_layer_keeps_every_other_layer(net: Network, data: st.DataObject, init: str) -> None:
    index = data.draw(st.integers(0, len(net.layers) - 1))
    size = data.draw(st.integers(1, 5))
    activation = data.draw(st.sampled_from([a for a in ACTIVATIONS if a != "softmax"]))
    before = snapshot(net)
    grown = add_layer(net, index, size, activation, init, seed=data.draw(st.integers(0, 99)))
    assert_untouched(net, before)
    assert grown.shape == (*net.shape[: index + 1], size, *net.shape[index + 1 :])
    new = grown.layers[index]
    assert new.activation == activation and np.array_equal(new.biases, np.zeros(size))
    fed, was = grown.layers[index + 1], net.layers[index]
    assert fed.activation == was.activation and np.array_equal(fed.biases, was.biases)
    if size == was.fan_in:  # the shape fits: the weights are kept
        assert np.array_equal(fed.weights, was.weights)
    assert fed.weights.shape == (was.size, size)
    pairs = [(i, i) for i in range(index)] + [(i + 1, i) for i in range(index + 1, len(net.layers))]
    assert_layers_identical(grown, net, pairs)
    assert_rest_kept(grown, net)


@PROPERTY
@given(hidden_networks, st.data())
def test_remove_layer_keeps_every_other_layer(net: Network, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(net.layers) - 2))
    before = snapshot(net)
    shrunk = remove_layer(net, index, "xavier", 5)
    assert_untouched(net, before)
    removed = net.layers[index]
    assert shrunk.shape == (*net.shape[: index + 1], *net.shape[index + 2 :])
    fed, was = shrunk.layers[index], net.layers[index + 1]
    assert np.array_equal(fed.biases, was.biases) and fed.activation == was.activation
    assert fed.weights.shape == (was.size, removed.fan_in)
    if removed.size == removed.fan_in:
        assert np.array_equal(fed.weights, was.weights)
    pairs = [(i, i) for i in range(index)] + [(i - 1, i) for i in range(index + 2, len(net.layers))]
    assert_layers_identical(shrunk, net, pairs)
    assert_rest_kept(shrunk, net)


def test_adding_then_removing_a_neuron_gives_the_network_back() -> None:
    net = resolve_network("xor")
    assert remove_neuron(add_neuron(net, 0, 1, "he", 3), 0, 1).same_as(net)
    assert remove_layer(add_layer(net, 1, 2, "tanh", "he", 3), 1).same_as(net)


def test_new_neurons_are_never_twins() -> None:
    """Two neurons added at one place with the same seed draw different weights (seeded by the
    network too); removing a neuron and adding one again does not copy a neuron either."""
    net = worked_example()
    once = add_neuron(net, 0, 0, "he", 0)
    twice = add_neuron(once, 0, 0, "he", 0)
    assert not np.array_equal(twice.layers[0].weights[0], twice.layers[0].weights[1])
    assert not np.array_equal(twice.layers[1].weights[:, 0], twice.layers[1].weights[:, 1])
    again = add_neuron(remove_neuron(twice, 0, 1), 0, 2, "he", 0)
    rows = again.layers[0].weights.tolist()
    assert len({tuple(row) for row in rows}) == len(rows)
    # the same edit of the same network is the same
    assert np.array_equal(once.flat(), add_neuron(net, 0, 0, "he", 0).flat())
    assert not np.array_equal(once.flat(), add_neuron(net, 0, 0, "he", 1).flat())


def test_new_weights_follow_the_initialisation_scale() -> None:
    """A neuron added to a 2-200-1 layer reads 2 inputs; the 200 weights of a new layer of a
    784-input network have He's spread √(2/784)."""
    net = new_network((784, 3, 10))
    grown = add_layer(net, 0, 200, "relu", "he", 0)
    weights = grown.layers[0].weights
    assert weights.shape == (200, 784)
    assert float(weights.std()) == pytest.approx(math.sqrt(2 / 784), rel=0.02)
    fed = grown.layers[1].weights  # 3 neurons now reading 200: drawn afresh, He for fan-in 200
    assert fed.shape == (3, 200)
    assert float(fed.std()) == pytest.approx(math.sqrt(2 / 200), rel=0.15)


@pytest.mark.parametrize(
    ("edit", "text"),
    [
        (lambda net: add_neuron(net, 1, 0), "cannot add a neuron to the output layer"),
        (lambda net: remove_neuron(net, 1, 0), "cannot remove a neuron from the output layer"),
        (lambda net: remove_layer(net, 1), "layers[1]: cannot remove the output layer"),
        (lambda net: add_neuron(net, 0, 3), "a new neuron goes at 0 to 2, not at 3"),
        (lambda net: add_neuron(net, 0, -1), "a new neuron goes at 0 to 2"),
        (lambda net: add_neuron(net, 5, 0), "no such hidden layer (hidden layers: 0 to 0)"),
        (lambda net: add_neuron(net, 0, 0, "lecun"), "init: unknown initialisation 'lecun'"),
        (lambda net: add_neuron(net, 0, 0, "he", -1), "seed: must be a whole number >= 0"),
        (lambda net: remove_neuron(net, 0, 2), "no neuron 2: layer 0 has 2 neurons"),
        (
            lambda net: remove_neuron(remove_neuron(net, 0, 0), 0, 0),
            "is down to one neuron; remove the layer instead",
        ),
        (lambda net: add_layer(net, 2, 3, "relu"), "a new hidden layer goes at 0 to 1"),
        (lambda net: add_layer(net, 0, 0, "relu"), "a layer needs at least one neuron, got 0"),
        (lambda net: add_layer(net, 0, 3, "softmax"), "softmax is for the output layer only"),
        (lambda net: add_layer(net, 0, 3, "sigmod"), "did you mean 'sigmoid'?"),
        (lambda net: add_layer(net, 0, MAX_NEURONS + 1, "relu"), "too big: at most 4,096"),
        (lambda net: add_neuron(remove_layer(net, 0), 0, 0), "has no hidden layer; add a layer"),
        (lambda net: remove_layer(remove_layer(net, 0), 0), "has no hidden layer"),
    ],
)
def test_architecture_edits_refuse_an_invalid_network(edit: object, text: str) -> None:
    net = worked_example()
    before = snapshot(net)
    one_line_refusal(lambda: edit(net), text)  # type: ignore[operator]
    assert_untouched(net, before)


def test_too_many_parameters_is_refused() -> None:
    net = new_network((4096, 1, 4096), ["relu", "softmax"])  # 12,289 parameters
    # a layer of 300 between: 4097 + 300·2 + 4096·301 = 1,237,593 parameters
    one_line_refusal(
        lambda: add_layer(net, 1, 300, "relu"), "1,237,593 parameters; at most 1,000,000"
    )


def test_value_edits_keep_the_training_run_and_architecture_edits_start_it_over() -> None:
    table = {**worked_example().to_dict(), "optimizer": {"name": "adam"}}
    run = train(parse_network(table, "adam.toml"), 3).network
    assert run.t == 3 and np.any(run.state["m"] != 0)
    for edited in (
        set_parameter(run, ParamRef(0, "weight", 0, 0), 1.0),
        set_input(run, 0, 0, 0.5),
        set_learning_rate(run, 0.01),
        set_activation(run, 0, "tanh"),
        set_loss(run, "mse"),
    ):
        assert edited.t == 3 and edited.state.same_as(run.state)
    for edited in (
        add_neuron(run, 0, 1),
        remove_neuron(run, 0, 1),
        remove_neuron(add_neuron(run, 0, 0), 0, 2),  # the same number of parameters
        add_layer(run, 1, 2, "relu"),
        remove_layer(run, 0),
    ):
        assert edited.t == 0 and edited.optimizer == run.optimizer
        assert all(not np.any(edited.state[name]) for name in edited.state.names)


# -- every number follows an architecture edit ---------------------------------------------------


@st.composite
def edited_networks(draw: st.DrawFn) -> Network:
    """A random network after one to three random architecture edits."""
    net = draw(networks(min_layers=1, max_layers=3, max_width=3, max_samples=3))
    for _ in range(draw(st.integers(1, 3))):
        hidden = range(len(net.layers) - 1)
        kinds = ["add_layer"] + (["add_neuron", "remove_layer"] if hidden else [])
        if any(net.layers[layer].size > 1 for layer in hidden):
            kinds.append("remove_neuron")
        kind = draw(st.sampled_from(kinds))
        init = draw(st.sampled_from(sorted(INITIALISATIONS)))
        seed = draw(st.integers(0, 1000))
        if kind == "add_layer":
            index = draw(st.integers(0, len(net.layers) - 1))
            activation = draw(st.sampled_from([a for a in ACTIVATIONS if a != "softmax"]))
            net = add_layer(net, index, draw(st.integers(1, 3)), activation, init, seed)
        elif kind == "add_neuron":
            layer = draw(st.sampled_from(hidden))
            position = draw(st.integers(0, net.layers[layer].size))
            net = add_neuron(net, layer, position, init, seed)
        elif kind == "remove_layer":
            net = remove_layer(net, draw(st.sampled_from(hidden)), init, seed)
        else:
            layer = draw(st.sampled_from([i for i in hidden if net.layers[i].size > 1]))
            net = remove_neuron(net, layer, draw(st.integers(0, net.layers[layer].size - 1)))
        note(f"{kind}: shape {net.shape}")
    return net


@settings(max_examples=80, deadline=None)
@given(edited_networks())
def test_gradients_after_architecture_edits_match_finite_differences(net: Network) -> None:
    assert file_accepts(net)
    bwd = backward(net, forward(net))
    batch = net.layout.flatten(bwd.weights, bwd.biases)
    names = [ref.name for ref in net.params()]
    for index, _, fd_batch, scale in finite_differences(net):
        assert_close_gradient(fd_batch, float(batch[index]), scale, f"∂E/∂{names[index]}")


# -- new networks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "kwargs", "activations", "loss", "init"),
    [
        ((2, 3, 1), {}, ("relu", "sigmoid"), "bce", "he"),
        ((2, 4, 3), {}, ("relu", "softmax"), "cross_entropy", "he"),
        ((3, 1), {}, ("sigmoid",), "bce", "xavier"),
        ((2, 5, 5, 1), {"loss": "mse"}, ("relu", "relu", "linear"), "mse", "he"),
        ((2, 3, 1), {"activations": ["tanh", "tanh"]}, ("tanh", "tanh"), "half_sse", "xavier"),
        ((2, 3, 1), {"activations": ["tanh", "sigmoid"]}, ("tanh", "sigmoid"), "bce", "xavier"),
        ((2, 3, 2), {"loss": "bce"}, ("relu", "sigmoid"), "bce", "he"),
        ((2, 3, 1), {"init": "uniform"}, ("relu", "sigmoid"), "bce", "uniform"),
    ],
)
def test_new_network_defaults(
    shape: tuple[int, ...],
    kwargs: dict[str, object],
    activations: tuple[str, ...],
    loss: str,
    init: str,
) -> None:
    net = new_network(shape, **kwargs)  # type: ignore[arg-type]
    assert net.shape == shape
    assert tuple(layer.activation for layer in net.layers) == activations
    assert (net.loss, net.learning_rate, net.reduction, net.update_biases) == (
        loss,
        0.1,
        "mean",
        True,
    )
    for layer, (weights, biases) in zip(net.layers, initial_layers(init, shape, 0), strict=True):
        assert np.array_equal(layer.weights, weights) and np.array_equal(layer.biases, biases)
    x, y = default_sample(shape, loss)
    assert net.inputs.tolist() == [x] and net.targets.tolist() == [y]
    assert f"{init} weights, seed 0" in net.name


def test_the_default_sample() -> None:
    x, y = default_sample((6, 2), "half_sse")
    assert x == [0.25, -0.5, 0.75, -1.0, 0.25, -0.5] and y == [0.5, 0.5]
    assert default_sample((1, 3), "cross_entropy")[1] == [1.0, 0.0, 0.0]
    assert default_sample((1, 2), "bce")[1] == [1.0, 1.0]
    # every weight of layer 0 gets a gradient: no input is 0
    net = new_network((4, 3, 1), ["tanh", "sigmoid"])
    assert np.all(backward(net, forward(net)).weights[0] != 0)


def test_new_network_with_data() -> None:
    net = new_network((2, 6, 1), data="circles", seed=4)
    assert net.data is not None and net.data.settings.to_table() == {
        "generator": "circles",
        "n": 200,
        "noise": 0.1,
        "seed": 4,
        "test_fraction": 0.2,
    }
    assert (net.n_samples, net.n_test_samples) == (160, 40)
    spiral = new_network((2, 8, 3), data="spiral")
    assert spiral.loss == "cross_entropy" and np.all(spiral.targets.sum(axis=1) == 1.0)


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"shape": (2, 0, 1)}, "shape", "every layer needs at least one neuron"),
        ({"shape": (2,)}, "shape", "needs the inputs and at least one layer"),
        ({"shape": (2, 5000, 1)}, "shape", "at most 4,096 neurons a column"),
        ({"shape": (2,) * 34}, "shape", "at most 32 layers"),
        ({"activations": ["relu"]}, "activations", "2-3-1 has 2 layers, so 2 activations"),
        ({"activations": ["relu"] * 3}, "activations", "got 3"),
        ({"activations": ["sigmod", "relu"]}, "activations[0]", "did you mean 'sigmoid'?"),
        ({"activations": ["softmax", "sigmoid"]}, "activations[0]", "for the output layer only"),
        ({"activations": ["relu", "softmax"]}, "activations", "at least 2 output neurons"),
        ({"loss": "cross_entropy"}, "loss", "at least 2 output neurons"),
        ({"loss": "hinge"}, "loss", "unknown loss 'hinge'"),
        ({"activations": ["relu", "relu"], "loss": "bce"}, "loss", "bce needs a sigmoid"),
        ({"init": "lecun"}, "init", "unknown initialisation"),
        ({"seed": -1}, "seed", "must be a whole number"),
        ({"seed": 2**64}, "seed", "must be a whole number"),
        ({"data": "circls"}, "data", "did you mean 'circles'?"),
        ({"shape": (3, 3, 1), "data": "xor"}, "data", "needs 2 inputs, not 3"),
        ({"shape": (2, 3, 3), "data": "moons"}, "data", "moons makes 2 classes"),
    ],
)
def test_new_network_refusals(kwargs: dict[str, object], field: str, text: str) -> None:
    arguments: dict[str, object] = {"shape": (2, 3, 1), **kwargs}
    with pytest.raises(EditError) as caught:
        new_network(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert text in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2", "needs the inputs and at least one layer"),
        ("2-0-1", "every layer needs at least one neuron, but layer 0 has 0"),
        ("0-3-1", "a network needs at least one input, got 0"),
        ("a-b", "expected whole numbers joined by '-'"),
        ("2-3-1-", "expected whole numbers"),
        ("2--1", "expected whole numbers"),
        ("2 3 1", "expected whole numbers"),
        ("2-٣-1", "expected whole numbers"),
        ("2-+3-1", "expected whole numbers"),
        ("2-99999-1", "column 1 has 99,999"),
        ("2-" + "9" * 5000 + "-1", "column 1 has 999999999999…"),
    ],
)
def test_parse_shape_refusals(text: str, message: str) -> None:
    found = one_line_refusal(lambda: parse_shape(text), message)
    assert found.startswith("shape: ") and len(found) < 200


def test_parse_shape() -> None:
    assert parse_shape(" 784-32-10 ") == (784, 32, 10)
    assert parse_shape("1-1") == (1, 1)
    assert parse_shape("02-3-1") == (2, 3, 1)


@settings(max_examples=30, deadline=None)
@given(
    shape=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    init=st.sampled_from(sorted(INITIALISATIONS)),
    seed=st.integers(0, 2**64 - 1),
    fmt=st.sampled_from(["toml", "json"]),
)
def test_a_new_network_written_loads_back_identical(
    shape: list[int], init: str, seed: int, fmt: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    net = new_network(tuple(shape), init=init, seed=seed)
    path = tmp_path_factory.mktemp("new") / f"net.{fmt}"
    save_network(net, path)
    again = load_network(path)
    assert again.to_dict() == net.to_dict() and again.same_as(net)


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_an_edited_and_trained_network_written_loads_back_identical(
    fmt: str, tmp_path: object
) -> None:
    net = add_layer(add_neuron(resolve_network("circles"), 0, 3), 1, 4, "tanh", "xavier", 1)
    trained = train(set_output(net, "sigmoid", "mse"), 30).network
    path = f"{tmp_path}/trained.{fmt}"
    save_network(trained, path)
    again = load_network(path)
    assert again.to_dict() == trained.to_dict() and again.same_as(trained)
    assert again.shape == (2, 9, 4, 8, 1) and again.n_test_samples == 40


def test_an_edit_does_not_share_writable_memory_with_the_old_network() -> None:
    net = worked_example()
    edited = set_parameter(net, ParamRef(0, "weight", 0, 0), 5.0)
    for layer in edited.layers:
        assert not layer.weights.flags.writeable and not layer.biases.flags.writeable
    assert not edited.inputs.flags.writeable
    assert net.layers[0].weights[0, 0] == 0.2
    assert edited.layers[1] is net.layers[1]  # an unchanged layer is shared, read-only
