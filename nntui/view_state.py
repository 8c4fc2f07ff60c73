"""What the class knows at the cursor: the one answer every view of the debugger draws.

The graph, the ledger, the step panel and the title ask one question — "what is known at
this cursor?" — and `Known` is its answer: which values of each neuron are revealed, each
parameter's value, gradient, Δ and new value (None until their step), what the current step
reads and writes, and the title's facts. The views format and lay out; they decide nothing
about the trace. `Session.view()` computes it once per state of the session (so a key press
costs one answer); `known_at` answers for the app's opening too (the ready state drawn before
NumPy is imported), and this module imports neither NumPy nor Textual.

A `Known` is immutable and compared by identity: the app holds it in a Textual reactive
(whose `!=` would raise on NumPy arrays), and a new one means "draw again". Per neuron and per
parameter it answers on demand — a ledger of 100,000 parameters draws a screenful of rows.

In quiz mode the step on screen may have its result hidden (`Known.quiz`): then every value
is as the step before left it (`Known.through`), while what the step reads and writes — the
highlighted nodes, edges and ledger rows — is the cursor's, so the class sees where the result
will go.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nntui.engine.batches import Batch, batch_at
from nntui.engine.ops.activations import activation
from nntui.engine.spec import Granularity, NetworkSpec, ParamRef
from nntui.trace_index import (
    NO_PARTS,
    LedgerRows,
    PartColumn,
    TraceIndex,
    UpdateIndex,
    part_columns,
    update_index,
)

# For the type checker only: NumPy is not imported before the first frame, and the protocols
# would cost that frame time for nothing.
if TYPE_CHECKING:
    from typing import Protocol

    from nntui.engine.evaluation import Scores
    from nntui.engine.network import Network
    from nntui.engine.trace import Edge, Step, Trace
    from nntui.quiz import QuizShown

    class Column(Protocol):
        """Numbers by ledger row: a NumPy array, or for the opening a sequence that looks them up
        (and an empty one for the gradients and new values, which it never has)."""

        def __getitem__(self, row: int, /) -> Any: ...

        def __len__(self) -> int: ...

    class SessionLike(Protocol):
        """What `known_at` reads: a `Session`, or the `Opening` that stands in for a new one."""

        network: Any  # Network, or NetworkSpec for the opening
        trace: Any  # Trace, or None for the opening
        index: TraceIndex
        cursor: int
        precision: int
        granularity: Any
        iteration: int
        message: str | None

        @property
        def step(self) -> Step | None: ...
        @property
        def steps(self) -> Sequence[Step]: ...
        @property
        def first_sample(self) -> int: ...
        @property
        def shown_loss(self) -> float | None: ...
        @property
        def loss_history(self) -> tuple[float, ...]: ...
        @property
        def blocked(self) -> str | None: ...
        def ledger_columns(self) -> tuple[Column, Column, Column]: ...


__all__ = ["Known", "LossKnown", "NeuronKnown", "ParamKnown", "PartColumn", "known_at"]


@dataclass(frozen=True)
class NeuronKnown:
    """One neuron as the class knows it, for the sample on screen: None for a value whose
    step is still to come (and, in the check, for the backward values, which belong to the
    iteration before the update)."""

    pre: float | None  # z, the weighted sum
    post: float | None  # a = f(z)
    grad_post: float | None  # ∂E/∂a
    slope: float | None  # f′(z): only an elementwise activation has one of its own
    delta: float | None  # δ = ∂E/∂z
    has_slope: bool  # False for softmax, which works through δ instead
    inactive: bool  # a ReLU whose z ≤ 0, once its activation is shown: it passes no gradient
    bias: float  # the new bias once its update is shown, else the old one
    bias_current: bool  # the current step computes or updates this bias


@dataclass(frozen=True)
class ParamKnown:
    """One row of the ledger: None for what is not computed yet."""

    ref: ParamRef
    name: str  # in the network's one style (`w100`, `w2_0_10`)
    value: float  # the value the iteration starts from
    grad: float | None  # the batch gradient ∂E/∂parameter
    delta: float | None  # Δ, the step: −learning_rate·gradient for plain SGD; see `Known.param`
    new: float | None  # the updated value
    current: bool  # the current step is about this parameter
    #: The optimizer's parts before Δ, one per `Known.part_columns` (velocity; m, v, m̂, v̂):
    #: None until the step that computes it, NaN for a part a fixed bias has none of. Empty
    #: for plain SGD.
    parts: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class LossKnown:
    """What the graph's loss node shows. With several samples: the batch loss once its step
    is shown (`E`, in the check `E*`); before that a sample's own loss once computed, named
    by its step's symbol (`E_1`) so it is not taken for the batch's. With one sample, its
    loss is the batch loss."""

    symbol: str
    value: float | None  # None: not computed yet
    of_sample: bool  # the value is one sample's loss, not the batch's


@dataclass(frozen=True, eq=False)
class Known:
    """Everything the views draw at one cursor; see the module docstring.

    Equality is identity: the session hands out the same answer until something it depends
    on changes, and a new answer tells the views to draw again.
    """

    network: Network | NetworkSpec  # the parameters this iteration starts from
    trace: Trace | None  # None for the opening, whose ready state needs none
    index: TraceIndex
    cursor: int  # −1: ready, no step shown yet
    precision: int
    granularity: Granularity
    iteration: int
    step: Step | None  # the step on screen
    total_steps: int
    sample: int  # the sample the graph and the ready panel show
    check: bool  # the step is in the check phase (the loss with the updated parameters)
    loss: float | None  # the loss as far as the class has seen it
    loss_history: tuple[float, ...]
    warning: str | None  # why the iteration cannot go on, or how a training run ended
    columns: tuple[Column, Column, Column]  # old value, gradient, new value, by ledger row
    #: The test loss after each completed iteration, beside `loss_history`, as the session
    #: records it (None where it has none); None when the session records none at all, and
    #: `test_history` says what the networks on screen give.
    recorded_test_history: tuple[float | None, ...] | None = None
    #: Quiz mode's state at the cursor (whether the step's result is hidden, the score, the
    #: verdict of a guess at this step); None when quiz mode is off.
    quiz: QuizShown | None = None

    @property
    def hidden(self) -> bool:
        """True when the result of the step on screen is hidden (quiz mode)."""
        return self.quiz is not None and self.quiz.hidden

    @property
    def through(self) -> int:
        """The last step whose result is revealed: the cursor's, or the one before while its
        result is hidden. Every value shown is as of this step."""
        return self.cursor - 1 if self.hidden else self.cursor

    # -- the title ----------------------------------------------------------------------------
    @property
    def phase(self) -> str:
        """`ready`, then the phase of the step on screen."""
        return "ready" if self.step is None else self.step.phase

    @property
    def phase_position(self) -> int | None:
        """The step's 1-based position within its phase (None when ready)."""
        return None if self.step is None else self.index.phase_position[self.step.index]

    @property
    def phase_steps(self) -> int | None:
        """How many steps the step's phase has (None when ready)."""
        return None if self.step is None else self.index.phase_total[self.step.phase]

    @property
    def optimizer(self) -> str | None:
        """The optimizer and its hyper-parameters not at their defaults (`adam`, `sgd (ρ =
        0.9)`); None for plain SGD, which the title does not name."""
        settings = self.network.optimizer
        if settings is None or settings.is_plain_sgd:  # a spec without [optimizer]: None
            return None
        return str(settings.summary())

    @property
    def t(self) -> int:
        """The number t of the training step on screen: 1 for the first step of a run."""
        return 1 if self.trace is None else self.trace.t

    @property
    def batch(self) -> Batch:
        """The samples the step on screen trains on: its mini-batch, or every sample."""
        if self.trace is not None:
            return self.trace.step_batch
        network = self.network  # the opening: a file's run starts at t = 0
        assert isinstance(network, NetworkSpec)
        return batch_at(network.n_samples, network.batch_size, 0)

    # -- the current step: what it reads and writes -------------------------------------------
    @property
    def current_rows(self) -> tuple[int, int] | None:
        """The ledger rows [start, stop) the current step is about, if any."""
        return self.index.rows_of_step.get(self.cursor)

    @property
    def focus_column(self) -> int:
        """The graph column the current step is about (0, the inputs, when ready)."""
        step = self.step
        if step is None:
            return 0
        if step.kind in ("loss", "batch_loss"):
            return len(self.network.layers) + 1
        return 0 if step.layer is None else step.layer + 1

    def node_lit(self, column: int, neuron: int | None) -> bool:
        """True when the current step reads or writes node (column, neuron); a neuron of
        None asks about the column as a whole (any of its nodes)."""
        if self.step is None:
            return False
        return any(
            node[0] == column and (neuron is None or node[1] is None or node[1] == neuron)
            for node in self.step.nodes
        )

    def edge_lit(self, layer: int, neuron: int, source: int | None) -> bool:
        """True when the current step reads the weight of the edge from `source` into
        neuron `neuron` of `layer`; a source of None asks about any edge into the neuron."""
        if self.step is None:
            return False
        return any(_edge_matches(edge, layer, neuron, source) for edge in self.step.edges)

    def loss_edge_lit(self, output: int | None) -> bool:
        """True when the edge from output `output` into the loss carries the current step:
        the loss itself, or ∂E/∂o of that output."""
        step = self.step
        if step is None:
            return False
        if step.kind in ("loss", "batch_loss"):
            return True
        at_output = step.layer == len(self.network.layers) - 1 and step.neuron in (None, output)
        return step.phase == "backward" and step.kind in ("grad_post", "grad_pre") and at_output

    def param_lit(self, ref: ParamRef) -> bool:
        """True when the current step computes or updates parameter `ref`."""
        step = self.step
        return step is not None and step.param is not None and step.param.covers(ref)

    # -- values -------------------------------------------------------------------------------
    def weight(self, layer: int, neuron: int, source: int) -> float:
        """The weight as the class knows it: the new value once its update step is shown."""
        return self._param_value(ParamRef(layer, "weight", neuron, source))

    def bias(self, layer: int, neuron: int) -> float:
        """The bias as the class knows it: the new value once its update step is shown."""
        return self._param_value(ParamRef(layer, "bias", neuron))

    def _param_value(self, ref: ParamRef) -> float:
        row = self.index.params.row_of(ref)
        if self.index.new_at[row] <= self.through:
            assert self.trace is not None
            return float(self.trace.network_after.value_of(ref))
        return float(self.network.value_of(ref))

    def neuron(self, layer: int, neuron: int) -> NeuronKnown:
        """What is known of `neuron` of `layer` for the sample on screen."""
        pre = self._forward("pre", layer, neuron)
        post = self._forward("post", layer, neuron)
        record = activation(self.network.layers[layer].activation)
        # A ReLU is seen to switch off once its activation is shown: z ≤ 0.
        inactive = bool(record.inactive) and post is not None and self._raw_pre(layer, neuron) <= 0
        return NeuronKnown(
            pre=pre,
            post=post,
            grad_post=self._backward("grad_post", layer, neuron),
            slope=self._backward("deriv", layer, neuron),
            delta=self._backward("grad_pre", layer, neuron),
            has_slope=record.elementwise,
            inactive=inactive,
            bias=self.bias(layer, neuron),
            bias_current=self.param_lit(ParamRef(layer, "bias", neuron)),
        )

    def _forward(self, kind: str, layer: int, neuron: int) -> float | None:
        """z (`pre`) or a (`post`) of the sample on screen, None until its step; in the check,
        the values with the updated parameters."""
        prefix = "check_" if self.check else ""
        if self.trace is None or not self._revealed(prefix + kind, layer, neuron):
            return None
        forward = self.trace.forward_after if self.check else self.trace.forward
        array = forward.pre if kind == "pre" else forward.post
        return float(array[layer][self.sample, neuron])

    def _raw_pre(self, layer: int, neuron: int) -> float:
        assert self.trace is not None
        forward = self.trace.forward_after if self.check else self.trace.forward
        return float(forward.pre[layer][self.sample, neuron])

    def _backward(self, kind: str, layer: int, neuron: int) -> float | None:
        """A backward value of the sample on screen: None until its step, and in the check."""
        if self.check or self.trace is None or not self._revealed(kind, layer, neuron):
            return None
        backward = self.trace.backward
        arrays = {"grad_post": backward.grad_post, "grad_pre": backward.grad_pre}
        array = arrays[kind][layer] if kind in arrays else backward.local[layer]
        assert array is not None
        return float(array[self.sample, neuron])

    def _revealed(self, kind: str, layer: int, neuron: int) -> bool:
        at = self.index.revealed.get((self.sample, kind, layer, neuron))
        return at is not None and at <= self.through

    def loss_shown(self) -> LossKnown:
        """The graph's loss node; see `LossKnown`."""
        check = self.check
        star = "*" if check else ""
        revealed = self.index.revealed
        trace = self.trace
        through = self.through
        if trace is None:
            return LossKnown("E", None, False)
        if self.network.n_samples > 1:
            at = revealed.get((None, ("check_" if check else "") + "batch_loss"))
            if at is not None and at <= through:
                batch = trace.loss_after if check else trace.loss
                return LossKnown("E" + star, float(batch), False)
        at = revealed.get((self.sample, "check_loss" if check else "loss"))
        if at is None or at > through:
            return LossKnown("E" + star, None, False)
        forward = trace.forward_after if check else trace.forward
        symbol = trace.steps[at].symbol
        return LossKnown(symbol, float(forward.losses[self.sample]), symbol.startswith("E_"))

    @property
    def rows(self) -> LedgerRows:
        """The ledger's rows: every parameter, output layer first."""
        return self.index.params

    @property
    def part_columns(self) -> tuple[PartColumn, ...]:
        """The optimizer's columns between the gradient and Δ, in the order its update computes
        them (velocity; Adam's m, v, m̂, v̂): what `ParamKnown.parts` holds. None for plain SGD."""
        if self.trace is None:  # the opening: the file's optimizer, nothing computed yet
            return part_columns(self.network.optimizer)
        return self._updates.columns

    @functools.cached_property
    def _updates(self) -> UpdateIndex:
        if self.trace is None:
            return NO_PARTS
        return update_index(self.trace, self.index.params, self.index.new_at)

    def param(self, row: int) -> ParamKnown:
        """Ledger row `row` as far as it is computed."""
        index = self.index
        ref = index.params[row]
        old, grads, new_values = self.columns
        value = float(old[row])
        through = self.through
        grad = float(grads[row]) if index.grad_at[row] <= through else None
        new = delta = None
        if index.new_at[row] <= through:
            new = float(new_values[row])
            delta = self._step(ref, float(grads[row]), value, new)
        current = self.current_rows
        updates = self._updates
        parts: tuple[float | None, ...] = tuple(
            float(values[row]) if shown_at[row] <= through else None
            for values, shown_at in zip(updates.values, updates.shown_at, strict=True)
        )
        if self.trace is None:  # the opening: no part of the update is computed yet
            parts = (None,) * len(self.part_columns)
        return ParamKnown(
            ref=ref,
            name=index.params.name_of(ref),
            value=value,
            grad=grad,
            delta=delta,
            new=new,
            current=current is not None and current[0] <= row < current[1],
            parts=parts,
        )

    # -- the loss history ---------------------------------------------------------------------
    @property
    def has_test_set(self) -> bool:
        """Whether the network holds samples out of training (SPEC §7): a test loss to show."""
        return self.network.n_test_samples > 0

    @property
    def is_classification(self) -> bool:
        """Whether the targets are classes (a data set's), so an accuracy means something."""
        data = self.network.data
        return data is not None and bool(data.is_classification)

    @functools.cached_property
    def scores(self) -> Scores | None:
        """Loss and accuracy, on the training samples and the test samples, of the network
        whose loss is the history's last point; None before there is a history, or when there
        is neither a test set nor classes to score."""
        network = self._latest_network
        if network is None or not (self.has_test_set or self.is_classification):
            return None
        return _scores_of(network)

    @functools.cached_property
    def test_history(self) -> tuple[float | None, ...]:
        """The test loss beside each point of `loss_history` (None where it is not known):
        the session's record when it keeps one; else what the networks on screen give — the
        test loss of the parameters this iteration started from and, once it is complete, of
        the updated ones. Empty without a test set."""
        points = len(self.loss_history)
        if not self.has_test_set or points == 0:
            return ()
        if self.recorded_test_history is not None:
            return self.recorded_test_history
        history: list[float | None] = [None] * points
        latest = self._latest_network
        if latest is not None:
            history[-1] = _scores_of(latest).test_loss
            if latest is not self.network and points > 1:
                assert not isinstance(self.network, NetworkSpec)
                history[-2] = _scores_of(self.network).test_loss
        return tuple(history)

    @property
    def _latest_network(self) -> Network | None:
        """The network whose loss is the last point of the history: the updated one once the
        iteration on screen is complete (and finite), else the one it starts from."""
        trace = self.trace
        if trace is None or not self.loss_history:
            return None
        complete = self.through == self.total_steps - 1 and trace.problem is None
        return trace.network_after if complete else trace.network

    def _step(self, ref: ParamRef, grad: float, value: float, new: float) -> float:
        """Δ as the ledger shows it: plain SGD's −µ·∂E/∂θ (0 for a bias that is not updated),
        or with another optimizer (momentum, Adam…) the step it took, θ* − θ."""
        assert self.trace is not None  # an update is shown: the trace is built
        network = self.trace.network
        if not network.optimizer.is_plain_sgd:
            return new - value
        if ref.kind == "bias" and not network.update_biases:
            return 0.0
        return -network.learning_rate * grad


def _edge_matches(edge: Edge, layer: int, neuron: int, source: int | None) -> bool:
    return (
        edge[0] == layer
        and edge[1] in (None, neuron)
        and (source is None or edge[2] in (None, source))
    )


#: Scores by network: every answer at a cursor asks again, and the parameters rarely change.
_scores: weakref.WeakKeyDictionary[Network, Scores] = weakref.WeakKeyDictionary()


def _scores_of(network: Network) -> Scores:
    """`evaluation.scores(network)`, computed once per network."""
    known = _scores.get(network)
    if known is None:
        from nntui.engine.evaluation import scores

        known = _scores[network] = scores(network)
    return known


def known_at(shown: SessionLike, quiz: QuizShown | None = None) -> Known:
    """The answer for `shown` as it is now (`Session.view()` keeps it until it changes), with
    quiz mode's state `quiz` (None when it is off). While the step's result is hidden, the
    values are as of the step before: the session's loss and histories say so themselves,
    and the check phase begins once its first result is revealed."""
    step = shown.step
    cursor = shown.cursor
    sample = shown.first_sample if cursor < 0 else shown.index.display_sample[cursor]
    hidden = quiz is not None and quiz.hidden
    through = cursor - 1 if hidden else cursor
    check = through >= 0 and shown.steps[through].phase == "check"
    return Known(
        network=shown.network,
        trace=shown.trace,
        index=shown.index,
        cursor=cursor,
        precision=shown.precision,
        granularity=shown.granularity,
        iteration=shown.iteration,
        step=step,
        total_steps=len(shown.steps),
        sample=sample,
        check=check,
        loss=shown.shown_loss,
        loss_history=shown.loss_history,
        warning=shown.blocked or shown.message,
        columns=shown.ledger_columns(),
        # A session that records the test loss per iteration says so; until then, see
        # `Known.test_history`.
        recorded_test_history=getattr(shown, "test_loss_history", None),
        quiz=quiz,
    )
