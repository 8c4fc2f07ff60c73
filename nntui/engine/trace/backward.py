"""Backpropagation as steps, a layer at a time from the output: the gradient at each
activation (∂E/∂a), each activation's slope, δ, and then each parameter's gradient."""

from __future__ import annotations

import numpy as np

from nntui.engine.network import ParamRef
from nntui.engine.notation import (
    EQUALS,
    HADAMARD,
    MINUS_OP,
    PLUS,
    SPACED_TIMES,
    TIMES,
    TRANSPOSED,
    Expr,
    Lit,
    Name,
    Op,
    Partial,
    Prose,
    joined,
    slot,
)
from nntui.engine.ops.activations import activation
from nntui.engine.ops.losses import loss
from nntui.engine.trace.gradients import GradientSteps
from nntui.engine.trace.model import Number, Operand
from nntui.engine.trace.notation import (
    DELTA,
    LOSS,
    TARGET,
    TARGET_EACH,
    delta_each,
    delta_name,
    products_text,
    target_name,
)
from nntui.engine.trace.writer import target

#: The output, its pre-activation and the Jacobian, as the sentences name them.
_OUTPUT, _OUTPUT_PRE, _JACOBIAN = Name("o", "o"), Name("o_pre", "o", ("pre",)), Name("J", "J")
_SUM_OF = Op("Σ")


class BackwardSteps(GradientSteps):
    """Steps of backpropagation for one sample."""

    def backward_layer(self, sample: int, li: int) -> None:
        layer = self.net.layers[li]
        last = li == self.n_layers - 1
        neurons: list[int | None] = (
            [None] if self.granularity == "layer" else list(range(layer.size))
        )
        if last and self.direct_delta:
            for neuron in neurons:
                self.output_delta_step(sample, li, neuron)
        else:
            for neuron in neurons:
                if last:
                    self.loss_gradient_step(sample, li, neuron)
                else:
                    self.hidden_gradient_step(sample, li, neuron)
            if not activation(layer.activation).elementwise:
                for neuron in neurons:
                    self.softmax_delta_step(sample, li, neuron)
            else:
                for neuron in neurons:
                    self.derivative_step(sample, li, neuron)
                if self.granularity == "layer":
                    self.delta_product_step(sample, li)
        if self.granularity == "layer":
            self.layer_param_gradients(sample, li)
        else:
            for neuron in range(layer.size):
                self.weight_gradients(sample, li, neuron)
            for neuron in range(layer.size):
                self.bias_gradient(sample, li, neuron)

    def _output_and_target(
        self, sample: int, li: int, neuron: int | None
    ) -> tuple[Number, Number, Name, Name]:
        """The output and the target of an output neuron (or of the layer), and their names."""
        output = self.pick(self.fwd.post[li], sample, neuron)
        targets = self.net.targets
        wanted = targets[sample].copy() if neuron is None else float(targets[sample, neuron])
        size = self.net.layers[li].size
        return output, wanted, self.names.post(li, neuron), target_name(neuron, size)

    def loss_gradient_step(self, sample: int, li: int, neuron: int | None) -> None:
        names = self.names
        output, wanted, o_sym, y_sym = self._output_and_target(sample, li, neuron)
        record = loss(self.net.loss)
        size = self.net.layers[li].size
        self.add(
            phase="backward",
            sample=sample,
            kind="grad_post",
            layer=li,
            neuron=neuron,
            target=target("grad_post", li, neuron),
            symbol_expr=self.grad_of(sample, o_sym),
            formula_expr=record.gradient_formula(o_sym, y_sym, size),
            op="apply",
            operands=(Operand(o_sym, output), Operand(y_sym, wanted)),
            value=self.pick(self.bwd.grad_post[li], sample, neuron),
            why_prose=record.gradient_why,
            template=record.gradient_template(size),
            numbers=(output, wanted),
            labels=(names.post_each(li), TARGET_EACH),
            value_label=self.grad_of(sample, names.post_each(li)),
            nodes=frozenset({(self.loss_column, None), (li + 1, neuron)}),
        )

    def output_delta_step(self, sample: int, li: int, neuron: int | None) -> None:
        names = self.names
        output, wanted, o_sym, y_sym = self._output_and_target(sample, li, neuron)
        record = loss(self.net.loss)
        total = float(np.sum(self.net.targets[sample])) if record.fused_sums_targets else 1.0
        if total == 1.0:
            formula: Expr = (o_sym, MINUS_OP, y_sym)
            template: Expr = (slot(0), MINUS_OP, slot(1))
        else:
            formula = (o_sym, TIMES, _SUM_OF, TARGET, MINUS_OP, y_sym)
            template = (slot(0), TIMES, Lit(f"{total:g}"), MINUS_OP, slot(1))
        pair = record.fused_pair
        chain = (self.partial(LOSS, _OUTPUT), SPACED_TIMES, self.partial(_OUTPUT, _OUTPUT_PRE))
        why: Prose = (
            *(f"For {pair} the chain rule ", chain, " collapses to output minus target: "),
            *((self.partial(LOSS, _OUTPUT_PRE), EQUALS, _OUTPUT, MINUS_OP, TARGET), "."),
        )
        self.add(
            phase="backward",
            sample=sample,
            kind="grad_pre",
            layer=li,
            neuron=neuron,
            target=target("grad_pre", li, neuron),
            symbol_expr=self.grad_of(sample, names.pre(li, neuron)),
            formula_expr=formula,
            op="apply",
            operands=(Operand(o_sym, output), Operand(y_sym, wanted)),
            value=self.pick(self.bwd.grad_pre[li], sample, neuron),
            why_prose=why,
            template=template,
            numbers=(output, wanted),
            labels=(names.post_each(li), TARGET_EACH),
            value_label=self.grad_of(sample, names.pre_each(li)),
            nodes=frozenset({(self.loss_column, None), (li + 1, neuron)}),
        )

    def hidden_gradient_step(self, sample: int, li: int, neuron: int | None) -> None:
        if neuron is None:
            self._hidden_gradient_layer(sample, li)
            return
        names = self.names
        nxt = self.net.layers[li + 1]
        a_sym = names.post(li, neuron)
        value = float(self.bwd.grad_post[li][sample, neuron])
        chains = []
        for k in range(nxt.size):
            weight = names.param(ParamRef(li + 1, "weight", k, neuron))
            weight_op = Operand(weight, float(nxt.weights[k, neuron]))
            chains.append((*self.delta_operands(sample, li + 1, k), weight_op))
        via = names.pre(li + 1, None) if nxt.size > 1 else names.pre(li + 1, 0)
        nodes = frozenset({(li + 1, neuron), (li + 2, None)})
        edges = frozenset({(li + 1, None, neuron)})
        if len(chains) == 1:
            ops = chains[0]
            self.add_product(
                ops,
                phase="backward",
                sample=sample,
                kind="grad_post",
                layer=li,
                neuron=neuron,
                target=target("grad_post", li, neuron),
                symbol_expr=self.grad_of(sample, a_sym),
                value=value,
                why_prose=(
                    *(a_sym, " reaches the loss only through ", via, ", by the weight "),
                    *(ops[-1].expr, ": the gradient already at ", via, ", times that weight."),
                ),
                nodes=nodes,
                edges=edges,
            )
            return
        terms = [
            Operand(
                joined([o.expr for o in ops], TIMES),
                float(np.prod(np.array([o.value for o in ops], dtype=np.float64))),
                tuple(o.value for o in ops),
            )
            for ops in chains
        ]
        formula, template, numbers = products_text(terms)
        self.add(
            phase="backward",
            sample=sample,
            kind="grad_post",
            layer=li,
            neuron=neuron,
            target=target("grad_post", li, neuron),
            symbol_expr=self.grad_of(sample, a_sym),
            formula_expr=formula,
            op="sum",
            operands=tuple(terms),
            value=value,
            why_prose=(
                a_sym,
                " feeds every neuron of the next layer, so its gradient adds "
                "up what comes back along each outgoing weight.",
            ),
            template=template,
            numbers=numbers,
            nodes=nodes,
            edges=edges,
        )

    def _hidden_gradient_layer(self, sample: int, li: int) -> None:
        """∂E/∂a of a whole layer: the next layer's δ back through its transposed weights."""
        names = self.names
        nxt = self.net.layers[li + 1]
        a_sym = names.post(li, None)
        delta = self.bwd.grad_pre[li + 1][sample]
        # The next layer's δ under the name its own step gave it: δ1, or ∂E_1/∂o_pre where
        # that layer works through an explicit ∂E/∂z (softmax, the fused output).
        if self.through_delta(li + 1):
            d_sym: Name | Partial = self.grad_of(sample, names.pre(li + 1, None))
            d_each: Name | Partial = self.grad_of(sample, names.pre_each(li + 1))
            d_entry: list[Name | Partial] = [
                self.grad_of(sample, names.pre(li + 1, k)) for k in range(nxt.size)
            ]
        else:
            d_sym, d_each = delta_name(li + 1), delta_each(li + 1)
            d_entry = [delta_name(li + 1, k) for k in range(nxt.size)]
        terms = tuple(
            Operand(
                (d_entry[k], TIMES, names.param(ParamRef(li + 1, "weight", k))),
                delta[k] * nxt.weights[k],
            )
            for k in range(nxt.size)
        )
        next_weights = names.param(ParamRef(li + 1, "weight", None))
        self.add(
            phase="backward",
            sample=sample,
            kind="grad_post",
            layer=li,
            neuron=None,
            target=target("grad_post", li, None),
            symbol_expr=self.grad_of(sample, a_sym),
            formula_expr=(next_weights, TRANSPOSED, TIMES, d_sym),
            op="sum",
            operands=terms,
            value=self.bwd.grad_post[li][sample].copy(),
            why_prose=(
                *("Every neuron of ", a_sym, " reaches the loss through the next layer: "),
                *("the next layer's ", DELTA, ", carried back through the transposed weights."),
            ),
            template=(slot(0), TRANSPOSED, TIMES, slot(1)),
            numbers=(nxt.weights, delta),
            labels=(names.param_each(li + 1, "weight"), d_each),
            value_label=self.grad_of(sample, names.post_each(li)),
            nodes=frozenset({(li + 1, None), (li + 2, None)}),
            edges=frozenset({(li + 1, None, None)}),
        )

    def derivative_step(self, sample: int, li: int, neuron: int | None) -> None:
        names = self.names
        local = self.bwd.local[li]
        assert local is not None
        z = self.pick(self.fwd.pre[li], sample, neuron)
        a = self.pick(self.fwd.post[li], sample, neuron)
        pre, post = names.pre(li, neuron), names.post(li, neuron)
        record = activation(self.net.layers[li].activation)
        value = self.pick(local, sample, neuron)
        reads_post = record.slope_reads_post
        self.add(
            phase="backward",
            sample=sample,
            kind="deriv",
            layer=li,
            neuron=neuron,
            target=target("deriv", li, neuron),
            symbol_expr=self.partial(post, pre),
            formula_expr=record.slope_formula(pre),  # f′ of the neuron's own z
            op="apply",
            operands=(Operand(pre, z),),
            value=value,
            why_prose=record.slope_why(pre, post, value),
            template=record.slope_template,
            numbers=(a if reads_post else z,),
            labels=(names.post_each(li) if reads_post else names.pre_each(li),),
            value_label=self.partial(names.post_each(li), names.pre_each(li)),
            nodes=frozenset({(li + 1, neuron)}),
        )

    def softmax_delta_step(self, sample: int, li: int, neuron: int | None) -> None:
        names = self.names
        output = self.fwd.post[li][sample]
        grad = self.bwd.grad_post[li][sample]
        jacobian = np.diag(output) - np.outer(output, output)  # ∂o_i/∂z_k
        outputs = range(len(output))
        pre = names.pre(li, neuron)

        def path(i: int) -> Expr:  # ∂E/∂o_i · ∂o_i/∂z
            post = names.post(li, i)
            return (self.grad_of(sample, post), TIMES, self.partial(post, pre))

        value: Number
        if neuron is None:
            terms = tuple(Operand(path(i), grad[i] * jacobian[i]) for i in outputs)
            value = self.bwd.grad_pre[li][sample].copy()
            formula: Expr = joined([t.expr for t in terms], PLUS)
            template: Expr = (_JACOBIAN, TIMES, slot(0))
            numbers: tuple[Number, ...] = (grad.copy(),)
        else:
            terms = tuple(
                Operand(
                    path(i),
                    float(grad[i] * jacobian[i, neuron]),
                    (float(grad[i]), float(jacobian[i, neuron])),
                )
                for i in outputs
            )
            value = float(self.bwd.grad_pre[li][sample, neuron])
            formula, template, numbers = products_text(terms)
        self.add(
            phase="backward",
            sample=sample,
            kind="grad_pre",
            layer=li,
            neuron=neuron,
            target=target("grad_pre", li, neuron),
            symbol_expr=self.grad_of(sample, pre),
            formula_expr=formula,
            op="sum",
            operands=terms,
            value=value,
            why_prose=(
                "Every softmax output depends on every pre-activation, so this "
                "gradient adds up the paths through all of them.",
            ),
            template=template,
            numbers=numbers,
            labels=(self.grad_of(sample, names.post_each(li)),),
            value_label=self.grad_of(sample, names.pre_each(li)),
            nodes=frozenset({(li + 1, None)}),
        )

    def delta_product_step(self, sample: int, li: int) -> None:
        """Layer granularity: δ = ∂E/∂a ⊙ f′(z)."""
        names = self.names
        local = self.bwd.local[li]
        assert local is not None
        grad, slope = self.bwd.grad_post[li][sample].copy(), local[sample].copy()
        grad_a = self.grad_of(sample, names.post(li, None))  # ∂E_1/∂h inside sample 1's steps
        slope_sym = self.partial(names.post(li, None), names.pre(li, None))
        self.add(
            phase="backward",
            sample=sample,
            kind="grad_pre",
            layer=li,
            neuron=None,
            target=target("grad_pre", li, None),
            symbol_expr=delta_name(li),
            formula_expr=(grad_a, HADAMARD, slope_sym),
            op="product",
            operands=(Operand(grad_a, grad), Operand(slope_sym, slope)),
            value=self.bwd.grad_pre[li][sample].copy(),
            why_prose=(
                *(DELTA, ", the gradient at the pre-activations: what arrives at each "),
                "activation times that activation's slope.",
            ),
            template=(slot(0), HADAMARD, slot(1)),
            numbers=(grad, slope),
            labels=(
                self.grad_of(sample, names.post_each(li)),
                self.partial(names.post_each(li), names.pre_each(li)),
            ),
            value_label=delta_each(li),
            nodes=frozenset({(li + 1, None)}),
        )
