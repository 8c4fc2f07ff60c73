"""The gradient-check pane: backpropagation against calculus, beside the ledger's gradients.

For the network on screen (the parameters the iteration starts from, whose gradients the
ledger fills in) every parameter's backprop gradient ∂E/∂θ is set beside its central finite
difference and their relative error — the numbers of `nntui gradcheck`, computed by
`nntui.engine.gradcheck.check_gradients`. The worst agreement is last, where the eye ends, and
the first line gives the verdict on the largest relative error.

The numbers are written with ten significant digits, not the session's precision: at three
decimals backprop and the finite difference would look identical whether they agree to 1e-4
or to 1e-12, and that agreement is what the pane is for.

It is computed only while the pane is shown (a hidden pane costs nothing), once per network
(`_Checks`, a few networks back so `←` is free); a network with many parameters is checked
in a thread while the pane says "computing…". This module imports no NumPy: the app's first
frame is drawn before it is loaded, and the opening's network (a spec) is only announced.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from nntui.app.base import KnownView
from nntui.engine.numbers import MINUS
from nntui.engine.spec import NetworkSpec
from nntui.engine.text import printable

if TYPE_CHECKING:
    from nntui.engine.gradcheck import GradientCheck, ParameterCheck
    from nntui.engine.network import Network
    from nntui.view_state import Known

#: The relative error above which backprop disagrees with calculus (`gradcheck.TOLERANCE`,
#: written as people write it; a test keeps the two equal).
TOLERANCE_TEXT = "1e-6"
#: Parameters × samples above which the check runs in a thread (about a tenth of a second).
THREAD_ABOVE = 200_000
#: At most this many rows, the worst ones: a screen does not read 25,450 rows.
MAX_ROWS = 500
#: How many networks' checks are kept (back and forth over a few iterations costs nothing).
KEEP_CHECKS = 8
#: Significant digits of the gradients (see the module text), and the columns' widths: a
#: compact network's rows fit the side column of a 120-column terminal (45 cells).
DIGITS = 8
NUMBER_WIDTH = DIGITS + 6  # −1.2345678e-05
ERROR_WIDTH = 8


def worst_last(checks: tuple[ParameterCheck, ...]) -> list[ParameterCheck]:
    """The parameters in order of agreement: those on a corner (no relative error) first,
    then by relative error, a NaN (a value overflowed) as the worst of all."""

    def badness(check: ParameterCheck) -> tuple[int, float]:
        error = check.relative_error
        if error is None:
            return (0, 0.0)
        return (2, 0.0) if error != error else (1, error)  # NaN ≠ NaN

    return sorted(checks, key=badness)


def row_text(check: ParameterCheck, width: int) -> str:
    """One parameter's line: name, backprop, finite difference, relative error."""
    difference = "—" if check.finite_difference is None else number_text(check.finite_difference)
    error = "corner" if check.relative_error is None else error_text(check.relative_error)
    return (
        f"{printable(check.name):<{width}}  {number_text(check.backprop):>{NUMBER_WIDTH}} "
        f"{difference:>{NUMBER_WIDTH}} {error:>{ERROR_WIDTH}}"
    )


def number_text(value: float) -> str:
    """A gradient with `DIGITS` significant digits, its minus signs as the screen writes them."""
    return f"{value:.{DIGITS}g}".replace("-", MINUS)


def error_text(error: float) -> str:
    """A relative error to two significant digits: `2.4e−11`."""
    return f"{error:.1e}".replace("-", MINUS)


def verdict(result: GradientCheck) -> str:
    """The first line: the largest relative error and whether backprop passes."""
    largest = result.largest
    if largest is None:
        return "No parameter could be checked: every one sits on a corner of relu."
    error = largest.relative_error
    assert error is not None
    name = printable(largest.name)
    if error != error:
        return f"The gradient or finite difference of {name} is not a number: the check fails."
    where = f"Largest relative error {error_text(error)} ({name})"
    tolerance = TOLERANCE_TEXT.replace("-", MINUS)
    if result.passed:
        return f"{where}, within {tolerance}: backprop agrees with calculus."
    return f"{where}, above {tolerance}: backprop disagrees with calculus."


def table_text(result: GradientCheck) -> str:
    """The pane's text: the verdict, a heading and the rows, the worst last (at most
    `MAX_ROWS` of them, the worst ones, with a line saying how many better ones are left out)."""
    rows = worst_last(result.parameters)
    left_out = max(0, len(rows) - MAX_ROWS)
    rows = rows[left_out:]
    width = max(len(printable(check.name)) for check in rows)
    lines = [
        verdict(result),
        f"{'θ':<{width}}  {'backprop':>{NUMBER_WIDTH}} {'finite diff.':>{NUMBER_WIDTH}} "
        f"{'rel. err':>{ERROR_WIDTH}}",
    ]
    if left_out:
        lines.append(f"… {left_out:,} parameters that agree better are not shown")
    lines.extend(row_text(check, width) for check in rows)
    return "\n".join(lines)


class _Checks:
    """The last few networks' checks, by network (held, so an id is never reused)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[int, tuple[Network, GradientCheck]] = OrderedDict()

    def get(self, network: Network) -> GradientCheck | None:
        kept = self._kept.get(id(network))
        if kept is None or kept[0] is not network:
            return None
        self._kept.move_to_end(id(network))
        return kept[1]

    def put(self, network: Network, result: GradientCheck) -> None:
        self._kept[id(network)] = (network, result)
        self._kept.move_to_end(id(network))
        while len(self._kept) > KEEP_CHECKS:
            self._kept.popitem(last=False)


class GradientCheckView(KnownView, VerticalScroll):
    """Every parameter's backprop gradient, finite difference and relative error for the
    network on screen (`known.network`), the worst last."""

    DEFAULT_CSS: ClassVar[str] = """
    GradientCheckView { height: 1fr; }
    GradientCheckView > #gradcheck-verdict { width: 1fr; }
    GradientCheckView > #gradcheck-table { width: auto; }
    """

    def __init__(self, known: Known, **kwargs: Any) -> None:
        super().__init__(known, **kwargs)
        self._checks = _Checks()
        self._pending: Network | None = None  # the network a thread is checking
        self._text = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="gradcheck-verdict", markup=False)
        yield Static("", id="gradcheck-table", markup=False)

    @property
    def table(self) -> Static:
        return self.query_one("#gradcheck-table", Static)

    @property
    def text(self) -> str:
        """What the pane says now (for tests)."""
        return self._text

    def _say(self, text: str) -> None:
        """Show `text`: its first line wrapped to the pane's width, the table below it."""
        self._text = text
        first, _, rest = text.partition("\n")
        self.query_one("#gradcheck-verdict", Static).update(first)
        self.table.update(rest)

    def on_mount(self) -> None:
        self._draw()

    def on_show(self) -> None:
        self._draw()

    def watch_known(self) -> None:
        self._draw()

    def _draw(self) -> None:
        """Show the check of the network on screen: kept, computed now, or started in a
        thread. Nothing while the pane is hidden."""
        if not self.is_mounted or not self.display:
            return
        network = self.known.network
        if isinstance(network, NetworkSpec):
            self._say("The gradient check starts once the network is built.")
            return
        if self.known.quiz is not None:
            self._say(QUIZ_NOTE)
            return
        kept = self._checks.get(network)
        if kept is not None:
            self._say(table_text(kept))
            return
        if network.n_params * network.n_samples <= THREAD_ABOVE:
            self._show(network, _check(network))
            return
        if self._pending is not network:
            self._pending = network
            self.run_worker(
                lambda: (network, _check(network)),
                name="gradcheck",
                group="gradcheck",
                thread=True,
                exclusive=True,
            )
        self._say(f"Computing the gradient check of {network.n_params:,} parameters…")

    def _show(self, network: Network, result: GradientCheck) -> None:
        self._checks.put(network, result)
        if self.known.network is network:
            self._draw()  # kept now: drawn, unless quiz mode hides it meanwhile

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "gradcheck" or event.state != WorkerState.SUCCESS:
            return
        outcome: tuple[Network, GradientCheck] | None = worker.result
        if outcome is None:
            return
        network, result = outcome
        if self._pending is network:
            self._pending = None
        self._show(network, result)


#: What the pane says in quiz mode, in place of the gradients the quiz asks for.
QUIZ_NOTE = "Hidden in quiz mode: these are the backward pass's answers (z ends the quiz)."


def _check(network: Network) -> GradientCheck:
    from nntui.engine.gradcheck import check_gradients

    return check_gradients(network)
