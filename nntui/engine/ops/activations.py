"""Every activation as one record: value, derivative, fast-path kernels, notation and "why".

`ACTIVATIONS` maps a network file's activation name to its `Activation`; the order is the order
SPEC §1 lists them in, with later additions after. Each value stays finite without a NumPy
warning for pre-activations as large as ±1e4. NumPy is imported inside the functions, so this
module (and the names) can be read before NumPy is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    Number = float | np.ndarray

#: leaky_relu's slope for a negative pre-activation.
LEAKY_SLOPE = 0.01

#: a = f(z), a new array.
Value = Callable[["np.ndarray"], "np.ndarray"]
#: f′(z) element-wise, from z and the already computed a = f(z).
Slope = Callable[["np.ndarray", "np.ndarray"], "np.ndarray"]
#: Given z and out (neurons × samples), a function writing out = f(z) in place.
ForwardKernel = Callable[["np.ndarray", "np.ndarray"], Callable[[], Any]]
#: Given z and a, a function turning g = ∂E/∂a into ∂E/∂z in place.
BackwardKernel = Callable[["np.ndarray", "np.ndarray"], Callable[["np.ndarray"], Any]]


@dataclass(frozen=True)
class Activation:
    """One activation. `slope` is None for softmax, whose derivative is a Jacobian (see
    `backward`); `forward_kernel` is None for linear, whose a is its z (the fast path lets the
    matrix product write the activation directly), and `backward_kernel` None where f′ = 1."""

    name: str
    symbol: str  # on the screen and in formulas: σ(h_pre0)
    text: str  # what it is, for Markdown: "sigmoid, σ(z) = 1/(1 + e^−z)"
    latex: str  # the same for LaTeX
    latex_symbol: str  # the symbol as a LaTeX operator
    value: Value
    slope: Slope | None
    slope_formula: str  # f′ in terms of z (the trace substitutes the neuron's own z)
    slope_template: str  # f′ with {0} for the number it reads
    slope_reads_post: bool  # whether that number is a = f(z) rather than z
    forward_kernel: ForwardKernel | None
    backward_kernel: BackwardKernel | None
    why: Callable[[str, str, Number, Number, bool], str]  # (pre, post, z, a, last)
    slope_why: Callable[[str, str, Number], str]  # (pre, post, f′)
    # An activation that is 0 with slope 0 for z ≤ 0 names such a neuron here (the trace says
    # why a gradient through it is 0); "" for one that never switches a neuron off.
    inactive: str = ""
    # False for one with a corner at z = 0 in f or in f′ (relu, leaky_relu, elu): a difference
    # quotient across 0 is not its derivative there, so gradient checks step around 0.
    smooth: bool = True

    @property
    def elementwise(self) -> bool:
        """Whether f′ is element-wise (every activation but softmax, whose f′ is a Jacobian)."""
        return self.slope is not None

    def backward(self, grad_post: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """∂E/∂z from ∂E/∂a: ∂E/∂a ⊙ f′(z), or through softmax's Jacobian."""
        if self.slope is None:  # softmax
            return softmax_backward(grad_post, a)
        return grad_post * self.slope(z, a)


# -- shared numerics ------------------------------------------------------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^−z) without overflow: exp is only ever taken of −|z|."""
    import numpy as np

    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum so exp never overflows."""
    import numpy as np

    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_backward(grad_post: np.ndarray, a: np.ndarray) -> np.ndarray:
    """∂E/∂z from ∂E/∂a through softmax: a ⊙ (∂E/∂a − Σ_j ∂E/∂a_j · a_j)."""
    import numpy as np

    return a * (grad_post - np.sum(grad_post * a, axis=-1, keepdims=True))


def _everywhere(test: Any) -> bool:
    import numpy as np

    return bool(np.all(test))


def _copy_kernel(value: Value) -> ForwardKernel:
    """A forward kernel from a value function (one temporary array per call)."""

    def build(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
        import numpy as np

        return lambda: np.copyto(out, value(z))

    return build


def _slope_kernel(slope: Slope) -> BackwardKernel:
    """A backward kernel g ← g ⊙ f′(z) from a slope function."""

    def build(z: np.ndarray, a: np.ndarray) -> Callable[[np.ndarray], Any]:
        import numpy as np

        return lambda g: np.multiply(g, slope(z, a), g)

    return build


# -- linear ---------------------------------------------------------------------------------------


def _linear_value(z: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.array(z, dtype=np.float64, copy=True)


def _linear_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.ones_like(z)


LINEAR = Activation(
    name="linear",
    symbol="linear",
    text="linear (identity)",
    latex=r"linear (identity)",
    latex_symbol=r"\operatorname{linear}",
    value=_linear_value,
    slope=_linear_slope,
    slope_formula="1",
    slope_template="1",
    slope_reads_post=False,
    forward_kernel=None,
    backward_kernel=None,
    why=lambda pre, post, z, a, last: f"A linear neuron passes {pre} through unchanged.",
    slope_why=lambda pre, post, value: "A linear activation has slope 1 everywhere.",
)

# -- relu -----------------------------------------------------------------------------------------


def _relu_value(z: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.maximum(z, 0.0)


def _relu_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """relu′(z) = 1 for z > 0, else 0."""
    import numpy as np

    return (z > 0).astype(np.float64)


def _relu_forward(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    import numpy as np

    return lambda: np.maximum(z, 0.0, out=out)


def _relu_backward(z: np.ndarray, a: np.ndarray) -> Callable[[np.ndarray], Any]:
    import numpy as np

    mask = np.empty(z.shape, dtype=bool)

    def relu(g: np.ndarray) -> None:
        np.greater(z, 0.0, mask)
        np.multiply(g, mask, g)

    return relu


def _relu_why(pre: str, post: str, z: Number, a: Number, last: bool) -> str:
    if _everywhere(z > 0):
        return f"relu passes a positive {pre} through unchanged."
    if _everywhere(z <= 0):
        return (
            f"relu gives 0 because {pre} ≤ 0: {post} is an inactive ReLU, and "
            "no gradient will flow back through it."
        )
    return (
        "relu keeps the positive pre-activations and zeroes the rest (those neurons are inactive)."
    )


def _relu_slope_why(pre: str, post: str, value: Number) -> str:
    if _everywhere(value == 1):
        return f"relu′ is 1 for a positive {pre}: the gradient passes through unchanged."
    if _everywhere(value == 0):
        return (
            f"relu′ is 0 because {pre} ≤ 0: {post} is an inactive ReLU, so "
            "every gradient through it is 0."
        )
    return "relu′ is 1 where the pre-activation is positive and 0 where the ReLU is inactive."


RELU = Activation(
    name="relu",
    symbol="relu",
    text="ReLU, relu(z) = max(0, z)",
    latex=r"ReLU, $\operatorname{relu}(z) = \max(0, z)$",
    latex_symbol=r"\operatorname{relu}",
    value=_relu_value,
    slope=_relu_slope,
    slope_formula="relu′(z) = 1 if z > 0, else 0",
    slope_template="relu′({0})",
    slope_reads_post=False,
    forward_kernel=_relu_forward,
    backward_kernel=_relu_backward,
    why=_relu_why,
    slope_why=_relu_slope_why,
    inactive="an inactive ReLU",
    smooth=False,
)

# -- leaky_relu -----------------------------------------------------------------------------------


def _leaky_value(z: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def _leaky_forward(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    import numpy as np

    scaled = np.empty_like(z)

    def leaky() -> None:
        np.multiply(z, LEAKY_SLOPE, scaled)
        np.maximum(z, scaled, out=out)  # max(z, 0.01·z) is z for z > 0, else 0.01·z

    return leaky


LEAKY_RELU = Activation(
    name="leaky_relu",
    symbol="leaky_relu",
    text="leaky ReLU, z for z > 0, else 0.01·z",
    latex=r"leaky ReLU, $z$ for $z > 0$, else $0.01\,z$",
    latex_symbol=r"\operatorname{leaky\_relu}",
    value=_leaky_value,
    slope=_leaky_slope,
    slope_formula="leaky_relu′(z) = 1 if z > 0, else 0.01",
    slope_template="leaky_relu′({0})",
    slope_reads_post=False,
    forward_kernel=_leaky_forward,
    backward_kernel=_slope_kernel(_leaky_slope),
    why=lambda pre, post, z, a, last: (
        f"leaky_relu keeps a positive {pre} and scales a negative one by 0.01."
    ),
    slope_why=lambda pre, post, value: (
        "leaky_relu′ is 1 for a positive pre-activation and 0.01 otherwise."
    ),
    smooth=False,
)

# -- sigmoid --------------------------------------------------------------------------------------


def _sigmoid_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return a * (1.0 - a)


def _sigmoid_forward(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    import numpy as np

    one = np.array(1.0)
    denominator = np.empty_like(z)

    def sigmoid() -> None:
        # 1/(1 + e^−z); e^−z may overflow to inf for z < −709, giving exactly 0.
        np.negative(z, denominator)
        np.exp(denominator, denominator)
        np.add(denominator, one, denominator)
        np.divide(one, denominator, out)

    return sigmoid


def _sigmoid_backward(z: np.ndarray, a: np.ndarray) -> Callable[[np.ndarray], Any]:
    import numpy as np

    one = np.array(1.0)
    slope = np.empty_like(z)

    def sigmoid(g: np.ndarray) -> None:
        np.subtract(one, a, slope)
        np.multiply(slope, a, slope)
        np.multiply(g, slope, g)

    return sigmoid


def _sigmoid_why(pre: str, post: str, z: Number, a: Number, last: bool) -> str:
    text = f"The sigmoid squashes {pre} into (0, 1)."
    if last and isinstance(a, float | int):
        text += (
            f" {post} {'>' if a > 0.5 else '≤'} 0.5, so the prediction would "
            f"be ŷ = {1 if a > 0.5 else 0}."
        )
    return text


SIGMOID = Activation(
    name="sigmoid",
    symbol="σ",
    text="sigmoid, σ(z) = 1/(1 + e^−z)",
    latex=r"sigmoid, $\sigma(z) = \dfrac{1}{1 + e^{-z}}$",
    latex_symbol=r"\operatorname{sigmoid}",
    value=sigmoid,
    slope=_sigmoid_slope,
    slope_formula="σ(z)·(1 − σ(z))",
    slope_template="{0}·(1 − {0})",
    slope_reads_post=True,
    forward_kernel=_sigmoid_forward,
    backward_kernel=_sigmoid_backward,
    why=_sigmoid_why,
    slope_why=lambda pre, post, value: (
        f"The sigmoid's slope is σ·(1 − σ), written with the output {post} it already computed."
    ),
)

# -- tanh -----------------------------------------------------------------------------------------


def _tanh_value(z: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.tanh(z)


def _tanh_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


def _tanh_forward(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    import numpy as np

    return lambda: np.tanh(z, out)


def _tanh_backward(z: np.ndarray, a: np.ndarray) -> Callable[[np.ndarray], Any]:
    import numpy as np

    one = np.array(1.0)
    slope = np.empty_like(z)

    def tanh(g: np.ndarray) -> None:
        np.multiply(a, a, slope)
        np.subtract(one, slope, slope)
        np.multiply(g, slope, g)

    return tanh


TANH = Activation(
    name="tanh",
    symbol="tanh",
    text="tanh",
    latex=r"$\tanh$",
    latex_symbol=r"\tanh ",
    value=_tanh_value,
    slope=_tanh_slope,
    slope_formula="1 − tanh(z)²",
    slope_template="1 − {0}²",
    slope_reads_post=True,
    forward_kernel=_tanh_forward,
    backward_kernel=_tanh_backward,
    why=lambda pre, post, z, a, last: f"tanh squashes {pre} into (−1, 1).",
    slope_why=lambda pre, post, value: (
        f"tanh's slope is 1 − tanh², written with the output {post} it already computed."
    ),
)

# -- softmax --------------------------------------------------------------------------------------


def _softmax_forward(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    """The kernel keeps the shifted z and the column totals (`.shifted`, `.total`) for the
    cross-entropy loss, which reads them instead of taking a logarithm of o."""
    import numpy as np

    shifted = np.empty_like(z)
    peak = np.empty((1, z.shape[1]))
    total = np.empty((1, z.shape[1]))

    def softmax() -> None:
        np.maximum.reduce(z, axis=0, keepdims=True, out=peak)
        np.subtract(z, peak, shifted)
        np.exp(shifted, out)
        np.add.reduce(out, axis=0, keepdims=True, out=total)
        np.divide(out, total, out)

    softmax.shifted = shifted  # type: ignore[attr-defined]
    softmax.total = total  # type: ignore[attr-defined]
    return softmax


def _softmax_backward(z: np.ndarray, a: np.ndarray) -> Callable[[np.ndarray], Any]:
    import numpy as np

    product = np.empty_like(z)
    dot = np.empty((1, z.shape[1]))

    def softmax(g: np.ndarray) -> None:
        np.multiply(g, a, product)
        np.add.reduce(product, axis=0, keepdims=True, out=dot)
        np.subtract(g, dot, g)
        np.multiply(g, a, g)

    return softmax


SOFTMAX = Activation(
    name="softmax",
    symbol="softmax",
    text="softmax, o_k = e^z_k / Σ_j e^z_j",
    latex=r"softmax, $o_k = e^{z_k} / \sum_j e^{z_j}$",
    latex_symbol=r"\operatorname{softmax}",
    value=softmax,
    slope=None,
    slope_formula="",
    slope_template="",
    slope_reads_post=True,
    forward_kernel=_softmax_forward,
    backward_kernel=_softmax_backward,
    why=lambda pre, post, z, a, last: (
        "softmax turns the pre-activations into probabilities that sum to 1."
    ),
    slope_why=lambda pre, post, value: "softmax's derivative is a Jacobian.",
)

# -- elu (α = 1) ----------------------------------------------------------------------------------


def _elu_value(z: np.ndarray) -> np.ndarray:
    """z for z > 0, else e^z − 1 (expm1 keeps a small negative z exact; e^−1e4 just underflows)."""
    import numpy as np

    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _elu_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1 for z > 0, else e^z: e^min(z, 0) is both (e^0 = 1 exactly)."""
    import numpy as np

    return np.exp(np.minimum(z, 0.0))


def _elu_forward(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    import numpy as np

    negative_part = np.empty_like(z)

    def elu() -> None:
        # max(z, 0) + (e^min(z, 0) − 1): one of the two terms is exactly 0.
        np.minimum(z, 0.0, out=negative_part)
        np.expm1(negative_part, negative_part)
        np.maximum(z, 0.0, out=out)
        np.add(out, negative_part, out)

    return elu


def _elu_backward(z: np.ndarray, a: np.ndarray) -> Callable[[np.ndarray], Any]:
    import numpy as np

    slope = np.empty_like(z)

    def elu(g: np.ndarray) -> None:
        np.minimum(z, 0.0, out=slope)
        np.exp(slope, slope)
        np.multiply(g, slope, g)

    return elu


ELU = Activation(
    name="elu",
    symbol="elu",
    text="ELU (α = 1), elu(z) = z for z > 0, else e^z − 1",
    latex=r"ELU ($\alpha = 1$), $\operatorname{elu}(z) = z$ for $z > 0$, else $e^{z} - 1$",
    latex_symbol=r"\operatorname{elu}",
    value=_elu_value,
    slope=_elu_slope,
    slope_formula="elu′(z) = 1 if z > 0, else exp(z)",
    slope_template="elu′({0})",
    slope_reads_post=False,
    forward_kernel=_elu_forward,
    backward_kernel=_elu_backward,
    why=lambda pre, post, z, a, last: (
        f"elu keeps a positive {pre} and bends a negative one to exp({pre}) − 1, above −1."
    ),
    slope_why=lambda pre, post, value: (
        f"elu′ is 1 for a positive {pre} and exp({pre}), between 0 and 1, otherwise."
    ),
    smooth=False,
)

# -- softplus -------------------------------------------------------------------------------------


def _softplus_value(z: np.ndarray) -> np.ndarray:
    """ln(1 + e^z) as logaddexp(0, z): finite for any finite z."""
    import numpy as np

    return np.logaddexp(0.0, z)


def _softplus_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return sigmoid(z)


def _softplus_forward(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    import numpy as np

    return lambda: np.logaddexp(0.0, z, out)


SOFTPLUS = Activation(
    name="softplus",
    symbol="softplus",
    text="softplus, softplus(z) = ln(1 + e^z)",
    latex=r"softplus, $\operatorname{softplus}(z) = \ln(1 + e^{z})$",
    latex_symbol=r"\operatorname{softplus}",
    value=_softplus_value,
    slope=_softplus_slope,
    slope_formula="σ(z)",
    slope_template="σ({0})",
    slope_reads_post=False,
    forward_kernel=_softplus_forward,
    backward_kernel=_slope_kernel(_softplus_slope),
    why=lambda pre, post, z, a, last: (
        f"softplus is a smooth relu: ln(1 + exp({pre})) is near 0 for a very negative {pre} "
        f"and near {pre} itself for a large one."
    ),
    slope_why=lambda pre, post, value: (
        f"softplus′ is the sigmoid σ({pre}), the slope of ln(1 + exp({pre}))."
    ),
)

# -- silu -----------------------------------------------------------------------------------------


def _silu_value(z: np.ndarray) -> np.ndarray:
    """z·σ(z) with the sigmoid that never overflows."""
    return z * sigmoid(z)


def _silu_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """(z·σ(z))′ = σ(z) + z·σ(z)·(1 − σ(z)) = σ(z)·(1 + z·(1 − σ(z)))."""
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


SILU = Activation(
    name="silu",
    symbol="silu",
    text="SiLU, silu(z) = z·σ(z)",
    latex=r"SiLU, $\operatorname{silu}(z) = z\,\sigma(z)$",
    latex_symbol=r"\operatorname{silu}",
    value=_silu_value,
    slope=_silu_slope,
    slope_formula="σ(z)·(1 + z·(1 − σ(z)))",
    slope_template="silu′({0})",
    slope_reads_post=False,
    forward_kernel=_copy_kernel(_silu_value),
    backward_kernel=_slope_kernel(_silu_slope),
    why=lambda pre, post, z, a, last: (
        f"silu multiplies {pre} by its own sigmoid: near {pre} for a large {pre}, "
        "near 0 for a very negative one."
    ),
    slope_why=lambda pre, post, value: f"silu′ comes from the product rule on {pre}·σ({pre}).",
)

ACTIVATIONS: dict[str, Activation] = {
    record.name: record
    for record in (LINEAR, RELU, LEAKY_RELU, SIGMOID, TANH, SOFTMAX, ELU, SOFTPLUS, SILU)
}
#: Other names a network file may use for an activation.
ALIASES = {"identity": "linear"}


def activation(name: str) -> Activation:
    """The record of activation `name`; ValueError for an unknown name."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}") from None
