"""The app's decision-boundary pane for every network, and live training: during `t` the
boundary, the loss history, the ledger and the graph follow the training run.

Pilot tests of `NntuiApp` (see also tests/test_app.py and tests/test_boundary.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widget import Widget

from nntui.app.app import NntuiApp
from nntui.app.boundary import BoundaryView
from nntui.app.predictions import Predictions
from nntui.engine.network import Network
from nntui.engine.presets import PRESETS, worked_example

Body = Callable[[NntuiApp, Pilot], Awaitable[None]]


def drive(body: Body, network: Network, size: tuple[int, int] = (120, 36)) -> NntuiApp:
    """Run the app headless at `size` on `network`, hand it and its pilot to `body`."""
    app = NntuiApp(network)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await body(app, pilot)

    asyncio.run(main())
    return app


def shown(widget: Widget) -> bool:
    """True when the widget takes up cells on screen."""
    return widget.region.area > 0


def notes(app: NntuiApp) -> list[str]:
    return [str(note.message) for note in app._notifications]


# -- the pane for networks with and without an input plane ------------------------------------
def test_b_shows_the_boundary_of_a_2_input_network() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("b")
        await pilot.pause()
        assert shown(app.query_one(BoundaryView))
        assert not shown(app.query_one(Predictions))
        await pilot.press("b")
        await pilot.pause()
        assert not shown(app.query_one(BoundaryView))

    drive(body, PRESETS["circles"].build())


def test_b_shows_the_predictions_of_a_network_without_2_inputs() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("b")
        await pilot.pause()
        assert shown(app.query_one(Predictions))
        assert not shown(app.query_one(BoundaryView))
        assert any("needs 2 inputs" in note and "predictions" in note for note in notes(app))
        await pilot.press("b")  # back to the loss history
        await pilot.pause()
        assert not shown(app.query_one(Predictions))

    drive(body, PRESETS["iris"].build())


def test_the_boundary_asked_for_follows_the_network_opened() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("b")
        await pilot.pause()
        assert shown(app.query_one(BoundaryView))
        app.open_network(worked_example(), "worked-example")  # one input: no plane
        await pilot.pause()
        assert shown(app.query_one(Predictions)) and not shown(app.query_one(BoundaryView))
        await pilot.press("left")  # back to circles: its boundary again
        await pilot.pause()
        assert shown(app.query_one(BoundaryView)) and not shown(app.query_one(Predictions))

    drive(body, PRESETS["circles"].build())
