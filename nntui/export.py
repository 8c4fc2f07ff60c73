"""`nntui export`: a trace as JSON (SPEC §4), or as a worked-example handout in Markdown or LaTeX.

The handouts follow the worked example's shape: the network, then every step of the trace
grouped by phase (forward pass, loss, backpropagation, parameter update, the forward pass again),
each with its formula in symbols, the numbers substituted, the result and one sentence of why,
and a summary of the loss before and after the step.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from nntui import __version__
from nntui.engine.network import Network, ParamRef
from nntui.engine.numbers import ARRAY_EDGE, MINUS, fmt_operand, fmt_result
from nntui.engine.ops.activations import ACTIVATIONS, activation
from nntui.engine.ops.losses import loss
from nntui.engine.text import LINE_LIMIT, printable
from nntui.engine.trace import PHASES, Phase, Step, Trace

FORMATS = ("markdown", "latex", "json")

PHASE_TITLES: dict[Phase, str] = {
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backpropagation",
    "update": "Parameter update",
    "check": "Check: forward pass again",
}

_PHASE_INTROS: dict[Phase, str] = {
    "forward": "Each neuron adds up its weighted inputs and its bias (the pre-activation), "
    "then applies its activation function. Layer by layer, from the inputs to the output.",
    "loss": "How far the output is from the target.",
    "backward": "The chain rule, from the loss back to every weight and bias: how much the "
    "loss changes when each parameter changes.",
    "update": "Every parameter takes one step against its gradient, θ* = θ − µ·∂E/∂θ. "
    "All the gradients were computed with the parameters from before the step.",
    "check": "The same forward pass with the updated parameters (marked *). Did the loss fall?",
}

#: At most this many samples are listed in the network section (first ones, …, the last).
MAX_SAMPLES_LISTED = 12
#: A layer with more parameters than this lists only the ones that moved most in the table
#: of parameters after the step (PARAMS_LISTED of them), and says how little the rest moved.
MAX_PARAMS_LISTED, PARAMS_LISTED = 24, 10


# -- JSON -----------------------------------------------------------------------------------------


def render_json(trace: Trace, precision: int = 3) -> str:
    """The `nntui-trace/1` document (SPEC §4), indented; never NaN or Infinity tokens."""
    return json.dumps(
        json_safe(trace.to_json(precision)), indent=2, ensure_ascii=False, allow_nan=False
    )


def json_safe(value: object) -> object:
    """`value` with every non-finite float replaced by None, so it dumps as valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


# -- shared structure -----------------------------------------------------------------------------


def _title(net: Network) -> str:
    """The network's name as a reader may see it (control characters written as escapes, a
    readable length), or its shape. Still to be escaped for the format."""
    return printable(net.name, LINE_LIMIT) if net.name else f"A {_shape(net)} network"


def _shape(net: Network) -> str:
    return "-".join(str(size) for size in net.shape)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _some(n: int, noun: str) -> str:
    """A count said as a reader says it: `one training sample`, `two samples`, `12 samples`."""
    return f"{_SMALL[n] if n < 3 else n} {noun}{'' if n == 1 else 's'}"


def _samples_together(n: int) -> str:
    """The heading of what all the samples do at once: `Both samples`, `All 4 samples`."""
    return "Both samples together" if n == 2 else f"All {n} samples together"


def _shape_sentence(net: Network) -> str:
    """`Shape 3-2-1: 3 inputs, a hidden layer of 2 neurons and an output layer of 1 neuron.`"""
    hidden = [layer.size for layer in net.layers[:-1]]
    parts = [_count(net.shape[0], "input")]
    if len(hidden) == 1:
        parts.append(f"a hidden layer of {_count(hidden[0], 'neuron')}")
    elif hidden and len(set(hidden)) == 1:
        each = _count(hidden[0], "neuron")
        parts.append(f"{_some(len(hidden), 'hidden layer')} of {each} each")
    elif hidden:
        sizes = ", ".join(map(str, hidden[:-1])) + f" and {hidden[-1]}"
        parts.append(f"hidden layers of {sizes} neurons")
    output = f"an output layer of {_count(net.layers[-1].size, 'neuron')}"
    if len(parts) == 1:
        return f"Shape {_shape(net)}: {parts[0]} and {output}."
    return f"Shape {_shape(net)}: {', '.join(parts)} and {output}."


def _layer_role(net: Network, index: int) -> str:
    return "output layer" if index == len(net.layers) - 1 else "hidden layer"


def _groups(steps: Sequence[Step]) -> Iterator[tuple[int | None, list[Step]]]:
    """Consecutive steps about the same sample."""
    for sample, group in itertools.groupby(steps, key=lambda s: s.sample):
        yield sample, list(group)


def _blocks(net: Network, steps: Sequence[Step]) -> Iterator[tuple[bool, int | None, list[Step]]]:
    """A phase's steps as (headed, sample, steps): consecutive steps about one sample, headed
    when there are several samples and the block holds more than one step. A phase whose
    steps all concern the whole batch (the update) needs no heading at all."""
    groups = list(_groups(steps))
    batch_only = all(sample is None for sample, _ in groups)
    for sample, group in groups:
        yield net.n_samples > 1 and len(group) > 1 and not batch_only, sample, group


def _labelled(net: Network, steps: Sequence[Step]) -> bool:
    """Whether the steps of a phase say which sample they are about: not with one sample,
    nor in a phase that is all about the whole batch."""
    return net.n_samples > 1 and any(step.sample is not None for step in steps)


def _phases(trace: Trace) -> Iterator[tuple[int, Phase, list[Step]]]:
    number = 0
    for phase in PHASES:
        steps = [s for s in trace.steps if s.phase == phase]
        if steps:
            number += 1
            yield number, phase, steps


def _shown(count: int) -> list[int | None]:
    """Indices written out for `count` rows or columns: all, or the first few, None, the last."""
    if count <= ARRAY_EDGE + 2:
        return list(range(count))
    return [*range(ARRAY_EDGE), None, count - 1]


def _vector_text(values: np.ndarray, precision: int) -> str:
    items = ["…" if k is None else fmt_operand(values[k], precision) for k in _shown(len(values))]
    return "[" + ", ".join(items) + "]"


def _changed(trace: Trace) -> tuple[int, int]:
    """(parameters, how many of them changed value in the step)."""
    net, after = trace.network, trace.network_after
    moved = sum(
        int(np.count_nonzero(a.weights != b.weights) + np.count_nonzero(a.biases != b.biases))
        for a, b in zip(net.layers, after.layers, strict=True)
    )
    return net.n_params, moved


@dataclass(frozen=True)
class _ParamTable:
    """One layer's rows of the table of parameters after the step: (parameter, value before,
    Δ, value after) for every parameter, or for the `PARAMS_LISTED` that moved most, in the
    ledger's order; `left_out` more moved by at most `left_out_bound` each."""

    layer: int
    count: int
    rows: list[tuple[ParamRef, float, float, float]]
    left_out: int
    left_out_bound: float


def _param_tables(trace: Trace) -> list[_ParamTable]:
    """Δ = −µ·∂E/∂θ (0 for a fixed bias), as the ledger shows it; every number the engine's."""
    net, after, grads = trace.network, trace.network_after, trace.backward
    tables = []
    for index, (layer, new) in enumerate(zip(net.layers, after.layers, strict=True)):
        size, fan_in = layer.weights.shape
        biases = -net.learning_rate * grads.biases[index]
        if not net.update_biases:
            biases = np.zeros_like(biases)
        # The ledger's order: the weights row by row, then the biases.
        deltas = np.concatenate([-net.learning_rate * grads.weights[index].ravel(), biases])
        olds = np.concatenate([layer.weights.ravel(), layer.biases])
        news = np.concatenate([new.weights.ravel(), new.biases])
        count = deltas.size
        if count <= MAX_PARAMS_LISTED:
            listed = np.arange(count)
        else:  # the ones that moved most, in the ledger's order
            listed = np.sort(np.argsort(-np.abs(deltas), kind="stable")[:PARAMS_LISTED])
        rest = np.setdiff1d(np.arange(count), listed)
        rows = []
        for k in listed.tolist():
            ref = (
                ParamRef(index, "weight", k // fan_in, k % fan_in)
                if k < size * fan_in
                else ParamRef(index, "bias", k - size * fan_in)
            )
            rows.append((ref, float(olds[k]), float(deltas[k]), float(news[k])))
        bound = float(np.max(np.abs(deltas[rest]))) if rest.size else 0.0
        tables.append(_ParamTable(index, count, rows, int(rest.size), bound))
    return tables


_PARAMS_HEADING = "Every parameter before and after the step"
_PARAMS_INTRO = "Each parameter θ moved by Δ = −µ·∂E/∂θ to θ* = θ + Δ (the values the check used)."


def _left_out(table: _ParamTable, net: Network, precision: int) -> str:
    """`Of this layer's 80 parameters, the 10 that moved most are listed; 70 more moved by at
    most 0.0012 each.`"""
    rest = (
        f"{table.left_out} more did not move"
        if table.left_out_bound == 0
        else f"{table.left_out} more moved by at most "
        f"{_change(table.left_out_bound, precision)} each"
    )
    whose = "this layer's" if len(net.layers) > 1 else "the"
    return (
        f"Of {whose} {table.count} parameters, the {len(table.rows)} that moved most are "
        f"listed; {rest}."
    )


def _param_cells(row: tuple[ParamRef, float, float, float], precision: int) -> list[str]:
    """A row of the table: the name, the value before and after (as the ledger writes them)
    and the change Δ between them (never a bare 0.000 for a change that is not 0)."""
    ref, old, delta, new = row
    return [
        ref.name,
        fmt_result(old, precision),
        _change(delta, precision),
        fmt_result(new, precision),
    ]


def _moved(total: int, moved: int) -> str:
    """`6 of the 11 parameters changed.`, `All 9 parameters changed.`, `No parameter changed.`"""
    if moved == 0:
        return "No parameter changed."
    if moved == total:
        return "The only parameter changed." if total == 1 else f"All {total} parameters changed."
    return f"{moved} of the {total} parameters changed."


def _decimals(precision: int) -> str:
    return f"{precision} decimal{'' if precision == 1 else 's'}"


def _rounds_to_zero(value: float, precision: int) -> bool:
    return float(f"{abs(value):.{precision}f}") == 0


def _fine(value: float, digits: int = 2) -> str:
    """A small non-zero number to `digits` significant digits, written out in full down to
    about a millionth (0.0000036) and in scientific notation below (3.6e−9)."""
    exponent = math.floor(math.log10(abs(value)))
    if exponent < -7:
        mantissa, _, power = f"{value:.{digits - 1}e}".partition("e")
        return f"{mantissa}e{int(power)}".replace("-", MINUS)
    return f"{value:.{max(0, digits - 1 - exponent)}f}".replace("-", MINUS)


def _change(value: float, precision: int) -> str:
    """A change (a Δ, the change in loss) at `precision` decimals; one that those decimals
    would show as 0 while it is not 0 gets the digits it needs instead (never a bare −0.000)."""
    if value == 0:
        return "0"
    if _rounds_to_zero(value, precision):
        return _fine(value)
    return fmt_result(value, precision)


def _verdict(before: float, after: float, precision: int, *, samples: int, moved: int) -> str:
    """What the loss did in the step, and the change in it written honestly."""
    if not (math.isfinite(before) and math.isfinite(after)):
        return "The loss is not finite: this learning rate or these weights are too large."
    was, now, diff = fmt_result(before, precision), fmt_result(after, precision), after - before
    if diff == 0:
        why = "no parameter moved" if moved == 0 else "the parameters moved, the loss did not"
        return f"The loss stayed at {was}. Change in loss: 0 ({why})."
    change = _change(diff, precision)
    if _rounds_to_zero(diff, precision):
        return (
            f"The loss {'fell' if diff < 0 else 'rose'} by only {change.lstrip(MINUS)}, below "
            f"the {_decimals(precision) if precision else 'whole numbers'} shown (it reads "
            f"{was} before and after). Change in loss: {change}."
        )
    if diff < 0:
        more = " (and with more examples)" if samples == 1 else ""
        return (
            f"The loss fell from {was} to {now}: the step moved the network towards the "
            f"targets. Repeating such steps{more} trains the network. Change in loss: {change}."
        )
    return (
        f"The loss rose from {was} to {now}: the step overshot, the learning rate is too large "
        f"for this point. Change in loss: {change}."
    )


def _phase_intro(net: Network, phase: Phase) -> str:
    """What a phase does, said for this network (several samples, fixed biases)."""
    text = _PHASE_INTROS[phase]
    many = net.n_samples > 1
    if phase == "loss" and many:
        text = (
            "How far each sample's output is from its target; then the batch loss, the "
            f"{net.reduction} over the samples."
        )
    elif phase == "backward" and many:
        text += (
            f" Each sample's gradients first, then their {net.reduction}: the gradient of "
            "the batch loss."
        )
    elif phase == "update" and not net.update_biases:
        text = text.replace("Every parameter takes", "Every weight takes") + (
            " The biases are fixed (update_biases = false)."
        )
    return text


def _settings(net: Network) -> list[str]:
    record = loss(net.loss)
    lines = [f"Loss per sample: {record.title}, {record.text}."]
    if net.n_samples > 1:
        how = net.reduction  # mean | sum
        lines.append(
            f"Batch loss: the {how} of the {_some(net.n_samples, 'sample')}' losses; its "
            f"gradient is the {how} of theirs."
        )
    lines.append(f"Learning rate µ = {_plain(net.learning_rate)}.")
    lines.append(
        "Biases are updated like weights (a bias is a weight whose input is always 1)."
        if net.update_biases
        else "Biases are fixed (update_biases = false): only the weights move."
    )
    return lines


def _plain(value: float) -> str:
    return fmt_operand(value, 15)


def _intro(trace: Trace, precision: int) -> str:
    net = trace.network
    granularity = {
        "parameter": "one step per number",
        "neuron": "one step per neuron (a row of weights at once)",
        "layer": "one step per layer (whole vectors and matrices at once)",
    }[trace.granularity]
    samples = _some(net.n_samples, "training sample")
    text = (
        f"One step of gradient descent on a {_shape(net)} network and {samples}, worked "
        f"through by hand: the forward pass, the loss, backpropagation, the update of every "
        f"parameter, and the forward pass again to check whether the loss fell. "
        f"{len(trace.steps)} steps, {granularity}. Numbers are rounded to "
        f"{_decimals(precision) if precision else 'whole numbers'} (a number too small for "
        f"that keeps its first significant digit); every result is computed from the "
        f"unrounded numbers, so its last digit may differ from a calculation with the rounded "
        f"numbers shown."
    )
    if net.n_samples > 1:
        text += (
            " Steps are numbered in the order they are computed, as the app counts them: each "
            "sample's loss comes right after its forward pass and is listed under Loss."
        )
    return text


# -- Markdown -------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|$~&])")


def _md(text: str) -> str:
    """Prose for Markdown: characters that would format are escaped (`<` and `&` too, so that
    no HTML tag or character reference gets through)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def render_markdown(trace: Trace, precision: int = 3) -> str:
    """The trace as a Markdown handout: every step, with its formula, numbers, result and why."""
    net = trace.network
    out: list[str] = [f"# {_md(_title(net))}", "", _md(_intro(trace, precision)), ""]
    out += _md_network(net, precision)
    for number, phase, steps in _phases(trace):
        out += [f"## {number}. {PHASE_TITLES[phase]}", "", _md(_phase_intro(net, phase)), ""]
        labelled = _labelled(net, steps)
        for headed, sample, group in _blocks(net, steps):
            if headed:
                out += [f"### {_md(_sample_heading(net, sample, precision))}", ""]
            for step in group:
                out += _md_step(step, precision, labelled=labelled)
    out += _md_summary(trace, precision)
    return "\n".join(out).rstrip() + "\n"


def _sample_heading(net: Network, sample: int | None, precision: int) -> str:
    if sample is None:
        return _samples_together(net.n_samples)
    x = _vector_text(net.inputs[sample], precision)
    y = _vector_text(net.targets[sample], precision)
    return f"Sample {sample}: x = {x}, y = {y}"


def _sample_label(step: Step, labelled: bool) -> str:
    if not labelled:
        return ""
    return " (all samples)" if step.sample is None else f" (sample {step.sample})"


def _md_step(step: Step, precision: int, *, labelled: bool) -> list[str]:
    text = step.text(precision)
    symbolic = f"{step.symbol} = {step.formula}"
    # The formula line is left out when it has no symbols to substitute (it would repeat).
    lines = [text] if text == f"{symbolic} = {step.result(precision)}" else [symbolic, text]
    label = f"**Step {step.index + 1}**{_sample_label(step, labelled)}."  # as the app counts
    return [f"{label} {_md(step.reason(precision))}", "", "```text", *lines, "```", ""]


def _md_table(
    header: Sequence[str], rows: Iterable[Sequence[str]], align: str | Sequence[str]
) -> list[str]:
    """A pipe table; `align` is one column's `---`/`--:` for all, or one per column."""
    aligns = [align] * len(header) if isinstance(align, str) else list(align)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _md_network(net: Network, precision: int) -> list[str]:
    out = ["## The network", ""]
    out += [
        _md(
            f"{_shape_sentence(net)} Each neuron j of layer l has a weight w_lji for each "
            "input i and a bias b_lj (indices from 0; layer 0 is the first layer after the inputs)."
        ),
        "",
    ]
    for index, layer in enumerate(net.layers):
        out += [
            f"### Layer {index}: {_layer_role(net, index)}, {layer.size} "
            f"neuron{'s' if layer.size != 1 else ''}, {_md(activation(layer.activation).text)}",
            "",
        ]
        cols = _shown(layer.fan_in)
        rows = _shown(layer.size)
        header = ["neuron", *("…" if i is None else f"input {i}" for i in cols), "bias"]
        body = []
        for j in rows:
            if j is None:
                body.append(["…"] * len(header))
                continue
            cells = [str(j)]
            for i in cols:
                if i is None:
                    cells.append("…")
                else:
                    ref = ParamRef(index, "weight", j, i)
                    cells.append(f"{ref.name} = {fmt_operand(layer.weights[j, i], precision)}")
            ref = ParamRef(index, "bias", j)
            cells.append(f"{ref.name} = {fmt_operand(layer.biases[j], precision)}")
            body.append(cells)
        out += [*_md_table(header, body, "---"), ""]
    out += ["### Training", ""]
    out += [f"- {_md(line)}" for line in _settings(net)]
    out += [
        "",
        f"### Training data ({net.n_samples} sample{'s' if net.n_samples != 1 else ''})",
        "",
    ]
    body = []
    for s in _shown_samples(net.n_samples):
        if s is None:
            body.append(["…", "…", "…"])
        else:
            x = _vector_text(net.inputs[s], precision)
            y = _vector_text(net.targets[s], precision)
            body.append([str(s), x, y])
    out += [*_md_table(["sample", "input x", "target y"], body, "---"), ""]
    return out


def _shown_samples(count: int) -> list[int | None]:
    if count <= MAX_SAMPLES_LISTED:
        return list(range(count))
    return [*range(MAX_SAMPLES_LISTED - 2), None, count - 1]


def _md_summary(trace: Trace, precision: int) -> list[str]:
    net = trace.network
    total, moved = _changed(trace)
    before, after = trace.loss, trace.loss_after
    verdict = _verdict(before, after, precision, samples=net.n_samples, moved=moved)
    out = [
        "## Summary",
        "",
        *_md_table(
            ["", "before the step", "after the step"],
            [["loss E", fmt_result(before, precision), fmt_result(after, precision)]],
            "---",
        ),
        "",
        _md(f"{verdict} {_moved(total, moved)}"),
        "",
        f"### {_PARAMS_HEADING}",
        "",
        _md(_PARAMS_INTRO),
        "",
    ]
    for table in _param_tables(trace):
        if len(net.layers) > 1:
            out += [f"Layer {table.layer} ({_layer_role(net, table.layer)}):", ""]
        rows = [_param_cells(row, precision) for row in table.rows]
        if table.left_out:
            rows.append(["…", "…", "…", "…"])
        header = ["parameter", "before", "Δ", "after"]
        out += [*_md_table(header, rows, ["---", "--:", "--:", "--:"]), ""]
        if table.left_out:
            out += [_md(_left_out(table, net, precision)), ""]
    return out


# -- LaTeX ----------------------------------------------------------------------------------------

_LATEX_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{amsmath}
\setcounter{MaxMatrixCols}{20}
\addtolength{\textwidth}{3cm}
\addtolength{\oddsidemargin}{-1.5cm}
\addtolength{\evensidemargin}{-1.5cm}
\addtolength{\textheight}{2cm}
\addtolength{\topmargin}{-1cm}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\newcommand{\nnstep}[2]{\par\medskip\textbf{Step #1}#2}
\newenvironment{nnlong}{\par\nopagebreak\begingroup\leftskip=2em\relax}{\par\endgroup}
"""

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "`": r"\textasciigrave{}",  # not an opening quote: text from a file is shown as it is
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "—": "---",
    "–": "--",
    "…": r"\ldots{}",
    "“": "``",
    "”": "''",
    "‘": "`",
    "’": "'",
    "\u00a0": "~",
}

# Unicode in formulas → LaTeX math.
_MATH_CHARS = {
    "·": r"\cdot ",
    "−": "-",
    "⊙": r"\odot ",
    "ᵀ": r"^{\top}",
    "²": "^{2}",
    "³": "^{3}",
    "½": r"\tfrac{1}{2}",
    "…": r"\cdots ",
    "≤": r"\le ",
    "≥": r"\ge ",
    "≠": r"\ne ",
    "≈": r"\approx ",
    "×": r"\times ",
    "÷": r"\div ",
    "→": r"\to ",
    "∞": r"\infty ",
    "∂": r"\partial ",
    "′": "'",
    "∑": r"\sum ",
    "√": r"\surd ",
    "±": r"\pm ",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "~": r"\sim ",
    "^": r"\hat{}",
    "\\": r"\backslash ",
    "*": "^{*}",
}

_GREEK = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "η": r"\eta",
    "θ": r"\theta",
    "λ": r"\lambda",
    "µ": r"\mu",
    "μ": r"\mu",
    "π": r"\pi",
    "σ": r"\sigma",
    "τ": r"\tau",
    "φ": r"\varphi",
    "ω": r"\omega",
    "ρ": r"\rho",
    "κ": r"\kappa",
    "ν": r"\nu",
    "ξ": r"\xi",
    "ψ": r"\psi",
    "χ": r"\chi",
    "ζ": r"\zeta",
    "Δ": r"\Delta",
    "Γ": r"\Gamma",
    "Λ": r"\Lambda",
    "Π": r"\Pi",
    "Φ": r"\Phi",
    "Ψ": r"\Psi",
    "Ω": r"\Omega",
    "Σ": r"\sum",
    "ŷ": r"\hat{y}",
}

_MATH_WORDS = {
    "if": r"\text{ if }",
    "else": r"\text{ else }",
    "ln": r"\ln ",
    "log": r"\log ",
    "exp": r"\exp ",
    "max": r"\max ",
    "min": r"\min ",
    "inf": r"\infty ",
    "nan": r"\mathrm{NaN}",
    **{name: record.latex_symbol for name, record in ACTIVATIONS.items()},
}

_GREEK_CLASS = "".join(_GREEK)
_IDENT = rf"[A-Za-z{_GREEK_CLASS}][A-Za-z0-9_]*(?:\[\d+\])?\*?′?"
_IDENT_RE = re.compile(_IDENT)
_FRAC_RE = re.compile(rf"∂({_IDENT})/∂({_IDENT})")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?(?:e[−+-]?\d+)?")
_SIGNED_RE = re.compile(r"[−-]?(?:\d+(?:\.\d+)?(?:e[−+-]?\d+)?|inf|nan)")
_IDENT_PARTS = re.compile(r"(?P<name>[^\[\*′]+)(?P<index>\[\d+\])?(?P<star>\*)?(?P<prime>′)?")
_HEAD_RE = re.compile(rf"([A-Za-z{_GREEK_CLASS}]+?)(\d*)")
_PART_RE = re.compile(r"([A-Za-z]*)(\d*)")
_ELLIPSIS = object()


def render_latex(trace: Trace, precision: int = 3) -> str:
    """The trace as a standalone LaTeX handout (article class, amsmath; pdflatex compiles it)."""
    net = trace.network
    out = [
        _LATEX_PREAMBLE,
        rf"\title{{{_tex_plain(_title(net))}}}",  # a name is text, never mathematics
        rf"\author{{Worked example generated by nntui {__version__}}}",
        r"\date{}",
        "",
        r"\begin{document}",
        r"\maketitle",
        "",
        _tex(_intro(trace, precision)),
        "",
    ]
    out += _tex_network(net, precision)
    for _, phase, steps in _phases(trace):
        title, intro = _tex(PHASE_TITLES[phase]), _tex(_phase_intro(net, phase))
        out += [rf"\section{{{title}}}", "", intro, ""]
        labelled = _labelled(net, steps)
        for headed, sample, group in _blocks(net, steps):
            if headed:
                out += [rf"\subsection*{{{_tex_sample_heading(net, sample, precision)}}}", ""]
            for step in group:
                out += _tex_step(step, precision, labelled=labelled)
    out += _tex_summary(trace, precision)
    out += [r"\end{document}", ""]
    return "\n".join(out)


def _tex_step(step: Step, precision: int, *, labelled: bool) -> list[str]:
    lhs = _math(step.symbol)
    full = step.substituted(precision)
    formula = _elide(step.formula)
    substituted = _elide(full)
    lines = [] if step.formula == full else [_math(formula)]
    lines += [_math(substituted), _math(step.result(precision))]
    label = _sample_label(step, labelled)  # plain words and digits: nothing to escape
    head = [rf"\nnstep{{{step.index + 1}}}{{{label}.\enspace {_tex(step.reason(precision))}}}"]
    long = max(len(step.symbol) + len(formula), len(substituted)) > 90
    if not long:
        body = [rf"{lhs} &= {lines[0]}"] + [rf"&= {line}" for line in lines[1:]]
        return [*head, r"\begin{align*}", " \\\\\n".join(body), r"\end{align*}", ""]
    body = [rf"$\displaystyle {lhs} = {lines[0]}$\par"]
    body += [rf"\quad$\displaystyle {{}} = {line}$\par" for line in lines[1:]]
    return [*head, r"\begin{nnlong}", *body, r"\end{nnlong}", ""]


def _tex_sample_heading(net: Network, sample: int | None, precision: int) -> str:
    if sample is None:
        return _samples_together(net.n_samples)
    x = _tex_vector(net.inputs[sample], precision)
    y = _tex_vector(net.targets[sample], precision)
    return f"Sample {sample}: ${{x = {x}}}$, ${{y = {y}}}$"


def _tex_matrix(cells: list[list[str]]) -> str:
    rows = [" & ".join(row) for row in cells]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def _tex_param_matrices(index: int, weights: np.ndarray, precision: int) -> tuple[str, str]:
    """W_l written with names and with numbers, elided past a few rows and columns."""
    names, values = [], []
    cols = _shown(weights.shape[1])
    for j in _shown(weights.shape[0]):
        if j is None:
            names.append([r"\vdots"] * len(cols))
            values.append([r"\vdots"] * len(cols))
            continue
        names.append(
            [r"\cdots" if i is None else _math(ParamRef(index, "weight", j, i).name) for i in cols]
        )
        values.append(
            [r"\cdots" if i is None else _tex_number(weights[j, i], precision) for i in cols]
        )
    return _tex_matrix(names), _tex_matrix(values)


def _tex_number(value: float, precision: int) -> str:
    return _math(fmt_operand(value, precision))


def _tex_vector(values: np.ndarray, precision: int) -> str:
    items = [
        r"\ldots" if k is None else _tex_number(values[k], precision) for k in _shown(len(values))
    ]
    return "(" + ",\\ ".join(items) + ")"


def _tex_network(net: Network, precision: int) -> list[str]:
    out = [
        r"\section*{The network}",
        "",
        f"{_tex(_shape_sentence(net))} Each neuron $j$ of layer $l$ has a weight $w_{{lji}}$ "
        r"for each input "
        r"$i$ and a bias $b_{lj}$ (indices from 0; layer 0 is the first layer after the inputs).",
        "",
    ]
    for index, layer in enumerate(net.layers):
        names, values = _tex_param_matrices(index, layer.weights, precision)
        b_names = _tex_matrix(
            [[r"\vdots" if j is None else _math(ParamRef(index, "bias", j).name)]
             for j in _shown(layer.size)]
        )  # fmt: skip
        b_values = _tex_matrix(
            [[r"\vdots" if j is None else _tex_number(layer.biases[j], precision)]
             for j in _shown(layer.size)]
        )  # fmt: skip
        plural = "s" if layer.size != 1 else ""
        out += [
            rf"\paragraph{{Layer {index}}} ({_layer_role(net, index)}): {layer.size} "
            rf"neuron{plural}, activation {activation(layer.activation).latex}.",
            r"\[",
            rf"W_{{{index}}} = {names} = {values},",
            r"\]",
            r"\[",
            rf"b_{{{index}}} = {b_names} = {b_values}.",
            r"\]",
            "",
        ]
    record = loss(net.loss)
    out += [r"\paragraph{Training}", r"\begin{itemize}"]
    out.append(rf"\item Loss per sample: {record.title}, $\displaystyle {record.latex}$.")
    for line in _settings(net)[1:]:
        out.append(rf"\item {_tex(line)}")
    out += [r"\end{itemize}", ""]
    count = net.n_samples
    out += [
        rf"\paragraph{{Training data}} ({count} sample{'s' if count != 1 else ''})",
        "",
        r"\begin{tabular}{rll}",
        r"sample & input $x$ & target $y$ \\ \hline",
    ]
    for s in _shown_samples(count):
        if s is None:
            out.append(r"$\vdots$ & $\vdots$ & $\vdots$ \\")
        else:
            x = _tex_vector(net.inputs[s], precision)
            y = _tex_vector(net.targets[s], precision)
            out.append(rf"{s} & ${x}$ & ${y}$ \\")
    out += [r"\end{tabular}", ""]
    return out


def _tex_summary(trace: Trace, precision: int) -> list[str]:
    net = trace.network
    total, moved = _changed(trace)
    before, after = trace.loss, trace.loss_after
    verdict = _verdict(before, after, precision, samples=net.n_samples, moved=moved)
    out = [
        r"\section*{Summary}",
        "",
        r"\begin{tabular}{lrr}",
        r" & before the step & after the step \\ \hline",
        rf"loss $E$ & ${_math(fmt_result(before, precision))}$ & "
        rf"${_math(fmt_result(after, precision))}$ \\",
        r"\end{tabular}",
        "",
        _tex(f"{verdict} {_moved(total, moved)}"),
        "",
        rf"\subsection*{{{_PARAMS_HEADING}}}",
        "",
        _tex(_PARAMS_INTRO),
        "",
    ]
    for table in _param_tables(trace):
        if len(net.layers) > 1:
            out.append(rf"\paragraph{{Layer {table.layer}}} ({_layer_role(net, table.layer)})")
        out += [
            r"\par\begin{tabular}{lrrr}",
            r"parameter & before & $\Delta$ & after \\ \hline",
        ]
        for row in table.rows:
            cells = [_math(cell) for cell in _param_cells(row, precision)]
            out.append(" & ".join(f"${cell}$" for cell in cells) + r" \\")
        if table.left_out:
            out.append(r"$\vdots$ & $\vdots$ & $\vdots$ & $\vdots$ \\")
        out += [r"\end{tabular}", ""]
        if table.left_out:
            out += [_tex(_left_out(table, net, precision)), ""]
    return out


# -- unicode → LaTeX ---------------------------------------------------------------------------


def _tex(text: str) -> str:
    r"""Prose for LaTeX: special characters escaped; words that are mathematics (w100, h_pre0,
    ∂E/∂o, µ, ≤, single-letter variables) set in math mode, and neighbouring ones joined into
    one formula (`h_pre1 ≤ 0` → `$h_{\mathrm{pre},1} \le 0$`). Two operands side by side
    (`bias b10* −0.113`) stay two formulas: one would read as a product or a subtraction."""
    raw = [word for word in text.split(" ") if word]
    words = [_tex_word(word) for word in raw]
    # Each word without its brackets and punctuation, to see what its ends are.
    cores = [
        w[len(lead) : len(w) - len(trail)]
        for w, (lead, _, _, trail) in zip(raw, words, strict=True)
    ]

    def apart(k: int) -> bool:  # words k and k + 1
        return bool(_OPERAND_END.search(cores[k]) and _OPERAND_START.match(cores[k + 1]))

    # A plain number touching a formula (no punctuation between) joins it.
    for k, (lead, kind, core, trail) in enumerate(words):
        if kind != "number":
            continue
        before = (
            k > 0
            and words[k - 1][1] == "math"
            and not words[k - 1][3]
            and not lead
            and not apart(k - 1)
        )
        after = (
            k + 1 < len(words)
            and words[k + 1][1] == "math"
            and not trail
            and not words[k + 1][0]
            and not apart(k)
        )
        if before or after:
            words[k] = (lead, "math", _math(core), trail)
    out: list[str] = []
    run: list[str] = []
    for k, (lead, kind, core, trail) in enumerate(words):
        if kind != "math":
            out.append(_tex_plain(lead) + core + _tex_plain(trail))
            continue
        if not run:
            out.append(_tex_plain(lead))
        run.append(core)
        following = words[k + 1] if k + 1 < len(words) else None
        if trail or following is None or following[1] != "math" or following[0] or apart(k):
            out[-1] += f"${' '.join(run)}$" + _tex_plain(trail)
            run = []
    return " ".join(out)


# A word of mathematics that ends with an operand, and one that starts with one (a negative
# number is one word: −0.113; a minus between operands stands alone: o − y).
_OPERAND_END = re.compile(r"[\w*′²)\]]$")
_OPERAND_START = re.compile(r"[\w(\[∂½]|[−-]\d")
_MATHY = re.compile(rf"[0-9_*′∂·−+²ᵀ⊙≤≥=<>½{_GREEK_CLASS}]")
_SNAKE_RE = re.compile(r"[a-z]{2,}(?:_[a-z]+)+")
_PLAIN_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_SHAPE_RE = re.compile(r"\d+(?:-\d+)+")
_CLOSE = {"(": ")", "[": "]"}
_OPEN = {")": "(", "]": "["}


@functools.lru_cache(maxsize=65536)
def _tex_word(word: str) -> tuple[str, str, str, str]:
    """(leading brackets, kind: math | number | text, LaTeX of the core, trailing punctuation)."""
    lead = ""
    while word and word[0] in _CLOSE and word.count(word[0]) > word.count(_CLOSE[word[0]]):
        lead += word[0]
        word = word[1:]
    trail = ""
    while word:
        last = word[-1]
        if last in ".,;:!?" or (last in _OPEN and word.count(last) > word.count(_OPEN[last])):
            trail = last + trail
            word = word[:-1]
        elif word.endswith(("'s", "’s")):
            trail = word[-2:] + trail
            word = word[:-2]
        else:
            break
    if not word:
        return "", "text", _tex_plain(lead + trail), ""
    if _SNAKE_RE.fullmatch(word):
        return lead, "text", rf"\texttt{{{_tex_plain(word)}}}", trail
    if _PLAIN_NUMBER_RE.fullmatch(word):
        return lead, "number", word, trail
    if _SHAPE_RE.fullmatch(word):
        return lead, "text", word, trail  # a shape like 3-2-1
    if _MATHY.search(word) or (
        len(word) == 1 and word.isascii() and word.isalpha() and word not in "aAI"
    ):
        return lead, "math", _math(word), trail
    return lead, "text", _tex_plain(word), trail


def _tex_plain(text: str) -> str:
    out = []
    for ch in text:
        if ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch.isascii() or (
            0xA0 <= ord(ch) < 0x180 and ch not in _MATH_CHARS and ch not in _GREEK
        ):
            out.append(ch)
        elif ch in _MATH_CHARS or ch in _GREEK:
            out.append(f"${_math(ch)}$")
        else:
            out.append("?")
    return "".join(out)


def _math(text: str) -> str:
    """A formula in the trace's notation (∂E/∂w100, h_pre0*, σ(o_pre), [[0.2, −1.2]], …)
    as LaTeX math: fractions, subscripts, bmatrix arrays, \\cdot, \\partial, …"""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "[":
            parsed = _parse_array(text, i)
            if parsed is not None:
                items, i = parsed
                out.append(_array_tex(items))
                continue
        if ch == "∂":
            m = _FRAC_RE.match(text, i)
            if m:
                out.append(
                    rf"\frac{{\partial {_ident(m.group(1))}}}{{\partial {_ident(m.group(2))}}}"
                )
                i = m.end()
                continue
        m = _NUMBER_RE.match(text, i)
        if m:
            out.append(_number(m.group()))
            i = m.end()
            continue
        m = _IDENT_RE.match(text, i)
        if m:
            out.append(_ident(m.group()) + " ")
            i = m.end()
            continue
        if ch in _MATH_CHARS:
            out.append(_MATH_CHARS[ch])
        elif ch.isspace():
            out.append(" ")
        elif ch.isascii():
            out.append(ch)
        else:
            out.append(r"\text{?}")
        i += 1
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def _number(token: str) -> str:
    mantissa, _, exponent = token.partition("e")
    if not exponent:
        return mantissa
    return rf"{mantissa} \times 10^{{{int(exponent.replace('−', '-'))}}}"


@functools.lru_cache(maxsize=65536)
def _ident(token: str) -> str:
    """w100 → w_{100}, h_pre0* → h^{*}_{pre,0}, E_0 → E_{0}, relu′ → relu', W1[0] → W_{1}[0]."""
    m = _IDENT_PARTS.fullmatch(token)
    if not m:
        return _mathrm(token)
    name = m.group("name")
    core = _ident_core(name) or _mathrm(name)
    if m.group("star"):
        core += "^{*}"
    if m.group("index"):
        core += m.group("index")
    if m.group("prime"):
        core += "'"
    return core


def _ident_core(name: str) -> str | None:
    if name in _MATH_WORDS:
        return _MATH_WORDS[name].strip()
    if name in _GREEK:
        return _GREEK[name]
    parts = name.split("_")
    head = _HEAD_RE.fullmatch(parts[0])
    if head is None:
        return None
    base, digits = head.groups()
    if base in _GREEK:
        base_tex = _GREEK[base]
    elif len(base) == 1:
        base_tex = base
    else:
        return None  # an unknown word: upright, as it is
    subs = [digits] if digits else []
    for part in parts[1:]:
        pm = _PART_RE.fullmatch(part)
        if pm is None or not part:
            return None
        letters, digs = pm.groups()
        if letters:
            subs.append(letters if len(letters) == 1 else rf"\mathrm{{{letters}}}")
        if digs:
            subs.append(digs)
    return base_tex + (f"_{{{','.join(subs)}}}" if subs else "")


def _mathrm(word: str) -> str:
    """An unknown word in math mode, upright; only characters that are safe there."""
    out = []
    for ch in word:
        if ch.isascii() and (ch.isalnum() or ch in "'.:;!?()[]/+-=<>|,"):
            out.append(ch)
        elif ch in _GREEK:
            out.append(_GREEK[ch] + " ")
        elif ch in _MATH_CHARS:
            out.append(_MATH_CHARS[ch])
        else:
            out.append(r"\_" if ch == "_" else "?")
    return rf"\mathrm{{{''.join(out)}}}"


def _parse_array(text: str, i: int) -> tuple[list[object], int] | None:
    """A bracketed list of numbers (possibly nested, possibly with …) starting at text[i]."""
    items: list[object] = []
    i += 1
    n = len(text)
    while True:
        while i < n and text[i] == " ":
            i += 1
        if i >= n:
            return None
        if text[i] == "[":
            sub = _parse_array(text, i)
            if sub is None:
                return None
            items.append(sub[0])
            i = sub[1]
        elif text[i] == "…":
            items.append(_ELLIPSIS)
            i += 1
        else:
            m = _SIGNED_RE.match(text, i)
            if not m:
                return None
            items.append(m.group())
            i = m.end()
        while i < n and text[i] == " ":
            i += 1
        if i >= n:
            return None
        if text[i] == ",":
            i += 1
            continue
        if text[i] == "]":
            return items, i + 1
        return None


def _array_tex(items: list[object]) -> str:
    """A 1-D list as a column vector, a 2-D one as a matrix; … as dots."""

    def entry(item: object, dots: str) -> str:
        return dots if item is _ELLIPSIS else _math(str(item))

    if any(isinstance(item, list) for item in items) and all(
        isinstance(item, list) or item is _ELLIPSIS for item in items
    ):
        width = max(len(item) for item in items if isinstance(item, list))
        cells = [
            [entry(x, r"\cdots") for x in item] if isinstance(item, list) else [r"\vdots"] * width
            for item in items
        ]
        return _tex_matrix(cells)
    return _tex_matrix([[entry(item, r"\vdots")] for item in items])


def _split_top(text: str, sep: str = " + ") -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _elide(text: str, max_terms: int = 8) -> str:
    """A sum of many terms shortened to its first three, …, and the last (also inside one
    outer pair of parentheses, as in a loss −(…))."""
    if len(text) < 100:
        return text
    parts = _split_top(text)
    if len(parts) > max_terms:
        return " + ".join([*parts[:3], "…", parts[-1]])
    if len(parts) == 1:
        start = text.find("(")
        end = _matching(text, start) if start >= 0 else -1
        if end > start >= 0:
            inner = text[start + 1 : end]
            shorter = _elide(inner, max_terms)
            if shorter != inner:
                return text[: start + 1] + shorter + text[end:]
    return text


def _matching(text: str, start: int) -> int:
    depth = 0
    for k in range(start, len(text)):
        if text[k] in "([":
            depth += 1
        elif text[k] in ")]":
            depth -= 1
            if depth == 0:
                return k
    return -1
