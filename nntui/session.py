"""The debugger session: which step of which iteration the class is looking at.

A `Session` owns the network, the trace of the current iteration, the cursor into its steps
and everything needed to step back — across iterations, training runs and resets — to exactly
the view before. It never imports Textual: the app is a view of it, and the stepping logic is
tested in plain pytest.

The cursor is −1 before the first step of an iteration ("ready": the network is drawn, no
number has been computed yet), then the index of the last step shown.

An edit ("what if w101 were positive?") is an entry in the same history: `edit` takes the
edited network, traces the iteration again from READY, and `back` returns to exactly the state
before. The session remembers which numbers were edited (`edited`) and which parameters the
last update changed (`changed`), for the views to mark.

Beside the loss history it records the test loss (`test_loss_history`, with a test set): of
each completed iteration's network and of both ends of a training run. During a run the app
draws `live_view` — the run's latest network and history as `apply_training` will take them —
without changing the session.

In quiz mode (`set_quiz`) each step `next` moves to is shown with its result hidden (`hidden`)
until the next `next`, which reveals it without moving, or a `guess`; every other movement
shows where it lands revealed. While a result is hidden, everything the views are told of
values — the answer of `view()`, `shown_loss`, `loss_history` — is as of the step before.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from nntui.editable import LEARNING_RATE, Editable, InputRef, LearningRateRef, TargetRef
from nntui.engine.batches import Batch, batch_at
from nntui.engine.network import Network
from nntui.engine.numbers import MAX_PRECISION, MIN_PRECISION, START_PRECISION
from nntui.engine.schema import ParamLayout
from nntui.engine.spec import GRANULARITIES, TRACE_SAMPLES, Granularity, ParamRef
from nntui.engine.trace import (
    Step,
    Trace,
    build_trace,
    default_granularity,
    estimated_steps,
)
from nntui.opening import Opening
from nntui.quiz import Quiz, QuizShown, Verdict, judge
from nntui.trace_index import LedgerRows, TraceIndex
from nntui.view_state import Known, known_at

__all__ = [
    "LEARNING_RATE",
    "MAX_PRECISION",
    "MIN_PRECISION",
    "Editable",
    "InputRef",
    "LearningRateRef",
    "LedgerRows",
    "Quiz",
    "QuizShown",
    "Session",
    "TargetRef",
    "TraceIndex",
    "Verdict",
    "index_trace",
]


#: A granularity with more steps than this is skipped by `cycle_granularity`: building it
#: would freeze the screen, and nobody steps through it key by key.
MAX_STEPS = 20_000
MAX_TERMS = 150_000


#: How many of the latest snapshots keep their trace; older ones are traced again when `back`
#: reaches them (a trace is a function of its network and granularity), so the history's memory
#: stays bounded however many iterations, training runs and resets a lecture goes through.
KEEP_TRACES = 8


@dataclass(frozen=True)
class _Snapshot:
    """Everything `back` restores."""

    initial: Network
    granularity: Granularity
    network: Network
    trace: Trace | None  # None once it is old: traced again on restore
    samples: tuple[int, ...] | None
    iteration: int
    cursor: int
    points: tuple[float, ...]
    test_points: tuple[float | None, ...]
    message: str | None
    edited: frozenset[Editable]
    changed: frozenset[ParamRef]


def index_trace(trace: Trace) -> TraceIndex:
    net = trace.network
    params = LedgerRows(net)
    revealed: dict[tuple[Any, ...], int] = {}
    n_steps = len(trace.steps)
    grad_at = np.full(len(params), n_steps, dtype=np.int64)
    new_at = np.full(len(params), n_steps, dtype=np.int64)
    rows_of_step: dict[int, tuple[int, int]] = {}
    final_grad_sample = None if net.n_samples > 1 else 0
    for step in trace.steps:
        key_kind = ("check_" if step.phase == "check" else "") + step.kind
        if step.layer is not None and step.kind in (
            "pre",
            "post",
            "grad_post",
            "deriv",
            "grad_pre",
        ):
            neurons = range(net.layers[step.layer].size) if step.neuron is None else (step.neuron,)
            for j in neurons:
                revealed.setdefault((step.sample, key_kind, step.layer, j), step.index)
        elif step.kind in ("loss", "batch_loss"):
            revealed.setdefault((step.sample, key_kind), step.index)
        if step.param is not None:
            rows = params.rows_covered(step.param)
            rows_of_step[step.index] = rows
            if step.kind in ("grad", "batch_grad") and step.sample == final_grad_sample:
                target = grad_at
            elif step.kind == "new":
                target = new_at
            else:
                continue
            target[rows[0] : rows[1]] = np.minimum(target[rows[0] : rows[1]], step.index)
    boundaries = tuple(
        s.index for s in trace.steps if s.index == 0 or trace.steps[s.index - 1].phase != s.phase
    )
    totals: dict[str, int] = {}
    positions = []
    shown_samples = []
    sample = 0
    for step in trace.steps:
        totals[step.phase] = totals.get(step.phase, 0) + 1
        positions.append(totals[step.phase])
        sample = sample if step.sample is None else step.sample
        shown_samples.append(sample)
    return TraceIndex(
        revealed,
        params,
        grad_at,
        new_at,
        rows_of_step,
        boundaries,
        tuple(positions),
        totals,
        tuple(shown_samples),
    )


def step_atoms(step: Step, net: Network) -> frozenset[tuple[Any, ...]]:
    """The single numbers a step shows (a whole-layer step shows every number of it), so
    views at different granularities can be compared number by number."""
    stage = "check" if step.phase == "check" else "first"
    head = (stage, step.sample, step.kind)
    if step.param is not None:
        p = step.param
        layer = net.layers[p.layer]
        neurons = range(layer.size) if p.neuron is None else (p.neuron,)
        if p.kind == "bias":
            return frozenset((*head, p.layer, "b", j) for j in neurons)
        inputs = range(layer.fan_in) if p.input is None else (p.input,)
        return frozenset((*head, p.layer, "w", j, i) for j in neurons for i in inputs)
    if step.layer is None:
        return frozenset({head})
    neurons = range(net.layers[step.layer].size) if step.neuron is None else (step.neuron,)
    return frozenset((*head, step.layer, j) for j in neurons)


@dataclass
class Session:
    """One debugging session over `initial`, the network the lecture starts from."""

    initial: Network
    granularity: Granularity | None = None
    precision: int = START_PRECISION
    network: Network = field(init=False)
    trace: Trace = field(init=False)
    index: TraceIndex = field(init=False)
    iteration: int = field(init=False, default=1)
    _cursor: int = field(init=False, default=-1)  # see `cursor`
    message: str | None = field(init=False, default=None)
    #: The samples whose own steps are traced; None: the first ones (`default_samples`).
    samples: tuple[int, ...] | None = field(init=False, default=None)
    #: The numbers edited since the network was opened (or last reset, or since the last
    #: architecture edit, after which the old references no longer name the same numbers):
    #: the graph and the ledger mark them.
    edited: frozenset[Editable] = field(init=False, default=frozenset())
    #: The parameters the last iteration's update changed (after `next` went on to the next
    #: iteration; not after a training run, which changes nearly all): marked until the next
    #: one, so the eye finds them — and the ones a dead ReLU left alone — without reading
    #: every number.
    changed: frozenset[ParamRef] = field(init=False, default=frozenset())
    _points: tuple[float, ...] = field(init=False, default=())
    #: The test loss beside each of `_points` (None where it was not computed); empty without
    #: a test set.
    _test_points: tuple[float | None, ...] = field(init=False, default=())
    _past: list[_Snapshot] = field(init=False, default_factory=list)
    _columns: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(
        init=False, default=None, repr=False, compare=False
    )
    #: Quiz mode's state: on or off, the score, the verdicts of the steps guessed.
    quiz: Quiz = field(init=False, default_factory=Quiz)
    #: The trace and cursor of the step whose result is hidden, if any: `next` sets it in
    #: quiz mode; any other movement (any change of the cursor) clears it.
    _hidden_at: tuple[Trace, int] | None = field(init=False, default=None, repr=False)
    #: The last answer of `view()`, with what it was computed from.
    _known: tuple[tuple[Any, ...], Known] | None = field(
        init=False, default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.granularity is None:
            self.granularity = default_granularity(self.initial)
        self._start(self.initial)

    @property
    def cursor(self) -> int:
        """The index of the step on screen; −1: ready. Moving it — by any action, or from
        outside, as tests do — shows the step it lands on revealed (quiz mode): only `next`
        hides a result."""
        return self._cursor

    @cursor.setter
    def cursor(self, cursor: int) -> None:
        self._cursor = cursor
        self._hidden_at = None

    def _start(self, network: Network) -> None:
        self.network = network
        self._set_trace(build_trace(network, self._granularity, self.samples))
        self.cursor = -1

    def _set_trace(self, trace: Trace) -> None:
        self.trace = trace
        self.index = index_trace(trace)
        self._columns = None

    def ledger_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Old value, batch gradient and new value of every parameter, in ledger order
        (`ParamLayout` with the output layer first)."""
        if self._columns is None:
            trace = self.trace
            layout = ParamLayout.of(trace.network.layers, output_first=True)

            def params(net: Network) -> np.ndarray:
                return layout.flatten(
                    [layer.weights for layer in net.layers], [layer.biases for layer in net.layers]
                )

            gradients = layout.flatten(trace.backward.weights, trace.backward.biases)
            self._columns = (params(trace.network), gradients, params(trace.network_after))
        return self._columns

    @property
    def _granularity(self) -> Granularity:
        assert self.granularity is not None
        return self.granularity

    # -- what is shown --------------------------------------------------------------------------
    def view(self) -> Known:
        """What the class knows at the cursor: the one answer the views draw (see
        `nntui.view_state`). The same object until something it depends on changes — the
        cursor (which tests also set directly), the trace, the precision, the iteration, the
        loss history, the message or the quiz's state — so asking at every key press costs
        one answer. In quiz mode the answer says what is hidden (`Known.quiz`)."""
        quiz = self._quiz_shown()
        key = (
            self.trace,
            self._points,
            self._test_points,
            self.cursor,
            self.precision,
            self.iteration,
            self.message,
            quiz,
        )
        cached = self._known
        if cached is not None and _same_state(cached[0], key):
            return cached[1]
        known = known_at(self, quiz)
        self._known = (key, known)
        return known

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.trace.steps

    @property
    def step(self) -> Step | None:
        """The step on screen, None when the iteration is ready to start."""
        return None if self.cursor < 0 else self.trace.steps[self.cursor]

    @property
    def phase(self) -> str:
        return "ready" if self.cursor < 0 else self.trace.steps[self.cursor].phase

    @property
    def complete(self) -> bool:
        """True once the last step (the loss after the update) is on screen."""
        return self.cursor == len(self.trace.steps) - 1

    @property
    def loss_history(self) -> tuple[float, ...]:
        """The loss before the first iteration, then after each completed iteration (an
        iteration whose step diverged never completes); as the class has seen it (in quiz
        mode, the last step's new point once its result is revealed)."""
        return self._loss_history(self._shown_complete)

    def _loss_history(self, complete: bool) -> tuple[float, ...]:
        """`loss_history` with the iteration on screen `complete` or not."""
        if not complete or self.trace.problem is not None:
            return self._points
        start = self._points or (self.trace.training_loss,)
        return (*start, self.trace.training_loss_after)

    @property
    def test_loss_history(self) -> tuple[float | None, ...]:
        """The test loss beside each point of `loss_history`: of the network each point's
        loss is of, recorded when an iteration completes and after a training run (None for
        the points a run went through between its ends). Empty without a test set."""
        return self._test_loss_history(self._shown_complete)

    def _test_loss_history(self, complete: bool) -> tuple[float | None, ...]:
        """`test_loss_history` with the iteration on screen `complete` or not."""
        if self.network.n_test_samples == 0:
            return ()
        if not complete or self.trace.problem is not None:
            return self._test_points
        start = self._test_points or (test_loss(self.trace.network),)
        return (*start, test_loss(self.trace.network_after))

    @property
    def _through(self) -> int:
        """The last step whose result the class has seen: the one before the cursor while
        the cursor's is hidden (quiz mode), else the cursor's."""
        return self.cursor - 1 if self.hidden else self.cursor

    @property
    def _shown_complete(self) -> bool:
        """True once the last step's result (the loss after the update) has been seen."""
        return self._through == len(self.trace.steps) - 1

    @property
    def shown_loss(self) -> float | None:
        """The loss as far as the class has seen it: None until it is first computed."""
        one = self.trace.network.n_samples == 1
        revealed = self.index.revealed
        after = revealed.get((0, "check_loss") if one else (None, "check_batch_loss"), _BIG)
        before = revealed.get((0, "loss") if one else (None, "batch_loss"), _BIG)
        through = self._through
        if after <= through:
            return self.trace.loss_after
        if before <= through:
            return self.trace.loss
        return self._points[-1] if self._points else None

    def state(self) -> tuple[Any, ...]:
        """What the screen shows, as a comparable value (for tests: back restores it)."""
        return (
            self.iteration,
            self.cursor,
            self.granularity,
            self.precision,
            self.loss_history,
            self.message,
            id(self.network),  # with the granularity, this says which trace is on screen
            self.trace.samples,
            self.edited,
            self.changed,
        )

    # -- moving ---------------------------------------------------------------------------------
    @property
    def can_back(self) -> bool:
        return self.cursor >= 0 or bool(self._past)

    @property
    def blocked(self) -> str | None:
        """Why `next` cannot go on to the next iteration: this step's numbers are not all
        finite (the training diverged). The parameters stay the last finite ones. None while
        the step's result is hidden (quiz mode): `next` can reveal it, and the warning would
        say what it is."""
        if not self.complete or self.trace.problem is None or self.hidden:
            return None
        k = self.iteration
        kept = (
            "kept the starting parameters"
            if k == 1
            else f"kept the parameters of iteration {k - 1}"
        )
        return f"training diverged at iteration {k}: {self.trace.problem}; {kept}"

    @property
    def can_next(self) -> bool:
        return self.blocked is None

    def next(self) -> None:
        """One step forward; past the last step, on to the next iteration (unless `blocked`).
        In quiz mode the step it lands on is shown with its result hidden (unless it was
        guessed before), and while a result is hidden `next` reveals it without moving."""
        if self.hidden:
            self.reveal()
            return
        before = (self.trace, self.cursor)
        self.advance()
        moved = self.trace is not before[0] or self.cursor != before[1]
        if moved and self.quiz.on and self.cursor >= 0 and not self.quiz.guessed(self._step_key()):
            self._hidden_at = (self.trace, self.cursor)

    def advance(self) -> None:
        """`next` without the quiz: one step forward, shown revealed (for moves of many
        steps, such as running until a breakpoint, which land on a step revealed). A hidden
        result is revealed first: a diverged last step blocks it then."""
        self.reveal()
        if self.cursor < len(self.trace.steps) - 1:
            self.cursor += 1
            return
        if self.blocked:
            return
        self._push()
        self._points = self._loss_history(True)
        self._test_points = self._test_loss_history(True)
        self.iteration += 1
        self.message = None
        before = self.network
        self._start(self.trace.network_after)
        self.changed = changed_parameters(before, self.network)

    def back(self) -> None:
        """One step back; before the first step, back to where the previous action left off."""
        if self.cursor >= 0:
            self.cursor -= 1
            return
        if self._past:
            self._restore(self._past.pop())

    def next_phase(self) -> None:
        """To the first step of the next phase (the last step if this is the last phase)."""
        boundaries = self.index.boundaries
        k = bisect.bisect_right(boundaries, self.cursor)
        self.cursor = boundaries[k] if k < len(boundaries) else len(self.trace.steps) - 1

    def previous_phase(self) -> None:
        """To the first step of this phase, or of the previous one if already there."""
        boundaries = self.index.boundaries
        k = bisect.bisect_left(boundaries, self.cursor) - 1
        self.cursor = boundaries[k] if k >= 0 else -1

    def finish(self) -> None:
        """Straight to the end of the iteration: the loss with the updated parameters."""
        self.cursor = len(self.trace.steps) - 1

    def reset(self) -> None:
        """Back to the starting network, iteration 1 (undoable with `back`)."""
        self._push()
        self.iteration = 1
        self._points = ()
        self._test_points = ()
        self.message = None
        self.edited = frozenset()
        self.changed = frozenset()
        self._start(self.initial)

    def open(self, network: Network) -> None:
        """Switch to another network; `back` returns to this one."""
        self._push()
        self.initial = network
        self.granularity = default_granularity(network)
        self.samples = None
        self.iteration = 1
        self._points = ()
        self._test_points = ()
        self.message = None
        self.edited = frozenset()
        self.changed = frozenset()
        self._start(network)

    # -- asking "what if?" ------------------------------------------------------------------------
    def edit(self, network: Network, what: Editable | None = None) -> None:
        """Go on from `network`, an edit of the one this iteration starts from (an engine edit
        of `self.network`): the iteration is traced again from READY with it, its loss history
        kept; `back` returns to exactly the state before. `what` is the number edited — marked
        from now on — or None for an edit of the architecture, after which the old references
        no longer name the same numbers (nothing stays marked) and the samples stepped through
        start again from the first ones."""
        self._push()
        self.message = None
        self.changed = frozenset()
        if what is None:
            self.edited = frozenset()
            self.samples = None
            if self.too_many(self._granularity):
                self.granularity = default_granularity(network)
        else:
            self.edited = self.edited | {what}
        self._start(network)

    def value_of(self, what: Editable) -> float:
        """The number `what` names in the network this iteration starts from."""
        return value_in(self.network, what)

    def set_granularity(self, granularity: Granularity) -> None:
        """Re-cut the current iteration into steps of another size, keeping the progress:
        the cursor lands on the last new step that shows nothing not yet shown."""
        if granularity not in GRANULARITIES:
            raise ValueError(f"unknown granularity {granularity!r}")
        if granularity == self.granularity:
            return
        self.granularity = granularity
        net = self.network
        seen: set[tuple[Any, ...]] = set()
        known: set[tuple[Any, ...]] = set()  # every number the old granularity ever shows
        for step in self.trace.steps:
            atoms = step_atoms(step, net)
            known |= atoms
            if step.index <= self._through:  # a result quiz mode hides is not seen yet
                seen |= atoms
        self._set_trace(build_trace(net, granularity, self.samples))
        # Numbers only one granularity shows (a layer's δ) follow from the ones both show.
        cursor = -1
        for step in self.trace.steps:
            if not (step_atoms(step, net) & known) <= seen:
                break
            cursor = step.index
        self.cursor = cursor

    def too_many(self, granularity: Granularity) -> bool:
        """True when stepping at `granularity` would mean more than MAX_STEPS steps, or
        weighted sums written out term by term with more than MAX_TERMS terms in all."""
        net = self.network
        if estimated_steps(net, granularity) > MAX_STEPS:
            return True
        weights = sum(layer.weights.size for layer in net.layers)
        return granularity != "layer" and 2 * net.n_samples * weights > MAX_TERMS

    def cycle_granularity(self) -> Granularity:
        """parameter → neuron → layer → parameter, skipping any with too many steps."""
        order = GRANULARITIES
        start = order.index(self._granularity)
        for k in range(1, len(order)):
            candidate = order[(start + k) % len(order)]
            if not self.too_many(candidate):
                self.set_granularity(candidate)
                break
        return self._granularity

    # -- which samples are stepped through -------------------------------------------------------
    @property
    def _batch_samples(self) -> range:
        """The samples of this iteration's batch (all of them without mini-batches): the
        windows range over these, as only they have steps of their own."""
        return self.trace.step_batch.samples

    @property
    def sample_windows(self) -> int:
        """How many windows of `TRACE_SAMPLES` samples the batch has (1: all are traced)."""
        return -(-len(self._batch_samples) // TRACE_SAMPLES)

    @property
    def first_sample(self) -> int:
        """The sample the ready state shows: the first one the trace steps through."""
        return self.trace.samples[0]

    @property
    def sample_window(self) -> int:
        """Which window of the batch's samples the trace steps through (0 for the first)."""
        return (self.trace.samples[0] - self._batch_samples.start) // TRACE_SAMPLES

    def show_samples(self, window: int) -> None:
        """Step through window `window` of the batch's samples (its samples 16·window …
        16·window + 15) from the start of this iteration; `back` returns to the samples
        before."""
        window = max(0, min(self.sample_windows - 1, window))
        if window == self.sample_window:
            return
        self._push()
        batch = self._batch_samples
        self.samples = tuple(batch[window * TRACE_SAMPLES : (window + 1) * TRACE_SAMPLES])
        self._start(self.network)

    def more_precision(self) -> None:
        self.precision = min(MAX_PRECISION, self.precision + 1)

    def less_precision(self) -> None:
        self.precision = max(MIN_PRECISION, self.precision - 1)

    @property
    def _from_end(self) -> bool:
        """True when the iteration on screen is complete (and finite): it counts as done, so
        training goes on from its updated parameters."""
        return self.complete and self.trace.problem is None

    @property
    def training_start(self) -> Network:
        """The network `t` trains from: this iteration's updated parameters once the
        iteration is complete (it is done: training it again would count it twice), else the
        parameters this iteration started with (its steps so far are redone at full speed)."""
        return self.trace.network_after if self._from_end else self.network

    def apply_training(
        self,
        network: Network,
        loss_history: np.ndarray | list[float],
        steps_done: int,
        message: str | None = None,
    ) -> None:
        """Take the result of a training run that started from `training_start`: `steps_done`
        iterations more are complete, and the next one is ready."""
        points, tests, iteration = self._after_run(
            network, loss_history, steps_done, bool(steps_done > 0 or message)
        )
        self._push()
        self._points = points
        self._test_points = tests
        self.iteration = iteration
        self.message = message
        # A run of many iterations changes nearly every parameter: nothing is marked.
        self.changed = frozenset()
        self._start(network)

    def live_view(self, network: Network, loss_history: Sequence[float], done: int) -> Known:
        """What the class sees `done` iterations into a training run from `training_start`
        (`network` and the run's `loss_history` so far): the network drawn ready, with its
        parameters, the loss history as `apply_training` would leave it, and the iteration
        it is at. The session itself does not change: the run is applied when it ends."""
        points, tests, iteration = self._after_run(network, loss_history, done, done > 0)
        live = _LiveRun(network, self.precision, self._granularity)
        live.iteration = iteration
        live.loss_history = points
        live.test_loss_history = tests
        live.shown_loss = points[-1] if points else None
        known = known_at(live)
        return _LiveKnown(**{name.name: getattr(known, name.name) for name in fields(Known)})

    def _after_run(
        self,
        network: Network,
        loss_history: Sequence[float] | np.ndarray,
        steps_done: int,
        recorded: bool,
    ) -> tuple[tuple[float, ...], tuple[float | None, ...], int]:
        """The loss history, test losses and iteration after a run from `training_start` to
        `network` of `steps_done` steps whose loss history is `loss_history`; its points are
        added when `recorded` (a run that did something, or that says why it did not)."""
        points, tests, iteration = (
            (self._loss_history(True), self._test_loss_history(True), self.iteration + 1)
            if self._from_end
            else (self._points, self._test_points, self.iteration)
        )
        if recorded:
            history = [float(v) for v in loss_history]
            if points:
                new_points = history[1:]
            else:
                new_points, tests = history, ()
            points = (*points, *new_points)
            tests = _run_test_losses(self.training_start, network, tests, len(new_points))
        return points, tests, iteration + steps_done

    # -- quiz mode ------------------------------------------------------------------------------
    @property
    def quiz_on(self) -> bool:
        """True in quiz mode: each step `next` lands on is shown with its result hidden."""
        return self.quiz.on

    @property
    def hidden(self) -> bool:
        """True while the result of the step on screen is hidden (quiz mode). It stays
        hidden until the cursor moves (and only on the trace `next` left)."""
        hidden_at = self._hidden_at
        return (
            hidden_at is not None
            and hidden_at[0] is self.trace
            and hidden_at[1] == self.cursor
            and self.quiz.on
        )

    def set_quiz(self, on: bool) -> None:
        """Turn quiz mode on (from the next step on, results are hidden until the next key)
        or off (the step on screen is revealed). The score is kept."""
        self.quiz = self.quiz.turned(on)
        if not on:
            self.reveal()

    def reveal(self) -> None:
        """Show the result of the step on screen (nothing to do when it is not hidden)."""
        self._hidden_at = None

    def guess(self, text: str) -> Verdict:
        """Mark `text` as the class's guess of the hidden result, right when it is written
        the same at the precision on screen; reveal the result and count the guess. Raises
        ValueError with a one-line reason when nothing is hidden or `text` is not a guess
        (nothing changes then)."""
        step = self.step
        if not self.hidden or step is None:
            raise ValueError("nothing to guess: the result is shown")
        precision = self.precision
        verdict = judge(text, step.value, step.symbol, step.result(precision), precision)
        self.quiz = self.quiz.marked(self._step_key(), verdict)
        self.reveal()
        return verdict

    def _step_key(self) -> tuple[Any, ...]:
        """The step on screen, as the quiz remembers a guessed step: its network (compared
        by identity, and kept alive by the key, so back across iterations and edits finds
        it), granularity, samples and index."""
        return (self.network, self.granularity, self.trace.samples, self.cursor)

    def _quiz_shown(self) -> QuizShown | None:
        """What the views draw of the quiz at the cursor; None when it is off."""
        if not self.quiz.on:
            return None
        return self.quiz.shown(self._step_key(), self.hidden)

    # -- history --------------------------------------------------------------------------------
    def _push(self) -> None:
        self._past.append(
            _Snapshot(
                self.initial,
                self._granularity,
                self.network,
                self.trace,
                self.samples,
                self.iteration,
                self.cursor,
                self._points,
                self._test_points,
                self.message,
                self.edited,
                self.changed,
            )
        )
        if len(self._past) > KEEP_TRACES:
            old = self._past[-KEEP_TRACES - 1]
            if old.trace is not None:
                self._past[-KEEP_TRACES - 1] = replace(old, trace=None)

    def _restore(self, snap: _Snapshot) -> None:
        self.initial = snap.initial
        self.granularity = snap.granularity
        self.network = snap.network
        self.iteration = snap.iteration
        self._points = snap.points
        self._test_points = snap.test_points
        self.message = snap.message
        self.samples = snap.samples
        self.edited = snap.edited
        self.changed = snap.changed
        trace = snap.trace
        if trace is None or trace.granularity != snap.granularity:
            trace = build_trace(snap.network, snap.granularity, snap.samples)
        self._set_trace(trace)
        self.cursor = snap.cursor


_BIG = 1 << 62


@dataclass(frozen=True, eq=False)
class _LiveKnown(Known):
    """The answer for a training run as it goes: no trace, so the step number and the batch
    of the run's next step are read from its network's state (the opening's, with a file's
    plain numbers, are those of a run not started)."""

    @property
    def t(self) -> int:
        network = self.network
        assert isinstance(network, Network)  # a live run's network is an engine network
        return network.t + 1

    @property
    def batch(self) -> Batch:
        network = self.network
        assert isinstance(network, Network)
        return batch_at(network.n_samples, network.batch_size, network.t)


class _LiveRun(Opening):
    """A training run as it goes: its network, ready (no step traced), with the history so
    far; read by `known_at` like the opening, whose network is a file's plain numbers."""

    test_loss_history: tuple[float | None, ...] = ()

    def __init__(self, network: Network, precision: int, granularity: Granularity) -> None:
        super().__init__(network, precision)  # type: ignore[arg-type]  # the same questions
        self.granularity = granularity


def test_loss(network: Network) -> float | None:
    """`network`'s loss on its held-out samples (None without a test set), computed once per
    network: the history asks again at every key press, and the parameters rarely change."""
    known = _test_losses.get(network, _UNKNOWN)
    if known is _UNKNOWN:
        from nntui.engine.evaluation import scores

        known = _test_losses[network] = scores(network).test_loss
    return known  # type: ignore[return-value]


_UNKNOWN = object()
_test_losses: weakref.WeakKeyDictionary[Network, float | None] = weakref.WeakKeyDictionary()


def _run_test_losses(
    start: Network,
    trained: Network,
    before: tuple[float | None, ...],
    new_points: int,
) -> tuple[float | None, ...]:
    """The test losses of a history that a training run from `start` to `trained` extended by
    `new_points` points: the run's start (when it opens the history: `before` is empty), None
    for the points between, and the trained network's at its end. Empty without a test set."""
    if trained.n_test_samples == 0 or new_points == 0:
        return before
    if not before:
        before = (test_loss(start),)
        new_points -= 1
    if new_points == 0:
        return before
    return (*before, *([None] * (new_points - 1)), test_loss(trained))


def value_in(net: Network, what: Editable) -> float:
    """The number `what` names in `net`."""
    if isinstance(what, ParamRef):
        layer = net.layers[what.layer]
        assert what.neuron is not None
        if what.kind == "bias":
            return float(layer.biases[what.neuron])
        assert what.input is not None
        return float(layer.weights[what.neuron, what.input])
    if isinstance(what, InputRef):
        return float(net.inputs[what.sample][what.index])
    if isinstance(what, TargetRef):
        return float(net.targets[what.sample][what.index])
    return float(net.learning_rate)


def changed_parameters(before: Network, after: Network) -> frozenset[ParamRef]:
    """Every weight and bias whose value differs between two networks of the same shape
    (none when the shapes differ: then nothing is comparable)."""
    if before.shape != after.shape:
        return frozenset()
    changed: set[ParamRef] = set()
    for index, (old, new) in enumerate(zip(before.layers, after.layers, strict=True)):
        for neuron, source in zip(*np.nonzero(old.weights != new.weights), strict=True):
            changed.add(ParamRef(index, "weight", int(neuron), int(source)))
        for neuron in np.flatnonzero(old.biases != new.biases):
            changed.add(ParamRef(index, "bias", int(neuron)))
    return frozenset(changed)


def _same_state(before: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """`view()`'s cache test: the trace and the history are compared by identity (a trace
    holds NumPy arrays, and the history may hold millions of points), the rest by value."""
    return before[0] is now[0] and before[1] is now[1] and before[2:] == now[2:]
