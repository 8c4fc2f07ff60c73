"""The command line (SPEC §2, §3, §4, §5): every command and format, in process and through
`python -m nntui`; errors are exit status 2, nothing on stdout and one stderr line."""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from nntui import __version__
from nntui.cli import main
from nntui.engine.compute import forward
from nntui.engine.loader import dumps_toml, load_network, loads_network
from nntui.engine.new import new_network
from nntui.engine.presets import PRESETS, presets_listing, resolve_network, worked_example
from nntui.engine.spec import PARAMETER_STEPS_UP_TO, TRACE_SAMPLES, NetworkSpec
from nntui.engine.trace import build_trace
from nntui.engine.training import train

MALFORMED = Path(__file__).parent / "malformed"
EXPECTED_ERRORS: dict[str, str] = tomllib.loads((MALFORMED / "expected.toml").read_text())
ROOT = Path(__file__).resolve().parent.parent
POSIX_PATHS = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links and devices")

TRACE_KEYS = {
    "format",
    "network",
    "per_sample",
    "loss",
    "gradients",
    "steps",
    "network_after",
    "loss_after",
}
TRAIN_KEYS = {"format", "steps", "loss_history", "network_after", "per_sample_after", "loss_after"}
NETWORK_KEYS = {"name", "loss", "reduction", "learning_rate", "update_biases", "layers", "samples"}

BAD_NET = """
loss = "half_sse"
learning_rate = 0.1
[[layers]]
activation = "relu"
weights = [[0.2, -1.2, 0.9], [-0.5, -1.2, 0.3]]
biases = [-0.1, 0.2]
[[layers]]
activation = "sigmoid"
weights = [[0.7, -1.1, 0.5]]
biases = [-0.1]
[[samples]]
x = [0.9, 0.2, 0.5]
y = [0.0]
"""

DIVERGING_NET = """
loss = "sse"
learning_rate = 1e6
[[layers]]
activation = "tanh"
weights = [[0.2, -1.2, 0.9], [-0.5, -1.2, 0.3]]
biases = [-0.1, 0.2]
[[layers]]
activation = "linear"
weights = [[0.7, -1.1]]
biases = [-0.1]
[[samples]]
x = [0.9, 0.2, 0.5]
y = [3.0]
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_subprocess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "nntui", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=cwd or ROOT,
        env=env,
    )


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN and Infinity tokens."""

    def refuse(token: str) -> None:
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def assert_error(code: int, out: str, err: str, text: str | None = None) -> None:
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("nntui: error: "), err
    assert "Traceback" not in err
    if text is not None:
        assert text in err, err


# -- export -------------------------------------------------------------------------------------


def test_export_json_matches_spec(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "--format", "json")
    assert (code, err) == (0, "")
    doc = strict_json(out)
    assert set(doc) == TRACE_KEYS
    assert doc["format"] == "nntui-trace/1"
    assert set(doc["network"]) == NETWORK_KEYS and set(doc["network_after"]) == NETWORK_KEYS
    assert doc["network"]["layers"][1]["weights"] == [[0.7, -1.1]]
    assert doc["loss"] == pytest.approx(0.138, abs=5e-4)
    assert doc["loss_after"] < doc["loss"]
    sample = doc["per_sample"][0]
    assert set(sample) == {"x", "y", "loss", "output", "layers", "gradients"}
    assert set(sample["layers"][0]) == {"pre", "post", "grad_pre", "grad_post"}
    assert sample["output"] == [pytest.approx(0.526, abs=5e-4)]
    trace = build_trace(worked_example())
    assert len(doc["steps"]) == len(trace.steps)
    first = doc["steps"][0]
    assert first["text"] == "h_pre0 = 0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1) = 0.290"
    assert first["phase"] == "forward" and first["op"] == "sum" and first["param"] is None
    for step in doc["steps"]:
        assert {"index", "phase", "sample", "target", "symbol", "formula", "op"} <= set(step)
        assert {"value", "param", "text"} <= set(step)
        assert ("terms" if step["op"] == "sum" else "factors") in step
    phases = {step["phase"] for step in doc["steps"]}
    assert phases == {"forward", "loss", "backward", "update", "check"}
    w100 = [
        step
        for step in doc["steps"]
        if step["param"] == {"layer": 1, "kind": "weight", "neuron": 0, "input": 0}
    ]
    assert [step["phase"] for step in w100] == ["backward", "update"]


@pytest.mark.parametrize("name", ["worked-example", "xor", "softmax-3class"])
def test_export_markdown_contains_every_step(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run(capsys, "export", name)
    assert (code, err) == (0, "")
    trace = build_trace(PRESETS[name].build())
    for step in trace.steps:
        assert step.text(3) in out, step.text(3)
        assert step.formula in out
    assert out.splitlines()[0] == f"# {trace.network.name}"  # no Markdown specials in these
    for heading in ("Forward pass", "Loss", "Backpropagation", "Parameter update", "Check"):
        assert f". {heading}" in out
    assert "## Summary" in out
    if trace.network.n_samples > 1:
        assert "### Sample 1:" in out and "(sample 1)" in out


def test_export_markdown_worked_example_reads_like_the_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "export", "--format", "markdown")
    for text in (
        "∂E/∂w100 = ∂E/∂o · ∂o/∂o_pre · ∂o_pre/∂w100",
        "∂E/∂w100 = 0.526 · 0.249 · 0.29 = 0.038",
        "w100* = 0.7 − 0.1·0.038 = 0.696",
        "E = ½·(0 − 0.526)² = 0.138",
        "w100 = 0.7",
        "Learning rate µ = 0.1",
        "The loss fell from 0.138 to 0.135",
    ):
        assert text in out, text


@pytest.mark.parametrize("granularity", ["parameter", "neuron", "layer"])
def test_export_granularities(capsys: pytest.CaptureFixture[str], granularity: str) -> None:
    code, out, _ = run(capsys, "export", "xor", "--format", "json", "--granularity", granularity)
    assert code == 0
    doc = strict_json(out)
    trace = build_trace(PRESETS["xor"].build(), granularity)  # type: ignore[arg-type]
    assert [step["text"] for step in doc["steps"]] == [step.text(3) for step in trace.steps]
    code, out, _ = run(capsys, "export", "xor", "--granularity", granularity)
    assert code == 0
    for step in trace.steps:
        assert step.text(3) in out


def test_export_granularity_changes_the_steps(capsys: pytest.CaptureFixture[str]) -> None:
    counts = {}
    for granularity in ("parameter", "neuron", "layer"):
        _, out, _ = run(capsys, "export", "--format", "json", "--granularity", granularity)
        counts[granularity] = len(strict_json(out)["steps"])
    assert counts["parameter"] > counts["neuron"] > counts["layer"]


def test_export_precision(capsys: pytest.CaptureFixture[str]) -> None:
    _, out3, _ = run(capsys, "export")
    _, out5, _ = run(capsys, "export", "--precision", "5")
    _, out0, _ = run(capsys, "export", "--precision", "0")
    assert "= 0.290" in out3 and "= 0.29000" not in out3
    assert "h_pre0 = 0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1) = 0.29000" in out5
    assert "E = ½·(0 − 0.52573)² = 0.13819" in out5
    # 0 decimals: a number that is not 0 keeps its first significant digit, never reads −0.
    assert "h_pre0 = 0.2·0.9 + (−1)·0.2 + 0.9·0.5 + (−0.1) = 0.3" in out0
    assert not re.search(r"−0(?![.\d])", out0)
    trace = build_trace(worked_example())
    for step in trace.steps:
        assert step.text(5) in out5
        assert step.text(0) in out0
    _, json5, _ = run(capsys, "export", "--format", "json", "--precision", "5")
    assert strict_json(json5)["steps"][0]["text"].endswith("= 0.29000")


def test_export_latex_is_a_standalone_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "--format", "latex")
    assert (code, err) == (0, "")
    assert out.startswith("\\documentclass")
    assert "\\usepackage{amsmath}" in out
    assert "\\begin{document}" in out and out.rstrip().endswith("\\end{document}")
    assert_balanced_latex(out)
    assert out.isascii() or all(ord(char) < 0x180 for char in out)
    for text in (r"\frac{\partial E}{\partial w_{100}}", r"0.526 \cdot 0.249 \cdot 0.29", "0.038"):
        assert text in out, text
    assert "∂" not in out and "·" not in out and "−" not in out
    trace = build_trace(worked_example())
    assert out.count("\\nnstep{") == len(trace.steps)


def assert_balanced_latex(text: str) -> None:
    unescaped = re.sub(r"\\[{}$\\]", "", text)
    depth = 0
    for char in unescaped:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    begins = re.findall(r"\\begin\{(\w+\*?)\}", text)
    ends = re.findall(r"\\end\{(\w+\*?)\}", text)
    assert sorted(begins) == sorted(ends)
    for line in unescaped.splitlines():
        if not line.lstrip().startswith("%"):
            assert line.count("$") % 2 == 0, line


@pytest.mark.parametrize(
    ("name", "granularity"),
    [("worked-example", "parameter"), ("softmax-3class", "layer"), ("deep-4-16-16-3", "neuron")],
)
def test_export_latex_balanced_for_presets(
    capsys: pytest.CaptureFixture[str], name: str, granularity: str
) -> None:
    code, out, _ = run(capsys, "export", name, "--format", "latex", "--granularity", granularity)
    assert code == 0
    assert_balanced_latex(out)


ODD_NET = """
name = "BCE & friends: 2-3-2 # 100% {braces} ~ ^ \\\\ é Ω 😀 $x$ _under_"
loss = "bce"
reduction = "sum"
learning_rate = 0.5
update_biases = false
[[layers]]
activation = "leaky_relu"
weights = [[0.5, -0.4], [-0.6, 0.7], [1e13, 0.1]]
biases = [0.1, -0.2, 0.0]
[[layers]]
activation = "sigmoid"
weights = [[0.8, 0.9, 0.0], [0.1, -0.2, 0.0]]
biases = [-0.3, 0.0]
[[samples]]
x = [0.0, 1.0]
y = [0.0, 1.0]
[[samples]]
x = [1.0, 0.0]
y = [1.0, 0.5]
"""

HAVE_PDFLATEX = any(
    os.access(os.path.join(directory, "pdflatex"), os.X_OK)
    for directory in os.environ.get("PATH", "").split(os.pathsep)
)


@pytest.mark.parametrize("granularity", ["parameter", "layer"])
def test_export_latex_escapes_odd_names_and_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, granularity: str
) -> None:
    path = tmp_path / "odd.toml"
    path.write_text(ODD_NET, encoding="utf-8")
    code, out, _ = run(
        capsys, "export", str(path), "--format", "latex", "--granularity", granularity
    )
    assert code == 0
    assert_balanced_latex(out)
    assert r"\title{BCE \& friends: 2-3-2 \# " in out
    assert r"\times 10^{13}" in out
    if HAVE_PDFLATEX:
        assert_compiles(tmp_path, out)
    code, out, _ = run(capsys, "export", str(path), "--granularity", granularity)
    trace = build_trace(load_network(path), granularity)  # type: ignore[arg-type]
    for step in trace.steps:
        assert step.text(3) in out


def assert_compiles(directory: Path, source: str) -> None:
    (directory / "handout.tex").write_text(source, encoding="utf-8")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "handout.tex"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (directory / "handout.pdf").stat().st_size > 0


@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex is not installed")
@pytest.mark.parametrize(
    ("name", "granularity"), [("worked-example", "parameter"), ("xor", "neuron")]
)
def test_export_latex_compiles(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, granularity: str
) -> None:
    target = tmp_path / "out.tex"
    args = ("export", name, "--format", "latex", "--granularity", granularity, "-o", str(target))
    code, out, err = run(capsys, *args)
    assert (code, out, err) == (0, "", "")
    assert_compiles(tmp_path, target.read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt", ["json", "markdown", "latex"])
def test_export_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    code, out, err = run(capsys, "export", "--format", fmt, "-o", str(target))
    assert (code, out, err) == (0, "", "")
    _, printed, _ = run(capsys, "export", "--format", fmt)
    assert target.read_text(encoding="utf-8") == printed


def test_export_to_an_unwritable_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "out.md"
    assert_error(*run(capsys, "export", "-o", str(target)), f"{target}: cannot write")
    assert_error(*run(capsys, "export", "--output", str(tmp_path)), str(tmp_path))


# -- export never destroys a file (SPEC §8) -----------------------------------------------------


def net_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.toml"
    path.write_text(dumps_toml(worked_example()), encoding="utf-8")
    return path


@POSIX_PATHS
@pytest.mark.parametrize("force", [False, True])
def test_export_never_overwrites_the_network_it_reads(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    force: bool,
) -> None:
    """The same file by any name: as typed, another spelling, a symbolic or a hard link."""
    monkeypatch.chdir(tmp_path)
    path = net_file(tmp_path)
    before = path.read_bytes()
    (tmp_path / "dir").mkdir()
    os.symlink("net.toml", "link.toml")
    os.link("net.toml", "hard.toml")
    spellings = [
        "net.toml",
        "./net.toml",
        "dir/../net.toml",
        str(path),
        "link.toml",
        "hard.toml",
    ]
    for output in spellings:
        for fmt in ("markdown", "json"):
            args = ["export", "net.toml", "--format", fmt, "-o", output]
            code, out, err = run(capsys, *args, *(["--force"] if force else []))
            assert_error(code, out, err, f"{output}: is the network file being exported")
            assert path.read_bytes() == before, output
    # Nor the other way round: the network through a link, the output by its own name.
    assert_error(*run(capsys, "export", "link.toml", "-o", "net.toml", "--force"))
    assert path.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "dir",
        "hard.toml",
        "link.toml",
        "net.toml",
    ]


def test_export_never_overwrites_an_existing_file_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "handout.md"
    target.write_text("the lecturer's notes\n", encoding="utf-8")
    code, out, err = run(capsys, "export", "-o", str(target))
    assert_error(code, out, err)
    assert err == f"nntui: error: {target}: already exists; add --force to replace it\n"
    assert target.read_text(encoding="utf-8") == "the lecturer's notes\n"
    assert run(capsys, "export", "-o", str(target), "--force") == (0, "", "")
    _, printed, _ = run(capsys, "export")
    assert target.read_text(encoding="utf-8") == printed
    assert [path.name for path in tmp_path.iterdir()] == ["handout.md"]  # no temporary file left


@POSIX_PATHS
def test_export_refuses_a_device_or_a_dangling_link_as_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert_error(
        *run(capsys, "export", "-o", os.devnull, "--force"),
        f"{os.devnull}: not a regular file (a character device)",
    )
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    dangling = tmp_path / "gone.md"
    dangling.symlink_to(tmp_path / "nowhere.md")
    assert_error(*run(capsys, "export", "-o", str(dangling)), "already exists")
    assert run(capsys, "export", "-o", str(dangling), "--force") == (0, "", "")
    assert dangling.is_symlink() and (tmp_path / "nowhere.md").read_text().startswith("# ")


def test_export_on_a_full_disk_keeps_the_old_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "handout.md"
    target.write_text("the old handout\n", encoding="utf-8")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    code, out, err = run(capsys, "export", "-o", str(target), "--force")
    assert_error(code, out, err, f"{target}: cannot write: {os.strerror(errno.ENOSPC)}")
    assert target.read_text(encoding="utf-8") == "the old handout\n"
    assert [path.name for path in tmp_path.iterdir()] == ["handout.md"]


@POSIX_PATHS
def test_export_appending_to_its_own_network_is_refused(tmp_path: Path) -> None:
    """`nntui export net.toml >> net.toml` would append the handout to the network."""
    path = net_file(tmp_path)
    before = path.read_bytes()
    with open(path, "ab") as stdout:
        result = subprocess.run(
            [sys.executable, "-m", "nntui", "export", str(path)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
    assert result.returncode == 2
    assert result.stderr == (
        f"nntui: error: {path}: standard output is this network file; write elsewhere\n"
    )
    assert path.read_bytes() == before


# -- export's default granularity (SPEC §2) -----------------------------------------------------


def test_export_chooses_the_granularity_the_app_would(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """mnist-784 is exported a step per layer (a few dozen steps, not ~102,000), and stderr
    says so in one line; a small network is exported a step per number, silently."""
    code, out, err = run(capsys, "export", "mnist-784", "--format", "json")
    assert code == 0
    steps = strict_json(out)["steps"]
    assert 10 < len(steps) < 100
    assert len(steps) == len(build_trace(PRESETS["mnist-784"].build(), "layer").steps)
    assert err.count("\n") == 1 and err.startswith("nntui: note: mnist-784 is big ")
    assert "one step per layer" in err and "--granularity parameter" in err
    assert f"{len(steps)} steps" in err
    code, out, err = run(capsys, "export", "deep-4-16-16-3", "--granularity", "layer")
    assert (code, err) == (0, "")  # asked for: no note
    code, out, err = run(capsys, "export", "deep-4-16-16-3", "--granularity", "parameter")
    assert (code, err) == (0, "")
    assert out.count("**Step ") == len(build_trace(PRESETS["deep-4-16-16-3"].build()).steps)
    for name in ("worked-example", "xor", "softmax-3class"):
        code, out, err = run(capsys, "export", name, "--format", "json")
        assert (code, err) == (0, "")
        expected = build_trace(PRESETS[name].build(), "parameter")
        assert len(strict_json(out)["steps"]) == len(expected.steps)


def test_export_help_tells_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", "--help")
    assert code == 0
    flat = " ".join(out.split())
    assert "--force" in flat and "never when it is NET itself" in flat
    assert "default: what the debugger would choose for NET" in flat
    assert f"parameters × samples traced (at most {TRACE_SAMPLES})" in flat
    assert f"exceed {PARAMETER_STEPS_UP_TO}" in flat


def test_export_with_a_network_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(worked_example().to_dict()), encoding="utf-8")
    code, out, _ = run(capsys, "export", str(path), "--format", "json")
    assert code == 0
    assert strict_json(out)["loss"] == pytest.approx(0.138, abs=5e-4)


# -- train --------------------------------------------------------------------------------------


def test_train_json_matches_spec(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "--steps", "200", "--format", "json")
    assert (code, err) == (0, "")
    doc = strict_json(out)
    assert set(doc) == TRAIN_KEYS
    assert doc["format"] == "nntui-train/1" and doc["steps"] == 200
    history = doc["loss_history"]
    assert len(history) == 201
    assert history[0] == pytest.approx(0.138, abs=5e-4)
    assert history[1] == pytest.approx(0.1346, abs=5e-4)
    assert all(later < earlier for earlier, later in itertools.pairwise(history))
    assert doc["loss_after"] == history[-1]
    assert set(doc["network_after"]) == NETWORK_KEYS
    assert doc["per_sample_after"] == [
        {
            "output": [pytest.approx(doc["per_sample_after"][0]["output"][0])],
            "loss": doc["loss_after"],
        }
    ]
    after = forward(worked_example().with_parameters(
        [layer["weights"] for layer in doc["network_after"]["layers"]],
        [layer["biases"] for layer in doc["network_after"]["layers"]],
    ))  # fmt: skip
    assert after.loss == pytest.approx(doc["loss_after"], rel=1e-12)


def test_train_json_several_samples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train", "xor", "--steps", "2000", "--format", "json")
    assert code == 0
    doc = strict_json(out)
    assert len(doc["loss_history"]) == 2001
    assert len(doc["per_sample_after"]) == 4
    for sample, target in zip(doc["per_sample_after"], [0, 1, 1, 0], strict=True):
        assert set(sample) == {"output", "loss"}
        assert abs(sample["output"][0] - target) < 0.1  # "2000 training steps solve it"


def test_train_zero_steps(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train", "--steps", "0", "--format", "json")
    doc = strict_json(out)
    assert code == 0 and doc["steps"] == 0 and len(doc["loss_history"]) == 1
    assert doc["network_after"] == worked_example().to_dict()


def test_train_text_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "--steps", "1000")
    assert (code, err) == (0, "")
    assert "Worked example" in out and "3-2-1" in out
    assert "1,000 of 1,000" in out
    assert re.search(r"loss:\s+0\.138195 → 0\.00\d+", out), out
    assert "steps/s" in out
    assert "stopped" not in out


def test_train_diverged(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "diverging.toml"
    path.write_text(DIVERGING_NET, encoding="utf-8")
    code, out, err = run(capsys, "train", str(path), "--steps", "500")
    assert (code, err) == (1, "")
    assert "stopped: training diverged at iteration" in out
    code, out, err = run(capsys, "train", str(path), "--steps", "500", "--format", "json")
    assert (code, err) == (1, "")
    doc = strict_json(out)
    assert set(doc) == TRAIN_KEYS | {"stopped"}
    assert doc["stopped"].startswith("training diverged at iteration")
    assert len(doc["loss_history"]) == doc["steps"] + 1 < 501


SCORE_KEYS = {
    "test_loss_before",
    "test_loss_after",
    "accuracy_before",
    "accuracy_after",
    "test_accuracy_before",
    "test_accuracy_after",
}


def test_train_json_adds_the_test_loss_and_the_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    from nntui.engine.evaluation import scores

    code, out, err = run(capsys, "train", "circles", "--steps", "300", "--format", "json")
    assert (code, err) == (0, "")
    doc = strict_json(out)
    assert set(doc) == TRAIN_KEYS | SCORE_KEYS  # additions only
    net = PRESETS["circles"].build()
    assert len(doc["per_sample_after"]) == net.n_samples == 160  # training samples only
    assert "data" in doc["network_after"] and "samples" not in doc["network_after"]
    before = scores(net)
    assert doc["test_loss_before"] == before.test_loss
    assert doc["accuracy_before"] == before.accuracy
    assert doc["test_accuracy_before"] == before.test_accuracy
    assert doc["test_loss_after"] < 0.1 * doc["test_loss_before"]
    assert doc["accuracy_after"] >= 0.97 and doc["test_accuracy_after"] >= 0.95
    assert doc["loss_after"] == doc["loss_history"][-1]


def test_train_text_reports_the_held_out_samples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "iris", "--steps", "2000")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[1] == "data:    iris.csv: 150 rows, 30 held out"
    assert re.fullmatch(r"loss:    1\.32\d+ → 0\.0\d+", lines[3]), lines[3]
    assert re.fullmatch(
        r"test:    1\.22\d+ → 0\.0\d+ \(the loss on the 30 held-out samples\)", lines[4]
    ), lines[4]
    assert re.fullmatch(
        r"correct: \d+\.\d% → 9\d\.\d% of the 120 training samples, "
        r"\d+\.\d% → (9\d\.\d|100\.0)% of the 30 test samples",
        lines[5],
    ), lines[5]


def test_train_text_of_listed_samples_is_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train", "xor", "--steps", "10")
    assert code == 0
    labels = [line.split(":")[0] for line in out.splitlines()]
    assert labels == ["network", "steps", "loss", "speed"]


def test_train_of_a_regression_data_set_has_a_test_loss_and_no_accuracy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "line.csv").write_text("x,y\n" + "".join(f"{k},{2 * k}\n" for k in range(10)))
    net = (
        'loss = "mse"\nlearning_rate = 0.01\n'
        '[[layers]]\nactivation = "linear"\nweights = [[0.5]]\nbiases = [0.0]\n'
        '[data]\ncsv = "line.csv"\nx = ["x"]\ny = "y"\ntest_fraction = 0.3\n'
    )
    (tmp_path / "line.toml").write_text(net)
    code, out, _ = run(
        capsys, "train", str(tmp_path / "line.toml"), "--steps", "50", "--format", "json"
    )
    assert code == 0
    doc = strict_json(out)
    assert set(doc) == TRAIN_KEYS | {"test_loss_before", "test_loss_after"}
    assert doc["test_loss_after"] < doc["test_loss_before"]
    code, out, _ = run(capsys, "train", str(tmp_path / "line.toml"), "--steps", "50")
    assert "test:" in out and "correct:" not in out


def test_data_errors_reach_every_command_as_one_line(tmp_path: Path) -> None:
    """Through the real program: the debugger, export and train each refuse a bad [data]
    table, or a bad CSV file, with SPEC §3's line, before any work."""
    (tmp_path / "bad.csv").write_text("a,b,kind\n1,2,yes\n3,oops,no\n", encoding="utf-8")
    head = (
        'loss = "bce"\nlearning_rate = 0.5\n[[layers]]\nactivation = "sigmoid"\n'
        "weights = [[0.5, -0.5]]\nbiases = [0.0]\n"
    )
    (tmp_path / "bad-csv.toml").write_text(
        head + '[data]\ncsv = "bad.csv"\nx = ["a", "b"]\ny = "kind"\n'
    )
    (tmp_path / "bad-table.toml").write_text(head + '[data]\ngenerator = "cirles"\nn = 10\n')
    expected = {
        "bad-csv.toml": "nntui: error: bad.csv: row 3, column 2 (b): ",
        "bad-table.toml": "nntui: error: bad-table.toml: data.generator: unknown generator "
        "\"cirles\"; did you mean 'circles'?",
    }
    for name, line in expected.items():
        for command in ([name], ["export", name], ["train", name, "--steps", "5"]):
            result = run_subprocess(*command, cwd=tmp_path)
            assert result.returncode == 2 and result.stdout == "", (command, result.stderr)
            assert result.stderr.startswith(line) and result.stderr.count("\n") == 1, (
                command,
                result.stderr,
            )


def test_train_interrupted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("nntui.engine.training.train", interrupted)
    assert run(capsys, "train", "--steps", "10") == (130, "", "")


# -- train -o: the trained network, written (SPEC §8) ----------------------------------------


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_train_writes_the_trained_network(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"trained.{fmt}"
    code, out, err = run(capsys, "train", "xor", "--steps", "300", "-o", str(target))
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == f"written: {target}"
    trained = train(resolve_network("xor"), 300).network
    again = load_network(target)
    assert again.to_dict() == trained.to_dict() and again.same_as(trained)
    text = target.read_text(encoding="utf-8")
    assert text.lstrip().startswith("{") == (fmt == "json")
    assert [path.name for path in tmp_path.iterdir()] == [target.name]  # no temporary file


def test_train_json_with_output_keeps_its_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "trained.toml"
    code, out, err = run(capsys, "train", "--steps", "20", "--format", "json", "-o", str(target))
    assert (code, err) == (0, "")
    document = strict_json(out)
    assert set(document) == TRAIN_KEYS
    assert load_network(target).to_dict() == document["network_after"]


def test_train_of_a_data_network_writes_its_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "circles.toml"
    assert run(capsys, "train", "circles", "--steps", "5", "-o", str(target))[0] == 0
    again = load_network(target)
    assert again.data is not None and (again.n_samples, again.n_test_samples) == (160, 40)
    assert "[data]" in target.read_text(encoding="utf-8")
    assert again.same_as(train(resolve_network("circles"), 5).network)
    # iris reads a CSV file, which a network file elsewhere cannot name: one line, no file
    code, out, err = run(capsys, "train", "iris", "--steps", "1", "-o", str(tmp_path / "i.toml"))
    assert_error(code, out, err, "copy iris.csv beside it first")
    assert not (tmp_path / "i.toml").exists()


def test_train_output_is_checked_before_training(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An existing file without --force, the network itself even with --force: refused at
    once (training is never started), the file as it was."""
    path = net_file(tmp_path)
    before = path.read_bytes()
    old = tmp_path / "old.toml"
    old.write_text("the lecturer's network\n", encoding="utf-8")

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("training started")

    monkeypatch.setattr("nntui.engine.training.train", never)
    code, out, err = run(capsys, "train", str(path), "--steps", "5", "-o", str(old))
    assert_error(code, out, err, f"{old}: already exists; add --force to replace it")
    code, out, err = run(capsys, "train", str(path), "--steps", "5", "-o", str(path), "--force")
    assert_error(code, out, err, "is the network file being trained")
    assert_error(*run(capsys, "train", "--steps", "5", "-o", str(tmp_path)), "is a directory")
    assert path.read_bytes() == before
    assert old.read_text(encoding="utf-8") == "the lecturer's network\n"
    monkeypatch.undo()
    code, out, err = run(capsys, "train", str(path), "--steps", "5", "-o", str(old), "--force")
    assert (code, err) == (0, "")
    assert load_network(old).same_as(train(worked_example(), 5).network)


def test_train_that_diverges_writes_the_last_finite_network(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "diverge.toml"
    path.write_text(DIVERGING_NET, encoding="utf-8")
    target = tmp_path / "kept.toml"
    code, out, _ = run(capsys, "train", str(path), "--steps", "50", "-o", str(target))
    assert code == 1 and "stopped:" in out
    result = train(load_network(path), 50)
    assert result.diverged and load_network(target).same_as(result.network)


# -- new: a new network file (SPEC §2, §8) ---------------------------------------------------------


def test_new_prints_a_toml_network(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "new", "2-3-1")
    assert (code, err) == (0, "")
    made = new_network((2, 3, 1))
    assert out == dumps_toml(made)
    assert loads_network(out, "new.toml").same_as(made)
    assert tomllib.loads(out)["layers"][0]["activation"] == "relu"


@pytest.mark.parametrize("fmt", ["toml", "json"])
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["2-3-1"], {}),
        (
            ["4-8-3", "--activations", "tanh, softmax", "--init", "xavier", "--seed", "7"],
            {"activations": ["tanh", "softmax"], "init": "xavier", "seed": 7},
        ),
        (["1-1", "--loss", "mse", "--init", "uniform"], {"loss": "mse", "init": "uniform"}),
        (["2-5-2", "--data", "moons", "--seed", "3"], {"data": "moons", "seed": 3}),
        (["784-32-10"], {}),
    ],
)
def test_new_writes_a_file_that_loads_back_identical(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fmt: str,
    args: list[str],
    expected: dict[str, Any],
) -> None:
    target = tmp_path / f"net.{fmt}"
    assert run(capsys, "new", *args, "-o", str(target)) == (0, "", "")
    shape = tuple(int(size) for size in args[0].split("-"))
    made = new_network(shape, **expected)
    again = load_network(target)
    assert again.to_dict() == made.to_dict() and again.same_as(made)
    assert target.read_text(encoding="utf-8").lstrip().startswith("{") == (fmt == "json")


def test_new_never_overwrites_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "net.toml"
    target.write_text("the lecturer's network\n", encoding="utf-8")
    code, out, err = run(capsys, "new", "2-3-1", "-o", str(target))
    assert_error(code, out, err)
    assert err == f"nntui: error: {target}: already exists; add --force to replace it\n"
    assert target.read_text(encoding="utf-8") == "the lecturer's network\n"
    assert run(capsys, "new", "2-2-1", "--seed", "5", "-o", str(target), "--force") == (0, "", "")
    assert load_network(target).same_as(new_network((2, 2, 1), seed=5))
    assert [path.name for path in tmp_path.iterdir()] == ["net.toml"]  # no temporary file left
    assert_error(*run(capsys, "new", "2-3-1", "-o", str(tmp_path)), "is a directory")
    missing = tmp_path / "no-such-dir" / "net.toml"
    assert_error(*run(capsys, "new", "2-3-1", "-o", str(missing)), "cannot write")


def test_new_seeds_give_their_own_weights(capsys: pytest.CaptureFixture[str]) -> None:
    outputs = {run(capsys, "new", "2-3-1", "--seed", seed)[1] for seed in ("0", "0", "1")}
    assert len(outputs) == 2


# -- presets, version, help ---------------------------------------------------------------------


def test_presets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "presets")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines == presets_listing()
    assert len(lines) == len(PRESETS)
    for line, (name, preset) in zip(lines, PRESETS.items(), strict=True):
        assert line.startswith(name) and preset.description in line
    assert re.search(r"^worked-example\s+3-2-1\s+", out, re.M)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, f"nntui {__version__}\n", "")


@pytest.mark.parametrize("command", [[], ["export"], ["train"], ["presets"], ["new"]])
def test_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, err = run(capsys, *command, "--help")
    assert (code, err) == (0, "")
    assert out.startswith("usage: nntui")
    if not command:
        for word in ("export", "train", "presets", "new", "exit status"):
            assert word in out
    if command == ["train"]:
        assert "1 " in out and "diverge" in out


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["export", "--format", "yaml"], "invalid choice"),
        (["export", "--precision", "16"], "--precision"),
        (["export", "--precision", "-1"], "--precision"),
        (["export", "--precision", "two"], "--precision"),
        (["export", "--granularity", "row"], "--granularity"),
        (["export", "a", "b"], "unrecognized arguments"),
        (["export", "--bogus"], "unrecognized arguments"),
        (["export", "-o"], "-o"),
        (["train"], "--steps"),
        (["train", "--steps", "-3"], "--steps"),
        (["train", "--steps", "1.5"], "--steps"),
        (["train", "--steps", "10", "--format", "markdown"], "invalid choice"),
        (["presets", "extra"], "unrecognized arguments"),
        (["a", "b"], "unrecognized arguments"),
        (["--bogus"], "unrecognized arguments"),
        (["nosuch-preset"], "nosuch-preset: no such file or preset"),
        (["export", "nosuch/net.toml"], "nosuch/net.toml: no such file"),
        (["train", "missing.json", "--steps", "1"], "missing.json: no such file"),
        (["train", "--steps", "1", "-o"], "-o"),
        (["new"], "the following arguments are required: SHAPE"),
        (["new", "2-0-1"], "argument SHAPE: every layer needs at least one neuron"),
        (["new", "2"], "argument SHAPE: needs the inputs and at least one layer"),
        (["new", "a-b"], "argument SHAPE: expected whole numbers joined by '-', like 2-3-1"),
        (["new", "2-100000-1"], "argument SHAPE: at most 4,096 neurons a column"),
        (["new", "1000-1000-1000"], "argument SHAPE: 2,002,000 parameters; at most 1,000,000"),
        (["new", "2-3-1", "--activations", "relu"], "argument --activations: 2-3-1 has 2 layers"),
        (["new", "2-3-1", "--activations", "relu,sigmod"], "layer 1: unknown activation 'sigmod'"),
        (
            ["new", "2-3-1", "--activations", "softmax,sigmoid"],
            "layer 0: softmax is for the output",
        ),
        (["new", "2-3-1", "--activations", "relu,"], "layer 1: unknown activation ''"),
        (["new", "2-3-1", "--loss", "hinge"], "argument --loss: unknown loss 'hinge'"),
        (["new", "2-3-1", "--loss", "cross_entropy"], "at least 2 output neurons"),
        (["new", "2-3-1", "--init", "lecun"], "argument --init: invalid choice: 'lecun'"),
        (["new", "2-3-1", "--seed", "-1"], "argument --seed"),
        (["new", "2-3-1", "--seed", "x"], "argument --seed"),
        (["new", "2-3-1", "--seed", str(2**64)], "argument --seed"),
        (["new", "2-3-1", "--data", "circls"], "argument --data: unknown generator 'circls'; did"),
        (["new", "3-3-1", "--data", "xor"], "argument --data: xor draws points in the plane"),
        (["new", "2-3-3", "--data", "xor"], "argument --data: xor makes 2 classes"),
    ],
)
def test_bad_arguments(capsys: pytest.CaptureFixture[str], args: list[str], text: str) -> None:
    assert_error(*run(capsys, *args), text)


@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_malformed_files_give_the_spec_error_line(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = str(MALFORMED / name)
    for args in (["export", path], ["train", path, "--steps", "5"], [path]):
        code, out, err = run(capsys, *args)
        assert_error(code, out, err)
        assert err.startswith(f"nntui: error: {path}: {EXPECTED_ERRORS[name]}"), err


def test_spec_error_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD_NET, encoding="utf-8")
    code, out, err = run(capsys, "export", str(path))
    assert_error(code, out, err)
    assert err == (
        f"nntui: error: {path}: layers[1].weights: row 0 has 3 numbers, but layer 0 has 2 neurons\n"
    )


# -- the debugger's entry -------------------------------------------------------------------------


def test_debugger_gets_the_resolved_network(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[Any, str]] = []

    def fake_run_app(network: Any, *, source: str, **keeping: Any) -> int:
        assert keeping["recording"] is None and keeping["replay"] is None  # no --record/--replay
        calls.append((network, source))
        return 0

    monkeypatch.setattr("nntui.app.main.run_app", fake_run_app)
    assert run(capsys, "xor") == (0, "", "")
    assert run(capsys) == (0, "", "")
    # A network file named like a command.
    monkeypatch.chdir(tmp_path)
    Path("export").write_text(json.dumps(PRESETS["xor"].build().to_dict()), encoding="utf-8")
    assert run(capsys, "./export") == (0, "", "")
    assert run(capsys, "--", "export") == (0, "", "")
    assert [source for _, source in calls] == ["xor", "worked-example", "./export", "export"]
    # Files and hand-written presets reach the debugger checked but not built (no NumPy yet).
    assert all(isinstance(network, NetworkSpec) for network, _ in calls)
    assert calls[0][0].build().same_as(PRESETS["xor"].build())
    assert calls[1][0].build().same_as(worked_example())
    assert calls[2][0].n_samples == 4
    # ... and `nntui export export` exports that file.
    code, out, _ = run(capsys, "export", "export", "--format", "json")
    assert code == 0 and len(strict_json(out)["per_sample"]) == 4


def test_debugger_errors_before_the_terminal_is_taken(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> int:
        raise AssertionError("the app must not start")

    monkeypatch.setattr("nntui.app.main.run_app", never)
    assert_error(*run(capsys, str(MALFORMED / "layer_shape_mismatch.toml")), "layers[1].weights")


# -- as a program ---------------------------------------------------------------------------------


def test_python_dash_m() -> None:
    result = run_subprocess("presets")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines() == presets_listing()
    result = run_subprocess("--version")
    assert (result.returncode, result.stdout) == (0, f"nntui {__version__}\n")


def test_program_errors() -> None:
    result = run_subprocess("export", "--precision", "99")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("nntui: error: ")
    result = run_subprocess("train", str(MALFORMED / "weight_nan.json"), "--steps", "3")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"nntui: error: {MALFORMED / 'weight_nan.json'}: ")


def test_program_export_and_train() -> None:
    result = run_subprocess("export", "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    assert strict_json(result.stdout)["format"] == "nntui-trace/1"
    result = run_subprocess("train", "--steps", "100", "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    assert len(strict_json(result.stdout)["loss_history"]) == 101


def test_export_never_imports_textual(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from nntui.cli import main\n"
        f"assert main(['export', '-o', {str(tmp_path / 'x.md')!r}]) == 0\n"
        f"assert main(['train', '--steps', '10', '--format', 'json']) == 0\n"
        "print('textual' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "False"


POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes and file descriptors")


@POSIX
@pytest.mark.parametrize("args", [["export"], ["train", "--steps", "50", "--format", "json"]])
def test_broken_pipe_is_quiet(args: list[str]) -> None:
    """The reader of stdout is gone: no traceback, no error message, status 141 (SIGPIPE)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "nntui", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.stderr == b""
    assert result.returncode == 141


@POSIX
def test_closed_stdout_is_one_error_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nntui", "presets"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        timeout=120,
        close_fds=True,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 2
    assert result.stderr == "nntui: error: cannot write the output: standard output is closed\n"


# -- big data sets: which samples are traced (issue 9.10) ---------------------------------------


def _many_samples_file(tmp_path: Path, count: int) -> Path:
    samples = [{"x": [index / count], "y": [2 * index / count + 1]} for index in range(count)]
    document = {
        "loss": "half_sse",
        "learning_rate": 0.1,
        "layers": [{"activation": "linear", "weights": [[0.5]], "biases": [0.1]}],
        "samples": samples,
    }
    path = tmp_path / "many.json"
    path.write_text(json.dumps(document))
    return path


def test_export_traces_sixteen_samples_of_a_big_data_set_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _many_samples_file(tmp_path, 1000)
    assert main(["export", str(path), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["traced_samples"] == list(range(16))
    assert {step["sample"] for step in document["steps"]} == {*range(16), None}
    assert len(document["per_sample"]) == 1000  # every sample's numbers are still there
    assert err.count("\n") == 1 and "samples 0–15 are traced" in err and "--samples all" in err


@pytest.mark.parametrize(
    ("which", "expected"), [("all", list(range(40))), ("3,5-7", [3, 5, 6, 7]), ("39", [39])]
)
def test_export_samples_chooses_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str, expected: list[int]
) -> None:
    path = _many_samples_file(tmp_path, 40)
    assert main(["export", str(path), "--format", "json", "--samples", which]) == 0
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document.get("traced_samples", list(range(40))) == expected
    assert {step["sample"] for step in document["steps"]} - {None} == set(expected)
    assert err == ""


@pytest.mark.parametrize("which", ["x", "5-3", "-1", "40", "0-40", "1,,2"])
def test_export_samples_refuses_what_does_not_name_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    path = _many_samples_file(tmp_path, 40)
    assert main(["export", str(path), "--samples", which]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("nntui: error: ") and err.count("\n") == 1 and "samples" in err
