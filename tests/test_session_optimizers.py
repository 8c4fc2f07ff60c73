"""The debugger's session with an optimizer and mini-batches (SPEC §6): the run's state rides on
the networks the history keeps, so `next` carries it on, `back` restores it, `reset` starts the
run again, training continues it, and an old iteration traced again shows the same numbers."""

from __future__ import annotations

import dataclasses

import numpy as np

from nntui.engine.network import Network
from nntui.engine.ops.optimizers import settings_from_table
from nntui.engine.presets import PRESETS
from nntui.engine.trace import build_trace
from nntui.engine.training import train
from nntui.session import KEEP_TRACES, Session


def adam_xor(batch_size: int | None = None) -> Network:
    return dataclasses.replace(
        PRESETS["xor"].build(),
        optimizer=settings_from_table({"name": "adam"}),
        learning_rate=0.1,
        batch_size=batch_size,
    )


def next_iteration(session: Session) -> None:
    session.finish()
    session.next()


def test_next_carries_the_state_and_back_restores_it() -> None:
    session = Session(adam_xor())
    start = session.network
    assert start.t == 0 and session.trace.t == 1
    next_iteration(session)
    first = session.network
    assert first.t == 1 and session.trace.t == 2
    assert first.state.same_as(build_trace(start).network_after.state)
    assert not np.all(first.state["m"] == 0.0)
    next_iteration(session)
    assert session.network.t == 2
    session.back()  # back to iteration 2 as it was left: its network, with the state after t = 1
    assert session.network is first and session.trace.t == 2
    assert session.trace.network_after.t == 2


def test_reset_starts_the_run_again() -> None:
    session = Session(adam_xor())
    for _ in range(3):
        next_iteration(session)
    assert session.network.t == 3
    session.reset()
    assert session.network.t == 0 and session.trace.t == 1
    assert all(np.all(session.network.state[name] == 0.0) for name in ("m", "v"))


def test_training_continues_the_sessions_run() -> None:
    session = Session(adam_xor())
    next_iteration(session)
    next_iteration(session)
    start = session.training_start
    result = train(start, 5)
    session.apply_training(result.network, result.loss_history, result.steps_done)
    assert session.network.t == 2 + 5
    stepped = adam_xor()
    for _ in range(7):
        stepped = build_trace(stepped, "layer").network_after
    np.testing.assert_allclose(session.network.flat(), stepped.flat(), rtol=1e-12)
    np.testing.assert_allclose(session.network.state["v"], stepped.state["v"], rtol=1e-12)


def test_an_old_iteration_traced_again_shows_the_same_numbers() -> None:
    session = Session(adam_xor())
    traces = []
    for _ in range(KEEP_TRACES + 3):
        traces.append(session.trace)
        next_iteration(session)
    while session._past:  # all the way back, past the snapshots that dropped their trace
        session.back()
    again = session.trace
    assert again is not traces[0]  # that snapshot had dropped its trace: traced again
    assert [step.text(6) for step in again.steps] == [step.text(6) for step in traces[0].steps]


def test_mini_batches_take_turns_iteration_by_iteration() -> None:
    session = Session(adam_xor(batch_size=3))
    seen = []
    for _ in range(4):
        seen.append((session.trace.step_batch.describe(), session.trace.samples))
        next_iteration(session)
    assert seen == [
        ("batch 1 of 2 (samples 0–2)", (0, 1, 2)),
        ("batch 2 of 2 (sample 3)", (3,)),
        ("batch 1 of 2 (samples 0–2)", (0, 1, 2)),
        ("batch 2 of 2 (sample 3)", (3,)),
    ]
    assert session.network.t == 4
