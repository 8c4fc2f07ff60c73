"""The app's decision-boundary pane for every network, and live training: during `t` the
boundary, the loss history, the ledger and the graph follow the training run.

Pilot tests of `NntuiApp` (see also tests/test_app.py and tests/test_boundary.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import numpy as np
from driving import notes, run_app
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from nntui.app.app import NntuiApp
from nntui.app.boundary import BoundaryView
from nntui.app.ledger import Ledger
from nntui.app.loss_history import LossHistory
from nntui.app.predictions import Predictions
from nntui.app.screens import TrainProgress
from nntui.engine.network import Network
from nntui.engine.presets import PRESETS, worked_example

Body = Callable[[NntuiApp, Pilot], Awaitable[None]]


def drive(body: Body, network: Network, size: tuple[int, int] = (120, 36)) -> NntuiApp:
    """Run the app headless at `size` on `network`, hand it and its pilot to `body`."""
    return run_app(NntuiApp(network), body, size=size)


def shown(widget: Widget) -> bool:
    """True when the widget takes up cells on screen."""
    return widget.region.area > 0


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


# -- live training -------------------------------------------------------------------------------
def pane_lines(view: Widget) -> list[tuple[tuple[str, object], ...]]:
    """What a pane draws, cell text with its style, line by line."""
    return [
        tuple((segment.text, segment.style) for segment in view.render_line(y))
        for y in range(view.size.height)
    ]


async def start_training(app: NntuiApp, pilot: Pilot, steps: int) -> None:
    """`t`, `steps`, enter: a run that is still going on when this returns (unless short)."""
    await pilot.press("t")
    app.screen.query_one(Input).value = str(steps)  # typing is tested in tests/test_app.py
    await pilot.press("enter")
    if steps > 100_000:
        assert isinstance(app.screen, TrainProgress) and app.training


async def frames(app: NntuiApp, pilot: Pilot, count: int) -> None:
    """Wait until `count` more live frames are drawn (at most ~20 s)."""
    wanted = app.live_frames + count
    for _ in range(2000):
        if app.live_frames >= wanted:
            break
        await pilot.pause(0.01)
    assert app.live_frames >= wanted, "the live view drew no frame"
    await pilot.pause()


def drawn_outputs(view: BoundaryView) -> np.ndarray:
    """A copy of the outputs behind the plane the pane drew last."""
    assert view.boundary is not None
    return view.boundary.outputs.copy()


def test_the_boundary_and_the_loss_history_change_during_a_live_training_run() -> None:
    big = 5_000_000

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("b")
        await pilot.pause()
        boundary = app.query_one(BoundaryView)
        before = pane_lines(boundary)
        ledger_before = pane_lines(app.query_one(Ledger))
        await start_training(app, pilot, big)
        await frames(app, pilot, 2)
        first = pane_lines(boundary)
        first_numbers = drawn_outputs(boundary)
        history_first = app.known.loss_history
        await frames(app, pilot, 3)
        pane_lines(boundary)  # draws the latest frame, if the pane took it
        later_numbers = drawn_outputs(boundary)
        history_later = app.known.loss_history
        assert app.training  # all this while the run goes on
        assert first != before  # the plane follows the run ...
        # ... frame by frame: its numbers (its colours may settle once the run converges)
        assert not np.array_equal(later_numbers, first_numbers)
        assert pane_lines(app.query_one(Ledger)) != ledger_before  # so do the values
        assert len(history_first) >= 2 and len(history_later) > len(history_first)
        assert app.known.iteration == len(history_later)  # the title counts along
        assert app.known.test_history[-1] is not None  # the test loss of the run so far
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training
        session = app.session
        done = session.iteration - 1
        assert len(history_later) - 1 <= done < big  # esc keeps what is done
        assert app.known is session.view()  # the session's answer again
        assert pane_lines(boundary) != before

    drive(body, PRESETS["circles"].build())


def test_the_loss_history_pane_draws_live() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        pane = app.query_one(LossHistory)
        before = pane_lines(pane)
        await start_training(app, pilot, 5_000_000)
        await frames(app, pilot, 3)
        assert pane_lines(pane) != before
        await pilot.press("escape")
        await app.workers.wait_for_complete()

    drive(body, PRESETS["circles"].build())


def test_a_short_run_ends_with_the_sessions_answer() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await start_training(app, pilot, 50)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.iteration == 51
        assert app.known is app.session.view()
        assert app.known.test_history == app.session.test_loss_history

    drive(body, PRESETS["circles"].build())


# -- the hand-over between the training run and the screen ---------------------------------------
def test_the_training_process_gives_trains_result_bit_for_bit() -> None:
    import threading

    import numpy as np

    from nntui.app.app import LiveFeed, _train_in_child
    from nntui.engine.training import TrainResult, train

    network = PRESETS["circles"].build()
    feed = LiveFeed(0.0)  # a snapshot at every chance
    result = _train_in_child(network, 400, feed, threading.Event())
    here = train(network, 400)
    assert isinstance(result, TrainResult) and result.steps_done == 400
    assert np.array_equal(result.loss_history, here.loss_history)
    assert result.network.same_as(here.network)
    assert feed.snapshot is not None
    done, snapshot_network, history = feed.snapshot
    assert 0 < done <= 400 and len(history) == done + 1  # the loss before step 1, then each
    # The engine's losses (train puts `forward`'s at both ends of its result, equal to rounding).
    assert history[1:done] == tuple(float(v) for v in here.loss_history[1:done])
    assert abs(history[0] - here.loss_history[0]) < 1e-12
    assert snapshot_network.n_params == network.n_params


def test_esc_stops_the_training_process() -> None:
    import threading

    from nntui.app.app import LiveFeed, _train_in_child
    from nntui.engine.training import TrainResult

    cancel = threading.Event()
    cancel.set()
    result = _train_in_child(PRESETS["circles"].build(), 10_000_000, LiveFeed(0.05), cancel)
    assert isinstance(result, TrainResult) and result.cancelled
    assert 0 < result.steps_done < 10_000_000


def test_the_feed_builds_a_snapshot_only_when_one_is_due() -> None:
    from nntui.app.app import LiveFeed

    built: list[int] = []
    network = PRESETS["circles"].build()

    def make() -> Network:
        built.append(1)
        return network

    feed = LiveFeed(60.0)
    for done in range(1, 100):
        feed.offer(done, make, [0.5] * (done + 1))
    assert len(built) == 1 and feed.done == 99
    assert feed.snapshot is not None and feed.snapshot[0] == 1
