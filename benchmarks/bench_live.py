"""Training with the live view: how many steps a second it keeps, and how often it redraws.

Run from the project root:  python benchmarks/bench_live.py  [--steps N] [--repeats N]

The network is the `circles` preset (2-8-8-1, tanh/sigmoid, binary cross-entropy; 200 samples,
160 trained on and 40 held out). Two loops, alternating, `--repeats` rounds each:

- `nntui train`'s loop: `nntui.engine.training.train(network, N)` in this process, no callback
  (what `nntui train` runs, without its process start and file writes);
- the live view: the app headless at 120×36 (`app.run_test`) with the decision boundary shown
  (`b`), `t`, N, enter — timed from enter to the end of the run (the worker done). During it
  the app draws the graph, the ledger, the loss history and the boundary `LIVE_FPS` times a
  second from the training thread's latest snapshot.

A redraw is counted where it happens: each call of `BoundaryView.draw`, the pane computing its
plane and lines anew (the other views are drawn from the same answer in the same frame); the
frame rate is those calls over the run's time. Targets: the live view keeps at least 50% of
`train`'s steps a second, and redraws at least 10 times a second; the exit status is 1 if the
median round misses either. Both loops share the machine's two cores with whatever else runs:
the ratio of each round (run back to back) is the number to watch.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass

from textual.widgets import Input

from nntui.app.app import LIVE_FPS, NntuiApp
from nntui.app.boundary import BoundaryView
from nntui.engine.presets import PRESETS
from nntui.engine.training import train

MIN_SHARE = 0.5
MIN_FPS = 10.0


@dataclass(frozen=True)
class LiveRun:
    seconds: float
    steps: int
    redraws: int
    frames: int  # live answers handed to the views

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds

    @property
    def redraws_per_second(self) -> float:
        return self.redraws / self.seconds


def time_train(steps: int) -> float:
    """Steps a second of `train` on circles, as `nntui train` runs it."""
    network = PRESETS["circles"].build()
    start = time.perf_counter()
    result = train(network, steps)
    seconds = time.perf_counter() - start
    assert result.steps_done == steps, result.message
    return steps / seconds


def time_live(steps: int) -> LiveRun:
    """Train circles for `steps` in the headless app with the boundary shown."""
    redraws = 0
    draw = BoundaryView.draw

    def counted(view: BoundaryView, width: int, height: int):  # type: ignore[no-untyped-def]
        nonlocal redraws
        redraws += 1
        return draw(view, width, height)

    app = NntuiApp(PRESETS["circles"].build(), source="circles")
    timing: dict[str, float] = {}

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("b")
            await pilot.pause()
            await pilot.press("t")
            app.screen.query_one(Input).value = str(steps)
            nonlocal redraws
            BoundaryView.draw = counted  # type: ignore[method-assign]
            redraws = 0
            timing["start"] = time.perf_counter()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            timing["end"] = time.perf_counter()
            BoundaryView.draw = draw  # type: ignore[method-assign]
            await pilot.pause()
            assert app.session.iteration == steps + 1, app.session.message

    try:
        asyncio.run(main())
    finally:
        BoundaryView.draw = draw  # type: ignore[method-assign]
    return LiveRun(timing["end"] - timing["start"], steps, redraws, app.live_frames)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=80_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    time_train(1000)  # warm up: imports, caches
    shares: list[float] = []
    rates: list[float] = []
    print(f"circles (2-8-8-1, 200 samples), {args.steps:,} steps; live view at {LIVE_FPS} fps")
    print("| round | train steps/s | live steps/s | share | redraws/s | live frames |")
    print("| --: | --: | --: | --: | --: | --: |")
    for round_number in range(1, args.repeats + 1):
        plain = time_train(args.steps)
        live = time_live(args.steps)
        share = live.steps_per_second / plain
        shares.append(share)
        rates.append(live.redraws_per_second)
        print(
            f"| {round_number} | {plain:,.0f} | {live.steps_per_second:,.0f} | {share:.0%} "
            f"| {live.redraws_per_second:.1f} | {live.frames} |"
        )
    share, rate = statistics.median(shares), statistics.median(rates)
    ok = share >= MIN_SHARE and rate >= MIN_FPS
    print(
        f"median: {share:.0%} of train's steps/s (target ≥ {MIN_SHARE:.0%}), "
        f"{rate:.1f} redraws/s (target ≥ {MIN_FPS:.0f}): {'ok' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
