"""The `train` fast path's form of an optimizer's update: the same arithmetic as the parts'
(`parts`), in the same order, in place on buffers allocated once.

`make_kernel(settings, size, movable, state)` gives an `OptimizerKernel` whose
`update(params, grads, out, lr)` writes the new parameters into `out` (which may be `params`
itself) and keeps the state (t, b, m, v) in its own vectors, allocating nothing per step. Its
numbers are `records.step`'s to the bit. Plain SGD is its own two-ufunc closure:
`out = params − lr·grads`, exactly the engine's update.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nntui.engine.ops.optimizers.fields import SettingsLike

if TYPE_CHECKING:
    import numpy as np

#: update(theta, grad, theta_out, lr): one step in place (see `OptimizerKernel.update`).
Update = Callable[["np.ndarray", "np.ndarray", "np.ndarray", float], None]
#: Builds an optimizer's in-place update for these settings over a kernel's buffers.
KernelBuilder = Callable[["SettingsLike", "KernelBuffers"], Update]


@dataclass(frozen=True)
class KernelBuffers:
    """What a kernel builder writes into: the state vectors by name, the size, the mask of
    entries whose state may change (`where`: True when every entry moves) and the step count,
    `clock[0]`, which the update advances before it computes (t = 1 on the first step)."""

    state: Mapping[str, np.ndarray]
    size: int
    where: bool | np.ndarray
    clock: list[int]


def sgd_kernel(settings: SettingsLike, buffers: KernelBuffers) -> Update:
    import numpy as np

    decay = settings.number("weight_decay")
    momentum = settings.number("momentum")
    nesterov = settings.flag("nesterov")
    velocity, where, clock = buffers.state.get("b"), buffers.where, buffers.clock
    decayed, direction = np.empty(buffers.size), np.empty(buffers.size)
    add, multiply, subtract = np.add, np.multiply, np.subtract

    if decay == 0.0 and velocity is None:

        def plain(theta: np.ndarray, grad: np.ndarray, out: np.ndarray, lr: float) -> None:
            clock[0] += 1
            multiply(grad, lr, out=direction)  # θ* = θ − µ·g, as the engine's update
            subtract(theta, direction, out=out, where=where)

        return plain

    def update(theta: np.ndarray, grad: np.ndarray, out: np.ndarray, lr: float) -> None:
        clock[0] += 1
        g = grad
        if decay > 0.0:
            multiply(theta, decay, out=decayed)  # g = ∂E/∂θ + λ·θ
            add(grad, decayed, out=decayed)
            g = decayed
        step = g
        if velocity is not None:
            multiply(velocity, momentum, out=velocity, where=where)  # v = g + ρ·v (SPEC §6: b)
            add(g, velocity, out=velocity, where=where)
            step = velocity
            if nesterov:
                multiply(velocity, momentum, out=direction)  # d = g + ρ·v
                add(g, direction, out=direction)
                step = direction
        multiply(step, lr, out=direction)  # θ* = θ − µ·d
        subtract(theta, direction, out=out, where=where)

    return update


def rmsprop_kernel(settings: SettingsLike, buffers: KernelBuffers) -> Update:
    import numpy as np

    decay = settings.number("weight_decay")
    alpha, eps = settings.number("alpha"), settings.number("eps")
    one_minus_alpha = 1.0 - alpha
    square, where, clock = buffers.state["v"], buffers.where, buffers.clock
    decayed, scratch, root = (np.empty(buffers.size) for _ in range(3))
    add, divide, multiply, sqrt, subtract = np.add, np.divide, np.multiply, np.sqrt, np.subtract

    def update(theta: np.ndarray, grad: np.ndarray, out: np.ndarray, lr: float) -> None:
        clock[0] += 1
        g = grad
        if decay > 0.0:
            multiply(theta, decay, out=decayed)  # g = ∂E/∂θ + λ·θ
            add(grad, decayed, out=decayed)
            g = decayed
        multiply(square, alpha, out=square, where=where)  # v = α·v + (1 − α)·g²
        multiply(g, g, out=scratch)
        multiply(scratch, one_minus_alpha, out=scratch)
        add(square, scratch, out=square, where=where)
        sqrt(square, out=root)  # θ* = θ − µ·g / (√v + ε)
        add(root, eps, out=root)
        multiply(g, lr, out=scratch)
        divide(scratch, root, out=scratch)
        subtract(theta, scratch, out=out, where=where)

    return update


def adam_kernel(settings: SettingsLike, buffers: KernelBuffers) -> Update:
    """Adam's and AdamW's update in place (AdamW: the decay is on θ, not in g)."""
    import numpy as np

    decay = settings.number("weight_decay")
    decoupled = settings.name == "adamw"
    beta1, beta2, eps = settings.number("beta1"), settings.number("beta2"), settings.number("eps")
    one_minus_beta1, one_minus_beta2 = 1.0 - beta1, 1.0 - beta2
    first, second = buffers.state["m"], buffers.state["v"]
    where, clock = buffers.where, buffers.clock
    decayed, scratch, m_hat, v_hat = (np.empty(buffers.size) for _ in range(4))
    add, divide, multiply, sqrt, subtract = np.add, np.divide, np.multiply, np.sqrt, np.subtract

    def update(theta: np.ndarray, grad: np.ndarray, out: np.ndarray, lr: float) -> None:
        clock[0] += 1
        t = clock[0]
        g, base = grad, theta
        if decay and decoupled:
            multiply(theta, 1.0 - lr * decay, out=decayed)  # θ′ = θ·(1 − µ·λ)
            base = decayed
        elif decay:
            multiply(theta, decay, out=decayed)  # g = ∂E/∂θ + λ·θ
            add(grad, decayed, out=decayed)
            g = decayed
        multiply(first, beta1, out=first, where=where)  # m = β1·m + (1 − β1)·g
        multiply(g, one_minus_beta1, out=scratch)
        add(first, scratch, out=first, where=where)
        multiply(second, beta2, out=second, where=where)  # v = β2·v + (1 − β2)·g²
        multiply(g, g, out=scratch)
        multiply(scratch, one_minus_beta2, out=scratch)
        add(second, scratch, out=second, where=where)
        divide(first, 1.0 - beta1**t, out=m_hat)  # m̂ = m / (1 − β1ᵗ)
        divide(second, 1.0 - beta2**t, out=v_hat)  # v̂ = v / (1 − β2ᵗ)
        sqrt(v_hat, out=v_hat)  # θ* = θ − µ·m̂ / (√v̂ + ε)
        add(v_hat, eps, out=v_hat)
        multiply(m_hat, lr, out=m_hat)
        divide(m_hat, v_hat, out=m_hat)
        subtract(base, m_hat, out=out, where=where)

    return update
