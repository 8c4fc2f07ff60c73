"""One parameter's update, written once as its parts: each a number computed by a documented
`Op` from the numbers it reads, with its symbol, formula and sentence of why as tokens.

For Adam the parts are m, v, m̂, v̂ and the new θ. The same parts serve three readers: `step`
runs them on whole flat vectors (every parameter at once); the trace shows each as a step of
its own, its numbers substituted; the fast path's kernels (`kernels`) do the same arithmetic in
place, in the same order.

Formulas are written for a parameter θ and its gradient ∂E/∂θ: the trace puts the parameter's
own names in their place (`θ` → `w100`, `∂E/∂θ` → `∂E/∂w100`, `θ*` → `w100*`, `θ′` →
`w100′`), in formulas and whys alike (`written`, `substituted_prose`). The symbols follow
SPEC §6, with two exceptions for the screen's sake: the learning rate is µ (as in the worked
example) and momentum is ρ (CS231n's), since μ and µ look the same; SGD's velocity, SPEC §6's b,
is written v (CS231n's too), since b names the biases.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nntui.engine.notation import (
    CLOSE,
    MINUS_OP,
    ONE,
    OPEN,
    SQUARED,
    Code,
    Expr,
    Name,
    Op,
    Partial,
    Prose,
    Token,
    Tokens,
    slot,
    tokens,
)
from nntui.engine.ops.optimizers.fields import SettingsLike

#: The numbers a part may read, by name: the scalars of `scalar_values`, "theta" (θ), "grad"
#: (∂E/∂θ), the state before the step ("b", "m", "v") and every earlier part's `key`. Floats
#: or arrays for what the trace shows, flat float64 vectors in `step`.
Values = dict[str, Any]
#: A part's sentence of why, from the values once the part is computed (θ stands for the
#: parameter: see `substituted_prose`).
Why = Callable[[Mapping[str, Any]], Prose]

# -- symbols ------------------------------------------------------------------------------------

#: Stand-ins for the parameter, replaced by its own names in the trace.
THETA = Name("θ", "θ")
THETA_STAR = THETA.starred()
THETA_PRIME = THETA.primed()
LOSS = Name("E", "E")
GRAD = Partial(LOSS, THETA)

RATE = Name("µ", "µ")  # the learning rate, as the worked example writes it
MOMENTUM = Name("ρ", "ρ")
ALPHA = Name("α", "α")
BETA1 = Name("β1", "β", ("1",))
BETA2 = Name("β2", "β", ("2",))
EPS = Name("ε", "ε")
DECAY = Name("λ", "λ")
STEP = Name("t", "t")
G = Name("g", "g")  # the gradient with the weight decay added
D = Name("d", "d")  # Nesterov's look-ahead direction
VELOCITY = Name("v", "v")
M = Name("m", "m")
V = Name("v", "v")
M_HAT = Name("m̂", "m̂")
V_HAT = Name("v̂", "v̂")

SPACED_OVER = Op(" / ")
OVER_OPEN = Op(" / (")

#: How a formula writes each value a part reads (and how the trace names its factors).
SYMBOLS: dict[str, Token] = {
    "theta": THETA,
    "theta_decayed": THETA_PRIME,
    "grad": GRAD,
    "g": G,
    "lr": RATE,
    "t": STEP,
    "momentum": MOMENTUM,
    "alpha": ALPHA,
    "beta1": BETA1,
    "beta2": BETA2,
    "eps": EPS,
    "weight_decay": DECAY,
    "b": VELOCITY,
    "b_new": VELOCITY,
    "d": D,
    "m": M,
    "m_new": M,
    "v": V,
    "v_new": V,
    "m_hat": M_HAT,
    "v_hat": V_HAT,
}


def one_minus(symbol: Token) -> Tokens:
    """`(1 − β1)`."""
    return (OPEN, ONE, MINUS_OP, symbol, CLOSE)


def gradient(grad: str) -> Expr:
    """The gradient a part reads: ∂E/∂θ, or g once the weight decay is added."""
    return SYMBOLS[grad]


def gradient_squared(grad: str) -> Expr:
    """`(∂E/∂θ)²` or `g²`."""
    return (OPEN, GRAD, CLOSE, SQUARED) if grad == "grad" else (G, SQUARED)


# -- the arithmetic of a part -----------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """How a part's value follows from the numbers it reads (f0, f1, … in `UpdatePart.reads`
    order). `rule` is the documented form, next to SPEC §4's `sum`, `product`, `update`,
    `apply`. `apply` works on floats and on NumPy arrays alike, with the same operations in
    the same order, so a traced scalar and a vector entry agree to the bit."""

    name: str
    rule: str
    apply: Callable[..., Any]


def _sqrt(value: Any) -> Any:
    """√ of a float (math) or an array (NumPy); both are correctly rounded, so they agree."""
    if isinstance(value, float | int):
        return math.sqrt(value)
    import numpy as np

    return np.sqrt(value)


OPS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("add_product", "f0 + f1·f2", lambda base, factor, other: base + factor * other),
        Operation("update", "f0 − f1·f2", lambda old, rate, direction: old - rate * direction),
        Operation(
            "average",
            "f0·f1 + (1 − f0)·f2",
            lambda keep, old, new: keep * old + (1.0 - keep) * new,
        ),
        Operation(
            "average_square",
            "f0·f1 + (1 − f0)·f2²",
            lambda keep, old, new: keep * old + (1.0 - keep) * (new * new),
        ),
        Operation("unbias", "f0 / (1 − f1^f2)", lambda average, keep, t: average / (1.0 - keep**t)),
        Operation(
            "adaptive_update",
            "f0 − f1·f2 / (√f3 + f4)",
            lambda old, rate, direction, square, eps: (
                old - rate * direction / (_sqrt(square) + eps)
            ),
        ),
        Operation("decay", "f0·(1 − f1·f2)", lambda old, rate, decay: old * (1.0 - rate * decay)),
    )
}


@dataclass(frozen=True)
class UpdatePart:
    """One number of one parameter's update, shown by the trace as a step of its own.

    `symbol` and `formula` are written for θ (see the module's docstring); `template` is the
    formula with a slot for each number it shows, the values named by `shows`, in order. The
    value is `OPS[op].apply` of the values named by `reads`, in order (the trace's factors).
    `kind` is the trace step's kind; `state` names the state vector this value becomes, if any;
    `title` says what it is, for a ledger column.
    """

    key: str  # the name its value takes among the values: "m_new", "theta_new"
    kind: str  # "m", "v", "m_hat", "v_hat", "velocity", "look_ahead", "g", "decayed", "new"
    symbol: Name
    formula: Expr
    template: Expr
    shows: tuple[str, ...]
    op: str
    reads: tuple[str, ...]
    why: Why
    state: str | None = None
    title: str = ""

    def value(self, values: Mapping[str, Any]) -> Any:
        """This part's number (or vector) from the values it reads."""
        return OPS[self.op].apply(*(values[name] for name in self.reads))

    def numbers(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The numbers its template shows, in slot order."""
        return tuple(values[name] for name in self.shows)

    def factors(self, values: Mapping[str, Any]) -> tuple[tuple[Token, Any], ...]:
        """What its value is computed from: (symbol, value) of each number it reads."""
        return tuple((SYMBOLS[name], values[name]) for name in self.reads)


def written(expr: Expr, names: Mapping[Token, Token]) -> Expr:
    """`expr` with the stand-ins for θ replaced by the parameter's names (`names`)."""
    return tuple(names.get(token, token) for token in tokens(expr))


def substituted_prose(prose: Prose, names: Mapping[Token, Token]) -> Prose:
    """A sentence of why with the stand-ins for θ replaced by the parameter's names."""
    out: list[Any] = []
    for piece in prose:
        if isinstance(piece, tuple):
            out.append(written(piece, names))
        elif isinstance(piece, str | Code):
            out.append(piece)
        else:
            out.append(names.get(piece, piece))
    return tuple(out)


def template(*pieces: Token | int) -> Expr:
    """A template from tokens and slot numbers: `template(0, TIMES, 1)` is `{0}·{1}`."""
    return tuple(slot(piece) if isinstance(piece, int) else piece for piece in pieces)


# -- the values a step reads --------------------------------------------------------------------


def scalar_values(settings: SettingsLike, t: int, lr: float) -> Values:
    """The scalars every parameter's parts read at step `t` (1 for the first step): "lr", "t",
    each numeric hyper-parameter by its field name, and the numbers derived from them that the
    templates show: `one_minus_beta1` (1 − β1), `bias1` (1 − β1ᵗ), and so on."""
    values: Values = {"lr": lr, "t": t}
    for name, value in settings.values:
        if not isinstance(value, bool):
            values[name] = value
    for name, bias in (("beta1", "bias1"), ("beta2", "bias2"), ("alpha", None)):
        if name in values:
            values[f"one_minus_{name}"] = 1.0 - values[name]
            if bias is not None:
                values[bias] = 1.0 - values[name] ** t
    return values


def evaluate(parts: tuple[UpdatePart, ...], values: Values) -> Values:
    """Every part's value, in order, added to `values` under its key (which it returns)."""
    for part in parts:
        values[part.key] = part.value(values)
    return values
