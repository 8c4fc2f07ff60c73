"""Every activation as one record: value, derivative, fast-path kernels, notation and "why".

`ACTIVATIONS` maps a network file's activation name to its `Activation`; the order is the order
SPEC §1 lists them in, with later additions after. Each value stays finite without a NumPy
warning for pre-activations as large as ±1e4. NumPy is imported inside the functions, so this
module (and the names) can be read before NumPy is loaded.

Formulas and sentences are written with `nntui.engine.notation`'s tokens: `slope_formula(z)`
is f′ of the neuron's own pre-activation `z` (a `Name`), and a "why" is `Prose` — text pieces,
math (a token or a tuple of them) and, in between, the neuron's names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from nntui.engine.notation import (
    CLOSE,
    EQUALS,
    EXP,
    GREATER,
    LESS_EQUAL,
    LN,
    MINUS_OP,
    ONE,
    OPEN,
    PLUS,
    SQUARED,
    TIMES,
    ZERO,
    Code,
    Expr,
    Func,
    Lit,
    Name,
    Num,
    Op,
    Prose,
    Tokens,
    Words,
    slot,
)

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
#: Why a neuron's activation is what it is: (its pre-activation's name, its own name, z, a,
#: whether it is a classifier's output).
Why = Callable[[Name, Name, "Number", "Number", bool], Prose]
#: Why its slope is what it is: (pre-activation's name, own name, f′).
SlopeWhy = Callable[[Name, Name, "Number"], Prose]

#: The number an activation step's slope formula reads (z, or a = f(z)).
_SLOT = slot(0)
_SIGMA = Func("σ", r"\sigma")
_TANH = Func("tanh", r"\tanh")


@dataclass(frozen=True)
class Activation:
    """One activation. `slope` is None for softmax, whose derivative is a Jacobian (see
    `backward`); `forward_kernel` is None for linear, whose a is its z (the fast path lets the
    matrix product write the activation directly), and `backward_kernel` None where f′ = 1."""

    name: str
    symbol: str  # on the screen and in formulas: σ(h_pre0)
    text: str  # what it is, for Markdown: "sigmoid, σ(z) = 1/(1 + e^−z)"
    latex: str  # the same for LaTeX
    latex_symbol: str  # the symbol in LaTeX formulas: \sigma, \operatorname{relu}
    value: Value
    slope: Slope | None
    slope_formula: Callable[[Name], Expr]  # f′ of the neuron's own z
    slope_template: Expr  # f′ with a slot for the number it reads
    slope_reads_post: bool  # whether that number is a = f(z) rather than z
    forward_kernel: ForwardKernel | None
    backward_kernel: BackwardKernel | None
    why: Why
    slope_why: SlopeWhy
    # An activation that is 0 with slope 0 for z ≤ 0 names such a neuron here (the trace says
    # why a gradient through it is 0); "" for one that never switches a neuron off.
    inactive: str = ""
    # False for one with a corner at z = 0 in f or in f′ (relu, leaky_relu, elu): a difference
    # quotient across 0 is not its derivative there, so gradient checks step around 0.
    smooth: bool = True
    # True for one whose value is a probability in (0, 1) (sigmoid): an output layer of it
    # trained on 0/1 targets is read as a classifier (the worked example).
    probability: bool = False
    # True for one whose outputs together are a probability distribution (softmax): it
    # belongs on the output layer only, needs two or more neurons, and pairs with the loss
    # whose record names it as its `output`.
    distribution: bool = False

    @property
    def function(self) -> Func:
        """The activation applied in a formula: `σ`, `relu`."""
        return Func(self.symbol, self.latex_symbol)

    @property
    def slope_function(self) -> Func:
        """Its derivative applied: `relu′`."""
        return Func(self.symbol + "′", self.latex_symbol + "'")

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
    return cast("np.ndarray", np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum so exp never overflows."""
    import numpy as np

    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return cast("np.ndarray", e / np.sum(e, axis=-1, keepdims=True))


def softmax_backward(grad_post: np.ndarray, a: np.ndarray) -> np.ndarray:
    """∂E/∂z from ∂E/∂a through softmax: a ⊙ (∂E/∂a − Σ_j ∂E/∂a_j · a_j)."""
    import numpy as np

    return cast("np.ndarray", a * (grad_post - np.sum(grad_post * a, axis=-1, keepdims=True)))


def _everywhere(test: Any) -> bool:
    import numpy as np

    return bool(np.all(test))


def _switch_formula(slope: Func, negative: Tokens) -> Callable[[Name], Tokens]:
    """`f′(z) = 1 if z > 0, else …` for an activation with a corner at 0."""

    def formula(z: Name) -> Tokens:
        return (
            *(slope, OPEN, z, CLOSE, EQUALS, ONE, Words(" if "), z, GREATER, ZERO),
            *(Op(","), Words(" else "), *negative),
        )

    return formula


def _applied(function: Func, argument: Name | Num) -> Tokens:
    """`f(z)`."""
    return (function, OPEN, argument, CLOSE)


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

        return lambda grad: np.multiply(grad, slope(z, a), grad)

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
    slope_formula=lambda z: (ONE,),
    slope_template=(ONE,),
    slope_reads_post=False,
    forward_kernel=None,
    backward_kernel=None,
    why=lambda pre, post, z, a, last: ("A linear neuron passes ", pre, " through unchanged."),
    slope_why=lambda pre, post, value: ("A linear activation has slope 1 everywhere.",),
)

# -- relu -----------------------------------------------------------------------------------------


def _relu_value(z: np.ndarray) -> np.ndarray:
    import numpy as np

    return cast("np.ndarray", np.maximum(z, 0.0))


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

    def relu(grad: np.ndarray) -> None:
        np.greater(z, 0.0, mask)
        np.multiply(grad, mask, grad)

    return relu


_RELU_SLOPE = Func("relu′", r"\operatorname{relu}'")


def _relu_why(pre: Name, post: Name, z: Number, a: Number, last: bool) -> Prose:
    if _everywhere(z > 0):
        return ("relu passes a positive ", pre, " through unchanged.")
    if _everywhere(z <= 0):
        return (
            *("relu gives 0 because ", (pre, LESS_EQUAL, ZERO), ": ", post),
            " is an inactive ReLU, and no gradient will flow back through it.",
        )
    return (
        "relu keeps the positive pre-activations and zeroes the rest (those neurons are inactive).",
    )


def _relu_slope_why(pre: Name, post: Name, value: Number) -> Prose:
    if _everywhere(value == 1):
        return (
            _RELU_SLOPE,
            " is 1 for a positive ",
            pre,
            ": the gradient passes through unchanged.",
        )
    if _everywhere(value == 0):
        return (
            *(_RELU_SLOPE, " is 0 because ", (pre, LESS_EQUAL, ZERO), ": ", post),
            " is an inactive ReLU, so every gradient through it is 0.",
        )
    return (
        _RELU_SLOPE,
        " is 1 where the pre-activation is positive and 0 where the ReLU is inactive.",
    )


RELU = Activation(
    name="relu",
    symbol="relu",
    text="ReLU, relu(z) = max(0, z)",
    latex=r"ReLU, $\operatorname{relu}(z) = \max(0, z)$",
    latex_symbol=r"\operatorname{relu}",
    value=_relu_value,
    slope=_relu_slope,
    slope_formula=_switch_formula(_RELU_SLOPE, (ZERO,)),
    slope_template=_applied(_RELU_SLOPE, _SLOT),
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


_LEAKY_SLOPE = Func("leaky_relu′", r"\operatorname{leaky\_relu}'")

LEAKY_RELU = Activation(
    name="leaky_relu",
    symbol="leaky_relu",
    text="leaky ReLU, z for z > 0, else 0.01·z",
    latex=r"leaky ReLU, $z$ for $z > 0$, else $0.01\,z$",
    latex_symbol=r"\operatorname{leaky\_relu}",
    value=_leaky_value,
    slope=_leaky_slope,
    slope_formula=_switch_formula(_LEAKY_SLOPE, (Lit(f"{LEAKY_SLOPE:g}"),)),
    slope_template=_applied(_LEAKY_SLOPE, _SLOT),
    slope_reads_post=False,
    forward_kernel=_leaky_forward,
    backward_kernel=_slope_kernel(_leaky_slope),
    why=lambda pre, post, z, a, last: (
        *(Code("leaky_relu"), " keeps a positive ", pre),
        f" and scales a negative one by {LEAKY_SLOPE:g}.",
    ),
    slope_why=lambda pre, post, value: (
        _LEAKY_SLOPE,
        f" is 1 for a positive pre-activation and {LEAKY_SLOPE:g} otherwise.",
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

    def sigmoid(grad: np.ndarray) -> None:
        np.subtract(one, a, slope)
        np.multiply(slope, a, slope)
        np.multiply(grad, slope, grad)

    return sigmoid


#: The predicted class ŷ of a classifier's output.
_PREDICTION = Name("ŷ", "ŷ")


def _sigmoid_why(pre: Name, post: Name, z: Number, a: Number, last: bool) -> Prose:
    text: Prose = ("The sigmoid squashes ", pre, " into (0, 1).")
    if last and isinstance(a, float | int):
        above = a > 0.5
        return (
            *(*text, " ", (post, GREATER if above else LESS_EQUAL, Lit("0.5"))),
            *(", so the prediction would be ", (_PREDICTION, EQUALS, ONE if above else ZERO), "."),
        )
    return text


SIGMOID = Activation(
    name="sigmoid",
    symbol="σ",
    text="sigmoid, σ(z) = 1/(1 + e^−z)",
    latex=r"sigmoid, $\sigma(z) = \dfrac{1}{1 + e^{-z}}$",
    latex_symbol=r"\sigma",
    value=sigmoid,
    slope=_sigmoid_slope,
    slope_formula=lambda z: (
        *_applied(_SIGMA, z),
        TIMES,
        OPEN,
        ONE,
        MINUS_OP,
        *_applied(_SIGMA, z),
        CLOSE,
    ),
    slope_template=(_SLOT, TIMES, OPEN, ONE, MINUS_OP, _SLOT, CLOSE),
    slope_reads_post=True,
    forward_kernel=_sigmoid_forward,
    backward_kernel=_sigmoid_backward,
    why=_sigmoid_why,
    slope_why=lambda pre, post, value: (
        *("The sigmoid's slope is ", (_SIGMA, TIMES, OPEN, ONE, MINUS_OP, _SIGMA, CLOSE)),
        *(", written with the output ", post, " it already computed."),
    ),
    probability=True,
)

# -- tanh -----------------------------------------------------------------------------------------


def _tanh_value(z: np.ndarray) -> np.ndarray:
    import numpy as np

    return cast("np.ndarray", np.tanh(z))


def _tanh_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return cast("np.ndarray", 1.0 - a * a)


def _tanh_forward(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    import numpy as np

    return lambda: np.tanh(z, out)


def _tanh_backward(z: np.ndarray, a: np.ndarray) -> Callable[[np.ndarray], Any]:
    import numpy as np

    one = np.array(1.0)
    slope = np.empty_like(z)

    def tanh(grad: np.ndarray) -> None:
        np.multiply(a, a, slope)
        np.subtract(one, slope, slope)
        np.multiply(grad, slope, grad)

    return tanh


TANH = Activation(
    name="tanh",
    symbol="tanh",
    text="tanh",
    latex=r"$\tanh$",
    latex_symbol=r"\tanh",
    value=_tanh_value,
    slope=_tanh_slope,
    slope_formula=lambda z: (ONE, MINUS_OP, *_applied(_TANH, z), SQUARED),
    slope_template=(ONE, MINUS_OP, _SLOT, SQUARED),
    slope_reads_post=True,
    forward_kernel=_tanh_forward,
    backward_kernel=_tanh_backward,
    why=lambda pre, post, z, a, last: ("tanh squashes ", pre, " into (", Lit("−1"), ", 1)."),
    slope_why=lambda pre, post, value: (
        *("tanh's slope is ", (ONE, MINUS_OP, _TANH, SQUARED)),
        *(", written with the output ", post, " it already computed."),
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

    def softmax(grad: np.ndarray) -> None:
        np.multiply(grad, a, product)
        np.add.reduce(product, axis=0, keepdims=True, out=dot)
        np.subtract(grad, dot, grad)
        np.multiply(grad, a, grad)

    return softmax


SOFTMAX = Activation(
    name="softmax",
    symbol="softmax",
    text="softmax, o_k = e^z_k / Σ_j e^z_j",
    latex=r"softmax, $o_k = e^{z_k} / \sum_j e^{z_j}$",
    latex_symbol=r"\operatorname{softmax}",
    value=softmax,
    slope=None,
    slope_formula=lambda z: (),
    slope_template=(),
    slope_reads_post=True,
    forward_kernel=_softmax_forward,
    backward_kernel=_softmax_backward,
    why=lambda pre, post, z, a, last: (
        "softmax turns the pre-activations into probabilities that sum to 1.",
    ),
    slope_why=lambda pre, post, value: ("softmax's derivative is a Jacobian.",),
    distribution=True,
)

# -- elu (α = 1) ----------------------------------------------------------------------------------


def _elu_value(z: np.ndarray) -> np.ndarray:
    """z for z > 0, else e^z − 1 (expm1 keeps a small negative z exact; e^−1e4 just underflows)."""
    import numpy as np

    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _elu_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1 for z > 0, else e^z: e^min(z, 0) is both (e^0 = 1 exactly)."""
    import numpy as np

    return cast("np.ndarray", np.exp(np.minimum(z, 0.0)))


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

    def elu(grad: np.ndarray) -> None:
        np.minimum(z, 0.0, out=slope)
        np.exp(slope, slope)
        np.multiply(grad, slope, grad)

    return elu


_ELU_SLOPE = Func("elu′", r"\operatorname{elu}'")
#: elu′(z) = 1 if z > 0, else … (its last token, the 0, is replaced by exp(z)).
_elu_switch = _switch_formula(_ELU_SLOPE, (ZERO,))

ELU = Activation(
    name="elu",
    symbol="elu",
    text="ELU (α = 1), elu(z) = z for z > 0, else e^z − 1",
    latex=r"ELU ($\alpha = 1$), $\operatorname{elu}(z) = z$ for $z > 0$, else $e^{z} - 1$",
    latex_symbol=r"\operatorname{elu}",
    value=_elu_value,
    slope=_elu_slope,
    slope_formula=lambda z: _elu_switch(z)[:-1] + _applied(EXP, z),
    slope_template=_applied(_ELU_SLOPE, _SLOT),
    slope_reads_post=False,
    forward_kernel=_elu_forward,
    backward_kernel=_elu_backward,
    why=lambda pre, post, z, a, last: (
        *("elu keeps a positive ", pre, " and bends a negative one to "),
        *((*_applied(EXP, pre), MINUS_OP, ONE), ", above ", Lit("−1"), "."),
    ),
    slope_why=lambda pre, post, value: (
        *(_ELU_SLOPE, " is 1 for a positive ", pre, " and ", _applied(EXP, pre)),
        ", between 0 and 1, otherwise.",
    ),
    smooth=False,
)

# -- softplus -------------------------------------------------------------------------------------


def _softplus_value(z: np.ndarray) -> np.ndarray:
    """ln(1 + e^z) as logaddexp(0, z): finite for any finite z."""
    import numpy as np

    return cast("np.ndarray", np.logaddexp(0.0, z))


def _softplus_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return sigmoid(z)


def _softplus_forward(z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    import numpy as np

    return lambda: np.logaddexp(0.0, z, out)


def _softplus_of(z: Name) -> Tokens:
    """ln(1 + exp(z))."""
    return (LN, OPEN, ONE, PLUS, *_applied(EXP, z), CLOSE)


SOFTPLUS = Activation(
    name="softplus",
    symbol="softplus",
    text="softplus, softplus(z) = ln(1 + e^z)",
    latex=r"softplus, $\operatorname{softplus}(z) = \ln(1 + e^{z})$",
    latex_symbol=r"\operatorname{softplus}",
    value=_softplus_value,
    slope=_softplus_slope,
    slope_formula=lambda z: _applied(_SIGMA, z),
    slope_template=_applied(_SIGMA, _SLOT),
    slope_reads_post=False,
    forward_kernel=_softplus_forward,
    backward_kernel=_slope_kernel(_softplus_slope),
    why=lambda pre, post, z, a, last: (
        *("softplus is a smooth relu: ", _softplus_of(pre), " is near 0 for a very negative "),
        *(pre, " and near ", pre, " itself for a large one."),
    ),
    slope_why=lambda pre, post, value: (
        *(Func("softplus′", r"\operatorname{softplus}'"), " is the sigmoid "),
        *(_applied(_SIGMA, pre), ", the slope of ", _softplus_of(pre), "."),
    ),
)

# -- silu -----------------------------------------------------------------------------------------


def _silu_value(z: np.ndarray) -> np.ndarray:
    """z·σ(z) with the sigmoid that never overflows."""
    return cast("np.ndarray", z * sigmoid(z))


def _silu_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """(z·σ(z))′ = σ(z) + z·σ(z)·(1 − σ(z)) = σ(z)·(1 + z·(1 − σ(z)))."""
    sig = sigmoid(z)
    return sig * (1.0 + z * (1.0 - sig))


_SILU_SLOPE = Func("silu′", r"\operatorname{silu}'")

SILU = Activation(
    name="silu",
    symbol="silu",
    text="SiLU, silu(z) = z·σ(z)",
    latex=r"SiLU, $\operatorname{silu}(z) = z\,\sigma(z)$",
    latex_symbol=r"\operatorname{silu}",
    value=_silu_value,
    slope=_silu_slope,
    slope_formula=lambda z: (
        *(*_applied(_SIGMA, z), TIMES, OPEN, ONE, PLUS, z, TIMES),
        *(OPEN, ONE, MINUS_OP, *_applied(_SIGMA, z), CLOSE, CLOSE),
    ),
    slope_template=_applied(_SILU_SLOPE, _SLOT),
    slope_reads_post=False,
    forward_kernel=_copy_kernel(_silu_value),
    backward_kernel=_slope_kernel(_silu_slope),
    why=lambda pre, post, z, a, last: (
        *("silu multiplies ", pre, " by its own sigmoid: near ", pre, " for a large ", pre),
        ", near 0 for a very negative one.",
    ),
    slope_why=lambda pre, post, value: (
        *(_SILU_SLOPE, " comes from the product rule on "),
        *((pre, TIMES, *_applied(_SIGMA, pre)), "."),
    ),
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
