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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from nntui.engine.compute import Backward, Forward
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
from nntui.engine.spec import Granularity

Phase = Literal["forward", "loss", "backward", "update", "check"]
PHASES: tuple[Phase, ...] = ("forward", "loss", "backward", "update", "check")

Number = float | np.ndarray
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
    kind: str  # pre, post, loss, grad_post, deriv, grad_pre, grad, batch_grad, new
    layer: int | None
    neuron: int | None
    target: str
    symbol_expr: Expr
    formula_expr: Expr
    op: Literal["sum", "product", "update", "apply"]
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


@dataclass(frozen=True, eq=False)
class Trace:
    """One full training step of `network`, and every number of it as ordered `steps`."""

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
    #: and enter the batch's steps either way).
    samples: tuple[int, ...] = ()

    @property
    def all_samples(self) -> bool:
        """True when every sample has its own steps (as SPEC §4 describes for the export)."""
        return len(self.samples) == self.network.n_samples

    @property
    def loss(self) -> float:
        return self.forward.loss

    @property
    def loss_after(self) -> float:
        return self.forward_after.loss

    def to_json(self, precision: int = 3) -> dict[str, Any]:
        """The `nntui-trace/1` document (SPEC §4)."""
        fwd, bwd = self.forward, self.backward
        per_sample = []
        for sample in range(self.network.n_samples):
            per_sample.append(
                {
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
