"""What every family of steps shares: the numbers of the training step, the names, and how a
step is added (`StepWriter`). The families — forward and loss (`forward`), backward
(`backward`, `gradients`), reduction and update (`update`) — each add their own kinds."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from nntui.engine.batches import Batch
from nntui.engine.compute import Backward, Forward
from nntui.engine.network import Network, ParamRef
from nntui.engine.notation import SPACED_TIMES, Expr, Name, Partial, joined, slot
from nntui.engine.ops.activations import activation
from nntui.engine.ops.losses import loss
from nntui.engine.spec import Granularity
from nntui.engine.trace.model import Number, Operand, Step
from nntui.engine.trace.notation import Names

_Made = TypeVar("_Made")


class StepWriter:
    """Holds one training step's numbers and writes its steps, in order, into `steps`."""

    def __init__(
        self,
        net: Network,
        granularity: Granularity,
        fwd: Forward,
        bwd: Backward,
        after: Network,
        fwd_after: Forward,
        samples: tuple[int, ...],
        batch: Batch,
        update_values: Mapping[str, Any],
    ) -> None:
        self.net = net
        self.granularity = granularity
        self.samples = samples
        #: The samples this step trains on (SPEC §6): every sample, or a mini-batch.
        self.batch = batch
        #: The samples of the batch without steps of their own (they enter the batch steps as
        #: one sum).
        self.untraced = np.zeros(net.n_samples, dtype=bool)
        self.untraced[batch.rows] = True
        self.untraced[list(samples)] = False
        self.n_untraced = batch.size - len(samples)
        #: Every number of the optimizer's parts, flat, by key (none for plain SGD).
        self.update_values = update_values
        self.fwd = fwd
        self.bwd = bwd
        self.after = after
        self.fwd_after = fwd_after
        self.names = Names.of(net)
        self.n_layers = len(net.layers)
        self.loss_column = self.n_layers + 1
        self.steps: list[Step] = []
        self._delta_operands: dict[tuple[int, int, int], tuple[Operand, ...]] = {}
        self._shared: dict[Hashable, Any] = {}
        last = net.layers[-1].activation
        loss_kind = loss(net.loss)
        # Softmax + cross-entropy and sigmoid + bce go straight to ∂E/∂o_pre = o − y: the
        # factors ∂E/∂o and ∂o/∂o_pre underflow where the output saturates, their product not.
        self.direct_delta = loss_kind.fused_delta is not None and last == loss_kind.output
        # A classifier's output is read as a class: a loss that requires its output activation
        # (bce, cross-entropy), or a sigmoid output trained on 0/1 targets (the worked
        # example). Anything else is a regression.
        self.classifier = loss_kind.output is not None or (
            activation(last).probability and bool(np.isin(net.targets, (0.0, 1.0)).all())
        )

    def shared(self, key: Hashable, make: Callable[[], _Made]) -> _Made:
        """`make()`, made once per `key`: the samples share every formula and sentence that
        does not depend on their own numbers (a trace holds thousands of them)."""
        found = self._shared.get(key, self)
        if found is self:
            self._shared[key] = found = make()
        return found  # type: ignore[no-any-return]

    def add(self, **fields: Any) -> None:
        self.steps.append(Step(index=len(self.steps), **fields))

    def add_product(self, ops: Sequence[Operand], **fields: Any) -> None:
        """A chain-rule product: its formula, template and numbers all come from `ops`
        (`labels`, if given, name the entries of each)."""
        self.add(
            formula_expr=joined([o.expr for o in ops], SPACED_TIMES),
            op="product",
            operands=tuple(ops),
            template=_product_template(len(ops)),
            numbers=tuple(o.value for o in ops),
            **fields,
        )

    # -- shared by the backward families ---------------------------------------------------------
    def pick(self, array: np.ndarray, sample: int, neuron: int | None) -> Number:
        """A sample's row of `array`, or one neuron's number of it."""
        return array[sample].copy() if neuron is None else float(array[sample, neuron])

    def partial(self, top: Name, bottom: Name) -> Partial:
        """∂top/∂bottom."""
        return self.names.partial(top, bottom)

    def grad_of(self, sample: int | None, of: Name) -> Partial:
        """∂E_sample/∂of: the gradient of a sample's loss (of the loss, with one sample)."""
        return self.partial(self.names.loss(sample), of)

    def through_delta(self, layer: int) -> bool:
        """Whether a layer's chain rule goes through an explicit ∂E/∂z (softmax, or the
        output layer's direct o − y) rather than ∂E/∂a · ∂a/∂z."""
        last = layer == self.n_layers - 1
        elementwise = activation(self.net.layers[layer].activation).elementwise
        return not elementwise or (last and self.direct_delta)

    def delta_operands(self, sample: int, layer: int, neuron: int) -> tuple[Operand, ...]:
        """How the gradient reaches a neuron's pre-activation: ∂E/∂a_k · ∂a_k/∂z_k, or the
        explicit ∂E/∂z_k where the layer works through δ (softmax). Made once per neuron and
        sample: every weight into the neuron, and every neuron below it, reads them."""
        key = (sample, layer, neuron)
        found = self._delta_operands.get(key)
        if found is None:
            self._delta_operands[key] = found = self._make_delta_operands(sample, layer, neuron)
        return found

    def _make_delta_operands(self, sample: int, layer: int, neuron: int) -> tuple[Operand, ...]:
        names = self.names
        pre = names.pre(layer, neuron)
        if self.through_delta(layer):
            grad_pre = float(self.bwd.grad_pre[layer][sample, neuron])
            return (Operand(self.grad_of(sample, pre), grad_pre),)
        local = self.bwd.local[layer]
        assert local is not None
        post = names.post(layer, neuron)
        grad_post = float(self.bwd.grad_post[layer][sample, neuron])
        return (
            Operand(self.grad_of(sample, post), grad_post),
            Operand(self.partial(post, pre), float(local[sample, neuron])),
        )


def target(kind: str, layer: int, neuron: int | None) -> str:
    """SPEC §4's `target` of a neuron's (or a layer's) number: `grad_pre[1][0]`."""
    return f"{kind}[{layer}]" if neuron is None else f"{kind}[{layer}][{neuron}]"


def param_target(root: str, ref: ParamRef) -> str:
    """SPEC §4's `target` of a parameter (a row, a layer): `layers[0].weights[1][2]`."""
    base = f"{root}.layers[{ref.layer}].{'weights' if ref.kind == 'weight' else 'biases'}"
    if ref.neuron is None:
        return base
    if ref.kind == "weight" and ref.input is not None:
        return f"{base}[{ref.neuron}][{ref.input}]"
    return f"{base}[{ref.neuron}]"


@functools.cache
def _product_template(count: int) -> Expr:
    """`{0} · {1} · {2}`: a product of `count` numbers."""
    return joined([(slot(k),) for k in range(count)], SPACED_TIMES)
