"""Entry point used by the command line: run the debugger on a network."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from nntui.engine.text import LINE_LIMIT, printable

if TYPE_CHECKING:
    from nntui.engine.network import Network
    from nntui.engine.spec import NetworkSpec
    from nntui.recording import Recording, RecordingFile

#: Exit status when there is no terminal to run in (bad input, SPEC §3).
EXIT_NO_TERMINAL = 2


def run_app(
    network: Network | NetworkSpec,
    *,
    source: str = "worked-example",
    recording: Recording | None = None,
    record_to: str | None = None,
    force: bool = False,
    replay: Recording | None = None,
) -> int:
    """Run the debugger until the user quits; returns the exit status.

    With `recording` and `record_to` the session's keys are noted and written there when it
    ends (`nntui --record`; an existing file only with `force`); with `replay`, a recording
    is played first (`nntui --replay`).

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

    keeping = None
    if recording is not None and record_to is not None:
        from nntui.recording import RecordingFile

        keeping = RecordingFile(recording, record_to, force=force)
    status = 0
    app = NntuiApp(network, source=source, recording=recording, replay=replay, keeping=keeping)
    try:
        app.run()
    finally:
        if keeping is not None:
            status = keep_recording(keeping)
    if app.failure:
        _error(app.failure)
    return status or app.return_code or 0


def keep_recording(keeping: RecordingFile) -> int:
    """Write the session's keys one last time: 0, or 2 after one error line; a note when
    they went beside FILE, which appeared while the session ran."""
    from nntui.recording import RecordingError

    try:
        keeping.save()
    except RecordingError as error:
        _error(str(error))
        return EXIT_NO_TERMINAL
    if keeping.moved:
        kept, target = keeping.path, keeping.target
        _note(f"{kept} appeared while recording and was kept; the keys are in {target}")
    return 0


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
    _line("error", message)


def _note(message: str) -> None:
    _line("note", message)


def _line(kind: str, message: str) -> None:
    try:
        sys.stderr.write(f"nntui: {kind}: {printable(' '.join(message.split()), LINE_LIMIT)}\n")
        sys.stderr.flush()
    except (OSError, AttributeError, ValueError):
        pass
