"""Mouse: clicking a box of the graph or a ledger row tells its values so far."""

from __future__ import annotations

import asyncio

from nntui.app.app import NntuiApp
from nntui.app.graph import GraphView
from nntui.engine.presets import worked_example


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
