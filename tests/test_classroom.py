"""The classroom keys: `u` runs until a condition typed in its dialog (each condition stops
where the session's own `run_until` stops, and says which), `c` shows the gradient check."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

import pytest
from driving import notes, run_app
from textual.pilot import Pilot
from textual.widgets import Input, Label

from nntui.app.app import NntuiApp
from nntui.app.gradcheck_view import GradientCheckView
from nntui.app.screens import AskDialog
from nntui.breakpoints import parse_condition, run_until
from nntui.engine.network import Layer, Network
from nntui.engine.presets import PRESETS, worked_example
from nntui.session import Session

Body = Callable[[NntuiApp, Pilot[int]], Awaitable[None]]


def drive(network: Network, body: Body) -> None:
    run_app(NntuiApp(network, source="test"), body)


async def run_until_typed(pilot: Pilot[int], typed: str) -> None:
    """`u`, the condition typed over the one offered, enter — sent as one burst of keys —
    and the run to its end (a long one goes on a slice at a time)."""
    await pilot.press("u", *typed, "enter")
    await until_run_ends(pilot)


async def until_run_ends(pilot: Pilot[int]) -> None:
    app = pilot.app
    assert isinstance(app, NntuiApp)
    for _ in range(1500):
        await pilot.pause(0.02)
        if app._until is None:
            break
    await pilot.pause()


def diverging() -> Network:
    """One linear neuron with a learning rate so large every step multiplies the error."""
    return Network((Layer("linear", [[2.0]], [0.0]),), [[3.0]], [[1.0]], "half_sse", 1e6)


def xor_at(learning_rate: float) -> Network:
    return dataclasses.replace(PRESETS["xor"].build(), learning_rate=learning_rate)


def test_u_and_enter_run_until_a_relu_switches_off_and_back_returns_step_by_step() -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, AskDialog)
        assert app.screen.query_one(Input).value == "relu"  # offered, and selected
        await pilot.press("enter")
        await pilot.pause()
        session = app.session
        assert session.cursor == 3  # h1 = relu(−0.34) = 0, the document's dead neuron
        step = session.trace.steps[session.cursor]
        assert step.kind == "post" and step.value == 0.0
        assert any("a ReLU switches off" in note for note in notes(app))
        await pilot.press("left")
        assert session.cursor == 2

    drive(worked_example(), body)


CONDITIONS = [
    ("relu", worked_example),
    ("zero", worked_example),
    ("grad > 0.05", worked_example),
    ("w100", worked_example),
    ("b10", worked_example),
    ("loss", lambda: xor_at(50.0)),
    ("nan", diverging),
]


@pytest.mark.parametrize(("typed", "make"), CONDITIONS, ids=[typed for typed, _ in CONDITIONS])
def test_each_condition_typed_stops_where_run_until_stops_and_says_which(
    typed: str, make: Callable[[], Network]
) -> None:
    """The dialog's condition is the engine's: the app stops at the very step a session
    running `run_until` on its own reaches, and the screen says which condition it was."""
    network = make()
    expected = Session(network)
    stop = run_until(expected, parse_condition(typed, network))
    assert stop.found

    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await run_until_typed(pilot, typed)
        session = app.session
        assert (session.iteration, session.cursor) == (expected.iteration, expected.cursor)
        assert session.loss_history == expected.loss_history
        assert stop.message in notes(app)
        assert stop.condition is not None and stop.condition.describe() in stop.message
        # ← walks back one step at a time.
        before = session.cursor
        await pilot.press("left")
        assert session.cursor == before - 1 or (before == 0 and session.cursor == -1)

    drive(network, body)


def test_a_condition_never_met_stops_at_a_limit_with_a_message_not_a_hang() -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await run_until_typed(pilot, "nan")
        said = notes(app)
        assert any("without finding where a value stops being finite" in note for note in said)
        assert app.session.iteration > 1

    drive(worked_example(), body)


def test_a_condition_the_engine_does_not_know_keeps_the_dialog_open_saying_why() -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("u")
        await pilot.pause()
        for typed, said in [
            ("sometimes", "not a condition"),
            ("grad > lots", "gradient size must be a number"),
            ("w999", "not a condition"),
            ("sp\u0007ace", "not a condition"),
        ]:
            assert isinstance(app.screen, AskDialog)
            app.screen.query_one(Input).value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, AskDialog)
            error = str(app.screen.query_one("#error", Label).render())
            assert said in error and "\u001b" not in error
            assert app.session.cursor == -1  # nothing moved
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AskDialog) and app.session.cursor == -1

    drive(worked_example(), body)


def test_the_palette_asks_for_the_selected_parameter() -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press(*["tab"] * 6)  # x0, x1, x2, w000, w001, w002
        await pilot.pause()
        app._run_until_touched()
        await pilot.pause()
        assert isinstance(app.screen, AskDialog)
        assert app.screen.query_one(Input).value == "w002"
        await pilot.press("enter")
        await pilot.pause()
        step = app.session.step
        assert step is not None and step.param is not None
        assert app.session.network.param_name(step.param) == "w002"

    drive(worked_example(), body)


def test_the_condition_typed_last_is_offered_again() -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await run_until_typed(pilot, "zero")
        first = app.session.cursor
        await pilot.press("u", "enter")  # the same condition again: the next zero gradient
        await until_run_ends(pilot)
        assert app.session.cursor > first or app.session.iteration > 1

    drive(worked_example(), body)


def test_the_gradient_check_pane_shows_in_the_loss_history_place() -> None:
    async def main() -> None:
        app = NntuiApp(worked_example(), source="worked-example")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            view = app.query_one(GradientCheckView)
            assert not view.display
            await pilot.press("c")
            await pilot.pause()
            assert view.display and app.main_screen.has_class("gradcheck")
            await pilot.press("c")
            await pilot.pause()
            assert not view.display

    asyncio.run(main())


# -- quiz mode, through the keys ---------------------------------------------------------------
def panel(app: NntuiApp) -> str:
    from nntui.app.step_panel import StepPanel

    return str(app.query_one(StepPanel).describe())


def title_text(app: NntuiApp) -> str:
    from nntui.app.title import TitleBar

    return str(app.query_one(TitleBar).render())


def test_z_hides_each_result_until_the_next_key_everywhere() -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("z", "space")
        await pilot.pause()
        known = app.known
        assert app.session.hidden and known.step is not None and known.step.symbol == "h_pre0"
        assert "= ?" in panel(app) and "0.290" not in panel(app)
        assert known.neuron(0, 0).pre is None  # the graph's box shows nothing yet
        assert "quiz 0/0 right" in title_text(app)
        await pilot.press("space")  # the next key shows it, without moving
        await pilot.pause()
        assert app.session.cursor == 0 and not app.session.hidden
        assert "0.290" in panel(app) and app.known.neuron(0, 0).pre == pytest.approx(0.29)
        await pilot.press("space")  # and the one after moves on, hidden again
        await pilot.pause()
        assert app.session.cursor == 1 and app.session.hidden
        await pilot.press("left")  # back shows the step before, revealed
        await pilot.pause()
        assert app.session.cursor == 0 and not app.session.hidden
        await pilot.press("z")  # off: nothing is hidden any more
        await pilot.pause()
        await pilot.press("space")
        assert not app.session.hidden

    drive(worked_example(), body)


def test_i_marks_a_guess_right_to_the_decimals_shown_and_keeps_the_score() -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("z", "space", "i")
        await pilot.pause()
        assert isinstance(app.screen, AskDialog)
        await pilot.press("0", "full_stop", "2", "9", "enter")  # h_pre0 = 0.290
        await pilot.pause()
        assert not isinstance(app.screen, AskDialog) and not app.session.hidden
        assert "✓ right: h_pre0 = 0.290" in panel(app)
        assert "quiz 1/1 right" in title_text(app)
        await pilot.press("space", "i", "1", "enter")  # h0 = relu(0.29) = 0.290: wrong
        await pilot.pause()
        assert "✗ you said 1.000; h0 = 0.290" in panel(app)
        assert "quiz 1/2 right" in title_text(app)
        assert any("✗" in note for note in notes(app))
        # `i` acts only while a result is hidden.
        await pilot.press("i")
        await pilot.pause()
        assert not isinstance(app.screen, AskDialog)

    drive(worked_example(), body)


def test_a_guess_that_is_not_a_number_keeps_the_dialog_open_and_changes_nothing() -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("z", "space", "i", "a", "b", "c", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AskDialog)
        assert "a guess is a number" in str(app.screen.query_one("#error", Label).render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.session.hidden and app.session.quiz.score.guessed == 0

    drive(worked_example(), body)


def test_a_burst_of_quiz_keys_typed_faster_than_the_screen_means_the_same() -> None:
    """`z space i 0.29 enter` arriving all at once — the dialog opens between `i` and `0` —
    is marked as if typed slowly: each key is handed on once the one before is handled."""
    from textual import events

    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        burst = [("z", "z"), ("space", " "), ("i", "i"), ("0", "0"), ("full_stop", ".")]
        burst += [("2", "2"), ("9", "9"), ("enter", "\r")]
        for key, character in burst:
            app.post_message(events.Key(key, character))
        for _ in range(200):
            await pilot.pause(0.02)
            if app.session.quiz.score.guessed:
                break
        assert app.session.quiz.score.right == 1 and not isinstance(app.screen, AskDialog)

    drive(worked_example(), body)


def test_training_and_the_palette_in_quiz_mode() -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Quiz mode" in titles
        await pilot.press("z", "space", "t", "5", "enter")
        for _ in range(200):
            await pilot.pause(0.02)
            if not app.training and app.session.iteration > 1:
                break
        assert (app.session.iteration, app.session.cursor) == (6, -1)
        assert not app.session.hidden and app.session.quiz_on
        await pilot.press("space")
        assert app.session.hidden  # the quiz goes on from the trained network

    drive(worked_example(), body)


def test_quiz_mode_hides_the_panes_that_would_give_answers_away() -> None:
    """The gradient check lists the backward pass's gradients and the predictions pane the
    forward pass's outputs: in quiz mode both say they are hidden instead."""
    from nntui.app.gradcheck_view import QUIZ_NOTE as GRADIENTS_HIDDEN
    from nntui.app.predictions import QUIZ_NOTE as OUTPUTS_HIDDEN
    from nntui.app.predictions import Predictions

    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("z", "c")
        await pilot.pause()
        shown = app.query_one(GradientCheckView)
        assert GRADIENTS_HIDDEN in shown._text and "0.038" not in shown._text
        await pilot.press("p")
        await pilot.pause()
        predictions = str(app.query_one(Predictions).render())
        assert OUTPUTS_HIDDEN in predictions and "0.519" not in predictions
        await pilot.press("z", "c")  # quiz off: the gradient check is back
        await pilot.pause()
        assert "0.038" in app.query_one(GradientCheckView)._text

    drive(worked_example(), body)


def test_esc_stops_a_long_run_where_it_is_and_the_screen_follows_it() -> None:
    """A run the condition never stops goes on a slice at a time: the screen is redrawn, the
    other keys wait, and esc stops it, saying where; ← walks back from there."""

    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("u", *"nan", "enter")
        await pilot.pause(0.3)
        assert app._until is not None  # still running: the worked example never diverges
        assert any("(esc stops)" in note for note in notes(app))
        await pilot.press("space")  # waits: a run moves the cursor, not space
        await pilot.press("escape")
        await until_run_ends(pilot)
        assert app._until is None
        said = [note for note in notes(app) if note.startswith("Stopped by esc after")]
        assert said and f"iteration {app.session.iteration}" in said[-1]
        where = (app.session.iteration, app.session.cursor)
        await pilot.press("left")
        assert (app.session.iteration, app.session.cursor) != where

    drive(worked_example(), body)


def test_help_theme_and_keep_work_while_a_run_trains(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The training progress screen is modal: it binds ?, d and k again, so the help, the
    light theme for a projector and a picture of the live view are there during a run."""
    from nntui.app.screens import HelpScreen, TrainProgress

    monkeypatch.chdir(str(tmp_path))

    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("t", *"5000000", "enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, TrainProgress)
        theme = app.theme
        await pilot.press("d", "k")
        await pilot.pause(0.2)
        assert app.theme != theme
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")  # cancels the run
        for _ in range(300):
            await pilot.pause(0.02)
            if not app.training:
                break
        assert not app.training

    drive(worked_example(), body)
    from pathlib import Path

    assert (Path(str(tmp_path)) / "nntui-001.svg").exists()
