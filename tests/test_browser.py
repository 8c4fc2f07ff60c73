"""`nntui serve` end to end in a real browser (issue 14.1): Debian's chromium, driven by
Playwright's Python API, loads the page, presses space and reads the first step's formula.

textual-serve draws the terminal with xterm.js on a WebGL (or 2D) canvas: there is no text in
the page to query. The test reads xterm's own screen buffer instead — what the canvas shows,
cell by cell. textual.js keeps its `Terminal` in a closure, so the test serves the page's copy
of textual.js with one change, `this.terminal = window.nntuiTerminal = new Terminal(...)`, and
reads `window.nntuiTerminal.buffer.active` line by line. Requests that leave the server (the
page asks Google for a font) are refused: the test needs no network.

Playwright cannot download browsers here, so it drives the system's chromium
(`executable_path`). Without chromium the test is skipped — except in CI (`CI` set), where it
must run; `.ci/run` installs chromium. `NNTUI_SCREENSHOTS=1` also writes the page, after the
step, to screenshots/browser.png.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SCREENSHOT = Path(__file__).resolve().parent.parent / "screenshots" / "browser.png"
#: Chromium's binary as Debian installs it, then the launcher scripts on PATH.
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser")
#: Seconds for the server to start, the page to connect, and the app to answer a key.
TIMEOUT = 60
#: Every line of xterm's active screen buffer, as text.
READ_SCREEN = """() => {
    const buffer = window.nntuiTerminal.buffer.active;
    const lines = [];
    for (let row = 0; row < buffer.length; row++) {
        lines.push(buffer.getLine(row).translateToString(true));
    }
    return lines.join("\\n");
}"""
#: The place in textual.js where the terminal is made, to keep a handle on it.
TERMINAL_MADE = re.compile(r"this\.terminal=new (\w+)\.Terminal\(")


def _chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found is not None:
            return found
    return None


def _required() -> str:
    """Chromium's path and Playwright; a skip outside CI when either is missing."""
    reason = None
    chromium = _chromium()
    if chromium is None:
        reason = "chromium is not installed (apt-get install chromium)"
    for module in ("playwright", "textual_serve"):
        try:
            __import__(module)
        except ImportError:
            reason = f"{module} is not installed (pip install '.[test]')"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the browser test must run in CI, but {reason}")
        pytest.skip(reason)
    assert chromium is not None
    return chromium


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _served(directory: Path) -> Iterator[str]:
    """`nntui serve` started in `directory` on a free port; its URL. The server and the
    debuggers it starts are one process group, ended together."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "nntui", "serve", "--port", str(port)],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        assert first.startswith(f"nntui: serving worked-example on {url}"), first
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _wait_for_text(page: object, text: str) -> str:
    """The screen once it shows `text` (fails after TIMEOUT seconds with what it shows)."""
    end = time.monotonic() + TIMEOUT
    screen = ""
    while time.monotonic() < end:
        screen = page.evaluate(READ_SCREEN)  # type: ignore[attr-defined]
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen:\n{screen}")


def test_the_debugger_runs_in_a_browser_and_steps_with_space(tmp_path: Path) -> None:
    chromium = _required()
    from playwright.sync_api import Route, sync_playwright

    def expose_terminal(route: Route) -> None:
        response = route.fetch()
        script, count = TERMINAL_MADE.subn(
            r"this.terminal=window.nntuiTerminal=new \1.Terminal(", response.text()
        )
        assert count == 1, "textual.js no longer makes its terminal as this test expects"
        route.fulfill(response=response, body=script)

    with _served(tmp_path) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(url) else route.abort()
                ),
            )
            page.route("**/textual.js", expose_terminal)
            page.goto(url + "/", timeout=TIMEOUT * 1000)
            page.wait_for_function("() => window.nntuiTerminal !== undefined")
            before = _wait_for_text(page, "Press space for the first step")
            assert "h_pre0 =" not in before
            page.locator(".xterm-screen").click()
            page.keyboard.press("Space")
            screen = _wait_for_text(page, "h_pre0 =")
            lines = [line.strip() for line in screen.splitlines()]
            assert "h_pre0 = w000·x0 + w001·x1 + w002·x2 + b00" in lines
            assert "= 0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1)" in lines
            assert "= 0.290" in lines
            assert any(line.startswith("iteration 1 · FORWARD 1/6 · step 1/42") for line in lines)
            shot = tmp_path / "browser.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            if os.environ.get("NNTUI_SCREENSHOTS"):
                shutil.copyfile(shot, SCREENSHOT)
        finally:
            browser.close()
