"""The title bar: iteration, phase and step i/n, the loss shown, the optimizer and its step
number t (unless plain SGD), the mini-batch (with mini-batches), granularity and the network's
name — as many of them as fit, whole, most important first. It draws the app's `known`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from nntui.app.base import KnownView
from nntui.engine.numbers import fmt_result
from nntui.engine.text import LINE_LIMIT, printable
from nntui.view_state import Known

__all__ = ["TitleBar", "fit_title", "optimizer_parts", "title_parts"]


def title_parts(known: Known, source: str) -> tuple[str, ...]:
    """The title's parts, most important first: iteration, phase and step, the loss shown,
    in quiz mode its score (`quiz 3/4 right`), the optimizer and t (`adam t=3`; plain SGD
    names none), the batch (`batch 2/3`; none when every step uses every sample), the
    granularity and the network's name (else where it came from), made printable."""
    if known.step is None:
        where: tuple[str, ...] = ("READY",)
    else:
        # The phase's position and the step's: each kept whole.
        where = (
            f"{known.phase.upper()} {known.phase_position}/{known.phase_steps}",
            f"step {known.cursor + 1}/{known.total_steps}",
        )
    loss = known.loss
    loss_text = "loss —" if loss is None else f"loss {fmt_result(loss, known.precision)}"
    quiz = () if known.quiz is None else (f"quiz {known.quiz.score}",)
    name = printable(known.network.name or source, LINE_LIMIT)
    return (
        f"iteration {known.iteration}",
        *where,
        loss_text,
        *quiz,
        *optimizer_parts(known),
        str(known.granularity),
        name,
    )


def optimizer_parts(known: Known) -> tuple[str, ...]:
    """`adam t=3` unless the update is plain SGD's, and `batch 2/3` with mini-batches: what
    the step on screen does beyond SPEC §1's θ* = θ − µ·∂E/∂θ over every sample."""
    parts = []
    if known.optimizer is not None:
        parts.append(f"{known.optimizer} t={known.t}")
    batch = known.batch
    if not batch.is_everything:
        parts.append(f"batch {batch.index + 1}/{batch.count}")
    return tuple(parts)


def fit_title(parts: Sequence[str], width: int) -> str:
    """`parts` joined with " · ", most important first, in `width` cells: a part that does not
    fit whole is left out, never cut mid-word — except the last (the network's name), which is
    shortened at a word boundary with "…" when a useful part of it fits."""
    shown: list[str] = []
    for k, part in enumerate(parts):
        line = " · ".join([*shown, part])
        if len(line) <= width:
            shown.append(part)
            continue
        if k == len(parts) - 1:
            room = width - len(" · ".join([*shown, ""])) - 1  # 1 for the "…"
            words = part.split(" ")
            while words and len(" ".join(words)) > room:
                words.pop()
            if words and len(" ".join(words)) >= 6:
                shown.append(" ".join(words).rstrip(",:;·") + "…")
    return " · ".join(shown)


class TitleBar(KnownView, Widget):
    """Iteration, phase and step i/n, current loss, the optimizer and t, the batch, granularity
    and the network's name — as many of them as fit, whole, most important first."""

    DEFAULT_CSS = """
    TitleBar {
        height: 1;
        background: $primary;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    """

    source: reactive[str] = reactive("")
    """Where the network came from (a preset's name or a path): the title for one without a
    name of its own."""

    def __init__(self, known: Known, source: str, **kwargs: Any) -> None:
        super().__init__(known, **kwargs)
        self.set_reactive(TitleBar.source, source)

    @property
    def parts(self) -> tuple[str, ...]:
        """The title's parts, most important first (text from a file already made printable)."""
        return title_parts(self.known, self.source)

    def watch_known(self, old: Known, new: Known) -> None:
        if new is not old:  # the same answer comes again as the binding starts: drawn already
            self.refresh()

    def render(self) -> Text:
        # Text, not a str: a str would be read as markup, and a name like "[/] x" is not.
        return Text(fit_title(self.parts, self.content_size.width), no_wrap=True, end="")
