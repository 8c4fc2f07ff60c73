"""LaTeX's alphabet for the handout: how a character of text is escaped, how a Unicode
character of mathematics is written in math mode, and the bracketed matrix every table of
numbers uses. Shared by the document (`latex`) and the step rendering (`latex_steps`)."""

from __future__ import annotations

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
    "`": r"\textasciigrave{}",  # not an opening quote: text from a file is shown as it is
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
    for ch in text:
        if ch in TEXT_ESCAPES:
            out.append(TEXT_ESCAPES[ch])
        elif ch.isascii() or (0xA0 <= ord(ch) < 0x180 and ch not in MATH_CHARS and ch not in GREEK):
            out.append(ch)
        elif ch in MATH_CHARS or ch in GREEK:
            out.append(f"${(MATH_CHARS.get(ch) or GREEK[ch]).strip()}$")
        else:
            out.append("?")
    return "".join(out)
