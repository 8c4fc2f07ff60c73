"""`nntui serve` (SPEC §2, §8) without a browser: the extra's absence, the arguments, the
command each tab runs, the address, and a real server answering on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import types
import urllib.request
from pathlib import Path

import pytest

import nntui.serve
from nntui.cli import main
from nntui.serve import DEFAULT_HOST, DEFAULT_PORT, INSTALL_HINT, served_command, url


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("nntui: error: "), err
    return err.strip()


def test_without_the_extra_one_line_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert main(["serve"]) == 2
    assert _one_error_line(capsys) == f"nntui: error: {INSTALL_HINT}"
    assert "pip install 'nntui[serve]'" in INSTALL_HINT


class _FakeServer:
    """Stands in for textual_serve.server.Server: records what it was asked to serve."""

    made: list[_FakeServer] = []

    def __init__(self, command: str, **options: object) -> None:
        self.command = command
        self.options = options
        self.served_on: tuple[str, int] | None = None
        _FakeServer.made.append(self)


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> list[_FakeServer]:
    """textual-serve replaced by `_FakeServer`; the socket is bound to a free port instead of
    the one asked for, and `_run` records where it would have served."""
    module = types.ModuleType("textual_serve.server")
    module.Server = _FakeServer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "textual_serve", types.ModuleType("textual_serve"))
    monkeypatch.setitem(sys.modules, "textual_serve.server", module)
    asked: list[tuple[str, int]] = []
    listen = nntui.serve._listen

    def listen_anywhere(host: str, port: int) -> socket.socket:
        asked.append((host, port))
        return listen("127.0.0.1", 0)

    def run(server: _FakeServer, listening: socket.socket) -> None:
        assert listening.fileno() >= 0  # open while served
        server.served_on = asked[-1]

    monkeypatch.setattr(nntui.serve, "_listen", listen_anywhere)
    monkeypatch.setattr(nntui.serve, "_run", run)
    _FakeServer.made = []
    return _FakeServer.made


def test_binds_127_0_0_1_unless_told_and_runs_nntui_confined_to_the_directory(
    fake_server: list[_FakeServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "xor"]) == 0
    (server,) = fake_server
    assert server.served_on == (DEFAULT_HOST, DEFAULT_PORT)
    assert server.options["host"] == DEFAULT_HOST == "127.0.0.1"
    assert server.options["port"] == DEFAULT_PORT
    assert server.options["public_url"] == f"http://127.0.0.1:{DEFAULT_PORT}"
    words = shlex.split(server.command)
    assert words == [sys.executable, "-m", "nntui", "--root", str(tmp_path), "--", "xor"]


def test_host_and_port_are_used(fake_server: list[_FakeServer]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "8123"]) == 0
    (server,) = fake_server
    assert server.served_on == ("0.0.0.0", 8123)
    assert (server.options["host"], server.options["port"]) == ("0.0.0.0", 8123)
    assert "--" not in shlex.split(server.command)  # no NET: the worked example


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "no-such-net"],
        ["serve", "missing.toml"],
        ["serve", "--port", "0"],
        ["serve", "--port", "65536"],
        ["serve", "--port", "http"],
        ["serve", "--bogus"],
    ],
)
def test_bad_input_is_refused_before_serving(
    args: list[str], fake_server: list[_FakeServer], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    _one_error_line(capsys)
    assert fake_server == []


def test_a_bad_network_file_is_refused_before_serving(
    fake_server: list[_FakeServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("learning_rate = -1\n", encoding="utf-8")
    assert main(["serve", str(bad)]) == 2
    assert str(bad) in _one_error_line(capsys)
    assert fake_server == []


def test_the_served_command_quotes_every_part() -> None:
    """A NET or directory with spaces, quotes or a `;` stays one word; a NET like `-x` stays
    a NET (after `--`)."""
    command = served_command("-x; rm -rf 'y'", "/tmp/a dir")
    assert shlex.split(command) == [
        sys.executable,
        "-m",
        "nntui",
        "--root",
        "/tmp/a dir",
        "--",
        "-x; rm -rf 'y'",
    ]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("::1", "http://[::1]:8000"),
        ("localhost", "http://localhost:8000"),
    ],
)
def test_the_url(host: str, expected: str) -> None:
    assert url(host, 8000) == expected


def test_root_must_be_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--root", str(tmp_path / "none")]) == 2
    assert "not a directory" in _one_error_line(capsys)


def test_confined_debugger_still_needs_a_terminal_outside_the_web_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    finished = subprocess.run(
        [sys.executable, "-m", "nntui", "--root", str(tmp_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert finished.stderr.startswith("nntui: error: the debugger needs a terminal")


def test_the_confined_app_keeps_its_root(tmp_path: Path) -> None:
    from nntui.engine.presets import worked_example

    app = nntui.serve.confined_app(worked_example(), source="x", root=str(tmp_path))
    assert app.root == str(tmp_path)


# -- a real server ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "nntui", "serve", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _stop(server: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def test_a_real_server_says_its_url_and_serves_the_page(tmp_path: Path) -> None:
    pytest.importorskip("textual_serve")
    port = _free_port()
    server = _start(["xor", "--port", str(port)], tmp_path)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        address = f"http://127.0.0.1:{port}"
        assert first == f"nntui: serving xor on {address} (files under {tmp_path}); ctrl+c stops\n"
        with urllib.request.urlopen(address + "/", timeout=30) as response:
            page = response.read().decode("utf-8")
        assert response.status == 200
        assert "textual.js" in page
        assert f"ws://127.0.0.1:{port}/ws" in page
    finally:
        _stop(server)


def test_a_port_in_use_is_one_error_line(tmp_path: Path) -> None:
    pytest.importorskip("textual_serve")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _start(["--port", str(port)], tmp_path)
        try:
            _, err = server.communicate(timeout=60)
        finally:
            _stop(server)
    assert server.returncode == 2
    assert err.startswith(f"nntui: error: cannot listen on http://127.0.0.1:{port}: ")
    assert err.count("\n") == 1
