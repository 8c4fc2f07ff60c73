"""Mouse: clicking a box of the graph or a ledger row tells its values so far."""

from __future__ import annotations

import asyncio

from nntui.app.app import NntuiApp
from nntui.app.graph import GraphView
from nntui.app.keybar import KeyBar
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
