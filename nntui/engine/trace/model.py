"""What a trace is: its steps (`Step`), the numbers they read (`Operand`) and the whole
training step (`Trace`), with the JSON document of SPEC §4.

A step holds its formula as structure (`nntui.engine.notation`): its symbol, its formula in
symbols, the same formula with number slots (`template`) and its sentence of why. The screen,
Markdown and SPEC §4's strings are the Unicode rendering of that structure (`symbol`,
`formula`, `substituted()`, `text()`, `reason()`); the LaTeX handout renders the same
structure as LaTeX (`latex_symbol()`, …), so it never reads a string back.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from nntui.engine.batches import Batch
from nntui.engine.compute import Backward, Forward, movable_mask, reduce_factor
from nntui.engine.network import Network, ParamRef
from nntui.engine.notation import (
    Expr,
    Label,
    Prose,
    fill,
    fill_prose,
    latex,
    latex_prose,
    latex_value,
    unicode,
    unicode_prose,
)
from nntui.engine.numbers import fmt_value
from nntui.engine.ops.optimizers import OptimizerSettings, UpdatePart
from nntui.engine.spec import Granularity

Phase = Literal["forward", "loss", "backward", "update", "check"]
PHASES: tuple[Phase, ...] = ("forward", "loss", "backward", "update", "check")

Number = float | np.ndarray
#: How a step's value follows from its parts: SPEC §4's four, and the optimizers' (SPEC §6,
#: `nntui.engine.ops.optimizers.OPS`; docs/json-formats.md lists them all).
StepOp = Literal[
    "sum",
    "product",
    "update",
    "apply",
    "add_product",
    "average",
    "average_square",
    "unbias",
    "adaptive_update",
    "decay",
]
#: Graph node: (column, neuron). Column 0 holds the inputs, column l+1 layer l, the last the
#: loss. neuron None means the whole column.
Node = tuple[int, int | None]
#: Graph edge pattern: (layer, neuron, input) into layer `layer`; None matches every index.
Edge = tuple[int, int | None, int | None]


@dataclass(frozen=True, eq=False)
class Operand:
    """A term of a sum or a factor of a product, written `expr`. A sum's term that is itself
    a product (w000·x0) keeps the numbers it multiplies in `parts` so they can be written out."""

    expr: Expr
    value: Number
    parts: tuple[Number, ...] = ()

    @property
    def symbol(self) -> str:
        """`w000·x0`, as SPEC §4's terms and factors name it."""
        return unicode(self.expr)


@dataclass(frozen=True, eq=False)
class Step:
    """One number of the training step and how it follows from others (SPEC §4).

    `symbol_expr`, `formula_expr` and `template` (the formula with slots for `numbers`) are
    formulas as tokens; `why_prose` is the sentence of why, with slots for `why_numbers`.
    `labels` name the entries of a long array among `numbers` (`h{0}`), one per number;
    `value_label` those of `value`, `why_labels` those of `why_numbers`."""

    index: int
    phase: Phase
    sample: int | None
    # pre, post, loss, grad_post, deriv, grad_pre, grad, batch_grad, new; and an optimizer's
    # parts before `new`: g, velocity, look_ahead, m, v, m_hat, v_hat, decayed
    kind: str
    layer: int | None
    neuron: int | None
    target: str
    symbol_expr: Expr
    formula_expr: Expr
    op: StepOp
    operands: Sequence[Operand]  # a tuple, or `SumTerms` making a long sum's terms when read
    value: Number
    why_prose: Prose
    template: Expr
    numbers: tuple[Number, ...]
    param: ParamRef | None = None
    nodes: frozenset[Node] = frozenset()
    edges: frozenset[Edge] = frozenset()
    why_numbers: tuple[Number, ...] = ()
    labels: tuple[Label, ...] = ()
    value_label: Label = None
    why_labels: tuple[Label, ...] = ()

    # -- Unicode: the screen, Markdown and SPEC §4 ------------------------------------------------
    @functools.cached_property
    def symbol(self) -> str:
        """What this step computes: `h_pre0`, `∂E/∂w100`, `w100*`."""
        return unicode(self.symbol_expr)

    @functools.cached_property
    def formula(self) -> str:
        """How, in symbols: `w000·x0 + w001·x1 + w002·x2 + b00`."""
        return unicode(self.formula_expr)

    @functools.cached_property
    def why(self) -> str:
        """The sentence of why, its numbers as placeholders `{0}`, `{1}` (`reason()` fills them)."""
        return unicode_prose(self.why_prose)

    def substituted(self, precision: int = 3) -> str:
        """The formula with every number written in: `0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1)`."""
        return fill(self.template, self.numbers, precision, self.labels)

    def result(self, precision: int = 3) -> str:
        return fmt_value(self.value, precision, label=_label_text(self.value_label))

    def reason(self, precision: int = 3) -> str:
        """The sentence of why, with its numbers (if any) at `precision` decimals."""
        if not self.why_numbers:
            return self.why
        return fill_prose(self.why_prose, self.why_numbers, precision, self.why_labels)

    def text(self, precision: int = 3) -> str:
        """`h_pre0 = 0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1) = 0.290`."""
        return f"{self.symbol} = {self.substituted(precision)} = {self.result(precision)}"

    # -- LaTeX: the handout -----------------------------------------------------------------------
    def latex_symbol(self) -> str:
        r"""`\frac{\partial E}{\partial w_{100}}`."""
        return latex(self.symbol_expr)

    def latex_formula(self, expr: Expr | None = None) -> str:
        """The formula in symbols (or `expr`, a shortened form of it) as LaTeX math."""
        return latex(self.formula_expr if expr is None else expr)

    def latex_substituted(self, precision: int = 3, template: Expr | None = None) -> str:
        """The formula with its numbers (or `template`, a shortened form of it) as LaTeX math."""
        chosen = self.template if template is None else template
        return latex(chosen, self.numbers, precision, self.labels)

    def latex_result(self, precision: int = 3) -> str:
        return latex_value(self.value, precision, self.value_label)

    def latex_reason(self, precision: int = 3) -> str:
        """The sentence of why as LaTeX text, its mathematics in `$…$`."""
        return latex_prose(self.why_prose, self.why_numbers, precision, self.why_labels)

    def to_json(self, precision: int = 3) -> dict[str, Any]:
        parts_key = "terms" if self.op == "sum" else "factors"
        return {
            "index": self.index,
            "phase": self.phase,
            "sample": self.sample,
            "target": self.target,
            "symbol": self.symbol,
            "formula": self.formula,
            "op": self.op,
            parts_key: [
                {"symbol": o.symbol, "value": _json_number(o.value)} for o in self.operands
            ],
            "value": _json_number(self.value),
            "param": None if self.param is None else self.param.to_json(),
            "text": self.text(precision),
            "why": self.reason(precision),
        }


def _label_text(label: Label) -> str | None:
    return None if label is None else unicode(label)


@dataclass(frozen=True)
class UpdateColumn:
    """One number of every parameter's update by an optimizer (SPEC §6), for a ledger column:
    `key` as in the trace's values ("b_new", "m_new", "v_hat", "step"), `title` ("velocity",
    "average of g"), `symbol` ("v", "m", "m̂", "Δ"), and the numbers as the gradients are
    laid out, each layer's `weights` and `biases`. A fixed bias (`update_biases = false`)
    keeps its state (the state's columns show it unchanged) and has no other number of the
    update (NaN); its step Δ is 0."""

    key: str
    title: str
    symbol: str
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]


@dataclass(frozen=True, eq=False)
class Trace:
    """One full training step of `network`, and every number of it as ordered `steps`.

    `batch` is the samples the step trains on (every sample, or its mini-batch, SPEC §6);
    `update_values` every number of the optimizer's parts by key, flat in the network's
    `ParamLayout` order (empty for plain SGD). The run's state before the step is
    `network.state`, after it `network_after.state`; `t` is this step's number."""

    network: Network
    granularity: Granularity
    forward: Forward
    backward: Backward
    network_after: Network
    forward_after: Forward
    steps: tuple[Step, ...]
    phase_starts: dict[Phase, int] = field(default_factory=dict)
    #: Why this step cannot be taken, when a loss, gradient or new parameter is not finite
    #: (e.g. "the gradient of w012 is not finite (inf)"); None for a healthy step.
    problem: str | None = None
    #: The samples whose own steps are traced, in order (every sample's numbers are computed
    #: and the batch's enter the batch's steps either way).
    samples: tuple[int, ...] = ()
    batch: Batch | None = None  # None: the network's next batch
    update_values: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.batch is None:
            object.__setattr__(self, "batch", self.network.batch)

    @property
    def step_batch(self) -> Batch:
        """`batch`, never None."""
        assert self.batch is not None
        return self.batch

    @property
    def all_samples(self) -> bool:
        """True when every sample of the batch has its own steps (as SPEC §4 describes for the
        export)."""
        return len(self.samples) == self.step_batch.size

    @property
    def optimizer(self) -> OptimizerSettings:
        return self.network.optimizer

    @property
    def t(self) -> int:
        """This step's number t: 1 for the first step of a run (SPEC §6)."""
        return self.network.t + 1

    @property
    def update_parts(self) -> tuple[UpdatePart, ...]:
        """The optimizer's parts of each parameter's update, in order; none for plain SGD,
        whose update is one step."""
        optimizer = self.optimizer
        return () if optimizer.is_plain_sgd else optimizer.record.parts(optimizer)

    @functools.cached_property
    def update_columns(self) -> tuple[UpdateColumn, ...]:
        """The optimizer's numbers of every parameter (see `UpdateColumn`): each part before
        the new value (velocity; m, v, m̂, v̂; …), then the step Δ = θ* − θ. None for plain
        SGD, whose step is −µ·∂E/∂θ."""
        parts = self.update_parts
        if not parts:
            return ()
        net, after = self.network, self.network_after
        moving = movable_mask(net)
        layout = net.layout
        states = after.state
        columns = []
        for part in parts[:-1]:
            values = np.asarray(self.update_values[part.key], dtype=np.float64)
            kept = states[part.state] if part.state is not None else np.nan
            shown = np.where(moving, values, kept)
            weights, biases = layout.unflatten(shown)
            columns.append(
                UpdateColumn(
                    part.key, part.title, unicode(part.symbol), tuple(weights), tuple(biases)
                )
            )
        weights, biases = layout.unflatten(after.flat() - net.flat())
        columns.append(UpdateColumn("step", "step", "Δ", tuple(weights), tuple(biases)))
        return tuple(columns)

    @property
    def loss(self) -> float:
        """The batch loss before the step (of the step's batch)."""
        return self.forward.loss

    @property
    def loss_after(self) -> float:
        """The same batch's loss after the step."""
        return self.forward_after.loss

    @property
    def training_loss(self) -> float:
        """The loss over every training sample before the step (SPEC §6's loss history, what
        `train` records); `loss` itself when the batch is every sample."""
        return self._every_sample(self.forward)

    @property
    def training_loss_after(self) -> float:
        """The loss over every training sample after the step."""
        return self._every_sample(self.forward_after)

    def _every_sample(self, fwd: Forward) -> float:
        if self.step_batch.is_everything:
            return fwd.loss
        return float(np.sum(fwd.losses) * reduce_factor(self.network))

    def to_json(self, precision: int = 3) -> dict[str, Any]:
        """The `nntui-trace/1` document (SPEC §4). With mini-batches, `per_sample` lists the
        batch's samples (each with its `sample` index) and `batch` says which; with any
        optimizer but plain SGD, `t` is the step's number."""
        fwd, bwd = self.forward, self.backward
        batch = self.step_batch
        mini = not batch.is_everything
        per_sample = []
        for sample in batch.samples:
            per_sample.append(
                {
                    **({"sample": sample} if mini else {}),
                    "x": self.network.inputs[sample].tolist(),
                    "y": self.network.targets[sample].tolist(),
                    "loss": float(fwd.losses[sample]),
                    "output": fwd.output[sample].tolist(),
                    "layers": [
                        {
                            "pre": fwd.pre[i][sample].tolist(),
                            "post": fwd.post[i][sample].tolist(),
                            "grad_pre": bwd.grad_pre[i][sample].tolist(),
                            "grad_post": bwd.grad_post[i][sample].tolist(),
                        }
                        for i in range(len(self.network.layers))
                    ],
                    "gradients": {
                        "layers": [
                            {
                                "weights": bwd.sample_weights[i][sample].tolist(),
                                "biases": bwd.sample_biases[i][sample].tolist(),
                            }
                            for i in range(len(self.network.layers))
                        ]
                    },
                }
            )
        return {
            "format": "nntui-trace/1",
            "network": self.network.to_dict(),
            **({"batch": batch.to_json()} if mini else {}),
            **({} if self.optimizer.is_plain_sgd else {"t": self.t}),
            "per_sample": per_sample,
            "loss": self.loss,
            "gradients": {
                "layers": [
                    {"weights": w.tolist(), "biases": b.tolist()}
                    for w, b in zip(bwd.weights, bwd.biases, strict=True)
                ]
            },
            "steps": [step.to_json(precision) for step in self.steps],
            "network_after": self.network_after.to_dict(),
            "loss_after": self.loss_after,
            # Only when some samples have no steps of their own: which ones do.
            **({} if self.all_samples else {"traced_samples": list(self.samples)}),
        }


def _json_number(value: Number) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return float(value)
