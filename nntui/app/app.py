"""The nntui debugger app: a Textual view of a `Session`, driven by keys.

Opened on a `NetworkSpec` (what `nntui` does), the app draws its first frame from an `Opening`
— the ready state, which shows only the file's own numbers — before NumPy is imported, then
builds the `Session` right after that frame is painted. A key pressed in between builds it at
once. This module imports no NumPy; the engine is imported when the session is built.

State reaches the widgets one way: after every change the app sets its reactive `known` to the
session's answer at the cursor (`Session.view()`), and each view is bound to it
(`data_bind`). Views tell the app what the user picked with messages (`ParameterSelected`,
`NodeSelected`); the help screen is written from the bindings' own texts.

Asking "what if?": one number is selected at a time (`selected`: a click, or tab through the
inputs, weights and biases, targets and the learning rate) and `e` edits it in a dialog
(`nntui.app.edit_dialogs`) that refuses what the engine refuses; `a` picks an activation (with
the loss, for the output layer), `A`/`X` and the palette change the architecture, `n` builds a
new network, `s` saves the one on screen. Every edit is a `Session.edit` — the iteration traced
again from READY, undone by ← — and the graph marks the selection, the edited numbers and those
the last update changed (`marks`, a `nntui.app.marks.Marks`). `p` swaps the loss history for
the predictions pane, `b` for the decision boundary — for a network without 2 inputs, whose
input plane cannot be drawn, the predictions pane stands in for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.actions import SkipAction
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.keys import format_key
from textual.reactive import var
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static

from nntui.app.boundary import BoundaryView
from nntui.app.gradcheck_view import GradientCheckView
from nntui.app.graph import GraphView
from nntui.app.keybar import KeyBar
from nntui.app.ledger import Ledger, row_width
from nntui.app.loss_history import LossHistory
from nntui.app.marks import NO_MARKS, Marks
from nntui.app.messages import NodeSelected, ParameterSelected
from nntui.app.predictions import Predictions
from nntui.app.step_panel import StepPanel
from nntui.app.title import TitleBar
from nntui.editable import LEARNING_RATE, Editable, InputRef, TargetRef
from nntui.engine.numbers import MAX_PRECISION, MIN_PRECISION, fmt_result
from nntui.engine.spec import GRANULARITIES, NetworkSpec, ParamRef
from nntui.engine.text import LINE_LIMIT, printable
from nntui.opening import Opening
from nntui.view_state import Known, known_at

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from nntui.app.base import Shown
    from nntui.breakpoints import Condition, Stop, UntilRun
    from nntui.engine.network import Network
    from nntui.recording import Recording, RecordingFile
    from nntui.session import Session

#: Below this the app shows what size it needs instead of a squashed layout.
MIN_WIDTH, MIN_HEIGHT = 60, 16
#: Below this width the side panels give way to the graph; keys 1/2/3 switch between them.
NARROW_WIDTH = 110
DARK, LIGHT = "nntui-dark", "nntui-light"
#: Frames a second of the live view during `t`: the boundary, the loss history, the ledger
#: and the graph drawn from the training run's latest snapshot (at least 10).
LIVE_FPS = 20
#: A run-until steps this many seconds between redraws (and looks at esc between them).
UNTIL_SLICE = 0.05
UNTIL_PAUSE = 0.01
#: Seconds after a key when `--record` writes its file again (the end of the session writes it
#: too): closing the terminal loses at most this moment of keys.
KEEP_AFTER = 2.0
#: The longest a replay waits for what one key started (a training run, a file being read).
REPLAY_WAIT = 600.0
#: Training steps between the training thread's looks at the clock (and at esc): a frame's
#: snapshot is handed over within a few milliseconds of being due, at a cost of one clock
#: read per chunk.
LIVE_CHUNK = 16

# Textual's own themes, with a light one whose highlight stays dark enough for a projector.
DARK_THEME = Theme(
    name=DARK,
    primary="#0178D4",
    secondary="#4a90c8",
    accent="#ffa62b",
    warning="#e5c07b",
    error="#ba3c5b",
    success="#4EBF71",
    foreground="#e0e0e0",
    dark=True,
)
LIGHT_THEME = Theme(
    name=LIGHT,
    primary="#004578",
    secondary="#0178D4",
    accent="#b34700",
    warning="#9a6700",
    error="#b3261e",
    success="#1a7f37",
    foreground="#1f1f1f",
    background="#f5f5f5",
    surface="#ffffff",
    panel="#e4e4e4",
    dark=False,
    variables={"footer-key-foreground": "#004578"},
)


#: The title of the toast that says what tab selected (one at a time).
SELECTED_TOAST = "selected"

#: Keys the help spells out where the footer writes a pictogram (⏎): a newcomer reads
#: "enter" at once. Keys with a modifier are written as typed too (`ctrl+p`, not `^p`).
SPELLED_OUT = frozenset({"enter"})


#: Bindings the help writes in the row of another (action → the other's action): one row
#: says what both do.
#: What the narrow layout's pane keys say (one help row for 1, 2 and 3).
PANES_HELP = "narrow terminals: show the graph / the ledger / the loss history"
DECIMALS_HELP = "more / fewer decimals"
RUN_UNTIL_HELP = "run until a ReLU switches off, the loss rises… (esc stops it)"

HELP_TOGETHER = {
    "select(-1)": "select(1)",
    "remove_neuron": "add_neuron",
    "pane('ledger')": "pane('graph')",
    "pane('loss')": "pane('graph')",
    "less_precision": "more_precision",
    "samples(-1)": "samples(1)",
    "guess": "quiz",
    "stop_run": "run_until",
}


#: The actions that act under a dialog (help, train, open file, training progress) too.
UNDER_DIALOGS = frozenset({"quit", "toggle_theme", "help", "focus_next", "focus_previous", "keep"})


def help_keys(binding: Binding) -> str:
    """A binding's keys as the help lists them: `space, →`, `+, =`. The first is written as
    the footer writes it (the binding's `key_display`), the others as Textual writes keys."""
    keys = binding.key.split(",")
    written = []
    for position, key in enumerate(keys):
        if position == 0 and binding.key_display:
            written.append(binding.key_display)
        elif key in SPELLED_OUT or "+" in key:
            written.append(key)
        else:
            written.append(format_key(key))
    return ", ".join(written)


def _no_answer_yet() -> Known:
    raise RuntimeError("the app sets its answer as it is made")


class NntuiApp(App[int]):
    """Step through one training iteration of a small network, number by number."""

    CSS_PATH = "nntui.tcss"
    TITLE = "nntui"
    ENABLE_COMMAND_PALETTE = True

    # Footer order = importance: a narrow terminal cuts the footer's end. The description is
    # the footer's word, the tooltip what the help screen says of the key.
    BINDINGS = [
        Binding(
            "space,right",
            "next",
            "next",
            key_display="space",
            tooltip="next step (past the last step: the next iteration)",
        ),
        Binding(
            "left",
            "step_back",
            "back",
            key_display="←",
            tooltip="previous step — also across iterations, training and reset",
        ),
        Binding(
            "right_square_bracket",
            "next_phase",
            "phase▸",
            key_display="]",
            tooltip="jump to the next phase",
        ),
        Binding(
            "left_square_bracket",
            "previous_phase",
            "◂phase",
            key_display="[",
            tooltip="jump to the start of this phase, or the previous one",
        ),
        Binding(
            "enter",
            "finish",
            "finish",
            tooltip="finish the iteration (straight to the loss after the update)",
        ),
        Binding(
            "1",
            "pane('graph')",
            "graph",
            tooltip=PANES_HELP,
        ),
        Binding("2", "pane('ledger')", "ledger", tooltip=PANES_HELP),
        Binding("3", "pane('loss')", "loss", tooltip=PANES_HELP),
        Binding(
            "t",
            "train",
            "train",
            tooltip="train N iterations at full speed (asks N; esc cancels)",
        ),
        Binding("question_mark", "help", "help", key_display="?", tooltip="this help"),
        Binding("q", "quit", "quit"),
        Binding(
            "g",
            "granularity",
            "granularity",
            tooltip="step granularity: parameter → neuron → layer",
        ),
        Binding(
            "plus,equals_sign",
            "more_precision",
            "decimals",
            key_display="+",
            tooltip=DECIMALS_HELP,
        ),
        Binding("minus", "less_precision", "decimals", key_display="-", tooltip=DECIMALS_HELP),
        Binding("r", "reset", "reset", tooltip="reset to the starting network"),
        Binding(
            "tab",
            "select(1)",
            "select",
            key_display="tab",
            show=False,  # the footer stays as it was (every snapshot shows it); help lists it
            priority=True,
            tooltip="select a number to edit: x, w, b, y, µ (or click it)",
        ),
        Binding(
            "shift+tab",
            "select(-1)",
            "select",
            show=False,
            priority=True,
            tooltip="select a number to edit: x, w, b, y, µ (or click it)",
        ),
        Binding(
            "e",
            "edit",
            "edit",
            tooltip="edit the selected number (the iteration starts again; ← undoes)",
        ),
        Binding(
            "a",
            "activation",
            "activation",
            show=False,
            tooltip="the selected layer's activation (the output's with the loss)",
        ),
        Binding(
            "A",
            "add_neuron",
            "neuron+",
            key_display="A",
            show=False,
            tooltip="add / remove a neuron of the selected layer (palette: layers)",
        ),
        Binding(
            "X",
            "remove_neuron",
            "neuron−",
            key_display="X",
            show=False,
            tooltip="add / remove a neuron of the selected layer (palette: layers)",
        ),
        Binding(
            "n",
            "new_network",
            "new",
            show=False,
            tooltip="a new network: shape, activations, loss, init, seed (← returns)",
        ),
        Binding(
            "s",
            "save",
            "save",
            show=False,  # in the help and the palette; the footer keeps its keys
            tooltip="save the network as it is now to a .toml or .json file",
        ),
        Binding(
            "p",
            "predictions",
            "predictions",
            show=False,
            tooltip="predictions: each sample's output and target (or the loss history)",
        ),
        Binding(
            "b",
            "boundary",
            "boundary",
            show=False,
            tooltip="decision boundary: the input plane coloured by the output",
        ),
        Binding(
            "c",
            "gradcheck",
            "gradient check",
            show=False,
            tooltip="gradient check: backprop beside finite differences",
        ),
        Binding(
            "u",
            "run_until",
            "run until",
            show=False,
            tooltip=RUN_UNTIL_HELP,
        ),
        Binding(
            "greater_than_sign",
            "samples(1)",
            "samples▸",
            key_display=">",
            tooltip="big data sets: step through the next / previous 16 samples",
        ),
        Binding(
            "less_than_sign",
            "samples(-1)",
            "◂samples",
            key_display="<",
            tooltip="big data sets: step through the next / previous 16 samples",
        ),
        Binding("d", "toggle_theme", "theme", tooltip="dark / light theme (for projectors)"),
        Binding("escape", "stop_run", "stop", show=False, tooltip=RUN_UNTIL_HELP),
        Binding(
            "z",
            "quiz",
            "quiz",
            show=False,
            tooltip="quiz: hide each step's result until the next key; i guesses",
        ),
        Binding(
            "i",
            "guess",
            "guess",
            show=False,
            tooltip="quiz: hide each step's result until the next key; i guesses",
        ),
        Binding(
            "k",
            "keep",
            "keep",
            show=False,
            tooltip="keep the screen as a numbered SVG picture (nntui-001.svg, …)",
        ),
        # Textual's own palette key, declared here so the help can say what the palette offers.
        Binding(
            "ctrl+p",
            "command_palette",
            "palette",
            show=False,
            priority=True,
            tooltip="command palette: presets, open a network file",
        ),
    ]

    known: var[Known] = var(_no_answer_yet, init=False, bindings=True)
    """What the class knows at the cursor: the answer every view draws (bound to theirs).
    Set by `refresh_views()`; a new one also refreshes which keys can act."""

    marks: var[Marks] = var(NO_MARKS, init=False)
    """What the graph marks: the selected number, the edited ones, those the update changed."""

    source: var[str] = var("worked-example", init=False)
    """Where the network on screen came from: a preset's name or the path of its file."""

    def __init__(
        self,
        network: Network | NetworkSpec,
        *,
        source: str = "worked-example",
        root: str | None = None,
        recording: Recording | None = None,
        replay: Recording | None = None,
        keeping: RecordingFile | None = None,
    ) -> None:
        super().__init__()
        #: Where the recording is written, a moment after each key and at the end.
        self.keeping = keeping
        self._keep_pending = False
        #: The directory files are confined to (`nntui serve`); None: anywhere.
        self.root = root
        #: Where the keys of this session are noted (`nntui --record`); None: nowhere.
        self.recording = recording
        #: The recording this session plays first (`nntui --replay`), and while it plays.
        self.replay = replay
        #: True from the start until the replay's last key is handled.
        self.replaying = replay is not None
        #: What the run-until dialog offers: the condition typed last.
        self._run_until_typed = "relu"
        #: The run-until going on (a slice at a time), and whether esc asked it to stop.
        self._until: UntilRun | None = None
        self._until_cancelled = False
        #: The run-untils still to replay: how many steps each took.
        self._replay_untils: list[int] = list(replay.until) if replay else []
        #: The training runs still to replay: where esc stopped each (None: it ran to its end).
        self._replay_runs: list[int | None] = list(replay.runs) if replay else []
        #: The key events the replay sent (the user's, meanwhile, are left out).
        self._replayed: set[events.Key | events.Paste] = set()
        #: How many of the recording's keys to keep if the app quits now: those before the
        #: last key pressed on the debugger's own screen (`q`, or ctrl+p that opened the
        #: palette to quit from): a replay must not quit.
        self._keys_to_keep = 0
        #: The keys not yet handed on, and the task that hands them on (`on_event`).
        self._keys: asyncio.Queue[events.Key | events.Paste] = asyncio.Queue()
        self._delivering = False
        #: The number `e` edits (keyboard: tab; mouse: a weight, a box, a ledger row).
        self.selected: Editable | None = None
        self._selectable: tuple[object, int, tuple[Editable, ...]] | None = None
        self._selection_line = ""
        self._selection_pending = False
        self._session: Session | None = None
        #: What the views draw: the opening until the session is built, then the session.
        self.shown: Shown
        if isinstance(network, NetworkSpec):
            self.shown = Opening(network)
        else:
            from nntui.session import Session

            self._session = self.shown = Session(network)
        self.set_reactive(NntuiApp.source, source)
        self.set_reactive(NntuiApp.known, self._answer())
        self.pane = "graph"
        self._cancel = threading.Event()
        self.training = False
        #: The running training's hand-over to the screen (None when no run is going on),
        #: the snapshot last drawn, and how many live frames were drawn (for the benchmark).
        self._live: LiveFeed | None = None
        self._live_shown: object = None
        self.live_frames = 0
        self._side_width = ""
        #: The pane asked for in the loss history's place (`p`, `b`), None for the history.
        self._pane_choice: str | None = None
        self._views_made = False
        #: Why the app could not go on, for the command line to print once the screen is back.
        self.failure: str | None = None
        self.register_theme(DARK_THEME)
        self.register_theme(LIGHT_THEME)
        # Start in the dark theme without the theme watcher, which re-parses and re-applies
        # all CSS (~10 ms of the first frame) although none has been read yet: what it does
        # that matters before then is the theme's class and its CSS variables. (The dark
        # theme is dark like Textual's default, so the rest stays as it is.)
        self.set_reactive(NntuiApp.theme, DARK)
        self.set_class(True, f"-theme-{DARK}", update=False)
        self.stylesheet.set_variables(self.get_css_variables())

    @property
    def session(self) -> Session:
        """The debugger session; opened on a spec, the app builds it on first use."""
        if not self._open():
            raise RuntimeError(self.failure)
        assert self._session is not None
        return self._session

    def _open(self) -> bool:
        """Build the session from the opening (once) and hand it to the views. If it cannot be
        built (a network too big for memory), the app leaves as the command line would have:
        one line (`failure`), exit status 2, no traceback; the answer is then False."""
        if self._session is not None:
            return True
        if self.failure is not None:
            return False
        from nntui.session import Session

        spec = self.shown.network
        assert isinstance(spec, NetworkSpec)  # the opening's: a network file's plain numbers
        try:
            session = Session(spec.build())
        except Exception as error:
            name = spec.name or self.source
            self.failure = f"cannot open {name}: {type(error).__name__}: {error}"
            self.exit(return_code=2)
            return False
        self._session = self.shown = session
        self.refresh_views()
        return True

    def _answer(self) -> Known:
        """The session's answer at the cursor; the opening's (its ready state) until the
        session is built."""
        if self._session is not None:
            return self._session.view()
        return known_at(self.shown)

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        known = self.known
        yield TitleBar(known, self.source, id="title").data_bind(NntuiApp.known, NntuiApp.source)
        with Vertical(id="body"):
            with Horizontal(id="main"):
                yield GraphView(known, id="graph").data_bind(NntuiApp.known, NntuiApp.marks)
                with Vertical(id="side"):
                    yield Ledger(known, id="ledger").data_bind(NntuiApp.known, NntuiApp.marks)
                    yield LossHistory(known, id="loss").data_bind(NntuiApp.known)
                    yield Predictions(known, id="predictions").data_bind(NntuiApp.known)
                    yield BoundaryView(known, id="boundary").data_bind(NntuiApp.known)
                    yield GradientCheckView(known, id="gradcheck").data_bind(NntuiApp.known)
            yield StepPanel(known, id="step").data_bind(NntuiApp.known)
        yield Static("", id="too-small")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self._views_made = True
        self._apply_size(self.size.width, self.size.height)
        if self._session is None:
            self.call_after_refresh(self._finish_opening)
        if self.recording is not None or self.replay is not None:
            self.call_after_refresh(self._start_keeping)

    def _finish_opening(self) -> None:
        """Build the session once the opening — the whole first screen — has been drawn."""
        self._open()

    def on_resize(self, event: Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    @property
    def main_screen(self) -> Screen:
        """The debugger's own screen, under any dialog that is open."""
        return self.screen_stack[0]

    def get_default_screen(self) -> Screen:
        """The debugger's screen, born with the classes of the terminal's size: changing them
        after the CSS is applied would apply it all again before the first frame."""
        return Screen(id="_default", classes=" ".join(sorted(self._size_classes(*self.size))))

    def _size_classes(self, width: int, height: int) -> set[str]:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        wanted = {f"pane-{self.pane}"}
        wanted |= {"narrow"} if width < NARROW_WIDTH else set()
        wanted |= {"too-small"} if small else set()
        return wanted

    def _apply_size(self, width: int, height: int) -> None:
        screen = self.main_screen
        wanted = self._size_classes(width, height)
        small = "too-small" in wanted
        ours = {"narrow", "too-small", "pane-graph", "pane-ledger", "pane-loss"}
        classes = (set(screen.classes) - ours) | wanted
        if classes != set(screen.classes):
            screen.set_classes(classes)  # one restyle, not one per class
        self._size_side()
        if small:
            self.query_one("#too-small", Static).update(
                f"nntui needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; "
                f"this one is {width}×{height}. Make it larger (or the font smaller)."
            )
        self.refresh_bindings()

    def _size_side(self) -> None:
        """The side panel grows with the decimals, so the ledger's "new" column stays in
        view; on a narrow terminal it takes the whole width when it is shown."""
        narrow = self.main_screen.has_class("narrow")
        width = "1fr" if narrow else str(row_width(self.known) + 2)
        if width != self._side_width:
            self._side_width = width
            self.query_one("#side").styles.width = width

    # -- keeping the views in step --------------------------------------------------------------
    def refresh_views(self) -> None:
        """Publish the session's answer at the cursor: call after every change to the session
        (the actions do; tests that move `app.session` directly call it themselves). The
        views are bound to `known`; an unchanged session gives the same answer, and nothing
        is drawn again."""
        answer = self._answer()
        if self._views_made:
            self.known = answer
            self.marks = self._marks()
        else:  # nothing to draw into yet; the views are made from it
            self.set_reactive(NntuiApp.known, answer)
            self.set_reactive(NntuiApp.marks, self._marks())

    def _marks(self) -> Marks:
        session = self._session
        if session is None:
            return Marks(self.selected)
        return Marks(self.selected, session.edited, session.changed)

    def watch_known(self) -> None:
        self._size_side()
        self._show_pane()

    # -- what the views tell the app ---------------------------------------------------------------
    def on_parameter_selected(self, message: ParameterSelected) -> None:
        """A ledger row or a weight's label was clicked: select it (`e` edits it) and say
        what is known of it so far."""
        self._select(message.param)
        self._note_selection()
        title = "parameter selected · e edits it"
        self.notify(message.summary, title=title, timeout=8, markup=False)

    def on_node_selected(self, message: NodeSelected) -> None:
        """A box of the graph was clicked: select its number — an input x, a neuron's bias,
        the target y — and say what is known of that node so far."""
        column, neuron = message.node
        if self._open():
            net = self.session.network
            sample = self.known.sample
            if column == 0 and neuron is not None:
                self._select(InputRef(sample, neuron))
            elif column == len(net.layers) + 1:
                self._select(TargetRef(sample, 0))
            elif neuron is not None:
                self._select(ParamRef(column - 1, "bias", neuron))
            self._note_selection()
        title = "node selected · e edits it" if self._session is not None else "node"
        self.notify(message.summary, title=title, timeout=8, markup=False)

    # -- keep and replay ---------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        """Every key the app receives passes here first (Textual's own entry for input). Keys
        are handed on one at a time, each once the one before has done all it does
        (`_deliver_keys`): a burst typed faster than the screen follows — `t 2 0 enter`, the
        dialog opening between `t` and `2` — means what it means when typed slowly, and a
        replay of the same keys does the same. While a replay plays, keys typed meanwhile are
        left out (all but those that quit)."""
        if isinstance(event, events.MouseEvent) and self.replaying:
            return  # a click would change what the replay reaches
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            replayed = event in self._replayed
            self._replayed.discard(event)
            quits = isinstance(event, events.Key) and event.key in _quit_keys()
            if self.replaying and not replayed and not quits:
                return
            self._keys.put_nowait(event)
            if not self._delivering:
                self._delivering = True
                self.run_worker(self._deliver_keys(), group="keys")
            return
        await super().on_event(event)

    def _quitting(self) -> bool:
        """Whether the app is ending (Textual's flag that `exit` was asked for). A recording
        then leaves out the keys that led to it: from the last one on the debugger's own
        screen on (`q`, or ctrl+p that opened the palette to quit from)."""
        quitting = bool(getattr(self, "_exit", False))
        if quitting and self.recording is not None:
            del self.recording.keys[self._keys_to_keep :]
        return quitting

    def _keep_soon(self) -> None:
        """Write the recording a moment after a key (once for a burst of them)."""
        if self.keeping is not None and not self._keep_pending:
            self._keep_pending = True
            self.set_timer(KEEP_AFTER, self._keep_now)

    def _keep_now(self) -> None:
        from nntui.recording import RecordingError

        self._keep_pending = False
        if self.keeping is None:
            return
        try:
            self.keeping.save()
        except RecordingError as error:
            self.notify(str(error), title="recording", severity="error", markup=False)

    async def _deliver_keys(self) -> None:
        """Hand the keys to Textual in order, each after the one before is handled in full;
        done when none is left (the next key starts another). A recording notes each key as
        it is handed on (not while a training run goes on: esc's stop is noted as the run's)."""
        try:
            while not self._keys.empty():
                event = self._keys.get_nowait()
                try:
                    if self.recording is not None and not self.training and self._until is None:
                        self.recording.note_key(recorded_key(event))
                        self._keep_soon()
                        if self.screen is self.main_screen and isinstance(event, events.Key):
                            self._keys_to_keep = len(self.recording.keys) - 1
                    await super().on_event(event)
                    if not self._quitting():
                        await self._handled()
                    self._quitting()
                finally:
                    self._keys.task_done()
        finally:
            # Set in the same step that found the queue empty: a key that comes after it
            # starts the next worker.
            self._delivering = False

    def _start_keeping(self) -> None:
        """Once the session is built: note which network a recording is of, and start playing
        the recording to replay (saying if its network is not the one recorded)."""
        if not self._open():
            self.replaying = False
            return
        from nntui.engine.loader import dumps_json
        from nntui.recording import fingerprint

        opened = fingerprint(dumps_json(self.session.initial))
        if self.recording is not None and self.recording.network_sha256 is None:
            self.recording.network_sha256 = opened
        replay = self.replay
        if replay is None:
            return
        if replay.network_sha256 not in (None, opened):
            self.notify(
                "The network is not the one the recording was made on (its file changed?): "
                "the replay may not reach the recorded state.",
                title="replay",
                severity="warning",
                timeout=10,
            )
        self.run_worker(self._play(replay), exclusive=True, group="replay")

    async def _play(self, replay: Recording) -> None:
        """Send the recording's keys, each once the one before is handled in full (a dialog
        opened, a training run finished): the same keys then do the same things."""
        from nntui.recording import SELECT

        try:
            for key in replay.keys:
                if key.startswith(SELECT):
                    self._replay_selection(int(key.removeprefix(SELECT)))
                else:
                    event = key_event(key)
                    self._replayed.add(event)
                    self.post_message(event)
                    await self._handed_on(event)
                await self._settled()
        finally:
            self.replaying = False
            self._replayed.clear()
        count = len(replay.keys)
        self.notify(
            f"Replayed {count:,} key{'' if count == 1 else 's'} (← goes back step by step).",
            title="replay",
            timeout=4,
        )

    async def _settled(self, limit: float = REPLAY_WAIT) -> None:
        """Wait until what the last key started is over — a training run (it shows its
        progress; q quits), a network file being read (at most `limit` seconds: a file that
        never answers does not hold the replay) — as a person would before the next key."""
        deadline = time.monotonic() + limit
        while (
            self.training
            or self._until is not None
            or (getattr(self.screen, "busy", False) and time.monotonic() < deadline)
        ):
            await asyncio.sleep(0.02)
            await self._handled()

    async def _handed_on(self, event: events.Key | events.Paste) -> None:
        """Wait until `event` has gone through `on_event` and been handled in full."""
        while event in self._replayed:
            await asyncio.sleep(0.001)
        await self._keys.join()

    async def _handled(self, most: int = 64) -> None:
        """Wait until the last key sent is handled in full. A key travels from queue to queue —
        the app's, the focused widget's, then up its ancestors to the screen and back to the
        app's bindings — and what it does may queue more (a dialog that opens, mounts and takes
        the focus). Each round lets the queues on that path handle what they hold (every
        widget's, when the screen or the focus changed); once the screen and the focus have
        stayed as they are for as many rounds as the key has hops to make, it is done."""
        before: tuple[object, ...] = (self.screen, self.focused, len(self.screen_stack))
        quiet = 0
        for _ in range(most):
            now = (self.screen, self.focused, len(self.screen_stack))
            changed = now != before
            quiet = 0 if changed else quiet + 1
            before = now
            focused = self.focused
            path = [self, *focused.ancestors_with_self] if focused else [self, self.screen]
            if quiet > len(path):
                if self.screen is not self.main_screen:
                    await self._refreshed()
                return
            pumps = [self, *self.screen.walk_children(with_self=True)] if changed else path
            if not await self._queues_drained(pumps):
                return

    async def _refreshed(self, timeout: float = 0.5) -> None:
        """Wait for the next frame: a dialog's or the palette's lists are laid out then (the
        palette's list of commands, filled as it is typed into, knows where its lines are
        only once drawn, and a page key before that would fail inside Textual)."""
        screen = self.screen
        deadline = time.monotonic() + timeout
        # The palette gathers its commands in a worker of its own: wait for it first.
        while time.monotonic() < deadline and any(
            worker.node is screen and worker.is_running for worker in self.workers
        ):
            await asyncio.sleep(0.005)
        drawn = asyncio.Event()
        screen.call_after_refresh(drawn.set)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(drawn.wait(), max(0.0, deadline - time.monotonic()) + 0.1)

    async def _queues_drained(self, pumps: Sequence[MessagePump], timeout: float = 2.0) -> bool:
        """Wait until each of `pumps` has handled what was queued for it (the way Textual's
        Pilot waits for a screen: a `call_later` each, run once the messages before it are
        handled); False if that took over `timeout`."""
        waiting = 0
        all_done = asyncio.Event()

        def one_done() -> None:
            nonlocal waiting
            waiting -= 1
            if waiting == 0:
                all_done.set()

        for pump in pumps:
            if pump.call_later(one_done):
                waiting += 1
        if waiting:
            try:
                await asyncio.wait_for(all_done.wait(), timeout)
            except TimeoutError:
                return False
        return True

    def _replay_selection(self, place: int) -> None:
        """A number the recording selected with the mouse: its place in tab order."""
        if not self._open():
            return
        order = self.selectable()
        if place < len(order):
            self._select(order[place])
        if self.recording is not None:
            self.recording.note_selection(place)

    def _note_selection(self) -> None:
        """A recording keeps a number selected with the mouse (by its place in tab order)."""
        if self.recording is not None and not self.replaying and self._session is not None:
            order = self.selectable()
            if self.selected in order:
                self.recording.note_selection(order.index(self.selected))

    def action_keep(self) -> None:
        """Keep the screen as it is now: an SVG picture with the next free numbered name
        (`nntui-001.svg`) in the current directory (under `nntui serve`, the served one)."""
        import os

        from nntui.files import write_text_atomic

        if self.recording is not None and self.recording.keys[-1:] == ["k"]:
            self.recording.keys.pop()  # a picture changes nothing a replay should redo
        try:
            directory = self.root or os.getcwd()
        except OSError as err:  # the current directory was removed
            why = printable(err.strerror or str(err), 80)
            self.notify(f"no directory to keep it in: {why}", title="keep", severity="error")
            return
        svg = self.export_screenshot()
        for number in range(1, 100_000):
            name = f"nntui-{number:03d}.svg"
            path = os.path.join(directory, name)
            if os.path.lexists(path):
                continue
            try:
                write_text_atomic(path, svg, overwrite=False)
            except FileExistsError:  # made meanwhile: the next number
                continue
            except OSError as err:
                why = printable(err.strerror or str(err), 80)
                self.notify(f"{name}: cannot write: {why}", title="keep", severity="error")
                return
            self.notify(f"Kept the screen as {name}.", title="keep", timeout=3, markup=False)
            return

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows only keys that can act now."""
        s = self.shown
        # Under a dialog (help, train, open file, training progress) only these act.
        if action == "stop_run":
            return self._until is not None
        running = self.training or self._until is not None
        busy = running or (bool(self.screen_stack) and len(self.screen_stack) > 1)
        if busy and action not in UNDER_DIALOGS:
            return False
        if action == "step_back":
            return s.can_back
        if action == "previous_phase":
            return s.cursor >= 0
        if action in ("finish", "next_phase"):
            return not s.complete
        if action == "pane":
            return self.main_screen.has_class("narrow") and parameters[0] != self.pane
        if action == "samples":
            windows, window = s.sample_windows, s.sample_window
            return windows > 1 and 0 <= window + int(str(parameters[0])) < windows
        if action in ("edit", "remove_neuron", "add_neuron"):
            return self.selected is not None
        if action == "guess":
            return self._session is not None and self._session.hidden
        if action == "more_precision":
            return s.precision < MAX_PRECISION
        if action == "less_precision":
            return s.precision > MIN_PRECISION
        return True

    # -- actions --------------------------------------------------------------------------------
    def _do(self, change: str) -> None:
        if self._open():
            getattr(self.session, change)()
            self.refresh_views()

    def action_next(self) -> None:
        if not self._open():
            return
        blocked = self.session.blocked
        if blocked:
            self.notify(blocked, title="cannot go on", severity="error", timeout=8)
            return
        self._do("next")

    def action_step_back(self) -> None:
        """One step back (Textual's own `back` navigates screens: this is not that)."""
        self._do("back")

    def action_next_phase(self) -> None:
        self._do("next_phase")

    def action_previous_phase(self) -> None:
        self._do("previous_phase")

    def action_finish(self) -> None:
        self._do("finish")

    def action_reset(self) -> None:
        self._do("reset")
        self.notify("Reset to the starting network (← undoes it).", timeout=3)

    def action_more_precision(self) -> None:
        self._do("more_precision")

    def action_less_precision(self) -> None:
        self._do("less_precision")

    def action_granularity(self) -> None:
        if not self._open():
            return
        s = self.session
        before = s.granularity
        granularity = s.cycle_granularity()
        self.refresh_views()
        from nntui.engine.trace import estimated_steps

        skipped = [g for g in GRANULARITIES if g not in (before, granularity) and s.too_many(g)]
        note = "".join(
            f" (one step per {g} skipped: ~{estimated_steps(s.network, g):,} steps, "
            "too many to step through; nntui export writes them all)"
            for g in skipped
        )
        self.notify(f"One step per {granularity}.{note}", timeout=4 if note else 2)

    def action_samples(self, direction: int) -> None:
        """Step through the next (or previous) samples of a big data set."""
        if not self._open():
            return
        s = self.session
        s.show_samples(s.sample_window + direction)
        self.refresh_views()
        first, last = s.trace.samples[0], s.trace.samples[-1]
        self.notify(
            f"Stepping through samples {first}–{last} of {s.network.n_samples:,} "
            "(the batch steps use them all; ← returns).",
            timeout=3,
        )

    # -- asking "what if?" ------------------------------------------------------------------------
    def _dialog_open(self) -> bool:
        return self.training or len(self.screen_stack) > 1

    def _select(self, what: Editable | None) -> None:
        self.selected = what
        self.refresh_bindings()
        self.marks = self._marks()

    def selectable(self) -> tuple[Editable, ...]:
        """What tab steps through, in reading order: the inputs of the sample on screen, each
        layer's neurons' weights then bias, the sample's targets, the learning rate."""
        net = self.session.network
        sample = self.known.sample
        cached = self._selectable
        if cached is not None and cached[0] is net and cached[1] == sample:
            return cached[2]
        order: list[Editable] = [InputRef(sample, i) for i in range(net.layers[0].fan_in)]
        for index, layer in enumerate(net.layers):
            for neuron in range(layer.size):
                order += [ParamRef(index, "weight", neuron, i) for i in range(layer.fan_in)]
                order.append(ParamRef(index, "bias", neuron))
        order += [TargetRef(sample, k) for k in range(net.layers[-1].size)]
        order.append(LEARNING_RATE)
        self._selectable = (net, sample, tuple(order))
        return self._selectable[2]

    def describe(self, what: Editable) -> str:
        """The selected number's name as the dialogs and notifications write it."""
        net = self.session.network
        if isinstance(what, ParamRef):
            return net.param_name(what)
        if isinstance(what, InputRef):
            return f"x{what.index} of sample {what.sample}"
        if isinstance(what, TargetRef):
            return f"y{what.index} of sample {what.sample}"
        return "the learning rate µ"

    def action_select(self, direction: int) -> None:
        """Select the next (or previous) number to edit."""
        if self._dialog_open():
            raise SkipAction()  # tab moves between a dialog's fields
        if not self._open():
            return
        order = self.selectable()
        if self.selected in order:
            position = (order.index(self.selected) + direction) % len(order)
        else:
            position = 0 if direction > 0 else len(order) - 1
        what = order[position]
        self._select(what)
        value = fmt_result(self.session.value_of(what), self.session.precision)
        self._say_selected(f"{self.describe(what)} = {value} · e edits it")

    def _say_selected(self, line: str) -> None:
        """One toast says what tab selected. A burst of tabs shows only where it ended: the
        toast is made once the keys already waiting are handled, and it replaces the one
        before, so tabbing through the numbers never stacks toasts over the screen."""
        self._selection_line = line
        if not self._selection_pending:
            self._selection_pending = True
            self.call_later(self._show_selection)

    def _show_selection(self) -> None:
        self._selection_pending = False
        # Textual has no public way to withdraw one toast; its own collection is used.
        for toast in [t for t in self._notifications if t.title == SELECTED_TOAST]:
            self._unnotify(toast, refresh=False)
        self.notify(self._selection_line, title=SELECTED_TOAST, timeout=4, markup=False)

    def _edited(self, network: Network | None, what: Editable | None, said: str) -> None:
        """Take an edited network from a dialog: the iteration starts again from it."""
        if network is None or not self._open():
            return
        self.session.edit(network, what)
        if what is None:
            self._select(None)
        self.refresh_views()
        self.notify(f"{said}; the iteration starts again (← undoes it).", timeout=4)

    def action_edit(self) -> None:
        """Edit the selected number in a dialog that accepts only what the engine accepts."""
        what = self.selected
        if what is None or self._dialog_open() or not self._open():
            return
        from nntui.app.edit_dialogs import NumberDialog
        from nntui.engine import edit

        net = self.session.network
        name = self.describe(what)

        def apply(value: float) -> Network:
            if isinstance(what, ParamRef):
                return edit.set_parameter(net, what, value)
            if isinstance(what, InputRef):
                return edit.set_input(net, what.sample, what.index, value)
            if isinstance(what, TargetRef):
                return edit.set_target(net, what.sample, what.index, value)
            return edit.set_learning_rate(net, value)

        def done(network: Network | None) -> None:
            if network is not None:
                from nntui.session import value_in

                shown = fmt_result(value_in(network, what), self.session.precision)
                self._edited(network, what, f"{name} set to {shown}")

        value = repr(self.session.value_of(what))
        self.push_screen(NumberDialog(name, value, apply, on_result=done))

    def _selected_layer(self) -> int:
        """The layer the selection is in (the output layer when it names none)."""
        what = self.selected
        if isinstance(what, ParamRef):
            return what.layer
        return len(self.session.network.layers) - 1

    def action_activation(self) -> None:
        """Pick the selected layer's activation — for the output layer with its loss — from
        the list of those that go with the rest of the network."""
        if self._dialog_open() or not self._open():
            return
        from nntui.app.edit_dialogs import ChoiceDialog
        from nntui.engine import edit

        net = self.session.network
        layer = self._selected_layer()
        last = len(net.layers) - 1
        if layer == last:
            pairs = edit.output_choices(net)
            labels = [f"{act} output with {loss} loss" for act, loss in pairs]
            now = (net.layers[last].activation, net.loss)
            current = pairs.index(now) if now in pairs else None

            def chosen_pair(index: int | None) -> None:
                if index is not None:
                    act, loss = pairs[index]
                    edited = edit.set_output(net, act, loss)
                    self._edited(edited, None, f"output {act} with {loss}")

            question = "The output layer's activation, with the loss that goes with it:"
            self.push_screen(ChoiceDialog(question, labels, current, on_result=chosen_pair))
            return
        names = edit.activation_choices(net, layer)
        current_name = net.layers[layer].activation

        def chosen(index: int | None) -> None:
            if index is not None:
                edited = edit.set_activation(net, layer, names[index])
                self._edited(edited, None, f"layer {layer} is now {names[index]}")

        current = names.index(current_name) if current_name in names else None
        question = f"Layer {layer}'s activation:"
        self.push_screen(ChoiceDialog(question, names, current, on_result=chosen))

    def _architecture(self, change: str, make: object) -> None:
        """Apply an architecture edit (`make()` → the new network), or say why it cannot."""
        from nntui.engine.edit import EditError

        assert callable(make)
        try:
            network = make()
        except EditError as why:
            self.notify(str(why), title=f"cannot {change}", severity="error", markup=False)
            return
        self._edited(network, None, change)

    def action_add_neuron(self) -> None:
        """A neuron more in the selected hidden layer (its new weights seeded)."""
        if self._dialog_open() or not self._open():
            return
        from nntui.engine.edit import add_neuron

        net, layer = self.session.network, self._selected_layer()
        size = net.layers[layer].size
        self._architecture(f"add a neuron to layer {layer}", lambda: add_neuron(net, layer, size))

    def action_remove_neuron(self) -> None:
        """Remove the selected neuron (the neuron of the selected weight or bias)."""
        if self._dialog_open() or not self._open():
            return
        from nntui.engine.edit import remove_neuron

        what = self.selected
        if not isinstance(what, ParamRef) or what.neuron is None:
            self.notify("select a weight or a bias of the neuron to remove", severity="warning")
            return
        net = self.session.network
        neuron = what.neuron
        change = f"remove neuron {neuron} of layer {what.layer}"
        self._architecture(change, lambda: remove_neuron(net, what.layer, neuron))

    def add_layer(self, index: int) -> None:
        """A hidden layer as layer `index`, as wide as the layer before it, relu."""
        if not self._open():
            return
        from nntui.engine.edit import add_layer

        net = self.session.network
        size = net.layers[index - 1].size if index > 0 else net.layers[0].fan_in
        change = f"add a hidden layer of {size} as layer {index}"
        self._architecture(change, lambda: add_layer(net, index, size, "relu"))

    def remove_layer(self, index: int) -> None:
        """Remove hidden layer `index`."""
        if not self._open():
            return
        from nntui.engine.edit import remove_layer

        net = self.session.network
        self._architecture(f"remove layer {index}", lambda: remove_layer(net, index))

    def action_new_network(self) -> None:
        """A new network from a dialog; `←` returns to the one before (like opening a file)."""
        if self._dialog_open():
            return
        from nntui.app.edit_dialogs import NewNetworkDialog

        def built(network: Network | None) -> None:
            if network is not None:
                self.open_network(network, network.name or "new network")

        self.push_screen(NewNetworkDialog(on_result=built))

    def action_save(self) -> None:
        """Save the network as it is now — the parameters on screen, after edits and
        training — to a file named in a dialog (overwriting only after a yes)."""
        if self._dialog_open() or not self._open():
            return
        from nntui.app.edit_dialogs import SaveDialog

        replaying = self.replaying

        def saved(path: str | None) -> None:
            if path is not None:
                shown = printable(path, 80)
                said = (
                    f"Not saved again to {shown} (a replay)." if replaying else f"Saved to {shown}."
                )
                self.notify(said, title="saved", timeout=4, markup=False)

        suggestion = self._save_suggestion()
        network = self.session.training_start
        dialog = SaveDialog(network, suggestion, self.root, replaying=replaying, on_result=saved)
        self.push_screen(dialog)

    def _save_suggestion(self) -> str:
        """A file name to start from: the opened file's own name for a file, else the
        preset's name (`xor.toml`)."""
        source = Path(self.source)
        if source.suffix in (".toml", ".json"):
            return source.name
        stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in source.name)
        return f"{stem or 'network'}.toml"

    def action_predictions(self) -> None:
        """Show the predictions pane in place of the loss history, or back."""
        self._swap_pane("predictions")

    def action_boundary(self) -> None:
        """Show the decision-boundary pane in place of the loss history, or back; for a
        network without 2 inputs the predictions pane stands in for it (and a note says so)."""
        self._swap_pane("boundary")
        if self._pane_choice == "boundary" and not self._has_plane():
            inputs = self.known.network.layers[0].fan_in
            self.notify(
                f"The decision boundary needs 2 inputs; this network takes {inputs}: "
                "its predictions are shown instead.",
                timeout=5,
            )

    def _swap_pane(self, name: str) -> None:
        """Put pane `name` (predictions, boundary) in the loss history's place, or take it
        away; one of them at a time."""
        self._pane_choice = None if self._pane_choice == name else name
        self._show_pane()
        if self.main_screen.has_class("narrow") and self.pane != "loss":
            self.action_pane("loss")

    def _has_plane(self) -> bool:
        """Whether the network on screen has an input plane to draw (2 inputs)."""
        return self.known.network.layers[0].fan_in == 2

    def _show_pane(self) -> None:
        """Show the pane asked for in the loss history's place: the boundary asked for by a
        network without 2 inputs is its predictions (and the boundary again once a network
        with 2 inputs is opened)."""
        shown = self._pane_choice
        if shown == "boundary" and not self._has_plane():
            shown = "predictions"
        screen = self.main_screen
        for name in ("predictions", "boundary", "gradcheck"):
            if screen.has_class(name) != (name == shown):
                screen.set_class(name == shown, name)

    def action_gradcheck(self) -> None:
        """Show the gradient check in place of the loss history, or back."""
        self._swap_pane("gradcheck")

    def action_run_until(self, typed: str = "") -> None:
        """Ask for a condition — typed as `relu`, `loss`, `zero`, `grad > 2`, `nan` or a
        parameter's name — and run forward until it holds."""
        if self._dialog_open() or not self._open():
            return
        from nntui.app.screens import AskDialog
        from nntui.breakpoints import CONDITION_WORDS, parse_condition

        network = self.session.network
        width = max(len(word) for word, _ in CONDITION_WORDS)
        meanings = "\n".join(f"  {word:<{width}}  {said}" for word, said in CONDITION_WORDS)

        def chosen(condition: Condition | None) -> None:
            if condition is not None:
                self.run_until_condition(condition)

        def read(text: str) -> Condition:
            condition = parse_condition(text, network)
            self._run_until_typed = text.strip()
            return condition

        self.push_screen(
            AskDialog(
                f"Run forward, across iterations, until…\n{meanings}",
                typed or self._run_until_typed,
                read,
                "enter runs (← returns step by step) · esc cancels",
                on_result=chosen,
            )
        )

    def _run_until_touched(self) -> None:
        """The run-until dialog, asking for the selected parameter (or the first one)."""
        what = self.selected
        if self._open():
            network = self.session.network
            ref = what if isinstance(what, ParamRef) else next(iter(network.params()))
            self.action_run_until(network.param_name(ref))

    def run_until_condition(self, condition: Condition) -> None:
        """Step forward until `condition` holds (or a limit), and say which stopped it. A run
        that takes longer than a moment goes on a slice at a time: the screen follows it and
        esc stops it. A replay takes exactly as many steps as the recorded run did (a run
        that ended on the time limit or by esc would otherwise end elsewhere)."""
        from nntui.breakpoints import STEP_LIMIT, TIME_BUDGET, UntilRun

        if self._until is not None or not self._open():
            return
        limit, budget = STEP_LIMIT, TIME_BUDGET
        if self.replaying and self._replay_untils:
            limit, budget = max(1, self._replay_untils.pop(0)), float("inf")
        run = UntilRun(self.session, condition, limit, budget)
        stop = run.advance(UNTIL_SLICE)
        if stop is not None:
            self._until_done(stop)
            return
        self._until = run
        self._until_cancelled = False
        self.refresh_views()
        self.refresh_bindings()
        self.notify(f"Running until {condition.describe()}… (esc stops)", title="run until")
        self.run_worker(self._run_until(run), group="until", exclusive=True)

    async def _run_until(self, run: UntilRun) -> None:
        """The rest of a run, a slice at a time, the screen redrawn between slices."""
        stop = None
        while stop is None:
            await asyncio.sleep(UNTIL_PAUSE)  # the screen draws, keys (esc) come in
            stop = run.cancel() if self._until_cancelled else run.advance(UNTIL_SLICE)
            if stop is None:
                self.refresh_views()
        self._until = None
        self.refresh_bindings()
        self._until_done(stop)

    def _until_done(self, stop: Stop) -> None:
        if self.recording is not None:
            self.recording.note_until(stop.steps)
        self.refresh_views()
        self.notify(stop.message, title="run until", timeout=8)

    def action_stop_run(self) -> None:
        """esc while a run-until goes on: stop it where it is."""
        self._until_cancelled = True

    # -- quiz mode ------------------------------------------------------------------------------
    def action_quiz(self) -> None:
        """Turn quiz mode on or off: on, each step space lands on shows its formula with the
        numbers but hides the result — on the graph and in the ledger too — until the next
        key; `i` types a guess, marked right to the decimals shown, and the title keeps the
        score."""
        if self._dialog_open() or not self._open():
            return
        session = self.session
        session.set_quiz(not session.quiz_on)
        self.refresh_views()
        if session.quiz_on:
            said = "Quiz mode: space hides each result until the next key; i types a guess."
        else:
            score = session.quiz.score
            said = f"Quiz mode off ({score.right} of {score.guessed} guesses right)."
        self.notify(said, title="quiz", timeout=5)

    def action_guess(self) -> None:
        """Type a guess of the hidden result: marked right when it is written the same at the
        decimals shown; the result is then revealed and the score counts it."""
        if self._dialog_open() or not self._open() or not self.session.hidden:
            return
        from nntui.app.screens import AskDialog
        from nntui.quiz import Verdict

        session = self.session
        step = session.step
        assert step is not None  # a hidden result is a step's

        def marked(verdict: Verdict | None) -> None:
            self.refresh_views()
            if verdict is not None:
                # A wrong guess is a warning (colour, not only the ✗), a right one plain.
                if verdict.right:
                    self.notify(verdict.message, title="quiz", timeout=6)
                else:
                    self.notify(verdict.message, title="quiz", severity="warning", timeout=6)

        decimals = session.precision
        self.push_screen(
            AskDialog(
                f"Your guess: {step.symbol} = ?",
                "",
                session.guess,
                f"a number, to {decimals} decimal{'' if decimals == 1 else 's'} · "
                "enter marks it · esc cancels",
                on_result=marked,
            )
        )

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def action_pane(self, pane: str) -> None:
        self.pane = pane
        self._apply_size(self.size.width, self.size.height)

    def action_help(self) -> None:
        from nntui.app.screens import HelpScreen  # dialogs load on first use: a faster start

        if not any(isinstance(screen, HelpScreen) for screen in self.screen_stack):
            self.push_screen(HelpScreen(self.key_help()))

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every binding, in the order they are declared, as the help
        screen lists them: written from the bindings themselves (`help_keys`, and the tooltip,
        else the footer's word), so the help cannot go stale."""
        rows: list[tuple[str, str]] = []
        row_of: dict[str, int] = {}
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            partner = HELP_TOGETHER.get(binding.action)
            if partner in row_of:  # written into its partner's row: the help fits 120×36
                keys, said = rows[row_of[partner]]
                rows[row_of[partner]] = (f"{keys}, {help_keys(binding)}", said)
                continue
            row_of[binding.action] = len(rows)
            rows.append((help_keys(binding), binding.tooltip or binding.description))
        return rows

    # -- training -------------------------------------------------------------------------------
    def action_train(self) -> None:
        if self.training or len(self.screen_stack) > 1:
            return  # a `t` in a burst of keys, arriving after a dialog opened

        def start(steps: int | None) -> None:
            # The dialog hands back one result; training that runs already is never doubled.
            if steps and not self.training and self._open():
                self._cancel.clear()
                self.training = True
                self.refresh_bindings()
                from nntui.app.screens import TrainProgress

                progress = TrainProgress(steps, self._cancel.set)
                self.push_screen(progress)
                self._start_live()
                self._train(self.session.training_start, steps, self._live)

        from nntui.app.screens import TrainDialog

        self.push_screen(TrainDialog(on_result=start))

    @work(thread=True, exclusive=True, group="train")
    def _train(self, network: Network, steps: int, feed: LiveFeed) -> None:
        """The training run: in a forked process where the system has fork (the screen's
        drawing and the training then each have a core, not one interpreter lock between
        them), else in this thread. Either way it never waits for the screen, only leaves it
        a snapshot when a frame is due (`LiveFeed`)."""
        result: object | None = None
        if self.replaying and self._replay_runs:
            stopped_at = self._replay_runs.pop(0)
            if stopped_at is not None:  # esc stopped it here: stop at the same iteration
                from nntui.engine.training import train

                result = train(
                    network,
                    steps,
                    progress_every=stopped_at,
                    should_stop=lambda: True,
                    on_snapshot=feed.offer,
                )
        if result is None and "fork" in multiprocessing.get_all_start_methods():
            result = _train_in_child(network, steps, feed, self._cancel)
        if result is None:  # no fork, or the child died: the same run here
            from nntui.engine.training import train

            result = train(
                network,
                steps,
                progress_every=LIVE_CHUNK,
                should_stop=self._cancel.is_set,
                on_snapshot=feed.offer,
            )
        self.call_from_thread(self._trained, result)

    def _start_live(self) -> None:
        """Draw the run as it goes: a timer reads the latest snapshot `LIVE_FPS` times a
        second (never a redraw per step)."""
        self._live = LiveFeed(0.5 / LIVE_FPS)
        self._live_shown = None
        self._live_timer = self.set_interval(1 / LIVE_FPS, self._show_live)

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live_timer.stop()
            self._live = None

    def _show_live(self) -> None:
        """One frame of the live view: the progress bar, and the views from the snapshot the
        training thread left last (if it is new)."""
        feed = self._live
        if feed is None:
            return
        from nntui.app.screens import TrainProgress

        for progress in self.screen_stack:
            if isinstance(progress, TrainProgress):
                progress.advance_to(feed.done)
        snapshot = feed.snapshot
        if snapshot is None or snapshot is self._live_shown or self._session is None:
            return
        self._live_shown = snapshot
        done, network, history = snapshot
        self.known = self._session.live_view(network, history, done)
        self.live_frames += 1

    def _trained(self, result: object) -> None:
        from nntui.engine.training import TrainResult

        assert isinstance(result, TrainResult)
        self.training = False
        if self.recording is not None:
            self.recording.note_run(result.steps_done if result.cancelled else None)
        self._stop_live()
        from nntui.app.screens import TrainProgress

        # The progress screen closes itself, now or once the help open over it is closed.
        for progress in [x for x in self.screen_stack if isinstance(x, TrainProgress)]:
            progress.finish()
        s = self.session
        s.apply_training(result.network, result.loss_history, result.steps_done, result.message)
        self.refresh_views()
        if result.message:
            self.notify(
                result.message, severity="warning" if result.cancelled else "error", timeout=8
            )
        else:
            done = result.steps_done
            self.notify(
                f"Trained {done:,} iteration{'' if done == 1 else 's'} (← goes back).",
                timeout=3,
            )

    # -- command palette --------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from nntui.engine.presets import PRESETS, shape_text

        for preset in PRESETS.values():
            yield SystemCommand(
                f"Preset: {preset.name}",
                f"{shape_text(preset.make())} · {preset.description}",
                lambda p=preset: self.open_network(p.build(), p.name),
            )
        yield SystemCommand("Open network file…", "Load a .toml or .json network", self._ask_file)
        yield SystemCommand(
            "New network…", "Shape, activations, loss, init, seed", self.action_new_network
        )
        yield SystemCommand("Save network…", "As it is now, to .toml or .json", self.action_save)
        yield SystemCommand(
            "Predictions", "Every sample's output beside its target", self.action_predictions
        )
        yield SystemCommand(
            "Decision boundary",
            "The input plane coloured by the network's output (2-input networks)",
            self.action_boundary,
        )
        yield SystemCommand(
            "Gradient check", "Backprop beside central finite differences", self.action_gradcheck
        )
        yield SystemCommand(
            "Quiz mode",
            "Hide each step's result until the next key; type a guess (i); keep the score",
            self.action_quiz,
        )
        from nntui.breakpoints import LossGoesUp, NotFinite, ReluSwitchesOff, ZeroGradient

        for condition in (ReluSwitchesOff(), LossGoesUp(), ZeroGradient(), NotFinite()):
            yield SystemCommand(
                f"Run until {condition.describe()}",
                "Step forward across iterations; ← returns step by step",
                lambda c=condition: self.run_until_condition(c),
            )
        yield SystemCommand(
            "Run until a gradient exceeds…",
            "A size to type: grad > 2",
            lambda: self.action_run_until("grad > 1"),
        )
        yield SystemCommand(
            "Run until a parameter is touched…",
            "Its name to type (the selected one first): its gradient or its update",
            self._run_until_touched,
        )
        yield SystemCommand(
            "Activation / loss…", "Of the selected layer (a: the list)", self.action_activation
        )
        if self._session is not None:
            yield from self._architecture_commands()

    def _architecture_commands(self) -> Iterable[SystemCommand]:
        """Add or remove a neuron of each hidden layer; add or remove a hidden layer."""
        net = self.session.network
        hidden = range(len(net.layers) - 1)
        for layer in hidden:
            size = net.layers[layer].size
            yield SystemCommand(
                f"Add a neuron to layer {layer}",
                f"{size} → {size + 1} neurons (new weights seeded)",
                lambda k=layer: self._add_neuron_to(k),
            )
            yield SystemCommand(
                f"Remove the last neuron of layer {layer}",
                f"{size} → {size - 1} neurons",
                lambda k=layer, j=size - 1: self._remove_neuron_of(k, j),
            )
            yield SystemCommand(
                f"Remove hidden layer {layer}",
                "The next layer reads its inputs",
                lambda k=layer: self.remove_layer(k),
            )
        for index in range(len(net.layers)):
            yield SystemCommand(
                f"Add a hidden layer as layer {index}",
                "relu, as wide as the layer before it",
                lambda k=index: self.add_layer(k),
            )

    def _add_neuron_to(self, layer: int) -> None:
        from nntui.engine.edit import add_neuron

        net = self.session.network
        size = net.layers[layer].size
        self._architecture(f"add a neuron to layer {layer}", lambda: add_neuron(net, layer, size))

    def _remove_neuron_of(self, layer: int, neuron: int) -> None:
        from nntui.engine.edit import remove_neuron

        net = self.session.network
        change = f"remove neuron {neuron} of layer {layer}"
        self._architecture(change, lambda: remove_neuron(net, layer, neuron))

    def _ask_file(self) -> None:
        """The open-file dialog, which loads the network itself and hands it back."""
        from nntui.app.screens import OpenFileDialog

        if self.training or any(isinstance(s, OpenFileDialog) for s in self.screen_stack):
            return

        def opened(chosen: tuple[Network, str] | None) -> None:
            if chosen is not None:
                self.open_network(*chosen)

        self.push_screen(OpenFileDialog(on_result=opened))

    def open_path(self, path: str | Path) -> None:
        """Open the network file at `path` (or the preset it names); a problem is one error
        notification, the file's text shown with control characters escaped."""
        import os

        from nntui.engine.loader import NetworkFileError
        from nntui.engine.presets import resolve_network

        path = os.fspath(path)
        try:
            network = resolve_network(os.path.expanduser(path))
        except NetworkFileError as error:
            message = printable(str(error), LINE_LIMIT)
            self.notify(message, title="cannot open", severity="error", timeout=10, markup=False)
            return
        self.open_network(network, path)

    def open_network(self, network: Network, source: str) -> None:
        if not self._open():
            return
        self.source = source
        self.session.open(network)
        self.selected = None
        self.refresh_views()

        name = printable(network.name or source, 80)
        self.notify(f"Opened {name} (← returns).", timeout=3, markup=False)


def _quit_keys() -> frozenset[str]:
    """The keys that leave the app (`nntui.recording`, loaded once a key comes: not before
    the first frame)."""
    from nntui.recording import QUIT_KEYS

    return QUIT_KEYS


def recorded_key(event: events.Key | events.Paste) -> str:
    """How a recording writes a key: the character typed, for one that types a character
    (`-`, `_`, `é`: Textual names some of them in ways it cannot turn back into the
    character), else Textual's name for it (`space`, `enter`, `ctrl+p`); a paste as
    `paste:` and its text."""
    from nntui.recording import PASTE

    if isinstance(event, events.Paste):
        return f"{PASTE}{event.text}"
    character = event.character
    if event.is_printable and character and len(character) == 1 and not character.isspace():
        return character
    return event.key


def key_event(recorded: str) -> events.Key | events.Paste:
    """The event a recording's entry stands for (`recorded_key` the other way round)."""
    from textual.keys import _character_to_key, key_to_character  # Pilot's own mapping

    from nntui.recording import PASTE

    if recorded.startswith(PASTE):
        return events.Paste(recorded.removeprefix(PASTE))
    if len(recorded) == 1:
        return events.Key(_character_to_key(recorded), recorded)
    return events.Key(recorded, key_to_character(recorded))


class LiveFeed:
    """What a training thread hands the screen: how far it is, and at most once every `every`
    seconds a snapshot — (iterations done, the network then, the loss history so far). The
    thread writes each by one assignment and the screen's timer reads the latest; neither
    waits for the other."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.done = 0
        self.snapshot: tuple[int, Network, tuple[float, ...]] | None = None
        self._due = 0.0

    def offer(self, done: int, network: Callable[[], Network], history: Sequence[float]) -> None:
        """`train`'s `on_snapshot`: note the progress; build a snapshot only when one is due."""
        self.done = done
        now = time.monotonic()
        if now >= self._due:
            self._due = now + self.every
            self.snapshot = (done, network(), tuple(history))

    def take(self, done: int, network: Network, history: Sequence[float]) -> None:
        """A snapshot made elsewhere (the training process's): the latest one."""
        self.done = done
        self.snapshot = (done, network, tuple(history))


#: How long the thread that waits for the training process sleeps between looks at esc.
_POLL_SECONDS = 0.02


def _train_in_child(
    network: Network, steps: int, feed: LiveFeed, cancel: threading.Event
) -> object | None:
    """`train(network, steps)` in a forked process: its snapshots go to `feed`, `cancel`
    stops it, and its `TrainResult` comes back (None if the process died without one)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    stop = context.Event()
    child = context.Process(
        target=_child_run, args=(network, steps, sender, stop, feed.every), daemon=True
    )
    child.start()
    sender.close()
    history: list[float] = []
    result: object | None = None
    try:
        while result is None:
            if cancel.is_set():
                stop.set()
            if not receiver.poll(_POLL_SECONDS):
                if not child.is_alive() and not receiver.poll():
                    break
                continue
            message = receiver.recv()
            if message[0] == "snapshot":
                _, done, trained, new_points = message
                history.extend(new_points)
                feed.take(done, trained, history)
            else:
                result = message[1]
    except (EOFError, OSError):
        result = None
    finally:
        receiver.close()
        child.join(timeout=5)
    return result


def _child_run(network: Network, steps: int, sender: Any, stop: Any, every: float) -> None:
    """The training process: `train`, a snapshot sent when one is due (only the loss
    history's new points), then the result. It leaves the terminal's signals to the app (a
    resize is the app's, and the app's event loop must not be woken from here)."""
    import signal

    from nntui.engine.training import train

    signal.set_wakeup_fd(-1)
    if hasattr(signal, "SIGWINCH"):
        signal.signal(signal.SIGWINCH, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is the app's: esc stops the run

    sent = 0
    due = 0.0

    def offer(done: int, trained: Callable[[], Network], history: Sequence[float]) -> None:
        nonlocal sent, due
        now = time.monotonic()
        if now >= due:
            due = now + every
            sender.send(("snapshot", done, trained(), list(history[sent:])))
            sent = len(history)

    result = train(
        network, steps, progress_every=LIVE_CHUNK, should_stop=stop.is_set, on_snapshot=offer
    )
    sender.send(("result", result))
    sender.close()
