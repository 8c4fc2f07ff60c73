"""Every training sample's output beside its target: does the network do what it should yet?

The loss history says how wrong the network is on the whole; this pane says where. Each row is
one sample — its inputs, the network's output for it, its target — and, for a classifier (bce
or cross_entropy), whether the predicted class is right, with the accuracy over all samples
(`nntui.engine.evaluation.accuracy`: the same as `nntui train` reports). On the XOR preset it is
the truth table, converging as the class trains.

The outputs are those of the network the iteration on screen starts from (the parameters the
graph shows at the ready state), so the pane changes with each iteration, training run, edit
and step back. They are computed only while the pane is shown, once per network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from nntui.app.base import KnownView
from nntui.engine.numbers import MINUS, fmt_result

if TYPE_CHECKING:
    from nntui.engine.network import Network
    from nntui.view_state import Known

#: What the pane says in quiz mode, in place of numbers the quiz asks for.
QUIZ_NOTE = "Hidden in quiz mode: these outputs are the forward pass's answers (z ends the quiz)."

#: Losses whose targets are classes: their outputs are read as a predicted class.
CLASSIFYING = frozenset({"bce", "cross_entropy"})
#: At most this many rows are drawn (a data set of 60,000 images lists its first ones).
MAX_ROWS = 200
#: At most this many inputs and outputs are written out per row.
MAX_COLUMNS = 4


def row_numbers(values: Any, precision: int | None) -> str:
    """A row of numbers as the pane writes it: the first few, then how many more. With
    `precision` None, as short as each number allows (`1`, `0.25`): inputs and targets."""
    shown = [
        f"{float(v):g}".replace("-", MINUS)
        if precision is None
        else fmt_result(float(v), precision)
        for v in values[:MAX_COLUMNS]
    ]
    more = len(values) - MAX_COLUMNS
    return " ".join(shown) + (f" …+{more}" if more > 0 else "")


def _number(value: float, precision: int | None) -> str:
    if precision is None:
        return f"{value:g}".replace("-", MINUS)
    return fmt_result(value, precision)


def predictions_table(net: Network, precision: int) -> tuple[Text, Table]:
    """The pane's heading (accuracy for a classifier) and its table of samples: the sample,
    right or wrong (a classifier), the output, the target, then the inputs — the columns
    a narrow pane cuts first last."""
    import numpy as np

    from nntui.engine.compute import forward
    from nntui.engine.evaluation import THRESHOLD, accuracy

    with np.errstate(all="ignore"):  # a diverged network's outputs are shown as they are
        outputs = forward(net).output
    targets = np.asarray(net.targets)
    classes = net.loss in CLASSIFYING
    heading = Text(f"{net.n_samples:,} sample{'s' if net.n_samples != 1 else ''}", style="bold")
    right: Any = None
    if classes:
        share = accuracy(outputs, targets)
        hits = round(share * net.n_samples)
        heading.append(f" · accuracy {share:.0%} ({hits}/{net.n_samples})")
        if outputs.shape[1] == 1:
            right = (outputs[:, 0] >= THRESHOLD) == (targets[:, 0] >= THRESHOLD)
        else:
            right = np.argmax(outputs, axis=1) == np.argmax(targets, axis=1)
    table = Table(box=None, pad_edge=False, header_style="bold", expand=False)
    table.add_column("#", no_wrap=True, justify="right")
    if classes:
        table.add_column("", no_wrap=True)
    for column in ("output", "target", "x"):
        table.add_column(column, no_wrap=True, overflow="ellipsis")
    inputs = np.asarray(net.inputs)
    for sample in range(min(net.n_samples, MAX_ROWS)):
        row = [str(sample)]
        if classes:
            row.append("✓" if right[sample] else "✗")
        row += [
            row_numbers(outputs[sample], precision),
            row_numbers(targets[sample], None),
            row_numbers(inputs[sample], None),
        ]
        table.add_row(*row, style=None if not classes or right[sample] else "bold")
    if net.n_samples > MAX_ROWS:
        table.add_row("⋮", *([""] * classes), f"{net.n_samples - MAX_ROWS:,} more", "", "")
    return heading, table


class Predictions(KnownView, Static):
    """The predictions pane (`p` toggles it with the loss history)."""

    DEFAULT_CSS = """
    Predictions { height: 12; overflow-y: auto; padding: 0 1; }
    """

    def __init__(self, known: Known, **kwargs: Any) -> None:
        super().__init__(known, **kwargs)
        self._drawn: tuple[object, int] | None = None  # (the network, the precision) drawn

    def watch_known(self, old: Known, new: Known) -> None:
        if self.display:
            self.redraw()

    def on_show(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Draw the network the iteration starts from, unless it is drawn already."""
        from nntui.engine.network import Network

        known = self.known
        net = known.network
        if not isinstance(net, Network):  # the opening: the session is being built
            self.update("")
            return
        if known.quiz is not None:  # the outputs are the forward pass's answers
            self._drawn = None
            self.update(QUIZ_NOTE)
            return
        drawn = self._drawn
        if drawn is not None and drawn[0] is net and drawn[1] == known.precision:
            return
        self._drawn = (net, known.precision)
        heading, table = predictions_table(net, min(known.precision, 3))
        heading.append(f" · iteration {known.iteration}", style="dim")
        grid = Table.grid()
        grid.add_row(heading)
        grid.add_row(table)
        self.update(grid)
