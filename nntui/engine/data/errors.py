"""The one-line error of a `[data]` table or its CSV file (SPEC §3, §7), and the small texts in it.

Everything that reaches an error line from a file — a column name, a cell, a key — passes
through `quoted` or `one_line`, which show control and format characters as escapes
(`nntui.engine.text.printable`): a cell holding an ESC or a direction override cannot act on the
terminal that prints the error.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence

from nntui.engine.text import LINE_LIMIT, SHOWN_CHARS, printable


class DataError(ValueError):
    """A `[data]` table, or the CSV file it names, that cannot be used.

    `str(err)` is always one printable line, `"{source}: {field}: {message}"` without the parts
    that are None:

    - `source` is the CSV file as the user can open it (the network file's directory joined with
      the table's `csv`), or None when the problem is in the `[data]` table itself. The table is
      part of the network file, which only the loader knows, so the loader reports it as
      `NetworkFileError(err.source or network_file, err.message, err.field)`.
    - `field` is a field of the table (`data.n`, `data.x[1]`) or a place in the CSV
      (`row 12, column 3 (petal_length)`; rows are the file's lines, counted from 1), or None for
      the file as a whole (`file is empty`).
    """

    def __init__(
        self, message: str, *, field: str | None = None, source: str | None = None
    ) -> None:
        self.message = message
        self.field = field
        self.source = source
        parts = [part for part in (source, field, message) if part is not None]
        super().__init__(one_line(": ".join(parts)))

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments: rebuild through a helper so the error survives pickling
        # (pytest-xdist, multiprocessing) with its parts intact.
        return (_rebuilt, (self.message, self.field, self.source))


def _rebuilt(message: str, field: str | None, source: str | None) -> DataError:
    return DataError(message, field=field, source=source)


def one_line(text: str, limit: int | None = LINE_LIMIT) -> str:
    """`text` as one printable line: line breaks and tabs become spaces, every other control
    or format character an escape, and the line is cut at `limit` characters."""
    return printable(re.sub(r"[^\S ]+", " ", text), limit)


def quoted(text: str) -> str:
    """A cell, name or label from a file, in double quotes, shortened and made printable."""
    shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"
    return printable(json.dumps(shown, ensure_ascii=False))


def quoted_list(texts: Sequence[str], limit: int = 6) -> str:
    """Up to `limit` quoted texts, comma-separated, with "…" when there are more."""
    shown = ", ".join(quoted(text) for text in texts[:limit])
    return shown + (", …" if len(texts) > limit else "")


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to `word`, if one is close enough to be a likely typo."""
    for candidate in (word[:100], word[:100].lower()):
        matches = difflib.get_close_matches(candidate, choices, n=1, cutoff=0.6)
        if matches:
            return matches[0]
    return None


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`; did you mean 'circles'?` when a choice is close to `word`, else the list of choices:
    the end of a message about an unknown name, worded as the loader words its own."""
    match = closest(word, choices)
    if match is not None:
        return f"; did you mean '{match}'?"
    return f" (expected one of: {', '.join(choices)})"


def count(number: int, noun: str) -> str:
    """`1 row`, `3 rows`."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
