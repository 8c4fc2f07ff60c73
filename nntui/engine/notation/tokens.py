"""The tokens a formula is made of, the formulas every record shares (`PLUS`, `TIMES`, `ONE`,
…), and the LaTeX each token writes itself in (`Name.latex()`, `latex_text`, `latex_number`).

A token is a frozen value: the trace shares one token among all the steps that name the same
thing. `text` is always its Unicode, as the screen writes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from nntui.engine.numbers import MINUS

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
    # The optimizers' symbols (SPEC §6): ρ momentum, β1 and β2 Adam's, α RMSprop's, ε, λ
    # the weight decay, m̂ and v̂ the bias-corrected averages.
    "α": r"\alpha",
    "β": r"\beta",
    "ε": r"\varepsilon",
    "λ": r"\lambda",
    "ρ": r"\rho",
    "m̂": r"\hat{m}",
    "v̂": r"\hat{v}",
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
    "ᵗ": "^{t}",
    "½": r"\tfrac{1}{2}",
    "…": r"\cdots ",
    "Σ": r"\sum ",
}

#: Text in LaTeX: its special characters escaped (the handout's prose uses the same table).
TEXT_ESCAPES = {
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


@dataclass(frozen=True, slots=True)
class Name:
    """A symbol: `text` as the screen writes it, and its parts for LaTeX — the `stem` (a letter,
    or δ, µ, Σ, ŷ, β, m̂ …), the subscript parts (`("0", "pre", "3")` for h0_pre3; a part may
    be a label's placeholder `{0}`), a `star` (the value after the update), the `row` of a
    layer's weights (`W1[0]`) and a `prime` (AdamW's decayed parameter `w100′`)."""

    text: str
    stem: str
    sub: tuple[str, ...] = ()
    star: bool = False
    row: str = ""
    prime: bool = False

    def starred(self) -> Name:
        """The same name after the update: `h_pre0` → `h_pre0*`."""
        return Name(self.text + "*", self.stem, self.sub, True, self.row, self.prime)

    def primed(self) -> Name:
        """The same name, primed: `w100` → `w100′` (a value on its way to the update)."""
        return Name(self.text + "′", self.stem, self.sub, self.star, self.row, True)

    def latex(self, index: Index = ()) -> str:
        """`h_{0,\\mathrm{pre},3}^{*}`; a placeholder part takes its entry of `index`."""
        out = _STEMS.get(self.stem, self.stem)
        if self.sub:
            out += "_{" + ",".join(_subscript(part, index) for part in self.sub) + "}"
        if self.star:
            out += "^{*}"
        if self.row:
            out += f"[{self.row}]"
        if self.prime:
            out += "'"
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
        return latex_number(self.text)


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


@dataclass(frozen=True, slots=True)
class Root:
    """√ of the token right after it: `√v̂`, `√0.0014` on the screen, `\\sqrt{\\hat{v}}` in
    LaTeX (the LaTeX renderer puts that token in the braces)."""

    @property
    def text(self) -> str:
        return "√"

    def latex(self, index: Index = ()) -> str:
        return r"\sqrt{"


#: The slots of the first numbers, made once: most formulas read only a few numbers.
_SLOTS = tuple(Num(k) for k in range(64))


def slot(k: int) -> Num:
    """The slot of the `k`-th number (shared: a trace holds thousands of them)."""
    return _SLOTS[k] if k < len(_SLOTS) else Num(k)


Token: TypeAlias = Name | Partial | Op | Func | Lit | Words | Sub | Num | Root
Tokens: TypeAlias = tuple[Token, ...]
#: A formula: one token, or several in a row.
Expr: TypeAlias = Token | Tokens
#: A piece of a sentence: plain text, a file's name, or math.
Piece: TypeAlias = str | Code | Expr
Prose: TypeAlias = tuple[Piece, ...]
#: How the entries of an array number are named when a long one is shortened: a formula whose
#: placeholders `{0}`, `{1}` take an entry's index (`h{0}`, `∂E/∂w0_{0}_{1}`); None: by index.
Label: TypeAlias = Expr | None

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
ROOT = Root()
#: To the power t, the step number: `β1ᵗ`.
TO_THE_T = Op("ᵗ")


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


# -- the LaTeX of text and numbers, which tokens write themselves with ------------------


def latex_number(text: str) -> str:
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
        if char in TEXT_ESCAPES:
            out.append(TEXT_ESCAPES[char])
        elif char.isascii():
            out.append(char)
        elif char in _OPERATORS or char in _STEMS:  # a stray symbol: math
            out.append(f"${(_OPERATORS.get(char) or _STEMS[char]).strip()}$")
        elif 0xA0 <= ord(char) < 0x180:
            out.append(char)
        else:
            out.append("?")
    return "".join(out)
