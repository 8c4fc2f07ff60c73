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


#: How much of a text read from a file an error line quotes.
SHOWN_CHARS = 40


def describe(value: object) -> str:
    """A short, one-line, printable picture of a value read from a file, for "expected …,
    got …" lines: `null`, `true`, `"adm"` (quoted, cut at SHOWN_CHARS), `12`, `0.5`, `a
    table`, `a list`, `an empty list`, `a date/time`."""
    import datetime
    import json
    import math
    from collections.abc import Mapping

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"
        return printable(json.dumps(shown, ensure_ascii=False))
    if isinstance(value, int):
        if abs(value) < 10**30:
            return str(value)
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list" if value else "an empty list"
    if isinstance(value, datetime.date | datetime.time):
        return "a date/time"
    return f"a {type(value).__name__}"
