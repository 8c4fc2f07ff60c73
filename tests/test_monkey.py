"""A monkey at the keyboard: hundreds of random key presses and terminal resizes must never
break the app, and it must end in a state that agrees with its session.

The keys are the app's own bindings (except q, which quits) plus keys bound to nothing, sent
one by one or in bursts (all at once, as a terminal hands over fast typing). Bursts also go
into every dialog: the train dialog with random text and enter/escape in any number, the
open-file dialog with random paths (presets, `../`, files good and broken, a FIFO, the tree
of files), the help screen. Resizes go from 40×12 to 200×60; below 60×16 the app must say
what size it needs instead of its body. Besides the presets, the monkey plays with extreme
networks: huge and tiny weights (1e200, 1e-300), losses that are not finite from the start,
13 layers, a thousand samples.

The runs are seeded: CI always plays the same games. A bigger random search runs locally with
`NNTUI_MONKEY_RUNS=50 pytest tests/test_monkey.py` (50 games on random seeds, also on random
extreme networks); `NNTUI_MONKEY_SEEDS=123,456` replays the seeds a failing game's id names.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from test_dialogs import burst, check_sane, release_readers
from textual.pilot import Pilot
from textual.widgets import Input, Static

from nntui.app.app import MIN_HEIGHT, MIN_WIDTH, NntuiApp, TitleBar
from nntui.app.screens import OpenFileDialog
from nntui.app.step_panel import StepPanel
from nntui.engine.loader import NetworkFileError, parse_network
from nntui.engine.network import Network
from nntui.engine.presets import softmax_3class, worked_example, xor

PRESSES = 320
#: Games on seeds of their own: NNTUI_MONKEY_SEEDS=1,2 replays, NNTUI_MONKEY_RUNS=50 explores.
_RUNS = int(os.environ.get("NNTUI_MONKEY_RUNS") or 0)
SEEDS = (
    [int(seed) for seed in os.environ["NNTUI_MONKEY_SEEDS"].split(",")]
    if os.environ.get("NNTUI_MONKEY_SEEDS")
    else [random.randrange(2**32) for _ in range(_RUNS)]
    if _RUNS
    else [20240611]
)
HOME = (120, 36)
SMALL_MESSAGE = f"nntui needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}"
# Keys no binding of the app uses: a letter, keys the focused ledger may scroll with, escape.
UNBOUND = ("z", "x", "b", "up", "down", "pagedown", "home", "end", "escape", "w")


def bound_keys() -> list[str]:
    keys = []
    for binding in NntuiApp.BINDINGS:
        keys += binding.key.split(",")  # type: ignore[union-attr]
    return [key for key in keys if key not in ("q", "t")]


def text_of(widget: Static) -> str:
    content = widget.content
    return str(getattr(content, "plain", content))


def is_small(size: tuple[int, int]) -> bool:
    return size[0] < MIN_WIDTH or size[1] < MIN_HEIGHT


def check_size_state(app: NntuiApp, size: tuple[int, int]) -> None:
    """The body, or the too-small message, as the terminal size asks for."""
    body = app.query_one("#body")
    message = app.query_one("#too-small", Static)
    if is_small(size):
        assert not body.display
        assert message.display and message.region.area > 0
        assert SMALL_MESSAGE in text_of(message)
        assert f"this one is {size[0]}×{size[1]}" in text_of(message)
    else:
        assert body.display and body.region.area > 0
        assert not message.display


def check_consistent(app: NntuiApp) -> None:
    """The app is alive and its views show the session as it is."""
    assert app.is_running
    assert app.return_code is None
    assert app._exception is None  # Textual keeps an unhandled exception here
    s = app.session
    assert -1 <= s.cursor < len(s.steps)
    assert 0 <= s.precision <= 8
    title = str(app.query_one(TitleBar).render())
    assert f"iteration {s.iteration} " in title
    assert s.granularity in title
    panel = text_of(app.query_one(StepPanel))
    step = s.step
    if step is None:
        assert f"Iteration {s.iteration} is ready." in panel
        assert "ready" in title.lower()
    else:
        assert step.symbol in panel
        assert step.result(s.precision) in panel
        assert f"step {step.index + 1}/{len(s.steps)}" in title


async def close_modals(app: NntuiApp, pilot: Pilot) -> None:
    """Escape closes every dialog (and cancels training); each closes at once."""
    for _ in range(5):
        if len(app.screen_stack) == 1 and not app.training:
            return
        await burst(pilot, "escape")
    assert len(app.screen_stack) == 1 and not app.training, app.screen_stack


async def monkey(
    app: NntuiApp, pilot: Pilot, rng: random.Random, presses: int, paths: list[str]
) -> Counter[str]:
    """`presses` random keys, with resizes and bursts into the dialogs mixed in (the open-file
    dialog picks from `paths`); what it did, counted."""
    keys = bound_keys() + list(UNBOUND)
    seen: Counter[str] = Counter()
    # First one of each kind of event (a too-small resize, each dialog), in a random order.
    tour = rng.sample([0.0, 0.10, 0.15, 0.2, 0.24], 5)
    while seen["presses"] < presses:
        roll = tour.pop() if tour else rng.random()
        if roll < 0.08:
            size = (rng.randint(40, 200), rng.randint(12, 60))
            if roll == 0 or rng.random() < 0.3:  # make sure the too-small message comes up often
                size = (rng.randint(40, MIN_WIDTH - 1), rng.randint(12, 60))
            modal = len(app.screen_stack) > 1
            await pilot.resize_terminal(*size)
            seen["resizes"] += 1
            if not modal:
                check_size_state(app, size)
                seen["small"] += is_small(size)
        elif roll < 0.14:
            seen["presses"] += await train_dialog(app, pilot, rng)
            seen["train dialogs"] += 1
        elif roll < 0.18:
            seen["presses"] += await open_file_dialog(app, pilot, rng, paths)
            seen["open-file dialogs"] += 1
        elif roll < 0.23:
            seen["presses"] += await what_if_dialog(app, pilot, rng)
            seen["what-if dialogs"] += 1
        elif roll < 0.25:
            batch = ["question_mark", *(rng.choice(keys) for _ in range(rng.randint(0, 3)))]
            await send(pilot, rng, *batch, *rng.choice(ENDINGS))
            await close_modals(app, pilot)
            seen["presses"] += len(batch) + 1
            seen["help screens"] += 1
        else:
            batch = [rng.choice(keys) for _ in range(rng.randint(1, 4))]
            await send(pilot, rng, *batch)
            seen["presses"] += len(batch)
            seen["steps"] += sum(key in ("space", "right", "left") for key in batch)
        check_sane(app)
        assert not app.training
    await pilot.pause()
    return seen


#: How a burst into a dialog ends.
ENDINGS = (
    ("enter",),
    ("enter", "enter"),
    ("escape",),
    ("escape", "escape"),
    ("enter", "escape"),
    ("escape", "enter"),
    ("enter", "enter", "escape", "escape"),
)
TRAIN_TEXTS = ("1", "3", "12", "1e3", "1,000", "1.5", "0", "-1", "1e12", "9" * 40, "", "abc")


async def send(pilot: Pilot, rng: random.Random, *keys: str) -> None:
    """The keys as a burst, or (a fifth of the time: it is five times slower) one by one."""
    if rng.random() < 1 / 5:
        await pilot.press(*keys)
        await pilot.pause()
    else:
        await burst(pilot, *keys)


async def train_dialog(app: NntuiApp, pilot: Pilot, rng: random.Random) -> int:
    """`t`, maybe a backspace, random text, an ending; a run that started is cancelled (esc)
    once the burst is over. The number of keys sent."""
    if rng.random() < 0.5:
        text = rng.choice(TRAIN_TEXTS)
    else:
        text = "".join(rng.choice("0123456789.,_e-+x ") for _ in range(rng.randint(0, 8)))
    keys = ["t", *(["backspace"] if rng.random() < 0.5 else []), *text, *rng.choice(ENDINGS)]
    await send(pilot, rng, *keys)
    if app.training:
        await burst(pilot, "escape")  # waits for the cancelled run to be applied
    await close_modals(app, pilot)
    return len(keys)


#: What the monkey types into the what-if dialogs: numbers good and bad, shapes, file names.
WHAT_IF_TEXTS = ("1", "-0.5", "1e3", "inf", "nan", "abc", "", "2-3-1", "2-x", "saved.json", "../x")


async def what_if_dialog(app: NntuiApp, pilot: Pilot, rng: random.Random) -> int:
    """A number selected (tab), then the edit, activation, new-network or save dialog, random
    text and an ending, as one burst. The number of keys sent."""
    text = rng.choice(WHAT_IF_TEXTS)
    opener = rng.choice(["e", "a", "n", "s"])
    keys = [*["tab"] * rng.randint(0, 6), opener, *text, *rng.choice(ENDINGS)]
    await send(pilot, rng, *keys)
    await close_modals(app, pilot)
    return len(keys)


async def open_file_dialog(
    app: NntuiApp, pilot: Pilot, rng: random.Random, paths: list[str]
) -> int:
    """The open-file dialog (as the command palette opens it), a path typed or pasted, an
    ending (or the tree: tab, down…, enter); a read still going on after a moment (a FIFO)
    is left behind with escape. The number of keys sent."""
    app._ask_file()
    await pilot.pause()
    dialog = app.screen
    if not isinstance(dialog, OpenFileDialog):
        return 0  # opened under another dialog: _ask_file refuses, rightly
    path = rng.choice(paths)
    # Typed key by key, or pasted (a long path always: it would use up the game's keys).
    typed = [*path] if path.isprintable() and len(path) <= 40 and rng.random() < 0.5 else []
    if not typed:
        dialog.query_one(Input).value = path  # pasted
    if rng.random() < 0.25:
        ending = ["tab", *["down"] * rng.randint(0, 4), "enter", *rng.choice(ENDINGS)]
    else:
        ending = list(rng.choice(ENDINGS))
    await send(pilot, rng, *typed, *ending)
    for _ in range(25):  # a file read finishes, or is stuck (a FIFO): half a second at most
        if not (dialog.is_attached and dialog._loading):
            break
        await pilot.pause(0.02)
    await close_modals(app, pilot)
    return len(typed) + len(ending)


def game_files(directory: Path) -> list[str]:
    """Network files good and broken, a FIFO and a folder in `directory` (the current one, so
    the dialog's tree shows them), and the paths the monkey types into the open-file dialog."""
    good = xor().to_dict()
    good["name"] = "From a file \x1b]0;PWNED\x07 [i]"
    (directory / "good.json").write_text(json.dumps(good), encoding="utf-8")
    (directory / "broken.toml").write_text("loss = [\n", encoding="utf-8")
    (directory / "sub").mkdir()
    (directory / "sub" / "deep.json").write_text(json.dumps(good), encoding="utf-8")
    os.mkfifo(directory / "pipe.json")
    return [
        "good.json", str(directory / "good.json"), "broken.toml", "pipe.json", "sub",
        "sub/deep.json", "xor", "softmax-3class", "deep-4-16-16-3", "worked-example", "xr",
        "../", "/", "~", "nope.json", "[/]", "\x1b[2J", "", "  ", "a" * 300, "\u202egood.json",
    ]  # fmt: skip


def play(network: Network, seed: int, presses: int, directory: Path) -> Counter[str]:
    """One game of `presses` keys on `network`, then every dialog closed, the terminal at its
    home size, and the views checked against the session."""
    app = NntuiApp(network)
    rng = random.Random(seed)
    paths = game_files(directory)

    async def main() -> Counter[str]:
        async with app.run_test(size=HOME) as pilot:
            await pilot.pause()
            seen = await monkey(app, pilot, rng, presses, paths)
            await close_modals(app, pilot)
            await pilot.resize_terminal(*HOME)
            await pilot.pause()
            check_size_state(app, HOME)
            check_consistent(app)
            return seen

    try:
        seen = asyncio.run(main())
    finally:
        release_readers(directory / "pipe.json")
    assert app.return_code is None
    return seen


@pytest.mark.parametrize("seed", SEEDS)
def test_random_keys_and_resizes_leave_a_consistent_app(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One run: half the presses on the worked example, then the softmax preset is opened (as
    its command palette entry does) and the other half go to it."""
    monkeypatch.chdir(tmp_path)
    app = NntuiApp(worked_example())
    rng = random.Random(seed)
    paths = game_files(tmp_path)

    async def main() -> Counter[str]:
        async with app.run_test(size=HOME) as pilot:
            await pilot.pause()
            seen = await monkey(app, pilot, rng, PRESSES // 2, paths)
            await close_modals(app, pilot)
            await pilot.resize_terminal(*HOME)
            check_consistent(app)
            app.open_network(softmax_3class(), "softmax-3class")
            await pilot.pause()
            assert app.session.network.name.startswith("Three classes")
            assert app.session.network.name in str(app.query_one(TitleBar).render())
            seen += await monkey(app, pilot, rng, PRESSES - seen["presses"], paths)
            await close_modals(app, pilot)
            # Too small: the message and nothing else; back to a usable size: the body again.
            await pilot.resize_terminal(50, 14)
            check_size_state(app, (50, 14))
            await pilot.resize_terminal(*HOME)
            check_size_state(app, HOME)
            check_consistent(app)
            # Still answering keys, with the views in step with the session.
            cursor = app.session.cursor
            await pilot.press("left" if cursor >= 0 else "space")
            assert app.session.cursor == (cursor - 1 if cursor >= 0 else 0)
            check_consistent(app)
            return seen

    try:
        seen = asyncio.run(main())
    finally:
        release_readers(tmp_path / "pipe.json")
    assert app.return_code is None
    assert seen["presses"] >= PRESSES
    for kind in ("steps", "resizes", "small", "train dialogs", "open-file dialogs"):
        assert seen[kind] > 0, (kind, seen)
    assert seen["help screens"] > 0, seen


def _parsed(data: dict[str, object]) -> Network:
    return parse_network({"learning_rate": 0.1, "loss": "half_sse", **data}, "generated")


def _layer(activation: str, rows: list[list[float]]) -> dict[str, object]:
    return {"activation": activation, "weights": rows, "biases": [0.0] * len(rows)}


def _deep(layers: int) -> Network:
    rng = random.Random(layers)
    hidden = [
        _layer("tanh", [[rng.uniform(-1.5, 1.5) for _ in range(3)] for _ in range(3)])
        for _ in range(layers - 1)
    ]
    return _parsed(
        {"layers": [*hidden, _layer("linear", [[0.5, -0.5, 0.25]])],
         "samples": [{"x": [0.1, 0.2, 0.3], "y": [1.0]}]}
    )  # fmt: skip


def _many_samples(n: int) -> Network:
    rng = random.Random(n)
    samples = [{"x": [rng.uniform(-2, 2)], "y": [float(rng.random() < 0.5)]} for _ in range(n)]
    return _parsed({"loss": "bce", "layers": [_layer("sigmoid", [[0.7]])], "samples": samples})


#: Networks at the edges of what floats hold, each a game of its own.
EXTREME: dict[str, Callable[[], Network]] = {
    "huge weights": lambda: _parsed(
        {"layers": [_layer("tanh", [[1e200, -1e200], [-1e200, 1e200], [1e200, 1e200]]),
                    _layer("sigmoid", [[1e200, -1e200, 1e200]])],
         "samples": [{"x": [1e200, -1e200], "y": [1.0]}, {"x": [1.0, 2.0], "y": [0.0]}]}
    ),
    "tiny weights": lambda: _parsed(
        {"loss": "mse",
         "layers": [_layer("relu", [[1e-300, 5e-324], [-1e-300, 1e-300]]),
                    _layer("linear", [[1e-300, -1e-300]])],
         "samples": [{"x": [1e-300, 1e-300], "y": [1e-300]}]}
    ),
    "inf first loss": lambda: _parsed(
        {"layers": [_layer("linear", [[1e200, 1e200]])],
         "samples": [{"x": [1e200, 1e200], "y": [3.0]}]}
    ),
    "nan first loss": lambda: _parsed(
        {"layers": [_layer("linear", [[1e200, -1e200]])],
         "samples": [{"x": [1e200, 1e200], "y": [3.0]}]}
    ),
    "softmax of 1e4": lambda: _parsed(
        {"loss": "cross_entropy",
         "layers": [_layer("softmax", [[1e4, -1e4], [-1e4, 1e4], [0.0, 1e4]])],
         "samples": [{"x": [1.0, -1.0], "y": [0.0, 0.0, 1.0]}]}
    ),
    "13 layers": lambda: _deep(13),
    "1000 samples": lambda: _many_samples(1000),
}  # fmt: skip
EXTREME_PRESSES = 40


def random_network(rng: random.Random) -> Network:
    """A valid network of random depth, widths, activations, loss and magnitude."""
    while True:
        scale = rng.choice([1e-300, 1e-20, 1e-3, 1.0, 1e3, 1e20, 1e200])
        depth = rng.randint(1, 14)
        widths = [rng.randint(1, 4) for _ in range(depth + 1)]
        loss = rng.choice(["half_sse", "sse", "mse", "bce", "cross_entropy"])
        activations = [
            rng.choice(["linear", "relu", "leaky_relu", "sigmoid", "tanh"]) for _ in range(depth)
        ]
        if loss == "bce":
            activations[-1] = "sigmoid"
        if loss == "cross_entropy":
            activations[-1], widths[-1] = "softmax", max(2, widths[-1])
        layers = [
            _layer(a, [[scale * rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)])
            for a, n_in, n_out in zip(activations, widths, widths[1:], strict=False)
        ]
        samples = []
        for _ in range(rng.choice([1, 2, 5, 40, 1000])):
            y = [rng.random() for _ in range(widths[-1])]
            if loss == "cross_entropy":
                y = [float(k == rng.randrange(widths[-1])) for k in range(widths[-1])]
                y = y if sum(y) == 1 else [1.0, *[0.0] * (widths[-1] - 1)]
            x = [scale * rng.uniform(-1, 1) for _ in range(widths[0])]
            samples.append({"x": x, "y": y})
        try:
            return _parsed({"loss": loss, "layers": layers, "samples": samples})
        except NetworkFileError:  # e.g. a scale that makes inputs no finite float
            continue


@pytest.mark.parametrize("name", list(EXTREME))
def test_the_monkey_on_an_extreme_network(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    seen = play(EXTREME[name](), zlib.crc32(name.encode()), EXTREME_PRESSES, tmp_path)
    assert seen["presses"] >= EXTREME_PRESSES


@pytest.mark.parametrize("seed", SEEDS)
def test_the_monkey_on_a_random_extreme_network(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    network = random_network(random.Random(seed))
    seen = play(network, seed, EXTREME_PRESSES, tmp_path)
    assert seen["presses"] >= EXTREME_PRESSES


def test_a_resize_under_the_help_screen_reaches_the_main_screen() -> None:
    app = NntuiApp(worked_example())

    async def main() -> None:
        async with app.run_test(size=HOME) as pilot:
            await pilot.press("question_mark")
            await pilot.resize_terminal(50, 14)
            await pilot.press("escape")
            await pilot.pause()
            assert len(app.screen_stack) == 1
            check_size_state(app, (50, 14))

    asyncio.run(main())
