"""Every loss as one record: per-sample value, gradient ∂E/∂o, notation and "why".

`LOSSES` maps a network file's loss name to its `Loss`, in SPEC §1's order. NumPy is imported
inside the functions, so the names can be read before NumPy is loaded.

Each record also holds its kernel for the `train` fast path.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nntui.engine.ops.activations import activation

if TYPE_CHECKING:
    import numpy as np

#: Given the output layer's buffers (neurons × samples) — targets y, z, o, the δ to write, the
#: in-place f′ kernel (or None), the activation kernel, the reduction's scale — and the output
#: activation's name, a function returning the batch loss and writing δ = ∂E_i/∂z; None when
#: this loss has no fast form for that output (the engine's own functions are used then).
LossKernel = Callable[..., "Callable[[], float] | None"]

# Smallest o·(1−o) or o used as a divisor, so a saturated output gives a huge but finite ∂E/∂o.
_TINY = sys.float_info.min


@dataclass(frozen=True)
class Loss:
    """One loss. `per_sample(z, o, y)` is each sample's E_i from the output layer's z, its
    activation o and the targets y (rows are samples); `gradient(o, y)` is ∂E_i/∂o."""

    name: str
    title: str  # "half the sum of squared errors"
    text: str  # "E = ½·Σ_k (y_k − o_k)²"
    latex: str
    per_sample: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    gradient: Callable[[np.ndarray, np.ndarray], np.ndarray]
    # The trace's formula and template for K outputs; the template's {2k}, {2k+1} are y_k, o_k.
    formula: Callable[[int], tuple[str, str]]
    why: str
    gradient_formula: str  # in o, y and K (the number of outputs)
    gradient_template: str  # over {0} = o, {1} = y
    gradient_why: str
    # The output activation this loss requires, if any (a classifier's loss), and ∂E_i/∂z of
    # that pairing written directly: the factors ∂E/∂o and ∂o/∂z underflow where the output
    # saturates, their product does not.
    output: str | None = None
    fused_delta: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    kernel: LossKernel | None = None  # the `train` fast path's in-place loss and δ


def _squares(size: int) -> str:
    return " + ".join(f"({{{2 * k}}} − {{{2 * k + 1}}})²" for k in range(size))


def _symbolic_squares(size: int) -> str:
    return "(y − o)²" if size == 1 else "Σ_k (y_k − o_k)²"


def _half_sse_formula(size: int) -> tuple[str, str]:
    squares = _squares(size)
    return f"½·{_symbolic_squares(size)}", f"½·({squares})" if size > 1 else f"½·{squares}"


def _mse_formula(size: int) -> tuple[str, str]:
    return f"(1/{size})·{_symbolic_squares(size)}", f"({_squares(size)})/{size}"


def _bce_formula(size: int) -> tuple[str, str]:
    terms = " + ".join(
        f"{{{2 * k}}}·ln {{{2 * k + 1}}} + (1 − {{{2 * k}}})·ln(1 − {{{2 * k + 1}}})"
        for k in range(size)
    )
    symbolic = (
        "y·ln o + (1 − y)·ln(1 − o)" if size == 1 else "Σ_k [y_k·ln o_k + (1 − y_k)·ln(1 − o_k)]"
    )
    return f"−({symbolic})", f"−({terms})"


def _cross_entropy_formula(size: int) -> tuple[str, str]:
    terms = " + ".join(f"{{{2 * k}}}·ln {{{2 * k + 1}}}" for k in range(size))
    return "−Σ_k y_k·ln o_k", f"−({terms})"


def _half_sse(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return 0.5 * np.sum((y - o) ** 2, axis=-1)


def _sse(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.sum((y - o) ** 2, axis=-1)


def _mse(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.mean((y - o) ** 2, axis=-1)


def _bce(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    # ln σ(z) = −ln(1 + e^−z) and ln(1 − σ(z)) = −ln(1 + e^z): finite for any finite z.
    log_o = -np.logaddexp(0.0, -z)
    log_not_o = -np.logaddexp(0.0, z)
    return -np.sum(y * log_o + (1.0 - y) * log_not_o, axis=-1)


def _cross_entropy(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    shifted = z - np.max(z, axis=-1, keepdims=True)
    log_softmax = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return -np.sum(y * log_softmax, axis=-1)


def _bce_gradient(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return (o - y) / np.maximum(o * (1.0 - o), _TINY)


def _cross_entropy_gradient(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return -y / np.maximum(o, _TINY)


def _softmax_cross_entropy_delta(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    """o·Σy − y: o − y for targets that sum to 1."""
    import numpy as np

    return o * np.sum(y, axis=-1, keepdims=True) - y


# -- the `train` fast path: in place, rows are neurons, columns samples ------------------------


def _squares_kernel(loss_factor: float | None, grad_factor: float | None) -> LossKernel:
    """The squared-error family: E = c·Σ(o − y)², ∂E/∂o = c′·(o − y); None for c = 1/K and
    c′ = 2/K (mse)."""

    def build(
        y: np.ndarray,
        z: np.ndarray,
        o: np.ndarray,
        delta: np.ndarray,
        deriv: Callable[[np.ndarray], Any] | None,
        activate: Callable[[], Any] | None,
        scale: float,
        output: str,
    ) -> Callable[[], float] | None:
        import numpy as np

        if not activation(output).elementwise:
            return None
        k = y.shape[0]
        k_loss = scale * (loss_factor or 1.0 / k)
        k_grad = grad_factor or 2.0 / k
        diff = delta if k_grad == 1.0 else np.empty_like(o)
        vdot, subtract, multiply = np.vdot, np.subtract, np.multiply

        def sse() -> float:
            subtract(o, y, diff)  # ∂E/∂o = k_grad·(o − y)
            loss = k_loss * vdot(diff, diff)
            if diff is not delta:
                multiply(diff, k_grad, delta)
            if deriv is not None:
                deriv(delta)  # ∂E/∂z = ∂E/∂o ⊙ f′(z)
            return loss

        return sse

    return build


def _bce_kernel(
    y: np.ndarray,
    z: np.ndarray,
    o: np.ndarray,
    delta: np.ndarray,
    deriv: Callable[[np.ndarray], Any] | None,
    activate: Callable[[], Any] | None,
    scale: float,
    output: str,
) -> Callable[[], float] | None:
    import numpy as np

    if output != BCE.output:
        return None
    not_y = 1.0 - y
    soft_neg = np.empty_like(z)
    soft_pos = np.empty_like(z)
    vdot, subtract, logaddexp = np.vdot, np.subtract, np.logaddexp

    def bce() -> float:
        # −ln σ(z) = ln(1 + e^−z), −ln(1 − σ(z)) = ln(1 + e^z): finite for finite z.
        np.negative(z, soft_neg)
        logaddexp(0.0, soft_neg, soft_neg)
        logaddexp(0.0, z, soft_pos)
        loss = scale * (vdot(y, soft_neg) + vdot(not_y, soft_pos))
        subtract(o, y, delta)  # fused: ∂E/∂z = o − y
        return loss

    return bce


def _cross_entropy_kernel(
    y: np.ndarray,
    z: np.ndarray,
    o: np.ndarray,
    delta: np.ndarray,
    deriv: Callable[[np.ndarray], Any] | None,
    activate: Callable[[], Any] | None,
    scale: float,
    output: str,
) -> Callable[[], float] | None:
    """Reads the softmax kernel's shifted z and column totals instead of a logarithm of o."""
    import numpy as np

    if output != CROSS_ENTROPY.output:
        return None
    shifted = activate.shifted  # type: ignore[union-attr]
    total = activate.total  # type: ignore[union-attr]
    y_sum = np.sum(y, axis=0, keepdims=True)
    log_total = np.empty_like(total)
    vdot, subtract, multiply = np.vdot, np.subtract, np.multiply

    def cross_entropy() -> float:
        # −Σ y·ln softmax(z) = Σ_i (Σ_k y_k)·ln Σ e^shifted − Σ y·shifted
        np.log(total, log_total)
        loss = scale * (vdot(y_sum, log_total) - vdot(y, shifted))
        multiply(o, y_sum, delta)  # fused: ∂E/∂z = o·Σy − y
        subtract(delta, y, delta)
        return loss

    return cross_entropy


HALF_SSE = Loss(
    name="half_sse",
    title="half the sum of squared errors",
    text="E = ½·Σ_k (y_k − o_k)²",
    latex=r"E = \tfrac{1}{2} \sum_k (y_k - o_k)^2",
    per_sample=_half_sse,
    gradient=lambda o, y: o - y,
    formula=_half_sse_formula,
    why="The loss is half the squared error between the target y and the output o.",
    gradient_formula="o − y",
    gradient_template="{0} − {1}",
    gradient_why=(
        "Differentiating ½·(y − o)² gives o − y: how fast the loss grows as the output grows."
    ),
    kernel=_squares_kernel(0.5, 1.0),
)

SSE = Loss(
    name="sse",
    title="the sum of squared errors",
    text="E = Σ_k (y_k − o_k)²",
    latex=r"E = \sum_k (y_k - o_k)^2",
    per_sample=_sse,
    gradient=lambda o, y: 2.0 * (o - y),
    formula=lambda size: (_symbolic_squares(size), _squares(size)),
    why="The loss is the squared error between the target y and the output o.",
    gradient_formula="2·(o − y)",
    gradient_template="2·({0} − {1})",
    gradient_why="Differentiating (y − o)² gives 2·(o − y).",
    kernel=_squares_kernel(1.0, 2.0),
)

MSE = Loss(
    name="mse",
    title="the mean squared error",
    text="E = (1/K)·Σ_k (y_k − o_k)²",
    latex=r"E = \tfrac{1}{K} \sum_k (y_k - o_k)^2",
    per_sample=_mse,
    gradient=lambda o, y: 2.0 * (o - y) / o.shape[-1],
    formula=_mse_formula,
    why="The loss is the mean of the squared errors over the outputs.",
    gradient_formula="2·(o − y)/K",
    gradient_template="2·({0} − {1})/K",
    gradient_why=(
        "Differentiating the mean squared error gives 2·(o − y)/K for each of the K outputs."
    ),
    kernel=_squares_kernel(None, None),
)

BCE = Loss(
    name="bce",
    title="binary cross-entropy",
    text="E = −Σ_k [y_k·ln o_k + (1 − y_k)·ln(1 − o_k)]",
    latex=r"E = -\sum_k \bigl[y_k \ln o_k + (1 - y_k) \ln(1 - o_k)\bigr]",
    per_sample=_bce,
    gradient=_bce_gradient,
    formula=_bce_formula,
    why="Binary cross-entropy: how surprised the output o is by the target y.",
    gradient_formula="(o − y)/(o·(1 − o))",
    gradient_template="({0} − {1})/({0}·(1 − {0}))",
    gradient_why="Differentiating binary cross-entropy gives (o − y)/(o·(1 − o)).",
    output="sigmoid",
    fused_delta=lambda o, y: o - y,
    kernel=_bce_kernel,
)

CROSS_ENTROPY = Loss(
    name="cross_entropy",
    title="cross-entropy",
    text="E = −Σ_k y_k·ln o_k",
    latex=r"E = -\sum_k y_k \ln o_k",
    per_sample=_cross_entropy,
    gradient=_cross_entropy_gradient,
    formula=_cross_entropy_formula,
    why="Cross-entropy: minus the log of the probability the network gives to the target class.",
    gradient_formula="−y/o",
    gradient_template="−{1}/{0}",
    gradient_why="Differentiating −y·ln o gives −y/o.",
    output="softmax",
    fused_delta=_softmax_cross_entropy_delta,
    kernel=_cross_entropy_kernel,
)

LOSSES: dict[str, Loss] = {
    record.name: record for record in (HALF_SSE, SSE, MSE, BCE, CROSS_ENTROPY)
}


def loss(name: str) -> Loss:
    """The record of loss `name`; ValueError for an unknown name."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}") from None
