"""How quickly an edit shows: from a value typed into the edit dialog to the redrawn screen.

Run from the project root:  python benchmarks/bench_edit.py  [--repeats N] [--edits N]

The method of `bench_ui.py` (b): one `app.run_test(size=(120, 36))` per network; in each round
N presses of a key bound to nothing ("j"), then N edits, each followed by `pilot.pause()`, rounds
repeated. An edit is what the edit dialog does once a valid number is entered: the engine's
`set_parameter` on the network the iteration starts from, then the app's `_edited` — the
session's `edit` (the iteration traced again from READY), the views' new answer, the marks —
and the redraw Pilot waits for. The weight edited alternates between two values, so every edit
changes the screen. The extra cost of an edit is its CPU time (time.process_time: the headless
app runs in this process) minus the unbound key's, measured in the same rounds. Every run is
checked: the unbound key changes nothing, each edit leaves the session at READY with the new
value, marked as edited, and the graph's grid is drawn again for every edit.

Targets (extra CPU per edit): 4-16-16-3 ≤ 33 ms, 784-32-10 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from nntui.app import graph
from nntui.app.app import NntuiApp
from nntui.engine.edit import set_parameter
from nntui.engine.presets import PRESETS
from nntui.engine.spec import ParamRef

SIZE = (120, 36)
NOOP_KEY = "j"
TARGETS = {"deep-4-16-16-3": 33.0, "mnist-784": 100.0}


async def measure(preset: str, repeats: int, edits: int) -> tuple[list[float], list[float]]:
    """CPU ms per unbound key press and per edit, one value per round."""
    app = NntuiApp(PRESETS[preset].build(), source=preset)
    ref = ParamRef(len(app.session.network.layers) - 1, "weight", 0, 0)
    noop_times: list[float] = []
    edit_times: list[float] = []
    draws = 0
    original = graph._Drawing.draw

    def counting_draw(self: graph._Drawing) -> graph._Grid:
        nonlocal draws
        draws += 1
        return original(self)

    graph._Drawing.draw = counting_draw  # type: ignore[method-assign]
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert NOOP_KEY not in {b.binding.key for b in app.active_bindings.values()}
            for _ in range(repeats):
                state = app.session.state()
                start = time.process_time()
                for _ in range(edits):
                    await pilot.press(NOOP_KEY)
                    await pilot.pause()
                noop_times.append((time.process_time() - start) * 1000 / edits)
                assert app.session.state() == state
                before = draws
                start = time.process_time()
                for k in range(edits):
                    value = 0.5 if k % 2 == 0 else -0.5
                    network = set_parameter(app.session.network, ref, value)
                    app._edited(network, ref, "benchmark edit")
                    await pilot.pause()
                edit_times.append((time.process_time() - start) * 1000 / edits)
                assert app.session.cursor == -1 and ref in app.session.edited
                assert app.session.value_of(ref) == (0.5 if (edits - 1) % 2 == 0 else -0.5)
                assert draws - before >= edits, (draws - before, edits)
                app.clear_notifications()
    finally:
        graph._Drawing.draw = original  # type: ignore[method-assign]
    return noop_times, edit_times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()
    failed = False
    for preset, target in TARGETS.items():
        noop, edit = asyncio.run(measure(preset, args.repeats, args.edits))
        extra = [e - n for e, n in zip(edit, noop, strict=True)]
        best, median = min(extra), statistics.median(extra)
        verdict = "ok" if median <= target else "TOO SLOW"
        failed |= median > target
        print(
            f"{preset:16} edit {statistics.median(edit):7.1f} ms CPU, unbound key "
            f"{statistics.median(noop):5.1f} ms: extra best {best:6.1f} ms, median "
            f"{median:6.1f} ms (target ≤ {target:.0f} ms) {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
