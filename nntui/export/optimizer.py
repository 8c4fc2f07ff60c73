"""What the handouts say of the optimizer and the mini-batches (SPEC §6): the settings lines,
the update's introduction and the step's batch, in the worked example's tone.

An optimizer's record writes its sentences with the notation's tokens (`nntui.engine.ops`);
`from_notation` turns them into the handouts' own pieces (mathematics in both notations), so
Markdown and LaTeX write them as they write every other sentence.
"""

from __future__ import annotations

from nntui.engine.batches import Batch
from nntui.engine.network import Network
from nntui.engine.notation import EQUALS, Code, latex, tokens, unicode
from nntui.engine.notation import Prose as NotationProse
from nntui.engine.numbers import MINUS, fmt_operand
from nntui.engine.ops.optimizers import OptimizerSettings
from nntui.engine.trace import Trace
from nntui.export.prose import Math, Prose, Setting
from nntui.export.tex import number_tex

_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def from_notation(prose: NotationProse) -> Prose:
    """A sentence written with the notation's tokens as the handouts' pieces."""
    out: list[str | Math | Setting] = []
    for piece in prose:
        if isinstance(piece, str):
            out.append(piece)
        elif isinstance(piece, Code):
            out.append(Setting(piece.text))
        else:
            out.append(Math(unicode(piece), latex(piece)))
    return tuple(out)


def _hyperparameters(settings: OptimizerSettings) -> Prose:
    """`β1 = 0.9, β2 = 0.999, ε = 1e−8, λ = 0` (numbers as the handout writes them), with
    Nesterov's look-ahead said in words."""
    values = dict(settings.values)
    pieces: list[str | Math] = []
    for spec in settings.record.hyperparameters:
        value = values[spec.name]
        if spec.rule is None:
            if value:
                pieces += [", " if pieces else "", "Nesterov's look-ahead"]
            continue
        number = setting_number(float(value))
        symbol = tokens(spec.symbol)
        math = Math(f"{unicode(symbol)} = {number}", f"{latex(symbol)} = {number_tex(number)}")
        pieces += [", " if pieces else "", math]
    return tuple(pieces)


def setting_number(value: float) -> str:
    """A hyper-parameter as a file would say it, in the handouts' signs: 0.9, 0.999, 1e−8."""
    if value != 0 and abs(value) < 1e-4:
        mantissa, _, exponent = f"{value:.15g}".partition("e")
        return f"{mantissa}e{int(exponent)}".replace("-", MINUS)
    return fmt_operand(value, 15)


def optimizer_setting(net: Network) -> Prose | None:
    """The settings line naming the optimizer and its hyper-parameters, with what it does;
    None for plain SGD (the learning rate's line says it all)."""
    settings = net.optimizer
    if settings.is_plain_sgd:
        return None
    return (
        f"Optimizer: {settings.title} (",
        *_hyperparameters(settings),
        "). ",
        *from_notation(settings.record.explains),
    )


def batch_setting(net: Network, batch: Batch) -> Prose | None:
    """The settings line on mini-batches and the step's batch; None without them."""
    if net.batch_size is None or batch.is_everything:
        return None
    size = net.batch_size
    return (
        f"Mini-batches of {size} samples, in file order: each step trains on the next batch, "
        f"and after the last one ({batch.count} batches make a pass) starts again at sample "
        f"0. This step is step {net.t + 1} and uses {batch.describe()}; its loss and gradients "
        "are theirs alone.",
    )


def update_intro(net: Network) -> Prose:
    """The update phase's introduction for an optimizer other than plain SGD: its parts, in
    symbols, the step's number t and where the running values stand."""
    settings = net.optimizer
    parts = settings.record.parts(settings)
    formulas: list[str | Math] = []
    for index, part in enumerate(parts):
        expr = (*tokens(part.symbol), EQUALS, *tokens(part.formula))
        separator = "" if index == 0 else (" and then " if index == len(parts) - 1 else ", ")
        formulas += [separator, Math(unicode(expr), latex(expr))]
    count = _SMALL[len(parts)] if len(parts) < len(_SMALL) else str(len(parts))
    moving = "parameter" if net.update_biases else "weight"
    t = net.t + 1
    running: Prose = ()
    kept = [part.symbol for part in parts if part.state is not None]
    if kept:
        names: list[str | Math] = []
        for index, symbol in enumerate(kept):
            names += ["" if index == 0 else " and ", Math(unicode(symbol), latex(symbol))]
        since = "start at 0" if t == 1 else f"carry over from the {t - 1} steps before"
        running = (" Its running values, ", *names, f", {since}.")
    prose: Prose = (
        f"Every {moving} takes {settings.title}'s step in {count} parts, each a step below: ",
        *formulas,
        ". This is step ",
        Math(f"t = {t}", f"t = {t}"),
        " of the run.",
        *running,
        " All the gradients were computed with the parameters from before the step.",
    )
    if net.update_biases:
        return prose
    return (*prose, " The biases are fixed (", Setting("update_biases = false"), ").")


def loss_rows(trace: Trace) -> list[tuple[Prose, float, float]]:
    """The summary's rows of losses before and after the step: the loss E; with mini-batches
    the batch's loss E, then the loss over every training sample."""
    rows: list[tuple[Prose, float, float]] = [
        (("loss ", Math("E", "E")), trace.loss, trace.loss_after)
    ]
    batch = trace.step_batch
    if batch.is_everything:
        return rows
    every = f"loss over all {trace.network.n_samples} samples"
    which = batch.describe().partition("(")[2].rstrip(")")
    return [
        (("batch loss ", Math("E", "E"), f" ({which})"), trace.loss, trace.loss_after),
        ((every,), trace.training_loss, trace.training_loss_after),
    ]
