"""Each optimizer's update of one parameter as its parts (`parts.UpdatePart`), with their
sentences of why: SGD's (weight decay, velocity, Nesterov's look-ahead), RMSprop's, Adam's and
AdamW's. A record (`records`) names its builder; the builder reads the settings and returns the
parts in the order they are computed.

Whys are written for θ (the trace puts the parameter's name in) and read the values of the
parameter once its parts are computed: the first step says what starting at 0 does, a
learning rate or a direction of 0 says why nothing moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nntui.engine.notation import (
    CLOSE,
    EQUALS,
    MINUS_OP,
    NEGATIVE,
    ONE,
    OPEN,
    OVER,
    PLUS,
    ROOT,
    SQUARED,
    TIMES,
    TO_THE_T,
    Expr,
    Name,
    Prose,
    tokens,
)
from nntui.engine.ops.optimizers.fields import SettingsLike
from nntui.engine.ops.optimizers.parts import (
    ALPHA,
    BETA1,
    BETA2,
    DECAY,
    EPS,
    GRAD,
    M_HAT,
    MOMENTUM,
    OVER_OPEN,
    RATE,
    SPACED_OVER,
    SYMBOLS,
    THETA,
    THETA_PRIME,
    THETA_STAR,
    V_HAT,
    VELOCITY,
    D,
    G,
    M,
    UpdatePart,
    V,
    Why,
    gradient,
    gradient_squared,
    one_minus,
    template,
)

# -- whys shared by several optimizers -----------------------------------------------------------


def _all_zero(value: Any) -> bool:
    if isinstance(value, float | int):
        return value == 0.0
    import numpy as np

    return bool(np.all(np.asarray(value) == 0.0))


def _still(values: Mapping[str, Any], direction: str, what: Expr) -> Prose | None:
    """Why nothing moves, when nothing does: a learning rate of 0, or a direction of 0."""
    if values["lr"] == 0.0:
        return ("The learning rate is 0, so nothing moves.",)
    if _all_zero(values[direction]):
        return (what, " is 0, so ", THETA, " does not change.")
    return None


def _decayed_gradient_why(values: Mapping[str, Any]) -> Prose:
    return (
        *("Weight decay adds ", (DECAY, TIMES, THETA), " to the gradient (L2 regularisation): "),
        *("besides lowering the loss, each step pulls ", THETA, " a little towards 0."),
    )


#: g = ∂E/∂θ + λ·θ, for every optimizer but adamw, when weight_decay > 0.
DECAYED_GRADIENT = UpdatePart(
    key="g",
    kind="g",
    symbol=G,
    formula=(GRAD, PLUS, DECAY, TIMES, THETA),
    template=template(0, PLUS, 1, TIMES, 2),
    shows=("grad", "weight_decay", "theta"),
    op="add_product",
    reads=("grad", "weight_decay", "theta"),
    why=_decayed_gradient_why,
    title="gradient with weight decay",
)


def gradient_parts(settings: SettingsLike) -> tuple[tuple[UpdatePart, ...], str]:
    """The weight decay part (if any) and the name of the gradient the next parts read."""
    if settings.number("weight_decay") > 0.0:
        return (DECAYED_GRADIENT,), "g"
    return (), "grad"


def _square_average_why(keep: Name, grad: str) -> Why:
    def why(values: Mapping[str, Any]) -> Prose:
        return (
            *(V, " is a running average of the squared gradient: it keeps ", keep, " of its old "),
            *("value and takes ", one_minus(keep), " of ", gradient_squared(grad), ". "),
            *((ROOT, V), " is the typical size of ", THETA, "'s gradient lately, whatever its "),
            "sign.",
        )

    return why


def square_average(keep: str, keep_symbol: Name, grad: str) -> UpdatePart:
    """v = α·v + (1 − α)·g² (RMSprop), or with β2 (Adam)."""
    return UpdatePart(
        key="v_new",
        kind="v",
        symbol=V,
        formula=(
            *(keep_symbol, TIMES, V, PLUS, *one_minus(keep_symbol), TIMES),
            *tokens(gradient_squared(grad)),
        ),
        template=template(0, TIMES, 1, PLUS, 2, TIMES, 3, SQUARED),
        shows=(keep, "v", f"one_minus_{keep}", grad),
        op="average_square",
        reads=(keep, "v", grad),
        why=_square_average_why(keep_symbol, grad),
        state="v",
        title="average of g²",
    )


# -- sgd ----------------------------------------------------------------------------------------


def _velocity_why(values: Mapping[str, Any]) -> Prose:
    if values["t"] == 1:
        return (
            *("The velocity ", VELOCITY, " starts at 0, so after the first step it is the "),
            *("gradient itself. From then on it keeps ", MOMENTUM, " of itself and adds each "),
            "new gradient: a direction that keeps coming back builds up speed.",
        )
    return (
        *("The velocity keeps ", MOMENTUM, " of its old value and adds the new gradient: "),
        *("gradients that keep their sign build up speed (up to "),
        *((ONE, OVER, *one_minus(MOMENTUM)), " times a plain step), gradients that flip "),
        "cancel out.",
    )


def _nesterov_why(values: Mapping[str, Any]) -> Prose:
    return (
        *("Nesterov momentum looks ahead: the step follows the gradient plus ", MOMENTUM),
        " times the new velocity, as if the momentum step were already taken.",
    )


def _sgd_step_why(direction: str, symbol: Expr) -> Why:
    def why(values: Mapping[str, Any]) -> Prose:
        still = _still(values, direction, symbol)
        if still is not None:
            return still
        move = (NEGATIVE, RATE, TIMES, *tokens(symbol))
        if direction in ("grad", "g"):
            return (
                *("One step against the gradient: ", THETA, " moves by ", move),
                ", downhill on the loss.",
            )
        what = "the velocity" if direction == "b_new" else "the look-ahead"
        return (
            *(THETA, f" moves against {what} rather than the bare gradient, by ", move),
            ": downhill on the loss, with the memory of earlier steps.",
        )

    return why


def sgd_parts(settings: SettingsLike) -> tuple[UpdatePart, ...]:
    """SGD's parts: the weight decay, the velocity and the look-ahead as the settings ask."""
    parts, grad = gradient_parts(settings)
    direction = grad
    if settings.number("momentum") > 0.0:
        velocity = UpdatePart(
            key="b_new",
            kind="velocity",
            symbol=VELOCITY,
            formula=(MOMENTUM, TIMES, VELOCITY, PLUS, *tokens(gradient(grad))),
            template=template(0, TIMES, 1, PLUS, 2),
            shows=("momentum", "b", grad),
            op="add_product",
            reads=(grad, "momentum", "b"),
            why=_velocity_why,
            state="b",
            title="velocity",
        )
        parts += (velocity,)
        direction = "b_new"
        if settings.flag("nesterov"):
            look_ahead = UpdatePart(
                key="d",
                kind="look_ahead",
                symbol=D,
                formula=(*tokens(gradient(grad)), PLUS, MOMENTUM, TIMES, VELOCITY),
                template=template(0, PLUS, 1, TIMES, 2),
                shows=(grad, "momentum", "b_new"),
                op="add_product",
                reads=(grad, "momentum", "b_new"),
                why=_nesterov_why,
                title="look-ahead direction",
            )
            parts += (look_ahead,)
            direction = "d"
    symbol = SYMBOLS[direction]
    new_theta = UpdatePart(
        key="theta_new",
        kind="new",
        symbol=THETA_STAR,
        formula=(THETA, MINUS_OP, RATE, TIMES, symbol),
        template=template(0, MINUS_OP, 1, TIMES, 2),
        shows=("theta", "lr", direction),
        op="update",
        reads=("theta", "lr", direction),
        why=_sgd_step_why(direction, symbol),
        title="new value",
    )
    return (*parts, new_theta)


# -- rmsprop ------------------------------------------------------------------------------------


def _rmsprop_step_why(grad: str) -> Why:
    def why(values: Mapping[str, Any]) -> Prose:
        still = _still(values, grad, gradient(grad))
        if still is not None:
            return still
        if values["t"] == 1:
            return (
                *("On the first step ", (V, EQUALS, *one_minus(ALPHA), TIMES)),
                *(gradient_squared(grad), ", so the step is the same for every parameter "),
                *("whatever the size of its gradient: ", RATE, " divided by the square root "),
                *("of ", (ONE, MINUS_OP, ALPHA), " (less a hair for ", EPS, ")."),
            )
        return (
            *(THETA, " moves by its gradient divided by ", (ROOT, V)),
            *(", the gradient's own typical size lately, so steep and flat directions take "),
            "steps of a similar size.",
        )

    return why


def rmsprop_parts(settings: SettingsLike) -> tuple[UpdatePart, ...]:
    """RMSprop's parts: v, then the new θ."""
    parts, grad = gradient_parts(settings)
    new_theta = UpdatePart(
        key="theta_new",
        kind="new",
        symbol=THETA_STAR,
        formula=(
            *(THETA, MINUS_OP, RATE, TIMES, *tokens(gradient(grad))),
            *(OVER_OPEN, ROOT, V, PLUS, EPS, CLOSE),
        ),
        template=template(0, MINUS_OP, 1, TIMES, 2, OVER_OPEN, ROOT, 3, PLUS, 4, CLOSE),
        shows=("theta", "lr", grad, "v_new", "eps"),
        op="adaptive_update",
        reads=("theta", "lr", grad, "v_new", "eps"),
        why=_rmsprop_step_why(grad),
        title="new value",
    )
    return (*parts, square_average("alpha", ALPHA, grad), new_theta)


# -- adam and adamw -----------------------------------------------------------------------------


def _first_moment_why(grad: str) -> Why:
    def why(values: Mapping[str, Any]) -> Prose:
        head: Prose = (
            *(M, " is a running average of the gradient: it keeps ", BETA1, " of its old value "),
            *("and takes ", one_minus(BETA1), " of the new one"),
        )
        if values["t"] == 1:
            return (
                *head,
                ". It starts at 0, so after this first step it is only ",
                (*one_minus(BETA1), TIMES, *tokens(gradient(grad))),
                *("; ", M_HAT, " corrects that."),
            )
        return (*head, ", so gradients that flip sign cancel out (momentum).")

    return why


def _unbias_why(average: Name, keep: Name, target: Expr) -> Why:
    def why(values: Mapping[str, Any]) -> Prose:
        sentence: Prose = (
            *(average, " started at 0, so it is too small by the factor "),
            *((ONE, MINUS_OP, keep, TO_THE_T), "; dividing by it removes that bias"),
        )
        if values["t"] == 1:
            return (*sentence, ". At t = 1 that gives ", target, " exactly.")
        return (*sentence, ", which fades as t grows.")

    return why


def _adam_step_why(grad: str) -> Why:
    def why(values: Mapping[str, Any]) -> Prose:
        still = _still(values, "m_hat", M_HAT)
        if still is not None:
            return still
        if values["t"] == 1:
            return (
                *("At t = 1, ", (M_HAT, EQUALS, *tokens(gradient(grad))), " and "),
                *((V_HAT, EQUALS, *tokens(gradient_squared(grad))), ", so "),
                *((M_HAT, OVER, ROOT, V_HAT), " is 1 or −1: Adam's first step moves ", THETA),
                *(" by ", RATE, " (less a hair for ", EPS, "), whatever the size of its "),
                "gradient.",
            )
        return (
            *(THETA, " moves by the average gradient ", M_HAT, " divided by its typical "),
            *("size ", (ROOT, V_HAT), ", so the step is about ", RATE, " or less, however "),
            "large or small the gradient is.",
        )

    return why


def _decoupled_decay_why(values: Mapping[str, Any]) -> Prose:
    return (
        *("AdamW decays the weight itself: ", THETA, " shrinks by the factor "),
        *((ONE, MINUS_OP, RATE, TIMES, DECAY), " before Adam's step, so the decay is not "),
        *("divided by ", (ROOT, V_HAT), " the way a decay added to the gradient would be."),
    )


#: θ′ = θ·(1 − µ·λ), AdamW's decoupled weight decay, when weight_decay > 0.
DECOUPLED_DECAY = UpdatePart(
    key="theta_decayed",
    kind="decayed",
    symbol=THETA_PRIME,
    formula=(THETA, TIMES, OPEN, ONE, MINUS_OP, RATE, TIMES, DECAY, CLOSE),
    template=template(0, TIMES, OPEN, ONE, MINUS_OP, 1, TIMES, 2, CLOSE),
    shows=("theta", "lr", "weight_decay"),
    op="decay",
    reads=("theta", "lr", "weight_decay"),
    why=_decoupled_decay_why,
    title="decayed value",
)


def moment_parts(grad: str, theta: str) -> tuple[UpdatePart, ...]:
    """Adam's m, v, m̂, v̂ and new θ, reading the gradient `grad` and the parameter `theta`."""
    grad_tokens = tokens(gradient(grad))
    first = UpdatePart(
        key="m_new",
        kind="m",
        symbol=M,
        formula=(BETA1, TIMES, M, PLUS, *one_minus(BETA1), TIMES, *grad_tokens),
        template=template(0, TIMES, 1, PLUS, 2, TIMES, 3),
        shows=("beta1", "m", "one_minus_beta1", grad),
        op="average",
        reads=("beta1", "m", grad),
        why=_first_moment_why(grad),
        state="m",
        title="average of g",
    )
    first_unbiased = UpdatePart(
        key="m_hat",
        kind="m_hat",
        symbol=M_HAT,
        formula=(M, OVER_OPEN, ONE, MINUS_OP, BETA1, TO_THE_T, CLOSE),
        template=template(0, SPACED_OVER, 1),
        shows=("m_new", "bias1"),
        op="unbias",
        reads=("m_new", "beta1", "t"),
        why=_unbias_why(M, BETA1, (M_HAT, EQUALS, *grad_tokens)),
        title="average of g, unbiased",
    )
    second_unbiased = UpdatePart(
        key="v_hat",
        kind="v_hat",
        symbol=V_HAT,
        formula=(V, OVER_OPEN, ONE, MINUS_OP, BETA2, TO_THE_T, CLOSE),
        template=template(0, SPACED_OVER, 1),
        shows=("v_new", "bias2"),
        op="unbias",
        reads=("v_new", "beta2", "t"),
        why=_unbias_why(V, BETA2, (V_HAT, EQUALS, *tokens(gradient_squared(grad)))),
        title="average of g², unbiased",
    )
    new_theta = UpdatePart(
        key="theta_new",
        kind="new",
        symbol=THETA_STAR,
        formula=(
            *(SYMBOLS[theta], MINUS_OP, RATE, TIMES, M_HAT),
            *(OVER_OPEN, ROOT, V_HAT, PLUS, EPS, CLOSE),
        ),
        template=template(0, MINUS_OP, 1, TIMES, 2, OVER_OPEN, ROOT, 3, PLUS, 4, CLOSE),
        shows=(theta, "lr", "m_hat", "v_hat", "eps"),
        op="adaptive_update",
        reads=(theta, "lr", "m_hat", "v_hat", "eps"),
        why=_adam_step_why(grad),
        title="new value",
    )
    second = square_average("beta2", BETA2, grad)
    return (first, second, first_unbiased, second_unbiased, new_theta)


def adam_parts(settings: SettingsLike) -> tuple[UpdatePart, ...]:
    """Adam's parts: the weight decay added to g (if any), m, v, m̂, v̂, the new θ."""
    parts, grad = gradient_parts(settings)
    return (*parts, *moment_parts(grad, "theta"))


def adamw_parts(settings: SettingsLike) -> tuple[UpdatePart, ...]:
    """AdamW's parts: θ′ = θ·(1 − µ·λ) (if λ > 0), then Adam's from θ′ with the bare gradient."""
    if settings.number("weight_decay") > 0.0:
        return (DECOUPLED_DECAY, *moment_parts("grad", "theta_decayed"))
    return moment_parts("grad", "theta")
