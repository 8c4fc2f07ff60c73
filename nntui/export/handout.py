"""What both handouts say, whatever they are written in: the title, the introductions, the
network's shape, the training settings, the table of parameters after the step and the
verdict on the loss, and how the steps are grouped into phases and samples.

Markdown (`markdown`) and LaTeX (`latex`) write these in their own syntax."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from nntui.engine.network import Network, ParamRef
from nntui.engine.numbers import ARRAY_EDGE, MINUS, fmt_operand, fmt_result
from nntui.engine.ops.losses import loss
from nntui.engine.text import LINE_LIMIT, printable
from nntui.engine.trace import PHASES, Phase, Step, Trace

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


def title(net: Network) -> str:
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


def samples_together(n: int) -> str:
    """The heading of what all the samples do at once: `Both samples`, `All 4 samples`."""
    return "Both samples together" if n == 2 else f"All {n} samples together"


def shape_sentence(net: Network) -> str:
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


def layer_role(net: Network, index: int) -> str:
    return "output layer" if index == len(net.layers) - 1 else "hidden layer"


def _groups(steps: Sequence[Step]) -> Iterator[tuple[int | None, list[Step]]]:
    """Consecutive steps about the same sample."""
    for sample, group in itertools.groupby(steps, key=lambda s: s.sample):
        yield sample, list(group)


def blocks(net: Network, steps: Sequence[Step]) -> Iterator[tuple[bool, int | None, list[Step]]]:
    """A phase's steps as (headed, sample, steps): consecutive steps about one sample, headed
    when there are several samples and the block holds more than one step. A phase whose
    steps all concern the whole batch (the update) needs no heading at all."""
    groups = list(_groups(steps))
    batch_only = all(sample is None for sample, _ in groups)
    for sample, group in groups:
        yield net.n_samples > 1 and len(group) > 1 and not batch_only, sample, group


def labels_samples(net: Network, steps: Sequence[Step]) -> bool:
    """Whether the steps of a phase say which sample they are about: not with one sample,
    nor in a phase that is all about the whole batch."""
    return net.n_samples > 1 and any(step.sample is not None for step in steps)


def phases(trace: Trace) -> Iterator[tuple[int, Phase, list[Step]]]:
    number = 0
    for phase in PHASES:
        steps = [s for s in trace.steps if s.phase == phase]
        if steps:
            number += 1
            yield number, phase, steps


def shown(count: int) -> list[int | None]:
    """Indices written out for `count` rows or columns: all, or the first few, None, the last."""
    if count <= ARRAY_EDGE + 2:
        return list(range(count))
    return [*range(ARRAY_EDGE), None, count - 1]


def vector_text(values: np.ndarray, precision: int) -> str:
    items = ["…" if k is None else fmt_operand(values[k], precision) for k in shown(len(values))]
    return "[" + ", ".join(items) + "]"


def changed(trace: Trace) -> tuple[int, int]:
    """(parameters, how many of them changed value in the step)."""
    net, after = trace.network, trace.network_after
    moved = sum(
        int(np.count_nonzero(a.weights != b.weights) + np.count_nonzero(a.biases != b.biases))
        for a, b in zip(net.layers, after.layers, strict=True)
    )
    return net.n_params, moved


@dataclass(frozen=True)
class ParamTable:
    """One layer's rows of the table of parameters after the step: (parameter, value before,
    Δ, value after) for every parameter, or for the `PARAMS_LISTED` that moved most, in the
    ledger's order; `left_out` more moved by at most `left_out_bound` each."""

    layer: int
    count: int
    rows: list[tuple[ParamRef, float, float, float]]
    left_out: int
    left_out_bound: float


def param_tables(trace: Trace) -> list[ParamTable]:
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
        tables.append(ParamTable(index, count, rows, int(rest.size), bound))
    return tables


PARAMS_HEADING = "Every parameter before and after the step"
PARAMS_INTRO = "Each parameter θ moved by Δ = −µ·∂E/∂θ to θ* = θ + Δ (the values the check used)."


def left_out_sentence(table: ParamTable, net: Network, precision: int) -> str:
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


def param_cells(row: tuple[ParamRef, float, float, float], precision: int) -> list[str]:
    """A row of the table: the name, the value before and after (as the ledger writes them)
    and the change Δ between them (never a bare 0.000 for a change that is not 0)."""
    ref, old, delta, new = row
    return [
        ref.name,
        fmt_result(old, precision),
        _change(delta, precision),
        fmt_result(new, precision),
    ]


def moved_sentence(total: int, moved: int) -> str:
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


def verdict(before: float, after: float, precision: int, *, samples: int, moved: int) -> str:
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


def phase_intro(net: Network, phase: Phase) -> str:
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


def settings(net: Network) -> list[str]:
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


def intro(trace: Trace, precision: int) -> str:
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


def sample_label(step: Step, labelled: bool) -> str:
    if not labelled:
        return ""
    return " (all samples)" if step.sample is None else f" (sample {step.sample})"


def shown_samples(count: int) -> list[int | None]:
    if count <= MAX_SAMPLES_LISTED:
        return list(range(count))
    return [*range(MAX_SAMPLES_LISTED - 2), None, count - 1]
