"""Numbers that go wrong: a diverging network stops cleanly, never with a traceback."""

from __future__ import annotations

import asyncio
import warnings

import numpy as np
import pytest

from nntui.app.app import NntuiApp
from nntui.app.step_panel import StepPanel
from nntui.engine.network import Layer, Network
from nntui.engine.trace import build_trace
from nntui.session import Session


def diverging() -> Network:
    """One linear neuron with a learning rate so large every step multiplies the error."""
    return Network((Layer("linear", [[2.0]], [0.0]),), [[3.0]], [[1.0]], "half_sse", 1e6)


def test_a_healthy_trace_has_no_problem() -> None:
    net = Network((Layer("linear", [[2.0]], [0.0]),), [[3.0]], [[1.0]], "half_sse", 0.01)
    assert build_trace(net).problem is None


def test_stepping_stops_at_the_first_non_finite_iteration_without_warnings() -> None:
    session = Session(diverging())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2000):
            session.next()
    # It stopped, at the end of an iteration whose step is not finite, and stays there.
    assert session.complete
    blocked = session.blocked
    assert blocked is not None
    assert f"iteration {session.iteration}" in blocked
    assert "w000" in blocked
    assert f"kept the parameters of iteration {session.iteration - 1}" in blocked
    # The network it kept is the last finite one.
    for layer in session.network.layers:
        assert np.all(np.isfinite(layer.weights)) and np.all(np.isfinite(layer.biases))
    assert np.isfinite(session.trace.loss)
    state = session.state()
    session.next()
    assert session.state() == state  # a blocked `next` changes nothing
    session.back()
    assert session.cursor == len(session.steps) - 2


def test_the_app_shows_the_message_instead_of_crashing() -> None:
    async def run() -> None:
        app = NntuiApp(diverging())
        async with app.run_test(size=(120, 36)) as pilot:
            session = app.session
            while session.can_next:
                session.next()
            app.refresh_views()
            await pilot.press("space")  # blocked: a notification, no exception
            await pilot.pause()
            panel = app.query_one(StepPanel)
            assert "training diverged at iteration" in str(panel.render())
            messages = [notification.message for notification in app._notifications]
            assert any("training diverged" in message for message in messages)
            assert app.return_code is None

    asyncio.run(run())


@pytest.mark.parametrize("rate", [1e3, 1e8, 1e300])
def test_training_the_app_way_keeps_the_last_finite_state(rate: float) -> None:
    from nntui.engine.training import train

    net = Network((Layer("linear", [[2.0]], [0.0]),), [[3.0]], [[1.0]], "half_sse", rate)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = train(net, 10_000)
    assert result.diverged and result.message is not None
    assert "iteration" in result.message and "w000" in result.message
    session = Session(net)
    session.apply_training(result.network, result.loss_history, result.steps_done, result.message)
    assert session.message == result.message
    assert all(np.isfinite(session.loss_history))


def test_export_refuses_a_step_that_overflows(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """Weights of 1e308 pass the loader (they are finite) but the loss overflows: export says
    so in one line and exits 1, rather than writing inf or null into the document."""
    from nntui.cli import main

    path = tmp_path / "huge.toml"  # type: ignore[operator]
    path.write_text(
        'loss = "half_sse"\nlearning_rate = 0.1\n[[layers]]\nactivation = "linear"\n'
        "weights = [[1e308, 1e308]]\nbiases = [0.0]\n[[samples]]\nx = [3.0, 3.0]\ny = [1.0]\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status = main(["export", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"nntui: error: {path}: this training step overflows:")
    assert "not finite" in err
