"""Formulas and sentences as LaTeX, for the handout: names with their subscripts, ∂A/∂B as
fractions, arrays as matrices (a long one by its largest entries), the mathematics of a
sentence in `$…$`; and `elided`, a long sum shortened for the page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nntui.engine.notation.tokens import (
    ELLIPSIS,
    PLUS,
    Code,
    Expr,
    Func,
    Index,
    Label,
    Name,
    Num,
    Op,
    Prose,
    Root,
    Token,
    Tokens,
    joined,
    latex_number,
    latex_text,
    tokens,
)
from nntui.engine.notation.unicode import needs_no_brackets
from nntui.engine.numbers import (
    fmt_operand,
    fmt_result,
    is_array,
    left_out_note,
    long_array_entries,
)

#: Tokens that leave a space after them in LaTeX, so a following letter never joins a command.
_SPACED = (Name, Func)


def latex(
    expr: Expr,
    numbers: Sequence[Any] = (),
    precision: int = 3,
    labels: Sequence[Label] = (),
    index: Index = (),
    *,
    short: bool = True,
) -> str:
    """The formula as LaTeX math (without `$`): names with subscripts, `\\frac` partials,
    `\\cdot`; its numbers written in as `fill` writes them (an array as a `bmatrix`, a long one
    by its largest entries). `index` fills a label's placeholders."""
    expr = tokens(expr)
    out = []
    under_root = False  # the token after a √ goes inside its braces
    for position, token in enumerate(expr):
        if type(token) is Num and token.slot < len(numbers):
            slot = token.slot
            label = labels[slot] if slot < len(labels) else None
            text = latex_value(numbers[slot], precision, label, short=short)
            negative = short and text.startswith("-") and not is_array(numbers[slot])
            out.append(f"({text})" if negative and not needs_no_brackets(expr, position) else text)
        elif isinstance(token, _SPACED) and not under_root:
            out.append(token.latex(index) + " ")
        else:
            out.append(token.latex(index))
        if under_root:
            out.append("}")
        under_root = type(token) is Root
    if under_root:
        out.append("}")
    return _spaces("".join(out))


def _spaces(text: str) -> str:
    """Runs of spaces as one, none at the ends."""
    return " ".join([part for part in text.split(" ") if part])


def latex_value(value: Any, precision: int, label: Label = None, *, short: bool = False) -> str:
    """A number as LaTeX math: a scalar (`-0.29`, `1.2 \\times 10^{12}`), an array written out
    as a `bmatrix` (a vector as a column), a long one as its largest entries by name
    (`[h_{17} = 1.204,\\allowbreak \\ldots\\text{ 29 more}]`)."""
    fmt = fmt_operand if short else fmt_result
    if not is_array(value):
        return latex_number(fmt(float(value), precision))
    largest = long_array_entries(value)
    if largest is None:
        rows = value.tolist() if hasattr(value, "tolist") else value
        return _latex_matrix(rows, precision, fmt)
    entries, nonzero, total = largest
    if not entries:
        return rf"[\text{{{total:,} zeros}}]"
    items = [
        f"{_entry_name(label, entry_index)} = {latex_number(fmt(entry, precision))}"
        for entry, entry_index in entries
    ]
    note = left_out_note(len(entries), nonzero, total)
    # A line may break after any entry: a display of two long arrays is wider than the page.
    return "[" + r",\allowbreak ".join([*items, rf"\ldots\text{{ {note}}}"]) + "]"


def _latex_matrix(rows: Sequence[Any], precision: int, fmt: Any) -> str:
    """A vector as a column, a matrix by rows."""
    if any(is_array(row) for row in rows):
        cells = [" & ".join(latex_number(fmt(float(x), precision)) for x in row) for row in rows]
    else:
        cells = [latex_number(fmt(float(x), precision)) for x in rows]
    return r"\begin{bmatrix} " + r" \\ ".join(cells) + r" \end{bmatrix}"


def _entry_name(label: Label, index: Index) -> str:
    """An entry of a long array by its label (`h_{17}`), or by its index (`\\#3,17`) when
    there is none or it is for another shape (as `numbers.fmt_value` does)."""
    if label is not None:
        try:
            return latex(label, index=index)
        except (IndexError, KeyError, ValueError):
            pass
    return r"\#" + ",".join(map(str, index))


def latex_prose(
    prose: Prose, numbers: Sequence[Any] = (), precision: int = 3, labels: Sequence[Label] = ()
) -> str:
    """A sentence for LaTeX: its text escaped, its math as `$…$`. A number is text, but one with
    a minus sign is math, and so is one alone in brackets, with them (`bias $b_{00}$
    $(-0.100)$`); an array is written entry by entry, a long one's entries by name
    (`[$h_{17} = 1.204$, \\ldots{} 29 more]`)."""
    out: list[str] = []
    drop_close = False
    for position, piece in enumerate(prose):
        if isinstance(piece, str):
            text = latex_text(piece)
            if drop_close:
                text, drop_close = text[1:], False
            out.append(text)
        elif isinstance(piece, Code):
            out.append(rf"\texttt{{{latex_text(piece.text)}}}")
        elif type(piece) is Num:
            label = labels[piece.slot] if piece.slot < len(labels) else None
            number = numbers[piece.slot]
            text = _prose_number(number, precision, label)
            if not is_array(number) and _bracketed(prose, position):
                out[-1] = out[-1][:-1]
                text, drop_close = f"$({text.strip('$')})$", True
            out.append(text)
        else:
            out.append(f"${latex(piece, numbers, precision, labels, short=False)}$")
    return "".join(out)


def _bracketed(prose: Prose, position: int) -> bool:
    """Whether the text around the piece at `position` is a pair of brackets holding just it:
    `its bias (…).`"""
    before = prose[position - 1] if position else ""
    after = prose[position + 1] if position + 1 < len(prose) else ""
    return (
        isinstance(before, str)
        and before.endswith("(")
        and isinstance(after, str)
        and after.startswith(")")
    )


def _prose_number(value: Any, precision: int, label: Label) -> str:
    """A number in a sentence: text, or `$…$` with a minus sign; an array entry by entry."""
    if not is_array(value):
        return _prose_scalar(fmt_result(float(value), precision))
    largest = long_array_entries(value)
    if largest is None:
        return _prose_rows(value.tolist() if hasattr(value, "tolist") else value, precision)
    entries, nonzero, total = largest
    if not entries:
        return f"[{total:,} zeros]"
    items = [
        f"${_entry_name(label, index)} = {latex_number(fmt_result(entry, precision))}$"
        for entry, index in entries
    ]
    note = left_out_note(len(entries), nonzero, total)
    return "[" + ", ".join(items) + rf", \ldots{{}} {note}]"


def _prose_rows(rows: Sequence[Any], precision: int) -> str:
    items = [
        _prose_rows(row, precision)
        if is_array(row)
        else _prose_scalar(fmt_result(float(row), precision))
        for row in rows
    ]
    return "[" + ", ".join(items) + "]"


def _prose_scalar(text: str) -> str:
    """A number in a sentence: as it is, or in math mode when LaTeX writes it otherwise (a
    minus sign, a power of ten)."""
    tex = latex_number(text)
    return f"${tex}$" if tex != text else text


# -- the page ---------------------------------------------------------------------------------


def elided(expr: Expr, length: int, max_terms: int = 8) -> Expr:
    """A long sum shortened for the page: its first three terms, …, and the last, when it
    has more than `max_terms` terms and its text (`length` characters) is 100 or more; also
    inside one outer pair of brackets (a loss −(…)). Otherwise `expr` itself."""
    if length < 100 or not isinstance(expr, tuple):
        return expr
    parts = _top_level_terms(expr)
    if len(parts) > max_terms:
        return joined([*parts[:3], (ELLIPSIS,), parts[-1]], PLUS)
    if len(parts) == 1:
        start = next((k for k, token in enumerate(expr) if _depth_change(token) > 0), None)
        end = _matching(expr, start) if start is not None else None
        if start is not None and end is not None:
            inner = expr[start + 1 : end]
            shorter = elided(inner, length, max_terms)
            if shorter != inner:
                return (*expr[: start + 1], *tokens(shorter), *expr[end:])
    return expr


def _depth_change(token: Token) -> int:
    if type(token) is not Op:
        return 0
    text = token.text
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")


def _top_level_terms(expr: Tokens) -> list[Tokens]:
    parts: list[Tokens] = []
    depth, start = 0, 0
    for position, token in enumerate(expr):
        if depth == 0 and token == PLUS:
            parts.append(expr[start:position])
            start = position + 1
        depth += _depth_change(token)
    parts.append(expr[start:])
    return parts


def _matching(expr: Tokens, start: int) -> int | None:
    depth = 0
    for position in range(start, len(expr)):
        depth += _depth_change(expr[position])
        if depth == 0:
            return position
    return None
