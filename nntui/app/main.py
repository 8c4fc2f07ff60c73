"""Entry point used by the command line: run the debugger on a network."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from nntui.engine.text import LINE_LIMIT, printable

if TYPE_CHECKING:
    from nntui.engine.network import Network
    from nntui.engine.spec import NetworkSpec

#: Exit status when there is no terminal to run in (bad input, SPEC §3).
EXIT_NO_TERMINAL = 2


def run_app(network: Network | NetworkSpec, *, source: str = "worked-example") -> int:
    """Run the debugger until the user quits; returns the exit status.

    Without a terminal on standard input, output and error (the keys come from the first,
    Textual draws on the last) it says so in one line on stderr and returns 2 at once:
    `echo | nntui` would otherwise never end, and `nntui < /dev/null` would draw a screen that
    reads no key.
    """
    missing = terminal_missing()
    if missing is not None:
        _error(
            f"the debugger needs a terminal, but {missing} is not one; "
            "'nntui export' and 'nntui train' work without one"
        )
        return EXIT_NO_TERMINAL
    from nntui.app.app import NntuiApp

    app = NntuiApp(network, source=source)
    app.run()
    if app.failure:
        _error(app.failure)
    return app.return_code or 0


def terminal_missing(
    streams: tuple[tuple[str, TextIO | None], ...] | None = None,
) -> str | None:
    """The first of standard input, output and error that is not a terminal ("standard
    input"), or None when all three are."""
    if streams is None:
        streams = (
            ("standard input", sys.__stdin__),
            ("standard output", sys.__stdout__),
            ("standard error", sys.__stderr__),
        )
    for name, stream in streams:
        try:
            if stream is None or not stream.isatty():
                return name
        except (AttributeError, ValueError, OSError):  # closed or detached
            return name
    return None


def _error(message: str) -> None:
    try:
        sys.stderr.write(f"nntui: error: {printable(' '.join(message.split()), LINE_LIMIT)}\n")
        sys.stderr.flush()
    except (OSError, AttributeError, ValueError):
        pass
