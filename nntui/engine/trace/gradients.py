"""A sample's gradient of every weight and bias as steps: the chain-rule product that reaches
each parameter (one per parameter, a row of weights per neuron, or a layer's outer product)."""

from __future__ import annotations

from nntui.engine.notation import (
    CLOSE,
    EQUALS,
    LESS_EQUAL,
    ONE,
    OPEN,
    TIMES,
    TRANSPOSED,
    ZERO,
    Name,
    Partial,
    Prose,
    slot,
)
from nntui.engine.ops.activations import activation
from nntui.engine.trace.model import Operand
from nntui.engine.trace.notation import DELTA, delta_each, delta_name, param_ref
from nntui.engine.trace.writer import StepWriter


class GradientSteps(StepWriter):
    """Steps of each parameter's gradient, for one sample."""

    def weight_gradients(self, sample: int, li: int, neuron: int) -> None:
        names = self.names
        layer = self.net.layers[li]
        chain = self.delta_operands(sample, li, neuron)
        pre = names.pre(li, neuron)
        a_prev = self.fwd.layer_input(li)[sample]
        if self.granularity == "neuron":
            param = param_ref(li, "weight", neuron)
            param_name = names.param(param)
            ops = (*chain, Operand(self.partial(pre, param_name), a_prev.copy()))
            self.add_product(
                ops,
                phase="backward",
                sample=sample,
                kind="grad",
                layer=li,
                neuron=neuron,
                target=f"gradients.layers[{li}].weights[{neuron}]",
                symbol_expr=self.grad_of(sample, param_name),
                value=self.bwd.sample_weights[li][sample, neuron].copy(),
                labels=(*(None for _ in chain), names.input_each(li)),
                value_label=self.grad_of(sample, names.param_each(li, "weight", neuron)),
                why_prose=(
                    *("Neuron ", pre, "'s whole row of weights at once: the gradient reaching "),
                    *(pre, " times each input ", (OPEN, names.input(li, None), CLOSE), "."),
                ),
                param=param,
                nodes=frozenset({(li, None), (li + 1, neuron)}),
                edges=frozenset({(li, neuron, None)}),
            )
            return
        for i in range(layer.fan_in):
            param = param_ref(li, "weight", neuron, i)
            param_name = names.param(param)
            ops = (*chain, Operand(self.partial(pre, param_name), float(a_prev[i])))
            self.add_product(
                ops,
                phase="backward",
                sample=sample,
                kind="grad",
                layer=li,
                neuron=neuron,
                target=f"gradients.layers[{li}].weights[{neuron}][{i}]",
                symbol_expr=self.grad_of(sample, param_name),
                value=float(self.bwd.sample_weights[li][sample, neuron, i]),
                why_prose=self._param_why(sample, li, neuron, i, param_name),
                param=param,
                nodes=frozenset({(li, i), (li + 1, neuron)}),
                edges=frozenset({(li, neuron, i)}),
            )

    def bias_gradient(self, sample: int, li: int, neuron: int) -> None:
        names = self.names
        param = param_ref(li, "bias", neuron)
        param_name = names.param(param)
        pre = names.pre(li, neuron)
        ops = (
            *self.delta_operands(sample, li, neuron),
            Operand(self.partial(pre, param_name), 1.0),
        )
        self.add_product(
            ops,
            phase="backward",
            sample=sample,
            kind="grad",
            layer=li,
            neuron=neuron,
            target=f"gradients.layers[{li}].biases[{neuron}]",
            symbol_expr=self.grad_of(sample, param_name),
            value=float(self.bwd.sample_biases[li][sample, neuron]),
            why_prose=self._param_why(sample, li, neuron, None, param_name),
            param=param,
            nodes=frozenset({(li + 1, neuron)}),
        )

    def _param_why(self, sample: int, li: int, neuron: int, i: int | None, param: Name) -> Prose:
        """Why one parameter's gradient is what it is: the chain rule, or why it is 0 (an
        inactive neuron, an input of 0). Samples in the same case share the sentence."""
        record = activation(self.net.layers[li].activation)
        local = self.bwd.local[li]
        below = activation(self.net.layers[li - 1].activation) if li > 0 else None
        if record.inactive and local is not None and local[sample, neuron] == 0:
            case = "inactive"
        elif i is None:
            case = "bias"
        elif float(self.fwd.layer_input(li)[sample, i]) != 0:
            case = "chain"
        else:
            case = "inactive input" if below is not None and below.inactive else "zero input"
        return self.shared(
            ("param why", case, li, neuron, i),
            lambda: self._param_prose(case, li, neuron, i, param),
        )

    def _param_prose(self, case: str, li: int, neuron: int, i: int | None, param: Name) -> Prose:
        names = self.names
        pre, post = names.pre(li, neuron), names.post(li, neuron)
        if case == "inactive":
            record = activation(self.net.layers[li].activation)
            return (
                *("Zero: ", post, f" is {record.inactive} (", (pre, LESS_EQUAL, ZERO), ", "),
                *((record.slope_function, EQUALS, ZERO), "), so no gradient reaches ", param, "."),
            )
        if case == "bias" or i is None:
            return (
                "A bias is a weight whose input is always 1: its gradient is the "
                "gradient reaching ",
                pre,
                ".",
            )
        in_sym = names.input(li, i)
        if case == "inactive input":
            below = activation(self.net.layers[li - 1].activation)
            return (
                *("Zero: ", (in_sym, EQUALS, ZERO), f" from {below.inactive}, so ", param),
                *(" contributed nothing to ", pre, " and its gradient is 0."),
            )
        if case == "zero input":
            return (
                *("Zero: the input ", in_sym, " is 0, so ", param),
                *(" contributed nothing to ", pre, "."),
            )
        return (
            *("Chain rule: the gradient reaching ", pre, ", times ", pre, "'s slope in "),
            *(param, ", which is the input ", in_sym, " it multiplies."),
        )

    def layer_param_gradients(self, sample: int, li: int) -> None:
        names = self.names
        delta = self.bwd.grad_pre[li][sample]
        a_prev = self.fwd.layer_input(li)[sample]
        in_sym = names.input(li, None)
        if self.through_delta(li):
            d_sym: Name | Partial = self.grad_of(sample, names.pre(li, None))
            d_each: Name | Partial = self.grad_of(sample, names.pre_each(li))
        else:
            d_sym, d_each = delta_name(li), delta_each(li)
        weights = param_ref(li, "weight", None)
        biases = param_ref(li, "bias", None)
        self.add(
            phase="backward",
            sample=sample,
            kind="grad",
            layer=li,
            neuron=None,
            target=f"gradients.layers[{li}].weights",
            symbol_expr=self.grad_of(sample, names.param(weights)),
            formula_expr=(d_sym, TIMES, in_sym, TRANSPOSED),
            op="product",
            operands=(
                Operand(d_sym, delta[:, None].copy()),
                Operand((in_sym, TRANSPOSED), a_prev[None, :].copy()),
            ),
            value=self.bwd.sample_weights[li][sample].copy(),
            why_prose=(
                *("The outer product: each weight's gradient is the ", DELTA),
                " of its neuron times the input it multiplies.",
            ),
            template=(slot(0), TIMES, slot(1), TRANSPOSED),
            numbers=(delta.copy(), a_prev.copy()),
            labels=(d_each, names.input_each(li)),
            value_label=self.grad_of(sample, names.param_each(li, "weight")),
            param=weights,
            nodes=frozenset({(li, None), (li + 1, None)}),
            edges=frozenset({(li, None, None)}),
        )
        self.add_product(
            (Operand(d_sym, delta.copy()), Operand(ONE, 1.0)),
            phase="backward",
            sample=sample,
            kind="grad",
            layer=li,
            neuron=None,
            target=f"gradients.layers[{li}].biases",
            symbol_expr=self.grad_of(sample, names.param(biases)),
            value=self.bwd.sample_biases[li][sample].copy(),
            labels=(d_each, None),
            value_label=self.grad_of(sample, names.param_each(li, "bias")),
            why_prose=(
                "A bias is a weight whose input is always 1: its gradient is ",
                DELTA,
                " itself.",
            ),
            param=biases,
            nodes=frozenset({(li + 1, None)}),
        )
