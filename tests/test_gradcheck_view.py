"""The gradient-check pane (issue 14): mounted alone in a small app with a session's answer,
it shows every parameter's backprop gradient, finite difference and relative error — the
numbers of `nntui.engine.gradcheck` — the worst last; once per network, only while shown,
and in a thread (saying "computing…") for a big network."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import math
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from textual.app import App, ComposeResult

from nntui.app import gradcheck_view
from nntui.app.gradcheck_view import (
    DIGITS,
    MAX_ROWS,
    TOLERANCE_TEXT,
    GradientCheckView,
    table_text,
    worst_last,
)
from nntui.engine.gradcheck import TOLERANCE, GradientCheck, ParameterCheck, check_gradients
from nntui.engine.network import Layer, Network
from nntui.engine.numbers import MINUS
from nntui.engine.presets import PRESETS, worked_example_spec
from nntui.opening import Opening
from nntui.session import Session
from nntui.view_state import Known, known_at


class CheckApp(App[None]):
    """The pane alone, drawing one answer."""

    def __init__(self, known: Known) -> None:
        super().__init__()
        self.first = known

    def compose(self) -> ComposeResult:
        yield GradientCheckView(self.first)

    @property
    def pane(self) -> GradientCheckView:
        return self.query_one(GradientCheckView)


def in_event_loop(
    test: Callable[..., Coroutine[Any, Any, None]],
) -> Callable[..., None]:
    """Run an async test (a Pilot) in its own event loop, with its fixtures."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def rows_of(text: str) -> dict[str, list[str]]:
    """The pane's parameter rows by name: [backprop, finite difference, relative error]."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines()[2:]:
        name, *rest = line.split()
        rows[name] = rest
    return rows


def plain(text: str) -> str:
    """The screen's minus signs as Python writes them."""
    return text.replace(MINUS, "-")


@in_event_loop
async def test_the_rows_are_the_engines_numbers_the_worst_last() -> None:
    session = Session(PRESETS["worked-example"].build())
    expected = check_gradients(session.network)
    app = CheckApp(session.view())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = app.pane.text
    rows = rows_of(text)
    assert set(rows) == {check.name for check in expected.parameters}
    for check in expected.parameters:
        backprop, difference, error = rows[check.name]
        assert check.finite_difference is not None and check.relative_error is not None
        assert plain(backprop) == f"{check.backprop:.{DIGITS}g}"
        assert plain(difference) == f"{check.finite_difference:.{DIGITS}g}"
        assert float(plain(backprop)) == pytest.approx(check.backprop, rel=10.0 ** (1 - DIGITS))
        assert plain(error) == f"{check.relative_error:.1e}"
    errors = [float(plain(rows[name][2])) for name in rows]
    assert errors == sorted(errors)  # the worst last
    largest = expected.largest
    assert largest is not None and list(rows)[-1] == largest.name
    assert plain(text.splitlines()[0]).startswith(
        f"Largest relative error {largest.relative_error:.1e}"
    )
    assert "backprop agrees with calculus" in text.splitlines()[0]


@in_event_loop
async def test_the_pane_follows_the_network_of_the_next_iteration() -> None:
    session = Session(PRESETS["xor"].build())
    app = CheckApp(session.view())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.pane.text
        session.finish()
        session.next()  # the next iteration: the updated network
        app.pane.known = session.view()
        await pilot.pause()
        second = app.pane.text
    assert first != second
    assert second == table_text(check_gradients(session.network))


@in_event_loop
async def test_a_network_is_checked_once_and_only_while_the_pane_is_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Network] = []
    real = gradcheck_view._check

    def counted(network: Network) -> GradientCheck:
        calls.append(network)
        return real(network)

    monkeypatch.setattr(gradcheck_view, "_check", counted)
    session = Session(PRESETS["worked-example"].build())
    app = CheckApp(session.view())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert calls == [session.network]
        for _ in range(5):  # steps within the iteration: the same network
            session.next()
            app.pane.known = session.view()
        await pilot.pause()
        assert len(calls) == 1
        app.pane.display = False
        session.finish()
        session.next()
        app.pane.known = session.view()
        await pilot.pause()
        assert len(calls) == 1  # hidden: nothing computed
        app.pane.display = True
        await pilot.pause()
        assert calls[-1] is session.network and len(calls) == 2
        session.back()  # back to the first iteration's network: kept
        app.pane.known = session.view()
        await pilot.pause()
        assert len(calls) == 2


@in_event_loop
async def test_a_big_network_is_checked_in_a_thread_saying_computing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gradcheck_view, "THREAD_ABOVE", 0)
    session = Session(PRESETS["xor"].build())
    app = CheckApp(session.view())
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.pane.text.startswith("Computing the gradient check of")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.pane.text == table_text(check_gradients(session.network))


@in_event_loop
async def test_the_opening_waits_for_the_network() -> None:
    app = CheckApp(known_at(Opening(worked_example_spec())))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "once the network is built" in app.pane.text


def test_corners_come_first_and_a_nan_last() -> None:
    checks = (
        ParameterCheck("w000", 1.0, 1.0, 1e-9),
        ParameterCheck("w001", 1.0, math.nan, math.nan),
        ParameterCheck("w002", 0.0, None, None),
        ParameterCheck("w003", 1.0, 1.0, 1e-12),
    )
    assert [check.name for check in worst_last(checks)] == ["w002", "w003", "w000", "w001"]
    text = table_text(GradientCheck(checks, 1.0, 1.0))
    assert "w001 is not a number: the check fails" in text.splitlines()[0]
    assert text.splitlines()[-1].split()[0] == "w001"
    assert text.splitlines()[2].split()[-1] == "corner"


def test_a_wrong_gradient_is_reported_as_a_disagreement() -> None:
    network = Session(PRESETS["worked-example"].build()).network
    result = check_gradients(network)
    first = result.parameters[0]
    wrong = dataclasses.replace(first, relative_error=0.5)
    text = table_text(dataclasses.replace(result, parameters=(wrong, *result.parameters[1:])))
    assert f"above {TOLERANCE_TEXT}: backprop disagrees" in plain(text.splitlines()[0])
    assert text.splitlines()[-1].split()[0] == first.name


def test_at_most_max_rows_the_worst_ones() -> None:
    checks = tuple(
        ParameterCheck(f"w{index}", 1.0, 1.0, index * 1e-12) for index in range(MAX_ROWS + 7)
    )
    lines = table_text(GradientCheck(checks, 1.0, 1.0)).splitlines()
    assert lines[2] == "… 7 parameters that agree better are not shown"
    assert len(lines) == 3 + MAX_ROWS
    assert lines[3].split()[0] == "w7" and lines[-1].split()[0] == f"w{MAX_ROWS + 6}"


def test_the_tolerance_text_is_the_engines() -> None:
    assert float(TOLERANCE_TEXT) == TOLERANCE


def test_a_network_with_a_dead_relu_shows_its_zero_gradients_checked() -> None:
    network = Network(
        (Layer("relu", [[-1.0]], [-1.0]), Layer("linear", [[2.0]], [0.5])),
        [[1.0]],
        [[1.0]],
        "half_sse",
        0.1,
    )
    rows = rows_of(table_text(check_gradients(network)))
    assert float(plain(rows["w000"][0])) == 0.0 and float(plain(rows["w000"][1])) == 0.0


def test_the_widget_module_loads_no_numpy() -> None:
    """The app imports its panes before its first frame, which is drawn without NumPy."""
    import subprocess
    import sys

    script = "import sys, nntui.app.gradcheck_view; print('numpy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"


def test_negative_numbers_are_written_with_the_screens_minus_sign() -> None:
    checks = (ParameterCheck("w000", -0.25, -0.25, 3e-12),)
    text = table_text(GradientCheck(checks, 1.0, 1.0))
    assert text.splitlines()[-1].split() == ["w000", "−0.25", "−0.25", "3.0e−12"]
    assert "-" not in text
