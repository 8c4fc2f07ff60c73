"""The trace of one training step: every number, in the order a lecturer explains it.

`build_trace(net)` runs the engine once (forward, backward, SGD, forward again) and writes each
number it produced as a frozen `Step`: what it computes (`symbol`, `target`), how (`formula`,
`op`, `operands`), the numbers substituted (`substituted()`), the result (`value`, always the
engine's own number) and one sentence of why. The export and the debugger both read this one
object, so what the class sees on screen is what `nntui export` prints.

Texts stay one readable line however big the network: a sum of more than SUM_TERMS terms is
written as its largest terms and what the others add up to, a long vector as its largest
entries by name (`numbers.fmt_value`); `operands` always keep every term, every number. A
weighted sum's terms are made only when read, so tracing a 784-input layer per neuron is cheap.

Order (SPEC §4): per sample, forward (each neuron's sum, then its activation) and its loss; the
batch loss; per sample, backward a layer at a time from the output (∂E/∂a of each neuron, each
activation derivative, then each parameter's chain-rule product); the reduction over samples;
the update of every parameter; the check (forward again with the new parameters, new loss).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import numpy as np

from nntui.engine.compute import Backward, Forward, backward, forward, reduce_factor, sgd_step
from nntui.engine.network import Network, ParamRef
from nntui.engine.numbers import ARRAY_EDGE, fmt_value
from nntui.engine.ops.activations import activation
from nntui.engine.ops.losses import loss
from nntui.engine.problems import step_problem
from nntui.engine.spec import (
    GRANULARITIES,
    Granularity,
    default_granularity_for,
    traced_sample_count,
)

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
    """A term of a sum or a factor of a product. A sum's term that is itself a product
    (w000·x0) keeps the numbers it multiplies in `parts` so they can be written out."""

    symbol: str
    value: Number
    parts: tuple[Number, ...] = ()


@dataclass(frozen=True, eq=False)
class Step:
    """One number of the training step and how it follows from others (SPEC §4)."""

    index: int
    phase: Phase
    sample: int | None
    kind: str  # pre, post, loss, grad_post, deriv, grad_pre, grad, batch_grad, new
    layer: int | None
    neuron: int | None
    target: str
    symbol: str
    formula: str
    op: Literal["sum", "product", "update", "apply"]
    operands: Sequence[Operand]  # a tuple, or `_SumTerms` making a long sum's terms when read
    value: Number
    why: str
    template: str  # the formula with numbers: "{0}·{1} + {2}" filled from `numbers`
    numbers: tuple[Number, ...]
    param: ParamRef | None = None
    nodes: frozenset[Node] = frozenset()
    edges: frozenset[Edge] = frozenset()
    why_numbers: tuple[Number, ...] = ()  # filled into `why`'s {0}, {1}… by `reason()`
    #: How the entries of an array number are named when a long one is shortened (`"x{0}"`,
    #: `"w0_{0}_{1}"`): one label per number of `numbers`, of `value`, of `why_numbers`.
    labels: tuple[str | None, ...] = ()
    value_label: str | None = None
    why_labels: tuple[str | None, ...] = ()

    def substituted(self, precision: int = 3) -> str:
        """The formula with every number written in: `0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1)`."""
        return _fill(self.template, self.numbers, precision, self.labels)

    def result(self, precision: int = 3) -> str:
        return fmt_value(self.value, precision, label=self.value_label)

    def reason(self, precision: int = 3) -> str:
        """The sentence of why, with its numbers (if any) at `precision` decimals."""
        if not self.why_numbers:
            return self.why

        def number(match: re.Match[str]) -> str:
            k = int(match.group(1))
            label = self.why_labels[k] if k < len(self.why_labels) else None
            return fmt_value(self.why_numbers[k], precision, label=label)

        return _PLACEHOLDER.sub(number, self.why)

    def text(self, precision: int = 3) -> str:
        """`h_pre0 = 0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1) = 0.290`."""
        return f"{self.symbol} = {self.substituted(precision)} = {self.result(precision)}"

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
        for s in range(self.network.n_samples):
            per_sample.append(
                {
                    "x": self.network.inputs[s].tolist(),
                    "y": self.network.targets[s].tolist(),
                    "loss": float(fwd.losses[s]),
                    "output": fwd.output[s].tolist(),
                    "layers": [
                        {
                            "pre": fwd.pre[i][s].tolist(),
                            "post": fwd.post[i][s].tolist(),
                            "grad_pre": bwd.grad_pre[i][s].tolist(),
                            "grad_post": bwd.grad_post[i][s].tolist(),
                        }
                        for i in range(len(self.network.layers))
                    ],
                    "gradients": {
                        "layers": [
                            {
                                "weights": bwd.sample_weights[i][s].tolist(),
                                "biases": bwd.sample_biases[i][s].tolist(),
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


def default_samples(net: Network) -> tuple[int, ...]:
    """The samples a trace steps through unless told: all of them, or the first
    `TRACE_SAMPLES` of a big data set."""
    return tuple(range(traced_sample_count(net.n_samples)))


def build_trace(
    net: Network, granularity: Granularity = "parameter", samples: Sequence[int] | None = None
) -> Trace:
    """Run one training step of `net` and trace it at `granularity`, with the own steps of
    `samples` (distinct sample indices, in increasing order; default `default_samples`).
    Batch steps (the batch loss, the reduced gradients) always cover every sample: the
    samples without steps of their own enter them as one term, their sum."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    chosen = default_samples(net) if samples is None else tuple(int(k) for k in samples)
    if (
        not chosen
        or list(chosen) != sorted(set(chosen))
        or not 0 <= chosen[0] <= chosen[-1] < net.n_samples
    ):
        raise ValueError(f"samples must be distinct sample indices in order, got {samples!r}")
    # A diverging network overflows on purpose: the numbers say inf, `problem` says why,
    # and NumPy stays quiet.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fwd = forward(net)
        bwd = backward(net, fwd)
        after = sgd_step(net, bwd)
        fwd_after = forward(after)
        builder = _Builder(net, granularity, fwd, bwd, after, fwd_after, chosen)
        steps = tuple(builder.build())
    starts: dict[Phase, int] = {}
    for step in steps:
        starts.setdefault(step.phase, step.index)
    problem = _problem(net, fwd, bwd, after, fwd_after)
    return Trace(net, granularity, fwd, bwd, after, fwd_after, steps, starts, problem, chosen)


def _problem(
    net: Network, fwd: Forward, bwd: Backward, after: Network, fwd_after: Forward
) -> str | None:
    """Why this training step cannot be taken, or None when every number of it is finite:
    the first number that is not (pre/post of every layer, every loss, every gradient, every
    new parameter, the check), named as the steps name it (`step_problem`)."""
    names = _Names(net)

    def symbol(kind: str, layer: int, neuron: int) -> str:
        return names.pre(layer, neuron) if kind == "pre" else names.post(layer, neuron)

    return step_problem(net, fwd, bwd, after, fwd_after, symbol)


def estimated_steps(net: Network, granularity: Granularity, samples: int | None = None) -> int:
    """About how many steps one iteration has at `granularity` stepping through `samples`
    samples (default: as many as `default_samples`), without building it."""
    n = traced_sample_count(net.n_samples) if samples is None else samples
    neurons = sum(layer.size for layer in net.layers)
    params = net.n_params
    layers = len(net.layers)
    if granularity == "parameter":
        return n * (5 * neurons + params) + 2 * params
    if granularity == "neuron":
        return n * 7 * neurons + 4 * neurons
    return n * 8 * layers + 4 * layers


def default_granularity(net: Network) -> Granularity:
    """One step per parameter for small networks (the document's way), per layer for big ones."""
    return default_granularity_for(net.n_params, net.n_samples)


# -- writing numbers into templates ------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\d+)\}")


def _fill(
    template: str,
    numbers: Sequence[Number],
    precision: int,
    labels: Sequence[str | None] = (),
) -> str:
    """Substitute numbers, short form (a long array named by its entry in `labels`); a
    negative scalar gets parentheses unless it stands first, alone inside brackets already,
    or after a colon (`(781 more: −0.3)`)."""

    def neighbour(start: int, step: int) -> str:
        """The nearest non-space character from `start` going by `step` ("" at an end)."""
        while 0 <= start < len(template) and template[start] == " ":
            start += step
        return template[start] if 0 <= start < len(template) else ""

    def sub(match: re.Match[str]) -> str:
        k = int(match.group(1))
        label = labels[k] if k < len(labels) else None
        text = fmt_value(numbers[k], precision, short=True, label=label)
        before, after = neighbour(match.start() - 1, -1), neighbour(match.end(), 1)
        bare = before in ("", ":") or (before == "(" and after == ")")
        if text.startswith("−") and not bare:
            return f"({text})"
        return text

    return _PLACEHOLDER.sub(sub, template)


def _json_number(value: Number) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return float(value)


#: A sum of more than this many terms is written with its ARRAY_EDGE largest terms (by
#: magnitude) and what the others add up to: `0.21·0.99 + … + (781 more, 144 non-zero: 0.912)`.
#: Its `operands` keep every term.
SUM_TERMS = 8


def _sum_parts(terms: np.ndarray) -> tuple[list[int], str | None, float]:
    """Which terms of a sum to write (all, or the ARRAY_EDGE largest, largest first), the
    note for the others (`781 more, 144 non-zero`; None when none is left out) and their sum."""
    count = len(terms)
    if count <= SUM_TERMS:
        return list(range(count)), None, 0.0
    size = np.where(np.isnan(terms), np.inf, np.abs(terms))
    shown = np.argsort(-size, kind="stable")[:ARRAY_EDGE]
    others = np.ones(count, dtype=bool)
    others[shown] = False
    left = count - len(shown)
    nonzero = int(np.count_nonzero(terms[others]))
    note = f"{left} more" if nonzero == left else f"{left} more, {nonzero} non-zero"
    return [int(i) for i in shown], note, float(np.sum(terms[others]))


def _products_text(terms: Sequence[Operand]) -> tuple[str, str, tuple[Number, ...]]:
    """A sum of products — its formula, template and numbers (each term's `parts`); a long
    one written as `_sum_parts` says."""
    shown, note, rest = _sum_parts(np.array([float(t.value) for t in terms]))
    formula: list[str] = []
    template: list[str] = []
    numbers: list[Number] = []
    for i in shown:
        factors = terms[i].parts or (terms[i].value,)
        formula.append(terms[i].symbol)
        template.append("·".join(f"{{{len(numbers) + k}}}" for k in range(len(factors))))
        numbers += factors
    if note is not None:
        formula.append(f"({len(terms) - len(shown)} more terms)")
        template.append(f"({note}: {{{len(numbers)}}})")
        numbers.append(rest)
    return " + ".join(formula), " + ".join(template), tuple(numbers)


class _SumTerms(Sequence[Operand]):
    """The terms of a neuron's weighted sum — each weight times its input, then the bias —
    made when read: a 784-input neuron's 785 terms cost nothing until an export asks."""

    def __init__(
        self,
        w_name: Callable[[int], str],
        in_names: Sequence[str],
        weights: np.ndarray,
        inputs: np.ndarray,
        b_name: str,
        bias: float,
    ) -> None:
        self._w_name, self._in_names = w_name, in_names
        self._weights, self._inputs = weights, inputs
        self._b_name, self._bias = b_name, bias

    def __len__(self) -> int:
        return len(self._weights) + 1

    @overload
    def __getitem__(self, k: int) -> Operand: ...
    @overload
    def __getitem__(self, k: slice) -> Sequence[Operand]: ...
    def __getitem__(self, k: int | slice) -> Operand | Sequence[Operand]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        fan_in = len(self._weights)
        if k < 0:
            k += fan_in + 1
        if k == fan_in:
            return Operand(self._b_name, self._bias)
        if not 0 <= k < fan_in:
            raise IndexError(k)
        w, a = float(self._weights[k]), float(self._inputs[k])
        return Operand(f"{self._w_name(k)}·{self._in_names[k]}", w * a, (w, a))


# -- names ----------------------------------------------------------------------------------


class _Names:
    """Symbols in the worked example's style: x0, h_pre0, h0, o_pre, o, E, w100, b10.

    Neurons carry one index after their layer's stem (`h_pre10`, `h1_10`: never ambiguous);
    parameters take the network's one naming style (`Network.param_name`: `w100`, or
    `w1_0_0` beside `w1_0_10`). The `*_each` methods give the label naming every entry of a
    layer's vector or matrix (`"h{0}"`, `"w0_{0}_{1}"`) for a shortened array."""

    def __init__(self, net: Network) -> None:
        self.n_layers = len(net.layers)
        self.sizes = [layer.size for layer in net.layers]
        self.many_samples = net.n_samples > 1
        self.separated = net.separated_names

    def param(self, ref: ParamRef, star: str = "") -> str:
        return ref.label(self.separated) + star

    def param_each(self, layer: int, kind: str, neuron: int | None = None) -> str:
        """The label of a layer's weights (`"w0_{0}_{1}"`), a row of them (`"w0_3_{0}"`) or its
        biases (`"b0_{0}"`)."""
        sep = "_" if self.separated else ""
        if kind == "bias":
            return f"b{layer}{sep}{{0}}"
        if neuron is None:
            return f"w{layer}{sep}{{0}}{sep}{{1}}"
        return f"w{layer}{sep}{neuron}{sep}{{0}}"

    def _stem(self, layer: int) -> str:
        if layer == self.n_layers - 1:
            return "o"
        return "h" if self.n_layers == 2 else f"h{layer}_"

    def _index(self, layer: int, neuron: int | str | None) -> str:
        if neuron is None or (layer == self.n_layers - 1 and self.sizes[layer] == 1):
            return ""
        return str(neuron)

    def pre(self, layer: int, neuron: int | str | None, star: str = "") -> str:
        stem = self._stem(layer)
        stem = stem.rstrip("_") + "_pre" if stem.endswith("_") else stem + "_pre"
        return f"{stem}{self._index(layer, neuron)}{star}"

    def post(self, layer: int, neuron: int | str | None, star: str = "") -> str:
        stem = self._stem(layer)
        index = self._index(layer, neuron)
        if stem.endswith("_") and not index:
            stem = stem[:-1]
        return f"{stem}{index}{star}"

    def input(self, layer: int, i: int | str | None, star: str = "") -> str:
        """What layer `layer` reads: x_i, or the previous layer's activation."""
        if layer == 0:
            return "x" if i is None else f"x{i}"
        return self.post(layer - 1, i, star)

    def pre_each(self, layer: int, star: str = "") -> str:
        return self.pre(layer, "{0}", star)

    def post_each(self, layer: int, star: str = "") -> str:
        return self.post(layer, "{0}", star)

    def input_each(self, layer: int, star: str = "") -> str:
        return self.input(layer, "{0}", star)

    def loss(self, sample: int | None) -> str:
        return f"E_{sample}" if (self.many_samples and sample is not None) else "E"


def _param(layer: int, kind: str, neuron: int | None, i: int | None = None) -> ParamRef:
    return ParamRef(layer, kind, neuron, i)  # type: ignore[arg-type]


# -- the builder ------------------------------------------------------------------------------


class _Builder:
    """Writes the steps; one method per kind of step, granularity decides the shapes."""

    def __init__(
        self,
        net: Network,
        granularity: Granularity,
        fwd: Forward,
        bwd: Backward,
        after: Network,
        fwd_after: Forward,
        samples: tuple[int, ...],
    ) -> None:
        self.net = net
        self.g = granularity
        self.samples = samples
        #: The samples without steps of their own (they enter the batch steps as one sum).
        self.untraced = np.ones(net.n_samples, dtype=bool)
        self.untraced[list(samples)] = False
        self.n_untraced = net.n_samples - len(samples)
        self.fwd = fwd
        self.bwd = bwd
        self.after = after
        self.fwd_after = fwd_after
        self.names = _Names(net)
        self.n_layers = len(net.layers)
        self.loss_column = self.n_layers + 1
        self.steps: list[Step] = []
        self._names_cache: dict[tuple[int, str], list[str]] = {}
        last = net.layers[-1].activation
        loss_kind = loss(net.loss)
        # Softmax + cross-entropy and sigmoid + bce go straight to ∂E/∂o_pre = o − y: the
        # factors ∂E/∂o and ∂o/∂o_pre underflow where the output saturates, their product not.
        self.direct_delta = loss_kind.fused_delta is not None and last == loss_kind.output
        # A classifier's output is read as a class: a loss that requires its output activation
        # (bce, cross-entropy), or a sigmoid output trained on 0/1 targets (the worked
        # example). Anything else is a regression.
        self.classifier = loss_kind.output is not None or (
            last == "sigmoid" and bool(np.isin(net.targets, (0.0, 1.0)).all())
        )

    def add(self, **kw: Any) -> None:
        self.steps.append(Step(index=len(self.steps), **kw))

    def add_product(self, ops: Sequence[Operand], **kw: Any) -> None:
        """A chain-rule product: its formula, template and numbers all come from `ops`
        (`labels`, if given, name the entries of each)."""
        self.add(
            formula=" · ".join(o.symbol for o in ops),
            op="product",
            operands=tuple(ops),
            template=" · ".join(f"{{{k}}}" for k in range(len(ops))),
            numbers=tuple(o.value for o in ops),
            **kw,
        )

    def build(self) -> list[Step]:
        net = self.net
        for s in self.samples:
            self.forward_sample(s, self.net, self.fwd, "forward", "")
            self.loss_step(s, self.fwd, "loss", "")
        if net.n_samples > 1:
            self.batch_loss(self.fwd, "loss", "")
        for s in self.samples:
            for layer in reversed(range(self.n_layers)):
                self.backward_layer(s, layer)
        if net.n_samples > 1:
            for layer in reversed(range(self.n_layers)):
                self.reduce_layer(layer)
        for layer in reversed(range(self.n_layers)):
            self.update_layer(layer)
        for s in self.samples:
            self.forward_sample(s, self.after, self.fwd_after, "check", "*")
            self.loss_step(s, self.fwd_after, "check", "*")
        if net.n_samples > 1:
            self.batch_loss(self.fwd_after, "check", "*")
        return self.steps

    # -- forward ----------------------------------------------------------------------------
    def forward_sample(self, s: int, net: Network, fwd: Forward, phase: Phase, star: str) -> None:
        for layer_index, layer in enumerate(net.layers):
            if self.g == "layer":
                self.weighted_sum_layer(s, layer_index, net, fwd, phase, star)
                self.activation_step(s, layer_index, None, fwd, phase, star)
                continue
            for j in range(layer.size):
                self.weighted_sum(s, layer_index, j, net, fwd, phase, star)
                if activation(layer.activation).elementwise:
                    self.activation_step(s, layer_index, j, fwd, phase, star)
            if not activation(layer.activation).elementwise:
                self.activation_step(s, layer_index, None, fwd, phase, star)

    def weighted_sum(
        self, s: int, li: int, j: int, net: Network, fwd: Forward, phase: Phase, star: str
    ) -> None:
        n = self.names
        layer = net.layers[li]
        a_prev = fwd.layer_input(li)[s]
        in_star = star if li > 0 else ""
        in_names = self._input_names(li, in_star)
        w_row = layer.weights[j]
        b = float(layer.biases[j])
        b_name = n.param(ParamRef(li, "bias", j), star)

        def w_name(i: int) -> str:
            return n.param(ParamRef(li, "weight", j, i), star)

        shown, note, rest = _sum_parts(w_row * a_prev)
        if note is None:  # every term written out, as the document does
            template = _sum_template(layer.fan_in)
            pairs = zip(w_row.tolist(), a_prev.tolist(), strict=True)
            numbers = [*(v for pair in pairs for v in pair), b]
        else:
            template = " + ".join(f"{{{2 * q}}}·{{{2 * q + 1}}}" for q in range(len(shown)))
            template += f" + ({note}: {{{2 * len(shown)}}}) + {{{2 * len(shown) + 1}}}"
            numbers = [*(float(v) for i in shown for v in (w_row[i], a_prev[i])), rest, b]
        formula = " + ".join(f"{w_name(i)}·{in_names[i]}" for i in shown)
        if note is not None:
            formula += f" + ({layer.fan_in - len(shown)} more terms)"
        formula += f" + {b_name}"
        what = "inputs" if li == 0 else f"activations {n.input(li, None, in_star)}"
        # The document's intermediate numbers too: the weighted inputs before the bias (0.39).
        why = (
            f"{n.pre(li, j)} adds up its weighted {what} (here {{0}}) "
            f"and its bias {b_name} ({{1}})."
        )
        if star:
            why = (
                "The same sum with the updated weights: "
                f"weighted {what} {{0}}, bias {b_name} {{1}}."
            )
        self.add(
            phase=phase,
            sample=s,
            kind="pre",
            layer=li,
            neuron=j,
            target=f"pre[{li}][{j}]",
            symbol=n.pre(li, j, star),
            formula=formula,
            op="sum",
            operands=_SumTerms(w_name, in_names, w_row, a_prev, b_name, b),
            value=float(fwd.pre[li][s, j]),
            why=why,
            why_numbers=(float(w_row @ a_prev), b),
            template=template,
            numbers=tuple(numbers),
            nodes=frozenset({(li, None), (li + 1, j)}),
            edges=frozenset({(li, j, None)}),
        )

    def _input_names(self, li: int, star: str) -> list[str]:
        key = (li, star)
        if key not in self._names_cache:
            fan_in = self.net.layers[li].fan_in
            self._names_cache[key] = [self.names.input(li, i, star) for i in range(fan_in)]
        return self._names_cache[key]

    def weighted_sum_layer(
        self, s: int, li: int, net: Network, fwd: Forward, phase: Phase, star: str
    ) -> None:
        n = self.names
        layer = net.layers[li]
        a_prev = fwd.layer_input(li)[s]
        in_star = star if li > 0 else ""
        w_sym, b_sym, a_sym = f"W{li}{star}", f"b{li}{star}", n.input(li, None, in_star)
        terms = (Operand(f"{w_sym}·{a_sym}", layer.weights @ a_prev), Operand(b_sym, layer.biases))
        what = "inputs" if li == 0 else f"activations {a_sym}"
        why = f"The whole layer at once: the weighted {what} (here {{0}}) plus the biases ({{1}})."
        self.add(
            phase=phase,
            sample=s,
            kind="pre",
            layer=li,
            neuron=None,
            target=f"pre[{li}]",
            symbol=n.pre(li, None, star),
            formula=f"{w_sym}·{a_sym} + {b_sym}",
            op="sum",
            operands=terms,
            value=fwd.pre[li][s].copy(),
            why=why,
            why_numbers=(terms[0].value, terms[1].value),
            why_labels=(f"({w_sym}·{a_sym})_{{0}}", n.param_each(li, "bias") + star),
            template="{0}·{1} + {2}",
            numbers=(layer.weights, a_prev, layer.biases),
            labels=(
                n.param_each(li, "weight") + star,
                n.input_each(li, in_star),
                n.param_each(li, "bias") + star,
            ),
            value_label=n.pre_each(li, star),
            nodes=frozenset({(li, None), (li + 1, None)}),
            edges=frozenset({(li, None, None)}),
        )

    def activation_step(
        self, s: int, li: int, j: int | None, fwd: Forward, phase: Phase, star: str
    ) -> None:
        n = self.names
        record = activation(self.net.layers[li].activation)
        fn = record.symbol
        if j is None:
            z, a = fwd.pre[li][s].copy(), fwd.post[li][s].copy()
        else:
            z, a = float(fwd.pre[li][s, j]), float(fwd.post[li][s, j])
        pre, post = n.pre(li, j, star), n.post(li, j, star)
        last = li == self.n_layers - 1
        why = record.why(pre, post, z, a, last and self.classifier)
        why_numbers: tuple[Number, ...] = ()
        if last and j is not None and not self.classifier:
            y_sym = "y" if self.net.layers[li].size == 1 else f"y{j}"
            why += f" The output is {post} = {{0}}, against the target {y_sym} = {{1}}."
            why_numbers = (a, float(self.net.targets[s, j]))
        self.add(
            phase=phase,
            sample=s,
            kind="post",
            layer=li,
            neuron=j,
            target=f"post[{li}]" if j is None else f"post[{li}][{j}]",
            symbol=post,
            formula=f"{fn}({pre})",
            op="apply",
            operands=(Operand(pre, z),),
            value=a,
            why=why,
            why_numbers=why_numbers,
            template=f"{fn}({{0}})",
            numbers=(z,),
            labels=(n.pre_each(li, star),),
            value_label=n.post_each(li, star),
            nodes=frozenset({(li + 1, j)}),
        )

    def loss_step(self, s: int, fwd: Forward, phase: Phase, star: str) -> None:
        n = self.names
        last = self.n_layers - 1
        o, y = fwd.output[s], self.net.targets[s]
        size = o.shape[0]
        o_sym = n.post(last, None, star)
        record = loss(self.net.loss)
        formula, template = record.formula(size)
        numbers = tuple(v for k in range(size) for v in (float(y[k]), float(o[k])))
        if star:  # the check's loss reads the new output: ½·(y − o*)²
            formula = re.sub(r"\bo(_k)?\b", lambda m: f"o{m.group(1) or ''}*", formula)
        why = record.why
        if star:
            fell = fwd.losses[s] < self.fwd.losses[s]
            why = "The loss again with the updated parameters: " + (
                "lower than before the step, so the step helped."
                if fell
                else "not lower than before the step."
            )
        self.add(
            phase=phase,
            sample=s,
            kind="loss",
            layer=None,
            neuron=None,
            target="loss" if self.net.n_samples == 1 else f"loss[{s}]",
            symbol=n.loss(s) + star,
            formula=formula,
            op="apply",
            operands=(Operand(o_sym, _scalar_or_copy(o)), Operand("y", _scalar_or_copy(y))),
            value=float(fwd.losses[s]),
            why=why,
            template=template,
            numbers=numbers,
            nodes=frozenset({(self.loss_column, None), (last + 1, None)}),
        )

    def _batch_terms(
        self, symbol: Callable[[str], str], per_sample: np.ndarray, mean: bool
    ) -> tuple[Operand, ...]:
        """The terms of a batch sum: each traced sample's share, then (if any sample has no
        steps of its own) the others' shares summed into one term."""
        count = self.net.n_samples
        scale = reduce_factor(self.net)
        per = f"/{count}" if mean else ""
        terms = [
            Operand(symbol(str(s)) + per, _scalar_or_copy_of(per_sample[s]) * scale)
            for s in self.samples
        ]
        if self.n_untraced:
            rest = np.sum(per_sample[self.untraced], axis=0)
            name = f"(the other {self.n_untraced:,} samples)"
            terms.append(Operand(f"Σ {symbol(name)}" + per, _scalar_or_copy_of(rest) * scale))
        return tuple(terms)

    def batch_loss(self, fwd: Forward, phase: Phase, star: str) -> None:
        count = self.net.n_samples
        mean = self.net.reduction == "mean"
        terms = self._batch_terms(lambda k: f"E_{k}{star}", fwd.losses, mean)
        template, numbers, _ = _reduction_template(count, lambda k: float(fwd.losses[k]), mean)
        why = f"The batch loss is the {'mean' if mean else 'sum'} of the {count} samples' losses."
        self.add(
            phase=phase,
            sample=None,
            kind="batch_loss",
            layer=None,
            neuron=None,
            target="loss",
            symbol="E" + star,
            formula=" + ".join(t.symbol for t in terms),
            op="sum",
            operands=terms,
            value=fwd.loss,
            why=why,
            template=template,
            numbers=numbers,
            nodes=frozenset({(self.loss_column, None)}),
        )

    # -- backward ---------------------------------------------------------------------------
    def backward_layer(self, s: int, li: int) -> None:
        layer = self.net.layers[li]
        last = li == self.n_layers - 1
        neurons: list[int | None] = [None] if self.g == "layer" else list(range(layer.size))
        if last and self.direct_delta:
            for j in neurons:
                self.output_delta_step(s, li, j)
        else:
            for j in neurons:
                if last:
                    self.loss_gradient_step(s, li, j)
                else:
                    self.hidden_gradient_step(s, li, j)
            if not activation(layer.activation).elementwise:
                for j in neurons:
                    self.softmax_delta_step(s, li, j)
            else:
                for j in neurons:
                    self.derivative_step(s, li, j)
                if self.g == "layer":
                    self.delta_product_step(s, li)
        if self.g == "layer":
            self.layer_param_gradients(s, li)
        else:
            for j in range(layer.size):
                self.weight_gradients(s, li, j)
            for j in range(layer.size):
                self.bias_gradient(s, li, j)

    def _pick(self, array: np.ndarray, s: int, j: int | None) -> Number:
        return array[s].copy() if j is None else float(array[s, j])

    def _grad_sym(self, s: int, of: str) -> str:
        return f"∂{self.names.loss(s)}/∂{of}"

    def loss_gradient_step(self, s: int, li: int, j: int | None) -> None:
        n = self.names
        o = self._pick(self.fwd.post[li], s, j)
        y = self.net.targets[s].copy() if j is None else float(self.net.targets[s, j])
        record = loss(self.net.loss)
        formula, template = record.gradient_formula, record.gradient_template
        size = self.net.layers[li].size
        template = template.replace("K", str(size))
        formula = formula.replace("K", str(size))
        o_sym, y_sym = n.post(li, j), "y" if j is None or size == 1 else f"y{j}"
        formula = formula.replace("o", o_sym).replace("y", y_sym)
        self.add(
            phase="backward",
            sample=s,
            kind="grad_post",
            layer=li,
            neuron=j,
            target=_t("grad_post", li, j),
            symbol=self._grad_sym(s, o_sym),
            formula=formula,
            op="apply",
            operands=(Operand(o_sym, o), Operand(y_sym, y)),
            value=self._pick(self.bwd.grad_post[li], s, j),
            why=record.gradient_why,
            template=template,
            numbers=(o, y),
            labels=(n.post_each(li), "y{0}"),
            value_label=self._grad_sym(s, n.post_each(li)),
            nodes=frozenset({(self.loss_column, None), (li + 1, j)}),
        )

    def output_delta_step(self, s: int, li: int, j: int | None) -> None:
        n = self.names
        o = self._pick(self.fwd.post[li], s, j)
        y = self.net.targets[s].copy() if j is None else float(self.net.targets[s, j])
        o_sym = n.post(li, j)
        y_sym = "y" if j is None or self.net.layers[li].size == 1 else f"y{j}"
        softmax = self.net.layers[li].activation == "softmax"
        total = float(np.sum(self.net.targets[s])) if softmax else 1.0
        formula = f"{o_sym} − {y_sym}" if total == 1.0 else f"{o_sym}·Σy − {y_sym}"
        pair = "softmax with cross-entropy" if softmax else "a sigmoid with binary cross-entropy"
        why = (
            f"For {pair} the chain rule ∂E/∂o · ∂o/∂o_pre collapses to output minus "
            "target: ∂E/∂o_pre = o − y."
        )
        self.add(
            phase="backward",
            sample=s,
            kind="grad_pre",
            layer=li,
            neuron=j,
            target=_t("grad_pre", li, j),
            symbol=self._grad_sym(s, n.pre(li, j)),
            formula=formula,
            op="apply",
            operands=(Operand(o_sym, o), Operand(y_sym, y)),
            value=self._pick(self.bwd.grad_pre[li], s, j),
            why=why,
            template="{0} − {1}" if total == 1.0 else "{0}·" + f"{total:g}" + " − {1}",
            numbers=(o, y),
            labels=(n.post_each(li), "y{0}"),
            value_label=self._grad_sym(s, n.pre_each(li)),
            nodes=frozenset({(self.loss_column, None), (li + 1, j)}),
        )

    def _through_delta(self, li: int) -> bool:
        """Whether layer li's chain rule goes through an explicit ∂E/∂z (softmax, or the
        output layer's direct o − y) rather than ∂E/∂a · ∂a/∂z."""
        last = li == self.n_layers - 1
        elementwise = activation(self.net.layers[li].activation).elementwise
        return not elementwise or (last and self.direct_delta)

    def _delta_operands(self, s: int, li: int, k: int) -> list[Operand]:
        """How the gradient reaches neuron k's pre-activation: ∂E/∂a_k · ∂a_k/∂z_k, or the
        explicit ∂E/∂z_k where the layer works through δ (softmax)."""
        n = self.names
        if self._through_delta(li):
            return [Operand(self._grad_sym(s, n.pre(li, k)), float(self.bwd.grad_pre[li][s, k]))]
        local = self.bwd.local[li]
        assert local is not None
        return [
            Operand(self._grad_sym(s, n.post(li, k)), float(self.bwd.grad_post[li][s, k])),
            Operand(f"∂{n.post(li, k)}/∂{n.pre(li, k)}", float(local[s, k])),
        ]

    def hidden_gradient_step(self, s: int, li: int, j: int | None) -> None:
        n = self.names
        nxt = self.net.layers[li + 1]
        a_sym = n.post(li, j)
        if j is None:
            delta = self.bwd.grad_pre[li + 1][s]
            # The next layer's δ under the name its own step gave it: δ1, or ∂E_1/∂o_pre where
            # that layer works through an explicit ∂E/∂z (softmax, the fused output).
            if self._through_delta(li + 1):
                d_sym = self._grad_sym(s, n.pre(li + 1, None))
                d_each = self._grad_sym(s, n.pre_each(li + 1))
                d_entry = [self._grad_sym(s, n.pre(li + 1, k)) for k in range(nxt.size)]
            else:
                d_sym, d_each = f"δ{li + 1}", f"δ{li + 1}_{{0}}"
                d_entry = [f"δ{li + 1}_{k}" for k in range(nxt.size)]
            terms = tuple(
                Operand(
                    f"{d_entry[k]}·{n.param(ParamRef(li + 1, 'weight', k))}",
                    delta[k] * nxt.weights[k],
                )
                for k in range(nxt.size)
            )
            self.add(
                phase="backward",
                sample=s,
                kind="grad_post",
                layer=li,
                neuron=None,
                target=_t("grad_post", li, None),
                symbol=self._grad_sym(s, a_sym),
                formula=f"W{li + 1}ᵀ·{d_sym}",
                op="sum",
                operands=terms,
                value=self.bwd.grad_post[li][s].copy(),
                why=(
                    f"Every neuron of {a_sym} reaches the loss through the next layer: "
                    "the next layer's δ, carried back through the transposed weights."
                ),
                template="{0}ᵀ·{1}",
                numbers=(nxt.weights, delta),
                labels=(n.param_each(li + 1, "weight"), d_each),
                value_label=self._grad_sym(s, n.post_each(li)),
                nodes=frozenset({(li + 1, None), (li + 2, None)}),
                edges=frozenset({(li + 1, None, None)}),
            )
            return
        value = float(self.bwd.grad_post[li][s, j])
        chains = []
        for k in range(nxt.size):
            ops = self._delta_operands(s, li + 1, k)
            w = ParamRef(li + 1, "weight", k, j)
            ops.append(Operand(n.param(w), float(nxt.weights[k, j])))
            chains.append(ops)
        via = n.pre(li + 1, None) if nxt.size > 1 else n.pre(li + 1, 0)
        nodes = frozenset({(li + 1, j), (li + 2, None)})
        edges = frozenset({(li + 1, None, j)})
        if len(chains) == 1:
            ops = chains[0]
            self.add_product(
                ops,
                phase="backward",
                sample=s,
                kind="grad_post",
                layer=li,
                neuron=j,
                target=_t("grad_post", li, j),
                symbol=self._grad_sym(s, a_sym),
                value=value,
                why=(
                    f"{a_sym} reaches the loss only through {via}, by the weight "
                    f"{ops[-1].symbol}: the gradient already at {via}, times that weight."
                ),
                nodes=nodes,
                edges=edges,
            )
            return
        terms = [
            Operand(
                "·".join(o.symbol for o in ops),
                float(np.prod([o.value for o in ops])),
                tuple(o.value for o in ops),
            )
            for ops in chains
        ]
        formula, template, numbers = _products_text(terms)
        self.add(
            phase="backward",
            sample=s,
            kind="grad_post",
            layer=li,
            neuron=j,
            target=_t("grad_post", li, j),
            symbol=self._grad_sym(s, a_sym),
            formula=formula,
            op="sum",
            operands=tuple(terms),
            value=value,
            why=(
                f"{a_sym} feeds every neuron of the next layer, so its gradient adds "
                "up what comes back along each outgoing weight."
            ),
            template=template,
            numbers=numbers,
            nodes=nodes,
            edges=edges,
        )

    def derivative_step(self, s: int, li: int, j: int | None) -> None:
        n = self.names
        local = self.bwd.local[li]
        assert local is not None
        z = self._pick(self.fwd.pre[li], s, j)
        a = self._pick(self.fwd.post[li], s, j)
        pre, post = n.pre(li, j), n.post(li, j)
        record = activation(self.net.layers[li].activation)
        formula = re.sub(r"\bz\b", pre, record.slope_formula)  # the record's f′ is in terms of z
        template, use_post = record.slope_template, record.slope_reads_post
        value = self._pick(local, s, j)
        self.add(
            phase="backward",
            sample=s,
            kind="deriv",
            layer=li,
            neuron=j,
            target=_t("deriv", li, j),
            symbol=f"∂{post}/∂{pre}",
            formula=formula,
            op="apply",
            operands=(Operand(pre, z),),
            value=value,
            why=record.slope_why(pre, post, value),
            template=template,
            numbers=(a if use_post else z,),
            labels=(n.post_each(li) if use_post else n.pre_each(li),),
            value_label=f"∂{n.post_each(li)}/∂{n.pre_each(li)}",
            nodes=frozenset({(li + 1, j)}),
        )

    def softmax_delta_step(self, s: int, li: int, j: int | None) -> None:
        n = self.names
        o = self.fwd.post[li][s]
        g = self.bwd.grad_post[li][s]
        jacobian = np.diag(o) - np.outer(o, o)  # ∂o_i/∂z_k
        k_range = range(len(o))
        if j is None:
            terms = tuple(
                Operand(
                    f"{self._grad_sym(s, n.post(li, i))}·∂{n.post(li, i)}/∂{n.pre(li, None)}",
                    g[i] * jacobian[i],
                )
                for i in k_range
            )
            value: Number = self.bwd.grad_pre[li][s].copy()
            formula = " + ".join(t.symbol for t in terms)
            template, numbers = "J·{0}", (g.copy(),)
        else:
            terms = tuple(
                Operand(
                    f"{self._grad_sym(s, n.post(li, i))}·∂{n.post(li, i)}/∂{n.pre(li, j)}",
                    float(g[i] * jacobian[i, j]),
                    (float(g[i]), float(jacobian[i, j])),
                )
                for i in k_range
            )
            value = float(self.bwd.grad_pre[li][s, j])
            formula, template, numbers = _products_text(terms)
        self.add(
            phase="backward",
            sample=s,
            kind="grad_pre",
            layer=li,
            neuron=j,
            target=_t("grad_pre", li, j),
            symbol=self._grad_sym(s, n.pre(li, j)),
            formula=formula,
            op="sum",
            operands=terms,
            value=value,
            why=(
                "Every softmax output depends on every pre-activation, so this "
                "gradient adds up the paths through all of them."
            ),
            template=template,
            numbers=numbers,
            labels=(self._grad_sym(s, n.post_each(li)),),
            value_label=self._grad_sym(s, n.pre_each(li)),
            nodes=frozenset({(li + 1, None)}),
        )

    def delta_product_step(self, s: int, li: int) -> None:
        """Layer granularity: δ = ∂E/∂a ⊙ f′(z)."""
        n = self.names
        local = self.bwd.local[li]
        assert local is not None
        g, d = self.bwd.grad_post[li][s].copy(), local[s].copy()
        grad_a = self._grad_sym(s, n.post(li, None))  # ∂E_1/∂h inside sample 1's steps
        self.add(
            phase="backward",
            sample=s,
            kind="grad_pre",
            layer=li,
            neuron=None,
            target=_t("grad_pre", li, None),
            symbol=f"δ{li}",
            formula=f"{grad_a} ⊙ ∂{n.post(li, None)}/∂{n.pre(li, None)}",
            op="product",
            operands=(
                Operand(grad_a, g),
                Operand(f"∂{n.post(li, None)}/∂{n.pre(li, None)}", d),
            ),
            value=self.bwd.grad_pre[li][s].copy(),
            why=(
                "δ, the gradient at the pre-activations: what arrives at each "
                "activation times that activation's slope."
            ),
            template="{0} ⊙ {1}",
            numbers=(g, d),
            labels=(self._grad_sym(s, n.post_each(li)), f"∂{n.post_each(li)}/∂{n.pre_each(li)}"),
            value_label=f"δ{li}_{{0}}",
            nodes=frozenset({(li + 1, None)}),
        )

    def weight_gradients(self, s: int, li: int, j: int) -> None:
        n = self.names
        layer = self.net.layers[li]
        chain = self._delta_operands(s, li, j)
        z_sym = n.pre(li, j)
        a_prev = self.fwd.layer_input(li)[s]
        if self.g == "neuron":
            param = _param(li, "weight", j)
            in_sym = n.input(li, None)
            ops = (*chain, Operand(f"∂{z_sym}/∂{n.param(param)}", a_prev.copy()))
            self.add_product(
                ops,
                phase="backward",
                sample=s,
                kind="grad",
                layer=li,
                neuron=j,
                target=f"gradients.layers[{li}].weights[{j}]",
                symbol=self._grad_sym(s, n.param(param)),
                value=self.bwd.sample_weights[li][s, j].copy(),
                labels=(*(None for _ in chain), n.input_each(li)),
                value_label=self._grad_sym(s, n.param_each(li, "weight", j)),
                why=(
                    f"Neuron {z_sym}'s whole row of weights at once: the gradient "
                    f"reaching {z_sym} times each input ({in_sym})."
                ),
                param=param,
                nodes=frozenset({(li, None), (li + 1, j)}),
                edges=frozenset({(li, j, None)}),
            )
            return
        for i in range(layer.fan_in):
            param = _param(li, "weight", j, i)
            ops = (*chain, Operand(f"∂{z_sym}/∂{n.param(param)}", float(a_prev[i])))
            self.add_product(
                ops,
                phase="backward",
                sample=s,
                kind="grad",
                layer=li,
                neuron=j,
                target=f"gradients.layers[{li}].weights[{j}][{i}]",
                symbol=self._grad_sym(s, n.param(param)),
                value=float(self.bwd.sample_weights[li][s, j, i]),
                why=self._param_why(s, li, j, i, param),
                param=param,
                nodes=frozenset({(li, i), (li + 1, j)}),
                edges=frozenset({(li, j, i)}),
            )

    def bias_gradient(self, s: int, li: int, j: int) -> None:
        n = self.names
        param = _param(li, "bias", j)
        z_sym = n.pre(li, j)
        ops = (*self._delta_operands(s, li, j), Operand(f"∂{z_sym}/∂{n.param(param)}", 1.0))
        self.add_product(
            ops,
            phase="backward",
            sample=s,
            kind="grad",
            layer=li,
            neuron=j,
            target=f"gradients.layers[{li}].biases[{j}]",
            symbol=self._grad_sym(s, n.param(param)),
            value=float(self.bwd.sample_biases[li][s, j]),
            why=self._param_why(s, li, j, None, param),
            param=param,
            nodes=frozenset({(li + 1, j)}),
        )

    def _param_why(self, s: int, li: int, j: int, i: int | None, param: ParamRef) -> str:
        n = self.names
        record = activation(self.net.layers[li].activation)
        z_sym, a_sym = n.pre(li, j), n.post(li, j)
        local = self.bwd.local[li]
        if record.inactive and local is not None and local[s, j] == 0:
            return (
                f"Zero: {a_sym} is {record.inactive} ({z_sym} ≤ 0, {record.symbol}′ = 0), so no "
                f"gradient reaches {n.param(param)}."
            )
        if i is not None:
            a_prev = float(self.fwd.layer_input(li)[s, i])
            in_sym = n.input(li, i)
            below = activation(self.net.layers[li - 1].activation) if li > 0 else None
            if a_prev == 0 and below is not None and below.inactive:
                return (
                    f"Zero: {in_sym} = 0 from {below.inactive}, so {n.param(param)} "
                    f"contributed nothing to {z_sym} and its gradient is 0."
                )
            if a_prev == 0:
                return (
                    f"Zero: the input {in_sym} is 0, so {n.param(param)} contributed "
                    f"nothing to {z_sym}."
                )
            return (
                f"Chain rule: the gradient reaching {z_sym}, times {z_sym}'s slope "
                f"in {n.param(param)}, which is the input {in_sym} it multiplies."
            )
        return (
            "A bias is a weight whose input is always 1: its gradient is the "
            f"gradient reaching {z_sym}."
        )

    def layer_param_gradients(self, s: int, li: int) -> None:
        n = self.names
        delta = self.bwd.grad_pre[li][s]
        a_prev = self.fwd.layer_input(li)[s]
        in_sym = n.input(li, None)
        d_sym = self._grad_sym(s, n.pre(li, None)) if self._through_delta(li) else f"δ{li}"
        d_each = self._grad_sym(s, n.pre_each(li)) if self._through_delta(li) else f"δ{li}_{{0}}"
        w = _param(li, "weight", None)
        b = _param(li, "bias", None)
        self.add(
            phase="backward",
            sample=s,
            kind="grad",
            layer=li,
            neuron=None,
            target=f"gradients.layers[{li}].weights",
            symbol=self._grad_sym(s, n.param(w)),
            formula=f"{d_sym}·{in_sym}ᵀ",
            op="product",
            operands=(
                Operand(d_sym, delta[:, None].copy()),
                Operand(f"{in_sym}ᵀ", a_prev[None, :].copy()),
            ),
            value=self.bwd.sample_weights[li][s].copy(),
            why=(
                "The outer product: each weight's gradient is the δ of its neuron "
                "times the input it multiplies."
            ),
            template="{0}·{1}ᵀ",
            numbers=(delta.copy(), a_prev.copy()),
            labels=(d_each, n.input_each(li)),
            value_label=self._grad_sym(s, n.param_each(li, "weight")),
            param=w,
            nodes=frozenset({(li, None), (li + 1, None)}),
            edges=frozenset({(li, None, None)}),
        )
        self.add_product(
            (Operand(d_sym, delta.copy()), Operand("1", 1.0)),
            phase="backward",
            sample=s,
            kind="grad",
            layer=li,
            neuron=None,
            target=f"gradients.layers[{li}].biases",
            symbol=self._grad_sym(s, n.param(b)),
            value=self.bwd.sample_biases[li][s].copy(),
            labels=(d_each, None),
            value_label=self._grad_sym(s, n.param_each(li, "bias")),
            why="A bias is a weight whose input is always 1: its gradient is δ itself.",
            param=b,
            nodes=frozenset({(li + 1, None)}),
        )

    # -- reduction and update ------------------------------------------------------------------
    def _params_of(self, li: int) -> Iterator[ParamRef]:
        layer = self.net.layers[li]
        if self.g == "layer":
            yield _param(li, "weight", None)
            yield _param(li, "bias", None)
            return
        for j in range(layer.size):
            if self.g == "neuron":
                yield _param(li, "weight", j)
            else:
                for i in range(layer.fan_in):
                    yield _param(li, "weight", j, i)
        for j in range(layer.size):
            yield _param(li, "bias", j)

    @staticmethod
    def _select(array: np.ndarray, p: ParamRef) -> Number:
        """The part of a (neurons, inputs) or (neurons,) array that `p` covers."""
        if p.neuron is None:
            return array.copy()
        if p.kind == "weight" and p.input is None:
            return array[p.neuron].copy()
        if p.kind == "weight":
            return float(array[p.neuron, p.input])
        return float(array[p.neuron])

    @staticmethod
    def _select_samples(per_sample: np.ndarray, p: ParamRef) -> np.ndarray:
        """`_select` for every sample at once: (samples, …) → the samples' values of `p`
        (a view, so a big data set is not copied)."""
        if p.neuron is None:
            return per_sample
        if p.kind == "weight" and p.input is None:
            return per_sample[:, p.neuron]
        if p.kind == "weight":
            return per_sample[:, p.neuron, p.input]
        return per_sample[:, p.neuron]

    def _edges_of(self, p: ParamRef) -> frozenset[Edge]:
        return frozenset({(p.layer, p.neuron, p.input)}) if p.kind == "weight" else frozenset()

    def _label_of(self, p: ParamRef) -> str | None:
        """The label of the entries of `p`'s numbers: `"w0_3_{0}"` for a row, `"w0_{0}_{1}"`
        or `"b0_{0}"` for a layer; None for a single parameter."""
        if p.neuron is None:
            return self.names.param_each(p.layer, p.kind)
        if p.kind == "weight" and p.input is None:
            return self.names.param_each(p.layer, p.kind, p.neuron)
        return None

    def reduce_layer(self, li: int) -> None:
        count = self.net.n_samples
        mean = self.net.reduction == "mean"
        how = "mean" if mean else "sum"
        for p in self._params_of(li):
            name, label = self.names.param(p), self._label_of(p)
            per_sample = (
                self.bwd.sample_weights[li] if p.kind == "weight" else self.bwd.sample_biases[li]
            )
            batch = self.bwd.weights[li] if p.kind == "weight" else self.bwd.biases[li]
            selected = self._select_samples(per_sample, p)
            terms = self._batch_terms(lambda k, name=name: f"∂E_{k}/∂{name}", selected, mean)
            template, numbers, shown = _reduction_template(
                count, lambda k, selected=selected: _scalar_or_copy_of(selected[k]), mean
            )
            self.add(
                phase="backward",
                sample=None,
                kind="batch_grad",
                layer=li,
                neuron=p.neuron,
                target=_param_target("gradients", p),
                symbol=f"∂E/∂{name}",
                formula=" + ".join(t.symbol for t in terms),
                op="sum",
                operands=terms,
                value=self._select(batch, p),
                why=(
                    f"The batch loss is the {how} of the samples' losses, "
                    f"so its gradient is the {how} of theirs."
                ),
                template=template,
                numbers=numbers,
                labels=tuple(label and f"∂E_{s}/∂{label}" for s in shown),
                value_label=label and f"∂E/∂{label}",
                param=p,
                nodes=frozenset({(li + 1, p.neuron)}),
                edges=self._edges_of(p),
            )

    def update_layer(self, li: int) -> None:
        rate = self.net.learning_rate
        old_layer, new_layer = self.net.layers[li], self.after.layers[li]
        for p in self._params_of(li):
            name, label = self.names.param(p), self._label_of(p)
            old_array = old_layer.weights if p.kind == "weight" else old_layer.biases
            new_array = new_layer.weights if p.kind == "weight" else new_layer.biases
            grad_array = self.bwd.weights[li] if p.kind == "weight" else self.bwd.biases[li]
            old, new, grad = (self._select(a, p) for a in (old_array, new_array, grad_array))
            fixed = p.kind == "bias" and not self.net.update_biases
            mu = 0.0 if fixed else rate
            if fixed:
                why = (
                    "Biases are fixed in this network (update_biases = false), so it "
                    "keeps its value."
                )
            elif np.all(np.asarray(grad) == 0):
                why = f"The gradient is 0, so {name} does not change."
            elif rate == 0:
                why = "The learning rate is 0, so nothing moves."
            else:
                why = (
                    f"One step against the gradient: {name} moves by "
                    f"−µ·∂E/∂{name}, downhill on the loss."
                )
            self.add(
                phase="update",
                sample=None,
                kind="new",
                layer=li,
                neuron=p.neuron,
                target=_param_target("layers", p),
                symbol=f"{name}*",
                formula=f"{name} − {'µ' if not fixed else '0'}·∂E/∂{name}",
                op="update",
                operands=(
                    Operand(name, old),
                    Operand("µ" if not fixed else "µ (fixed bias: 0)", mu),
                    Operand(f"∂E/∂{name}", grad),
                ),
                value=new,
                why=why,
                template="{0} − {1}·{2}",
                numbers=(old, mu, grad),
                labels=(label, None, label and f"∂E/∂{label}"),
                value_label=label and f"{label}*",
                param=p,
                nodes=frozenset({(li + 1, p.neuron)}),
                edges=self._edges_of(p),
            )


# -- text tables --------------------------------------------------------------------------------


@functools.cache
def _sum_template(fan_in: int) -> str:
    """`{0}·{1} + {2}·{3} + … + {2n}`: each weight times its input, then the bias."""
    return " + ".join(
        [*(f"{{{2 * i}}}·{{{2 * i + 1}}}" for i in range(fan_in)), f"{{{2 * fan_in}}}"]
    )


def _t(kind: str, layer: int, neuron: int | None) -> str:
    return f"{kind}[{layer}]" if neuron is None else f"{kind}[{layer}][{neuron}]"


def _param_target(root: str, p: ParamRef) -> str:
    base = f"{root}.layers[{p.layer}].{'weights' if p.kind == 'weight' else 'biases'}"
    if p.neuron is None:
        return base
    if p.kind == "weight" and p.input is not None:
        return f"{base}[{p.neuron}][{p.input}]"
    return f"{base}[{p.neuron}]"


def _scalar_or_copy(array: np.ndarray) -> Number:
    return float(array[0]) if array.shape == (1,) else array.copy()


def _scalar_or_copy_of(value: Any) -> Number:
    """A float for a scalar (a NumPy 0-d value included), else a copy of the array."""
    return value.copy() if isinstance(value, np.ndarray) and value.ndim else float(value)


def _reduction_template(
    count: int, value_of: Callable[[int], Number], mean: bool
) -> tuple[str, tuple[Number, ...], list[int]]:
    """`(a + b + c)/3` for a mean, `a + b + c` for a sum, over `count` samples' values
    (`value_of(sample)`); long ones elided after six terms. Also which samples it shows."""
    shown = list(range(count)) if count <= 6 else [0, 1, 2, count - 1]
    parts = [f"{{{k}}}" for k in range(len(shown))]
    if count > 6:
        parts.insert(3, "…")
    body = " + ".join(parts)
    template = f"({body})/{count}" if mean else body
    return template, tuple(value_of(k) for k in shown), shown
