"""How the trace names things and writes its sums: the network's symbols (`Names`), the
weighted sum's terms made when read (`SumTerms`), and the shapes of long sums.

Symbols follow the worked example: x0, h_pre0, h0, o_pre, o, E, w100, b10 (`Names`). A sum
of more than SUM_TERMS terms is written as its largest terms and what the others add up to;
`operands` always keep every term. The tokens themselves are `nntui.engine.notation`'s.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import overload

import numpy as np

from nntui.engine.network import Network, ParamRef
from nntui.engine.notation import (
    CLOSE,
    ELLIPSIS,
    OPEN,
    OVER,
    PLUS,
    TIMES,
    Expr,
    Lit,
    Name,
    Op,
    Partial,
    Token,
    Words,
    joined,
    slot,
)
from nntui.engine.numbers import ARRAY_EDGE
from nntui.engine.trace.model import Number, Operand

#: A sum of more than this many terms is written with its ARRAY_EDGE largest terms (by
#: magnitude) and what the others add up to: `0.21·0.99 + … + (781 more, 144 non-zero: 0.912)`.
#: Its `operands` keep every term.
SUM_TERMS = 8

_COLON = Op(": ")


class Names:
    """Symbols in the worked example's style: x0, h_pre0, h0, o_pre, o, E, w100, b10.

    Neurons carry one index after their layer's stem (`h_pre10`, `h1_10`: never ambiguous);
    parameters take the network's one naming style (`Network.param_name`: `w100`, or
    `w1_0_0` beside `w1_0_10`). The `*_each` methods give the label naming every entry of a
    layer's vector or matrix (`h{0}`, `w0_{0}_{1}`) for a shortened array. A name is made once
    and kept: the same neuron is named in many steps."""

    def __init__(self, sizes: tuple[int, ...], many_samples: bool, separated: bool) -> None:
        self.n_layers = len(sizes)
        self.sizes = sizes
        self.many_samples = many_samples
        self.separated = separated
        # Every name made so far, by what it names (and whether it is starred).
        self._params: dict[tuple[int, str, int | None, int | None, bool], Name] = {}
        self._neurons: dict[tuple[str, int, int | str | None, bool], Name] = {}
        self._losses: dict[int, Name] = {}
        self._partials: dict[tuple[str, str], Partial] = {}

    @staticmethod
    def of(net: Network) -> Names:
        """The names of `net`'s things, shared by every trace of a network of its shape (the
        debugger traces the same network at every iteration)."""
        sizes = tuple(layer.size for layer in net.layers)
        return _names_of_shape(sizes, net.n_samples > 1, net.separated_names)

    def partial(self, top: Name, bottom: Name) -> Partial:
        """∂top/∂bottom, made once: the same derivative is named in many steps."""
        key = (top.text, bottom.text)
        found = self._partials.get(key)
        if found is None:
            self._partials[key] = found = Partial(top, bottom)
        return found

    def param(self, ref: ParamRef, star: bool = False) -> Name:
        """`w100`, `w1_0_10`, `b10`; a row `W1[0]`, a layer `W1` or `b1`."""
        key = (ref.layer, ref.kind, ref.neuron, ref.input, star)
        found = self._params.get(key)
        if found is None:
            found = self._param(ref)
            self._params[key] = found = found.starred() if star else found
        return found

    def _param(self, ref: ParamRef) -> Name:
        text = ref.label(self.separated)
        if ref.neuron is None:
            return Name(text, "W" if ref.kind == "weight" else "b", (str(ref.layer),))
        if ref.kind == "weight" and ref.input is None:
            return Name(text, "W", (str(ref.layer),), row=str(ref.neuron))
        indices = [ref.layer, ref.neuron] + ([] if ref.input is None else [ref.input])
        return Name(text, text[0], self._indices(*indices))

    def _indices(self, *indices: object) -> tuple[str, ...]:
        """A parameter's subscript: every index apart (`1,0,10`), or one run (`100`)."""
        parts = tuple(map(str, indices))
        return parts if self.separated else ("".join(parts),)

    def param_each(self, layer: int, kind: str, neuron: int | None = None) -> Name:
        """The label of a layer's weights (`w0_{0}_{1}`), a row of them (`w0_3_{0}`) or its
        biases (`b0_{0}`)."""
        sep = "_" if self.separated else ""
        if kind == "bias":
            return Name(f"b{layer}{sep}{{0}}", "b", self._indices(layer, "{0}"))
        if neuron is None:
            return Name(f"w{layer}{sep}{{0}}{sep}{{1}}", "w", self._indices(layer, "{0}", "{1}"))
        return Name(f"w{layer}{sep}{neuron}{sep}{{0}}", "w", self._indices(layer, neuron, "{0}"))

    def _stem(self, layer: int) -> str:
        if layer == self.n_layers - 1:
            return "o"
        return "h" if self.n_layers == 2 else f"h{layer}_"

    def _index(self, layer: int, neuron: int | str | None) -> str:
        if neuron is None or (layer == self.n_layers - 1 and self.sizes[layer] == 1):
            return ""
        return str(neuron)

    def pre(self, layer: int, neuron: int | str | None, star: bool = False) -> Name:
        """The pre-activation: `h_pre0`, `h1_pre10`, `o_pre`."""
        key = ("pre", layer, neuron, star)
        found = self._neurons.get(key)
        if found is None:
            found = self._pre(layer, neuron)
            self._neurons[key] = found = found.starred() if star else found
        return found

    def _pre(self, layer: int, neuron: int | str | None) -> Name:
        stem, index = self._stem(layer), self._index(layer, neuron)
        tail = (index,) if index else ()
        if stem.endswith("_"):  # h1_: h1_pre10
            return Name(f"{stem}pre{index}", "h", (str(layer), "pre", *tail))
        return Name(f"{stem}_pre{index}", stem, ("pre", *tail))

    def post(self, layer: int, neuron: int | str | None, star: bool = False) -> Name:
        """The activation: `h0`, `h1_10`, `o`."""
        key = ("post", layer, neuron, star)
        found = self._neurons.get(key)
        if found is None:
            found = self._post(layer, neuron)
            self._neurons[key] = found = found.starred() if star else found
        return found

    def _post(self, layer: int, neuron: int | str | None) -> Name:
        stem, index = self._stem(layer), self._index(layer, neuron)
        tail = (index,) if index else ()
        if stem.endswith("_"):  # h1_10, or h1 for the whole layer
            return Name(f"{stem}{index}" if index else stem[:-1], "h", (str(layer), *tail))
        return Name(f"{stem}{index}", stem, tail)

    def input(self, layer: int, i: int | str | None, star: bool = False) -> Name:
        """What layer `layer` reads: x_i, or the previous layer's activation."""
        if layer:
            return self.post(layer - 1, i, star)
        key = ("x", 0, i, False)
        found = self._neurons.get(key)
        if found is None:
            self._neurons[key] = found = _input_name(i)
        return found

    def pre_each(self, layer: int, star: bool = False) -> Name:
        return self.pre(layer, "{0}", star)

    def post_each(self, layer: int, star: bool = False) -> Name:
        return self.post(layer, "{0}", star)

    def input_each(self, layer: int, star: bool = False) -> Name:
        return self.input(layer, "{0}", star)

    def loss(self, sample: int | None) -> Name:
        """`E_0` for a sample's loss when there are several samples, else `E`."""
        if not self.many_samples or sample is None:
            return LOSS
        found = self._losses.get(sample)
        if found is None:
            self._losses[sample] = found = sample_loss(str(sample))
        return found


@functools.lru_cache(maxsize=8)
def _names_of_shape(sizes: tuple[int, ...], many_samples: bool, separated: bool) -> Names:
    return Names(sizes, many_samples, separated)


def _input_name(i: int | str | None) -> Name:
    return Name("x", "x") if i is None else Name(f"x{i}", "x", (str(i),))


#: The loss of the whole batch (or of the one sample).
LOSS = Name("E", "E")
#: The target: y, or y0, y1 … for several outputs (`TARGET_EACH` names each in an array).
TARGET, TARGET_EACH = Name("y", "y"), Name("y{0}", "y", ("{0}",))


#: δ, the gradient at a layer's pre-activations.
DELTA = Name("δ", "δ")


def delta_name(layer: int, neuron: int | None = None) -> Name:
    """δ1 for a layer, δ1_0 for one of its neurons."""
    if neuron is None:
        return Name(f"δ{layer}", "δ", (str(layer),))
    return Name(f"δ{layer}_{neuron}", "δ", (str(layer), str(neuron)))


def delta_each(layer: int) -> Name:
    """The label of a layer's δ entries: `δ1_{0}`."""
    return Name(f"δ{layer}_{{0}}", "δ", (str(layer), "{0}"))


def target_name(neuron: int | None, size: int) -> Name:
    """The target of an output neuron: y for the only one (or all of them), else y2."""
    if neuron is None or size == 1:
        return TARGET
    return Name(f"y{neuron}", "y", (str(neuron),))


def sample_loss(sample: str) -> Name:
    """`E_0`; also `E_(the other 998 samples)` for the samples without steps of their own."""
    return Name(f"E_{sample}", "E", (sample,))


def param_ref(layer: int, kind: str, neuron: int | None, i: int | None = None) -> ParamRef:
    return ParamRef(layer, kind, neuron, i)  # type: ignore[arg-type]


# -- sums -----------------------------------------------------------------------------------------


def sum_parts(terms: np.ndarray) -> tuple[list[int], str | None, float]:
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


def more_terms(count: int) -> Expr:
    """`(781 more terms)`, where a formula leaves terms out."""
    return (OPEN, Words(f"{count} more terms"), CLOSE)


def rest_of_sum(note: str, position: int) -> Expr:
    """`(781 more, 144 non-zero: {position})`: what the terms left out add up to."""
    return (OPEN, Words(note), _COLON, slot(position), CLOSE)


def products_text(terms: Sequence[Operand]) -> tuple[Expr, Expr, tuple[Number, ...]]:
    """A sum of products — its formula, template and numbers (each term's `parts`); a long
    one written as `sum_parts` says."""
    shown, note, rest = sum_parts(np.array([float(t.value) for t in terms]))
    formula: list[Expr] = []
    template: list[Expr] = []
    numbers: list[Number] = []
    for i in shown:
        factors = terms[i].parts or (terms[i].value,)
        formula.append(terms[i].expr)
        template.append(joined([(slot(len(numbers) + k),) for k in range(len(factors))], TIMES))
        numbers += factors
    if note is not None:
        formula.append(more_terms(len(terms) - len(shown)))
        template.append(rest_of_sum(note, len(numbers)))
        numbers.append(rest)
    return joined(formula, PLUS), joined(template, PLUS), tuple(numbers)


@functools.cache
def sum_template(fan_in: int) -> Expr:
    """`{0}·{1} + {2}·{3} + … + {2n}`: each weight times its input, then the bias."""
    terms = [(slot(2 * i), TIMES, slot(2 * i + 1)) for i in range(fan_in)]
    return joined([*terms, (slot(2 * fan_in),)], PLUS)


def reduction_template(
    count: int, value_of: Callable[[int], Number], mean: bool
) -> tuple[Expr, tuple[Number, ...], list[int]]:
    """`(a + b + c)/3` for a mean, `a + b + c` for a sum, over `count` samples' values
    (`value_of(sample)`); long ones elided after six terms. Also which samples it shows."""
    shown = list(range(count)) if count <= 6 else [0, 1, 2, count - 1]
    parts: list[Expr] = [(slot(k),) for k in range(len(shown))]
    if count > 6:
        parts.insert(3, (ELLIPSIS,))
    body = joined(parts, PLUS)
    template = (OPEN, *body, CLOSE, OVER, Lit(str(count))) if mean else body
    return template, tuple(value_of(k) for k in shown), shown


class SumTerms(Sequence[Operand]):
    """The terms of a neuron's weighted sum — each weight times its input, then the bias —
    made when read: a 784-input neuron's 785 terms cost nothing until an export asks."""

    def __init__(
        self,
        w_name: Callable[[int], Name],
        in_name: Callable[[int], Name],
        weights: np.ndarray,
        inputs: np.ndarray,
        b_name: Name,
        bias: float,
    ) -> None:
        self._w_name, self._in_name = w_name, in_name
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
        weight, given = float(self._weights[k]), float(self._inputs[k])
        term: tuple[Token, ...] = (self._w_name(k), TIMES, self._in_name(k))
        return Operand(term, weight * given, (weight, given))
