"""Formulas and sentences as the screen writes them: SPEC §4's `formula`, `text` and `why`
strings, and Markdown's (which shows them in code blocks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nntui.engine.notation.tokens import Expr, Label, Num, Piece, Prose, Tokens, tokens
from nntui.engine.numbers import MINUS, fmt_value


def unicode(expr: Expr) -> str:
    """The formula as the screen writes it; a number slot as its placeholder `{k}`."""
    if not isinstance(expr, tuple):
        return expr.text
    return "".join([token.text for token in expr])


def label_text(label: Label) -> str | None:
    """A label as `numbers.fmt_value` takes it: `"h{0}"`."""
    return None if label is None else unicode(label)


def fill(
    expr: Expr,
    numbers: Sequence[Any],
    precision: int,
    labels: Sequence[Label] = (),
    *,
    short: bool = True,
) -> str:
    """The formula with its numbers written in, `short` as operands (`0.29`; else as results,
    `0.290`), a long array by its largest entries named by `labels`. An operand that is a
    negative scalar gets brackets unless it stands first, alone inside brackets already, or
    after a colon (`(781 more: −0.3)`)."""
    expr = tokens(expr)
    out = []
    for position, token in enumerate(expr):
        if type(token) is not Num:
            out.append(token.text)
            continue
        slot = token.slot
        label = labels[slot] if slot < len(labels) else None
        text = fmt_value(numbers[slot], precision, short=short, label=label_text(label))
        if short and text.startswith(MINUS) and not needs_no_brackets(expr, position):
            text = f"({text})"
        out.append(text)
    return "".join(out)


def needs_no_brackets(expr: Tokens, position: int) -> bool:
    """Whether a negative number at `position` goes without brackets: nothing but spaces before
    it, a colon before it, or a bracket on each side."""
    before = _neighbour(expr, position, -1)
    return before in ("", ":") or (before == "(" and _neighbour(expr, position, 1) == ")")


def _neighbour(expr: Tokens, position: int, step: int) -> str:
    """The nearest character other than a space beside the token at `position` ("" at an end);
    a number slot counts as its placeholder `{k}`."""
    position += step
    while 0 <= position < len(expr):
        text = expr[position].text.strip(" ")
        if text:
            return text[-1] if step < 0 else text[0]
        position += step
    return ""


def unicode_prose(prose: Prose) -> str:
    """A sentence as the screen writes it, its number slots as placeholders `{k}`."""
    return "".join([_piece_text(piece) for piece in prose])


def fill_prose(
    prose: Prose, numbers: Sequence[Any], precision: int, labels: Sequence[Label] = ()
) -> str:
    """A sentence with its numbers written in (results: every decimal of `precision`)."""
    out = []
    for piece in prose:
        if type(piece) is Num:
            label = labels[piece.slot] if piece.slot < len(labels) else None
            out.append(fmt_value(numbers[piece.slot], precision, label=label_text(label)))
        elif isinstance(piece, tuple):  # math, perhaps with numbers: `o = {0}`
            out.append(fill(piece, numbers, precision, labels, short=False))
        else:
            out.append(_piece_text(piece))
    return "".join(out)


def _piece_text(piece: Piece) -> str:
    if isinstance(piece, str):
        return piece
    if isinstance(piece, tuple):
        return unicode(piece)
    return piece.text
