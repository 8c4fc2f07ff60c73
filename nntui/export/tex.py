"""LaTeX's alphabet for the handout: how a character of text is escaped, how a Unicode
character of mathematics is written in math mode, how a number is written, how the pieces of a
sentence (`prose`) are set, and the bracketed matrix every table of numbers uses. Shared by the
document (`latex`) and the step rendering (`latex_steps`)."""

from __future__ import annotations

from nntui.engine.notation import latex_number as number_tex
from nntui.engine.notation.tokens import TEXT_ESCAPES
from nntui.export.prose import Math, Number, Piece, Prose, Setting

#: Unicode in formulas → LaTeX math.
MATH_CHARS = {
    "·": r"\cdot ",
    "−": "-",
    "⊙": r"\odot ",
    "ᵀ": r"^{\top}",
    "²": "^{2}",
    "³": "^{3}",
    "½": r"\tfrac{1}{2}",
    "…": r"\cdots ",
    "≤": r"\le ",
    "≥": r"\ge ",
    "≠": r"\ne ",
    "≈": r"\approx ",
    "×": r"\times ",
    "÷": r"\div ",
    "→": r"\to ",
    "∞": r"\infty ",
    "∂": r"\partial ",
    "′": "'",
    "∑": r"\sum ",
    "√": r"\surd ",
    "±": r"\pm ",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "~": r"\sim ",
    "^": r"\hat{}",
    "\\": r"\backslash ",
    "*": "^{*}",
}

GREEK = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "η": r"\eta",
    "θ": r"\theta",
    "λ": r"\lambda",
    "µ": r"\mu",
    "μ": r"\mu",
    "π": r"\pi",
    "σ": r"\sigma",
    "τ": r"\tau",
    "φ": r"\varphi",
    "ω": r"\omega",
    "ρ": r"\rho",
    "κ": r"\kappa",
    "ν": r"\nu",
    "ξ": r"\xi",
    "ψ": r"\psi",
    "χ": r"\chi",
    "ζ": r"\zeta",
    "Δ": r"\Delta",
    "Γ": r"\Gamma",
    "Λ": r"\Lambda",
    "Π": r"\Pi",
    "Φ": r"\Phi",
    "Ψ": r"\Psi",
    "Ω": r"\Omega",
    "Σ": r"\sum",
    "ŷ": r"\hat{y}",
}


def tex_matrix(cells: list[list[str]]) -> str:
    """A bmatrix of already-written LaTeX cells, row by row."""
    rows = [" & ".join(row) for row in cells]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def tex_text(text: str) -> str:
    """Text for LaTeX, character by character: specials escaped, Latin-1 letters as they are,
    a Greek letter or a mathematical sign in math mode (`µ` → `$\\mu$`), anything else `?`."""
    out = []
    for char in text:
        if char in TEXT_ESCAPES:
            out.append(TEXT_ESCAPES[char])
        elif char.isascii() or (
            0xA0 <= ord(char) < 0x180 and char not in MATH_CHARS and char not in GREEK
        ):
            out.append(char)
        elif char in MATH_CHARS or char in GREEK:
            out.append(f"${(MATH_CHARS.get(char) or GREEK[char]).strip()}$")
        else:
            out.append("?")
    return "".join(out)


def tex_prose(prose: Prose) -> str:
    """A sentence for LaTeX, piece by piece: words as text, mathematics in `$…$`, a setting
    in typewriter type, a number as text unless it needs math mode (a minus sign, a power
    of ten)."""
    return "".join(_tex_piece(piece) for piece in prose)


def _tex_piece(piece: Piece) -> str:
    match piece:
        case Math():
            return f"${piece.latex}$"
        case Number():
            number = number_tex(piece.text)
            return piece.text if number == piece.text else f"${number}$"
        case Setting():
            return rf"\texttt{{{tex_text(piece.text)}}}"
        case _:
            return tex_text(piece)
