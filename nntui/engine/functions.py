"""Activations and losses, written to stay finite for pre-activations as large as ±1e4.

Each activation has its value `activate(name, z)` and its element-wise derivative
`derivative(name, z, a)`; softmax, whose derivative is a Jacobian, is handled by
`softmax_backward`. Each loss has its per-sample value and its gradient with respect to the
network output, both vectorised over samples (rows).
"""

from __future__ import annotations

import numpy as np

LEAKY_SLOPE = 0.01
# Smallest o·(1−o) or o used as a divisor, so a saturated output gives a huge but finite ∂E/∂o.
_TINY = np.finfo(np.float64).tiny

ACTIVATION_SYMBOLS = {
    "linear": "linear",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "sigmoid": "σ",
    "tanh": "tanh",
    "softmax": "softmax",
}


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^−z) without overflow: exp is only ever taken of −|z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum so exp never overflows."""
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """The activation `name` applied to pre-activations `z` (softmax over the last axis)."""
    if name == "linear":
        return np.array(z, dtype=np.float64, copy=True)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_SLOPE * z)
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        return softmax(z)
    raise ValueError(f"unknown activation {name!r}")


def derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Element-wise da/dz for every activation but softmax. relu′(z) = 1 for z > 0, else 0."""
    if name == "linear":
        return np.ones_like(z)
    if name == "relu":
        return (z > 0).astype(np.float64)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_SLOPE)
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    raise ValueError(f"activation {name!r} has no element-wise derivative")


def softmax_backward(grad_post: np.ndarray, a: np.ndarray) -> np.ndarray:
    """∂E/∂z from ∂E/∂a through softmax: a ⊙ (∂E/∂a − Σ_j ∂E/∂a_j · a_j)."""
    return a * (grad_post - np.sum(grad_post * a, axis=-1, keepdims=True))


def loss_per_sample(name: str, z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each sample's loss E_i (SPEC §1), from the output layer's pre-activation `z`,
    its activation `o` and the targets `y`; rows are samples."""
    if name == "half_sse":
        return 0.5 * np.sum((y - o) ** 2, axis=-1)
    if name == "sse":
        return np.sum((y - o) ** 2, axis=-1)
    if name == "mse":
        return np.mean((y - o) ** 2, axis=-1)
    if name == "bce":
        # ln σ(z) = −ln(1 + e^−z) and ln(1 − σ(z)) = −ln(1 + e^z): finite for any finite z.
        log_o = -np.logaddexp(0.0, -z)
        log_not_o = -np.logaddexp(0.0, z)
        return -np.sum(y * log_o + (1.0 - y) * log_not_o, axis=-1)
    if name == "cross_entropy":
        return -np.sum(y * log_softmax(z), axis=-1)
    raise ValueError(f"unknown loss {name!r}")


def loss_gradient(name: str, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂E_i/∂o for each sample's own loss E_i."""
    if name == "half_sse":
        return o - y
    if name == "sse":
        return 2.0 * (o - y)
    if name == "mse":
        return 2.0 * (o - y) / o.shape[-1]
    if name == "bce":
        return (o - y) / np.maximum(o * (1.0 - o), _TINY)
    if name == "cross_entropy":
        return -y / np.maximum(o, _TINY)
    raise ValueError(f"unknown loss {name!r}")


def output_delta(
    loss: str, activation: str, z: np.ndarray, o: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """∂E_i/∂z of the output layer. For sigmoid+bce and softmax+cross_entropy the fused
    form (o − y, and o·Σy − y) stays exact where the output saturates; elsewhere it is the
    chain rule ∂E/∂o · ∂o/∂z."""
    if loss == "bce" and activation == "sigmoid":
        return o - y
    if loss == "cross_entropy" and activation == "softmax":
        return o * np.sum(y, axis=-1, keepdims=True) - y
    grad_o = loss_gradient(loss, o, y)
    if activation == "softmax":
        return softmax_backward(grad_o, o)
    return grad_o * derivative(activation, z, o)
