"""Parameter names: one style per network, never cut, never alike (issue 8, item 2).

A network whose layer, neuron or input indices all stay below 10 keeps the worked example's
compact names (`w100`, `b10`); any other network separates every name's indices (`w1_0_0`
beside `w1_10_10`). The ledger's name column is as wide as the longest name.
"""

from __future__ import annotations

import asyncio
import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntui.app.app import NntuiApp
from nntui.app.ledger import Ledger
from nntui.engine.network import Layer, Network, ParamRef
from nntui.engine.presets import PRESETS
from nntui.engine.spec import NetworkSpec, separated_names
from nntui.engine.trace import GRANULARITIES, build_trace
from nntui.trace_index import LedgerRows

SEPARATED = re.compile(r"^(w\d+_\d+_\d+|b\d+_\d+)$")
COMPACT = re.compile(r"^(w\d{3}|b\d{2})$")


def net_1_11_11() -> Network:
    """1 input, 11 hidden neurons, 11 outputs: w1_10_10 and w1_10_1 both exist."""
    rng = np.random.default_rng(11)
    return Network(
        layers=(
            Layer("tanh", rng.normal(size=(11, 1)), rng.normal(size=11)),
            Layer("linear", rng.normal(size=(11, 11)), rng.normal(size=11)),
        ),
        inputs=[[0.5]],
        targets=[np.linspace(-1.0, 1.0, 11)],
        loss="half_sse",
        learning_rate=0.1,
        name="1-11-11",
    )


def shaped(shape: tuple[int, ...]) -> Network:
    layers = tuple(
        Layer("tanh", np.full((size, fan_in), 0.1), np.zeros(size))
        for fan_in, size in itertools.pairwise(shape)
    )
    return Network(layers, [[0.0] * shape[0]], [[0.0] * shape[-1]], "half_sse", 0.1)


def test_1_11_11_names_are_distinct_and_separated() -> None:
    net = net_1_11_11()
    names = [net.param_name(ref) for ref in net.params()]
    assert len(set(names)) == len(names) == net.n_params
    assert all(SEPARATED.match(name) for name in names), names
    assert "w1_10_10" in names and "w1_10_1" in names
    assert "w0_0_0" in names and "b1_0" in names  # not w000 beside w1_10_10
    # ParamRef.name alone cannot know its network: it would write w000 here
    assert ParamRef(0, "weight", 0, 0).name == "w000"


def test_the_worked_example_keeps_its_names() -> None:
    net = PRESETS["worked-example"].build()
    names = [net.param_name(ref) for ref in net.params()]
    assert names == [
        *("w000", "w001", "w002", "w010", "w011", "w012", "b00", "b01"),
        *("w100", "w101", "b10"),
    ]
    assert not net.separated_names


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_use_one_style(preset: str) -> None:
    net = PRESETS[preset].build()
    names = [net.param_name(ref) for ref in net.params()]
    style = SEPARATED if net.separated_names else COMPACT
    assert all(style.match(name) for name in names), preset
    assert len(set(names)) == len(names)
    first_bias = net.layers[0].size * net.layers[0].fan_in
    assert NetworkSpec.of(net).param_name(ParamRef(0, "bias", 0)) == names[first_bias]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 14), min_size=2, max_size=13))
def test_names_never_collide_and_share_a_style(shape: list[int]) -> None:
    net = shaped(tuple(shape))
    names = [net.param_name(ref) for ref in net.params()]
    assert len(set(names)) == len(names)
    biggest = max(len(net.layers) - 1, *(size - 1 for size in shape))
    assert net.separated_names == (biggest >= 10) == separated_names(net.layers)
    style = SEPARATED if net.separated_names else COMPACT
    assert all(style.match(name) for name in names)


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_trace_texts_use_the_networks_names(granularity: str) -> None:
    net = net_1_11_11()
    trace = build_trace(net, granularity)  # type: ignore[arg-type]
    names = {net.param_name(ref) for ref in net.params()}
    texts = " ".join(
        f"{s.symbol} {s.formula} {s.reason(3)} {s.text(3)} "
        + " ".join(t.symbol for t in s.operands)
        for s in trace.steps
    )
    written = set(re.findall(r"(?<![\w∂])([wb]\d[\d_]*)(?![\w\[])", texts))
    layers = {f"b{k}" for k in range(len(net.layers))}  # a layer's bias vector (b1)
    assert written & names, "no parameter named"
    assert written <= names | layers, sorted(written - names)
    if granularity == "parameter":
        for step in trace.steps:
            if step.param is not None and step.kind == "new":
                assert step.symbol == net.param_name(step.param) + "*"


def test_ledger_rows_know_the_longest_name() -> None:
    net = net_1_11_11()
    rows = LedgerRows(net)
    assert rows.name_width == len("w1_10_10")
    assert {rows.name_of(rows[k]) for k in range(len(rows))} == {
        net.param_name(ref) for ref in net.params()
    }
    mnist = PRESETS["mnist-784"].build()
    assert LedgerRows(mnist).name_width == len("w0_31_783")
    assert LedgerRows(NetworkSpec.of(mnist)).name_width == len("w0_31_783")
    assert LedgerRows(PRESETS["worked-example"].make()).name_width == 4  # type: ignore[arg-type]


def ledger_lines(net: Network, size: tuple[int, int] = (120, 36)) -> list[str]:
    """Every row of the ledger as drawn (scrolled through), after one iteration (enter)."""
    app = NntuiApp(net, source="test")

    async def main() -> list[str]:
        lines: dict[int, str] = {}
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            ledger = app.query_one(Ledger)
            rows = len(app.session.index.params)
            lines[-1] = ledger.render_line(0).text
            for top in range(0, rows, max(1, ledger.size.height - 1)):
                ledger.scroll_to(y=top, animate=False)
                await pilot.pause()
                first = ledger.scroll_offset.y
                for y in range(1, ledger.size.height):
                    if first + y - 1 < rows:
                        lines[first + y - 1] = ledger.render_line(y).text
        return [lines[k] for k in sorted(lines)]

    return asyncio.run(main())


def test_ledger_never_cuts_a_name() -> None:
    net = net_1_11_11()
    lines = ledger_lines(net)
    assert lines[0].startswith("param    ")  # the column is 8 wide: w1_10_10
    shown = [line.split()[0] for line in lines[1:]]
    expected = {net.param_name(ref) for ref in net.params()}
    assert len(shown) == len(expected) and set(shown) == expected
    row = next(line for line in lines if line.startswith("w1_10_10 "))
    assert row.split()[1] == f"{net.layers[1].weights[10, 10]:.3f}".replace("-", "−")
