"""The classroom keys: `u` runs until a ReLU switches off, `c` shows the gradient check."""

from __future__ import annotations

import asyncio

from nntui.app.app import NntuiApp
from nntui.app.gradcheck_view import GradientCheckView
from nntui.engine.presets import worked_example


def test_run_until_stops_where_h1_switches_off_and_back_returns_step_by_step() -> None:
    async def main() -> None:
        app = NntuiApp(worked_example(), source="worked-example")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("u")
            await pilot.pause()
            session = app.session
            assert session.cursor == 3  # h1 = relu(−0.34) = 0, the document's dead neuron
            step = session.trace.steps[session.cursor]
            assert step.kind == "post" and step.value == 0.0
            notes = [n.message for n in app._notifications]
            assert any("ReLU switches off" in note for note in notes)
            await pilot.press("left")
            assert session.cursor == 2

    asyncio.run(main())


def test_the_gradient_check_pane_shows_in_the_loss_history_place() -> None:
    async def main() -> None:
        app = NntuiApp(worked_example(), source="worked-example")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            view = app.query_one(GradientCheckView)
            assert not view.display
            await pilot.press("c")
            await pilot.pause()
            assert view.display and app.main_screen.has_class("gradcheck")
            await pilot.press("c")
            await pilot.pause()
            assert not view.display

    asyncio.run(main())
