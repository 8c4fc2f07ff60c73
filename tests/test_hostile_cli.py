"""The command line against a careless or hostile user (issue 9): control characters in names,
paths, keys and arguments never reach the terminal raw; no NumPy warning ever leaks; a step
that overflows anywhere is refused, never printed as inf; a FIFO, a device or a huge file is
refused before it is opened; and the debugger without a terminal ends at once.

Most of it runs the real program (`python -W error -m nntui`) with a timeout, so a hang fails
the test instead of stopping the suite.
"""

from __future__ import annotations

import json
import math
import os
import re
import select
import struct
import subprocess
import sys
import time
import unicodedata
import warnings
from pathlib import Path
from typing import Any

import pytest

from nntui.cli import main
from nntui.engine.loader import load_network, parse_network
from nntui.engine.presets import worked_example
from nntui.engine.text import LINE_LIMIT
from nntui.engine.trace import build_trace
from nntui.engine.training import train

ROOT = Path(__file__).resolve().parent.parent
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths, FIFOs and terminals")

#: A terminal title change and a screen wipe (OSC, BEL, CSI), an 8-bit CSI, a carriage return
#: that overwrites the line, a right-to-left override that reorders what follows.
EVIL = "\u001b]0;PWNED\u0007\u001b[2J\u009b\r\u202e"
UNSAFE = ("Cc", "Cf", "Cs", "Zl", "Zp")
#: The longest line an error may be: the prefix, the capped message.
MAX_ERROR_LINE = len("nntui: error: ") + LINE_LIMIT


def raw_controls(text: str) -> list[str]:
    """Every control or format character in `text` except the line break."""
    return sorted({repr(c) for c in text if c != "\n" and unicodedata.category(c) in UNSAFE})


def program(
    *args: str, cwd: Path = ROOT, stdin: Any = subprocess.DEVNULL, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -W error -m nntui ARGS`: any warning becomes an error the test sees. Output is
    decoded leniently so that a stray byte shows up as a character, not as a crash."""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-m", "nntui", *args],
        capture_output=True,
        stdin=stdin,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8", "surrogateescape"),
        result.stderr.decode("utf-8", "surrogateescape"),
    )


def network(
    layers: list[tuple[str, list[list[float]], list[float]]],
    xs: list[list[float]],
    ys: list[list[float]],
    loss: str = "half_sse",
    learning_rate: float = 0.1,
    name: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "loss": loss,
        "learning_rate": learning_rate,
        "layers": [{"activation": a, "weights": w, "biases": b} for a, w, b in layers],
        "samples": [{"x": x, "y": y} for x, y in zip(xs, ys, strict=True)],
    }


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- control characters -----------------------------------------------------------------------

EVIL_NAME = f"Evil {EVIL} net"

#: Every command, with {NET} (a healthy network named EVIL_NAME at a path holding EVIL), {KEY}
#: (a file with an unknown key holding EVIL), {BIG} (a network whose step overflows), {OUT} (a
#: new output path) and {OLD} (an existing file) filled in.
COMMANDS: dict[str, tuple[list[str], set[int]]] = {
    "export-markdown": (["export", "{NET}"], {0}),
    "export-json": (["export", "{NET}", "--format", "json"], {0}),
    "export-latex": (["export", "{NET}", "--format", "latex"], {0}),
    "export-to-a-file": (["export", "{NET}", "-o", "{OUT}"], {0}),
    "export-json-to-a-file": (["export", "{NET}", "--format", "json", "-o", "{OUT}"], {0}),
    "export-over-an-existing-file": (["export", "{NET}", "-o", "{OLD}"], {2}),
    "export-over-itself": (["export", "{NET}", "-o", "{NET}", "--force"], {2}),
    "export-overflowing-step": (["export", "{BIG}"], {1}),
    "train-text": (["train", "{NET}", "--steps", "3"], {0}),
    "train-json": (["train", "{NET}", "--steps", "3", "--format", "json"], {0}),
    "train-overflowing-start": (["train", "{BIG}", "--steps", "3"], {1}),
    "presets": (["presets"], {0}),
    "debugger-missing-file": ([f"missing{EVIL}.toml"], {2}),
    "debugger-unknown-key": (["{KEY}"], {2}),
    "debugger-no-terminal": (["{NET}"], {2}),
    "export-unknown-key": (["export", "{KEY}"], {2}),
    "unknown-preset": (["train", f"preset{EVIL}", "--steps", "1"], {2}),
    "bad-choice": (["export", "--format", EVIL], {2}),
    "bad-choice-then-help": (["export", "--format", EVIL, "--help"], {2}),
    "help-then-bad-argument": (["--help", f"--bogus{EVIL}"], {0}),
    "unknown-argument": (["export", f"--bogus{EVIL}"], {2}),
    "bad-steps": (["train", "--steps", EVIL], {2}),
    "bad-precision": (["export", "--precision", EVIL], {2}),
    "train-over-an-existing-file": (["train", "{NET}", "--steps", "1", "-o", "{OLD}"], {2}),
    "train-over-itself": (["train", "{NET}", "--steps", "1", "-o", "{NET}", "--force"], {2}),
    "new-to-a-file": (["new", "2-3-1", "-o", "{OUT}"], {0}),
    "new-over-an-existing-file": (["new", "2-3-1", "-o", "{OLD}"], {2}),
    "new-evil-shape": (["new", f"2-{EVIL}-1"], {2}),
    "new-evil-activation": (["new", "2-3-1", "--activations", f"relu,{EVIL}"], {2}),
    "new-evil-loss": (["new", "2-3-1", "--loss", EVIL], {2}),
    "new-evil-data": (["new", "2-3-1", "--data", EVIL], {2}),
    "new-evil-seed": (["new", "2-3-1", "--seed", EVIL], {2}),
    "new-zero-neurons": (["new", "2-0-1"], {2}),
    "new-one-number": (["new", "2"], {2}),
    "new-huge-layer": (["new", "2-" + "9" * 5000 + "-1"], {2}),
    "new-too-many-parameters": (["new", "4096-4096-1"], {2}),
    "new-wrong-activation-count": (["new", "2-3-1", "--activations", "relu"], {2}),
    "new-softmax-hidden": (["new", "2-3-1", "--activations", "softmax,sigmoid"], {2}),
    "gradcheck-text": (["gradcheck", "{NET}"], {0}),
    "gradcheck-json": (["gradcheck", "{NET}", "--format", "json"], {0}),
    "gradcheck-overflowing": (["gradcheck", "{BIG}"], {1}),
    "gradcheck-unknown-key": (["gradcheck", "{KEY}"], {2}),
    "gradcheck-evil-format": (["gradcheck", "--format", EVIL], {2}),
    "serve-unknown-key": (["serve", "{KEY}"], {2}),
    "serve-missing-file": (["serve", f"missing{EVIL}.toml"], {2}),
    "serve-evil-port": (["serve", "--port", EVIL], {2}),
    "serve-evil-host": (["serve", "--host", EVIL, "--port", "1"], {2}),
    "debugger-root-not-a-directory": (["--root", f"none{EVIL}"], {2}),
}


@pytest.fixture(scope="module")
def evil_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("evil")
    healthy = {**worked_example().to_dict(), "name": EVIL_NAME}
    key = {**worked_example().to_dict(), f"lerning{EVIL}": 0.1}
    big = network(
        [("sigmoid", [[1e200, 1e200]], [0.0]), ("linear", [[1.0]], [0.0])],
        [[1e200, 1e200]],
        [[3.0]],
        name=EVIL_NAME,
    )
    old = directory / f"old{EVIL}.md"
    old.write_text("the lecturer's notes\n", encoding="utf-8")
    return {
        "{NET}": str(write_json(directory / f"net{EVIL}.json", healthy)),
        "{KEY}": str(write_json(directory / f"key{EVIL}.json", key)),
        "{BIG}": str(write_json(directory / f"big{EVIL}.json", big)),
        "{OUT}": str(directory / f"out{EVIL}.txt"),
        "{OLD}": str(old),
    }


@POSIX
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_control_character_reaches_the_terminal(
    evil_files: dict[str, str], command: str
) -> None:
    template, codes = COMMANDS[command]
    args = [evil_files.get(arg, arg) for arg in template]
    out_path = Path(evil_files["{OUT}"])
    out_path.unlink(missing_ok=True)
    result = program(*args)
    assert result.returncode in codes, (result.returncode, result.stderr)
    assert raw_controls(result.stdout) == [], result.stdout[:500]
    assert raw_controls(result.stderr) == [], result.stderr
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr
    if result.returncode == 2 or command == "export-overflowing-step":
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("nntui: error: ")
        assert len(result.stderr) <= MAX_ERROR_LINE + 1
    if "{OUT}" in template:  # what was written to the file is as clean as the terminal's
        written = out_path.read_text(encoding="utf-8")
        assert raw_controls(written) == []
        if "json" in template:
            assert json.loads(written)["network"]["name"] == EVIL_NAME
    if command == "gradcheck-json":
        assert json.loads(result.stdout)["network"] == EVIL_NAME
    if command == "gradcheck-text":
        assert result.stdout.startswith(
            "network: Evil \\x1b]0;PWNED\\x07\\x1b[2J\\x9b\\r\\u202e net"
        )
    if command in ("export-json", "train-json"):
        # Escaped, not removed: the document still says exactly what the file says.
        document = json.loads(result.stdout)
        key = "network" if command == "export-json" else "network_after"
        assert document[key]["name"] == EVIL_NAME
        assert "\\u001b]0;PWNED\\u0007\\u001b[2J\\u009b\\r\\u202e" in result.stdout
    if command == "train-text":
        assert "Evil \\x1b]0;PWNED\\x07\\x1b[2J\\x9b\\r\\u202e net" in result.stdout
    if command.endswith("over-an-existing-file"):
        assert Path(evil_files["{OLD}"]).read_text(encoding="utf-8") == "the lecturer's notes\n"
    if command == "new-to-a-file":
        assert result.stdout == "" and result.stderr == ""


@POSIX
def test_a_trained_network_keeps_its_name_exactly(
    evil_files: dict[str, str], tmp_path: Path
) -> None:
    """`train -o` writes the name so that it reads back as the same string; its C0 controls
    (ESC, BEL, CR) are escapes in the file, and the summary on the terminal shows them escaped."""
    for suffix in ("toml", "json"):
        target = tmp_path / f"trained.{suffix}"
        result = program("train", evil_files["{NET}"], "--steps", "2", "-o", str(target))
        assert result.returncode == 0, result.stderr
        assert raw_controls(result.stdout) == [] and result.stderr == ""
        assert load_network(target).name == EVIL_NAME
        written = target.read_text(encoding="utf-8")
        assert "\x1b" not in written and "\x07" not in written and "\r" not in written
        assert "\\u001b" in written


def test_json_escapes_every_control_and_format_character(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Beyond ESC: DEL, every C1 control, the bidi controls, the line and paragraph
    separators, a zero-width joiner, a character beyond the BMP (U+E0001, a tag)."""
    odd = "".join(map(chr, [0x7F, *range(0x80, 0xA0), 0x200B, 0x200D, 0x2028, 0x2029]))
    odd += "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF, 0xE0001]))
    name = f"a{odd}b é ∂ 😀"
    path = write_json(tmp_path / "odd.json", {**worked_example().to_dict(), "name": name})
    for args in (["export", str(path), "--format", "json"], ["train", str(path), "--steps", "1"]):
        fmt = [*args, "--format", "json"] if args[0] == "train" else args
        assert main(fmt) == 0
        out, err = capsys.readouterr()
        assert raw_controls(out) == [] and err == ""
        document = json.loads(out)
        assert document["network" if args[0] == "export" else "network_after"]["name"] == name
        assert "é ∂ 😀" in out  # printable text stays as it is


def test_a_very_long_argument_gives_a_readable_error_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for args in (["x" * 5000], ["export", "--format", "y" * 5000], ["export", "z" * 5000]):
        assert main(args) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1
        assert len(err) <= MAX_ERROR_LINE + 1 and "…" in err, len(err)
    # A long path keeps its end, where the file's name is, and what is wrong with it.
    assert main(["export", "d/" * 2000 + "net.toml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nntui: error: …/d/d/") and err.endswith("/d/net.toml: no such file\n")


# -- numbers that go wrong: no warning, no inf in an export -------------------------------------

EXTREME: dict[str, dict[str, Any]] = {
    # σ(inf) = 1: the loss is finite, the hidden value is not.
    "hidden-sigmoid-overflow": network(
        [("sigmoid", [[1e200, 1e200]], [0.0]), ("linear", [[1.0]], [0.0])],
        [[1e200, 1e200]],
        [[3.0]],
    ),
    # relu(−inf) = 0 for one of two samples.
    "hidden-relu-minus-inf": network(
        [("relu", [[-1e200, -1e200]], [0.0]), ("sigmoid", [[1.0]], [0.0])],
        [[1e200, 1e200], [1.0, 1.0]],
        [[1.0], [0.0]],
        loss="bce",
    ),
    "hidden-tanh-overflow": network(
        [("tanh", [[1e300], [1.0]], [0.0, 0.0]), ("linear", [[0.5, 0.5]], [0.0])],
        [[1e10]],
        [[1.0]],
        loss="mse",
    ),
    "leaky-relu-overflow": network(
        [("leaky_relu", [[1e308, 1e308]], [0.0]), ("sigmoid", [[2.0]], [0.0])],
        [[10.0, 10.0]],
        [[1.0]],
    ),
    # 0 · inf = NaN: the loss itself is not finite.
    "zero-times-inf": network(
        [("linear", [[1e200, 1e200]], [0.0]), ("linear", [[0.0]], [0.0])],
        [[1e200, 1e200]],
        [[3.0]],
    ),
    "loss-inf": network([("linear", [[1e200, 1e200]], [0.0])], [[1e200, 1e200]], [[3.0]]),
    "update-overflow": network(
        [("linear", [[1.0]], [0.0])], [[1e5]], [[0.0]], loss="sse", learning_rate=1e300
    ),
    # Finite before the step; the step sends w000 to ~6e163 and h_pre0* = w000*·1e154 = inf.
    "hidden-overflow-after-the-step": network(
        [("sigmoid", [[0.0]], [0.0]), ("linear", [[1.0]], [0.0])],
        [[1e154]],
        [[3.0]],
        learning_rate=1e10,
    ),
    "tiny-numbers": network(
        [("sigmoid", [[1e-300, -1e-300]], [1e-300]), ("linear", [[1e-300]], [0.0])],
        [[1e-300, 5e-324]],
        [[1e-300]],
    ),
    "softmax-huge-logits": network(
        [("softmax", [[1e300], [-1e300], [0.0]], [0.0, 0.0, 0.0])],
        [[1.0]],
        [[0.0, 1.0, 0.0]],
        loss="cross_entropy",
    ),
    "bce-saturated-output": network(
        [("sigmoid", [[800.0]], [0.0])], [[1.0]], [[0.0]], loss="bce", learning_rate=1e-3
    ),
    "exp-overflow-inside-sigmoid": network(
        [("sigmoid", [[-1000.0]], [0.0]), ("sigmoid", [[1.0]], [0.0])],
        [[1.0], [-1.0]],
        [[0.0], [1.0]],
    ),
}

#: Which of them must be refused, and what the line must name.
MUST_REFUSE = {
    "hidden-sigmoid-overflow": "the pre-activation h_pre0 is not finite (inf)",
    "hidden-relu-minus-inf": "the pre-activation h_pre0 is not finite (-inf) for sample 0",
    "hidden-tanh-overflow": "the pre-activation h_pre0 is not finite (inf)",
    "leaky-relu-overflow": "the pre-activation h_pre0 is not finite (inf)",
    "zero-times-inf": "the loss is not finite (nan)",
    "loss-inf": "the loss is not finite (inf)",
    "update-overflow": "the update of w000 is not finite (-inf)",
    "hidden-overflow-after-the-step": "after the step, the pre-activation h_pre0* is not finite",
}
MUST_PASS = {"tiny-numbers", "exp-overflow-inside-sigmoid"}

NON_FINITE_WORD = re.compile(r"\b(?:inf|nan|Infinity|NaN)\b")


@pytest.mark.parametrize("name", sorted(EXTREME))
def test_extreme_networks_never_warn_and_never_export_inf(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    """In process, every warning an error: export in each format, to stdout and to a file,
    and train; an export is either finite (exit 0) or one line naming what is not (exit 1)."""
    path = write_json(tmp_path / f"{name}.json", EXTREME[name])
    net = parse_network(EXTREME[name], name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refused = None
        for fmt in ("markdown", "json", "latex"):
            code = main(["export", str(path), "--format", fmt])
            out, err = capsys.readouterr()
            assert code in (0, 1), err
            refused = code == 1 if refused is None else refused
            assert (code == 1) == refused  # the same answer in every format
            if code == 1:
                assert out == ""
                assert err.count("\n") == 1
                assert err.startswith(f"nntui: error: {path}: this training step overflows: ")
                assert "not finite" in err
            else:
                assert err == ""
                assert not NON_FINITE_WORD.search(out), NON_FINITE_WORD.search(out)
                if fmt == "json":
                    json.loads(out, parse_constant=lambda token: pytest.fail(token))
            target = tmp_path / f"out.{fmt}"
            target.write_text("old\n", encoding="utf-8")
            assert main(["export", str(path), "--format", fmt, "-o", str(target), "--force"]) == (
                code
            )
            capsys.readouterr()
            if code == 1:  # nothing written: the old file stays
                assert target.read_text(encoding="utf-8") == "old\n"
        for fmt in ("text", "json"):
            code = main(["train", str(path), "--steps", "20", "--format", fmt])
            out, err = capsys.readouterr()
            assert code in (0, 1) and err == "", err
        result = train(net, 20)
        trace = build_trace(net)
    # One rule everywhere: the export refuses exactly the step that training cannot take.
    assert refused == (trace.problem is not None)
    assert refused == (result.diverged and result.steps_done == 0), result.message
    if name in MUST_REFUSE:
        assert refused and MUST_REFUSE[name] in str(trace.problem), trace.problem
    if name in MUST_PASS:
        assert not refused, trace.problem


@POSIX
@pytest.mark.parametrize(
    "name", ["hidden-sigmoid-overflow", "hidden-overflow-after-the-step", "tiny-numbers"]
)
def test_the_program_never_warns(tmp_path: Path, name: str) -> None:
    """The real program with `-W error`: before the fix `train --format json` printed
    "RuntimeWarning: overflow encountered in matmul"."""
    path = str(write_json(tmp_path / "net.json", EXTREME[name]))
    for args in (
        ["export", path, "--format", "json"],
        ["export", path, "--format", "markdown"],
        ["train", path, "--steps", "5", "--format", "json"],
        ["train", path, "--steps", "5"],
    ):
        result = program(*args)
        assert "Warning" not in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert result.returncode in (0, 1)
        if args[0] == "train":
            json_out = args[-1] == "json"
            assert (json.loads(result.stdout)["steps"] if json_out else result.stdout) is not None


def test_train_stops_where_a_hidden_value_overflows() -> None:
    net = parse_network(EXTREME["hidden-overflow-after-the-step"], "x")
    result = train(net, 10)
    assert result.diverged and result.steps_done == 0
    assert result.message is not None
    assert result.message.startswith(
        "training diverged at iteration 1: after the step, the pre-activation pre[0][0]* "
        "is not finite (inf); the step moved w000 the most, by "
    )
    assert result.message.endswith("kept the starting parameters")
    assert result.network.same_as(net)
    start = train(parse_network(EXTREME["hidden-sigmoid-overflow"], "x"), 10)
    assert (
        start.message == "training cannot start: the pre-activation pre[0][0] is not finite (inf)"
    )
    assert math.isfinite(start.loss_before)


# -- not a regular file -------------------------------------------------------------------------


@POSIX
def test_a_fifo_never_hangs_any_command(tmp_path: Path) -> None:
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    for args in (["export", str(fifo)], ["train", str(fifo), "--steps", "1"], [str(fifo)]):
        result = program(*args, timeout=60)  # before the fix: waits for a writer forever
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr == f"nntui: error: {fifo}: not a regular file (a FIFO)\n"


@POSIX
def test_devices_directories_and_huge_files_are_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as file:
        file.truncate(2 * 1024**3)  # sparse: 2 GB that take no disk
    cases = {
        "/dev/zero": "not a regular file (a character device)",
        str(tmp_path): "is a directory, not a network file",
        str(huge): "too large for a network file (2.0 GB; the limit is 64 MB)",
    }
    for path, message in cases.items():
        result = program("export", path, timeout=60)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr == f"nntui: error: {path}: {message}\n"
    # /dev/stdin: a pipe here.
    result = program("export", "/dev/stdin", stdin=subprocess.PIPE, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "nntui: error: /dev/stdin: not a regular file (a FIFO)\n"


# -- the debugger needs a terminal --------------------------------------------------------------


@POSIX
def test_without_a_terminal_the_debugger_ends_at_once(tmp_path: Path) -> None:
    """`echo | nntui > out.txt` used to run forever."""
    out = tmp_path / "out.txt"
    with open(out, "wb") as stdout:
        result = subprocess.run(
            [sys.executable, "-m", "nntui"],
            input=b"\n",
            stdout=stdout,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "nntui: error: the debugger needs a terminal, but standard input is not one; "
        "'nntui export' and 'nntui train' work without one\n"
    )
    assert out.read_bytes() == b""
    # A bad file is still reported as a bad file, first.
    result = subprocess.run(
        [sys.executable, "-m", "nntui", "missing.toml"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (2, b"nntui: error: missing.toml: no such file\n")


def run_in_terminal(
    args: list[str], *, stdin_is_terminal: bool = True, stdout: Any = None, keys: bytes = b""
) -> tuple[int, bytes]:
    """Run `nntui ARGS` on a pseudo-terminal (120×36); once the first frame is drawn, type
    `keys`. Returns the exit status and everything written to the terminal."""
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "nntui", *args],
        stdin=slave if stdin_is_terminal else subprocess.DEVNULL,
        stdout=slave if stdout is None else stdout,
        stderr=slave,
        cwd=ROOT,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    os.close(slave)
    seen = bytearray()
    typed = False
    deadline = time.monotonic() + 90
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the program closed the terminal
                    chunk = b""
                seen += chunk
                if not chunk and process.poll() is not None:
                    break
            elif process.poll() is not None:
                break
            if keys and not typed and b"iteration 1" in seen:
                time.sleep(0.5)  # the first frame is up; let the key reader start
                os.write(master, keys)
                typed = True
            assert time.monotonic() < deadline, f"still running; typed={typed}"
        return process.wait(timeout=30), bytes(seen)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


@POSIX
def test_the_debugger_checks_input_and_output_are_terminals(tmp_path: Path) -> None:
    """`nntui < /dev/null` drew a screen that read no key; `nntui > file` is refused too."""
    code, seen = run_in_terminal([], stdin_is_terminal=False)
    assert code == 2
    assert b"the debugger needs a terminal, but standard input is not one" in seen
    assert b"\x1b[?1049h" not in seen  # it never took over the screen
    with open(tmp_path / "out.txt", "wb") as file:
        code, seen = run_in_terminal([], stdout=file)
    assert code == 2
    assert b"the debugger needs a terminal, but standard output is not one" in seen


@POSIX
def test_on_a_terminal_the_debugger_runs_and_quits() -> None:
    """The check lets a real terminal through: the first frame is drawn, q quits with 0."""
    code, seen = run_in_terminal(["xor"], keys=b"q")
    assert b"iteration 1" in seen and b"needs a terminal" not in seen
    assert code == 0, seen[-2000:]
