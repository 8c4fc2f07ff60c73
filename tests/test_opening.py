"""The first frame before NumPy: `nntui` draws the ready state from the file's own numbers
(`nntui.opening.Opening`), then builds the session. The opening must be the ready view exactly,
and it must really come before NumPy is imported.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from nntui.app.app import NntuiApp
from nntui.app.keybar import KeyBar
from nntui.engine.loader import load_network, load_spec, save_network
from nntui.engine.numbers import fmt_value
from nntui.engine.presets import PRESETS, resolve_network, resolve_source, worked_example
from nntui.engine.spec import NetworkSpec
from nntui.opening import Opening
from nntui.session import Session

SIZES = [(120, 36), (80, 24), (200, 60)]


def _normalised(svg: str) -> str:
    """An SVG screenshot without the id Textual derives from the app's identity."""
    return re.sub(r"terminal-\d+", "terminal", svg)


def _opening_and_ready(spec: NetworkSpec, size: tuple[int, int]) -> tuple[str, str, bool]:
    """Screenshots of the app on `spec` before and after it builds the session, and whether
    the views showed the opening first."""
    app = NntuiApp(spec)
    original = NntuiApp._finish_opening
    shots: list[str] = []
    showed_opening: list[bool] = []

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            showed_opening.append(isinstance(app.shown, Opening))
            shots.append(app.export_screenshot())
            original(app)
            await pilot.pause()
            assert isinstance(app.shown, Session)
            shots.append(app.export_screenshot())

    NntuiApp._finish_opening = lambda self: None  # type: ignore[method-assign]
    try:
        asyncio.run(main())
    finally:
        NntuiApp._finish_opening = original  # type: ignore[method-assign]
    return _normalised(shots[0]), _normalised(shots[1]), showed_opening[0]


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_the_opening_is_the_ready_view_of_the_worked_example(size: tuple[int, int]) -> None:
    opening, ready, showed_opening = _opening_and_ready(resolve_source(None), size)
    assert showed_opening
    assert "READY" in opening and "x0" in opening
    assert opening == ready


@pytest.mark.parametrize("name", [preset for preset in PRESETS if preset != "worked-example"])
def test_the_opening_is_the_ready_view_of_every_preset(name: str) -> None:
    """Several samples (xor), softmax's δ in place of f′, tanh, and the collapsed columns of a
    784-32-10 network all draw the same from plain numbers as from the session."""
    opening, ready, _ = _opening_and_ready(NetworkSpec.of(PRESETS[name].build()), (120, 36))
    assert opening == ready


def test_a_key_pressed_during_the_opening_is_not_lost() -> None:
    """A key that arrives before the session is built builds it and acts."""
    app = NntuiApp(resolve_source(None))

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("space")
            await pilot.pause()

    original = NntuiApp._finish_opening
    NntuiApp._finish_opening = lambda self: None  # type: ignore[method-assign]
    try:
        asyncio.run(main())
    finally:
        NntuiApp._finish_opening = original  # type: ignore[method-assign]
    assert app.session.cursor == 0
    assert app.session.step is not None and app.session.step.symbol == "h_pre0"


def test_the_session_is_built_by_itself_after_the_first_frame() -> None:
    app = NntuiApp(resolve_source(None))

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(40):  # right after the first frame: well within a second
                await pilot.pause(0.025)
                if isinstance(app.shown, Session):
                    break
            assert isinstance(app.shown, Session)
            assert len(app.query_one(KeyBar).keys) == 11

    asyncio.run(main())


def test_first_frame_before_numpy(tmp_path: Path) -> None:
    """In a fresh process, as `nntui` and `nntui FILE` start: the file is checked and the
    whole first screen painted, footer keys included, while NumPy is still not imported; the
    session comes right after."""
    network_file = tmp_path / "net.toml"
    save_network(worked_example(), network_file)
    script = textwrap.dedent(
        """
        import json, sys
        from nntui.app.app import NntuiApp
        from nntui.app.graph import GraphView
        from nntui.app.keybar import KeyBar
        from nntui.cli import _resolve

        arg = sys.argv[1] or None
        app = NntuiApp(_resolve(arg, build=False))
        seen = {}

        def finish():
            seen["painted"] = app.query_one(GraphView)._grid is not None
            seen["footer_keys"] = len(app.query_one(KeyBar).keys)
            seen["numpy_at_first_frame"] = "numpy" in sys.modules
            NntuiApp._finish_opening(app)
            seen["numpy_after"] = "numpy" in sys.modules
            seen["cursor"] = app.session.cursor
            app.exit()

        app._finish_opening = finish
        app.run(headless=True, size=(120, 36))
        print(json.dumps(seen))
        """
    )
    for arg in ("", str(network_file)):
        out = subprocess.run(
            [sys.executable, "-c", script, arg],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        assert json.loads(out.strip().splitlines()[-1]) == {
            "painted": True,
            "footer_keys": 11,  # the whole first screen, the footer's keys included
            "numpy_at_first_frame": False,
            "numpy_after": True,
            "cursor": -1,
        }, arg


# -- the spec: plain numbers, the same network -----------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_spec_and_network_are_the_same_numbers(name: str) -> None:
    net = PRESETS[name].build()
    spec = NetworkSpec.of(net)
    assert spec.build().same_as(net)
    assert spec.shape == net.shape
    assert (spec.n_params, spec.n_samples) == (net.n_params, net.n_samples)
    assert list(spec.params()) == list(net.params())
    assert all(spec.value_of(ref) == net.value_of(ref) for ref in list(net.params())[:500])


def test_a_file_reads_the_same_as_spec_and_as_network(tmp_path: Path) -> None:
    path = tmp_path / "xor.json"
    path.write_text(json.dumps(PRESETS["xor"].build().to_dict()), encoding="utf-8")
    spec = load_spec(path)
    assert isinstance(spec, NetworkSpec)
    assert spec.build().same_as(load_network(path))
    assert resolve_network(str(path)).same_as(load_network(path))
    assert resolve_source(str(path)) == spec


def test_generated_presets_come_built() -> None:
    """Seeded presets need NumPy to exist at all; hand-written ones stay plain numbers."""
    assert isinstance(resolve_source("mnist-784"), type(worked_example()))
    assert isinstance(resolve_source("xor"), NetworkSpec)
    assert isinstance(resolve_source("worked-example"), NetworkSpec)


def test_fmt_value_reads_tuples_like_arrays() -> None:
    net = PRESETS["mnist-784"].build()
    spec = NetworkSpec.of(net)
    for precision in (0, 3):
        assert fmt_value(spec.inputs[0], precision) == fmt_value(net.inputs[0], precision)
        assert fmt_value(spec.layers[0].weights, precision, short=True) == fmt_value(
            net.layers[0].weights, precision, short=True
        )


def test_the_session_can_be_asked_for_before_the_app_runs() -> None:
    """Built before the views exist, the session is what they are made from."""
    app = NntuiApp(resolve_source(None))
    session = app.session
    assert app.shown is session

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("space")
            await pilot.pause()

    asyncio.run(main())
    assert app.session is session and session.cursor == 0


def test_a_session_that_cannot_be_built_ends_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """If building the engine's trace fails after the first frame (say, out of memory), the
    app leaves with the command line's one-line error and status 2, not a traceback."""

    def no_memory(self: NetworkSpec) -> None:
        raise MemoryError("cannot allocate 48 GB")

    monkeypatch.setattr(NetworkSpec, "build", no_memory)
    app = NntuiApp(resolve_source(None))

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()

    asyncio.run(main())
    assert app.return_code == 2
    assert app.failure == (
        "cannot open Worked example: 3-2-1, ReLU then sigmoid: MemoryError: cannot allocate 48 GB"
    )


def test_training_asked_for_during_the_opening_builds_on_the_app_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The training worker runs in a thread; the session it trains is built before, on the
    app's own thread, and the views are redrawn only there."""
    threads: set[str] = set()
    refresh = NntuiApp.refresh_views

    def recording(self: NntuiApp) -> None:
        threads.add(threading.current_thread().name)
        refresh(self)

    monkeypatch.setattr(NntuiApp, "refresh_views", recording)
    monkeypatch.setattr(NntuiApp, "_finish_opening", lambda self: None)
    app = NntuiApp(resolve_source(None))

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("t", "5", "enter")
            for _ in range(100):
                await pilot.pause(0.05)
                if app.session.loss_history:
                    break

    asyncio.run(main())
    assert threads == {threading.main_thread().name}
    assert len(app.session.loss_history) == 6  # the loss before, then after each of 5 steps


def test_a_key_when_the_session_cannot_be_built_ends_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_memory(self: NetworkSpec) -> None:
        raise MemoryError("cannot allocate 48 GB")

    monkeypatch.setattr(NetworkSpec, "build", no_memory)
    monkeypatch.setattr(NntuiApp, "_finish_opening", lambda self: None)
    app = NntuiApp(resolve_source(None))

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("space")
            await pilot.pause()

    asyncio.run(main())
    assert app.return_code == 2 and app._exception is None
    assert app.failure is not None and app.failure.endswith("MemoryError: cannot allocate 48 GB")
