"""`nntui export --format markdown`: the worked-example handout in Markdown, every step
with its formula, numbers and result in a code block and its why sentence as prose."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from nntui.engine.batches import Batch
from nntui.engine.network import Network, ParamRef
from nntui.engine.numbers import fmt_operand, fmt_result
from nntui.engine.ops.activations import activation
from nntui.engine.trace import Step, Trace
from nntui.export import handout
from nntui.export.prose import Prose, unicode

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|$~&])")


def _md(text: str) -> str:
    """Prose for Markdown: characters that would format are escaped (`<` and `&` too, so that
    no HTML tag or character reference gets through)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_prose(prose: Prose) -> str:
    """A sentence for Markdown: its Unicode, escaped (mathematics is set as the screen sets it)."""
    return _md(unicode(prose))


def render_markdown(trace: Trace, precision: int = 3) -> str:
    """The trace as a Markdown handout: every step, with its formula, numbers, result and why."""
    net = trace.network
    intro = _md_prose(handout.intro(trace, precision))
    out: list[str] = [f"# {_md(handout.title(net))}", "", intro, ""]
    out += _md_network(net, precision)
    for number, phase, steps in handout.phases(trace):
        out += [
            f"## {number}. {handout.PHASE_TITLES[phase]}",
            "",
            _md_prose(handout.phase_intro(net, phase)),
            "",
        ]
        labelled = handout.labels_samples(net, steps)
        for headed, sample, group in handout.blocks(net, steps):
            if headed:
                out += [f"### {_md(_sample_heading(net, sample, precision))}", ""]
            for step in group:
                out += _md_step(step, precision, labelled=labelled, batch=net.batch)
    out += _md_summary(trace, precision)
    return "\n".join(out).rstrip() + "\n"


def _sample_heading(net: Network, sample: int | None, precision: int) -> str:
    if sample is None:
        return handout.samples_together(net.batch.size)
    x = handout.vector_text(net.inputs[sample], precision)
    y = handout.vector_text(net.targets[sample], precision)
    return f"Sample {sample}: x = {x}, y = {y}"


def _md_step(step: Step, precision: int, *, labelled: bool, batch: Batch) -> list[str]:
    text = step.text(precision)
    symbolic = f"{step.symbol} = {step.formula}"
    # The formula line is left out when it has no symbols to substitute (it would repeat).
    lines = [text] if text == f"{symbolic} = {step.result(precision)}" else [symbolic, text]
    label = f"**Step {step.index + 1}**{handout.sample_label(step, labelled, batch)}."  # 1-based
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
    out += [_md_prose(handout.network_intro(net)), ""]
    for index, layer in enumerate(net.layers):
        out += [
            f"### Layer {index}: {handout.layer_role(net, index)}, {layer.size} "
            f"neuron{'s' if layer.size != 1 else ''}, {_md(activation(layer.activation).text)}",
            "",
        ]
        cols = handout.shown(layer.fan_in)
        rows = handout.shown(layer.size)
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
    out += [f"- {_md_prose(line)}" for line in handout.settings(net)]
    out += [
        "",
        f"### Training data ({net.n_samples} sample{'s' if net.n_samples != 1 else ''})",
        "",
    ]
    body = []
    for sample in handout.shown_samples(net.n_samples):
        if sample is None:
            body.append(["…", "…", "…"])
        else:
            x = handout.vector_text(net.inputs[sample], precision)
            y = handout.vector_text(net.targets[sample], precision)
            body.append([str(sample), x, y])
    out += [*_md_table(["sample", "input x", "target y"], body, "---"), ""]
    return out


def _md_summary(trace: Trace, precision: int) -> list[str]:
    net = trace.network
    total, moved = handout.changed(trace)
    before, after = trace.loss, trace.loss_after
    verdict = handout.verdict(before, after, precision, samples=net.n_samples, moved=moved)
    out = [
        "## Summary",
        "",
        *_md_table(
            ["", "before the step", "after the step"],
            [
                [_md_prose(label), fmt_result(old, precision), fmt_result(new, precision)]
                for label, old, new in handout.loss_rows(trace)
            ],
            "---",
        ),
        "",
        _md_prose((*verdict, " ", handout.moved_sentence(total, moved))),
        "",
        f"### {handout.PARAMS_HEADING}",
        "",
        _md_prose(handout.params_intro(net)),
        "",
    ]
    for table in handout.param_tables(trace):
        if len(net.layers) > 1:
            out += [f"Layer {table.layer} ({handout.layer_role(net, table.layer)}):", ""]
        rows = [[row[0].name, *handout.param_numbers(row, precision)] for row in table.rows]
        if table.left_out:
            rows.append(["…", "…", "…", "…"])
        header = ["parameter", "before", "Δ", "after"]
        out += [*_md_table(header, rows, ["---", "--:", "--:", "--:"]), ""]
        if table.left_out:
            out += [_md_prose(handout.left_out_sentence(table, net, precision)), ""]
    return out
