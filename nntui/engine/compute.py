"""Forward pass, backward pass and one update, vectorised over the samples.

Forward keeps what backward needs (every layer's `pre` z and `post` a); backward is the chain
rule a layer at a time:  δ = ∂E/∂a ⊙ f′(z),  ∂E/∂W = δ·a_prevᵀ,  ∂E/∂a_prev = Wᵀ·δ. The update
is the network's optimizer (SPEC §6; plain SGD θ* = θ − µ·∂E/∂θ by default) with its state.

A mini-batch (`Batch`, SPEC §6) reduces only its own samples: `forward(net, batch=…)` gives
every sample's numbers (a sample is found at its own index) but the loss of the batch, and
`backward` the gradient of that loss. Without a batch, every sample is the batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nntui.engine.batches import Batch
from nntui.engine.functions import (
    activate,
    derivative,
    loss_gradient,
    loss_per_sample,
    output_delta,
)
from nntui.engine.network import Network
from nntui.engine.ops.activations import activation
from nntui.engine.ops.optimizers import settle, step_values


@dataclass(frozen=True, eq=False)
class Forward:
    """Every layer's pre-activation and activation, one row per sample."""

    inputs: np.ndarray
    pre: tuple[np.ndarray, ...]
    post: tuple[np.ndarray, ...]
    losses: np.ndarray  # (samples,) each sample's own loss E_i
    loss: float  # the reduced batch loss

    @property
    def output(self) -> np.ndarray:
        return self.post[-1]

    def layer_input(self, layer: int) -> np.ndarray:
        """What layer `layer` reads: the inputs for layer 0, else the previous activation."""
        return self.inputs if layer == 0 else self.post[layer - 1]


@dataclass(frozen=True, eq=False)
class Backward:
    """Per-sample gradients of each sample's own loss E_i, and the reduced batch gradient."""

    grad_post: tuple[np.ndarray, ...]  # ∂E_i/∂a, (samples, neurons)
    grad_pre: tuple[np.ndarray, ...]  # ∂E_i/∂z, (samples, neurons)
    local: tuple[np.ndarray | None, ...]  # ∂a/∂z element-wise; None for softmax
    sample_weights: tuple[np.ndarray, ...]  # ∂E_i/∂W, (samples, neurons, inputs)
    sample_biases: tuple[np.ndarray, ...]  # ∂E_i/∂b, (samples, neurons)
    weights: tuple[np.ndarray, ...]  # ∂E/∂W for the batch loss
    biases: tuple[np.ndarray, ...]  # ∂E/∂b for the batch loss


def reduce_factor(net: Network, batch: Batch | None = None) -> float:
    """The weight of each sample's loss in the batch loss: 1/n for mean (n the samples of
    `batch`, by default every sample), 1 for sum."""
    count = net.n_samples if batch is None else batch.size
    return 1.0 / count if net.reduction == "mean" else 1.0


def _partial(batch: Batch | None) -> Batch | None:
    """`batch` when it is a proper part of the samples, None when it is every sample."""
    return None if batch is None or batch.is_everything else batch


def forward(net: Network, inputs: np.ndarray | None = None, batch: Batch | None = None) -> Forward:
    """Run every sample (or `inputs`) through the network; the loss is that of `batch` (by
    default every sample), every sample's own numbers are there either way."""
    x = net.inputs if inputs is None else inputs
    pre: list[np.ndarray] = []
    post: list[np.ndarray] = []
    a = x
    for layer in net.layers:
        z = a @ layer.weights.T + layer.biases
        a = activate(layer.activation, z)
        pre.append(z)
        post.append(a)
    losses = loss_per_sample(net.loss, pre[-1], post[-1], net.targets)
    part = _partial(batch)
    if part is None:
        loss = float(np.sum(losses) * reduce_factor(net))
    else:
        loss = float(np.sum(losses[part.rows]) * reduce_factor(net, part))
    return Forward(x, tuple(pre), tuple(post), losses, loss)


def backward(net: Network, fwd: Forward, batch: Batch | None = None) -> Backward:
    """The chain rule, output layer first, for every sample at once; `weights` and `biases`
    are the gradient of `batch`'s loss (by default every sample's)."""
    n_layers = len(net.layers)
    grad_post: list[np.ndarray] = [np.empty(0)] * n_layers
    grad_pre: list[np.ndarray] = [np.empty(0)] * n_layers
    local: list[np.ndarray | None] = [None] * n_layers
    last = net.layers[-1]
    for index in reversed(range(n_layers)):
        layer = net.layers[index]
        z, a = fwd.pre[index], fwd.post[index]
        if index == n_layers - 1:
            grad_post[index] = loss_gradient(net.loss, a, net.targets)
            delta = output_delta(net.loss, last.activation, z, a, net.targets)
        else:
            grad_post[index] = grad_pre[index + 1] @ net.layers[index + 1].weights
            delta = None
        record = activation(layer.activation)
        if record.elementwise:
            local[index] = derivative(layer.activation, z, a)
            if delta is None:
                delta = grad_post[index] * local[index]
        elif delta is None:
            delta = record.backward(grad_post[index], z, a)
        grad_pre[index] = delta
    sample_weights = tuple(
        grad_pre[index][:, :, None] * fwd.layer_input(index)[:, None, :]
        for index in range(n_layers)
    )
    sample_biases = tuple(grad_pre)
    part = _partial(batch)
    if part is None:
        scale = reduce_factor(net)
        weights = tuple(
            grad_pre[index].T @ fwd.layer_input(index) * scale for index in range(n_layers)
        )
        biases = tuple(np.sum(grad_pre[index], axis=0) * scale for index in range(n_layers))
    else:
        scale, rows = reduce_factor(net, part), part.rows
        weights = tuple(
            grad_pre[index][rows].T @ fwd.layer_input(index)[rows] * scale
            for index in range(n_layers)
        )
        biases = tuple(np.sum(grad_pre[index][rows], axis=0) * scale for index in range(n_layers))
    return Backward(
        tuple(grad_post),
        tuple(grad_pre),
        tuple(local),
        sample_weights,
        sample_biases,
        weights,
        biases,
    )


@dataclass(frozen=True, eq=False)
class Update:
    """One update of a network's parameters by its optimizer: the network after it (carrying
    the run's next state) and, for an optimizer other than plain SGD, every number of its
    parts (`nntui.engine.ops.optimizers.step_values`: scalars, and flat vectors in the
    network's `ParamLayout` order, by key — "m_new", "v_hat", "theta_new" …)."""

    network: Network
    values: Mapping[str, Any]


def optimizer_update(net: Network, grads: Backward) -> Update:
    """The update of every parameter by `net`'s optimizer and state, every gradient from
    before the step. Plain SGD is θ* = θ − µ·∂E/∂θ, computed layer by layer as always; any
    other optimizer runs its parts on the flat vectors (a fixed bias neither decays nor
    moves, and keeps its state)."""
    settings, state = net.optimizer, net.state
    if settings.is_plain_sgd:
        after = _plain_sgd(net, grads)
        return Update(replace(after, optimizer_state=replace(state, t=state.t + 1)), {})
    layout = net.layout
    params = net.flat()
    gradient = layout.flatten(grads.weights, grads.biases)
    values = step_values(settings, state, params, gradient, net.learning_rate)
    movable = None if net.update_biases else movable_mask(net)
    new_params, new_state = settle(settings, state, values, movable)
    after = replace(net.with_flat(new_params), optimizer_state=new_state)
    return Update(after, values)


def update(net: Network, grads: Backward) -> Network:
    """The network after one update by its optimizer (see `optimizer_update`)."""
    return optimizer_update(net, grads).network


def movable_mask(net: Network) -> np.ndarray:
    """Which parameters an update may change, in the network's flat order: every weight, and
    every bias unless `update_biases = false`."""
    return net.layout.flatten(
        [np.ones(layer.weights.shape, dtype=bool) for layer in net.layers],
        [np.full(layer.size, net.update_biases) for layer in net.layers],
    ).astype(bool)


def _plain_sgd(net: Network, grads: Backward) -> Network:
    """θ* = θ − learning_rate · ∂E/∂θ for every parameter, every gradient from before the step."""
    rate = net.learning_rate
    new_weights = [
        layer.weights - rate * grad for layer, grad in zip(net.layers, grads.weights, strict=True)
    ]
    if net.update_biases:
        new_biases = [
            layer.biases - rate * grad for layer, grad in zip(net.layers, grads.biases, strict=True)
        ]
    else:
        new_biases = [layer.biases for layer in net.layers]
    return net.with_parameters(new_weights, new_biases)


def sgd_step(net: Network, grads: Backward) -> Network:
    """`update`, by the name it had when plain SGD was the only optimizer."""
    return update(net, grads)
