"""The steps of the LaTeX handout: each step's formula, numbers and result as an aligned
display, and its why sentence as prose.

The trace writes these as Unicode strings, so this module reads them back into LaTeX: names
(`h_pre0*`), fractions (`∂E/∂w100`), arrays, and which words of a sentence are mathematics."""

from __future__ import annotations

import functools
import re

from nntui.engine.ops.activations import ACTIVATIONS
from nntui.engine.trace import Step
from nntui.export import handout
from nntui.export.tex import GREEK, MATH_CHARS, tex_matrix, tex_text

_MATH_WORDS = {
    "if": r"\text{ if }",
    "else": r"\text{ else }",
    "ln": r"\ln ",
    "log": r"\log ",
    "exp": r"\exp ",
    "max": r"\max ",
    "min": r"\min ",
    "inf": r"\infty ",
    "nan": r"\mathrm{NaN}",
    **{name: record.latex_symbol for name, record in ACTIVATIONS.items()},
}

_GREEK_CLASS = "".join(GREEK)
_IDENT = rf"[A-Za-z{_GREEK_CLASS}][A-Za-z0-9_]*(?:\[\d+\])?\*?′?"
_IDENT_RE = re.compile(_IDENT)
_FRAC_RE = re.compile(rf"∂({_IDENT})/∂({_IDENT})")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?(?:e[−+-]?\d+)?")
_SIGNED_RE = re.compile(r"[−-]?(?:\d+(?:\.\d+)?(?:e[−+-]?\d+)?|inf|nan)")
_IDENT_PARTS = re.compile(r"(?P<name>[^\[\*′]+)(?P<index>\[\d+\])?(?P<star>\*)?(?P<prime>′)?")
_HEAD_RE = re.compile(rf"([A-Za-z{_GREEK_CLASS}]+?)(\d*)")
_PART_RE = re.compile(r"([A-Za-z]*)(\d*)")
_ELLIPSIS = object()


def _tex_step(step: Step, precision: int, *, labelled: bool) -> list[str]:
    lhs = _math(step.symbol)
    full = step.substituted(precision)
    formula = _elide(step.formula)
    substituted = _elide(full)
    lines = [] if step.formula == full else [_math(formula)]
    lines += [_math(substituted), _math(step.result(precision))]
    label = handout.sample_label(step, labelled)  # plain words and digits: nothing to escape
    head = [rf"\nnstep{{{step.index + 1}}}{{{label}.\enspace {_tex(step.reason(precision))}}}"]
    long = max(len(step.symbol) + len(formula), len(substituted)) > 90
    if not long:
        body = [rf"{lhs} &= {lines[0]}"] + [rf"&= {line}" for line in lines[1:]]
        return [*head, r"\begin{align*}", " \\\\\n".join(body), r"\end{align*}", ""]
    body = [rf"$\displaystyle {lhs} = {lines[0]}$\par"]
    body += [rf"\quad$\displaystyle {{}} = {line}$\par" for line in lines[1:]]
    return [*head, r"\begin{nnlong}", *body, r"\end{nnlong}", ""]


# -- unicode → LaTeX ---------------------------------------------------------------------------


def _tex(text: str) -> str:
    r"""Prose for LaTeX: special characters escaped; words that are mathematics (w100, h_pre0,
    ∂E/∂o, µ, ≤, single-letter variables) set in math mode, and neighbouring ones joined into
    one formula (`h_pre1 ≤ 0` → `$h_{\mathrm{pre},1} \le 0$`). Two operands side by side
    (`bias b10* −0.113`) stay two formulas: one would read as a product or a subtraction."""
    raw = [word for word in text.split(" ") if word]
    words = [_tex_word(word) for word in raw]
    # Each word without its brackets and punctuation, to see what its ends are.
    cores = [
        w[len(lead) : len(w) - len(trail)]
        for w, (lead, _, _, trail) in zip(raw, words, strict=True)
    ]

    def apart(k: int) -> bool:  # words k and k + 1
        return bool(_OPERAND_END.search(cores[k]) and _OPERAND_START.match(cores[k + 1]))

    # A plain number touching a formula (no punctuation between) joins it.
    for k, (lead, kind, core, trail) in enumerate(words):
        if kind != "number":
            continue
        before = (
            k > 0
            and words[k - 1][1] == "math"
            and not words[k - 1][3]
            and not lead
            and not apart(k - 1)
        )
        after = (
            k + 1 < len(words)
            and words[k + 1][1] == "math"
            and not trail
            and not words[k + 1][0]
            and not apart(k)
        )
        if before or after:
            words[k] = (lead, "math", _math(core), trail)
    out: list[str] = []
    run: list[str] = []
    for k, (lead, kind, core, trail) in enumerate(words):
        if kind != "math":
            out.append(tex_text(lead) + core + tex_text(trail))
            continue
        if not run:
            out.append(tex_text(lead))
        run.append(core)
        following = words[k + 1] if k + 1 < len(words) else None
        if trail or following is None or following[1] != "math" or following[0] or apart(k):
            out[-1] += f"${' '.join(run)}$" + tex_text(trail)
            run = []
    return " ".join(out)


# A word of mathematics that ends with an operand, and one that starts with one (a negative
# number is one word: −0.113; a minus between operands stands alone: o − y).
_OPERAND_END = re.compile(r"[\w*′²)\]]$")
_OPERAND_START = re.compile(r"[\w(\[∂½]|[−-]\d")
_MATHY = re.compile(rf"[0-9_*′∂·−+²ᵀ⊙≤≥=<>½{_GREEK_CLASS}]")
_SNAKE_RE = re.compile(r"[a-z]{2,}(?:_[a-z]+)+")
_PLAIN_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_SHAPE_RE = re.compile(r"\d+(?:-\d+)+")
_CLOSE = {"(": ")", "[": "]"}
_OPEN = {")": "(", "]": "["}


@functools.lru_cache(maxsize=65536)
def _tex_word(word: str) -> tuple[str, str, str, str]:
    """(leading brackets, kind: math | number | text, LaTeX of the core, trailing punctuation)."""
    lead = ""
    while word and word[0] in _CLOSE and word.count(word[0]) > word.count(_CLOSE[word[0]]):
        lead += word[0]
        word = word[1:]
    trail = ""
    while word:
        last = word[-1]
        if last in ".,;:!?" or (last in _OPEN and word.count(last) > word.count(_OPEN[last])):
            trail = last + trail
            word = word[:-1]
        elif word.endswith(("'s", "’s")):
            trail = word[-2:] + trail
            word = word[:-2]
        else:
            break
    if not word:
        return "", "text", tex_text(lead + trail), ""
    if _SNAKE_RE.fullmatch(word):
        return lead, "text", rf"\texttt{{{tex_text(word)}}}", trail
    if _PLAIN_NUMBER_RE.fullmatch(word):
        return lead, "number", word, trail
    if _SHAPE_RE.fullmatch(word):
        return lead, "text", word, trail  # a shape like 3-2-1
    if _MATHY.search(word) or (
        len(word) == 1 and word.isascii() and word.isalpha() and word not in "aAI"
    ):
        return lead, "math", _math(word), trail
    return lead, "text", tex_text(word), trail


def _math(text: str) -> str:
    """A formula in the trace's notation (∂E/∂w100, h_pre0*, σ(o_pre), [[0.2, −1.2]], …)
    as LaTeX math: fractions, subscripts, bmatrix arrays, \\cdot, \\partial, …"""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "[":
            parsed = _parse_array(text, i)
            if parsed is not None:
                items, i = parsed
                out.append(_array_tex(items))
                continue
        if ch == "∂":
            m = _FRAC_RE.match(text, i)
            if m:
                out.append(
                    rf"\frac{{\partial {_ident(m.group(1))}}}{{\partial {_ident(m.group(2))}}}"
                )
                i = m.end()
                continue
        m = _NUMBER_RE.match(text, i)
        if m:
            out.append(_number(m.group()))
            i = m.end()
            continue
        m = _IDENT_RE.match(text, i)
        if m:
            out.append(_ident(m.group()) + " ")
            i = m.end()
            continue
        if ch in MATH_CHARS:
            out.append(MATH_CHARS[ch])
        elif ch.isspace():
            out.append(" ")
        elif ch.isascii():
            out.append(ch)
        else:
            out.append(r"\text{?}")
        i += 1
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def _number(token: str) -> str:
    mantissa, _, exponent = token.partition("e")
    if not exponent:
        return mantissa
    return rf"{mantissa} \times 10^{{{int(exponent.replace('−', '-'))}}}"


@functools.lru_cache(maxsize=65536)
def _ident(token: str) -> str:
    """w100 → w_{100}, h_pre0* → h^{*}_{pre,0}, E_0 → E_{0}, relu′ → relu', W1[0] → W_{1}[0]."""
    m = _IDENT_PARTS.fullmatch(token)
    if not m:
        return _mathrm(token)
    name = m.group("name")
    core = _ident_core(name) or _mathrm(name)
    if m.group("star"):
        core += "^{*}"
    if m.group("index"):
        core += m.group("index")
    if m.group("prime"):
        core += "'"
    return core


def _ident_core(name: str) -> str | None:
    if name in _MATH_WORDS:
        return _MATH_WORDS[name].strip()
    if name in GREEK:
        return GREEK[name]
    parts = name.split("_")
    head = _HEAD_RE.fullmatch(parts[0])
    if head is None:
        return None
    base, digits = head.groups()
    if base in GREEK:
        base_tex = GREEK[base]
    elif len(base) == 1:
        base_tex = base
    else:
        return None  # an unknown word: upright, as it is
    subs = [digits] if digits else []
    for part in parts[1:]:
        pm = _PART_RE.fullmatch(part)
        if pm is None or not part:
            return None
        letters, digs = pm.groups()
        if letters:
            subs.append(letters if len(letters) == 1 else rf"\mathrm{{{letters}}}")
        if digs:
            subs.append(digs)
    return base_tex + (f"_{{{','.join(subs)}}}" if subs else "")


def _mathrm(word: str) -> str:
    """An unknown word in math mode, upright; only characters that are safe there."""
    out = []
    for ch in word:
        if ch.isascii() and (ch.isalnum() or ch in "'.:;!?()[]/+-=<>|,"):
            out.append(ch)
        elif ch in GREEK:
            out.append(GREEK[ch] + " ")
        elif ch in MATH_CHARS:
            out.append(MATH_CHARS[ch])
        else:
            out.append(r"\_" if ch == "_" else "?")
    return rf"\mathrm{{{''.join(out)}}}"


def _parse_array(text: str, i: int) -> tuple[list[object], int] | None:
    """A bracketed list of numbers (possibly nested, possibly with …) starting at text[i]."""
    items: list[object] = []
    i += 1
    n = len(text)
    while True:
        while i < n and text[i] == " ":
            i += 1
        if i >= n:
            return None
        if text[i] == "[":
            sub = _parse_array(text, i)
            if sub is None:
                return None
            items.append(sub[0])
            i = sub[1]
        elif text[i] == "…":
            items.append(_ELLIPSIS)
            i += 1
        else:
            m = _SIGNED_RE.match(text, i)
            if not m:
                return None
            items.append(m.group())
            i = m.end()
        while i < n and text[i] == " ":
            i += 1
        if i >= n:
            return None
        if text[i] == ",":
            i += 1
            continue
        if text[i] == "]":
            return items, i + 1
        return None


def _array_tex(items: list[object]) -> str:
    """A 1-D list as a column vector, a 2-D one as a matrix; … as dots."""

    def entry(item: object, dots: str) -> str:
        return dots if item is _ELLIPSIS else _math(str(item))

    if any(isinstance(item, list) for item in items) and all(
        isinstance(item, list) or item is _ELLIPSIS for item in items
    ):
        width = max(len(item) for item in items if isinstance(item, list))
        cells = [
            [entry(x, r"\cdots") for x in item] if isinstance(item, list) else [r"\vdots"] * width
            for item in items
        ]
        return tex_matrix(cells)
    return tex_matrix([[entry(item, r"\vdots")] for item in items])


def _split_top(text: str, sep: str = " + ") -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _elide(text: str, max_terms: int = 8) -> str:
    """A sum of many terms shortened to its first three, …, and the last (also inside one
    outer pair of parentheses, as in a loss −(…))."""
    if len(text) < 100:
        return text
    parts = _split_top(text)
    if len(parts) > max_terms:
        return " + ".join([*parts[:3], "…", parts[-1]])
    if len(parts) == 1:
        start = text.find("(")
        end = _matching(text, start) if start >= 0 else -1
        if end > start >= 0:
            inner = text[start + 1 : end]
            shorter = _elide(inner, max_terms)
            if shorter != inner:
                return text[: start + 1] + shorter + text[end:]
    return text


def _matching(text: str, start: int) -> int:
    depth = 0
    for k in range(start, len(text)):
        if text[k] in "([":
            depth += 1
        elif text[k] in ")]":
            depth -= 1
            if depth == 0:
                return k
    return -1
