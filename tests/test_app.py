"""The debugger app driven by Textual's Pilot: every key, the footer, the title, the step panel
against the export, training, the help screen, narrow panes and the command palette.

A Pilot key press costs about a tenth of a second, so long walks through an iteration go
through `app.session` directly, followed by `app.refresh_views()`.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from driving import run_app
from rich.console import Console
from rich.table import Table
from textual.binding import Binding
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from nntui.app.app import DARK, HELP_TOGETHER, LIGHT, NntuiApp, TitleBar
from nntui.app.keybar import KeyBar
from nntui.app.screens import HelpScreen, OpenFileDialog, TrainDialog, TrainProgress
from nntui.app.step_panel import StepPanel
from nntui.engine.network import Network
from nntui.engine.presets import worked_example, xor
from nntui.engine.trace import build_trace
from nntui.engine.training import train

WIDE = (120, 36)
NARROW = (80, 24)
N_STEPS = 42  # steps of one worked-example iteration at parameter granularity

Body = Callable[[NntuiApp, Pilot], Awaitable[None]]


def drive(body: Body, *, network: Network | None = None, size: tuple[int, int] = WIDE) -> NntuiApp:
    """Run the app headless at `size`, hand it and its pilot to `body`, return the app."""
    return run_app(NntuiApp(network if network is not None else worked_example()), body, size=size)


def go_to(app: NntuiApp, cursor: int) -> None:
    """Put the session's cursor on step `cursor` of this iteration, as `next` would."""
    s = app.session
    while s.cursor > cursor:
        s.back()
    while s.cursor < cursor:
        s.next()
    app.refresh_views()


def title(app: NntuiApp) -> str:
    return str(app.query_one(TitleBar).render())


def panel_lines(app: NntuiApp) -> list[str]:
    content = app.query_one(StepPanel).content
    return str(getattr(content, "plain", content)).split("\n")


def footer_actions(app: NntuiApp) -> set[str]:
    return app.query_one(KeyBar).actions


def shown(widget: Widget) -> bool:
    """True when the widget takes up cells on screen."""
    return widget.region.area > 0


def notifications(app: NntuiApp) -> list[tuple[str, str]]:
    """(severity, message) of every toast so far (Textual keeps them on the app, privately)."""
    return [(n.severity, n.message) for n in app._notifications]


# -- starting, stepping and the footer ----------------------------------------------------------


def test_start_shows_the_network_before_any_number() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        assert app.session.cursor == -1
        assert title(app).startswith("iteration 1 · READY · loss — · parameter · Worked example")
        lines = panel_lines(app)
        assert lines[0].startswith("Iteration 1 is ready. Input x = [0.9, 0.2, 0.5], target y")
        assert "Press space" in lines[1]

    drive(body)


def test_space_and_right_each_take_one_step() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("space")
        assert app.session.cursor == 0
        assert app.session.step.symbol == "h_pre0"
        await pilot.press("right")
        assert app.session.cursor == 1
        assert app.session.step.symbol == "h0"
        assert "FORWARD 2/6 · step 2/42" in title(app)

    drive(body)


def test_left_takes_one_step_back() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        go_to(app, 5)
        await pilot.press("left")
        assert app.session.cursor == 4
        await pilot.press("left")
        assert app.session.cursor == 3
        assert app.session.step.symbol == "h1"

    drive(body)


def test_left_steps_back_across_iterations() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        go_to(app, N_STEPS - 1)
        await pilot.press("space")  # past the last step: iteration 2, ready
        assert (app.session.iteration, app.session.cursor) == (2, -1)
        assert title(app).startswith("iteration 2 · READY · loss 0.135")
        await pilot.press("left")
        assert (app.session.iteration, app.session.cursor) == (1, N_STEPS - 1)
        assert "CHECK 7/7 · step 42/42 · loss 0.135" in title(app)
        await pilot.press("left")
        assert (app.session.iteration, app.session.cursor) == (1, N_STEPS - 2)

    drive(body)


def test_brackets_jump_between_phases() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("right_square_bracket")
        assert app.session.phase == "forward" and app.session.cursor == 0
        await pilot.press("right_square_bracket")
        assert app.session.phase == "loss" and app.session.cursor == 6
        await pilot.press("right_square_bracket")
        assert app.session.phase == "backward" and app.session.cursor == 7
        await pilot.press("space", "space")
        await pilot.press("left_square_bracket")  # to the start of this phase
        assert app.session.cursor == 7
        await pilot.press("left_square_bracket")  # already there: the previous phase
        assert app.session.phase == "loss" and app.session.cursor == 6

    drive(body)


def test_enter_finishes_the_iteration() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        go_to(app, 2)
        await pilot.press("enter")
        assert app.session.complete
        assert app.session.step.symbol == "E*"
        assert app.session.loss_history == pytest.approx((0.138, 0.135), abs=5e-4)

    drive(body)


def test_check_action_follows_the_session() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        assert app.check_action("step_back", ()) is False
        assert app.check_action("previous_phase", ()) is False
        assert app.check_action("finish", ()) is True
        await pilot.press("space")
        assert app.check_action("step_back", ()) is True
        assert app.check_action("previous_phase", ()) is True
        await pilot.press("enter")
        assert app.check_action("finish", ()) is False
        assert app.check_action("next_phase", ()) is False
        assert app.check_action("next", ()) is True  # on to the next iteration

    drive(body)


def test_footer_at_start_hides_back_and_previous_phase() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        actions = footer_actions(app)
        assert "step_back" not in actions
        assert "previous_phase" not in actions
        assert {"next", "next_phase", "finish", "train", "help", "quit"} <= actions
        assert not {"pane('graph')", "pane('ledger')", "pane('loss')"} & actions  # wide: no panes

    drive(body)


def test_footer_after_one_step_shows_back_and_previous_phase() -> None:
    """The footer lists what `screen.active_bindings` says; ← must be there (`step_back`) once
    there is a step to go back to, not hidden behind a scroll binding of a focused widget."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("space")
        await pilot.pause()
        actions = footer_actions(app)
        assert "previous_phase" in actions
        assert "step_back" in actions

    drive(body)


def test_footer_at_the_end_of_the_iteration_hides_finish() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("enter")
        await pilot.pause()
        actions = footer_actions(app)
        assert "finish" not in actions
        assert "next_phase" not in actions
        assert {"next", "previous_phase"} <= actions

    drive(body)


# -- what the screen says ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "precision"),
    [(worked_example, 3), (worked_example, 5), (xor, 3)],
    ids=["worked-example", "worked-example-5-decimals", "xor-4-samples"],
)
def test_step_panel_shows_the_step_and_the_exports_numbers(
    build: Callable[[], Network], precision: int
) -> None:
    """For every step: the panel is the step's formula, its numbers substituted, its result and
    why, and those are the fields `build_trace(net).to_json(p)["steps"][i]` exports."""
    export = build_trace(build()).to_json(precision)["steps"]

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        s = app.session
        s.precision = precision
        assert len(s.steps) == len(export)
        for i, exported in enumerate(export):
            go_to(app, i)
            step = s.step
            assert step is not None
            several = step.sample is not None and s.network.n_samples > 1
            prefix = f"sample {step.sample} · " if several else ""
            pad = " " * len(prefix + step.symbol)
            lines = panel_lines(app)
            assert lines == [
                f"{prefix}{step.symbol} = {step.formula}",
                f"{pad} = {step.substituted(precision)}",
                f"{pad} = {step.result(precision)}",
                step.reason(precision),
            ], f"step {i}"
            # The same numbers as the export: its formula, its one-line text, its why.
            assert lines[0] == f"{prefix}{exported['symbol']} = {exported['formula']}"
            substituted = lines[1].removeprefix(f"{pad} = ")
            result = lines[2].removeprefix(f"{pad} = ")
            assert f"{exported['symbol']} = {substituted} = {result}" == exported["text"]
            assert lines[3] == exported["why"]

    drive(body, network=build())


def test_step_panel_shows_the_documents_chain_rule_numbers() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        go_to(app, 9)
        assert panel_lines(app)[:3] == [
            "∂E/∂w100 = ∂E/∂o · ∂o/∂o_pre · ∂o_pre/∂w100",
            "         = 0.526 · 0.249 · 0.29",
            "         = 0.038",
        ]

    drive(body)


TITLES = {
    -1: "iteration 1 · READY · loss — · parameter · Worked example: 3-2-1, ReLU then sigmoid",
    5: "iteration 1 · FORWARD 6/6 · step 6/42 · loss — · parameter",
    6: "iteration 1 · LOSS 1/1 · step 7/42 · loss 0.138 · parameter",
    9: "iteration 1 · BACKWARD 3/17 · step 10/42 · loss 0.138 · parameter",
    24: "iteration 1 · UPDATE 1/11 · step 25/42 · loss 0.138 · parameter",
    41: "iteration 1 · CHECK 7/7 · step 42/42 · loss 0.135 · parameter",
}


def test_title_shows_iteration_phase_step_and_loss() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        for cursor, expected in TITLES.items():
            go_to(app, cursor)
            assert title(app).startswith(expected), cursor

    drive(body)


# -- granularity, decimals, reset, theme -------------------------------------------------------


def test_g_cycles_parameter_neuron_layer() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        go_to(app, 2)  # h_pre1 = −0.340
        await pilot.press("g")
        assert app.session.granularity == "neuron"
        assert " · neuron · " in title(app)
        assert ("information", "One step per neuron.") in notifications(app)
        await pilot.press("g")
        assert app.session.granularity == "layer"
        assert " · layer · " in title(app)
        assert len(app.session.steps) < N_STEPS
        await pilot.press("g")
        assert app.session.granularity == "parameter"
        assert ("information", "One step per parameter.") in notifications(app)

    drive(body)


def test_g_keeps_the_progress_at_the_end_of_the_forward_pass() -> None:
    """At o = σ(0.103) every number of the forward pass is on screen; cutting the iteration
    into layer steps must not take any of them away (Session.set_granularity: the cursor lands
    on the last step that shows nothing not yet shown — the layer step `o`)."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        go_to(app, 5)
        await pilot.press("g")
        assert (app.session.granularity, app.session.step.symbol) == ("neuron", "o")
        await pilot.press("g")
        assert app.session.granularity == "layer"
        assert app.session.step.symbol == "o"
        await pilot.press("g")
        assert (app.session.granularity, app.session.cursor) == ("parameter", 5)

    drive(body)


def test_plus_equals_and_minus_change_the_decimals() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        go_to(app, 6)  # E = 0.138
        await pilot.press("plus")
        assert app.session.precision == 4
        assert panel_lines(app)[2].endswith("= 0.1382")
        assert "loss 0.1382" in title(app)
        await pilot.press("equals_sign")
        assert app.session.precision == 5
        await pilot.press("minus", "minus", "minus")
        assert app.session.precision == 2
        assert panel_lines(app)[2].endswith("= 0.14")

    drive(body)


def test_decimals_stop_at_0_and_8() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        app.session.precision = 8
        app.refresh_views()
        assert app.check_action("more_precision", ()) is False
        await pilot.press("plus")
        assert app.session.precision == 8
        app.session.precision = 0
        app.refresh_views()
        assert app.check_action("less_precision", ()) is False
        await pilot.press("minus")
        assert app.session.precision == 0

    drive(body)


def test_r_resets_and_left_undoes_it() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        go_to(app, N_STEPS - 1)
        app.session.next()  # iteration 2
        go_to(app, 3)
        before = app.session.state()
        await pilot.press("r")
        assert (app.session.iteration, app.session.cursor) == (1, -1)
        assert app.session.loss_history == ()
        assert title(app).startswith("iteration 1 · READY · loss —")
        assert any("Reset" in message for _, message in notifications(app))
        await pilot.press("left")
        assert app.session.state() == before
        assert title(app).startswith("iteration 2 · FORWARD 4/6")

    drive(body)


def test_d_toggles_dark_and_light() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        assert app.theme == DARK
        await pilot.press("d")
        assert app.theme == LIGHT
        await pilot.press("d")
        assert app.theme == DARK

    drive(body)


# -- training ----------------------------------------------------------------------------------


def test_t_trains_the_number_typed_and_applies_the_result() -> None:
    expected = train(worked_example(), 25).loss_history

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("t")
        assert isinstance(app.screen, TrainDialog)
        await pilot.press("2", "5", "enter")  # the default 100 is selected: typing replaces it
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, TrainProgress | TrainDialog)
        assert not app.training
        s = app.session
        assert (s.iteration, s.cursor) == (26, -1)
        assert len(s.loss_history) == 26
        assert s.loss_history == pytest.approx(tuple(expected), rel=1e-12)
        assert title(app).startswith(f"iteration 26 · READY · loss {expected[-1]:.3f}")
        assert ("information", "Trained 25 iterations (← goes back).") in notifications(app)
        await pilot.press("left")  # back to before training
        assert (s.iteration, s.loss_history) == (1, ())

    drive(body)


def test_train_dialog_rejects_zero_and_escape_cancels() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        before = app.session.state()
        await pilot.press("t", "0", "enter")
        assert isinstance(app.screen, TrainDialog)
        error = app.screen.query_one("#error", Label)
        assert "whole number" in str(error.render())
        await pilot.press("escape")
        assert not isinstance(app.screen, TrainDialog)
        assert not app.training
        assert app.session.state() == before

    drive(body)


def test_escape_during_a_long_training_keeps_the_iterations_done() -> None:
    big = 2_000_000

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("t")
        app.screen.query_one(Input).value = str(big)  # typing was tested above; keys are slow
        await pilot.press("enter")
        assert isinstance(app.screen, TrainProgress)
        assert app.training
        assert app.check_action("next", ()) is False  # nothing steps while training runs
        assert app.check_action("toggle_theme", ()) is True
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training
        assert not isinstance(app.screen, TrainProgress)
        s = app.session
        done = s.iteration - 1
        assert 0 < done < big
        assert len(s.loss_history) == done + 1
        assert s.message == f"cancelled after {done:,} of {big:,} iterations"
        assert ("warning", s.message) in notifications(app)
        assert any(s.message in line for line in panel_lines(app))

    drive(body)


# -- help, quit ----------------------------------------------------------------------------------

KEY_NAMES = {
    "escape": "esc",
    "right": "→",
    "left": "←",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "plus": "+",
    "equals_sign": "=",
    "greater_than_sign": ">",
    "less_than_sign": "<",
    "minus": "-",
    "question_mark": "?",
}


def test_help_lists_every_binding_and_escape_closes_it() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        tables = [w.content for w in app.screen.query(Static) if isinstance(w.content, Table)]
        assert len(tables) == 1
        console = Console(width=200, file=io.StringIO(), color_system=None)
        console.print(tables[0])
        rows = [line.strip() for line in console.file.getvalue().splitlines() if line.strip()]
        firsts = [row.split("  ")[0] for row in rows]
        for binding in NntuiApp.BINDINGS:
            assert isinstance(binding, Binding)
            for key in binding.key.split(","):
                name = KEY_NAMES.get(key, key)
                assert any(name in first.split(", ") for first in firsts), key
            # What the key does is the binding's own text: its tooltip, else its description.
            said = binding.tooltip or binding.description
            assert any(said in row for row in rows), said
        assert any(row.startswith("ctrl+p") for row in rows)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

    drive(body)


def test_help_is_written_from_the_bindings_so_a_new_key_appears_in_it() -> None:
    """A binding added to the app is in the help with its keys and its tooltip; nothing in
    the help is written anywhere but in the bindings."""

    class WithAnotherKey(NntuiApp):
        BINDINGS = [
            *NntuiApp.BINDINGS,
            Binding("x,ctrl+x", "bell", "ring", key_display="x", tooltip="ring the bell"),
        ]

    rows = WithAnotherKey(worked_example()).key_help()
    assert rows[-1] == ("x, ctrl+x", "ring the bell")
    assert rows[:-1] == NntuiApp(worked_example()).key_help()
    # Keys that go together share a row (tab and shift+tab, A and X, 1 2 3, + and -, > and <):
    # the help fits 120×36.
    assert len(rows) == len(WithAnotherKey.BINDINGS) - len(HELP_TOGETHER)
    helped = dict(NntuiApp(worked_example()).key_help())
    assert helped["tab, shift+tab"].startswith("select a number to edit")
    assert helped["A, X"].startswith("add / remove a neuron")
    assert helped["space, →"] == "next step (past the last step: the next iteration)"
    assert helped["enter"].startswith("finish the iteration")  # spelled out, not ⏎
    assert helped["+, =, -"] == "more / fewer decimals" and helped["q"] == "quit"


def _our_textual_classes() -> list[type]:
    """Every widget, screen and app class defined in nntui.app."""
    import importlib
    import inspect
    import pkgutil

    from textual.dom import DOMNode

    import nntui.app

    classes = []
    for module_info in pkgutil.iter_modules(nntui.app.__path__):
        module = importlib.import_module(f"nntui.app.{module_info.name}")
        classes += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, DOMNode)
            and value.__module__ == module.__name__
        ]
    return classes


#: Textual's methods that are there to be overridden (its documented hooks).
TEXTUAL_HOOKS = frozenset(
    {
        "compose",
        "render",
        "render_line",
        "check_action",
        "get_default_screen",
        "get_system_commands",
        "notify_style_update",
        "filter_paths",
        "process_label",
        # The app's entry for every input event: `--record` notes each key there, and a
        # dialog not yet ready holds the keys typed too early (both then call Textual's own).
        "on_event",
    }
)


def test_no_method_of_ours_silently_overrides_one_of_textuals() -> None:
    """`action_back` once replaced Textual's own (which navigates screens): every method we
    define that Textual's classes also define must be one of its hooks. Event handlers count
    too: Textual calls the `on_mount` of every class in the MRO, so a clash would run both."""
    import inspect

    clashes = []
    classes = _our_textual_classes()
    assert {"NntuiApp", "GraphView", "Ledger", "HelpScreen", "KeyBar"} <= {
        cls.__name__ for cls in classes
    }
    for cls in classes:
        textual_bases = [base for base in cls.__mro__ if base.__module__.startswith("textual")]
        for name, value in vars(cls).items():
            if name.startswith("__") or not (
                inspect.isfunction(value) or isinstance(value, property)
            ):
                continue
            if name in TEXTUAL_HOOKS:
                continue
            clashes += [f"{cls.__name__}.{name}" for base in textual_bases if name in vars(base)]
    assert clashes == []


def test_every_action_we_bind_is_ours_and_not_one_textual_has() -> None:
    """Each key we bind runs an action we define (never one that shadows Textual's, like
    the `back` that replaced `App.action_back`), or one of Textual's used as it is (quit)."""
    from textual.app import App
    from textual.screen import ModalScreen

    textual_actions = {
        name for base in (App, ModalScreen) for name in dir(base) if name.startswith("action_")
    }
    used_as_is = {"action_quit", "action_command_palette"}
    checked = 0
    for cls in _our_textual_classes():
        ours = [base for base in cls.__mro__ if base.__module__.startswith("nntui.")]
        for binding in vars(cls).get("BINDINGS", []):
            assert isinstance(binding, Binding)
            action = binding.action.partition("(")[0]
            namespace, _, action = action.rpartition(".")
            name = "action_" + action
            owners = [NntuiApp] if namespace == "app" else ours  # `app.help`: the app's
            defined_by_us = any(name in vars(base) for base in owners)
            if name in used_as_is:
                assert not defined_by_us and name in textual_actions, name
            else:
                assert defined_by_us, f"{cls.__name__}: {name} is not ours"
                assert name not in textual_actions, f"{cls.__name__}: {name} is Textual's too"
            checked += 1
    assert checked >= len(NntuiApp.BINDINGS) + 4  # the app's and the dialogs'


def test_help_fits_at_120x36_and_q_closes_only_the_help() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        scroll = app.screen.query_one("VerticalScroll")
        assert scroll.max_scroll_y == 0  # every key visible without scrolling
        await pilot.press("q")
        assert not isinstance(app.screen, HelpScreen)
        assert app.is_running

    drive(body)


def test_q_quits() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    app = drive(body)
    assert app.return_code == 0


# -- layouts -------------------------------------------------------------------------------------


def test_narrow_terminal_shows_one_pane_and_1_2_3_switch_it() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        graph, ledger, loss = (app.query_one(f"#{name}") for name in ("graph", "ledger", "loss"))
        assert app.screen.has_class("narrow")
        assert shown(graph) and not shown(ledger) and not shown(loss)
        assert footer_actions(app) >= {"pane('ledger')", "pane('loss')"}
        assert "pane('graph')" not in footer_actions(app)
        await pilot.press("2")
        assert app.pane == "ledger"
        assert shown(ledger) and not shown(graph) and not shown(loss)
        await pilot.press("3")
        assert shown(loss) and not shown(graph) and not shown(ledger)
        await pilot.press("1")
        assert shown(graph) and not shown(ledger) and not shown(loss)
        assert shown(app.query_one(StepPanel))

    drive(body, size=NARROW)


def test_wide_terminal_shows_every_pane_and_ignores_1_2_3() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        graph, ledger, loss = (app.query_one(f"#{name}") for name in ("graph", "ledger", "loss"))
        assert shown(graph) and shown(ledger) and shown(loss)
        assert app.check_action("pane", ("ledger",)) is False
        await pilot.press("2")
        assert app.pane == "graph"

    drive(body)


def test_too_small_terminal_says_what_it_needs_until_resized() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        message = app.query_one("#too-small", Static)
        assert shown(message) and not shown(app.query_one("#body"))
        assert "at least 60×16" in str(message.render())
        assert "this one is 50×14" in str(message.render())
        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        assert not shown(message) and shown(app.query_one("#graph"))

    drive(body, size=(50, 14))


# -- the command palette --------------------------------------------------------------------------


async def _palette(pilot: Pilot, query: str) -> None:
    """Open the command palette, type `query` and run the best match."""
    await pilot.press("ctrl+p")
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*query)
    await pilot.pause(0.3)  # the palette searches in the background
    await pilot.press("enter")
    await pilot.pause()


def test_command_palette_opens_a_preset() -> None:
    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await _palette(pilot, "xor")
        assert app.session.network.name == "XOR: 2-2-1, sigmoid throughout"
        assert (app.session.iteration, app.session.cursor) == (1, -1)
        assert "XOR" in title(app)
        await pilot.press("left")  # back to the worked example
        assert app.session.network.name.startswith("Worked example")

    drive(body)


def _open_file(app: NntuiApp, pilot: Pilot, path: Path) -> Awaitable[None]:
    async def run() -> None:
        await _palette(pilot, "open")
        assert isinstance(app.screen, OpenFileDialog)
        app.screen.query_one(Input).value = str(path)  # typing a path key by key is slow
        await pilot.press("enter")
        await pilot.pause()

    return run()


def test_command_palette_opens_a_network_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    data = xor().to_dict()
    data["name"] = "Tiny from a file"
    path.write_text(json.dumps(data), encoding="utf-8")

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await _open_file(app, pilot, path)
        for _ in range(100):  # the file is read in a worker
            if not isinstance(app.screen, OpenFileDialog):
                break
            await pilot.pause(0.05)
        assert not isinstance(app.screen, OpenFileDialog)
        assert app.session.network.name == "Tiny from a file"
        assert app.source == str(path)
        assert "Tiny from a file" in title(app)

    drive(body)


def test_a_bad_network_file_is_said_in_the_dialog_which_stays_open(tmp_path: Path) -> None:
    """The loader's one line appears in the open-file dialog, which keeps the typed path; esc
    closes it and the debugger goes on where it was (tests/test_dialogs.py has the rest)."""
    path = tmp_path / "broken.json"
    path.write_text('{"name": "Broken", loss: "half_sse"}', encoding="utf-8")

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        before = app.session.state()
        await _open_file(app, pilot, path)
        dialog = app.screen
        assert isinstance(dialog, OpenFileDialog)
        for _ in range(100):  # the file is read in a worker
            shown = str(dialog.query_one("#status", Label).render())
            if shown.startswith(str(path)):
                break
            await pilot.pause(0.05)
        assert shown.startswith(f"{path}: not valid JSON")
        assert dialog.query_one(Input).value == str(path)
        assert app.session.state() == before
        await pilot.press("escape")
        await pilot.press("space")  # and it keeps working
        assert app.session.cursor == 0

    drive(body)


# -- the title and the footer at every size (issue 8.12) ----------------------------------------


@pytest.mark.parametrize("size", [(60, 16), (80, 24), (100, 30), (120, 36), (200, 60)])
def test_title_and_footer_keep_what_matters_at_every_size(size: tuple[int, int]) -> None:
    """The title never cuts a word (only the name may be shortened, with …); the footer always
    shows next, back, help and quit, and every key that can act is on it or in help."""
    width = size[0]

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("space", "space")
        text = title(app)
        assert len(text) <= width - 2
        assert text.startswith("iteration 1 · FORWARD 2/6")
        parts = text.split(" · ")
        whole = {"iteration 1", "FORWARD 2/6", "step 2/42", "loss —", "parameter"}
        name = app.session.network.name
        for part in parts:
            assert part in whole or name.startswith(part.rstrip("…")), part
        bar = app.query_one(KeyBar)
        shown_actions = bar.shown_actions
        assert {"next", "step_back", "help", "quit"} <= shown_actions
        drawn = str(bar.render())
        assert len(drawn) <= width
        assert "q quit" in drawn and "? help" in drawn
        helped = {keys for keys, _ in app.key_help()}
        assert len(helped) >= len(bar.actions)

    drive(body, size=size)


@pytest.mark.parametrize("name", ["[/] x", "[bold]not bold[/bold]", "[link=x]y"])
def test_a_name_that_looks_like_markup_is_shown_as_written(name: str) -> None:
    """A name is text, never markup: "[/] x" made the first frame raise MarkupError."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        assert app.is_running
        assert title(app).endswith(name)

    drive(body, network=dataclasses.replace(worked_example(), name=name))


def test_title_shows_a_control_character_name_escaped() -> None:
    """A name holding terminal sequences is shown with them made visible, never sent raw."""
    net = worked_example()
    hostile = dataclasses.replace(net, name="\x1b]0;PWNED\x07\x1b[2J")

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        text = title(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "\\x1b]0;PWNED\\x07" in text

    drive(body, network=hostile)


def test_t_one_at_the_end_of_an_iteration_trains_one() -> None:
    """enter (42/42), t, 1, enter: iteration 2 is trained, w100 moves on from 0.696."""

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        await pilot.press("enter")
        done = app.session.trace.network_after
        await pilot.press("t", "ctrl+a", "ctrl+k", "1", "enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if not app.training and app.session.iteration == 3:
                break
        assert app.session.iteration == 3
        assert len(app.session.loss_history) == 3
        assert app.session.network.layers[1].weights[0, 0] != done.layers[1].weights[0, 0]
        assert "iteration 3" in title(app)

    drive(body)


def test_another_window_of_samples_is_shown_from_its_first_sample() -> None:
    """A data set of 40 samples: > steps through samples 16–31, and the ready state shows
    sample 16 (graph, step panel); help lists > and < as they are typed."""
    import numpy as np

    from nntui.engine.network import Layer

    x = np.linspace(-1, 1, 40).reshape(40, 1)
    net = Network((Layer("linear", [[0.5]], [0.1]),), x, 2 * x + 1, "half_sse", 0.1)

    async def body(app: NntuiApp, pilot: Pilot) -> None:
        assert "(sample 0 of samples 0–39)" in panel_lines(app)[0]
        await pilot.press("greater_than_sign")
        assert app.session.trace.samples[0] == 16
        assert "(sample 16 of samples 0–39)" in panel_lines(app)[0]
        assert "sample 16" in app.query_one("#graph").render_line(0).text
        keys = [keys for keys, _ in app.key_help()]
        assert ">, <" in keys
        await pilot.press("left")
        assert app.session.trace.samples[0] == 0

    drive(body, network=net)
