"""Run until (issue 14): each condition stops the session at the step where it first holds,
exactly where as many presses of space would be, ← walks back step by step, and a condition
never met stops at a limit with a message instead of hanging."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from nntui.breakpoints import (
    STEP_LIMIT,
    LargeGradient,
    LossGoesUp,
    NotFinite,
    ParameterTouched,
    ReluSwitchesOff,
    ZeroGradient,
    parse_condition,
    run_until,
)
from nntui.engine.network import Layer, Network
from nntui.engine.presets import PRESETS
from nntui.engine.spec import ParamRef
from nntui.session import Session

WORKED = "worked-example"


def session_of(name: str) -> Session:
    return Session(PRESETS[name].build())


def pressed(name: str, presses: int) -> Session:
    """A fresh session after `presses` presses of space."""
    session = session_of(name)
    for _ in range(presses):
        session.next()
    return session


def diverging() -> Network:
    """One linear neuron with a learning rate so large every step multiplies the error."""
    return Network((Layer("linear", [[2.0]], [0.0]),), [[3.0]], [[1.0]], "half_sse", 1e6)


def test_the_worked_examples_relu_h1_switches_off_at_its_activation() -> None:
    session = session_of(WORKED)
    stop = run_until(session, ReluSwitchesOff())
    assert stop.found and stop.condition == ReluSwitchesOff()
    assert session.step is not None and session.step.symbol == "h1"
    assert session.cursor == 3 and stop.steps == 4
    assert session.step.value == 0 and session.trace.forward.pre[0][0, 1] <= 0
    assert "step 4 of 42, iteration 1" in stop.message
    assert "a ReLU switches off" in stop.message


def test_running_again_finds_the_next_hit_in_the_check_phase() -> None:
    session = session_of(WORKED)
    run_until(session, ReluSwitchesOff())
    stop = run_until(session, ReluSwitchesOff())
    assert session.step is not None and session.step.symbol == "h1*"
    assert session.step.phase == "check" and stop.steps == 35


def test_a_relu_that_is_on_never_stops_the_run() -> None:
    session = session_of(WORKED)
    run_until(session, ReluSwitchesOff())
    # h0 = relu(0.29) = 0.29 was passed on the way without stopping.
    assert session.trace.steps[1].symbol == "h0" and session.trace.steps[1].value > 0


def test_a_zero_gradient_first_appears_behind_the_dead_relu() -> None:
    session = session_of(WORKED)
    stop = run_until(session, ZeroGradient())
    step = session.step
    assert stop.found and step is not None
    assert step.symbol == "∂E/∂w101" and step.value == 0  # its input h1 is 0
    stop = run_until(session, ZeroGradient())
    assert session.step is not None and session.step.symbol == "∂E/∂w010"  # through h1's relu′
    assert session.step.value == 0


def test_a_chosen_parameter_is_touched_by_its_gradient_then_its_update() -> None:
    ref = ParamRef(0, "weight", 1, 2)  # w012
    session = session_of(WORKED)
    run_until(session, ParameterTouched(ref))
    assert session.step is not None and session.step.symbol == "∂E/∂w012"
    run_until(session, ParameterTouched(ref))
    assert session.step is not None and session.step.symbol == "w012*"
    assert "w012 is touched" in ParameterTouched(ref).describe()


def test_a_row_step_touches_each_parameter_of_its_row() -> None:
    ref = ParamRef(0, "weight", 0, 1)
    session = Session(PRESETS[WORKED].build(), granularity="neuron")
    run_until(session, ParameterTouched(ref))
    step = session.step
    assert step is not None and step.param is not None
    assert step.param != ref and step.param.covers(ref)


def test_a_large_gradient_is_larger_than_the_size_and_the_ones_before_are_not() -> None:
    size = 0.1
    session = session_of(WORKED)
    run_until(session, LargeGradient(size))
    step = session.step
    assert step is not None and abs(step.value) > size
    assert step.symbol == "∂E/∂o"
    passed = session.trace.steps[: session.cursor]
    assert all(not (s.kind in ("grad", "grad_post") and abs(s.value) > size) for s in passed)


@pytest.mark.parametrize("size", [-1.0, float("nan"), float("inf")])
def test_a_gradient_size_must_be_a_finite_non_negative_number(size: float) -> None:
    with pytest.raises(ValueError, match="gradient size"):
        LargeGradient(size)


def test_the_loss_goes_up_across_iterations_with_a_large_learning_rate() -> None:
    network = dataclasses.replace(PRESETS["xor"].build(), learning_rate=50.0)
    session = Session(network)
    stop = run_until(session, LossGoesUp())
    assert stop.found and session.complete
    assert session.trace.loss_after > session.trace.loss
    assert session.loss_history[-1] > session.loss_history[-2]


def test_the_loss_that_goes_up_is_the_first_rise_of_the_loss_history() -> None:
    network = dataclasses.replace(PRESETS["xor"].build(), learning_rate=50.0)
    session = Session(network)
    run_until(session, LossGoesUp())  # the first rise
    stop = run_until(session, LossGoesUp())  # the next one
    assert stop.found
    history = session.loss_history
    rises = [later > earlier for earlier, later in itertools.pairwise(history)]
    assert rises[-1] and rises.count(True) == 2


def test_a_loss_that_only_goes_down_stops_at_the_limit() -> None:
    session = session_of(WORKED)
    stop = run_until(session, LossGoesUp(), limit=42 * 30)
    assert stop.ending == "limit" and "the loss goes up" in stop.message
    history = session.loss_history
    assert len(history) >= 30
    assert all(later < earlier for earlier, later in itertools.pairwise(history))


def test_a_value_that_stops_being_finite_stops_the_run_before_the_session_blocks() -> None:
    session = Session(diverging())
    stop = run_until(session, NotFinite())
    assert stop.found and session.step is not None
    assert session.trace.problem is not None
    # Running on from a diverged iteration stops at once, with the session's own reason.
    session.finish()
    stop = run_until(session, NotFinite())
    assert stop.ending == "blocked" and stop.steps == 0
    assert session.blocked is not None and session.blocked in stop.message


def test_a_condition_never_met_stops_at_the_limit_with_a_message() -> None:
    session = session_of(WORKED)
    stop = run_until(session, NotFinite(), limit=500)
    assert stop.ending == "limit" and not stop.found and stop.steps == 500
    assert "limit of 500 steps" in stop.message
    assert "a value stops being finite" in stop.message
    assert session.iteration > 1  # it went on across iterations
    assert STEP_LIMIT >= 100_000


def test_a_run_stops_at_its_time_budget() -> None:
    session = session_of(WORKED)
    stop = run_until(session, NotFinite(), budget=0.0)
    assert stop.ending == "time" and stop.steps == 1
    assert "seconds" in stop.message


def test_the_first_of_several_conditions_stops_the_run() -> None:
    session = session_of(WORKED)
    stop = run_until(session, (ZeroGradient(), ReluSwitchesOff()))
    assert stop.condition == ReluSwitchesOff() and session.cursor == 3


def test_a_limit_below_one_step_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        run_until(session_of(WORKED), NotFinite(), limit=0)


@pytest.mark.parametrize(
    "condition",
    [
        ReluSwitchesOff(),
        ZeroGradient(),
        LargeGradient(0.1),
        ParameterTouched(ParamRef(1, "bias", 0)),
    ],
)
def test_the_state_after_a_run_is_the_state_of_as_many_presses(condition) -> None:
    session = session_of(WORKED)
    first = run_until(session, condition)
    second = run_until(session, condition)
    assert first.found and second.found
    by_hand = pressed(WORKED, first.steps + second.steps)
    network_slot = 6  # `state()` names the network by its id, different in another session
    assert _without(session.state(), network_slot) == _without(by_hand.state(), network_slot)
    assert np.array_equal(session.network.flat(), by_hand.network.flat())
    assert session.step is not None and by_hand.step is not None
    assert session.step.text() == by_hand.step.text()


def _without(state: tuple, slot: int) -> tuple:
    return state[:slot] + state[slot + 1 :]


def test_back_walks_a_run_back_step_by_step_across_iterations() -> None:
    touched = ParameterTouched(ParamRef(1, "weight", 0, 1))  # w101
    session = session_of(WORKED)
    taken = sum(run_until(session, touched).steps for _ in range(3))
    assert session.iteration == 2 and session.step is not None
    assert session.step.symbol == "∂E/∂w101"  # gradient, update, then the next gradient
    by_hand = session_of(WORKED)
    states = []
    for _ in range(taken):
        states.append(by_hand.state()[:2])
        by_hand.next()
    for expected in reversed(states):
        session.back()
        assert session.state()[:2] == expected
    assert session.iteration == 1 and session.cursor == -1 and not session.can_back


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("relu", ReluSwitchesOff()),
        (" Loss ", LossGoesUp()),
        ("zero", ZeroGradient()),
        ("nan", NotFinite()),
        ("grad > 2.5", LargeGradient(2.5)),
        ("w101", ParameterTouched(ParamRef(1, "weight", 0, 1))),
        ("b01", ParameterTouched(ParamRef(0, "bias", 1))),
    ],
)
def test_a_condition_is_typed_in_words(text: str, expected: object) -> None:
    assert parse_condition(text, PRESETS[WORKED].build()) == expected


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("w999", "not a condition: 'w999'"),
        ("", "not a condition"),
        ("grad > big", "not 'big'"),
        ("grad > -1", "not '-1'"),
        ("grad > nan", "not 'nan'"),
    ],
)
def test_a_condition_not_understood_is_refused_in_one_line(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint) as raised:
        parse_condition(text, PRESETS[WORKED].build())
    assert "\n" not in str(raised.value)
