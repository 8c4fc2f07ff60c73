"""Keep and replay (issue 14): `k` keeps the screen as a numbered SVG, `nntui --record FILE`
writes a session's keys and `nntui --replay FILE` plays them back to the identical state —
the same iteration, cursor, parameters, history, selection and undo history — and every bad
recording is one error line, exit status 2, before the terminal is taken."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from nntui.app.app import NntuiApp
from nntui.app.main import keep_recording
from nntui.cli import main
from nntui.engine.presets import resolve_source
from nntui.recording import (
    FORMAT,
    Recording,
    RecordingError,
    RecordingFile,
    for_net,
    parse_recording,
    read_recording,
    write_recording,
)

SIZE = (120, 36)
Body = Callable[[NntuiApp, Pilot[int]], Awaitable[None]]


async def settle(app: NntuiApp, pilot: Pilot[int]) -> None:
    """Until the app is idle: a replay finished, no training run going on (at most a minute:
    a replay that never ends fails the test, not the suite)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if not app.replaying and not app.training and app._session is not None:
            break
    await pilot.pause()


def _parameters(network: Any) -> list[tuple[bytes, bytes]]:
    return [(layer.weights.tobytes(), layer.biases.tobytes()) for layer in network.layers]


def snapshot(app: NntuiApp) -> dict[str, Any]:
    """What "the identical state" means: the session's own state, every parameter to the
    bit, the loss history, the selection, every entry of the undo history (what ← returns
    to), and the whole screen as a picture (toasts cleared: the replay says it replayed)."""
    session = app.session
    state = session.state()
    past = [
        (snap.iteration, snap.cursor, snap.points, snap.message, snap.edited, snap.changed)
        for snap in session._past
    ]
    past_parameters = [_parameters(snap.network) for snap in session._past]
    app.clear_notifications()
    return {
        "state": state[:6] + state[7:],  # all but the network's id, compared below
        "parameters": _parameters(session.network),
        "past": past,
        "past parameters": past_parameters,
        "selected": app.selected,
        "screen": app.export_screenshot(),
    }


def record(net: str | None, body: Body) -> tuple[Recording, dict[str, Any]]:
    """Run the app on NET with a recording, do `body`, and return the recording and the
    state it ended in."""
    recording = for_net(net)
    ended: dict[str, Any] = {}

    async def main_() -> None:
        app = NntuiApp(resolve_source(net), source=net or "worked-example", recording=recording)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await body(app, pilot)
            await settle(app, pilot)
            app.clear_notifications()
            await pilot.pause()
            ended.update(snapshot(app))

    asyncio.run(main_())
    return recording, ended


def replay(recording: Recording, directory: Path) -> dict[str, Any]:
    """Write the recording, read it back as `--replay` would, play it in a fresh app and
    return the state it reaches."""
    path = directory / "session.json"
    write_recording(recording, str(path), overwrite=True)
    played = read_recording(str(path))
    reached: dict[str, Any] = {}

    async def main_() -> None:
        net = played.net
        app = NntuiApp(resolve_source(net), source=net or "worked-example", replay=played)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            app.clear_notifications()
            await pilot.pause()
            reached.update(snapshot(app))

    asyncio.run(main_())
    return reached


async def type_text(pilot: Pilot[int], text: str) -> None:
    """Type into the focused field as a person would: clear it with backspaces, then keys."""
    field = pilot.app.screen.focused
    assert isinstance(field, Input)
    await pilot.press("end", *["backspace"] * len(field.value), *text, "enter")


# -- record → replay ---------------------------------------------------------------------------
def test_a_lecture_replays_to_the_identical_state(tmp_path: Path) -> None:
    """Steps, an edit typed in its dialog, phase jumps, training, back, granularity and
    decimals, a tab selection: the replay reaches the same everything, and its own ← history
    is as deep."""

    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("space", "space", "space", "tab", "tab", "tab", "e")
        await type_text(pilot, "2.5")
        await pilot.press("right_square_bracket", "right_square_bracket", "space", "enter")
        await pilot.press("space", "t")
        await type_text(pilot, "25")
        await settle(app, pilot)
        await pilot.press("space", "space", "left", "g", "plus", "tab")

    recording, ended = record("xor", body)
    assert recording.runs == [None]  # one training run, to its end
    assert "k" not in recording.keys
    assert ended["state"][0] == 27  # 1 + the edit's iteration + 25 trained
    assert replay(recording, tmp_path) == ended


def test_back_after_a_replay_walks_the_same_history(tmp_path: Path) -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press(*["space"] * 45, "left", "left")

    recording, ended = record(None, body)
    reached = replay(recording, tmp_path)
    assert reached == ended
    assert ended["state"][:2] == (2, -1)  # 42 steps, then iteration 2: two steps and back


def test_a_number_selected_with_the_mouse_is_kept(tmp_path: Path) -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.click("#ledger", offset=(3, 2))  # the second row: w101
        await pilot.press("e")
        await type_text(pilot, "0.25")

    recording, ended = record(None, body)
    assert any(key.startswith("select:") for key in recording.keys)
    reached = replay(recording, tmp_path)
    assert reached == ended
    assert reached["selected"] is not None


def test_a_training_run_stopped_with_esc_replays_to_the_same_iteration(tmp_path: Path) -> None:
    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("t")
        await type_text(pilot, "5000000")
        for _ in range(200):
            await pilot.pause(0.02)
            if app._live is not None and app._live.done > 0:
                break
        await pilot.press("escape")
        await settle(app, pilot)

    recording, ended = record("xor", body)
    (stopped,) = recording.runs
    assert stopped is not None and 0 < stopped < 5_000_000
    assert "escape" not in recording.keys  # pressed while training: the run's stop says it
    reached = replay(recording, tmp_path)
    assert reached == ended
    assert reached["state"][0] == stopped + 1
    assert "cancelled" in (reached["state"][5] or "")


@pytest.mark.parametrize(
    "quitting",
    [["q"], ["ctrl+q"], ["t", "2", "ctrl+q"], ["ctrl+p", "q", "u", "i", "t", "enter"]],
    ids=["q", "ctrl+q", "ctrl+q-in-a-dialog", "the-palette"],
)
def test_the_keys_that_quit_are_not_recorded(quitting: list[str]) -> None:
    """A replay must not quit: the keys from the last one on the debugger's own screen to
    the quit are left out, however the app was left."""
    recording = for_net(None)

    async def main_() -> None:
        app = NntuiApp(resolve_source(None), recording=recording)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("space", "space", *quitting)
            await pilot.pause(0.3)

    asyncio.run(main_())
    assert recording.keys == ["space", "space"]
    assert json.loads(recording.document())["format"] == FORMAT


def test_typed_characters_and_pastes_replay_as_typed(tmp_path: Path) -> None:
    """`-` and `_` are kept as the characters typed (Textual names them `minus` and
    `underscore`), and pasted text as `paste:` and the text: w000 = −0.5 typed, b00 = −0.75
    pasted, reached again by the replay."""
    from textual import events

    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press(*["tab"] * 4, "e")  # w000
        await type_text(pilot, "-0.5")
        await pilot.press(*["tab"] * 3, "e")  # b00
        field = app.screen.focused
        assert isinstance(field, Input)
        await pilot.press("end", *["backspace"] * len(field.value))
        app.post_message(events.Paste("-0.75"))
        await pilot.pause()
        await pilot.press("enter")

    recording, ended = record(None, body)
    assert "-" in recording.keys and "paste:-0.75" in recording.keys
    network_keys = replay(recording, tmp_path)
    assert network_keys == ended


def test_a_replay_can_be_recorded_again_and_keeps_growing(tmp_path: Path) -> None:
    first = Recording(preset="xor", keys=["space", "space"])
    path = tmp_path / "first.json"
    write_recording(first, str(path), overwrite=False)
    played = read_recording(str(path))
    again = Recording(preset="xor")

    async def main_() -> None:
        app = NntuiApp(resolve_source("xor"), source="xor", recording=again, replay=played)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("space")
            await pilot.pause()
            assert app.session.cursor == 2

    asyncio.run(main_())
    assert again.keys == ["space", "space", "space"]
    assert again.network_sha256 is not None


def test_a_changed_network_is_said_before_the_replay(tmp_path: Path) -> None:
    played = Recording(preset="xor", network_sha256="0" * 64, keys=["space"])
    said: list[str] = []

    async def main_() -> None:
        app = NntuiApp(resolve_source("xor"), source="xor", replay=played)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            said.extend(n.message for n in app._notifications)
            assert app.session.cursor == 0

    asyncio.run(main_())
    assert any("not the one the recording was made on" in line for line in said)


# -- the document ------------------------------------------------------------------------------
def test_a_network_file_is_named_relative_to_the_recording(tmp_path: Path) -> None:
    nets = tmp_path / "nets"
    nets.mkdir()
    net = nets / "mine.json"
    net.write_text(json.dumps(resolve_source("xor").build().to_dict()), encoding="utf-8")
    recording = for_net(str(net))
    assert recording.file == str(net) and recording.preset is None
    path = tmp_path / "talks" / "one.json"
    path.parent.mkdir()
    write_recording(recording, str(path), overwrite=False)
    assert json.loads(path.read_text())["file"] == "../nets/mine.json"
    back = read_recording(str(path))
    assert back.net is not None and Path(back.net).resolve() == net.resolve()


def test_writing_never_replaces_a_file_unasked(tmp_path: Path) -> None:
    path = tmp_path / "kept.json"
    path.write_text("precious", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_recording(Recording(keys=["space"]), str(path), overwrite=False)
    assert path.read_text() == "precious"
    # The app's end: the keys go beside it, and a note says where; later writes go there.
    keeping = RecordingFile(Recording(keys=["space"]), str(path), force=False)
    assert keep_recording(keeping) == 0
    assert path.read_text() == "precious" and keeping.moved
    assert read_recording(str(tmp_path / "kept-1.json")).keys == ["space"]
    keeping.recording.keys.append("left")
    keeping.save()
    assert read_recording(str(tmp_path / "kept-1.json")).keys == ["space", "left"]
    assert path.read_text() == "precious"


def test_the_recording_is_written_a_moment_after_each_key(tmp_path: Path) -> None:
    """So that closing the terminal loses a moment of keys at most, not the lecture."""
    path = tmp_path / "talk.json"
    recording = for_net(None)
    keeping = RecordingFile(recording, str(path), force=False)

    async def main_() -> None:
        app = NntuiApp(resolve_source(None), recording=recording, keeping=keeping)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("space", "space")
            deadline = time.monotonic() + 10
            while not path.exists() and time.monotonic() < deadline:
                await pilot.pause(0.1)
            assert read_recording(str(path)).keys == ["space", "space"]

    asyncio.run(main_())


BAD_DOCUMENTS: list[tuple[object, str]] = [
    ([], "expected a JSON object"),
    ({"keys": []}, "format"),
    ({"format": "nntui-keys/2", "keys": []}, "format"),
    ({"format": FORMAT, "keys": "space"}, "keys"),
    ({"format": FORMAT, "keys": [1]}, "keys[0]"),
    ({"format": FORMAT, "keys": ["space", ""]}, "keys[1]"),
    ({"format": FORMAT, "keys": ["\u001b[2J"]}, "keys[0]"),
    ({"format": FORMAT, "keys": ["a b"]}, "keys[0]"),
    ({"format": FORMAT, "keys": ["x" * 65]}, "keys[0]"),
    ({"format": FORMAT, "keys": ["select:two"]}, "keys[0]"),
    ({"format": FORMAT, "keys": ["paste:\u001b]0;x\u0007"]}, "keys[0]"),
    ({"format": FORMAT, "keys": ["paste:" + "x" * 4097]}, "keys[0]"),
    ({"format": FORMAT, "keys": [], "runs": [0]}, "runs[0]"),
    ({"format": FORMAT, "keys": [], "runs": [True]}, "runs[0]"),
    ({"format": FORMAT, "keys": [], "runs": {}}, "runs"),
    ({"format": FORMAT, "keys": [], "until": [-1]}, "until[0]"),
    ({"format": FORMAT, "keys": [], "until": "all"}, "until"),
    ({"format": FORMAT, "keys": [], "preset": "xor", "file": "x.toml"}, "file"),
    ({"format": FORMAT, "keys": [], "preset": 3}, "preset"),
    ({"format": FORMAT, "keys": [], "network_sha256": "abc"}, "network_sha256"),
    ({"format": FORMAT, "keys": [], "speed": 2}, "speed"),
]


@pytest.mark.parametrize(("data", "field"), BAD_DOCUMENTS)
def test_a_bad_recording_is_refused_naming_the_field(data: object, field: str) -> None:
    with pytest.raises(RecordingError) as refused:
        parse_recording(data, "talk.json")
    line = str(refused.value)
    assert line.startswith("talk.json: ") and field in line
    assert "\n" not in line and "\u001b" not in line


# -- the command line --------------------------------------------------------------------------
def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_app(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The debugger's entry, replaced: what it would have been started with."""
    calls: list[dict[str, Any]] = []

    def fake_run_app(network: Any, **options: Any) -> int:
        calls.append({"network": network, **options})
        return 0

    monkeypatch.setattr("nntui.app.main.run_app", fake_run_app)
    return calls


def assert_one_error(result: tuple[int, str, str], text: str) -> None:
    code, out, err = result
    assert code == 2 and out == "", result
    assert err.startswith("nntui: error: ") and err.count("\n") == 1, err
    assert text in err, err
    assert "Traceback" not in err and "\u001b" not in err


def test_record_and_replay_reach_the_app(
    capsys: pytest.CaptureFixture[str], no_app: list[dict[str, Any]], tmp_path: Path
) -> None:
    out = tmp_path / "talk.json"
    assert run(capsys, "--record", str(out), "xor")[0] == 0
    assert no_app[-1]["record_to"] == str(out) and no_app[-1]["recording"].preset == "xor"
    write_recording(Recording(preset="xor", keys=["space"]), str(out), overwrite=False)
    assert run(capsys, "--replay", str(out))[0] == 0
    assert no_app[-1]["replay"].keys == ["space"] and no_app[-1]["source"] == "xor"
    # Replaying and recording again, over the same file, with --force.
    assert run(capsys, "--replay", str(out), "--record", str(tmp_path / "b.json"))[0] == 0
    assert no_app[-1]["recording"].preset == "xor"


@pytest.mark.parametrize(
    ("setup", "args", "text"),
    [
        (None, ["--record", "{OLD}"], "already exists; add --force"),
        (None, ["--record", "{MISSING}/talk.json"], "no such directory"),
        (None, ["--force"], "--force"),
        (None, ["--replay", "{MISSING}"], "no such file"),
        (None, ["--replay", "{DIR}"], "directory"),
        ("not json", ["--replay", "{FILE}"], "not JSON"),
        (b"\xff\xfe", ["--replay", "{FILE}"], "UTF-8"),
        (
            '{"format": "nntui-keys/1", "keys": ["\\u001b]0;PWNED\\u0007"]}',
            ["--replay", "{FILE}"],
            "keys[0]",
        ),
        ('{"format": "nntui-keys/1", "keys": []}', ["--replay", "{FILE}", "xor"], "give no NET"),
        (
            '{"format": "nntui-keys/1", "preset": "nope", "keys": []}',
            ["--replay", "{FILE}"],
            "no preset 'nope'",
        ),
        (
            '{"format": "nntui-keys/1", "file": "gone.toml", "keys": []}',
            ["--replay", "{FILE}"],
            "no such file",
        ),
        (
            '{"format": "nntui-keys/1", "keys": []}',
            ["--replay", "{FILE}", "--record", "{FILE}", "--force"],
            "the recording being replayed",
        ),
    ],
)
def test_bad_record_and_replay_arguments_are_one_line(
    capsys: pytest.CaptureFixture[str],
    no_app: list[dict[str, Any]],
    tmp_path: Path,
    setup: str | bytes | None,
    args: list[str],
    text: str,
) -> None:
    old = tmp_path / "old.json"
    old.write_text("{}", encoding="utf-8")
    file = tmp_path / "talk.json"
    if isinstance(setup, bytes):
        file.write_bytes(setup)
    elif setup is not None:
        file.write_text(setup, encoding="utf-8")
    names = {
        "{OLD}": str(old),
        "{MISSING}": str(tmp_path / "missing.json"),
        "{DIR}": str(tmp_path),
        "{FILE}": str(file),
    }
    filled = [
        arg.replace(name, value) for arg in args for name, value in names.items() if name in arg
    ]
    assert_one_error(run(capsys, *[filled.pop(0) if "{" in arg else arg for arg in args]), text)
    assert no_app == []
    assert old.read_text() == "{}"


# -- keep the screen ---------------------------------------------------------------------------
def test_k_keeps_the_screen_as_numbered_svgs_and_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nntui-001.svg").write_text("mine", encoding="utf-8")

    async def main_() -> None:
        app = NntuiApp(resolve_source(None))
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("space", "k", "k")
            await pilot.pause()

    asyncio.run(main_())
    assert (tmp_path / "nntui-001.svg").read_text() == "mine"
    kept = sorted(path.name for path in tmp_path.glob("nntui-*.svg"))
    assert kept == ["nntui-001.svg", "nntui-002.svg", "nntui-003.svg"]
    picture = (tmp_path / "nntui-002.svg").read_text(encoding="utf-8")
    assert picture.startswith("<svg") and "h_pre0" in picture.replace("&#160;", " ")


def test_k_under_nntui_serve_keeps_the_picture_in_the_served_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    async def main_() -> None:
        app = NntuiApp(resolve_source(None), root=str(served))
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("k")
            await pilot.pause()

    asyncio.run(main_())
    assert [path.name for path in served.iterdir()] == ["nntui-001.svg"]
    assert list(elsewhere.iterdir()) == []


def test_the_recorded_parameters_are_exact() -> None:
    """The identity the replay tests rely on compares bytes: a replayed float differs from
    the recorded one in no bit (one training run, checked directly)."""
    from nntui.engine.training import train

    network = resolve_source("xor").build()
    first, second = train(network, 40), train(network, 40)
    for a, b in zip(first.network.layers, second.network.layers, strict=True):
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.biases, b.biases)


def test_a_replay_opens_a_file_through_the_dialog_and_ends(tmp_path: Path) -> None:
    """The open-file dialog reads in the background: the replay waits for the network, as a
    person would, then goes on (it never waits for the dialog's own file tree)."""
    nets = tmp_path / "nets"
    nets.mkdir()
    (nets / "mine.json").write_text(
        json.dumps(resolve_source("xor").build().to_dict()), encoding="utf-8"
    )
    path = str(nets / "mine.json")

    palette = ["ctrl+p", "o", "p", "e", "n", "space", "n", "e", "t", "enter"]
    played = Recording(keys=[*palette, *path, "enter", "space", "space"])
    reached = replay(played, tmp_path)  # it ends (the test's wait would fail otherwise)
    assert reached["state"][:2] == (1, 1)
    xor = resolve_source("xor").build()
    assert reached["parameters"] == _parameters(xor)


def test_a_run_until_stopped_by_esc_replays_to_the_same_step(tmp_path: Path) -> None:
    """A run that esc (or the time limit) stopped would end elsewhere on another machine:
    the recording keeps how many steps it took, and the replay takes exactly those."""

    async def body(app: NntuiApp, pilot: Pilot[int]) -> None:
        await pilot.press("u", *"nan", "enter")
        await pilot.pause(0.4)
        await pilot.press("escape")
        for _ in range(500):
            await pilot.pause(0.02)
            if app._until is None:
                break

    recording, ended = record(None, body)
    (steps,) = recording.until
    assert steps > 42  # past the first iteration
    assert "escape" not in recording.keys
    assert replay(recording, tmp_path) == ended
