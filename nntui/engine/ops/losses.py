"""Every loss as one record: per-sample value, gradient ∂E/∂o, notation and "why".

`LOSSES` maps a network file's loss name to its `Loss`, in SPEC §1's order. NumPy is imported
inside the functions, so the names can be read before NumPy is loaded.

Each record also holds its kernel for the `train` fast path. Its formulas and sentences are
written with `nntui.engine.notation`'s tokens, in the output o and the target y (o_k, y_k for
each of K outputs).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from nntui.engine.notation import (
    CLOSE,
    LN,
    MINUS_OP,
    NEGATIVE,
    ONE,
    OPEN,
    OVER,
    PLUS,
    SQUARED,
    TIMES,
    Expr,
    Lit,
    Name,
    Num,
    Op,
    Prose,
    Tokens,
    joined,
    slot,
)
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
    # The trace's formula and template for K outputs (of the new output o* when `star`); the
    # template's slots 2k, 2k + 1 are y_k, o_k.
    formula: Callable[[int, bool], tuple[Expr, Expr]]
    why: Prose
    # ∂E/∂o in the output's name o, the target's y, for K outputs; its template over slots
    # 0 = o, 1 = y.
    gradient_formula: Callable[[Name, Name, int], Expr]
    gradient_template: Callable[[int], Expr]
    gradient_why: Prose
    # The output activation this loss requires, if any (a classifier's loss), and ∂E_i/∂z of
    # that pairing written directly: the factors ∂E/∂o and ∂o/∂z underflow where the output
    # saturates, their product does not.
    output: str | None = None
    fused_delta: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    # How the trace names that pairing ("softmax with cross-entropy"), and whether its fused
    # δ is o·Σy − y (the targets' sum enters it) rather than o − y.
    fused_pair: str = ""
    fused_sums_targets: bool = False
    kernel: LossKernel | None = None  # the `train` fast path's in-place loss and δ
    # The rule one sample's targets must follow, if any: (the entry at fault, or None for
    # the whole target, and the message) for a target that breaks it, else None.
    target_problem: Callable[[Sequence[float]], tuple[int | None, str] | None] | None = None


# -- notation ---------------------------------------------------------------------------------

OUTPUT, TARGET = Name("o", "o"), Name("y", "y")
OUTPUT_K, TARGET_K = Name("o_k", "o", ("k",)), Name("y_k", "y", ("k",))
#: Σ_k, over the outputs; K, how many there are.
SUM_K, K = Name("Σ_k", "Σ", ("k",)), Name("K", "K")
_SPACE, _HALF, _TWO = Op(" "), Op("½"), Lit("2")


def _outputs(size: int, star: bool) -> tuple[Name, Name]:
    """The output's names in a loss formula: o and o_k, or o* and o_k* for the check."""
    return (OUTPUT.starred(), OUTPUT_K.starred()) if star else (OUTPUT, OUTPUT_K)


def _squares(size: int) -> Tokens:
    """`({0} − {1})² + ({2} − {3})² + …`: each target minus its output, squared."""
    return joined(
        [(OPEN, slot(2 * k), MINUS_OP, slot(2 * k + 1), CLOSE, SQUARED) for k in range(size)], PLUS
    )


def _symbolic_squares(size: int, star: bool) -> Tokens:
    """`(y − o)²`, or `Σ_k (y_k − o_k)²` for several outputs."""
    o, o_k = _outputs(size, star)
    if size == 1:
        return (OPEN, TARGET, MINUS_OP, o, CLOSE, SQUARED)
    return (SUM_K, _SPACE, OPEN, TARGET_K, MINUS_OP, o_k, CLOSE, SQUARED)


def _half_sse_formula(size: int, star: bool) -> tuple[Expr, Expr]:
    squares = _squares(size)
    template = (_HALF, TIMES, OPEN, *squares, CLOSE) if size > 1 else (_HALF, TIMES, *squares)
    return (_HALF, TIMES, *_symbolic_squares(size, star)), template


def _mse_formula(size: int, star: bool) -> tuple[Expr, Expr]:
    count = Lit(str(size))
    formula = (OPEN, ONE, OVER, count, CLOSE, TIMES, *_symbolic_squares(size, star))
    return formula, (OPEN, *_squares(size), CLOSE, OVER, count)


def _log_term(y: Name | Num, o: Name | Num) -> Tokens:
    """`y·ln o`."""
    return (y, TIMES, LN, _SPACE, o)


def _bce_term(y: Name | Num, o: Name | Num) -> Tokens:
    """`y·ln o + (1 − y)·ln(1 − o)`."""
    one_minus_y = (OPEN, ONE, MINUS_OP, y, CLOSE)
    return (*_log_term(y, o), PLUS, *one_minus_y, TIMES, LN, OPEN, ONE, MINUS_OP, o, CLOSE)


def _bce_formula(size: int, star: bool) -> tuple[Expr, Expr]:
    terms = joined([_bce_term(slot(2 * k), slot(2 * k + 1)) for k in range(size)], PLUS)
    o, o_k = _outputs(size, star)
    symbolic = (
        _bce_term(TARGET, o) if size == 1 else (SUM_K, Op(" ["), *_bce_term(TARGET_K, o_k), Op("]"))
    )
    return (NEGATIVE, OPEN, *symbolic, CLOSE), (NEGATIVE, OPEN, *terms, CLOSE)


def _cross_entropy_formula(size: int, star: bool) -> tuple[Expr, Expr]:
    terms = joined([_log_term(slot(2 * k), slot(2 * k + 1)) for k in range(size)], PLUS)
    o_k = _outputs(size, star)[1]
    return (NEGATIVE, SUM_K, _SPACE, *_log_term(TARGET_K, o_k)), (NEGATIVE, OPEN, *terms, CLOSE)


def _difference(o: Name | Num, y: Name | Num) -> Tokens:
    """`o − y`."""
    return (o, MINUS_OP, y)


def _twice_difference(o: Name | Num, y: Name | Num) -> Tokens:
    """`2·(o − y)`."""
    return (_TWO, TIMES, OPEN, *_difference(o, y), CLOSE)


def _bce_gradient_formula(o: Name | Num, y: Name | Num) -> Tokens:
    """`(o − y)/(o·(1 − o))`."""
    slope = (o, TIMES, OPEN, ONE, MINUS_OP, o, CLOSE)
    return (OPEN, *_difference(o, y), CLOSE, OVER, OPEN, *slope, CLOSE)


def _cross_entropy_gradient_formula(o: Name | Num, y: Name | Num) -> Tokens:
    """`−y/o`."""
    return (NEGATIVE, y, OVER, o)


_O_SLOT, _Y_SLOT = slot(0), slot(1)


def _half_sse(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return cast("np.ndarray", 0.5 * np.sum((y - o) ** 2, axis=-1))


def _sse(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return cast("np.ndarray", np.sum((y - o) ** 2, axis=-1))


def _mse(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return cast("np.ndarray", np.mean((y - o) ** 2, axis=-1))


def _bce(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    # ln σ(z) = −ln(1 + e^−z) and ln(1 − σ(z)) = −ln(1 + e^z): finite for any finite z.
    log_o = -np.logaddexp(0.0, -z)
    log_not_o = -np.logaddexp(0.0, z)
    return cast("np.ndarray", -np.sum(y * log_o + (1.0 - y) * log_not_o, axis=-1))


def _cross_entropy(z: np.ndarray, o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    shifted = z - np.max(z, axis=-1, keepdims=True)
    log_softmax = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return cast("np.ndarray", -np.sum(y * log_softmax, axis=-1))


def _bce_gradient(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return cast("np.ndarray", (o - y) / np.maximum(o * (1.0 - o), _TINY))


def _cross_entropy_gradient(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    return cast("np.ndarray", -y / np.maximum(o, _TINY))


def _softmax_cross_entropy_delta(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    """o·Σy − y: o − y for targets that sum to 1."""
    import numpy as np

    return cast("np.ndarray", o * np.sum(y, axis=-1, keepdims=True) - y)


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
            return cast(float, loss)

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
        return cast(float, loss)

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
        return cast(float, loss)

    return cross_entropy


HALF_SSE = Loss(
    name="half_sse",
    title="half the sum of squared errors",
    text="E = ½·Σ_k (y_k − o_k)²",
    latex=r"E = \tfrac{1}{2} \sum_k (y_k - o_k)^2",
    per_sample=_half_sse,
    gradient=lambda o, y: o - y,
    formula=_half_sse_formula,
    why=(
        "The loss is half the squared error between the target ",
        TARGET,
        " and the output ",
        OUTPUT,
        ".",
    ),
    gradient_formula=lambda o, y, size: _difference(o, y),
    gradient_template=lambda size: _difference(_O_SLOT, _Y_SLOT),
    gradient_why=(
        *("Differentiating ", (_HALF, TIMES, *_symbolic_squares(1, False)), " gives "),
        *(_difference(OUTPUT, TARGET), ": how fast the loss grows as the output grows."),
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
    formula=lambda size, star: (_symbolic_squares(size, star), _squares(size)),
    why=(
        "The loss is the squared error between the target ",
        TARGET,
        " and the output ",
        OUTPUT,
        ".",
    ),
    gradient_formula=lambda o, y, size: _twice_difference(o, y),
    gradient_template=lambda size: _twice_difference(_O_SLOT, _Y_SLOT),
    gradient_why=(
        *("Differentiating ", _symbolic_squares(1, False), " gives "),
        *(_twice_difference(OUTPUT, TARGET), "."),
    ),
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
    why=("The loss is the mean of the squared errors over the outputs.",),
    gradient_formula=lambda o, y, size: (*_twice_difference(o, y), OVER, Lit(str(size))),
    gradient_template=lambda size: (*_twice_difference(_O_SLOT, _Y_SLOT), OVER, Lit(str(size))),
    gradient_why=(
        *(
            "Differentiating the mean squared error gives ",
            (*_twice_difference(OUTPUT, TARGET), OVER, K),
        ),
        *(" for each of the ", K, " outputs."),
    ),
    kernel=_squares_kernel(None, None),
)

#: How far from 1 a cross-entropy target's entries may sum (a distribution written in decimals).
DISTRIBUTION_TOLERANCE = 1e-6


def _probabilities(y: Sequence[float]) -> tuple[int | None, str] | None:
    """bce's targets are probabilities."""
    for index, target in enumerate(y):
        if not 0.0 <= target <= 1.0:
            return index, f"must be between 0 and 1 for bce, got {target!r}"
    return None


def _distribution(y: Sequence[float]) -> tuple[int | None, str] | None:
    """cross-entropy's targets are a distribution: no entry below 0, a sum of 1."""
    for index, target in enumerate(y):
        if target < 0.0:
            return index, f"must be >= 0 for cross_entropy, got {target!r}"
    total = math.fsum(y)
    if abs(total - 1.0) > DISTRIBUTION_TOLERANCE:
        return None, f"must sum to 1 for cross_entropy (a distribution), but sums to {total!r}"
    return None


BCE = Loss(
    name="bce",
    title="binary cross-entropy",
    text="E = −Σ_k [y_k·ln o_k + (1 − y_k)·ln(1 − o_k)]",
    latex=r"E = -\sum_k \bigl[y_k \ln o_k + (1 - y_k) \ln(1 - o_k)\bigr]",
    per_sample=_bce,
    gradient=_bce_gradient,
    formula=_bce_formula,
    why=(
        "Binary cross-entropy: how surprised the output ",
        OUTPUT,
        " is by the target ",
        TARGET,
        ".",
    ),
    gradient_formula=lambda o, y, size: _bce_gradient_formula(o, y),
    gradient_template=lambda size: _bce_gradient_formula(_O_SLOT, _Y_SLOT),
    gradient_why=(
        "Differentiating binary cross-entropy gives ",
        _bce_gradient_formula(OUTPUT, TARGET),
        ".",
    ),
    output="sigmoid",
    fused_delta=lambda o, y: o - y,
    fused_pair="a sigmoid with binary cross-entropy",
    kernel=_bce_kernel,
    target_problem=_probabilities,
)

CROSS_ENTROPY = Loss(
    name="cross_entropy",
    title="cross-entropy",
    text="E = −Σ_k y_k·ln o_k",
    latex=r"E = -\sum_k y_k \ln o_k",
    per_sample=_cross_entropy,
    gradient=_cross_entropy_gradient,
    formula=_cross_entropy_formula,
    why=("Cross-entropy: minus the log of the probability the network gives to the target class.",),
    gradient_formula=lambda o, y, size: _cross_entropy_gradient_formula(o, y),
    gradient_template=lambda size: _cross_entropy_gradient_formula(_O_SLOT, _Y_SLOT),
    gradient_why=(
        *("Differentiating ", (NEGATIVE, *_log_term(TARGET, OUTPUT)), " gives "),
        *(_cross_entropy_gradient_formula(OUTPUT, TARGET), "."),
    ),
    output="softmax",
    fused_delta=_softmax_cross_entropy_delta,
    fused_pair="softmax with cross-entropy",
    fused_sums_targets=True,
    kernel=_cross_entropy_kernel,
    target_problem=_distribution,
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
