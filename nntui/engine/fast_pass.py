"""The fast path's buffers (`nntui.engine.training`): the parameters as blocks P = [W | b], and
a `SamplePass`, everything a forward and a backward pass over a set of samples write.

Each layer's weights and biases live side by side in one block P = [W | b] of a flat vector,
and every layer's input carries a constant row of ones, so one matmul gives z = W·a + b and one
gives both ∂E/∂W and ∂E/∂b. Activations are stored transposed (neurons × samples), so a layer's
activations are a contiguous block of the next layer's input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from nntui.engine.functions import loss_per_sample, output_delta
from nntui.engine.network import Network, ParamLayout
from nntui.engine.ops.activations import activation
from nntui.engine.ops.losses import loss as loss_record

#: One layer's forward step: P = [W | b], its input (with the row of ones), z, and the kernel
#: writing a = f(z) (None when the matmul wrote a itself).
ForwardStep = tuple[np.ndarray, np.ndarray, np.ndarray, Callable[[], Any] | None]
#: Passing δ down a layer: Wᵀ, ∂E/∂a of the layer below, and the kernel turning that into the
#: layer below's δ (None where f′ = 1).
PassDown = tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], Any] | None]
#: One layer's backward step: δ, inputᵀ, its gradient block, and how δ passes down (None for
#: the first layer).
BackwardStep = tuple[np.ndarray, np.ndarray, np.ndarray, PassDown | None]


class SamplePass:
    """The buffers of a forward and a backward pass over the samples `rows` of a network
    (every sample, or a mini-batch): each layer's input (transposed, with its row of ones), z,
    a and δ; `loss_fn()` gives those samples' loss (`scale` times the sum: 1/n for mean) and
    writes the output layer's δ; `pre_checks` let a caller check every z is finite."""

    def __init__(self, net: Network, rows: slice, scale: float) -> None:
        layers = net.layers
        count = len(layers)
        inputs_t = net.inputs[rows].T
        samples = inputs_t.shape[1]
        self.scale = scale
        x_aug = np.ones((layers[0].fan_in + 1, samples))
        x_aug[:-1] = inputs_t
        inputs = [x_aug] + [np.ones((layer.size + 1, samples)) for layer in layers[:-1]]
        posts = [inputs[index + 1][:-1] for index in range(count - 1)]
        posts.append(np.empty((layers[-1].size, samples)))
        pres: list[np.ndarray] = []
        forward_fns: list[Callable[[], Any] | None] = []
        records = [activation(layer.activation) for layer in layers]
        for index, record in enumerate(records):
            if record.forward_kernel is None:
                pres.append(posts[index])  # z is a: the matmul writes the activation directly
                forward_fns.append(None)
            else:
                z = np.empty((layers[index].size, samples))
                pres.append(z)
                forward_fns.append(record.forward_kernel(z, posts[index]))
        # Every layer's z, checked after each forward pass: a saturating activation
        # (σ(±inf) = 1 or 0, tanh(±inf) = ±1, relu(−inf) = 0) would hide an overflow from the loss.
        self.pre_checks = [(z, np.ones_like(z)) for z in pres]
        deltas = [np.empty((layer.size, samples)) for layer in layers]
        derivs = [
            None
            if record.backward_kernel is None
            else record.backward_kernel(pres[index], posts[index])
            for index, record in enumerate(records)
        ]
        self.loss_fn = _loss_fn(
            net,
            net.targets[rows],
            (pres[-1], posts[-1], deltas[-1]),
            derivs[-1],
            forward_fns[-1],
            scale,
        )
        self._inputs, self._pres, self._forward_fns = inputs, pres, forward_fns
        self._deltas, self._derivs = deltas, derivs

    def forward_program(self, blocks: list[np.ndarray]) -> list[ForwardStep]:
        """The forward steps reading the parameter blocks `blocks` (`blocks_of`)."""
        return [
            (blocks[index], self._inputs[index], self._pres[index], self._forward_fns[index])
            for index in range(len(blocks))
        ]

    def backward_program(
        self, blocks: list[np.ndarray], grads: list[np.ndarray]
    ) -> list[BackwardStep]:
        """The backward steps, output layer first, reading `blocks` and writing `grads`."""
        program: list[BackwardStep] = []
        deltas, derivs = self._deltas, self._derivs
        for index in reversed(range(len(blocks))):
            down = (
                (blocks[index][:, :-1].T, deltas[index - 1], derivs[index - 1])
                if index > 0
                else None
            )
            program.append((deltas[index], self._inputs[index].T, grads[index], down))
        return program

    def pre_finite(self) -> bool:
        """True when every pre-activation of the last forward pass is finite."""
        vdot = np.vdot
        for z, ones in self.pre_checks:
            # One dot product per layer; a sum that overflows from finite numbers is checked
            # element by element.
            if not math.isfinite(vdot(z, ones)) and not np.isfinite(z).all():
                return False
        return True


def blocks_of(flat: np.ndarray, layout: ParamLayout) -> list[np.ndarray]:
    """Each layer's P = [W | b] (one row per neuron: its weights, then its bias) as a view of
    `flat`, input side first.

    A layer's block sits where `layout` puts that layer's parameters; inside it the fast path
    keeps each neuron's bias beside its weights, so one matmul gives z = W·a + b and one the
    gradients of both. The vector never leaves the fast path: the trained network is built from
    the blocks, and names come from the network's own `params()` order (`engine_order`)."""
    blocks = []
    for layer, (size, fan_in) in enumerate(layout.shapes):
        start, stop = layout.layer_span(layer)
        blocks.append(flat[start:stop].reshape(size, fan_in + 1))
    return blocks


def engine_order(layout: ParamLayout) -> np.ndarray:
    """Where each entry of a fast-path vector sits in the network's flat order: a vector `v`
    in the network's order is `v[order]` in the fast path's, and `out[order] = w` turns `w`
    back."""
    positions = np.arange(len(layout), dtype=np.float64)
    weights, biases = layout.unflatten(positions)
    order = np.empty(len(layout))
    for block, layer_weights, layer_biases in zip(
        blocks_of(order, layout), weights, biases, strict=True
    ):
        block[:, :-1] = layer_weights
        block[:, -1] = layer_biases
    return order.astype(np.intp)


def _loss_fn(
    net: Network,
    targets: np.ndarray,
    output: tuple[np.ndarray, np.ndarray, np.ndarray],
    deriv: Callable[[np.ndarray], Any] | None,
    activate: Callable[[], Any] | None,
    scale: float,
) -> Callable[[], float]:
    """A function computing the loss of `targets`' samples from the output layer's z and o
    (neurons × samples) and writing δ = ∂E_i/∂z of the output layer (each sample's own, not
    reduced) into `delta` (`output` is z, o, δ)."""
    z, o, delta = output
    activation_name = net.layers[-1].activation
    kernel = loss_record(net.loss).kernel
    y = np.ascontiguousarray(targets.T)
    fast = (
        None if kernel is None else kernel(y, z, o, delta, deriv, activate, scale, activation_name)
    )
    if fast is not None:
        return fast

    # Any other pairing: the engine's own functions, samples as rows.
    def general() -> float:
        zt, ot = z.T, o.T
        loss = scale * float(np.sum(loss_per_sample(net.loss, zt, ot, targets)))
        np.copyto(delta, output_delta(net.loss, activation_name, zt, ot, targets).T)
        return loss

    return general
