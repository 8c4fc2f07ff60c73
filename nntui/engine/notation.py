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
- `Num`: a slot for the k-th number of the step, written when the step is shown.

An `Expr` is one token, or a tuple of them (a formula that is one symbol needs no tuple). A
sentence of why is `Prose`: a tuple of plain-text pieces (`str`), `Code` (a name from a network
file), math (an `Expr`) and number slots.

Two renderers read the same tokens: Unicode (the screen, Markdown and SPEC §4's `formula`,
`text` and `why` strings) and LaTeX (the handout). Neither parses the other back.

Unicode: `unicode(expr)` writes a formula, `fill(expr, numbers, …)` writes it with its numbers
(a negative number gets brackets unless it stands first, alone in brackets already or after a
colon), `unicode_prose` and `fill_prose` a sentence. LaTeX: `latex`, `latex_value`,
`latex_prose`; `elided` shortens a long sum for the page. No NumPy here: the records in
`nntui.engine.ops` build their formulas with these tokens before NumPy is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from nntui.engine.numbers import (
    MINUS,
    fmt_operand,
    fmt_result,
    fmt_value,
    is_array,
    left_out_note,
    long_array_entries,
)

#: The index of an entry of an array, which fills a label's placeholders: (6,) in `h{0}` → h6.
Index = tuple[int, ...]

#: Stems written as LaTeX commands; any other stem is a letter, written as it is.
_STEMS = {
    "δ": r"\delta",
    "µ": r"\mu",
    "σ": r"\sigma",
    "θ": r"\theta",
    "Σ": r"\sum",
    "ŷ": r"\hat{y}",
}

#: Every character an operator may hold, and its LaTeX (a command keeps the space after it).
_OPERATORS = {
    " ": " ",
    "+": "+",
    "−": "-",
    "·": r"\cdot ",
    "=": "=",
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    ",": ",",
    ":": ":",
    "/": "/",
    ">": ">",
    "<": "<",
    "≤": r"\le ",
    "≥": r"\ge ",
    "⊙": r"\odot ",
    "ᵀ": r"^{\top}",
    "²": "^{2}",
    "½": r"\tfrac{1}{2}",
    "…": r"\cdots ",
    "Σ": r"\sum ",
}

#: Text in LaTeX: its special characters escaped.
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
    "`": r"\textasciigrave{}",
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


# -- tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    """A symbol: `text` as the screen writes it, and its parts for LaTeX — the `stem` (a letter,
    or δ, µ, Σ, ŷ), the subscript parts (`("0", "pre", "3")` for h0_pre3; a part may be a
    label's placeholder `{0}`), a `star` (the value after the update) and the `row` of a layer's
    weights (`W1[0]`)."""

    text: str
    stem: str
    sub: tuple[str, ...] = ()
    star: bool = False
    row: str = ""

    def starred(self) -> Name:
        """The same name after the update: `h_pre0` → `h_pre0*`."""
        return Name(self.text + "*", self.stem, self.sub, True, self.row)

    def latex(self, index: Index = ()) -> str:
        """`h_{0,\\mathrm{pre},3}^{*}`; a placeholder part takes its entry of `index`."""
        out = _STEMS.get(self.stem, self.stem)
        if self.sub:
            out += "_{" + ",".join(_subscript(part, index) for part in self.sub) + "}"
        if self.star:
            out += "^{*}"
        if self.row:
            out += f"[{self.row}]"
        return out


def _subscript(part: str, index: Index) -> str:
    """A subscript part: an index or a letter as it is, a word upright (`\\mathrm{pre}`),
    words as text (`\\text{(the other 998 samples)}`)."""
    if "{" in part:
        part = part.format(*index)
    if not part.isalnum():
        return rf"\text{{{latex_text(part)}}}"
    return rf"\mathrm{{{part}}}" if len(part) > 1 and part.isalpha() else part


@dataclass(frozen=True, slots=True)
class Partial:
    """∂top/∂bottom: how `top` changes with `bottom`."""

    top: Name
    bottom: Name

    @property
    def text(self) -> str:
        return f"∂{self.top.text}/∂{self.bottom.text}"

    def latex(self, index: Index = ()) -> str:
        top, bottom = self.top.latex(index), self.bottom.latex(index)
        return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


@dataclass(frozen=True, slots=True)
class Op:
    """An operator or punctuation, with the spaces the screen writes around it (`" + "`,
    `"·"`); only the characters of the fixed LaTeX table."""

    text: str

    def __post_init__(self) -> None:
        unknown = set(self.text) - set(_OPERATORS)
        if unknown:
            raise ValueError(f"no LaTeX for operator characters {sorted(unknown)}")

    def latex(self, index: Index = ()) -> str:
        return "".join(_OPERATORS[char] for char in self.text)


@dataclass(frozen=True, slots=True)
class Func:
    """A function applied: `text` on the screen (`σ`, `relu′`, `ln`), `tex` in LaTeX
    (`\\sigma`, `\\operatorname{relu}'`, `\\ln`)."""

    text: str
    tex: str

    def latex(self, index: Index = ()) -> str:
        return self.tex


@dataclass(frozen=True, slots=True)
class Lit:
    """A constant written into a formula: `1`, `2`, `0.01`, `−1`."""

    text: str

    def latex(self, index: Index = ()) -> str:
        return _latex_number(self.text)


@dataclass(frozen=True, slots=True)
class Words:
    """Words inside a formula, `781 more terms`: upright text in LaTeX."""

    text: str

    def latex(self, index: Index = ()) -> str:
        return rf" \text{{{latex_text(self.text)}}} "


@dataclass(frozen=True, slots=True)
class Sub:
    """A subscript after a bracket: `_3` in `(W0·x)_3` (or a label's `_{0}`)."""

    part: str

    @property
    def text(self) -> str:
        return f"_{self.part}"

    def latex(self, index: Index = ()) -> str:
        return "_{" + _subscript(self.part, index) + "}"


@dataclass(frozen=True, slots=True)
class Num:
    """The slot of the step's `slot`-th number; written `{slot}` where no number is given."""

    slot: int

    @property
    def text(self) -> str:
        return f"{{{self.slot}}}"

    def latex(self, index: Index = ()) -> str:  # a slot without its number: a placeholder
        return f"{{{self.slot}}}"


@dataclass(frozen=True, slots=True)
class Code:
    """A prose piece that is a name from a network file (`update_biases`, `leaky_relu`):
    typewriter in LaTeX."""

    text: str


#: The slots of the first numbers, made once: most formulas read only a few numbers.
_SLOTS = tuple(Num(k) for k in range(64))


def slot(k: int) -> Num:
    """The slot of the `k`-th number (shared: a trace holds thousands of them)."""
    return _SLOTS[k] if k < len(_SLOTS) else Num(k)


Token: TypeAlias = Name | Partial | Op | Func | Lit | Words | Sub | Num
Tokens: TypeAlias = tuple[Token, ...]
#: A formula: one token, or several in a row.
Expr: TypeAlias = Token | Tokens
#: A piece of a sentence: plain text, a file's name, or math.
Piece: TypeAlias = str | Code | Expr
Prose: TypeAlias = tuple[Piece, ...]
#: How the entries of an array number are named when a long one is shortened: a formula whose
#: placeholders `{0}`, `{1}` take an entry's index (`h{0}`, `∂E/∂w0_{0}_{1}`); None: by index.
Label: TypeAlias = Expr | None

#: Tokens that leave a space after them in LaTeX, so a following letter never joins a command.
_SPACED = (Name, Func)

PLUS = Op(" + ")
MINUS_OP = Op(" − ")
TIMES = Op("·")
SPACED_TIMES = Op(" · ")
EQUALS = Op(" = ")
OPEN = Op("(")
CLOSE = Op(")")
SQUARED = Op("²")
TRANSPOSED = Op("ᵀ")
LESS_EQUAL = Op(" ≤ ")
GREATER = Op(" > ")
HALF = Op("½")
NEGATIVE = Op("−")
OVER = Op("/")
HADAMARD = Op(" ⊙ ")
ELLIPSIS = Op("…")
ZERO = Lit("0")
ONE = Lit("1")
LN = Func("ln", r"\ln")
EXP = Func("exp", r"\exp")


def name(text: str, stem: str, *sub: str) -> Name:
    """A name written `text` with subscript parts `sub`: `name("x0", "x", "0")`."""
    return Name(text, stem, sub)


def tokens(expr: Expr) -> Tokens:
    """A formula's tokens, in order."""
    return expr if isinstance(expr, tuple) else (expr,)


def joined(parts: Sequence[Expr], separator: Token) -> Tokens:
    """`parts` one after the other with `separator` between them (`a + b + c`)."""
    out: list[Token] = []
    for k, part in enumerate(parts):
        if k:
            out.append(separator)
        if isinstance(part, tuple):
            out.extend(part)
        else:
            out.append(part)
    return tuple(out)


# -- Unicode --------------------------------------------------------------------------------------


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
        if short and text.startswith(MINUS) and not _bare(expr, position):
            text = f"({text})"
        out.append(text)
    return "".join(out)


def _bare(expr: Tokens, position: int) -> bool:
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


# -- LaTeX ----------------------------------------------------------------------------------------


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
    for position, token in enumerate(expr):
        if type(token) is Num and token.slot < len(numbers):
            slot = token.slot
            label = labels[slot] if slot < len(labels) else None
            text = latex_value(numbers[slot], precision, label, short=short)
            negative = short and text.startswith("-") and not is_array(numbers[slot])
            out.append(f"({text})" if negative and not _bare(expr, position) else text)
        elif isinstance(token, _SPACED):
            out.append(token.latex(index) + " ")
        else:
            out.append(token.latex(index))
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
        return _latex_number(fmt(float(value), precision))
    largest = long_array_entries(value)
    if largest is None:
        rows = value.tolist() if hasattr(value, "tolist") else value
        return _latex_matrix(rows, precision, fmt)
    entries, nonzero, total = largest
    if not entries:
        return rf"[\text{{{total:,} zeros}}]"
    items = [
        f"{_entry_name(label, entry_index)} = {_latex_number(fmt(entry, precision))}"
        for entry, entry_index in entries
    ]
    note = left_out_note(len(entries), nonzero, total)
    # A line may break after any entry: a display of two long arrays is wider than the page.
    return "[" + r",\allowbreak ".join([*items, rf"\ldots\text{{ {note}}}"]) + "]"


def _latex_matrix(rows: Sequence[Any], precision: int, fmt: Any) -> str:
    """A vector as a column, a matrix by rows."""
    if any(is_array(row) for row in rows):
        cells = [" & ".join(_latex_number(fmt(float(x), precision)) for x in row) for row in rows]
    else:
        cells = [_latex_number(fmt(float(x), precision)) for x in rows]
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


def _latex_number(text: str) -> str:
    """A number as `numbers` writes it (`−0.29`, `1.235e+12`, `4e−7`, `inf`, `nan`) in LaTeX."""
    sign = "-" if text.startswith(MINUS) else ""
    text = text.removeprefix(MINUS)
    if text == "inf":
        return sign + r"\infty"
    if text == "nan":
        return sign + r"\mathrm{NaN}"
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return sign + mantissa
    return rf"{sign}{mantissa} \times 10^{{{int(exponent.replace(MINUS, '-'))}}}"


def latex_text(text: str) -> str:
    """Plain text in LaTeX: its special characters escaped; a character LaTeX's text fonts do
    not have becomes `?`."""
    out = []
    for char in text:
        if char in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[char])
        elif char.isascii():
            out.append(char)
        elif char in _OPERATORS or char in _STEMS:  # a stray symbol: math
            out.append(f"${(_OPERATORS.get(char) or _STEMS[char]).strip()}$")
        elif 0xA0 <= ord(char) < 0x180:
            out.append(char)
        else:
            out.append("?")
    return "".join(out)


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
        f"${_entry_name(label, index)} = {_latex_number(fmt_result(entry, precision))}$"
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
    latex_number = _latex_number(text)
    return f"${latex_number}$" if latex_number != text else text


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
