"""Keep and replay a session: `nntui --record FILE` and `nntui --replay FILE`.

A recording (format `nntui-keys/1`, a small JSON document; see docs/json-formats.md) holds what
it takes to reach the same screen again: the network the session opened on (a preset's name, or
a network file's path relative to the recording), a fingerprint of that network, the keys
pressed in order, the numbers selected with the mouse, and where each training run stopped. The
keys are Textual's key names (`space`, `left`, `t`, `1`, `enter`), so a recording can be read and
written by hand; a number selected with the mouse is written `select:N`, N its place in tab
order.

Replaying sends the same keys to a fresh app, each once the one before is fully handled (a
dialog open, a training run done), so it reaches the identical state: the same iteration,
cursor, parameters, history and undo history, whatever the speed of the machine. A training run
the user stopped with esc stops at the same iteration (`runs`). Keys pressed while a run was
training are not kept (esc's stop is); mouse clicks other than selections are not either.

This module reads and writes the document and checks it the way the loader checks a network
file: any problem is a `RecordingError`, one line naming the file and the field (SPEC §3). No
Textual and no NumPy here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from nntui.engine.text import describe, printable
from nntui.files import ReadRefused, read_regular, write_text_atomic

FORMAT = "nntui-keys/1"
#: A recording is keys, not data: a file larger than this is not one.
READ_LIMIT = 16 * 1024 * 1024
#: A key name is short (`shift+tab`, `ctrl+p`, `left_square_bracket`).
KEY_LIMIT = 64
#: What a mouse selection is written as: `select:N`, N the number's place in tab order.
SELECT = "select:"
#: What pasted text is written as: `paste:` and the text (at most PASTE_LIMIT characters).
PASTE = "paste:"
PASTE_LIMIT = 4096
#: The keys that leave the app (they still do while a replay plays; the app leaves out of a
#: recording the keys that led to quitting).
QUIT_KEYS = frozenset({"q", "ctrl+q", "ctrl+c"})
FIELDS = ("format", "preset", "file", "network_sha256", "keys", "runs", "until")


class RecordingError(Exception):
    """A recording that cannot be read or played: `str()` is the one line to show."""

    def __init__(self, source: str, message: str, field: str | None = None) -> None:
        self.source, self.message, self.field = source, message, field
        where = f"{field}: " if field else ""
        super().__init__(f"{printable(source, 200)}: {where}{message}")


@dataclass
class Recording:
    """A session's keys, as they are noted (`note_key`, `note_selection`, `note_run`) and as a
    file holds them.

    `preset` names the network for a preset; `file` for a network file (relative to the
    recording's directory in the file, as given on the command line here); neither: the
    worked example. `runs` has one entry per training run: the iteration esc stopped it at, or
    None when it ran to its end."""

    preset: str | None = None
    file: str | None = None
    network_sha256: str | None = None
    keys: list[str] = field(default_factory=list)
    runs: list[int | None] = field(default_factory=list)
    until: list[int] = field(default_factory=list)

    @property
    def net(self) -> str | None:
        """The NET argument that opens the recorded network (None: the worked example)."""
        return self.file if self.file is not None else self.preset

    def note_key(self, key: str) -> None:
        self.keys.append(key)

    def note_selection(self, place: int) -> None:
        self.keys.append(f"{SELECT}{place}")

    def note_run(self, stopped_at: int | None) -> None:
        self.runs.append(stopped_at)

    def note_until(self, steps: int) -> None:
        self.until.append(steps)

    def document(self, directory: str | None = None) -> str:
        """The recording as a `nntui-keys/1` document; a network file's path is written
        relative to `directory` (where the recording goes), so the two can move together."""
        keys = self.keys
        data: dict[str, Any] = {"format": FORMAT}
        if self.file is not None:
            path = os.path.abspath(self.file)
            data["file"] = os.path.relpath(path, directory) if directory else path
        elif self.preset is not None:
            data["preset"] = self.preset
        if self.network_sha256 is not None:
            data["network_sha256"] = self.network_sha256
        data["runs"] = self.runs
        data["until"] = self.until
        import json

        # One key per line is easy to read and to edit by hand; the rest stays compact.
        head = json.dumps(data, ensure_ascii=False, indent=2)[:-2]
        lines = ",\n".join(f"    {json.dumps(key, ensure_ascii=False)}" for key in keys)
        body = f'  "keys": [\n{lines}\n  ]' if keys else '  "keys": []'
        return f"{head},\n{body}\n}}\n"


def fingerprint(network_document: str) -> str:
    """The SHA-256 of a network's JSON document (`dumps_json`): says whether a replay opened
    the network the recording was made on."""
    import hashlib

    return hashlib.sha256(network_document.encode("utf-8")).hexdigest()


def for_net(net: str | None) -> Recording:
    """An empty recording of a session opened on NET (a preset's name or a file's path)."""
    from nntui.engine.presets import PRESETS

    if net is None:
        return Recording()
    if os.path.exists(net) or net not in PRESETS:
        return Recording(file=net)
    return Recording(preset=net)


def write_recording(recording: Recording, path: str, *, overwrite: bool) -> None:
    """Write `recording` to `path` atomically (SPEC §8). An existing file is replaced only with
    `overwrite`, else `FileExistsError`; any other problem is a `RecordingError`."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        write_text_atomic(path, recording.document(directory), overwrite=overwrite)
    except FileExistsError:
        raise
    except OSError as err:
        raise RecordingError(path, f"cannot write: {err.strerror or err}") from None
    except ValueError:
        raise RecordingError(path, "not a usable file name") from None


class RecordingFile:
    """Where a session's keys go (`nntui --record FILE`), written again as the session goes
    on — so closing the terminal loses a moment of keys at most — and at its end.

    The first write replaces an existing FILE only with `force`; a FILE that appeared while the
    session ran is kept, and the keys go to the next free name beside it (`lecture-1.json`,
    `moved` says so). From then on the file is the session's own, written over each time."""

    def __init__(self, recording: Recording, path: str, *, force: bool) -> None:
        self.recording = recording
        self.path = path
        self.force = force
        self.target: str | None = None  # the file written, once it is

    @property
    def moved(self) -> bool:
        """True when the keys went beside FILE, which appeared meanwhile."""
        return self.target is not None and self.target != self.path

    def save(self) -> None:
        """Write the keys so far, atomically; `RecordingError` when that cannot be."""
        if self.target is not None:
            write_recording(self.recording, self.target, overwrite=True)
            return
        stem, suffix = os.path.splitext(self.path)
        candidate = self.path
        for number in range(1, 1000):
            try:
                write_recording(self.recording, candidate, overwrite=self.force)
            except FileExistsError:
                candidate = f"{stem}-{number}{suffix}"
                continue
            self.target = candidate
            return
        raise RecordingError(self.path, "already exists, and so do 999 names beside it")


def read_recording(path: str) -> Recording:
    """The recording in the file at `path`, checked; a network file it names is returned as
    a path the command line can open (relative to the recording's directory)."""
    try:
        content = read_regular(path, limit=READ_LIMIT, kind="recording")
    except ReadRefused as err:
        raise RecordingError(path, str(err)) from None
    except FileNotFoundError:
        raise RecordingError(path, "no such file") from None
    except OSError as err:
        raise RecordingError(path, f"cannot read: {err.strerror or err}") from None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RecordingError(path, f"not UTF-8 text (byte {err.start})") from None
    import json

    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        raise RecordingError(path, f"not a recording: not JSON ({_json_problem(err)})") from None
    return parse_recording(data, path)


def parse_recording(data: object, source: str) -> Recording:
    """Check a parsed document against `nntui-keys/1`; the first problem raises."""
    if not isinstance(data, dict):
        raise RecordingError(source, "not a recording: expected a JSON object")
    if data.get("format") != FORMAT:
        got = describe(data.get("format"))
        raise RecordingError(source, f"expected {FORMAT!r}, got {got}", "format")
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        raise RecordingError(source, f"unknown field (fields: {', '.join(FIELDS)})", unknown[0])
    if "preset" in data and "file" in data:
        raise RecordingError(source, "a recording names a preset or a file, not both", "file")
    preset = _optional_text(data, "preset", source)
    file = _optional_text(data, "file", source)
    if file is not None and not os.path.isabs(file):
        file = os.path.join(os.path.dirname(source), file)
    digest = _optional_text(data, "network_sha256", source)
    if digest is not None and (len(digest) != 64 or not _is_hex(digest)):
        raise RecordingError(source, "expected 64 hexadecimal digits", "network_sha256")
    return Recording(
        preset=preset,
        file=file,
        network_sha256=digest,
        keys=_keys(data.get("keys"), source),
        runs=_runs(data.get("runs", []), source),
        until=_until(data.get("until", []), source),
    )


def _keys(value: object, source: str) -> list[str]:
    if not isinstance(value, list):
        raise RecordingError(source, f"expected a list of key names, got {describe(value)}", "keys")
    for index, key in enumerate(value):
        where = f"keys[{index}]"
        if not isinstance(key, str):
            raise RecordingError(source, f"expected a key name, got {describe(key)}", where)
        if key.startswith(PASTE):
            if len(key) > len(PASTE) + PASTE_LIMIT or not key.isprintable():
                raise RecordingError(
                    source, f"not a paste of printable text: {describe(key)}", where
                )
            continue
        if not key or len(key) > KEY_LIMIT or not key.isprintable() or " " in key:
            raise RecordingError(source, f"not a key name: {describe(key)}", where)
        if key.startswith(SELECT) and not key[len(SELECT) :].isdecimal():
            raise RecordingError(source, f"expected {SELECT}N, got {describe(key)}", where)
    return list(value)


def _runs(value: object, source: str) -> list[int | None]:
    if not isinstance(value, list):
        raise RecordingError(source, f"expected a list, got {describe(value)}", "runs")
    for index, run in enumerate(value):
        fits = run is None or (type(run) is int and run >= 1)
        if not fits:
            raise RecordingError(
                source,
                f"expected null or a whole number >= 1, got {describe(run)}",
                f"runs[{index}]",
            )
    return list(value)


def _until(value: object, source: str) -> list[int]:
    if not isinstance(value, list):
        raise RecordingError(source, f"expected a list, got {describe(value)}", "until")
    for index, steps in enumerate(value):
        if type(steps) is not int or steps < 0:
            where = f"until[{index}]"
            raise RecordingError(
                source, f"expected a whole number >= 0, got {describe(steps)}", where
            )
    return list(value)


def _optional_text(data: dict[str, Any], key: str, source: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or not value.isprintable():
        raise RecordingError(source, f"expected text, got {describe(value)}", key)
    return value


def _is_hex(text: str) -> bool:
    return all(char in "0123456789abcdef" for char in text)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _json_problem(err: Exception) -> str:
    if isinstance(err, RecursionError):
        return "nested too deeply"
    return str(err).split(":")[0]
