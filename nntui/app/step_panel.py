"""The current step: its formula in symbols, the numbers substituted, the result and why.

In quiz mode a hidden result reads `= ?`, and the why (which may say the number) gives way to
what the class can do; after a guess, its verdict takes the why's place (the score is the
title's).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from nntui.app.base import KnownView
from nntui.engine.numbers import fmt_value
from nntui.view_state import Known


class StepPanel(KnownView, Static):
    """Shows exactly what `nntui export --format json` says of the current step."""

    DEFAULT_CSS = """
    StepPanel {
        height: 6;
        padding: 0 1;
        border-top: solid $primary-muted;
    }
    """

    def __init__(self, known: Known, **kwargs: Any) -> None:
        super().__init__(known, **kwargs)
        self.update(self.describe(), layout=False)

    def watch_known(self, old: Known, new: Known) -> None:
        if new is old:  # the same answer comes again as the binding starts: shown already
            return
        # A fixed height: a new step never moves the rest of the screen, nor re-lays it out.
        self.update(self.describe(), layout=False)

    def describe(self) -> Text:
        known = self.known
        step = known.step
        p = known.precision
        text = Text()
        # One warning at most (a stopped training run, or a step that cannot be taken): the
        # panel has a fixed height and the formula must stay in view.
        warning = known.warning
        if step is None:
            net = known.network
            first = known.sample
            x = fmt_value(net.inputs[first], p, short=True, label="x{0}")
            y = fmt_value(net.targets[first], p, short=True, label="y{0}")
            # Samples are named from 0, like x0 and w000; counts are counts (docs/conventions.md).
            batch = known.batch
            if net.n_samples == 1:
                samples = ""
            elif batch.is_everything:
                samples = f" (sample {first} of samples 0–{net.n_samples - 1:,})"
            else:  # a mini-batch: which one, and which samples this iteration trains on
                last = batch.stop - 1
                trains = f"sample {last}" if batch.size == 1 else f"samples {batch.start}–{last}"
                samples = f" (sample {first}; batch {batch.index + 1}/{batch.count} = {trains})"
            text.append(f"Iteration {known.iteration} is ready.", style="bold")
            text.append(f" Input x = {x}, target y = {y}{samples}.\n")
            if warning:
                text.append(f"⚠ {warning}", style="bold")
            else:
                text.append("Press space for the first step of the forward pass, ? for every key.")
            return text
        one_sample = step.sample is None or known.network.n_samples == 1
        where = "" if one_sample else f"sample {step.sample} · "
        text.append(f"{where}{step.symbol} = {step.formula}\n", style="bold")
        pad = " " * len(f"{where}{step.symbol}")
        text.append(f"{pad} = {step.substituted(p)}\n")
        text.append(f"{pad} = ")
        quiz = known.quiz
        if quiz is not None and quiz.hidden:
            # The why may say the number: in its place, what the class can do.
            text.append("?", style="bold underline")
            text.append("\n")
            text.append("Your guess? i types it · space shows it", style="italic")
            return text
        text.append(step.result(p), style="bold underline")
        text.append("\n")
        if warning:
            text.append(f"⚠ {warning}", style="bold")
        elif quiz is not None and quiz.verdict is not None:
            text.append(quiz.verdict.message, style="bold")
        else:
            text.append(step.reason(p), style="italic")
        return text
