"""What both handouts say, whatever they are written in: the title, the introductions, the
network's shape, the training settings, the table of parameters after the step and the
verdict on the loss, and how the steps are grouped into phases and samples.

Its sentences are `Prose`: words, mathematics (in Unicode and in LaTeX), numbers and settings,
each piece saying what it is, so Markdown (`markdown`) and LaTeX (`latex`) each write them in
their own syntax without guessing."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from nntui.engine.batches import Batch
from nntui.engine.network import Network, ParamRef
from nntui.engine.numbers import ARRAY_EDGE, MINUS, fmt_operand, fmt_result
from nntui.engine.ops.losses import loss
from nntui.engine.text import LINE_LIMIT, printable
from nntui.engine.trace import PHASES, Phase, Step, Trace
from nntui.export import optimizer
from nntui.export.optimizer import loss_rows as loss_rows  # the summary's rows: said here too
from nntui.export.prose import Math, Number, Prose, Setting
from nntui.export.tex import number_tex

PHASE_TITLES: dict[Phase, str] = {
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backpropagation",
    "update": "Parameter update",
    "check": "Check: forward pass again",
}

#: The mathematics of the handouts' own sentences, in both notations.
_THETA = Math("θ", r"\theta")
_UPDATE = Math(
    "θ* = θ − µ·∂E/∂θ", r"\theta^{*} = \theta - \mu \cdot \frac{\partial E}{\partial \theta}"
)
_DELTA = Math("Δ = −µ·∂E/∂θ", r"\Delta = -\mu \cdot \frac{\partial E}{\partial \theta}")
_MOVED_TO = Math("θ* = θ + Δ", r"\theta^{*} = \theta + \Delta")
_STAR = Math("*", "^{*}")
_FIXED_BIASES = Setting("update_biases = false")

_PHASE_INTROS: dict[Phase, Prose] = {
    "forward": (
        "Each neuron adds up its weighted inputs and its bias (the pre-activation), then "
        "applies its activation function. Layer by layer, from the inputs to the output.",
    ),
    "loss": ("How far the output is from the target.",),
    "backward": (
        "The chain rule, from the loss back to every weight and bias: how much the loss "
        "changes when each parameter changes.",
    ),
    "check": (
        "The same forward pass with the updated parameters (marked ",
        _STAR,
        "). Did the loss fall?",
    ),
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


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _some(count: int, noun: str) -> str:
    """A count said as a reader says it: `one training sample`, `two samples`, `12 samples`."""
    return f"{_SMALL[count] if count < 3 else count} {noun}{'' if count == 1 else 's'}"


def samples_together(count: int) -> str:
    """The heading of what all the samples do at once: `Both samples`, `All 4 samples`."""
    return "Both samples together" if count == 2 else f"All {count} samples together"


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


def network_intro(net: Network) -> Prose:
    """The network section's first paragraph: its shape, and how its parameters are named."""
    return (
        f"{shape_sentence(net)} Each neuron ",
        Math("j", "j"),
        " of layer ",
        Math("l", "l"),
        " has a weight ",
        Math("w_lji", "w_{lji}"),
        " for each input ",
        Math("i", "i"),
        " and a bias ",
        Math("b_lj", "b_{lj}"),
        " (indices from 0; layer 0 is the first layer after the inputs).",
    )


def layer_role(net: Network, index: int) -> str:
    """`hidden layer` or `output layer`."""
    return "output layer" if index == len(net.layers) - 1 else "hidden layer"


def _groups(steps: Sequence[Step]) -> Iterator[tuple[int | None, list[Step]]]:
    """Consecutive steps about the same sample."""
    for sample, group in itertools.groupby(steps, key=lambda step: step.sample):
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
    """The phases that have steps, numbered from 1 as the handout's sections are, with
    their steps."""
    number = 0
    for phase in PHASES:
        steps = [step for step in trace.steps if step.phase == phase]
        if steps:
            number += 1
            yield number, phase, steps


def shown(count: int) -> list[int | None]:
    """Indices written out for `count` rows or columns: all, or the first few, None, the last."""
    if count <= ARRAY_EDGE + 2:
        return list(range(count))
    return [*range(ARRAY_EDGE), None, count - 1]


def vector_text(values: np.ndarray, precision: int) -> str:
    """A sample's inputs or targets as the screen writes them, `[0.5, −1, …, 2]`."""
    items = ["…" if k is None else fmt_operand(values[k], precision) for k in shown(len(values))]
    return "[" + ", ".join(items) + "]"


def changed(trace: Trace) -> tuple[int, int]:
    """(parameters, how many of them changed value in the step)."""
    net, after = trace.network, trace.network_after
    moved = sum(
        int(
            np.count_nonzero(old.weights != new.weights)
            + np.count_nonzero(old.biases != new.biases)
        )
        for old, new in zip(net.layers, after.layers, strict=True)
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
    """Δ = −µ·∂E/∂θ (0 for a fixed bias), as the ledger shows it, or with another optimizer
    its step θ* − θ; every number the engine's."""
    net, after, grads = trace.network, trace.network_after, trace.backward
    layout = net.layout  # the one order: a layer's weights row by row, then its biases
    olds, news = net.flat(), after.flat()
    if net.optimizer.is_plain_sgd:
        all_deltas = -net.learning_rate * layout.flatten(grads.weights, grads.biases)
        if not net.update_biases:  # a fixed bias does not move: its Δ is 0
            for biases in layout.unflatten(all_deltas)[1]:
                biases[:] = 0.0
    else:
        all_deltas = news - olds
    tables = []
    for index in range(len(net.layers)):
        start, stop = layout.layer_span(index)
        deltas = all_deltas[start:stop]
        count = deltas.size
        if count <= MAX_PARAMS_LISTED:
            listed = np.arange(count)
        else:  # the ones that moved most, in the ledger's order
            listed = np.sort(np.argsort(-np.abs(deltas), kind="stable")[:PARAMS_LISTED])
        rest = np.setdiff1d(np.arange(count), listed)
        rows = [
            (
                layout.ref_at(start + k),
                float(olds[start + k]),
                float(deltas[k]),
                float(news[start + k]),
            )
            for k in listed.tolist()
        ]
        bound = float(np.max(np.abs(deltas[rest]))) if rest.size else 0.0
        tables.append(ParamTable(index, count, rows, int(rest.size), bound))
    return tables


PARAMS_HEADING = "Every parameter before and after the step"
PARAMS_INTRO: Prose = (
    "Each parameter ",
    _THETA,
    " moved by ",
    _DELTA,
    " to ",
    _MOVED_TO,
    " (the values the check used).",
)


def params_intro(net: Network) -> Prose:
    """The table's introduction: Δ is −µ·∂E/∂θ with plain SGD, the optimizer's step else."""
    if net.optimizer.is_plain_sgd:
        return PARAMS_INTRO
    return (
        "Each parameter ",
        _THETA,
        f" moved by its {net.optimizer.title} step ",
        Math("Δ = θ* − θ", r"\Delta = \theta^{*} - \theta"),
        " (the values the check used).",
    )


def left_out_sentence(table: ParamTable, net: Network, precision: int) -> Prose:
    """`Of this layer's 80 parameters, the 10 that moved most are listed; 70 more moved by at
    most 0.0012 each.`"""
    whose = "this layer's" if len(net.layers) > 1 else "the"
    listed = f"Of {whose} {table.count} parameters, the {len(table.rows)} that moved most are "
    if table.left_out_bound == 0:
        return (f"{listed}listed; {table.left_out} more did not move.",)
    return (
        f"{listed}listed; {table.left_out} more moved by at most ",
        Number(_change(table.left_out_bound, precision)),
        " each.",
    )


def param_numbers(row: tuple[ParamRef, float, float, float], precision: int) -> list[str]:
    """The numbers of a row of the table: the value before and after (as the ledger writes
    them) and the change Δ between them (never a bare 0.000 for a change that is not 0)."""
    _, old, delta, new = row
    return [fmt_result(old, precision), _change(delta, precision), fmt_result(new, precision)]


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


def verdict(before: float, after: float, precision: int, *, samples: int, moved: int) -> Prose:
    """What the loss did in the step, and the change in it written honestly."""
    if not (math.isfinite(before) and math.isfinite(after)):
        return ("The loss is not finite: this learning rate or these weights are too large.",)
    was, now = Number(fmt_result(before, precision)), Number(fmt_result(after, precision))
    diff = after - before
    if diff == 0:
        why = "no parameter moved" if moved == 0 else "the parameters moved, the loss did not"
        return ("The loss stayed at ", was, f". Change in loss: 0 ({why}).")
    change = _change(diff, precision)
    in_loss = (" Change in loss: ", Number(change), ".")
    if _rounds_to_zero(diff, precision):
        shown_decimals = _decimals(precision) if precision else "whole numbers"
        return (
            f"The loss {'fell' if diff < 0 else 'rose'} by only ",
            Number(change.lstrip(MINUS)),
            f", below the {shown_decimals} shown (it reads ",
            was,
            " before and after).",
            *in_loss,
        )
    if diff < 0:
        more = " (and with more examples)" if samples == 1 else ""
        return (
            "The loss fell from ",
            was,
            " to ",
            now,
            ": the step moved the network towards the targets. Repeating such "
            f"steps{more} trains the network.",
            *in_loss,
        )
    return (
        "The loss rose from ",
        was,
        " to ",
        now,
        ": the step overshot, the learning rate is too large for this point.",
        *in_loss,
    )


def phase_intro(net: Network, phase: Phase) -> Prose:
    """What a phase does, said for this network (several samples, fixed biases)."""
    many = net.n_samples > 1
    if phase == "loss" and many:
        return (
            "How far each sample's output is from its target; then the batch loss, the "
            f"{net.reduction} over the samples.",
        )
    if phase == "backward" and many:
        return (
            *_PHASE_INTROS[phase],
            f" Each sample's gradients first, then their {net.reduction}: the gradient of "
            "the batch loss.",
        )
    if phase == "update":
        return _update_intro(net) if net.optimizer.is_plain_sgd else optimizer.update_intro(net)
    return _PHASE_INTROS[phase]


def _update_intro(net: Network) -> Prose:
    """The update: every parameter, or with fixed biases every weight, steps against its
    gradient."""
    moving = "parameter" if net.update_biases else "weight"
    prose: Prose = (
        f"Every {moving} takes one step against its gradient, ",
        _UPDATE,
        ". All the gradients were computed with the parameters from before the step.",
    )
    if net.update_biases:
        return prose
    return (*prose, " The biases are fixed (", _FIXED_BIASES, ").")


def settings(net: Network) -> list[Prose]:
    """The list of training settings: the loss, how the batch adds up, the learning rate,
    whether the biases move."""
    record = loss(net.loss)
    lines: list[Prose] = [
        (
            f"Loss per sample: {record.title}, ",
            Math(record.text, rf"\displaystyle {record.latex}"),
            ".",
        )
    ]
    batch = net.batch
    if net.n_samples > 1:
        how = net.reduction  # mean | sum
        whose = (
            f"the {_some(net.n_samples, 'sample')}'"
            if batch.is_everything
            else f"its batch's {_some(batch.size, 'sample')}'"
        )
        lines.append(
            (f"Batch loss: the {how} of {whose} losses; its gradient is the {how} of theirs.",)
        )
    batches = optimizer.batch_setting(net, batch)
    if batches is not None:
        lines.append(batches)
    rate = fmt_operand(net.learning_rate, 15)
    lines.append(("Learning rate ", Math(f"µ = {rate}", rf"\mu = {number_tex(rate)}"), "."))
    named = optimizer.optimizer_setting(net)
    if named is not None:
        lines.append(named)
    lines.append(
        ("Biases are updated like weights (a bias is a weight whose input is always 1).",)
        if net.update_biases
        else ("Biases are fixed (", _FIXED_BIASES, "): only the weights move.")
    )
    return lines


def intro(trace: Trace, precision: int) -> Prose:
    """The handout's first paragraph: what it works through, how many steps of what kind,
    and how its numbers are rounded."""
    net = trace.network
    granularity = {
        "parameter": "one step per number",
        "neuron": "one step per neuron (a row of weights at once)",
        "layer": "one step per layer (whole vectors and matrices at once)",
    }[trace.granularity]
    samples = _some(net.n_samples, "training sample")
    if not trace.step_batch.is_everything:
        samples += f" (this step trains on a batch of {_some(trace.step_batch.size, 'sample')})"
    method = "gradient descent" if net.optimizer.is_plain_sgd else net.optimizer.title
    text = (
        f"One step of {method} on a {_shape(net)} network and {samples}, worked "
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
    return (text,)


def sample_label(step: Step, labelled: bool, batch: Batch | None = None) -> str:
    """What a step says of its sample, in a phase whose steps say it: ` (sample 2)`; a step
    about every sample of a mini-batch says ` (the batch)`."""
    if not labelled:
        return ""
    if step.sample is not None:
        return f" (sample {step.sample})"
    return " (all samples)" if batch is None or batch.is_everything else " (the batch)"


def shown_samples(count: int) -> list[int | None]:
    """The samples the table of training data lists: all, or the first ones, None, the last."""
    if count <= MAX_SAMPLES_LISTED:
        return list(range(count))
    return [*range(MAX_SAMPLES_LISTED - 2), None, count - 1]
