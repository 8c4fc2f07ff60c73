"""The steps of the LaTeX handout: each step's formula, numbers and result as an aligned
display, and its why sentence as prose.

A step holds its formulas as tokens (`nntui.engine.notation`), so everything here is rendered
from that structure — names with their subscripts, ∂A/∂B as fractions, arrays as matrices, the
mathematics of a sentence as `$…$` — and no Unicode string is read back."""

from __future__ import annotations

from nntui.engine.batches import Batch
from nntui.engine.notation import elided, fill, unicode
from nntui.engine.trace import Step
from nntui.export import handout

#: A step whose formula (with its symbol) or numbers are longer than this many characters on
#: screen is set line under line instead of aligned: an align* line cannot break.
_LONG = 90


def _tex_step(
    step: Step, precision: int, *, labelled: bool, batch: Batch | None = None
) -> list[str]:
    """A step as LaTeX: `\\nnstep` with its sentence of why, then symbol = formula = numbers =
    result. A sum too long for a line shows its first terms, …, and the last."""
    full = step.substituted(precision)
    formula = elided(step.formula_expr, len(step.formula))
    template = elided(step.template, len(full))
    substituted = (
        full if template is step.template else fill(template, step.numbers, precision, step.labels)
    )
    # The formula line is left out when it has no symbols to substitute (it would repeat).
    lines = [] if step.formula == full else [step.latex_formula(formula)]
    lines += [step.latex_substituted(precision, template), step.latex_result(precision)]
    label = handout.sample_label(step, labelled, batch)  # words and digits: nothing to escape
    why = step.latex_reason(precision)
    head = [rf"\nnstep{{{step.index + 1}}}{{{label}.\enspace {why}}}"]
    lhs = step.latex_symbol()
    if max(len(step.symbol) + len(unicode(formula)), len(substituted)) <= _LONG:
        body = [rf"{lhs} &= {lines[0]}"] + [rf"&= {line}" for line in lines[1:]]
        return [*head, r"\begin{align*}", " \\\\\n".join(body), r"\end{align*}", ""]
    body = [rf"$\displaystyle {lhs} = {lines[0]}$\par"]
    body += [rf"\quad$\displaystyle {{}} = {line}$\par" for line in lines[1:]]
    return [*head, r"\begin{nnlong}", *body, r"\end{nnlong}", ""]
