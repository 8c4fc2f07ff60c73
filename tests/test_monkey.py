"""A monkey at the keyboard: hundreds of random key presses and terminal resizes must never
break the app, and it must end in a state that agrees with its session.

The keys are the app's own bindings (except q, which quits; t only as "t" then "escape",
which opens and cancels the training dialog) plus keys bound to nothing. Resizes go from
40×12 to 200×60; below 60×16 the app must say what size it needs instead of its body.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from textual.pilot import Pilot
from textual.widgets import Static

from nntui.app.app import MIN_HEIGHT, MIN_WIDTH, NntuiApp, TitleBar
from nntui.app.step_panel import StepPanel
from nntui.engine.presets import softmax_3class, worked_example

PRESSES = 320
HOME = (120, 36)
SMALL_MESSAGE = f"nntui needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}"
# Keys no binding of the app uses: a letter, keys the focused ledger may scroll with, escape.
UNBOUND = ("z", "x", "a", "up", "down", "pagedown", "home", "end", "escape", "tab")


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
    """Escape closes the help screen and the training dialog."""
    for _ in range(5):
        if len(app.screen_stack) == 1:
            return
        await pilot.press("escape")
    assert len(app.screen_stack) == 1, app.screen_stack


async def monkey(app: NntuiApp, pilot: Pilot, rng: random.Random, presses: int) -> Counter[str]:
    """`presses` random keys, with resizes and train dialogs mixed in; what it did, counted."""
    keys = bound_keys() + list(UNBOUND)
    seen: Counter[str] = Counter()
    while seen["presses"] < presses:
        roll = rng.random()
        if roll < 0.08:
            size = (rng.randint(40, 200), rng.randint(12, 60))
            if rng.random() < 0.3:  # make sure the too-small message comes up often
                size = (rng.randint(40, MIN_WIDTH - 1), rng.randint(12, 60))
            modal = len(app.screen_stack) > 1
            await pilot.resize_terminal(*size)
            seen["resizes"] += 1
            if not modal:
                check_size_state(app, size)
                seen["small"] += is_small(size)
        elif roll < 0.12:
            await pilot.press("t", "escape")
            seen["presses"] += 2
            seen["train dialogs"] += 1
        else:
            batch = [rng.choice(keys) for _ in range(rng.randint(1, 4))]
            await pilot.press(*batch)
            seen["presses"] += len(batch)
            seen["steps"] += sum(key in ("space", "right", "left") for key in batch)
        assert app.is_running and app._exception is None
        assert not app.training
    await pilot.pause()
    return seen


def test_random_keys_and_resizes_leave_a_consistent_app() -> None:
    """One run: half the presses on the worked example, then the softmax preset is opened (as
    its command palette entry does) and the other half go to it."""
    app = NntuiApp(worked_example())
    rng = random.Random(20240611)

    async def main() -> Counter[str]:
        async with app.run_test(size=HOME) as pilot:
            await pilot.pause()
            seen = await monkey(app, pilot, rng, PRESSES // 2)
            await close_modals(app, pilot)
            await pilot.resize_terminal(*HOME)
            check_consistent(app)
            app.open_network(softmax_3class(), "softmax-3class")
            await pilot.pause()
            assert app.session.network.name.startswith("Three classes")
            assert app.session.network.name in str(app.query_one(TitleBar).render())
            seen += await monkey(app, pilot, rng, PRESSES - seen["presses"])
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

    seen = asyncio.run(main())
    assert app.return_code is None
    assert seen["presses"] >= PRESSES
    assert seen["steps"] > 0 and seen["resizes"] > 0
    assert seen["small"] > 0 and seen["train dialogs"] > 0


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
