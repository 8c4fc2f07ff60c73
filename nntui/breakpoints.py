"""Run until: breakpoints in network terms (issue 14).

Instead of pressing space fifty times, the class runs forward — across iterations — to the
next step where something interesting happens: a ReLU switches off, the loss goes up, a
gradient is exactly zero or larger than a given size, a value stops being finite, or a chosen
parameter is touched. Each condition is a small frozen object that looks at the step on
screen (`holds`) and says in one sentence what it waits for (`describe`).

`run_until` moves only with the session's own `next`, so every step it passes is in the
session's history exactly as if space had been pressed: `back` (←) returns step by step, and
the state after stopping is the state that many presses reach. It always takes at least one
step (so running again finds the next hit, not the same one), and never hangs: it stops after
`limit` steps or `budget` seconds, or when the session cannot go on (the training diverged),
and the returned `Stop` says which.

No Textual here: the app asks for a run and shows `Stop.message`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from nntui.engine.network import Network
from nntui.engine.ops.activations import activation as activation_record
from nntui.engine.spec import ParamRef
from nntui.session import Session

#: At most this many steps per run: a condition never met stops here, with a message.
STEP_LIMIT = 100_000
#: And at most this many seconds of stepping (a big network's iterations are slow to trace).
TIME_BUDGET = 10.0
#: The step kinds whose value is a gradient of the loss (∂E/∂something).
GRADIENT_KINDS = frozenset({"grad_post", "grad_pre", "grad", "batch_grad"})

#: Why a run ended: a condition held, the step limit or the time budget ran out, the
#: session could not go on (its training diverged), or esc stopped it.
Ending = Literal["condition", "limit", "time", "blocked", "cancelled"]


class Condition(Protocol):
    """What a run waits for: true at the step on screen, and said in one sentence."""

    def holds(self, session: Session) -> bool:
        """True when the session's current step (or state) is where the run should stop."""
        ...

    def describe(self) -> str:
        """The condition in words: `a ReLU switches off`."""
        ...


def _values(value: float | np.ndarray) -> np.ndarray:
    """A step's value as an array, whether it is one number or a neuron's or layer's vector."""
    return np.asarray(value, dtype=float)


@dataclass(frozen=True)
class ReluSwitchesOff:
    """A neuron whose activation switches it off (relu: 0 for z ≤ 0) shows 0 at its `post`
    step: the step a dead ReLU is seen being dead."""

    def holds(self, session: Session) -> bool:
        step = session.step
        if step is None or step.kind != "post" or step.layer is None:
            return False
        layer = session.trace.network.layers[step.layer]
        if not activation_record(layer.activation).inactive:
            return False
        pre = _values(step.operands[0].value)
        post = _values(step.value)
        return bool(np.any((post == 0) & (pre <= 0)))

    def describe(self) -> str:
        return "a ReLU switches off"


@dataclass(frozen=True)
class LossGoesUp:
    """The iteration's loss with the updated parameters (the check phase's loss, the one the
    title shows) is larger than before the update."""

    def holds(self, session: Session) -> bool:
        step = session.step
        if step is None or step.phase != "check":
            return False
        key = _iteration_loss_key(session)
        revealed = session.index.revealed
        before = revealed.get(key)
        if before is None or revealed.get(_check_key(key)) != step.index:
            return False
        return float(step.value) > float(session.trace.steps[before].value)

    def describe(self) -> str:
        return "the loss goes up"


def _iteration_loss_key(session: Session) -> tuple[int | None, str]:
    """The trace index's key of the step that computes the iteration's loss before the update:
    the one sample's loss, or the batch loss (as `Session.shown_loss` reads it)."""
    return (0, "loss") if session.trace.network.n_samples == 1 else (None, "batch_loss")


def _check_key(key: tuple[int | None, str]) -> tuple[int | None, str]:
    """The same loss's key in the check phase (with the updated parameters)."""
    return (key[0], "check_" + key[1])


@dataclass(frozen=True)
class ZeroGradient:
    """A gradient of the loss (∂E/∂a, ∂E/∂z, ∂E/∂θ) is exactly 0: often a dead ReLU's mark."""

    def holds(self, session: Session) -> bool:
        step = session.step
        return (
            step is not None
            and step.kind in GRADIENT_KINDS
            and bool(np.any(_values(step.value) == 0))
        )

    def describe(self) -> str:
        return "a gradient is exactly zero"


@dataclass(frozen=True)
class LargeGradient:
    """A gradient of the loss is larger than `size` in magnitude (exploding gradients)."""

    size: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.size) and self.size >= 0):
            raise ValueError(f"a gradient size must be a finite number ≥ 0, not {self.size}")

    def holds(self, session: Session) -> bool:
        step = session.step
        if step is None or step.kind not in GRADIENT_KINDS:
            return False
        return bool(np.any(np.abs(_values(step.value)) > self.size))

    def describe(self) -> str:
        return f"a gradient's magnitude exceeds {self.size:g}"


@dataclass(frozen=True)
class NotFinite:
    """A step's value is infinite or NaN: the training is diverging."""

    def holds(self, session: Session) -> bool:
        step = session.step
        return step is not None and not bool(np.all(np.isfinite(_values(step.value))))

    def describe(self) -> str:
        return "a value stops being finite"


@dataclass(frozen=True)
class ParameterTouched:
    """A step about the parameter `param` (its gradient, its update, or at coarser
    granularity the row or layer that holds it)."""

    param: ParamRef

    def holds(self, session: Session) -> bool:
        step = session.step
        return step is not None and step.param is not None and step.param.covers(self.param)

    def describe(self) -> str:
        return f"{self.param.name} is touched"


@dataclass(frozen=True)
class Stop:
    """How a run ended: `ending`, the condition that held (for ending "condition"), how many
    steps it took, and the sentence the screen shows."""

    ending: Ending
    steps: int
    message: str
    condition: Condition | None = None

    @property
    def found(self) -> bool:
        """True when a condition stopped the run (not a limit or a blocked session)."""
        return self.ending == "condition"


class UntilRun:
    """A run in progress, a slice of time at a time (`advance`), so the screen can redraw and
    esc can stop it (`cancel`) between slices. `run_until` is one slice as long as the run."""

    def __init__(
        self,
        session: Session,
        conditions: Condition | tuple[Condition, ...],
        limit: int = STEP_LIMIT,
        budget: float = TIME_BUDGET,
    ) -> None:
        if limit < 1:
            raise ValueError(f"a run needs a limit of at least one step, not {limit}")
        self.session = session
        self.wanted = conditions if isinstance(conditions, tuple) else (conditions,)
        self.limit = limit
        self.budget = budget
        self.taken = 0
        self._deadline = time.monotonic() + budget

    def advance(self, seconds: float = math.inf) -> Stop | None:
        """Step for at most `seconds`: the `Stop` once the run is over, else None."""
        session, wanted = self.session, self.wanted
        pause = time.monotonic() + seconds
        while self.taken < self.limit:
            blocked = session.blocked
            if blocked is not None:  # the training diverged: `next` would stay where it is
                return Stop("blocked", self.taken, f"Stopped: {blocked}.")
            session.advance()  # a step as space takes it, without the quiz hiding it
            self.taken += 1
            taken = self.taken
            for condition in wanted:
                if condition.holds(session):
                    return Stop("condition", taken, _found(session, condition, taken), condition)
            now = time.monotonic()
            if now > self._deadline:
                why = f"after {self.budget:g} seconds"
                return Stop("time", taken, _gave_up(wanted, taken, why))
            if now > pause:
                return None
        limit = self.limit
        return Stop("limit", limit, _gave_up(wanted, limit, f"at the limit of {limit:,} steps"))

    def cancel(self) -> Stop:
        """Stop here (esc): the steps taken so far stay, as a run's do."""
        taken = self.taken
        steps = "step" if taken == 1 else "steps"
        where = _where(self.session)
        return Stop("cancelled", taken, f"Stopped by esc after {taken:,} {steps}, at {where}.")


def run_until(
    session: Session,
    conditions: Condition | tuple[Condition, ...],
    limit: int = STEP_LIMIT,
    budget: float = TIME_BUDGET,
) -> Stop:
    """Step `session` forward with `next` until one of `conditions` holds at the step on
    screen, at most `limit` steps and `budget` seconds; say which ended it."""
    stop = UntilRun(session, conditions, limit, budget).advance()
    assert stop is not None  # no pause before the run is over
    return stop


def _where(session: Session) -> str:
    """`step 4 of 42, iteration 1`, or the ready state of an iteration."""
    if session.step is None:
        return f"the start of iteration {session.iteration}"
    return f"step {session.cursor + 1} of {len(session.steps)}, iteration {session.iteration}"


def _found(session: Session, condition: Condition, taken: int) -> str:
    steps = "step" if taken == 1 else "steps"
    sentence = condition.describe()
    return f"Stopped after {taken:,} {steps} at {_where(session)}: {sentence}."


def _gave_up(wanted: tuple[Condition, ...], taken: int, why: str) -> str:
    sentences = " or where ".join(condition.describe() for condition in wanted)
    return f"Stopped {why} ({taken:,} steps) without finding where {sentences}."


#: What a condition is typed as (`parse_condition`), with what each means: for the app's
#: dialog and its help.
CONDITION_WORDS = (
    ("relu", "a ReLU switches off"),
    ("loss", "the loss goes up"),
    ("zero", "a gradient is exactly zero"),
    ("grad > SIZE", "a gradient's magnitude exceeds SIZE"),
    ("nan", "a value stops being finite"),
    ("NAME (w101, b10)", "that parameter is touched"),
)


def parse_condition(text: str, network: Network) -> Condition:
    """The condition typed as `text` (see `CONDITION_WORDS`) for `network`; ValueError with
    one line saying what is accepted otherwise."""
    words = text.strip().lower()
    fixed: dict[str, Condition] = {
        "relu": ReluSwitchesOff(),
        "loss": LossGoesUp(),
        "zero": ZeroGradient(),
        "nan": NotFinite(),
    }
    if words in fixed:
        return fixed[words]
    if words.startswith("grad") and ">" in words:
        size_text = words.split(">", 1)[1].strip()
        try:
            return LargeGradient(float(size_text))
        except ValueError:
            raise ValueError(f"a gradient size must be a number ≥ 0, not {size_text!r}") from None
    for ref in network.params():
        if network.param_name(ref).lower() == words:
            return ParameterTouched(ref)
    accepted = ", ".join(word for word, _ in CONDITION_WORDS)
    raise ValueError(f"not a condition: {text.strip()!r} (one of: {accepted})")
