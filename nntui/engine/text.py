"""Text that came from outside (a file, an argument, a path) made safe to show.

A network's `name`, an unknown key, a path: any of them may hold control characters — an ESC
that starts a terminal sequence, a BEL, a carriage return that overwrites the line, a Unicode
direction override that reorders what follows. `printable` makes every such character visible
as an escape (`\\x1b`, `\\u202e`) so the terminal never acts on it and the reader sees it is
there. Everything that reaches a screen, a handout or an error line from outside goes through
it. No NumPy here: the loader and the first frame use it.
"""

from __future__ import annotations

import unicodedata

#: An error line or a title longer than this is cut with "…": a readable line, not a wall.
LINE_LIMIT = 300

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _unsafe(char: str) -> bool:
    # Cc: C0 and C1 controls and DEL; Cf: format characters (bidi overrides, zero-width
    # joiners...); Cs: lone surrogates, which cannot even be encoded; Zl/Zp: line breaks.
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def printable(text: str, limit: int | None = None) -> str:
    """`text` with every control or format character written as an escape, cut to `limit`
    characters (with "…") when given. Text without such characters comes back unchanged."""
    if not text.isprintable():  # the fast path: no unsafe character is printable
        text = "".join(_visible(char) if _unsafe(char) else char for char in text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text
