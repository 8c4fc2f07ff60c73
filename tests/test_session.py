"""The debugger session: stepping, going back (across iterations, resets, training runs and
network switches), phases, the loss history, granularity switching and precision.

Plain pytest over the presets: the worked example (one sample, 42 steps), xor (four samples),
softmax-3class (six samples, softmax with cross-entropy) and deep-4-16-16-3 (layer
granularity by default).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import numpy as np
import pytest

from nntui.engine.network import Layer, Network, ParamRef
from nntui.engine.presets import PRESETS
from nntui.engine.trace import GRANULARITIES, Step, Trace
from nntui.engine.training import train
from nntui.session import MAX_PRECISION, MIN_PRECISION, Session

WORKED = "worked-example"
SMALL = (WORKED, "xor", "softmax-3class")
ALL = (*SMALL, "deep-4-16-16-3")
#: Worked example: 42 steps, and the first step of each phase.
WORKED_STEPS = 42
WORKED_PHASE_STARTS = {"forward": 0, "loss": 6, "backward": 7, "update": 24, "check": 35}


def build(name: str) -> Network:
    return PRESETS[name].build()


def forward(session: Session, count: int) -> list[tuple]:
    """`next` `count` times; the state before each press."""
    states = []
    for _ in range(count):
        states.append(session.state())
        session.next()
    return states


def go_to(session: Session, cursor: int) -> None:
    """Within the current iteration, step to `cursor` with `next`/`back`."""
    while session.cursor < cursor:
        session.next()
    while session.cursor > cursor:
        session.back()
    assert session.cursor == cursor


def run_starts(trace: Trace) -> list[int]:
    """The first index of every run of consecutive steps of one phase."""
    steps = trace.steps
    return [s.index for s in steps if s.index == 0 or steps[s.index - 1].phase != s.phase]


def train_into(session: Session, steps: int):
    result = train(session.training_start, steps)
    session.apply_training(result.network, result.loss_history, result.steps_done, result.message)
    return result


# -- the start --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_a_session_starts_ready(name: str) -> None:
    net = build(name)
    session = Session(net)
    assert session.cursor == -1
    assert session.iteration == 1
    assert session.step is None
    assert session.phase == "ready"
    assert session.shown_loss is None
    assert session.loss_history == ()
    assert session.message is None
    assert not session.complete
    assert not session.can_back
    assert session.network is net
    assert session.trace.network is net
    assert session.precision == 3
    expected = "layer" if name == "deep-4-16-16-3" else "parameter"
    assert session.granularity == expected
    assert session.trace.granularity == expected


def test_back_at_the_very_start_does_nothing() -> None:
    session = Session(build(WORKED))
    before = session.state()
    session.back()
    assert session.state() == before


# -- next and back ----------------------------------------------------------------------------


def test_next_walks_the_worked_example_in_trace_order() -> None:
    session = Session(build(WORKED))
    trace = session.trace
    assert len(trace.steps) == WORKED_STEPS
    assert dict(trace.phase_starts) == WORKED_PHASE_STARTS
    for i in range(WORKED_STEPS):
        session.next()
        assert session.cursor == i
        assert session.step is trace.steps[i]
        assert session.step.index == i
        assert session.phase == trace.steps[i].phase
        assert session.iteration == 1
        assert session.trace is trace
    assert session.step.symbol == "E*"
    assert session.complete

    session.next()
    assert session.iteration == 2
    assert session.cursor == -1
    assert session.step is None
    assert session.network is trace.network_after
    assert session.network.same_as(trace.network_after)
    assert session.trace.network is trace.network_after
    assert session.trace.loss == trace.loss_after


def test_the_worked_example_numbers() -> None:
    session = Session(build(WORKED))
    texts = [step.text() for step in session.trace.steps]
    assert texts[0] == "h_pre0 = 0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1) = 0.290"
    assert texts[6] == "E = ½·(0 − 0.526)² = 0.138"
    assert texts[9] == "∂E/∂w100 = 0.526 · 0.249 · 0.29 = 0.038"
    assert texts[24] == "w100* = 0.7 − 0.1·0.038 = 0.696"
    assert texts[41] == "E* = ½·(0 − 0.519)² = 0.135"


def test_back_from_the_next_iteration_returns_to_the_last_step() -> None:
    session = Session(build(WORKED))
    first = session.trace
    forward(session, WORKED_STEPS)
    at_last = session.state()
    session.next()
    assert (session.iteration, session.cursor) == (2, -1)
    assert session.can_back
    session.back()
    assert session.state() == at_last
    assert session.iteration == 1
    assert session.cursor == WORKED_STEPS - 1
    assert session.trace is first
    assert session.step is first.steps[-1]
    assert session.complete


@pytest.mark.parametrize("start", [0, 1, 17, WORKED_STEPS, WORKED_STEPS + 1, 60])
@pytest.mark.parametrize("count", [1, 5, 42, 43, 44, 100, 3 * (WORKED_STEPS + 1)])
def test_n_forward_then_n_back_restores_every_state(start: int, count: int) -> None:
    session = Session(build(WORKED))
    forward(session, start)
    states = forward(session, count)
    for expected in reversed(states):
        session.back()
        assert session.state() == expected


@pytest.mark.parametrize("name", ["xor", "softmax-3class", "deep-4-16-16-3"])
def test_n_forward_then_n_back_over_two_iterations(name: str) -> None:
    session = Session(build(name))
    first = session.trace
    count = 2 * (len(first.steps) + 1) + 3
    states = forward(session, count)
    assert session.iteration == 3
    for expected in reversed(states):
        session.back()
        assert session.state() == expected
    assert session.trace is first
    assert not session.can_back


# -- phases -----------------------------------------------------------------------------------


def test_worked_example_phase_runs() -> None:
    trace = Session(build(WORKED)).trace
    assert run_starts(trace) == [0, 6, 7, 24, 35]
    assert [trace.steps[i].phase for i in run_starts(trace)] == list(WORKED_PHASE_STARTS)


@pytest.mark.parametrize("name", ALL)
def test_next_phase_lands_on_the_next_phase_run(name: str) -> None:
    session = Session(build(name))
    trace = session.trace
    starts = run_starts(trace)
    last = len(trace.steps) - 1
    for cursor in range(-1, last + 1):
        go_to(session, cursor)
        session.next_phase()
        later = [s for s in starts if s > cursor]
        expected = later[0] if later else last
        assert session.cursor == expected, cursor
        assert session.iteration == 1
        if later:
            step = session.step
            assert step is not None
            assert step.index == 0 or trace.steps[step.index - 1].phase != step.phase
            # Nothing of another phase was passed over on the way.
            if cursor >= 0:
                passed = {s.phase for s in trace.steps[cursor + 1 : expected]}
                assert passed <= {trace.steps[cursor].phase}


@pytest.mark.parametrize("name", ALL)
def test_previous_phase_goes_to_the_start_of_this_phase_or_the_one_before(name: str) -> None:
    session = Session(build(name))
    trace = session.trace
    starts = run_starts(trace)
    last = len(trace.steps) - 1
    for cursor in range(-1, last + 1):
        go_to(session, cursor)
        session.previous_phase()
        earlier = [s for s in starts if s < cursor]
        expected = earlier[-1] if earlier else -1
        assert session.cursor == expected, cursor
        if cursor >= 0 and cursor not in starts:
            # Inside a run: its first step.
            assert trace.steps[expected].phase == trace.steps[cursor].phase


def test_worked_example_phase_keys() -> None:
    session = Session(build(WORKED))
    seen = []
    for _ in range(6):
        session.next_phase()
        seen.append(session.cursor)
    assert seen == [0, 6, 7, 24, 35, 41]
    assert session.iteration == 1  # ] at the last step stays there
    back = []
    for _ in range(6):
        session.previous_phase()
        back.append(session.cursor)
    assert back == [35, 24, 7, 6, 0, -1]


def test_back_after_a_phase_jump_is_one_step() -> None:
    """`back` is one step: after `]` it goes to the step before the one `]` landed on."""
    session = Session(build(WORKED))
    session.next_phase()
    session.next_phase()
    session.next_phase()
    assert session.cursor == 7
    session.back()
    assert session.cursor == 6


# -- finish and the loss -----------------------------------------------------------------------


@pytest.mark.parametrize("start", [0, 1, 7, 30, WORKED_STEPS])
def test_finish_goes_to_the_last_step(start: int) -> None:
    session = Session(build(WORKED))
    forward(session, start)
    session.finish()
    trace = session.trace
    assert session.cursor == WORKED_STEPS - 1
    assert session.step is trace.steps[-1]
    assert session.complete
    assert session.iteration == 1
    assert session.loss_history == (trace.loss, trace.loss_after)
    assert session.shown_loss == trace.loss_after
    assert round(trace.loss, 3) == 0.138
    assert round(trace.loss_after, 4) == 0.1346
    assert math.isclose(trace.loss, 0.13819457541721228, rel_tol=1e-12)
    assert math.isclose(trace.loss_after, 0.13459465295899356, rel_tol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_finish_then_next_starts_the_next_iteration(name: str) -> None:
    session = Session(build(name))
    first = session.trace
    session.finish()
    assert session.complete
    assert session.loss_history == (first.loss, first.loss_after)
    session.next()
    assert session.iteration == 2
    assert session.cursor == -1
    assert session.network is first.network_after
    assert session.loss_history == (first.loss, first.loss_after)
    assert session.trace.loss == first.loss_after


def test_repeated_iterations_show_the_loss_falling() -> None:
    session = Session(build(WORKED))
    for _ in range(3):
        session.finish()
        session.next()
    history = session.loss_history
    assert [round(v, 3) for v in history[:3]] == [0.138, 0.135, 0.131]
    assert len(history) == 4
    assert all(a > b for a, b in itertools.pairwise(history))
    assert session.iteration == 4


def test_the_loss_history_grows_only_on_completed_iterations() -> None:
    session = Session(build(WORKED))
    losses: list[float] = []
    for iteration in range(1, 4):
        trace = session.trace
        assert session.iteration == iteration
        if not losses:
            losses.append(trace.loss)
        else:
            assert trace.loss == losses[-1]
        for _ in range(WORKED_STEPS - 1):
            session.next()
            expected = tuple(losses) if iteration > 1 else ()
            assert session.loss_history == expected
        session.next()  # the last step: the iteration is complete
        losses.append(trace.loss_after)
        assert session.loss_history == tuple(losses)
        session.next()  # on to the next iteration: nothing new
        assert session.loss_history == tuple(losses)
    assert len(losses) == 4


def test_back_from_the_last_step_takes_the_point_off_again() -> None:
    session = Session(build(WORKED))
    session.finish()
    session.next()
    session.finish()
    assert len(session.loss_history) == 3
    session.back()
    assert len(session.loss_history) == 2
    session.next()
    assert len(session.loss_history) == 3


@pytest.mark.parametrize("name", ALL)
def test_shown_loss_follows_the_steps(name: str) -> None:
    session = Session(build(name))
    for iteration in (1, 2):
        trace = session.trace
        one = trace.network.n_samples == 1
        loss_kind = "loss" if one else "batch_loss"
        first_loss = next(s.index for s in trace.steps if s.kind == loss_kind and s.phase == "loss")
        check_loss = next(
            s.index for s in trace.steps if s.kind == loss_kind and s.phase == "check"
        )
        assert check_loss == len(trace.steps) - 1
        before = None if iteration == 1 else trace.loss
        assert session.shown_loss == before
        for cursor in range(len(trace.steps)):
            session.next()
            assert session.cursor == cursor
            if cursor < first_loss:
                assert session.shown_loss == before
            elif cursor < check_loss:
                assert session.shown_loss == trace.loss
            else:
                assert session.shown_loss == trace.loss_after
        session.next()


def test_worked_example_shown_loss() -> None:
    session = Session(build(WORKED))
    shown = []
    for _ in range(WORKED_STEPS):
        session.next()
        shown.append(session.shown_loss)
    trace = session.trace
    assert shown[:6] == [None] * 6
    assert shown[6:41] == [trace.loss] * 35
    assert shown[41] == trace.loss_after


# -- reset --------------------------------------------------------------------------------------


@pytest.mark.parametrize("nexts", [0, 5, WORKED_STEPS, WORKED_STEPS + 1, 100])
def test_reset_returns_to_iteration_one_and_back_undoes_it(nexts: int) -> None:
    net = build(WORKED)
    session = Session(net)
    first = session.trace
    forward(session, nexts)
    before = session.state()
    trace_before = session.trace
    session.reset()
    assert session.iteration == 1
    assert session.cursor == -1
    assert session.network is net
    assert session.loss_history == ()
    assert session.shown_loss is None
    assert session.trace.loss == first.loss
    assert session.can_back
    session.back()
    assert session.state() == before
    assert session.trace is trace_before


def test_reset_twice_and_back_twice() -> None:
    session = Session(build(WORKED))
    forward(session, 50)
    a = session.state()
    session.reset()
    forward(session, 3)
    b = session.state()
    session.reset()
    session.back()
    assert session.state() == b
    for _ in range(3):
        session.back()
    session.back()
    assert session.state() == a


# -- training -----------------------------------------------------------------------------------


def test_training_from_the_start() -> None:
    session = Session(build(WORKED))
    before = session.state()
    trace_before = session.trace
    result = train_into(session, 10)
    assert result.steps_done == 10
    assert result.message is None
    assert session.iteration == 11
    assert session.cursor == -1
    assert session.network is result.network
    assert session.loss_history == tuple(float(v) for v in result.loss_history)
    assert len(session.loss_history) == 11
    assert session.loss_history[0] == pytest.approx(trace_before.loss, rel=1e-12)
    assert session.trace.loss == pytest.approx(session.loss_history[-1], rel=1e-9)
    assert session.message is None
    session.back()
    assert session.state() == before
    assert session.trace is trace_before


def test_training_twice_extends_the_history() -> None:
    session = Session(build(WORKED))
    train_into(session, 10)
    first = session.loss_history
    middle = session.state()
    result = train_into(session, 5)
    assert session.iteration == 16
    assert len(session.loss_history) == 16
    assert session.loss_history[:11] == first
    assert session.loss_history[11:] == tuple(float(v) for v in result.loss_history[1:])
    session.back()
    assert session.state() == middle


def test_training_after_a_completed_iteration_adds_n_points() -> None:
    session = Session(build(WORKED))
    session.finish()
    session.next()
    assert session.loss_history and len(session.loss_history) == 2
    history = session.loss_history
    before = session.state()
    result = train_into(session, 7)
    assert session.iteration == 9
    assert len(session.loss_history) == 2 + 7
    assert session.loss_history[:2] == history
    assert result.loss_history[0] == pytest.approx(history[-1], rel=1e-12)
    session.back()
    assert session.state() == before


def test_training_mid_iteration_and_back() -> None:
    session = Session(build(WORKED))
    forward(session, 20)
    before = session.state()
    train_into(session, 3)
    assert (session.iteration, session.cursor) == (4, -1)
    assert len(session.loss_history) == 4
    session.back()
    assert session.state() == before
    assert session.cursor == 19


def test_one_training_step_agrees_with_stepping_through() -> None:
    stepped = Session(build(WORKED))
    stepped.finish()
    stepped.next()
    trained = Session(build(WORKED))
    train_into(trained, 1)
    assert trained.iteration == stepped.iteration == 2
    assert trained.loss_history == pytest.approx(stepped.loss_history, rel=1e-12)
    for a, b in zip(trained.network.layers, stepped.network.layers, strict=True):
        np.testing.assert_allclose(a.weights, b.weights, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(a.biases, b.biases, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["xor", "softmax-3class", "deep-4-16-16-3"])
def test_training_multi_sample_presets(name: str) -> None:
    session = Session(build(name))
    result = train_into(session, 20)
    assert session.iteration == 21
    assert len(session.loss_history) == 21
    assert session.loss_history[-1] < session.loss_history[0]
    assert session.network is result.network
    session.back()
    assert session.iteration == 1
    assert session.loss_history == ()


def test_training_message_is_shown_and_cleared_by_next_iteration() -> None:
    session = Session(build(WORKED))
    result = train(session.network, 3)
    session.apply_training(result.network, result.loss_history, 3, "cancelled after 3 of 9")
    assert session.message == "cancelled after 3 of 9"
    assert session.iteration == 4
    session.finish()
    assert session.message == "cancelled after 3 of 9"
    session.next()
    assert session.message is None
    session.back()
    assert session.message == "cancelled after 3 of 9"


# -- granularity -------------------------------------------------------------------------------


def test_cycle_granularity_goes_parameter_neuron_layer() -> None:
    session = Session(build(WORKED))
    seen = [session.granularity]
    for _ in range(3):
        g = session.cycle_granularity()
        assert g == session.granularity == session.trace.granularity
        seen.append(g)
    assert seen == ["parameter", "neuron", "layer", "parameter"]
    assert [len(Session(build(WORKED), granularity=g).steps) for g in GRANULARITIES] == [
        42,
        32,
        24,
    ]


def test_unknown_granularity_raises() -> None:
    session = Session(build(WORKED))
    forward(session, 4)
    before = session.state()
    with pytest.raises(ValueError, match="granularity"):
        session.set_granularity("sample")  # type: ignore[arg-type]
    assert session.state() == before


def test_setting_the_same_granularity_changes_nothing() -> None:
    session = Session(build(WORKED))
    forward(session, 9)
    before = session.state()
    session.set_granularity("parameter")
    assert session.state() == before


def atoms(step: Step, net: Network) -> frozenset[tuple]:
    """The single numbers a step shows: a whole-row or whole-layer step every one it covers."""
    check = step.phase == "check"
    if step.kind in ("loss", "batch_loss"):
        return frozenset({(check, step.sample, step.kind)})
    if step.param is not None:
        covered = [p for p in net.params() if step.param.covers(p)]
        return frozenset((step.kind, step.sample, p) for p in covered)
    assert step.layer is not None
    size = net.layers[step.layer].size
    neurons: Iterable[int] = range(size) if step.neuron is None else (step.neuron,)
    return frozenset((check, step.sample, step.kind, step.layer, j) for j in neurons)


class Revealed:
    """For one trace: the numbers each step shows, and all shown up to each cursor."""

    def __init__(self, trace: Trace) -> None:
        self.per_step = [atoms(s, trace.network) for s in trace.steps]
        self.upto = [frozenset()]  # upto[cursor + 1]
        for step_atoms in self.per_step:
            self.upto.append(self.upto[-1] | step_atoms)
        self.everything = self.upto[-1]


_REVEALED: dict[tuple[str, str], Revealed] = {}


def revealed(name: str, trace: Trace) -> Revealed:
    """Cached per preset and granularity (each preset is rebuilt identically, and the session
    traces the first iteration of it)."""
    key = (name, trace.granularity)
    if key not in _REVEALED:
        _REVEALED[key] = Revealed(trace)
    return _REVEALED[key]


def assert_progress_kept(
    old: Trace, old_cursor: int, new: Trace, new_cursor: int, name: str
) -> None:
    """The new cursor shows nothing the old one had not shown (numbers the old granularity
    never shows on their own, like layer granularity's δ, aside), and it is the last such
    step: the step after it would show something new."""
    old_r, new_r = revealed(name, old), revealed(name, new)
    assert len(old_r.per_step) == len(old.steps) and len(new_r.per_step) == len(new.steps)
    shown = old_r.upto[old_cursor + 1]
    now = new_r.upto[new_cursor + 1] & old_r.everything
    new_atoms = new_r.per_step
    where = (
        f"{old.granularity} cursor {old_cursor} "
        f"({old.steps[old_cursor].symbol if old_cursor >= 0 else 'ready'}) → "
        f"{new.granularity} cursor {new_cursor} "
        f"({new.steps[new_cursor].symbol if new_cursor >= 0 else 'ready'})"
    )
    assert now <= shown, f"{where} shows numbers not yet shown: {sorted(map(str, now - shown))}"
    if new_cursor + 1 < len(new.steps):
        nxt = new.steps[new_cursor + 1]
        assert not new_atoms[new_cursor + 1] <= shown, (
            f"{where}: the next step {nxt.symbol} shows nothing new, progress was lost"
        )


def positions(trace: Trace, every: int) -> list[int]:
    """Every `every`-th cursor, plus the neighbourhood of every phase boundary."""
    n = len(trace.steps)
    chosen = {-1, n - 1, *range(0, n, every)}
    for start in run_starts(trace):
        chosen.update({start - 1, start})
    return sorted(c for c in chosen if -1 <= c < n)


PAIRS = [(a, b) for a in GRANULARITIES for b in GRANULARITIES if a != b]


@pytest.mark.parametrize(("name", "every"), [(WORKED, 1), ("xor", 4), ("softmax-3class", 37)])
@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_switching_granularity_keeps_progress(name: str, every: int, old: str, new: str) -> None:
    session = Session(build(name), granularity=old)  # type: ignore[arg-type]
    failures = []
    for cursor in positions(session.trace, every):
        go_to(session, cursor)
        old_trace = session.trace
        history, shown_loss = session.loss_history, session.shown_loss
        session.set_granularity(new)  # type: ignore[arg-type]
        assert session.granularity == session.trace.granularity == new
        assert session.iteration == 1
        assert session.network is old_trace.network
        assert session.loss_history == history
        assert session.shown_loss == shown_loss
        assert -1 <= session.cursor < len(session.steps)
        try:
            assert_progress_kept(old_trace, cursor, session.trace, session.cursor, name)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
        session.set_granularity(old)  # type: ignore[arg-type]
    assert not failures, f"{len(failures)} cursors lose or skip numbers:\n" + "\n".join(
        failures[:8]
    )


def test_parameter_to_layer_keeps_a_completed_layer() -> None:
    """After o_pre and o (one neuron: the whole output layer) the layer view should be at o."""
    session = Session(build(WORKED))
    forward(session, 6)
    assert session.step is not None and session.step.symbol == "o"
    session.set_granularity("layer")
    assert session.step is not None
    assert session.step.symbol == "o"  # not "h": o_pre and o would be shown again


def test_layer_to_parameter_does_not_skip_activations() -> None:
    """At layer granularity after h_pre (both pre-activations), the parameter view should be at
    h_pre0 (h_pre1 comes after h0 there): h0 and h1 have not been shown."""
    session = Session(build(WORKED), granularity="layer")
    session.next()
    assert session.step is not None and session.step.symbol == "h_pre"
    session.set_granularity("parameter")
    assert session.step is not None
    assert session.step.symbol == "h_pre0"  # not h_pre1 or h1: h0 would be skipped


def test_parameter_to_neuron_keeps_a_completed_row() -> None:
    """After ∂E/∂w100 and ∂E/∂w101 (the whole row W1[0]) the neuron view should be at
    ∂E/∂W1[0]."""
    session = Session(build(WORKED))
    forward(session, 11)
    assert session.step is not None and session.step.symbol == "∂E/∂w101"
    session.set_granularity("neuron")
    assert session.step is not None
    assert session.step.symbol == "∂E/∂W1[0]"  # not "∂o/∂o_pre": the row comes again


def test_three_granularity_presses_keep_the_place_in_the_forward_pass() -> None:
    """g g g at o (the whole forward pass shown) comes back to o."""
    session = Session(build(WORKED))
    forward(session, 6)
    for _ in range(3):
        session.cycle_granularity()
    assert session.granularity == "parameter"
    assert session.cursor == 5  # not 3 (h1): o_pre and o would be lost


@pytest.mark.parametrize("name", SMALL)
def test_granularity_at_ready_and_at_the_end(name: str) -> None:
    session = Session(build(name))
    for _ in range(3):
        session.cycle_granularity()
        assert session.cursor == -1
    session.finish()
    history = session.loss_history
    for _ in range(3):
        session.cycle_granularity()
        assert session.complete
        assert session.loss_history == history


def test_back_across_an_iteration_restores_its_granularity() -> None:
    session = Session(build(WORKED))
    session.finish()
    at_end = session.state()
    session.next()
    session.set_granularity("layer")
    assert len(session.steps) == 24
    session.back()
    assert session.state() == at_end
    assert session.granularity == "parameter"


# -- precision --------------------------------------------------------------------------------


def test_precision_clamps() -> None:
    session = Session(build(WORKED))
    assert session.precision == 3
    for expected in (4, 5, 6, 7, 8, 8, 8):
        session.more_precision()
        assert session.precision == expected
    assert MAX_PRECISION == 8
    for _ in range(20):
        session.less_precision()
        assert MIN_PRECISION <= session.precision <= MAX_PRECISION
    assert session.precision == 0
    session.more_precision()
    assert session.precision == 1
    assert session.cursor == -1 and session.iteration == 1


# -- open -------------------------------------------------------------------------------------


def test_open_switches_networks_and_back_returns() -> None:
    worked = build(WORKED)
    session = Session(worked)
    forward(session, 50)
    before = session.state()
    trace_before = session.trace
    deep = build("deep-4-16-16-3")
    session.open(deep)
    assert session.initial is deep
    assert session.network is deep
    assert session.granularity == "layer"
    assert (session.iteration, session.cursor) == (1, -1)
    assert session.loss_history == ()
    assert session.shown_loss is None
    forward(session, 3)
    session.reset()
    assert session.network is deep  # reset goes to the opened network
    session.back()
    for _ in range(3):
        session.back()
    session.back()
    assert session.state() == before
    assert session.trace is trace_before
    assert session.initial is worked
    assert session.granularity == "parameter"
    session.reset()
    assert session.network is worked


# -- the ledger index ---------------------------------------------------------------------------


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("name", SMALL)
def test_the_ledger_index_reveals_every_parameter_in_backward_and_update(
    name: str, granularity: str
) -> None:
    net = build(name)
    session = Session(net, granularity=granularity)  # type: ignore[arg-type]
    trace, index = session.trace, session.index
    n = len(trace.steps)
    params = index.params
    assert sorted(params, key=str) == sorted(net.params(), key=str)
    assert len(set(params)) == len(params) == net.n_params
    layers = [p.layer for p in params]
    assert layers == sorted(layers, reverse=True)  # output layer first
    backward_start = trace.phase_starts["backward"]
    update_start = trace.phase_starts["update"]
    check_start = trace.phase_starts["check"]
    grad_kind = "grad" if net.n_samples == 1 else "batch_grad"
    assert index.grad_at.shape == index.new_at.shape == (len(params),)
    for k, p in enumerate(params):
        g, u = int(index.grad_at[k]), int(index.new_at[k])
        assert backward_start <= g < update_start, p
        assert update_start <= u < check_start, p
        grad_step, new_step = trace.steps[g], trace.steps[u]
        assert grad_step.kind == grad_kind and grad_step.phase == "backward"
        assert grad_step.param is not None and grad_step.param.covers(p)
        assert new_step.kind == "new" and new_step.param is not None
        assert new_step.param.covers(p)
        # It is the first step that covers it.
        earlier = [
            s for s in trace.steps[:g] if s.kind == grad_kind and s.param and s.param.covers(p)
        ]
        assert not earlier
    # Walking the iteration: none revealed before backward, all by the end.
    for cursor in range(-1, n):
        revealed = int(np.sum(index.grad_at <= cursor))
        updated = int(np.sum(index.new_at <= cursor))
        if cursor < backward_start:
            assert revealed == 0
        if cursor < update_start:
            assert updated == 0
    assert int(np.sum(index.grad_at <= n - 1)) == len(params)
    assert int(np.sum(index.new_at <= n - 1)) == len(params)


def test_the_worked_example_ledger_order() -> None:
    index = Session(build(WORKED)).index
    names = [p.name for p in index.params]
    assert names == [
        "w100", "w101", "b10",
        "w000", "w001", "w002", "w010", "w011", "w012", "b00", "b01",
    ]  # fmt: skip
    assert list(index.grad_at) == [9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23]
    assert list(index.new_at) == list(range(24, 35))
    assert index.params[0] == ParamRef(1, "weight", 0, 0)


# -- training counts exactly N iterations, from any position (issue 8.1) ------------------------


def test_training_from_a_complete_iteration_trains_exactly_n_more() -> None:
    """At 42/42 the iteration is done: `t 1` trains iteration 2, it does not redo iteration 1."""
    session = Session(build(WORKED))
    session.finish()
    done_update = session.trace.network_after
    assert session.training_start is done_update
    result = train_into(session, 1)
    assert result.steps_done == 1
    assert session.iteration == 3  # iterations 1 and 2 complete, 3 ready
    assert len(session.loss_history) == 3
    assert not session.network.same_as(done_update)  # w100 moved on from 0.696
    assert session.loss_history[1] == session._past[-1].trace.loss_after
    session.back()
    assert session.complete and session.iteration == 1


def test_training_ten_from_the_end_of_iteration_eleven_completes_twenty_one() -> None:
    session = Session(build(WORKED))
    train_into(session, 10)
    assert session.iteration == 11
    session.finish()
    train_into(session, 10)
    assert session.iteration == 22
    assert len(session.loss_history) == 22  # the loss before, then after each of 21


def test_training_mid_iteration_redoes_it_and_counts_it() -> None:
    """Mid-way through iteration 1, `t 1` completes iteration 1 (at full speed)."""
    session = Session(build(WORKED))
    for _ in range(5):
        session.next()
    assert session.training_start is session.network
    train_into(session, 1)
    assert session.iteration == 2
    assert len(session.loss_history) == 2
    assert session.network.same_as(session._past[-1].trace.network_after)


def test_the_history_keeps_only_the_latest_traces_and_back_still_restores_exactly() -> None:
    """Memory stays bounded: after 30 iterations only the latest snapshots hold a trace, and
    going back all the way re-traces the old ones to the identical state, number for number."""
    from nntui.session import KEEP_TRACES

    session = Session(build(WORKED))
    states, losses = [], []
    for _ in range(30):
        session.finish()
        states.append(session.state())
        losses.append(session.trace.loss_after)
        session.next()
    kept = [snap for snap in session._past if snap.trace is not None]
    assert len(kept) <= KEEP_TRACES
    assert all(snap.trace is None for snap in session._past[:-KEEP_TRACES])
    for state, loss in zip(reversed(states), reversed(losses), strict=True):
        session.back()
        assert session.state() == state
        assert session.trace.loss_after == loss
        assert session.trace.network is session.network
        session.previous_phase()
        while session.cursor >= 0:
            session.back()
    assert session.iteration == 1


# -- big data sets: a bounded trace, any window of samples (issue 9.10) -------------------------


def _many_samples(count: int) -> Network:
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, size=(count, 1))
    layer = Layer("linear", [[0.5]], [0.1])
    return Network((layer,), x, 2 * x + 1, "half_sse", 0.1)


def test_a_big_data_set_is_stepped_through_sixteen_samples_with_every_sample_in_the_batch() -> None:
    from nntui.engine.spec import TRACE_SAMPLES

    net = _many_samples(10_000)
    session = Session(net)
    trace = session.trace
    assert trace.samples == tuple(range(TRACE_SAMPLES))
    assert {s.sample for s in trace.steps} == {*range(TRACE_SAMPLES), None}
    assert len(trace.steps) < 200
    batch = next(s for s in trace.steps if s.kind == "batch_loss")
    assert len(batch.operands) == TRACE_SAMPLES + 1  # the others' losses as one term
    assert "other 9,984 samples" in batch.operands[-1].symbol
    assert sum(o.value for o in batch.operands) == pytest.approx(trace.loss, rel=1e-12, abs=1e-12)
    assert batch.value == trace.loss
    for grad in (s for s in trace.steps if s.kind == "batch_grad"):
        assert sum(o.value for o in grad.operands) == pytest.approx(grad.value, rel=1e-9, abs=1e-12)


def test_other_samples_are_chosen_by_window_and_back_returns() -> None:
    net = _many_samples(40)
    session = Session(net)
    assert (session.sample_windows, session.sample_window) == (3, 0)
    before = session.state()
    loss = session.trace.loss
    session.show_samples(2)
    assert session.trace.samples == tuple(range(32, 40))
    assert session.cursor == -1
    assert session.trace.loss == loss  # the batch is the same; only its own steps differ
    session.finish()
    session.next()
    assert session.trace.samples == tuple(range(32, 40))  # the next iteration keeps the window
    session.back()
    session.previous_phase()
    while session.cursor >= 0:
        session.back()
    session.back()
    assert session.state() == before


def test_with_mini_batches_the_loss_history_is_over_all_samples_as_train_records_it() -> None:
    """A mini-batch step's own loss is its batch's; the history, like `train`'s, records the
    loss over every sample before and after each step."""
    from dataclasses import replace

    from nntui.engine.presets import xor
    from nntui.engine.training import train

    net = replace(xor(), batch_size=2)
    session = Session(net)
    for _ in range(3):
        session.finish()
        assert session.trace.loss != session.trace.training_loss  # the batch's, not all
        session.next()
    expected = [float(v) for v in train(net, 3).loss_history]
    assert session.loss_history == tuple(expected)


def test_sample_windows_range_over_the_steps_batch() -> None:
    """With mini-batches only the batch's samples have steps: the windows are its."""
    from dataclasses import replace

    from nntui.engine.presets import resolve_network
    from nntui.engine.spec import TRACE_SAMPLES

    net = resolve_network("circles")
    batched = replace(net, batch_size=2 * TRACE_SAMPLES + 3)
    session = Session(batched)
    assert session.sample_windows == 3
    session.show_samples(2)
    assert session.trace.samples == tuple(range(2 * TRACE_SAMPLES, 2 * TRACE_SAMPLES + 3))
    session.back()
    assert session.sample_window == 0


# -- the test loss beside the loss history ------------------------------------------------------
def _held_out_loss(network: Network) -> float | None:
    from nntui.engine.evaluation import scores

    return scores(network).test_loss


def test_no_test_set_no_test_loss_history() -> None:
    session = Session(build("xor"))
    session.finish()
    session.next()
    session.finish()
    assert session.loss_history and session.test_loss_history == ()


def test_the_test_loss_history_follows_completed_iterations() -> None:
    session = Session(build("circles"))
    assert session.test_loss_history == ()
    first = session.network
    session.finish()
    after = session.trace.network_after
    assert session.test_loss_history == (_held_out_loss(first), _held_out_loss(after))
    session.next()
    session.next()  # a step into iteration 2: its loss is not in the history yet
    assert session.test_loss_history == (_held_out_loss(first), _held_out_loss(after))
    session.finish()
    history = session.test_loss_history
    assert len(history) == len(session.loss_history) == 3
    assert history[-1] == _held_out_loss(session.trace.network_after)
    assert history[-1] != history[-2]  # a new network, a new test loss


def test_training_records_the_test_loss_at_its_ends_and_back_takes_it_off() -> None:
    session = Session(build("circles"))
    session.finish()
    before = session.test_loss_history
    trained = train_into(session, 6)
    history = session.test_loss_history
    assert len(history) == len(session.loss_history) == 8
    assert history[:2] == before
    assert history[2:7] == (None,) * 5
    assert history[-1] == _held_out_loss(trained.network)
    session.back()
    assert session.test_loss_history == before


def test_training_from_the_start_records_both_ends() -> None:
    session = Session(build("circles"))
    start = session.network
    trained = train_into(session, 3)
    assert session.test_loss_history == (
        _held_out_loss(start),
        None,
        None,
        _held_out_loss(trained.network),
    )


def test_reset_and_open_clear_the_test_loss_history() -> None:
    session = Session(build("circles"))
    session.finish()
    session.next()
    session.reset()
    assert session.test_loss_history == ()
    session.back()
    assert len(session.test_loss_history) == 2
    session.open(build("circles"))
    assert session.test_loss_history == ()


def test_the_view_follows_the_test_loss_history() -> None:
    session = Session(build("circles"))
    session.finish()
    session.next()
    shown = session.view()
    train_into(session, 2)
    assert session.view() is not shown
    assert session.view().test_history == session.test_loss_history
