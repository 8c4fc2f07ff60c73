"""Activations and losses, written to stay finite for pre-activations as large as ±1e4.

Each activation has its value `activate(name, z)` and its element-wise derivative
`derivative(name, z, a)`, both read from its record in `nntui.engine.ops.activations`;
softmax, whose derivative is a Jacobian, is handled by `softmax_backward`. Each loss has its
per-sample value and its gradient with respect to the network output, both vectorised over
samples (rows).
"""

from __future__ import annotations

import numpy as np

from nntui.engine.ops.activations import (
    ACTIVATIONS,
    LEAKY_SLOPE,
    sigmoid,
    softmax,
    softmax_backward,
)
from nntui.engine.ops.activations import (
    activation as activation_record,
)
from nntui.engine.ops.losses import loss as loss_record

__all__ = [
    "ACTIVATION_SYMBOLS",
    "LEAKY_SLOPE",
    "activate",
    "derivative",
    "loss_gradient",
    "loss_per_sample",
    "output_delta",
    "sigmoid",
    "softmax",
    "softmax_backward",
]

#: Each activation's symbol on the screen (σ for sigmoid), from its record.
ACTIVATION_SYMBOLS = {name: record.symbol for name, record in ACTIVATIONS.items()}


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """The activation `name` applied to pre-activations `z` (softmax over the last axis)."""
    return activation_record(name).value(z)


def derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Element-wise da/dz for every activation but softmax. relu′(z) = 1 for z > 0, else 0."""
    slope = activation_record(name).slope
    if slope is None:
        raise ValueError(f"activation {name!r} has no element-wise derivative")
    return slope(z, a)


def loss_per_sample(name: str, z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each sample's loss E_i (SPEC §1), from the output layer's pre-activation `z`,
    its activation `o` and the targets `y`; rows are samples."""
    return loss_record(name).per_sample(z, o, y)


def loss_gradient(name: str, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂E_i/∂o for each sample's own loss E_i."""
    return loss_record(name).gradient(o, y)


def output_delta(
    loss: str, activation: str, z: np.ndarray, o: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """∂E_i/∂z of the output layer. For sigmoid+bce and softmax+cross_entropy the fused
    form (o − y, and o·Σy − y) stays exact where the output saturates; elsewhere it is the
    chain rule ∂E/∂o · ∂o/∂z."""
    record = loss_record(loss)
    if record.fused_delta is not None and activation == record.output:
        return record.fused_delta(o, y)
    return activation_record(activation).backward(loss_gradient(loss, o, y), z, o)
