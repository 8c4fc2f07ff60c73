"""Mouse: clicking a box of the graph, a weight's label or a ledger row tells its values so
far — the views post what was picked, the app says it."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

from nntui.app.app import NntuiApp
from nntui.app.graph import GraphView
from nntui.app.keybar import KeyBar
from nntui.app.ledger import Ledger
from nntui.app.messages import NodeSelected, ParameterSelected
from nntui.engine.presets import worked_example
from nntui.engine.spec import ParamRef


def test_clicking_a_node_and_a_ledger_row_shows_their_details() -> None:
    async def run() -> list[str]:
        app = NntuiApp(worked_example())
        async with app.run_test(size=(120, 36)) as pilot:
            app.session.cursor = 15  # ∂h1/∂h_pre1: h1's values are all on screen
            app.refresh_views()
            await pilot.pause()
            drawing = app.query_one(GraphView)._drawing
            assert drawing is not None
            h1 = drawing.boxes[1][1]
            await pilot.click(GraphView, offset=(h1.x + 2, h1.y + 1))
            await pilot.click("#ledger", offset=(3, 2))  # the second row: w101
            await pilot.pause()
            return [n.message for n in app._notifications]

    messages = asyncio.run(run())
    node = next(m for m in messages if m.startswith("h1"))
    assert "pre −0.340" in node and "act 0.000" in node and "∂E −0.144" in node
    assert "inactive ReLU" in node
    row = next(m for m in messages if m.startswith("w101"))
    assert row == "w101 = −1.100 · ∂E/∂w101 = 0.000"


def test_clicking_a_key_in_the_footer_does_what_the_key_does() -> None:
    """The footer reads `space next ] phase▸ ⏎ finish …`: a click on a key or its word acts."""

    async def run() -> tuple[int, int, int]:
        app = NntuiApp(worked_example())
        async with app.run_test(size=(120, 36)) as pilot:
            keys = app.query_one(KeyBar)
            await pilot.click(KeyBar, offset=(7, 0))  # "next"
            await pilot.pause()
            after_next = app.session.cursor
            spans = {key.action: (start, end) for start, end, key in keys._spans}
            await pilot.click(KeyBar, offset=(spans["next"][1], 0))  # the blank after "next"
            await pilot.pause()
            after_gap = app.session.cursor
            await pilot.click(KeyBar, offset=(spans["finish"][0], 0))
            await pilot.pause()
            return after_next, after_gap, app.session.cursor

    after_next, after_gap, after_finish = asyncio.run(run())
    assert (after_next, after_gap) == (0, 0)
    assert after_finish == 41  # the last step of the iteration's 42


class RecordingApp(NntuiApp):
    """The app, keeping every selection message it is told of. (Textual calls the handler of
    every class in the MRO: NntuiApp's still acts on each message, once.)"""

    CSS_PATH = Path(inspect.getfile(NntuiApp)).with_name("nntui.tcss")  # not beside this file

    def __init__(self) -> None:
        super().__init__(worked_example())
        self.picked: list[ParameterSelected | NodeSelected] = []

    def on_parameter_selected(self, message: ParameterSelected) -> None:
        self.picked.append(message)

    def on_node_selected(self, message: NodeSelected) -> None:
        self.picked.append(message)


def test_clicks_post_what_was_picked_and_the_views_notify_nothing_themselves() -> None:
    """A ledger row and a weight's label post `ParameterSelected` with the parameter, a box
    `NodeSelected` with the node; the toasts are the app's doing (a click on blank space
    picks nothing)."""

    async def run() -> tuple[RecordingApp, list[tuple[str, str]]]:
        app = RecordingApp()
        async with app.run_test(size=(120, 36)) as pilot:
            drawing = app.query_one(GraphView)._drawing
            assert drawing is not None
            await pilot.click("#ledger", offset=(3, 2))  # the second row: w101
            h1 = drawing.boxes[1][1]
            await pilot.click(GraphView, offset=(h1.x + 2, h1.y + 1))
            x, y, _, weight = drawing.weight_labels[0]
            await pilot.click(GraphView, offset=(x, y))
            await pilot.click(GraphView, offset=(0, drawing.height - 1))  # blank
            await pilot.pause()
            label_weight.append(weight)
            return app, [(n.title, n.message) for n in app._notifications]

    label_weight: list[ParamRef] = []
    app, toasts = asyncio.run(run())
    assert [type(m) for m in app.picked] == [ParameterSelected, NodeSelected, ParameterSelected]
    row, node, label = app.picked
    assert isinstance(row, ParameterSelected) and row.param == ParamRef(1, "weight", 0, 1)
    assert isinstance(row.control, Ledger) and row.summary.startswith("w101 = −1.100")
    assert isinstance(node, NodeSelected) and node.node == (1, 1)
    assert isinstance(node.control, GraphView) and node.summary.startswith("h1: layer 0")
    assert isinstance(label, ParameterSelected) and label.param == label_weight[0]
    assert label.param.kind == "weight" and label.param.input is not None
    # Each click selects what it picked (`e` edits it): the toast says so in its title.
    assert toasts == [
        ("parameter selected · e edits it", row.summary),
        ("node selected · e edits it", node.summary),
        ("parameter selected · e edits it", label.summary),
    ]
    assert app.selected == label.param
