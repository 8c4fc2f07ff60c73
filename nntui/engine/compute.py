"""Forward pass, backward pass and one SGD step, vectorised over the samples.

Forward keeps what backward needs (every layer's `pre` z and `post` a); backward is the chain
rule a layer at a time:  δ = ∂E/∂a ⊙ f′(z),  ∂E/∂W = δ·a_prevᵀ,  ∂E/∂a_prev = Wᵀ·δ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nntui.engine.functions import (
    activate,
    derivative,
    loss_gradient,
    loss_per_sample,
    output_delta,
)
from nntui.engine.network import Network
from nntui.engine.ops.activations import activation


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


def reduce_factor(net: Network) -> float:
    """The weight of each sample's loss in the batch loss: 1/n for mean, 1 for sum."""
    return 1.0 / net.n_samples if net.reduction == "mean" else 1.0


def forward(net: Network, inputs: np.ndarray | None = None) -> Forward:
    """Run every sample (or `inputs`) through the network."""
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
    loss = float(np.sum(losses) * reduce_factor(net))
    return Forward(x, tuple(pre), tuple(post), losses, loss)


def backward(net: Network, fwd: Forward) -> Backward:
    """The chain rule, output layer first, for every sample at once."""
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
    scale = reduce_factor(net)
    sample_weights = tuple(
        grad_pre[index][:, :, None] * fwd.layer_input(index)[:, None, :]
        for index in range(n_layers)
    )
    sample_biases = tuple(grad_pre)
    weights = tuple(grad_pre[index].T @ fwd.layer_input(index) * scale for index in range(n_layers))
    biases = tuple(np.sum(grad_pre[index], axis=0) * scale for index in range(n_layers))
    return Backward(
        tuple(grad_post),
        tuple(grad_pre),
        tuple(local),
        sample_weights,
        sample_biases,
        weights,
        biases,
    )


def sgd_step(net: Network, grads: Backward) -> Network:
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
