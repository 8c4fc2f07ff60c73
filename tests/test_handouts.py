"""The Markdown and LaTeX handouts (`nntui export --format markdown|latex`) read right: each
loss named once, counts that agree with their nouns, an honest change in loss, a table of every
parameter before and after the step, symbols defined before use, prediction sentences only for
classifiers, and text from the file shown inert (control characters visible, markup escaped)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from markdown_it import MarkdownIt

from nntui.cli import main
from nntui.engine.network import Layer, Network
from nntui.engine.numbers import fmt_result
from nntui.engine.presets import PRESETS, worked_example
from nntui.engine.text import printable
from nntui.engine.trace import Trace, build_trace
from nntui.export import render_latex, render_markdown

HAVE_PDFLATEX = any(
    os.access(os.path.join(d, "pdflatex"), os.X_OK)
    for d in os.environ.get("PATH", "").split(os.pathsep)
)

_LOSS_WORDS = {
    "half_sse": "half the sum of squared errors",
    "sse": "the sum of squared errors",
    "mse": "the mean squared error",
    "bce": "binary cross-entropy",
    "cross_entropy": "cross-entropy",
}


def network(
    loss: str = "half_sse",
    *,
    samples: int = 1,
    hidden: tuple[int, ...] = (2,),
    output: str = "sigmoid",
    targets: list[list[float]] | None = None,
    learning_rate: float = 0.5,
    name: str = "",
) -> Network:
    """A small network with fixed, varied weights: 2 inputs, `hidden` layers, 1 or 3 outputs."""
    rng = np.random.default_rng(7)
    sizes = (2, *hidden, 3 if output == "softmax" else 1)
    activations = ["tanh"] * len(hidden) + [output]
    layers = tuple(
        Layer(act, rng.uniform(-1, 1, (n_out, n_in)).round(2), rng.uniform(-0.5, 0.5, n_out))
        for act, n_in, n_out in zip(activations, sizes, sizes[1:], strict=False)
    )
    inputs = rng.uniform(-1, 1, (samples, 2)).round(2)
    if targets is None:
        if output == "softmax":
            targets = [[1.0 if k == s % 3 else 0.0 for k in range(3)] for s in range(samples)]
        else:
            targets = [[float(s % 2)] for s in range(samples)]
    return Network(
        layers=layers,
        inputs=inputs,
        targets=np.asarray(targets, dtype=np.float64),
        loss=loss,
        learning_rate=learning_rate,
        name=name,
    )


def section(text: str, heading: str) -> str:
    """The lines of the Markdown section `heading` (## or ###) up to the next heading as deep."""
    level = heading.split(" ")[0]
    start = text.index(heading + "\n")
    rest = text[start + len(heading) + 1 :]
    end = re.search(rf"^#{{1,{len(level)}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def phase_section(text: str, title: str) -> str:
    heading = re.search(rf"^## \d+\. {re.escape(title)}$", text, re.M)
    assert heading is not None, title
    return section(text, heading.group())


# -- 1. each loss named once ----------------------------------------------------------------------


@pytest.mark.parametrize("loss", list(_LOSS_WORDS))
def test_each_loss_is_named_once_as_a_reader_says_it(loss: str) -> None:
    output = "softmax" if loss == "cross_entropy" else "sigmoid"
    trace = build_trace(network(loss, output=output))
    markdown = render_markdown(trace)
    line = next(ln for ln in markdown.splitlines() if ln.startswith("- Loss per sample:"))
    words = _LOSS_WORDS[loss]
    assert line.count(words) == 1, line
    assert line.lower().count("cross-entropy") <= 1, line
    key = re.escape(loss).replace("_", r"\\?_")  # half_sse, or half\_sse in Markdown
    assert re.search(rf"\b{key}\b", line) is None, line
    latex = render_latex(trace)
    item = next(ln for ln in latex.splitlines() if ln.startswith(r"\item Loss per sample:"))
    assert item.count(words) == 1 and r"\texttt" not in item, item


# -- 2. counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("samples", "together", "intro", "batch"),
    [
        (1, None, "one training sample", None),
        (2, "Both samples together", "two training samples", "the two samples' losses"),
        (4, "All 4 samples together", "4 training samples", "the 4 samples' losses"),
    ],
)
def test_sample_counts_read_right(
    samples: int, together: str | None, intro: str, batch: str | None
) -> None:
    trace = build_trace(network("mse", samples=samples))
    markdown = render_markdown(trace)
    latex = render_latex(trace)
    for text in (markdown, latex):
        assert intro in text
        assert not re.search(r"All [12] samples|\b1 samples|\b2 sample\b|\bone samples", text)
        if together is None:
            assert "together" not in text and "Batch loss" not in text
        else:
            assert together in text
            assert batch is not None and batch in text
    if together is not None:
        # The update and its heading concern the whole batch: no sample heading, no label.
        update = phase_section(markdown, "Parameter update")
        assert "###" not in update and "(all samples)" not in update
        backward = phase_section(markdown, "Backpropagation")
        assert f"### {together}" in backward


@pytest.mark.parametrize(
    ("hidden", "expected"),
    [
        (
            (1,),
            "Shape 2-1-1: 2 inputs, a hidden layer of 1 neuron and an output layer of 1 neuron.",
        ),
        ((3, 3), "2 inputs, two hidden layers of 3 neurons each and an output layer of 1 neuron."),
        ((1, 1), "2 inputs, two hidden layers of 1 neuron each and an output layer of 1 neuron."),
        ((3, 4), "2 inputs, hidden layers of 3 and 4 neurons and an output layer of 1 neuron."),
        ((), "Shape 2-1: 2 inputs and an output layer of 1 neuron."),
    ],
)
def test_layer_counts_read_right(hidden: tuple[int, ...], expected: str) -> None:
    markdown = render_markdown(build_trace(network(hidden=hidden)))
    assert expected in markdown


def test_how_many_parameters_changed_reads_right() -> None:
    moved_all = render_markdown(build_trace(network("mse", samples=2)))
    assert "All 9 parameters changed." in moved_all
    assert "of the 9 parameters changed" not in moved_all
    none_moved = render_markdown(build_trace(network(learning_rate=0.0)))
    assert "No parameter changed." in none_moved
    some = render_markdown(build_trace(worked_example()))
    assert "6 of the 11 parameters changed." in some


# -- 3. a change in loss that rounds to zero -----------------------------------------------------


def test_a_change_below_the_precision_says_so() -> None:
    trace = build_trace(replace(worked_example(), learning_rate=1e-4))
    diff = trace.loss_after - trace.loss
    assert -0.0005 < diff < 0  # a fall that 3 decimals round to −0.000: the case of the issue
    digits = f"{abs(diff):.{-int(np.floor(np.log10(abs(diff)))) + 1}f}"  # 0.0000036
    for text in (render_markdown(trace), render_latex(trace)):
        summary = text[text.index("Summary") :]
        assert "0.000." not in summary and "0.000$" not in summary, summary
        # The fall itself, to two significant digits, and why three decimals show none of it.
        assert digits in summary, (digits, summary)
        assert "fell" in summary and "3 decimals" in summary
        assert "fell from 0.138 to 0.138" not in summary


def test_no_bare_negative_zero_change_at_zero_decimals() -> None:
    trace = build_trace(worked_example())
    markdown = render_markdown(trace, precision=0)
    change = re.search(r"Change in loss: ([^ ]+)", markdown)
    assert change is not None and change.group(1) == "−0.0036.", change
    assert "below the whole numbers shown" in markdown and "0 decimals" not in markdown
    deltas = [delta for _, delta, _ in _md_param_rows(markdown).values()]
    assert "−0.0083" in deltas and "−0.013" in deltas  # w000, b10: never a bare −0
    assert not [d for d in deltas if re.fullmatch(r"[−-]0", d)], deltas
    latex = render_latex(trace, precision=0)
    assert "Change in loss: $-0.0036$" in latex


def test_an_exact_zero_change_says_nothing_moved() -> None:
    markdown = render_markdown(build_trace(network(learning_rate=0.0)))
    summary = section(markdown, "## Summary")
    assert "The loss stayed at" in summary and "Change in loss: 0 " in summary


# -- 4. a table of the final parameters ----------------------------------------------------------


def _md_param_rows(markdown: str) -> dict[str, list[str]]:
    table = section(markdown, "### Every parameter before and after the step")
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[wb][\d_]+", cells[0]):
            rows[cells[0]] = cells[1:]
    return rows


def _expected_rows(trace: Trace, precision: int = 3) -> dict[str, list[str]]:
    net, after = trace.network, trace.network_after
    rows = {}
    for ref in net.params():
        old, new = net.value_of(ref), after.value_of(ref)
        rows[ref.name] = [fmt_result(old, precision), new - old, fmt_result(new, precision)]
    return rows


def test_worked_example_table_of_every_parameter() -> None:
    trace = build_trace(worked_example())
    rows = _md_param_rows(render_markdown(trace))
    assert rows["w100"] == ["0.700", "−0.004", "0.696"]
    assert rows["w000"] == ["0.200", "−0.008", "0.192"]
    assert rows["w101"] == ["−1.100", "0", "−1.100"]  # zero gradient: Δ is exactly 0
    assert rows["b10"] == ["−0.100", "−0.013", "−0.113"]
    expected = _expected_rows(trace)
    assert rows.keys() == expected.keys() and len(rows) == 11
    for name, (old, delta, new) in expected.items():
        assert rows[name][0] == old and rows[name][2] == new
        assert float(rows[name][1].replace("−", "-")) == pytest.approx(delta, abs=5e-4)
    latex = render_latex(trace)
    assert r"$w_{100}$ & $0.700$ & $-0.004$ & $0.696$ \\" in latex
    assert r"$w_{101}$ & $-1.100$ & $0$ & $-1.100$ \\" in latex
    assert latex.count(r"$ \\") >= 11


def test_big_network_table_lists_the_largest_changes() -> None:
    trace = build_trace(PRESETS["deep-4-16-16-3"].build(), "layer")
    markdown = render_markdown(trace)
    rows = _md_param_rows(markdown)
    net, after = trace.network, trace.network_after
    assert 10 <= len(rows) <= 60  # 403 parameters, elided
    for index in range(len(net.layers)):
        refs = [r for r in net.params() if r.layer == index]
        moves = {r.name: abs(after.value_of(r) - net.value_of(r)) for r in refs}
        biggest = max(moves, key=moves.__getitem__)
        assert biggest in rows, (index, biggest)
        listed = [name for name in moves if name in rows]
        hidden = len(refs) - len(listed)
        if hidden:
            bound = max(v for k, v in moves.items() if k not in rows)
            assert min(moves[k] for k in listed) >= bound
            assert f"{hidden} more" in markdown
    latex = render_latex(trace)
    assert latex.count(r"\begin{tabular}") >= 3


# -- 5. layer mode: every symbol defined, every sample's symbols subscripted ---------------------


@pytest.mark.parametrize(
    ("net", "granularity"),
    [
        ("softmax-3class", "layer"),
        ("xor", "layer"),
        ("deep-4-16-16-3", "layer"),
        ("softmax-3class", "parameter"),
        ("softmax+mse", "layer"),
        ("softmax+mse", "parameter"),
    ],
)
def test_symbols_are_defined_before_use_and_carry_the_sample(net: str, granularity: str) -> None:
    """Inside sample 1's block every loss symbol is E_1 (never the batch's E), and a δ is
    used only after the step that computes it."""
    if net == "softmax+mse":
        network_ = network("mse", output="softmax", samples=2)
    else:
        network_ = PRESETS[net].build()
    trace = build_trace(network_, granularity)  # type: ignore[arg-type]
    defined: dict[int | None, set[str]] = {}
    for step in trace.steps:
        if step.phase != "backward" or step.sample is None:
            continue
        known = defined.setdefault(step.sample, set())
        text = f"{step.symbol} = {step.formula}"
        assert not re.search(r"∂E(?![_\d*])", text), text  # E_1 inside sample 1's block
        for delta in re.findall(r"δ\d+", step.formula):
            assert delta in known, (delta, text)
        known.add(step.symbol)


# -- 6. prediction sentences only for classifiers -------------------------------------------------


def test_regression_is_not_told_a_prediction() -> None:
    net = network("mse", samples=2, targets=[[0.01], [0.3]])
    markdown = render_markdown(build_trace(net))
    assert "prediction" not in markdown and "ŷ" not in markdown
    assert "against the target" in markdown


def test_classifiers_keep_their_prediction_sentence() -> None:
    for net in (worked_example(), network("bce", targets=[[1.0]])):
        assert "so the prediction would be ŷ =" in render_markdown(build_trace(net))


# -- 7. text from the file is made visible and inert ---------------------------------------------

HOSTILE = (
    "\u001b]0;PWNED\u0007\u001b[2J\u202eevil *bold* _it_ # <script>alert(1)</script> "
    "`code` [a](http://x) &amp; &#27; | ~ $x$ \\input{/etc/passwd} {100% ^ &} \u0085"
)


def _unsafe_chars(text: str) -> set[str]:
    return {c for c in text if c not in "\n" and not c.isprintable()}


def test_markdown_shows_a_hostile_name_visible_and_inert() -> None:
    markdown = render_markdown(build_trace(network(name=HOSTILE)))
    assert _unsafe_chars(markdown) == set()
    html = MarkdownIt("commonmark").render(markdown.split("\n", 1)[0])
    assert html.startswith("<h1>") and html.rstrip().endswith("</h1>")
    body = html.strip()[4:-5]
    for tag in ("<script", "<em>", "<strong>", "<code>", "<a ", "<h"):
        assert tag not in body, body
    # What the reader sees is the name with its control characters made visible.
    seen = body.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    assert seen.replace("&amp;", "&") == printable(HOSTILE, 300)
    assert "\\x1b]0;PWNED\\x07" in seen and "\\u202e" in seen


_TEX_ESCAPE_COMMANDS = {
    "textbackslash",
    "textasciitilde",
    "textasciicircum",
    "textasciigrave",
    "textless",
    "textgreater",
    "textbar",
    "ldots",
    "title",
}


def test_latex_shows_a_hostile_name_visible_and_inert(tmp_path: Path) -> None:
    latex = render_latex(build_trace(network(name=HOSTILE)))
    assert _unsafe_chars(latex) == set()
    title = next(line for line in latex.splitlines() if line.startswith(r"\title{"))
    assert set(re.findall(r"\\([A-Za-z]+)", title)) <= _TEX_ESCAPE_COMMANDS, title
    bare = re.sub(r"\\[A-Za-z]+\{\}|\\[{}$&%#_]", "", title[len(r"\title{") : -1])
    assert not re.search(r"[{}$&%#_^~\\]", bare), bare
    assert r"\textbackslash{}input\{/etc/passwd\}" in title
    assert r"\textbackslash{}x1b]0;PWNED" in title
    assert r"\textasciigrave{}code\textasciigrave{}" in title  # not typeset as quotes
    if HAVE_PDFLATEX:
        (tmp_path / "h.tex").write_text(latex, encoding="utf-8")
        result = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "h.tex"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout[-3000:]
        assert "/etc/passwd" not in (tmp_path / "h.log").read_text(errors="replace")


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_export_never_writes_control_characters(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / "hostile.json"
    net = network(name=HOSTILE).to_dict()
    import json

    path.write_text(json.dumps(net), encoding="utf-8")
    assert main(["export", str(path), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and _unsafe_chars(out) == set()
    assert "PWNED" in out


# -- other wording --------------------------------------------------------------------------------


def test_latex_keeps_neighbouring_operands_apart() -> None:
    """`bias b10* −0.113` in a sentence is a name and its value: joined into one formula it
    read as a subtraction (b*10 − 0.113), and `h* 0.188` as a product."""
    latex = render_latex(build_trace(worked_example()))
    assert r"weighted activations $h^{*}$ 0.188, bias $b_{10}^{*}$ $-0.113$." in latex
    assert r"relu gives 0 because $h_{\mathrm{pre},1} \le 0$" in latex  # still one formula
    assert r"$\theta^{*} = \theta + \Delta$" in latex


def test_phase_introductions_fit_the_network() -> None:
    """With several samples the loss and backpropagation say what happens per sample and for
    the batch; with fixed biases the update does not claim that every parameter moves."""
    many = render_markdown(build_trace(network("mse", samples=3)))
    assert "How far each sample's output is from its target" in phase_section(many, "Loss")
    backward = phase_section(many, "Backpropagation")
    assert "Each sample's gradients first, then their mean" in backward
    fixed = build_trace(replace(network(samples=1), update_biases=False))
    update = phase_section(render_markdown(fixed), "Parameter update")
    assert "Every parameter takes" not in update
    assert "Every weight takes one step" in update and "biases are fixed" in update
    one = render_markdown(build_trace(network()))
    assert "How far the output is from the target." in phase_section(one, "Loss")


# -- optimizers and mini-batches (SPEC §6) -------------------------------------------------------


def trained(preset: str, table: dict[str, object], **changes: object) -> Network:
    from nntui.engine.ops.optimizers import settings_from_table

    return replace(PRESETS[preset].build(), optimizer=settings_from_table(table), **changes)


def test_an_adam_handout_explains_its_update() -> None:
    markdown = render_markdown(build_trace(PRESETS["xor-adam"].build()))
    assert markdown.count("One step of Adam on a 2-2-1 network") == 1
    assert "- Optimizer: Adam (β1 = 0.9, β2 = 0.999, ε = 1e−8, λ = 0). Adam keeps" in markdown
    update = markdown[markdown.index("## 4. Parameter update") : markdown.index("## 5. Check")]
    assert "Every parameter takes Adam's step in five parts" in update
    assert "m̂ = m / (1 − β1ᵗ)" in update and "θ\\* = θ − µ·m̂ / (√v̂ + ε)" in update
    assert "This is step t = 1 of the run. Its running values, m and v, start at 0." in update
    assert "m = 0.9·0 + 0.1·0.017 = 0.002" in update
    assert "w100* = 0.8 − 0.1·0.017 / (√0.0003 + 1e−8) = 0.700" in update  # in a code block
    assert "Each parameter θ moved by its Adam step Δ = θ\\* − θ" in markdown


def test_the_table_of_parameters_shows_the_optimizers_step() -> None:
    trace = build_trace(PRESETS["xor-momentum"].build())
    markdown = render_markdown(trace)
    after = trace.network_after.layers[1].weights[0, 0]
    before = trace.network.layers[1].weights[0, 0]
    row = next(line for line in markdown.splitlines() if line.startswith("| w100 |"))
    assert row == f"| w100 | 0.800 | {fmt_result(after - before, 3)} | {fmt_result(after, 3)} |"


def test_a_handout_of_fixed_biases_and_weight_decay_says_so() -> None:
    net = trained("worked-example", {"name": "rmsprop", "weight_decay": 0.1}, update_biases=False)
    markdown = render_markdown(build_trace(net))
    assert "Every weight takes RMSprop's step in three parts" in markdown
    assert "g = ∂E/∂θ + λ·θ, v = α·v + (1 − α)·g² and then θ\\* = θ − µ·g / (√v + ε)" in markdown
    assert "The biases are fixed (update\\_biases = false)." in markdown
    assert "Weight decay adds λ·w100 to the gradient" in markdown


def test_a_mini_batch_handout_says_which_samples_the_step_uses() -> None:
    net = replace(PRESETS["softmax-3class"].build(), batch_size=4)
    trace = build_trace(build_trace(net).network_after)  # the second batch: samples 4 and 5
    markdown = render_markdown(trace)
    assert "6 training samples (this step trains on a batch of two samples)" in markdown
    assert "- Batch loss: the mean of its batch's two samples' losses" in markdown
    assert "This step is step 2 and uses batch 2 of 2 (samples 4–5)" in markdown
    assert (
        "**Step 27** (the batch). The batch loss is the mean of the losses of batch 2" in markdown
    )
    assert "### Both samples together" in markdown
    assert (
        "| batch loss E (samples 4–5) |" in markdown and "| loss over all 6 samples |" in markdown
    )
    assert "Sample 0" not in markdown and "### Sample 4:" in markdown


@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex is not installed")
@pytest.mark.parametrize(
    ("table", "granularity"),
    [
        ({"name": "adam"}, "parameter"),
        ({"name": "adamw", "weight_decay": 0.1}, "neuron"),
        ({"name": "sgd", "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, "layer"),
        ({"name": "rmsprop"}, "layer"),
    ],
)
def test_an_optimizer_handout_compiles(
    tmp_path: Path, table: dict[str, object], granularity: str
) -> None:
    net = trained("softmax-3class", table, batch_size=4)
    latex = render_latex(build_trace(net, granularity))  # type: ignore[arg-type]
    assert r"\sqrt{\hat{v}}" in latex or r"\sqrt{v}" in latex or "momentum" in latex
    (tmp_path / "h.tex").write_text(latex, encoding="utf-8")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "h.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
