"""The batch's gradients and the update as steps: each parameter's gradient reduced over the
samples (their mean or sum), then each parameter's step against it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import numpy as np

from nntui.engine.network import ParamRef
from nntui.engine.notation import (
    CLOSE,
    MINUS_OP,
    NEGATIVE,
    PLUS,
    TIMES,
    ZERO,
    Code,
    Label,
    Name,
    Op,
    Partial,
    Prose,
    Words,
    joined,
    slot,
)
from nntui.engine.trace.forward import ForwardSteps, scalar_or_copy_of
from nntui.engine.trace.model import Edge, Number, Operand
from nntui.engine.trace.notation import LOSS, param_ref, reduction_template, sample_loss
from nntui.engine.trace.writer import param_target

#: The learning rate µ.
RATE = Name("µ", "µ")
#: A fixed bias's rate: `µ (fixed bias: 0)`.
_FIXED_RATE = (RATE, Op(" ("), Words("fixed bias"), Op(": "), ZERO, CLOSE)


class UpdateSteps(ForwardSteps):
    """Steps of the reduction over the samples and of the update."""

    def params_of(self, li: int) -> Iterator[ParamRef]:
        """The parameters of layer `li` as this granularity steps through them: each weight
        row by row then each bias, each row of weights then each bias, or the two at once."""
        layer = self.net.layers[li]
        if self.granularity == "layer":
            yield param_ref(li, "weight", None)
            yield param_ref(li, "bias", None)
            return
        for neuron in range(layer.size):
            if self.granularity == "neuron":
                yield param_ref(li, "weight", neuron)
            else:
                for i in range(layer.fan_in):
                    yield param_ref(li, "weight", neuron, i)
        for neuron in range(layer.size):
            yield param_ref(li, "bias", neuron)

    @staticmethod
    def select(array: np.ndarray, ref: ParamRef) -> Number:
        """The part of a (neurons, inputs) or (neurons,) array that `ref` covers."""
        if ref.neuron is None:
            return array.copy()
        if ref.kind == "weight" and ref.input is None:
            return cast("np.ndarray", array[ref.neuron].copy())
        if ref.kind == "weight":
            return float(array[ref.neuron, ref.input])
        return float(array[ref.neuron])

    @staticmethod
    def select_samples(per_sample: np.ndarray, ref: ParamRef) -> np.ndarray:
        """`select` for every sample at once: (samples, …) → the samples' values of `ref`
        (a view, so a big data set is not copied)."""
        if ref.neuron is None:
            return per_sample
        if ref.kind == "weight" and ref.input is None:
            return per_sample[:, ref.neuron]
        if ref.kind == "weight":
            return per_sample[:, ref.neuron, ref.input]
        return per_sample[:, ref.neuron]

    def edges_of(self, ref: ParamRef) -> frozenset[Edge]:
        if ref.kind == "weight":
            return frozenset({(ref.layer, ref.neuron, ref.input)})
        return frozenset()

    def label_of(self, ref: ParamRef) -> Name | None:
        """The label of the entries of `ref`'s numbers: `w0_3_{0}` for a row, `w0_{0}_{1}`
        or `b0_{0}` for a layer; None for a single parameter."""
        if ref.neuron is None:
            return self.names.param_each(ref.layer, ref.kind)
        if ref.kind == "weight" and ref.input is None:
            return self.names.param_each(ref.layer, ref.kind, ref.neuron)
        return None

    def reduce_layer(self, li: int) -> None:
        start, count = self.batch.start, self.batch.size
        mean = self.net.reduction == "mean"
        how = "mean" if mean else "sum"
        for ref in self.params_of(li):
            name, label = self.names.param(ref), self.label_of(ref)
            per_sample = (
                self.bwd.sample_weights[li] if ref.kind == "weight" else self.bwd.sample_biases[li]
            )
            batch = self.bwd.weights[li] if ref.kind == "weight" else self.bwd.biases[li]
            selected = self.select_samples(per_sample, ref)

            def sample_grad(sample: str, name: Name = name) -> Partial:
                return self.partial(sample_loss(sample), name)

            terms = self.batch_terms(sample_grad, selected, mean)

            def sample_value(k: int, selected: np.ndarray = selected) -> Number:
                return scalar_or_copy_of(selected[start + k])

            template, numbers, shown = reduction_template(count, sample_value, mean)
            labels: tuple[Label, ...] = tuple(
                None if label is None else self.partial(sample_loss(str(start + k)), label)
                for k in shown
            )
            self.add(
                phase="backward",
                sample=None,
                kind="batch_grad",
                layer=li,
                neuron=ref.neuron,
                target=param_target("gradients", ref),
                symbol_expr=self.partial(LOSS, name),
                formula_expr=joined([t.expr for t in terms], PLUS),
                op="sum",
                operands=terms,
                value=self.select(batch, ref),
                why_prose=(
                    f"The batch loss is the {how} of the samples' losses, "
                    f"so its gradient is the {how} of theirs.",
                ),
                template=template,
                numbers=numbers,
                labels=labels,
                value_label=None if label is None else self.partial(LOSS, label),
                param=ref,
                nodes=frozenset({(li + 1, ref.neuron)}),
                edges=self.edges_of(ref),
            )

    def update_layer(self, li: int) -> None:
        """Plain SGD's update of layer `li`'s parameters: one step each."""
        for ref in self.params_of(li):
            self.update_one(li, ref)

    def update_one(self, li: int, ref: ParamRef) -> None:
        """`ref`'s step against its gradient, θ* = θ − µ·∂E/∂θ; a fixed bias keeps its value."""
        rate = self.net.learning_rate
        old_layer, new_layer = self.net.layers[li], self.after.layers[li]
        name, label = self.names.param(ref), self.label_of(ref)
        weight = ref.kind == "weight"
        old_array = old_layer.weights if weight else old_layer.biases
        new_array = new_layer.weights if weight else new_layer.biases
        grad_array = self.bwd.weights[li] if weight else self.bwd.biases[li]
        old, new, grad = (self.select(a, ref) for a in (old_array, new_array, grad_array))
        fixed = ref.kind == "bias" and not self.net.update_biases
        grad_sym = self.partial(LOSS, name)
        why: Prose
        if fixed:
            why = (
                *("Biases are fixed in this network (", Code("update_biases = false")),
                "), so it keeps its value.",
            )
        elif np.all(np.asarray(grad) == 0):
            why = ("The gradient is 0, so ", name, " does not change.")
        elif rate == 0:
            why = ("The learning rate is 0, so nothing moves.",)
        else:
            why = (
                *("One step against the gradient: ", name, " moves by "),
                *((NEGATIVE, RATE, TIMES, grad_sym), ", downhill on the loss."),
            )
        self.add(
            phase="update",
            sample=None,
            kind="new",
            layer=li,
            neuron=ref.neuron,
            target=param_target("layers", ref),
            symbol_expr=self.names.param(ref, star=True),
            formula_expr=(name, MINUS_OP, ZERO if fixed else RATE, TIMES, grad_sym),
            op="update",
            operands=(
                Operand(name, old),
                Operand(_FIXED_RATE if fixed else (RATE,), 0.0 if fixed else rate),
                Operand(grad_sym, grad),
            ),
            value=new,
            why_prose=why,
            template=(slot(0), MINUS_OP, slot(1), TIMES, slot(2)),
            numbers=(old, 0.0 if fixed else rate, grad),
            labels=(label, None, None if label is None else self.partial(LOSS, label)),
            value_label=None if label is None else label.starred(),
            param=ref,
            nodes=frozenset({(li + 1, ref.neuron)}),
            edges=self.edges_of(ref),
        )
