"""Modal screens: help, asking how many iterations to train, training progress, opening a file."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Static


class HelpScreen(ModalScreen[None]):
    """Every key of the debugger, read from the app's own bindings so it cannot go stale."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "close help"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 86; max-width: 95%; height: auto; max-height: 95%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for keys, description in self.rows:
            table.add_row(keys, description)
        with VerticalScroll():
            yield Label("[b]nntui keys[/b]  (esc closes)")
            yield Static(table)
            yield Label("Mouse: click a box of the graph or a ledger row for its values so far.")


class TrainDialog(ModalScreen[int | None]):
    """Asks how many iterations to train; dismisses with the number or None."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    TrainDialog { align: center middle; }
    TrainDialog > Vertical {
        width: 50; height: auto; border: round $primary; background: $surface; padding: 0 1;
    }
    TrainDialog #error { color: $error; height: auto; }
    """

    def __init__(self, default: int = 100) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Train how many iterations at full speed?")
            yield Input(str(self.default), id="steps", type="integer")
            yield Label("", id="error")
            yield Label("enter starts · esc cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text.isdigit() or not 1 <= int(text) <= 10_000_000:
            self.query_one("#error", Label).update("a whole number from 1 to 10,000,000")
            return
        self.dismiss(int(text))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TrainProgress(ModalScreen[None]):
    """Shows training progress; escape asks the worker to stop."""

    BINDINGS = [Binding("escape,c", "cancel_training", "cancel", key_display="esc")]
    DEFAULT_CSS = """
    TrainProgress { align: center middle; }
    TrainProgress > Vertical {
        width: 60; height: auto; border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, total: int, on_cancel: object) -> None:
        super().__init__()
        self.total = total
        self._on_cancel = on_cancel

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Training {self.total:,} iterations…", id="title")
            yield ProgressBar(total=self.total, show_eta=True, id="bar")
            yield Label("esc cancels (the iterations done so far are kept)")

    def advance_to(self, done: int) -> None:
        self.query_one(ProgressBar).update(progress=done)

    def action_cancel_training(self) -> None:
        self.query_one("#title", Label).update("Cancelling…")
        callback = self._on_cancel
        if callable(callback):
            callback()


class OpenFileDialog(ModalScreen[str | None]):
    """Asks for the path of a network file (TOML or JSON)."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    OpenFileDialog { align: center middle; }
    OpenFileDialog > Vertical {
        width: 70; height: auto; border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open a network file (.toml or .json):")
            yield Input(placeholder="path/to/network.toml", id="path")
            yield Label("enter opens · esc cancels")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
