"""Random walks through a debugger session, checked against a small model of what it must do.

`SessionModel` drives a `Session` and checks every action: the cursor stays on the trace, the
step on screen is the trace's, the loss history grows only when an iteration completes or
training runs (and shrinks only by going back or resetting), the iteration count follows the
actions, and `back` undoes exactly: right after `next` it restores the previous `state()`,
N `back`s after N `next`s restore the state N presses ago, and at the start of an iteration it
restores the state before the last iteration change, reset, training run or network switch.

It runs twice: as a hypothesis state machine over random small networks and presets, and as
2,000 seeded random actions (a guarantee that does not depend on hypothesis's settings).
"""

from __future__ import annotations

import math
import random
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from strategies import networks

from nntui.editable import LEARNING_RATE, Editable, InputRef, TargetRef
from nntui.engine.edit import set_parameter
from nntui.engine.network import Network
from nntui.engine.presets import PRESETS
from nntui.engine.spec import ParamRef
from nntui.engine.trace import GRANULARITIES
from nntui.engine.training import train
from nntui.session import MAX_PRECISION, MIN_PRECISION, Session, value_in

#: Presets small enough to re-trace at every granularity many times a second.
FUZZ_PRESETS = ("worked-example", "xor", "softmax-3class")

State = tuple[Any, ...]


def without_precision(state: State) -> State:
    """`state()` minus the precision, which is a display setting that `back` leaves alone."""
    return state[:3] + state[4:]


def is_prefix(short: tuple[float, ...], long: tuple[float, ...]) -> bool:
    return len(short) <= len(long) and long[: len(short)] == short


def close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(x) and math.isnan(y))
        for x, y in zip(a, b, strict=True)
    )


def _names(net: Network, what: Editable) -> bool:
    """`what` still names a number of `net` (edits of numbers keep the shape)."""
    try:
        value_in(net, what)
    except (IndexError, AssertionError):
        return False
    return True


class SessionModel:
    """A session and what the checks remember about it."""

    def __init__(self, net: Network) -> None:
        self.session = Session(net)
        self.iteration = 1
        # States before each action that `back` from cursor −1 undoes (next past the last step,
        # reset, train, open), without the precision.
        self.undo: list[State] = []
        # Full states before each of the latest run of undoable presses, for `back` to restore
        # one by one; other actions (phase jumps, finish, precision, granularity) clear it.
        self.trail: list[State] = []
        self.actions = 0
        self.check()

    # -- the checks after every action ------------------------------------------------------
    def check(self) -> None:
        s = self.session
        trace = s.trace
        steps = trace.steps
        assert s.steps is steps
        assert -1 <= s.cursor <= len(steps) - 1
        if s.cursor < 0:
            assert s.step is None
            assert s.phase == "ready"
        else:
            assert s.step is steps[s.cursor]
            assert s.step.index == s.cursor
            assert s.phase == s.step.phase
        assert s.complete == (s.cursor == len(steps) - 1)
        assert s.iteration >= 1
        assert s.iteration == self.iteration
        assert trace.network is s.network
        assert s.edited == frozenset() or all(_names(s.network, e) for e in s.edited)
        assert trace.granularity == s.granularity
        assert MIN_PRECISION <= s.precision <= MAX_PRECISION
        assert s.can_back == (s.cursor >= 0 or bool(self.undo))
        if s.complete:
            assert s.shown_loss == trace.loss_after
            if trace.problem is None:
                assert s.loss_history[-1] == trace.loss_after
            else:  # a diverged iteration never completes: its loss is not in the history
                assert all(math.isfinite(v) for v in s.loss_history[1:])
        if s.shown_loss is not None:
            assert isinstance(s.shown_loss, float)
        # The views' answer is never a stale one kept from before the action.
        known = s.view()
        assert known is s.view()
        assert (known.cursor, known.step, known.iteration) == (s.cursor, s.step, s.iteration)
        assert (known.precision, known.granularity) == (s.precision, s.granularity)
        assert known.trace is trace and known.network is s.network
        assert known.loss == s.shown_loss and known.loss_history == s.loss_history
        assert known.warning == (s.blocked or s.message)

    # -- actions ------------------------------------------------------------------------------
    def next(self) -> None:
        s = self.session
        before, history = s.state(), s.loss_history
        was_complete, old_trace, cursor = s.complete, s.trace, s.cursor
        s.next()
        if was_complete:
            self.undo.append(without_precision(before))
            self.iteration += 1
            assert s.cursor == -1
            assert s.network is old_trace.network_after
            assert s.loss_history == history
        else:
            assert s.cursor == cursor + 1
            assert s.trace is old_trace
            if s.complete:  # an iteration completed: the history grows
                assert is_prefix(history, s.loss_history)
                assert len(s.loss_history) > len(history)
            else:
                assert s.loss_history == history
        self.trail.append(before)
        self._done()

    def back(self) -> None:
        s = self.session
        before, history, cursor = s.state(), s.loss_history, s.cursor
        s.back()
        if cursor >= 0:
            assert s.cursor == cursor - 1
            assert is_prefix(s.loss_history, history)
            assert s.iteration == self.iteration
        elif self.undo:
            expected = self.undo.pop()
            assert without_precision(s.state()) == expected
            self.iteration = s.iteration
        else:
            assert s.state() == before
        if self.trail:
            assert s.state() == self.trail.pop()
        self._done()

    def next_phase(self) -> None:
        s = self.session
        history, cursor, trace = s.loss_history, s.cursor, s.trace
        s.next_phase()
        last = len(trace.steps) - 1
        later = [
            t.index
            for t in trace.steps
            if t.index > cursor and (t.index == 0 or trace.steps[t.index - 1].phase != t.phase)
        ]
        assert s.cursor == (later[0] if later else last)
        assert s.trace is trace
        assert is_prefix(history, s.loss_history)
        self.trail.clear()
        self._done()

    def previous_phase(self) -> None:
        s = self.session
        history, cursor, trace = s.loss_history, s.cursor, s.trace
        s.previous_phase()
        earlier = [
            t.index
            for t in trace.steps
            if t.index < cursor and (t.index == 0 or trace.steps[t.index - 1].phase != t.phase)
        ]
        assert s.cursor == (earlier[-1] if earlier else -1)
        assert s.trace is trace
        assert is_prefix(s.loss_history, history)
        self.trail.clear()
        self._done()

    def finish(self) -> None:
        s = self.session
        history, trace = s.loss_history, s.trace
        s.finish()
        assert s.complete
        assert s.trace is trace
        assert is_prefix(history, s.loss_history)
        self.trail.clear()
        self._done()

    def train(self, k: int, cancel: bool = False) -> None:
        """Train k iterations; `cancel`: the class presses escape after the first one."""
        s = self.session
        before, history, complete = s.state(), s.loss_history, s.complete
        if cancel:
            result = train(s.training_start, k, progress_every=1, should_stop=lambda: True)
            if result.diverged:  # the first step already overflowed: nothing left to cancel
                assert result.steps_done == 0 and not result.cancelled
            else:
                assert result.cancelled == (k > 1) and result.steps_done == 1
        else:
            result = train(s.training_start, k)
        from_end = complete and s.trace.problem is None
        s.apply_training(result.network, result.loss_history, result.steps_done, result.message)
        self.undo.append(without_precision(before))
        # A completed iteration counts: training goes on from its updated parameters, so
        # exactly k more iterations are complete afterwards.
        self.iteration += result.steps_done + from_end
        assert s.cursor == -1
        assert s.network is result.network
        assert s.message == result.message
        # Training goes on from where the history ends: after a completed iteration, from its
        # updated parameters, whose loss is the history's last point.
        points = tuple(float(v) for v in result.loss_history)
        if result.steps_done > 0:
            expected = (*history, *points[1:]) if history else points
            assert close(s.loss_history, expected), (history, s.loss_history, points)
            assert len(s.loss_history) == len(history) + result.steps_done + (not history)
        self.trail.append(before)
        self._done()

    def reset(self) -> None:
        s = self.session
        before = s.state()
        s.reset()
        self.undo.append(without_precision(before))
        self.iteration = 1
        assert s.cursor == -1
        assert s.network is s.initial
        assert s.loss_history == ()
        assert s.shown_loss is None
        assert s.message is None
        self.trail.append(before)
        self._done()

    def open(self, net: Network) -> None:
        s = self.session
        before = s.state()
        s.open(net)
        self.undo.append(without_precision(before))
        self.iteration = 1
        assert s.initial is net and s.network is net
        assert s.cursor == -1
        assert s.loss_history == ()
        self.trail.append(before)
        self._done()

    def precision(self, up: bool) -> None:
        s = self.session
        before = s.state()
        old = s.precision
        if up:
            s.more_precision()
            assert s.precision == min(old + 1, MAX_PRECISION)
        else:
            s.less_precision()
            assert s.precision == max(old - 1, MIN_PRECISION)
        assert without_precision(s.state()) == without_precision(before)
        self.trail.clear()
        self._done()

    def granularity(self) -> None:
        s = self.session
        old = s.granularity
        history, shown, complete = s.loss_history, s.shown_loss, s.complete
        network, ready, iteration = s.network, s.cursor == -1, s.iteration
        got = s.cycle_granularity()
        assert got == s.granularity == GRANULARITIES[(GRANULARITIES.index(old) + 1) % 3]
        assert s.network is network
        assert s.iteration == iteration
        assert s.loss_history == history
        assert s.shown_loss == shown
        assert s.complete == complete
        if ready:
            assert s.cursor == -1
        self.trail.clear()
        self._done()

    def edit(self, pick: int, value: float) -> None:
        """Edit one number of the network the iteration starts from (the `pick`th of its
        weights, biases, inputs, targets and the learning rate) to `value`, as the app's
        dialog would: the engine may refuse it, and then nothing changes."""
        s = self.session
        before, history = s.state(), s.loss_history
        what, network = _edited(s.network, pick, value)
        if network is None:
            assert s.state() == before
            return
        s.edit(network, what)
        self._edited(before, history)
        assert what in s.edited
        assert value_in(s.network, what) == value

    def architecture(self, pick: int) -> None:
        """Add or remove a neuron of a hidden layer, or add or remove a hidden layer."""
        s = self.session
        before, history = s.state(), s.loss_history
        network = _rebuilt(s.network, pick)
        if network is None:
            return
        s.edit(network, None)
        self._edited(before, history)
        assert s.edited == frozenset() and s.network.shape == network.shape

    def _edited(self, before: State, history: tuple[float, ...]) -> None:
        s = self.session
        self.undo.append(without_precision(before))
        assert s.cursor == -1 and s.iteration == self.iteration
        assert is_prefix(s.loss_history, history)
        assert_exact(s.trace)
        self.trail.append(before)
        self._done()

    def _done(self) -> None:
        self.actions += 1
        self.check()


def _edited(net: Network, pick: int, value: float) -> tuple[Editable, Network | None]:
    """The `pick`th editable number of `net` and `net` with it set to `value` (None when the
    engine refuses)."""
    from nntui.engine import edit

    order: list[Editable] = []
    for index, layer in enumerate(net.layers):
        for neuron in range(layer.size):
            order += [ParamRef(index, "weight", neuron, i) for i in range(layer.fan_in)]
            order.append(ParamRef(index, "bias", neuron))
    order += [InputRef(0, i) for i in range(net.layers[0].fan_in)]
    order += [TargetRef(0, k) for k in range(net.layers[-1].size)]
    order.append(LEARNING_RATE)
    what = order[pick % len(order)]
    try:
        if isinstance(what, ParamRef):
            return what, edit.set_parameter(net, what, value)
        if isinstance(what, InputRef):
            return what, edit.set_input(net, what.sample, what.index, value)
        if isinstance(what, TargetRef):
            return what, edit.set_target(net, what.sample, what.index, value)
        return what, edit.set_learning_rate(net, value)
    except edit.EditError:
        return what, None


def _rebuilt(net: Network, pick: int) -> Network | None:
    """One of four architecture edits, on a hidden layer chosen by `pick`; None if refused."""
    from nntui.engine import edit

    hidden = len(net.layers) - 1
    layer = (pick // 4) % max(hidden, 1)
    try:
        match pick % 4:
            case 0:
                return edit.add_neuron(net, layer, net.layers[layer].size)
            case 1:
                return edit.remove_neuron(net, layer, 0)
            case 2:
                return edit.add_layer(net, layer, 2, "tanh")
            case _:
                return edit.remove_layer(net, layer)
    except edit.EditError:
        return None


def assert_exact(trace: Any) -> None:
    """The trace's batch gradient matches central differences of the batch loss (skipped
    when a pre-activation sits on a kink of its activation, where there is no derivative)."""
    import numpy as np

    from nntui.engine.compute import forward

    net, batch = trace.network, trace.step_batch
    fwd = forward(net, batch=batch)
    if not math.isfinite(fwd.loss) or any(np.any(np.abs(z) < 1e-4) for z in fwd.pre):
        return
    eps = 1e-6
    for index, layer in enumerate(net.layers):
        for (neuron, source), weight in np.ndenumerate(layer.weights):
            ref = ParamRef(index, "weight", neuron, source)
            up = forward(set_parameter(net, ref, weight + eps), batch=batch).loss
            down = forward(set_parameter(net, ref, weight - eps), batch=batch).loss
            numeric = (up - down) / (2 * eps)
            exact = trace.backward.weights[index][neuron, source]
            assert abs(numeric - exact) <= 1e-4 * (1 + abs(exact)), (ref, numeric, exact)


# -- hypothesis ---------------------------------------------------------------------------------

presets = st.sampled_from(FUZZ_PRESETS).map(lambda name: PRESETS[name].build())
fuzz_networks = st.one_of(
    presets,
    networks(max_layers=3, max_width=3, max_samples=3),
    networks(max_layers=3, max_width=3, min_samples=2, max_samples=3, losses=("cross_entropy",)),
)


class SessionMachine(RuleBasedStateMachine):
    """Random presses on a session over a random network."""

    model: SessionModel

    @initialize(net=fuzz_networks)
    def start(self, net: Network) -> None:
        self.model = SessionModel(net)

    @rule()
    def next(self) -> None:
        self.model.next()

    @rule(times=st.integers(1, 12))
    def next_many(self, times: int) -> None:
        for _ in range(times):
            self.model.next()

    @rule()
    def back(self) -> None:
        self.model.back()

    @rule(times=st.integers(1, 12))
    def back_many(self, times: int) -> None:
        for _ in range(times):
            self.model.back()

    @rule()
    def next_phase(self) -> None:
        self.model.next_phase()

    @rule()
    def previous_phase(self) -> None:
        self.model.previous_phase()

    @rule()
    def finish(self) -> None:
        self.model.finish()

    @rule(k=st.integers(1, 5), cancel=st.booleans())
    def train(self, k: int, cancel: bool) -> None:
        self.model.train(k, cancel)

    @rule()
    def reset(self) -> None:
        self.model.reset()

    @rule(net=presets)
    def open(self, net: Network) -> None:
        self.model.open(net)

    @rule(up=st.booleans())
    def precision(self, up: bool) -> None:
        self.model.precision(up)

    @rule()
    def granularity(self) -> None:
        self.model.granularity()

    @rule(pick=st.integers(0, 200), value=st.floats(-3, 3, allow_subnormal=False))
    def edit(self, pick: int, value: float) -> None:
        self.model.edit(pick, value)

    @rule(pick=st.integers(0, 40))
    def architecture(self, pick: int) -> None:
        self.model.architecture(pick)

    @invariant()
    def count(self) -> None:
        COUNTS["checks"] += 1

    def teardown(self) -> None:
        COUNTS["runs"] += 1
        COUNTS["actions"] += self.model.actions


COUNTS = {"runs": 0, "actions": 0, "checks": 0}
MACHINE_SETTINGS = settings(max_examples=100, stateful_step_count=40, deadline=None)
MIN_ACTIONS = 2000


def test_session_machine() -> None:
    before = dict(COUNTS)
    run_state_machine_as_test(SessionMachine, settings=MACHINE_SETTINGS)
    runs = COUNTS["runs"] - before["runs"]
    actions = COUNTS["actions"] - before["actions"]
    rules = COUNTS["checks"] - before["checks"] - runs  # invariants run after each rule too
    print(f"state machine: {runs} runs, {rules} rules, {actions} session actions")
    assert rules >= MIN_ACTIONS


# -- seeded -------------------------------------------------------------------------------------

SEEDED_ACTIONS = 2000
WEIGHTS = {
    "next": 30,
    "back": 20,
    "next_phase": 6,
    "previous_phase": 5,
    "finish": 4,
    "train": 3,
    "reset": 2,
    "open": 1,
    "precision": 3,
    "granularity": 3,
    "edit": 4,
    "architecture": 1,
}


def run_seeded(seed: int, count: int) -> int:
    rng = random.Random(seed)
    model = SessionModel(PRESETS["worked-example"].build())
    names, weights = list(WEIGHTS), list(WEIGHTS.values())
    for _ in range(count):
        action = rng.choices(names, weights)[0]
        if action == "train":
            model.train(rng.randint(1, 5), cancel=rng.random() < 0.3)
        elif action == "open":
            model.open(PRESETS[rng.choice(FUZZ_PRESETS)].build())
        elif action == "precision":
            model.precision(rng.random() < 0.5)
        elif action == "edit":
            model.edit(rng.randint(0, 200), round(rng.uniform(-3, 3), 3))
        elif action == "architecture":
            model.architecture(rng.randint(0, 40))
        elif action in ("next", "back") and rng.random() < 0.2:
            for _ in range(rng.randint(2, 45)):
                getattr(model, action)()
        else:
            getattr(model, action)()
    return model.actions


def test_seeded_random_actions() -> None:
    done = run_seeded(20240611, SEEDED_ACTIONS)
    assert done >= SEEDED_ACTIONS


def test_walking_back_to_the_very_start() -> None:
    """After a long random walk, `back` pressed often enough returns to the starting state."""
    model = SessionModel(PRESETS["xor"].build())
    start = model.session.state()
    rng = random.Random(7)
    for _ in range(300):
        action = rng.choice(["next", "next", "next", "train", "reset", "finish"])
        if action == "train":
            model.train(rng.randint(1, 5))
        else:
            getattr(model, action)()
    presses = 0
    while model.session.can_back:
        model.back()
        presses += 1
        assert presses < 100_000
    assert model.session.state() == start
