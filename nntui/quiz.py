"""Quiz mode: the class sees each step's formula with its numbers, and guesses the result.

In quiz mode every step the class moves to with space is shown with its result hidden; the
next space reveals it, and a guess typed in the meantime reveals it too, marked right or wrong.
A guess is right when it is written the same as the result at the precision on screen (result
0.2900 at 3 decimals is "0.290": "0.29", ".290" and "0.2904" are right, "0.3" is not) — the
class is asked for what the screen would show, not for more digits than it shows. A step whose
result is a vector (neuron or layer granularity) takes its numbers separated by commas or
spaces, every one of them right.

This module holds the rules and the state, and knows nothing of traces or Textual: the session
says which step is on screen (an opaque key), what its result is and how it is written, and
the views draw a `QuizShown`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from nntui.engine.numbers import MINUS, fmt_result

__all__ = [
    "NOT_A_GUESS",
    "Quiz",
    "QuizShown",
    "Score",
    "Verdict",
    "is_right",
    "judge",
    "parse_guess",
    "result_numbers",
]

#: What the class is told when the text typed is not a number (nothing else changes).
NOT_A_GUESS = "a guess is a number, like 0.29"

#: One number as a class types it: a sign (`-`, `+` or the screen's `−`), digits with at most
#: one decimal point (`.29` and `29.` too), an exponent (`4e-7`, `4e−7`). Python's `float`
#: would also take `nan`, `inf` and `1_000`, none of which is a guess.
_NUMBER = re.compile(r"[+\-−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-−]?\d+)?")
#: Between the numbers of a vector: commas, semicolons, spaces; brackets around it are allowed.
_SEPARATORS = re.compile(r"[\s,;\[\]]+")


@dataclass(frozen=True)
class Score:
    """Right out of guessed, over the whole quiz."""

    right: int = 0
    guessed: int = 0

    def counted(self, right: bool) -> Score:
        """The score with one more guess, right or not."""
        return Score(self.right + int(right), self.guessed + 1)

    def __str__(self) -> str:
        return f"{self.right}/{self.guessed} right"


@dataclass(frozen=True)
class Verdict:
    """A guess, marked: `message` says it in one line (`✓ right: h_pre0 = 0.290`)."""

    right: bool
    message: str
    guess: tuple[float, ...]


@dataclass(frozen=True)
class QuizShown:
    """What the views draw of the quiz at one cursor: whether the step's result is hidden,
    the score, and the verdict of the guess made at this step (None if none was)."""

    hidden: bool
    score: Score
    verdict: Verdict | None = None


@dataclass(frozen=True)
class Quiz:
    """The quiz's state beside a session: on or off, the score, and the verdict of every step
    guessed, by the session's key for the step (so a step is guessed once: coming back to it
    shows its verdict, and the score does not change). Which step is hidden is the session's
    to say: it is a position in its trace. `verdicts` is never changed in place."""

    on: bool = False
    score: Score = Score()
    verdicts: Mapping[Hashable, Verdict] = field(default_factory=dict)

    def turned(self, on: bool) -> Quiz:
        """The quiz turned on or off; the score and the verdicts are kept (a lecturer who
        turns it off for a while goes on counting when it comes back)."""
        return replace(self, on=on)

    def guessed(self, key: Hashable) -> bool:
        """True when the step `key` names was guessed before."""
        return key in self.verdicts

    def marked(self, key: Hashable, verdict: Verdict) -> Quiz:
        """The quiz after `verdict` on the step `key` names: counted, and remembered."""
        if key in self.verdicts:
            raise ValueError("this step was guessed already")
        return replace(
            self,
            score=self.score.counted(verdict.right),
            verdicts={**self.verdicts, key: verdict},
        )

    def shown(self, key: Hashable, hidden: bool) -> QuizShown | None:
        """What the views draw at the step `key` names (None when the quiz is off)."""
        if not self.on:
            return None
        return QuizShown(hidden, self.score, self.verdicts.get(key))


def result_numbers(value: Any) -> tuple[float, ...]:
    """A step's result as flat numbers, in the order it is written (a NumPy array row by row,
    or a plain number): what a guess is compared with."""
    if hasattr(value, "ravel"):
        return tuple(float(number) for number in value.ravel().tolist())
    if isinstance(value, list | tuple):
        return tuple(number for item in value for number in result_numbers(item))
    return (float(value),)


def parse_guess(text: str, count: int = 1) -> tuple[float, ...]:
    """The `count` numbers of a guess typed as text. Raises ValueError with the one line the
    class is told when it is not a guess: no number, something else than numbers, a number
    that is not finite, or not `count` of them."""
    body = text.strip().removeprefix("[").removesuffix("]").strip()
    words = [word for word in _SEPARATORS.split(body) if word]
    if not words or not all(_NUMBER.fullmatch(word) for word in words):
        raise ValueError(NOT_A_GUESS if count == 1 else _vector_hint(count))
    numbers = tuple(float(word.replace(MINUS, "-")) for word in words)
    if not all(math.isfinite(number) for number in numbers):
        raise ValueError(NOT_A_GUESS if count == 1 else _vector_hint(count))
    if len(numbers) != count:
        raise ValueError(_vector_hint(count))
    return numbers


def _vector_hint(count: int) -> str:
    """What to type for a result of `count` numbers."""
    if count == 1:
        return NOT_A_GUESS
    example = ", ".join(("0.29", "−0.5", "1.2", "0")[: min(count, 3)])
    more = ", …" if count > 3 else ""
    return f"this result has {count} numbers: type them all, like {example}{more}"


def is_right(guess: Iterable[float], result: Iterable[float], precision: int) -> bool:
    """True when every guessed number is written as its result is at `precision` decimals
    (the screen's way of writing a result: `fmt_result`)."""
    pairs = list(zip(guess, result, strict=True))
    return all(fmt_result(said, precision) == fmt_result(true, precision) for said, true in pairs)


def judge(text: str, value: Any, symbol: str, written: str, precision: int) -> Verdict:
    """Mark the guess `text` for a step computing `symbol`, whose result is `value`, written
    `written` at `precision` decimals (the step's own `result(precision)`). Raises ValueError
    with one line when `text` is not a guess."""
    result = result_numbers(value)
    guess = parse_guess(text, len(result))
    right = is_right(guess, result, precision)
    if right:
        return Verdict(True, f"✓ right: {symbol} = {written}", guess)
    said = ", ".join(fmt_result(number, precision) for number in guess)
    said = said if len(guess) == 1 else f"[{said}]"
    return Verdict(False, f"✗ you said {said}; {symbol} = {written}", guess)
