"""The dialogs survive anything a keyboard can send (issue 9.2): double and rapid submits and
escapes, keys that arrive while a dialog closes. Each closes at most once and what it asked for
happens exactly once. The train dialog accepts what it says it accepts and says why anything
else is refused (issue 9.11); the open-file dialog loads the file itself, stays open with the
error and the typed path, lets the user browse, and never freezes (issues 8.13, 9.5).

Two ways of sending keys: `pilot.press`, which lets the app settle between keys, and `burst`,
which hands them all to the app at once, as a terminal does when keys come fast (the way the
crashes were found: `t` enter enter in a real terminal ended in `ScreenStackError`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from driving import run_app
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input, Label

from nntui.app import screens
from nntui.app.app import NntuiApp
from nntui.app.screens import (
    MAX_ITERATIONS,
    HelpScreen,
    NetworkTree,
    OpenFileDialog,
    TrainDialog,
    TrainProgress,
    parse_iterations,
)
from nntui.engine.network import Network
from nntui.engine.presets import worked_example, xor

SIZE = (120, 36)
N_STEPS = 42  # steps of one worked-example iteration at parameter granularity
DIALOGS = (HelpScreen, TrainDialog, TrainProgress, OpenFileDialog)
_CHARACTERS = {"enter": "\r", "escape": "\x1b", "tab": "\t", "space": " ", "backspace": "\x7f"}

Body = Callable[[NntuiApp, Pilot], Awaitable[None]]


def key_event(key: str) -> events.Key:
    """The event a terminal's key makes: `key` is a key name or one character."""
    if len(key) == 1:
        return events.Key(_character_to_key(key) if not key.isalnum() else key, key)
    return events.Key(key, _CHARACTERS.get(key))


async def burst(pilot: Pilot, *keys: str) -> None:
    """Send `keys` as one burst (nothing runs between them), then let the app settle."""
    app = pilot.app
    assert app._driver is not None
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()
    await settle(pilot)


async def settle(pilot: Pilot) -> None:
    """Wait for training and for files being read to end, and for the app to be idle."""
    app = pilot.app

    def busy() -> bool:
        # The app hands keys on one at a time: a burst is handled once its queue is empty.
        handing_on = not app._keys.empty() or app._delivering
        return handing_on or app.training or any_loading(app)

    if busy():
        # Not app.workers.wait_for_complete(): the file tree's loader is a worker that never
        # ends. The result of a run or a read is applied once the flag is down.
        await wait_for(pilot, lambda: not busy(), timeout=20)
        await pilot.pause()


def any_loading(app: NntuiApp) -> bool:
    return any(isinstance(s, OpenFileDialog) and s._loading for s in app.screen_stack)


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 10) -> None:
    """Let the app run until `condition()` holds (fails after `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "timed out"
        await pilot.pause(0.02)


def check_sane(app: NntuiApp) -> None:
    """Alive, no exception kept, the debugger's screen at the bottom of the stack, no screen
    twice and no dialog twice, and training only while its progress screen is up."""
    assert app.is_running and app.return_code is None
    assert app._exception is None
    stack = app.screen_stack
    assert stack and stack[0] is app.main_screen and stack[0].id == "_default"
    assert len({id(screen) for screen in stack}) == len(stack)
    for kind in DIALOGS:
        assert sum(isinstance(screen, kind) for screen in stack) <= 1, stack
    if app.training:
        assert any(isinstance(screen, TrainProgress) for screen in stack)


def notes(app: NntuiApp, start: str) -> list[str]:
    """The notifications so far whose message starts with `start`."""
    return [n.message for n in app._notifications if n.message.startswith(start)]


def rewind(app: NntuiApp) -> None:
    """One step back past the start of the iteration: undoes the last action (a training
    run, opening a network), whatever step the iteration was on."""
    s = app.session
    while s.cursor >= 0:
        s.back()
    s.back()
    app.refresh_views()


def drive(body: Body, network: Network | None = None) -> NntuiApp:
    app = NntuiApp(network if network is not None else worked_example())
    run_app(app, body, size=SIZE, check=check_sane)
    assert app.return_code is None
    return app


Send = Callable[..., Awaitable[None]]


def senders() -> list[object]:
    async def press(pilot: Pilot, *keys: str) -> None:
        await pilot.press(*keys)
        await settle(pilot)

    return [pytest.param(press, id="press"), pytest.param(burst, id="burst")]


# -- the train dialog's number ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "steps"),
    [("25", 25), (" 7 ", 7), ("1,000", 1000), ("1_000", 1000), ("007", 7), ("10000000", 10**7),
     ("10,000,000", 10**7), ("1e3", 1000), ("100.0", 100), ("1", 1)],
)  # fmt: skip
def test_whole_numbers_from_1_to_the_limit_are_accepted(text: str, steps: int) -> None:
    assert parse_iterations(text) == steps


REFUSED = [
    ("1.5", "1.5 is not a whole number"),
    ("1e12", "1e12 is more than 10,000,000"),
    ("0", "0 is less than 1: type a whole number, 1 to 10,000,000"),
    ("-5", "-5 is less than 1: type a whole number, 1 to 10,000,000"),
    ("10000001", "10000001 is more than 10,000,000"),
    ("0.5", "0.5 is not a whole number"),
    ("1e-9", "1e-9 is not a whole number"),
    ("abc", "abc is not a number: type a whole number, 1 to 10,000,000"),
    ("1,00", "1,00 is not a number: type a whole number, 1 to 10,000,000"),
    ("", "type a whole number from 1 to 10,000,000"),
]


@pytest.mark.parametrize(("text", "why"), REFUSED)
def test_anything_else_is_refused_saying_why(text: str, why: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_iterations(text)
    assert str(refused.value) == why


@pytest.mark.parametrize(
    "text",
    [pytest.param("9" * 5000, id="5000 nines"), "1e999999999", "1e-999999999", "inf", "nan",
     "Infinity", "١٢", "1 000", "0x10", "+", ".", "e5", "1e", "--1", "1__0"],
)  # fmt: skip
def test_odd_text_is_refused_quickly_without_an_error_of_python(text: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_iterations(text)
    message = str(refused.value)
    assert "\n" not in message and len(message) < 120


def test_control_characters_in_the_text_are_shown_escaped() -> None:
    with pytest.raises(ValueError) as refused:
        parse_iterations("\x1b[2J5")
    assert str(refused.value).startswith("\\x1b[2J5 is not a number")


def test_the_dialog_keeps_a_refused_number_as_typed_and_says_why() -> None:
    """Issue 9.11: Textual's integer Input made 1e12 into 112 and 1.5 into 15, silently."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("t")
        dialog = app.screen
        assert isinstance(dialog, TrainDialog)
        field = dialog.query_one(Input)
        error = dialog.query_one("#error", Label)
        for text, why in [*REFUSED[:9], ("[b]2[/]", None)]:
            field.value = ""
            await pilot.press(*text, "enter")
            assert app.screen is dialog  # still open ...
            assert field.value == text  # ... with the text as it was typed
            shown = str(error.render())
            assert shown == (why or f"{text} is not a number: type a whole number, 1 to 10,000,000")
        assert not app.training and app.session.iteration == 1
        await pilot.press("backspace")  # typing clears the message
        assert str(error.render()) == ""
        field.value = ""
        await pilot.press("3", "enter")
        await settle(pilot)
        assert app.session.iteration == 4

    drive(body)


# -- bursts into the train dialog and the progress screen ------------------------------------------


@pytest.mark.parametrize("send", senders())
def test_t_enter_enter_trains_once(send: Send) -> None:
    """Issue 9.2: the second enter of `t` enter enter popped the debugger's own screen."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await send(pilot, "t", "enter", "enter")
        check_sane(app)
        assert len(app.screen_stack) == 1
        s = app.session
        assert s.iteration == 101
        assert len(notes(app, "Trained")) == 1
        # The second enter met the progress screen (nothing), or the debugger once training
        # was over (it finished the iteration): never a second dialog or training run.
        assert s.cursor in (-1, N_STEPS - 1)
        assert len(s.loss_history) == 101 + (s.cursor == N_STEPS - 1)
        rewind(app)
        assert (s.iteration, s.loss_history) == (1, ())  # one training run to take back

    drive(body)


@pytest.mark.parametrize("send", senders())
@pytest.mark.parametrize(
    ("keys", "iteration", "cursor"),
    [
        (("t", "escape", "escape"), 1, -1),
        (("t", "escape", "enter"), 1, N_STEPS - 1),  # the enter finishes the iteration
        (("t", "escape", "t", "escape"), 1, -1),
        (("t", "t", "escape"), 1, -1),  # the second t is typed into the dialog
        (("t", "1", ".", "5", "enter", "enter", "escape"), 1, -1),
    ],
)
def test_bursts_into_the_train_dialog(
    send: Send, keys: tuple[str, ...], iteration: int, cursor: int
) -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await send(pilot, *keys)
        check_sane(app)
        assert len(app.screen_stack) == 1
        assert (app.session.iteration, app.session.cursor) == (iteration, cursor)
        assert len(notes(app, "Trained")) == (iteration > 1)

    drive(body)


@pytest.mark.parametrize("send", senders())
def test_enter_then_escape_runs_one_training_whatever_the_escape_meets(send: Send) -> None:
    """The escape meets the progress screen (which cancels) or nothing (training was done)."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await send(pilot, "t", "enter", "escape", "escape")
        check_sane(app)
        assert len(app.screen_stack) == 1
        s = app.session
        if s.iteration > 1:  # the start, then each iteration done
            assert len(s.loss_history) == s.iteration
        # One training run, or none when the escape met the dialog before its enter was read.
        runs = len(notes(app, "Trained")) + len(notes(app, "cancelled"))
        assert runs == 1 if send.__name__ == "press" else runs <= 1

    drive(body)


@pytest.mark.parametrize("send", senders())
def test_a_number_typed_in_a_burst_is_read_whole(send: Send) -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        app.action_train()
        await pilot.pause()
        await send(pilot, "2", "5", "enter", "enter")  # the default 100 is selected: replaced
        check_sane(app)
        assert len(app.screen_stack) == 1
        assert app.session.iteration == 26

    drive(body)


def start_long_training(app: NntuiApp) -> TrainProgress:
    app.action_train()
    dialog = app.screen
    assert isinstance(dialog, TrainDialog)
    dialog.close(MAX_ITERATIONS)  # as enter does: the dialog hands back the number
    progress = app.screen
    assert isinstance(progress, TrainProgress) and app.training
    return progress


@pytest.mark.parametrize("send", senders())
def test_escapes_in_a_burst_cancel_training_once(send: Send) -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        start_long_training(app)
        await pilot.pause(0.2)
        await send(pilot, "escape", "escape", "c", "escape", "c")
        check_sane(app)
        assert len(app.screen_stack) == 1 and not app.training
        s = app.session
        assert s.message is not None and s.message.startswith("cancelled after")
        assert notes(app, "cancelled") == [s.message]
        assert 0 < s.iteration - 1 < MAX_ITERATIONS

    drive(body)


def test_training_that_ends_under_the_help_screen_closes_its_progress_after_it() -> None:
    """The progress screen used to be popped only if it was on top: under the help screen it
    stayed forever, with nothing left to close it."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        progress = start_long_training(app)
        app.action_help()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        app.action_help()  # a second help is not stacked on the first
        app._cancel.set()
        await settle(pilot)
        assert not app.training
        assert app.screen_stack[1:] == [progress, app.screen]  # help still open
        check_sane(app)
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert app.session.iteration > 1
        await pilot.press("escape")  # nothing left to close
        check_sane(app)

    drive(body)


# -- the help screen -------------------------------------------------------------------------------


@pytest.mark.parametrize("send", senders())
@pytest.mark.parametrize(
    ("keys", "open_after"),
    [
        (("question_mark", "escape", "escape"), False),
        (("question_mark", "question_mark", "question_mark"), True),
        (("question_mark", "q", "escape"), False),
        (("question_mark", "enter", "escape", "space"), False),
    ],
)
def test_bursts_into_the_help_screen(send: Send, keys: tuple[str, ...], open_after: bool) -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await send(pilot, *keys)
        check_sane(app)
        assert isinstance(app.screen, HelpScreen) == open_after
        assert len(app.screen_stack) == 1 + open_after
        expected = 0 if "space" in keys else -1  # enter under the help does nothing
        assert (app.session.iteration, app.session.cursor) == (1, expected)

    drive(body)


# -- the open-file dialog --------------------------------------------------------------------------


async def open_dialog(app: NntuiApp, pilot: Pilot) -> OpenFileDialog:
    """The dialog as the command palette's "Open network file…" opens it."""
    app._ask_file()
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, OpenFileDialog)
    app._ask_file()  # a second one is never stacked on it
    assert app.screen is dialog and len(app.screen_stack) == 2
    return dialog


def status(dialog: OpenFileDialog) -> str:
    return str(dialog.query_one("#status", Label).render())


@pytest.mark.parametrize("send", senders())
def test_a_preset_name_and_enter_enter_opens_it_once(send: Send) -> None:
    """Issue 9.2: ctrl+p → open file → `xor` enter enter crashed like `t` enter enter."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await open_dialog(app, pilot)
        await send(pilot, "x", "o", "r", "enter", "enter")
        check_sane(app)
        s = app.session
        assert s.network.name.startswith("XOR")
        assert len(notes(app, "Opened")) == 1
        assert app.source == "xor"
        assert s.cursor in (-1, len(s.steps) - 1)  # as in t enter enter
        rewind(app)
        assert s.network.name.startswith("Worked example")  # one open to take back

    drive(body)


@pytest.mark.parametrize("send", senders())
def test_a_path_that_cannot_be_opened_keeps_the_dialog_open_with_the_path(
    send: Send, tmp_path: Path
) -> None:
    """Issue 8.13: the dialog closed on an error, so the path had to be typed again."""
    typed = str(tmp_path / "nope.json")

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        before = app.session.state()
        dialog = await open_dialog(app, pilot)
        dialog.query_one(Input).value = typed
        await send(pilot, "enter", "enter")
        check_sane(app)
        assert app.screen is dialog
        assert dialog.query_one(Input).value == typed
        assert status(dialog) == f"{typed}: no such file"
        assert dialog.query_one("#status", Label).has_class("-error")
        assert app.session.state() == before
        assert notes(app, "") == []  # said in the dialog, not in a toast
        # The path is still there to correct: xor.json, no; the preset xor, yes.
        dialog.query_one(Input).value = "xor"
        await send(pilot, "enter")
        assert app.session.network.name.startswith("XOR")
        assert len(app.screen_stack) == 1

    drive(body)


@pytest.mark.parametrize("send", senders())
@pytest.mark.parametrize(
    "keys",
    [("escape", "escape"), ("escape", "enter"), ("enter", "escape"), ("x", "escape", "escape")],
)
def test_escape_in_a_burst_closes_the_open_file_dialog_once(
    send: Send, keys: tuple[str, ...]
) -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await open_dialog(app, pilot)
        await send(pilot, *keys)
        check_sane(app)
        assert len(app.screen_stack) == 1
        assert app.session.network.name.startswith("Worked example")
        expected = N_STEPS - 1 if keys == ("escape", "enter") else -1
        assert app.session.cursor == expected

    drive(body)


def test_a_file_whose_name_and_error_hold_markup_and_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "[b]odd\x1b[2J[i].json"
    path.write_text('{"name": "x", loss: 1}', encoding="utf-8")

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        dialog = await open_dialog(app, pilot)
        dialog.query_one(Input).value = str(path)
        await burst(pilot, "enter")
        line = status(dialog)
        assert "\x1b" not in line
        assert f"{tmp_path}/[b]odd\\x1b[2J[i].json: not valid JSON" in line
        assert "\n" not in line

    drive(body)


def test_a_network_named_with_markup_opens_and_is_named_as_written(tmp_path: Path) -> None:
    data = xor().to_dict()
    data["name"] = "[bold]\x1b]0;PWNED\x07[i]x"
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        dialog = await open_dialog(app, pilot)
        dialog.query_one(Input).value = str(path)
        await burst(pilot, "enter")
        check_sane(app)
        assert app.session.network.name == data["name"]
        (opened,) = [n for n in app._notifications if n.message.startswith("Opened")]
        assert opened.message == "Opened [bold]\\x1b]0;PWNED\\x07[i]x (← returns)."
        assert not opened.markup  # shown as written, not restyled

    drive(body)


def test_slow_reads_say_so_and_escape_cancels_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read that does not end (a FIFO with no writer, a stuck network drive) never freezes
    the screen: the dialog says it is still reading, esc closes it, and a result that comes
    after that is dropped."""
    release = threading.Event()
    started = threading.Event()

    def stuck(name: str) -> Network:
        started.set()
        release.wait(10)
        return xor()

    monkeypatch.setattr(screens, "SLOW_OPEN_SECONDS", 0.1)
    monkeypatch.setattr("nntui.engine.presets.resolve_network", stuck)

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        dialog = await open_dialog(app, pilot)
        dialog.query_one(Input).value = "slow.json"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "still reading" in status(dialog))
        assert status(dialog) == "still reading slow.json… (esc cancels)"
        await pilot.press("space")  # keys still work: typed into the path
        assert dialog.query_one(Input).value == "slow.json "
        await pilot.press("escape")
        assert len(app.screen_stack) == 1
        release.set()
        await pilot.pause(0.3)
        check_sane(app)
        assert app.session.network.name.startswith("Worked example")  # dropped
        assert notes(app, "Opened") == []

    drive(body)


def test_a_fifo_never_freezes_the_dialog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 9.5: opening a FIFO froze the UI so that not even esc or ctrl+c worked. Either the
    loader refuses it (an error line) or the read waits in its thread (a still-reading line);
    in both cases esc closes the dialog at once."""
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    monkeypatch.setattr(screens, "SLOW_OPEN_SECONDS", 0.2)

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        dialog = await open_dialog(app, pilot)
        dialog.query_one(Input).value = str(fifo)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "reading" not in status(dialog) or "still" in status(dialog))
        line = status(dialog)
        assert line.startswith(f"{fifo}: ") or line == f"still reading {fifo}… (esc cancels)"
        await pilot.press("escape")
        assert len(app.screen_stack) == 1
        check_sane(app)

    try:
        drive(body)
    finally:
        release_readers(fifo)


def release_readers(fifo: Path) -> None:
    """A thread still waiting to read `fifo` gets its end of file: a writer opens and closes."""
    with contextlib.suppress(OSError):  # ENXIO: nobody has it open for reading
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_the_tree_offers_folders_and_network_files_and_opens_the_one_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = xor().to_dict()
    data["name"] = "Picked from the tree"
    (tmp_path / "a.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a network", encoding="utf-8")
    (tmp_path / ".hidden.json").write_text("{}", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "[b]\x1bodd.toml").write_text("", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.json")
    monkeypatch.chdir(tmp_path)

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        dialog = await open_dialog(app, pilot)
        tree = dialog.query_one(NetworkTree)
        await wait_for(pilot, lambda: tree.root.children)
        labels = [str(node.label) for node in tree.root.children]
        assert labels == ["sub", "[b]\\x1bodd.toml", "a.json"]  # folders first
        await pilot.press("tab")  # from the path to the tree
        assert app.focused is tree
        await pilot.press("down", "down", "down", "enter")  # root, sub, odd, a.json
        await settle(pilot)
        assert len(app.screen_stack) == 1
        assert app.session.network.name == "Picked from the tree"
        assert app.source == "a.json"

    drive(body)


# -- confined to a directory (nntui serve, SPEC §8) ------------------------------------------------


def drive_confined(body: Body, root: Path) -> NntuiApp:
    """`drive`, with the app confined to `root` as `nntui serve` runs it (`--root`)."""
    from nntui.serve import confined_app

    app = confined_app(worked_example(), source="worked-example", root=str(root))
    run_app(app, body, size=SIZE, check=check_sane)
    assert app.return_code is None
    return app


async def type_path(pilot: Pilot, dialog: OpenFileDialog, text: str) -> None:
    """Type `text` into the empty path field key by key, then enter."""
    field = dialog.query_one(Input)
    field.value = ""
    field.focus()
    await pilot.press(*text, "enter")
    await settle(pilot)


@pytest.fixture
def confined(tmp_path: Path) -> Path:
    """A root with a network in it and one in a folder below; a network beside the root (so
    `../x.toml` exists and only the confinement refuses it), and a link that leads out."""
    root = tmp_path / "root"
    (root / "nets").mkdir(parents=True)
    network = json.dumps(xor().to_dict())
    (root / "mine.json").write_text(network, encoding="utf-8")
    (root / "nets" / "below.json").write_text(network, encoding="utf-8")
    (tmp_path / "x.toml").write_text(network, encoding="utf-8")
    (tmp_path / "x.json").write_text(network, encoding="utf-8")
    (root / "out.json").symlink_to(tmp_path / "x.json")
    return root


@pytest.mark.parametrize("typed", ["../x.toml", "/etc/passwd", "nets/../../x.json", "out.json"])
def test_confined_a_path_that_leads_out_is_refused_with_a_line(typed: str, confined: Path) -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        before = app.session.state()
        dialog = await open_dialog(app, pilot)
        await type_path(pilot, dialog, typed)
        check_sane(app)
        assert app.screen is dialog
        assert dialog.query_one(Input).value == typed
        assert status(dialog) == f"{typed}: {screens.REFUSED_OUTSIDE_ROOT}"
        assert dialog.query_one("#status", Label).has_class("-error")
        assert app.session.state() == before

    drive_confined(body, confined)


@pytest.mark.parametrize("typed", ["mine.json", "nets/below.json", "nets/../mine.json", "xor"])
def test_confined_a_file_under_the_root_and_a_preset_open(typed: str, confined: Path) -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        dialog = await open_dialog(app, pilot)
        await type_path(pilot, dialog, typed)
        check_sane(app)
        assert len(app.screen_stack) == 1, status(dialog)
        assert app.session.network.name.startswith("XOR")
        assert app.source == typed

    drive_confined(body, confined)


@pytest.mark.parametrize("typed", ["nets/none.json", "~/x.toml"])
def test_confined_a_missing_file_is_named_as_typed(typed: str, confined: Path) -> None:
    """`~` is not the home directory when confined: a folder of that name under the root."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        dialog = await open_dialog(app, pilot)
        await type_path(pilot, dialog, typed)
        assert status(dialog) == f"{typed}: no such file"

    drive_confined(body, confined)


def test_confined_the_tree_starts_at_the_root(confined: Path) -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        dialog = await open_dialog(app, pilot)
        tree = dialog.query_one(screens.NetworkTree)
        assert Path(tree.path) == confined

    drive_confined(body, confined)


def test_not_confined_an_absolute_path_opens(tmp_path: Path) -> None:
    """Without a root (the terminal's debugger) any readable path opens, as before."""
    path = tmp_path / "x.json"
    path.write_text(json.dumps(xor().to_dict()), encoding="utf-8")

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        dialog = await open_dialog(app, pilot)
        await type_path(pilot, dialog, str(path))
        assert len(app.screen_stack) == 1
        assert app.session.network.name.startswith("XOR")

    drive(body)
