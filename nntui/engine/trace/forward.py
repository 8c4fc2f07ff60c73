"""The forward pass and the loss as steps: each neuron's weighted sum, its activation, each
sample's loss and the batch loss (also for the check, with the updated parameters: `star`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nntui.engine.compute import Forward, reduce_factor
from nntui.engine.network import Network, ParamRef
from nntui.engine.notation import (
    CLOSE,
    EQUALS,
    OPEN,
    OVER,
    PLUS,
    TIMES,
    Expr,
    Lit,
    Name,
    Op,
    Partial,
    Piece,
    Prose,
    Sub,
    Tokens,
    joined,
    slot,
)
from nntui.engine.ops.activations import activation
from nntui.engine.ops.losses import loss
from nntui.engine.trace.model import Number, Operand, Phase
from nntui.engine.trace.notation import (
    LOSS,
    TARGET,
    SumTerms,
    more_terms,
    reduction_template,
    rest_of_sum,
    sample_loss,
    sum_parts,
    sum_template,
    target_name,
)
from nntui.engine.trace.writer import StepWriter

_SUM_OF = Op("Σ ")


class ForwardSteps(StepWriter):
    """Steps of the forward pass and the loss."""

    def forward_sample(
        self, sample: int, net: Network, fwd: Forward, phase: Phase, star: bool
    ) -> None:
        for layer_index, layer in enumerate(net.layers):
            if self.granularity == "layer":
                self.weighted_sum_layer(sample, layer_index, net, fwd, phase, star)
                self.activation_step(sample, layer_index, None, fwd, phase, star)
                continue
            for neuron in range(layer.size):
                self.weighted_sum(sample, layer_index, neuron, net, fwd, phase, star)
                if activation(layer.activation).elementwise:
                    self.activation_step(sample, layer_index, neuron, fwd, phase, star)
            if not activation(layer.activation).elementwise:
                self.activation_step(sample, layer_index, None, fwd, phase, star)

    def weighted_sum(
        self,
        sample: int,
        li: int,
        neuron: int,
        net: Network,
        fwd: Forward,
        phase: Phase,
        star: bool,
    ) -> None:
        names = self.names
        layer = net.layers[li]
        a_prev = fwd.layer_input(li)[sample]
        in_star = star and li > 0
        w_row = layer.weights[neuron]
        bias = float(layer.biases[neuron])
        b_name = names.param(ParamRef(li, "bias", neuron), star)

        def w_name(i: int) -> Name:
            return names.param(ParamRef(li, "weight", neuron, i), star)

        def in_name(i: int) -> Name:
            return names.input(li, i, in_star)

        shown, note, rest = sum_parts(w_row * a_prev)
        if note is None:  # every term written out, as the document does
            template = sum_template(layer.fan_in)
            pairs = zip(w_row.tolist(), a_prev.tolist(), strict=True)
            numbers = [*(v for pair in pairs for v in pair), bias]
        else:
            count = len(shown)
            terms = [(slot(2 * q), TIMES, slot(2 * q + 1)) for q in range(count)]
            template = joined([*terms, rest_of_sum(note, 2 * count), (slot(2 * count + 1),)], PLUS)
            numbers = [*(float(v) for i in shown for v in (w_row[i], a_prev[i])), rest, bias]
        formula: list[Expr] = [(w_name(i), TIMES, in_name(i)) for i in shown]
        if note is not None:
            formula.append(more_terms(layer.fan_in - len(shown)))
        formula.append((b_name,))
        what: tuple[Piece, ...] = (
            ("inputs",) if li == 0 else ("activations ", names.input(li, None, in_star))
        )
        # The document's intermediate numbers too: the weighted inputs before the bias (0.39).
        why: Prose = (
            *(names.pre(li, neuron), " adds up its weighted ", *what, " (here ", slot(0)),
            *(") and its bias ", b_name, " (", slot(1), ")."),
        )
        if star:
            why = (
                *("The same sum with the updated weights: weighted ", *what, " ", slot(0)),
                *(", bias ", b_name, " ", slot(1), "."),
            )
        self.add(
            phase=phase,
            sample=sample,
            kind="pre",
            layer=li,
            neuron=neuron,
            target=f"pre[{li}][{neuron}]",
            symbol_expr=names.pre(li, neuron, star),
            formula_expr=joined(formula, PLUS),
            op="sum",
            operands=SumTerms(w_name, in_name, w_row, a_prev, b_name, bias),
            value=float(fwd.pre[li][sample, neuron]),
            why_prose=why,
            why_numbers=(float(w_row @ a_prev), bias),
            template=template,
            numbers=tuple(numbers),
            nodes=frozenset({(li, None), (li + 1, neuron)}),
            edges=frozenset({(li, neuron, None)}),
        )

    def weighted_sum_layer(
        self, sample: int, li: int, net: Network, fwd: Forward, phase: Phase, star: bool
    ) -> None:
        names = self.names
        layer = net.layers[li]
        a_prev = fwd.layer_input(li)[sample]
        in_star = star and li > 0
        w_sym = names.param(ParamRef(li, "weight", None), star)
        b_sym = names.param(ParamRef(li, "bias", None), star)
        a_sym = names.input(li, None, in_star)
        product: Tokens = (w_sym, TIMES, a_sym)
        terms = (Operand(product, layer.weights @ a_prev), Operand(b_sym, layer.biases))
        what: tuple[Piece, ...] = ("inputs",) if li == 0 else ("activations ", a_sym)
        why: Prose = (
            *("The whole layer at once: the weighted ", *what, " (here ", slot(0)),
            *(") plus the biases (", slot(1), ")."),
        )
        b_each = _starred(names.param_each(li, "bias"), star)
        self.add(
            phase=phase,
            sample=sample,
            kind="pre",
            layer=li,
            neuron=None,
            target=f"pre[{li}]",
            symbol_expr=names.pre(li, None, star),
            formula_expr=(*product, PLUS, b_sym),
            op="sum",
            operands=terms,
            value=fwd.pre[li][sample].copy(),
            why_prose=why,
            why_numbers=(terms[0].value, terms[1].value),
            why_labels=((OPEN, *product, CLOSE, Sub("{0}")), b_each),
            template=(slot(0), TIMES, slot(1), PLUS, slot(2)),
            numbers=(layer.weights, a_prev, layer.biases),
            labels=(
                _starred(names.param_each(li, "weight"), star),
                names.input_each(li, in_star),
                b_each,
            ),
            value_label=names.pre_each(li, star),
            nodes=frozenset({(li, None), (li + 1, None)}),
            edges=frozenset({(li, None, None)}),
        )

    def activation_step(
        self, sample: int, li: int, neuron: int | None, fwd: Forward, phase: Phase, star: bool
    ) -> None:
        names = self.names
        record = activation(self.net.layers[li].activation)
        function = record.function
        z: Number
        a: Number
        if neuron is None:
            z, a = fwd.pre[li][sample].copy(), fwd.post[li][sample].copy()
        else:
            z, a = float(fwd.pre[li][sample, neuron]), float(fwd.post[li][sample, neuron])
        pre, post = names.pre(li, neuron, star), names.post(li, neuron, star)
        last = li == self.n_layers - 1
        why = record.why(pre, post, z, a, last and self.classifier)
        why_numbers: tuple[Number, ...] = ()
        if last and neuron is not None and not self.classifier:
            y_sym = target_name(neuron, self.net.layers[li].size)
            why = (
                *why,
                *(" The output is ", (post, EQUALS, slot(0)), ", against the target "),
                *((y_sym, EQUALS, slot(1)), "."),
            )
            why_numbers = (a, float(self.net.targets[sample, neuron]))
        self.add(
            phase=phase,
            sample=sample,
            kind="post",
            layer=li,
            neuron=neuron,
            target=f"post[{li}]" if neuron is None else f"post[{li}][{neuron}]",
            symbol_expr=post,
            formula_expr=(function, OPEN, pre, CLOSE),
            op="apply",
            operands=(Operand(pre, z),),
            value=a,
            why_prose=why,
            why_numbers=why_numbers,
            template=(function, OPEN, slot(0), CLOSE),
            numbers=(z,),
            labels=(names.pre_each(li, star),),
            value_label=names.post_each(li, star),
            nodes=frozenset({(li + 1, neuron)}),
        )

    def loss_step(self, sample: int, fwd: Forward, phase: Phase, star: bool) -> None:
        names = self.names
        last = self.n_layers - 1
        output, targets = fwd.output[sample], self.net.targets[sample]
        size = output.shape[0]
        o_sym = names.post(last, None, star)
        record = loss(self.net.loss)
        formula, template = record.formula(size, star)  # the check's reads the new output o*
        numbers = tuple(v for k in range(size) for v in (float(targets[k]), float(output[k])))
        why = record.why
        if star:
            fell = fwd.losses[sample] < self.fwd.losses[sample]
            why = (
                "The loss again with the updated parameters: "
                + (
                    "lower than before the step, so the step helped."
                    if fell
                    else "not lower than before the step."
                ),
            )
        symbol = names.loss(sample)
        self.add(
            phase=phase,
            sample=sample,
            kind="loss",
            layer=None,
            neuron=None,
            target="loss" if self.net.n_samples == 1 else f"loss[{sample}]",
            symbol_expr=symbol.starred() if star else symbol,
            formula_expr=formula,
            op="apply",
            operands=(
                Operand(o_sym, _scalar_or_copy(output)),
                Operand(TARGET, _scalar_or_copy(targets)),
            ),
            value=float(fwd.losses[sample]),
            why_prose=why,
            template=template,
            numbers=numbers,
            nodes=frozenset({(self.loss_column, None), (last + 1, None)}),
        )

    def batch_terms(
        self, symbol: Callable[[str], Name | Partial], per_sample: np.ndarray, mean: bool
    ) -> tuple[Operand, ...]:
        """The terms of a batch sum: each traced sample's share, then (if any sample has no
        steps of its own) the others' shares summed into one term."""
        count = self.batch.size
        scale = reduce_factor(self.net, self.batch)
        per: Tokens = (OVER, Lit(str(count))) if mean else ()
        terms = [
            Operand((symbol(str(sample)), *per), scalar_or_copy_of(per_sample[sample]) * scale)
            for sample in self.samples
        ]
        if self.n_untraced:
            rest = np.sum(per_sample[self.untraced], axis=0)
            others = f"(the other {self.n_untraced:,} samples)"
            terms.append(Operand((_SUM_OF, symbol(others), *per), scalar_or_copy_of(rest) * scale))
        return tuple(terms)

    def batch_loss(self, fwd: Forward, phase: Phase, star: bool) -> None:
        batch = self.batch
        count = batch.size
        mean = self.net.reduction == "mean"

        def sample_symbol(sample: str) -> Name:
            return _starred(sample_loss(sample), star)

        terms = self.batch_terms(sample_symbol, fwd.losses, mean)
        template, numbers, _ = reduction_template(
            count, lambda k: float(fwd.losses[batch.start + k]), mean
        )
        how = "mean" if mean else "sum"
        why = (
            f"The batch loss is the {how} of the {count} samples' losses."
            if batch.is_everything
            else f"The batch loss is the {how} of the losses of {batch.describe()}."
        )
        self.add(
            phase=phase,
            sample=None,
            kind="batch_loss",
            layer=None,
            neuron=None,
            target="loss",
            symbol_expr=_starred(LOSS, star),
            formula_expr=joined([t.expr for t in terms], PLUS),
            op="sum",
            operands=terms,
            value=fwd.loss,
            why_prose=(why,),
            template=template,
            numbers=numbers,
            nodes=frozenset({(self.loss_column, None)}),
        )


def _starred(name: Name, star: bool) -> Name:
    return name.starred() if star else name


def _scalar_or_copy(array: np.ndarray) -> Number:
    return float(array[0]) if array.shape == (1,) else array.copy()


def scalar_or_copy_of(value: object) -> Number:
    """A float for a scalar (a NumPy 0-d value included), else a copy of the array."""
    if isinstance(value, np.ndarray) and value.ndim:
        return value.copy()
    return float(value)  # type: ignore[arg-type]
