"""How a formula is written: a short list of tokens, rendered as Unicode or as LaTeX.

A step of the trace holds what it computes as tokens, not text:

- `Name`: a symbol with its parts — stem, subscript, star (`h_pre0*` is h, (pre, 0), *), so it
  writes itself as Unicode `h_pre0*` and as LaTeX `h_{\\mathrm{pre},0}^{*}`;
- `Partial`: ∂A/∂B of two names (`\\frac{\\partial A}{\\partial B}`);
- `Op`: operators and punctuation (`+ · − = ( ) ⊙ ᵀ ² ½ …`), each with a fixed LaTeX;
- `Func`: a function applied (σ, relu′, tanh, ln, exp), with its LaTeX operator;
- `Lit`: a constant written into the formula (1, 2, 0.5);
- `Words`: words inside a formula (`781 more terms`, set as `\\text{…}`);
- `Sub`: a subscript after a bracket, `(W0·x)_3`;
- `Num`: a slot for the k-th number of the step, written when the step is shown;
- `Root`: √ of the token after it (`√v̂`; `\\sqrt{\\hat{v}}` in LaTeX).

An `Expr` is one token, or a tuple of them (a formula that is one symbol needs no tuple). A
sentence of why is `Prose`: a tuple of plain-text pieces (`str`), `Code` (a name from a network
file), math (an `Expr`) and number slots.

Two renderers read the same tokens: Unicode (the screen, Markdown and SPEC §4's `formula`,
`text` and `why` strings) and LaTeX (the handout). Neither parses the other back.

The package, by job: `tokens` (the tokens, the formulas every record shares — `PLUS`, `TIMES`,
… — and the LaTeX each token writes itself in), `unicode` (`unicode(expr)` writes a formula,
`fill(expr, numbers, …)` writes it with its numbers — a negative number gets brackets unless
it stands first, alone in brackets already or after a colon —, `unicode_prose` and
`fill_prose` a sentence) and `latex` (`latex`, `latex_value`, `latex_prose`; `elided` shortens
a long sum for the page). No NumPy here: the records in `nntui.engine.ops` build their
formulas with these tokens before NumPy is loaded.
"""

from nntui.engine.notation.latex import elided, latex, latex_prose, latex_value
from nntui.engine.notation.tokens import (
    CLOSE,
    ELLIPSIS,
    EQUALS,
    EXP,
    GREATER,
    HADAMARD,
    HALF,
    LESS_EQUAL,
    LN,
    MINUS_OP,
    NEGATIVE,
    ONE,
    OPEN,
    OVER,
    PLUS,
    ROOT,
    SPACED_TIMES,
    SQUARED,
    TIMES,
    TO_THE_T,
    TRANSPOSED,
    ZERO,
    Code,
    Expr,
    Func,
    Index,
    Label,
    Lit,
    Name,
    Num,
    Op,
    Partial,
    Piece,
    Prose,
    Root,
    Sub,
    Token,
    Tokens,
    Words,
    joined,
    latex_number,
    latex_text,
    slot,
    tokens,
)
from nntui.engine.notation.unicode import (
    fill,
    fill_prose,
    label_text,
    needs_no_brackets,
    unicode,
    unicode_prose,
)

__all__ = [
    "CLOSE",
    "ELLIPSIS",
    "EQUALS",
    "EXP",
    "GREATER",
    "HADAMARD",
    "HALF",
    "LESS_EQUAL",
    "LN",
    "MINUS_OP",
    "NEGATIVE",
    "ONE",
    "OPEN",
    "OVER",
    "PLUS",
    "ROOT",
    "SPACED_TIMES",
    "SQUARED",
    "TIMES",
    "TO_THE_T",
    "TRANSPOSED",
    "ZERO",
    "Code",
    "Expr",
    "Func",
    "Index",
    "Label",
    "Lit",
    "Name",
    "Num",
    "Op",
    "Partial",
    "Piece",
    "Prose",
    "Root",
    "Sub",
    "Token",
    "Tokens",
    "Words",
    "elided",
    "fill",
    "fill_prose",
    "joined",
    "label_text",
    "latex",
    "latex_number",
    "latex_prose",
    "latex_text",
    "latex_value",
    "needs_no_brackets",
    "slot",
    "tokens",
    "unicode",
    "unicode_prose",
]
