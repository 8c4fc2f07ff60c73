"""Modal screens: help, asking how many iterations to train, training progress, opening a file.

Every one of them closes at most once (`Dialog.close`): a second enter or escape in the same
burst of keys, or a key that arrives while the screen is closing, does nothing — it can neither
hand the app a second result nor pop a screen that is not its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import os
import re
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.table import Table
from rich.text import Text, TextType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label, ProgressBar, Static

from nntui.engine.text import LINE_LIMIT, printable
from nntui.files import OutsideRootError, within

if TYPE_CHECKING:
    from nntui.engine.network import Network

ResultT = TypeVar("ResultT")

#: The most iterations `t` trains in one run.
MAX_ITERATIONS = 10_000_000
#: After this many seconds of reading a file, the open-file dialog says it is still at it.
SLOW_OPEN_SECONDS = 2.0


class Dialog(ModalScreen[ResultT]):
    """A modal screen that is dismissed at most once, and only while it is on top.

    `on_result`, if given, is called with the result as the screen closes, at once: a key
    that arrives right after (the second enter of a burst) meets what the result opened —
    the training progress screen, say — not the screen beneath the dialog."""

    _dismissing = False

    def __init__(self, *, on_result: Callable[[ResultT | None], None] | None = None) -> None:
        super().__init__()
        self._on_result = on_result

    @property
    def closing(self) -> bool:
        """True once the screen has handed back its result (or is about to)."""
        return self._dismissing

    def close(self, result: ResultT | None = None) -> None:
        """Dismiss with `result`, unless that already happened or another screen is on top."""
        if self._dismissing or not self.is_active:
            return
        self._dismissing = True
        self.dismiss(result)
        if self._on_result is not None:
            self._on_result(result)

    def action_close(self) -> None:
        """Close without a result (Textual's own `dismiss` action would not check that the
        screen closes only once)."""
        self.close()


#: The box every asking dialog sits in ({name}: its class).
BOX_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 64; max-width: 95%; height: auto; max-height: 95%;
    border: round $primary; background: $surface; padding: 0 1;
}}
{name} #error {{ color: $error; height: auto; }}
{name} .hint {{ color: $text-muted; }}
"""


def _one_line(error: Exception) -> Content:
    """An engine refusal as the dialog shows it: one line, control characters visible."""
    return Content(printable(str(error), LINE_LIMIT))


class Asking(Dialog[ResultT]):
    """A dialog of typed fields that hands back what `answer()` makes of them: enter in any
    field asks; a `ValueError` (EditError is one) keeps the dialog open with what was typed
    and the one line saying why, which goes as soon as the text changes; esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def answer(self) -> ResultT:
        """The result of what is typed, or ValueError with one line saying why there is none."""
        raise NotImplementedError

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#error", Label).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.closing:
            return
        try:
            result = self.answer()
        except ValueError as why:
            self.query_one("#error", Label).update(_one_line(why))
            return
        self.close(result)

    def action_cancel(self) -> None:
        self.close(None)


class AskDialog(Asking[ResultT]):
    """One question, one line to type (its text given, selected, so typing replaces it):
    `read(text)` makes the result or refuses it with a `ValueError`."""

    DEFAULT_CSS = BOX_CSS.format(name="AskDialog")

    def __init__(
        self,
        question: str,
        value: str,
        read: Callable[[str], ResultT],
        hint: str,
        *,
        on_result: Callable[[ResultT | None], None] | None = None,
    ) -> None:
        super().__init__(on_result=on_result)
        self.question = question
        self.value = value
        self.read = read
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.question))
            yield Input(self.value, id="value", select_on_focus=True)
            yield Label("", id="error", markup=False)
            yield Label(Content(self.hint), classes="hint")

    def answer(self) -> ResultT:
        return self.read(self.query_one("#value", Input).value)


class HelpScreen(Dialog[None]):
    """Every key of the debugger, read from the app's own bindings so it cannot go stale."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "close help"),
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
            yield Label("Mouse: click a weight, a box or a ledger row to select it (e edits it).")


def parse_iterations(text: str) -> int:
    """The number of iterations `text` asks for: a whole number from 1 to MAX_ITERATIONS,
    digits with `,` or `_` between groups allowed (`1,000`, `1_000`), or a number written
    another way that is exactly such a whole number (`1e3`, `100.0`). Anything else raises
    ValueError saying why, quoting the text with control characters made visible."""
    typed = text.strip()
    shown = printable(typed, 40)
    if not typed:
        raise ValueError(f"type a whole number from 1 to {MAX_ITERATIONS:,}")
    value: Decimal | None = None
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+|[0-9]+(_[0-9]+)*", typed):
        digits = typed.replace(",", "").replace("_", "").lstrip("0") or "0"
        # More digits than the limit has is too many, whatever they are (and int() of
        # thousands of digits is refused by Python itself).
        value = Decimal(digits) if len(digits) <= len(str(MAX_ITERATIONS)) else None
        if value is None:
            raise ValueError(f"{shown} is more than {MAX_ITERATIONS:,}")
    elif re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", typed):
        try:
            value = Decimal(typed)
        except InvalidOperation:  # an exponent beyond what Decimal holds
            value = None
    if value is None:
        raise ValueError(f"{shown} is not a number: type a whole number, 1 to {MAX_ITERATIONS:,}")
    if value > MAX_ITERATIONS:
        raise ValueError(f"{shown} is more than {MAX_ITERATIONS:,}")
    if value != value.to_integral_value():
        raise ValueError(f"{shown} is not a whole number")
    if value < 1:
        raise ValueError(f"{shown} is less than 1: type a whole number, 1 to {MAX_ITERATIONS:,}")
    return int(value)


class TrainDialog(AskDialog[int]):
    """Asks how many iterations to train; dismisses with the number or None. Text that is not
    such a number keeps the dialog open, as typed, with a line saying why it is refused. (A
    plain field: one of type "integer" drops what it does not accept as it is typed, so 1e12
    would become 112 and 1.5 would become 15.)"""

    DEFAULT_CSS = BOX_CSS.format(name="TrainDialog") + "TrainDialog > Vertical { width: 50; }"

    def __init__(
        self, default: int = 100, *, on_result: Callable[[int | None], None] | None = None
    ) -> None:
        super().__init__(
            "Train how many iterations at full speed?",
            str(default),
            parse_iterations,
            f"1 to {MAX_ITERATIONS:,} · enter starts · esc cancels",
            on_result=on_result,
        )
        self.default = default


class TrainProgress(Dialog[None]):
    """Shows training progress; escape asks the worker to stop. The app calls `finish` when
    the run has ended: the screen closes then, or as soon as it is on top again (the help
    screen may be open over it). It sits at the bottom over the step panel, the screen
    beneath it untinted: the graph, the ledger, the loss history and the boundary are the
    live view of the run (`NntuiApp._show_live`), and the app moves the bar from there too."""

    # A modal screen hides the app's keys: those that make sense while a run trains are
    # bound here again (the help, the theme for a projector, a picture of the live view).
    BINDINGS = [
        Binding("escape,c", "cancel_training", "cancel", key_display="esc"),
        Binding("question_mark", "app.help", "help", key_display="?"),
        Binding("d", "app.toggle_theme", "theme"),
        Binding("k", "app.keep", "keep"),
    ]
    DEFAULT_CSS = """
    TrainProgress { align: center bottom; background: $background 0%; }
    TrainProgress > Vertical {
        width: 60; height: auto; border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, total: int, on_cancel: Callable[[], None]) -> None:
        super().__init__()
        self.total = total
        self._on_cancel = on_cancel
        self._finished = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Training {self.total:,} iterations…", id="title")
            yield ProgressBar(total=self.total, show_eta=True, id="bar")
            yield Label("esc cancels (the iterations done so far are kept)")

    def advance_to(self, done: int) -> None:
        if not self._finished:
            self.query_one(ProgressBar).update(progress=done)

    def action_cancel_training(self) -> None:
        if self._finished:
            return
        self.query_one("#title", Label).update("Cancelling…")
        self._on_cancel()

    def finish(self) -> None:
        """The training run has ended: close now, or when the screen over this one closes."""
        self._finished = True
        self.close()

    def on_screen_resume(self) -> None:
        if self._finished:
            self.close()


class NetworkTree(DirectoryTree):
    """The folders under a directory and the network files (.toml, .json) in them: no hidden
    entries, nothing that is not a regular file (a FIFO would block whoever reads it), at most
    MAX_ENTRIES entries read per folder. Names are shown with control characters visible."""

    MAX_ENTRIES = 2000
    SUFFIXES = (".toml", ".json")
    # Plain marks: Textual's folder and page emoji are missing from many terminal fonts.
    ICON_NODE = "▸ "
    ICON_NODE_EXPANDED = "▾ "
    ICON_FILE = "  "

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        kept = []
        for path in itertools.islice(paths, self.MAX_ENTRIES):
            if path.name.startswith("."):
                continue
            try:
                if path.is_dir() or (path.suffix.lower() in self.SUFFIXES and path.is_file()):
                    kept.append(path)
            except OSError:  # cannot even be looked at: not offered
                continue
        return kept

    def process_label(self, label: TextType) -> Text:
        # Tree's own reads a str as markup: a file named "[b]x.toml" would be restyled.
        plain = label.plain if isinstance(label, Text) else label
        return Text(printable(plain))


class OpenFileDialog(Dialog["tuple[Network, str] | None"]):
    """Asks for a network file (TOML or JSON) or a preset name, typed or picked from the tree
    of the current directory, and loads it. It closes only when the network is loaded,
    handing it back with the text that named it; a file that cannot be loaded keeps it open
    with the typed path as it was and one line saying why. Files are read in a thread, so a
    slow one cannot freeze the screen: after SLOW_OPEN_SECONDS the dialog says it is still
    reading, and esc cancels.

    Confined (`nntui serve`: the app's `root` is a directory), it opens presets and files under
    that directory only: every typed path is resolved by `nntui.files.within`, so `../x.toml`,
    `/etc/passwd` or a link that leads out is refused with one line, before anything is read,
    and the tree of files starts at the root."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        # The screen's own: the app acts on next to nothing while a dialog is open.
        Binding("tab", "switch_field", "files", show=False),
        Binding("shift+tab", "switch_field", "path", show=False),
    ]
    DEFAULT_CSS = """
    OpenFileDialog { align: center middle; }
    OpenFileDialog > Vertical {
        width: 80; max-width: 95%; height: 24; max-height: 95%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    OpenFileDialog #status { height: auto; color: $text-muted; }
    OpenFileDialog #status.-error { color: $error; }
    OpenFileDialog NetworkTree { height: 1fr; background: $surface; }
    """

    class Loaded(Message):
        """A file read in the loading thread: the network, or why there is none."""

        def __init__(self, attempt: int, typed: str, outcome: Network | str) -> None:
            super().__init__()
            self.attempt = attempt
            self.typed = typed
            self.outcome = outcome

    def __init__(
        self, *, on_result: Callable[[tuple[Network, str] | None], None] | None = None
    ) -> None:
        super().__init__(on_result=on_result)
        self._attempt = 0
        self._loading: str | None = None  # what is being read now

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open a network file (.toml or .json) or a preset name:")
            yield Input(placeholder="path/to/network.toml, or xor", id="path")
            yield Label("", id="status", markup=False)
            yield NetworkTree(self._base_directory(), id="tree")
            yield Label("enter opens · tab goes to the files · esc cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.load(event.value)

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        typed = _relative(event.path, self._base_directory())
        self.query_one("#path", Input).value = typed
        self.load(typed)

    def load(self, typed: str) -> None:
        """Read the network `typed` names (a path or a preset name) in a thread; the result
        comes back as a `Loaded` message. The same text asked for again while it is being
        read (a second enter) is not read twice."""
        if self.closing:
            return
        name = typed.strip()
        if not name:
            self._say("type the path of a network file, or a preset name", error=True)
            return
        if name == self._loading:
            return
        try:
            target = readable_target(name, self._root)
        except OutsideRootError:
            self._say(f"{printable(name, LINE_LIMIT)}: {REFUSED_OUTSIDE_ROOT}", error=True)
            return
        except ValueError:  # a NUL character
            self._say(f"{printable(name, LINE_LIMIT)}: not a usable file name", error=True)
            return
        self._attempt += 1
        self._loading = name
        attempt = self._attempt
        self._say(f"reading {printable(name, LINE_LIMIT)}…")
        # In the app's context, so the thread can find the app to post its result to.
        context = contextvars.copy_context()
        threading.Thread(
            target=context.run,
            args=(self._read, attempt, name, target),
            name="nntui-open",
            daemon=True,
        ).start()
        self.set_timer(SLOW_OPEN_SECONDS, lambda: self._still_reading(attempt, name))

    @property
    def busy(self) -> bool:
        """True while a network is being read (a replay waits for it, as a user would)."""
        return self._loading is not None and not self.closing

    @property
    def _root(self) -> str | None:
        """The directory the app is confined to (`nntui serve`), or None."""
        root = getattr(self.app, "root", None)
        return None if root is None else os.fspath(root)

    def _base_directory(self) -> Path:
        """Where the tree of files starts and what a picked file's path is relative to."""
        root = self._root
        return Path(root) if root is not None else _start_directory()

    def _read(self, attempt: int, name: str, target: str) -> None:
        """In the loading thread (a daemon: one stuck on a file never keeps the app from
        ending), `target` is what `name` names (`readable_target`). Posting a message is safe
        from any thread."""
        from nntui.engine.loader import NetworkFileError
        from nntui.engine.presets import resolve_network

        outcome: Network | str
        try:
            outcome = resolve_network(target)
        except NetworkFileError as error:
            # Named as the user typed it, not as resolved under the root.
            outcome = str(error).replace(target, name, 1) if target != name else str(error)
        except Exception as error:  # e.g. MemoryError building a huge network: say so
            outcome = f"{name}: cannot open: {type(error).__name__}: {error}"
        with contextlib.suppress(RuntimeError):  # the app has ended: nobody to tell
            self.post_message(self.Loaded(attempt, name, outcome))

    def on_open_file_dialog_loaded(self, message: Loaded) -> None:
        message.stop()
        if message.attempt != self._attempt or self.closing:
            return  # a read that was asked for again, or cancelled
        self._loading = None
        if isinstance(message.outcome, str):
            self._say(printable(message.outcome, LINE_LIMIT), error=True)
            return
        self.close((message.outcome, message.typed))

    def _still_reading(self, attempt: int, name: str) -> None:
        if attempt == self._attempt and self._loading == name and not self.closing:
            self._say(f"still reading {printable(name, LINE_LIMIT)}… (esc cancels)")

    def _say(self, line: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Label)
        status.set_class(error, "-error")
        status.update(Content(line))

    def action_switch_field(self) -> None:
        """From the path to the tree of files, and back."""
        self.focus_next()

    def action_cancel(self) -> None:
        self._attempt += 1  # whatever is still being read is dropped when it arrives
        self.close(None)


def _start_directory() -> Path:
    """The current directory, or the home directory if the current one is gone."""
    try:
        return Path.cwd()
    except OSError:
        return Path.home()


def _relative(path: Path, base: Path) -> str:
    """`path` relative to `base` when it is under it, as a user would type it."""
    try:
        return str(path.relative_to(base))
    except (OSError, ValueError):
        return str(path)


#: The open-file dialog's line for a path that leads out of the directory it is confined to.
REFUSED_OUTSIDE_ROOT = (
    "refused: only presets and files under the directory nntui serve was started in can be opened"
)


def readable_target(name: str, root: str | None) -> str:
    """What the open-file dialog reads for the text `name`: `name` itself (`~` expanded) when
    not confined; confined to `root`, the path resolved under it (`within`: `OutsideRootError`
    for one that leads out), or a preset's name when no file under the root is called so."""
    if root is None:
        return _expand(name)
    from nntui.engine.presets import PRESETS

    path = within(root, name)
    if name in PRESETS and not os.path.lexists(path):
        return name
    return path


def _expand(name: str) -> str:
    """`~` and `~user` expanded (a `~user` that names no user stays as typed)."""
    return os.path.expanduser(name)
