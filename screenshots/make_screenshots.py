"""Rebuild the README's pictures: `python screenshots/make_screenshots.py [NAME ...]` (all of
them, or those named).

Each picture is the real app driven by its real keys (through Textual's Pilot), saved as SVG
and converted to PNG beside it (needs the test extra: cairosvg).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from svg_to_png import svg_to_png  # noqa: E402

from nntui.app.app import NntuiApp  # noqa: E402
from nntui.engine.presets import PRESETS  # noqa: E402


@dataclass(frozen=True)
class Shot:
    name: str
    preset: str
    keys: tuple[str, ...]
    size: tuple[int, int] = (120, 36)
    train: int = 0  # iterations to train (through the dialog) before the keys
    toasts: bool = False  # keep the notifications (what a key said) in the picture


SHOTS = (
    Shot("forward", "worked-example", ("space",) * 4),
    Shot("chain-rule", "worked-example", ("space",) * 10),
    Shot("zero-gradient", "worked-example", ("space",) * 11),
    Shot("update-ledger", "worked-example", ("space",) * 34),
    Shot("loss-history", "worked-example", ("enter", "space", "enter", "space"), train=200),
    Shot("big-network", "mnist-784", ("space",) * 4),
    Shot("light-theme", "xor", ("space",) * 6 + ("d",), size=(100, 30)),
    Shot("quiz", "worked-example", ("space",) * 9 + ("z", "space")),
    Shot("run-until", "worked-example", ("u", "enter"), toasts=True),
)


async def take(shot: Shot) -> Path:
    app = NntuiApp(PRESETS[shot.preset].build(), source=shot.preset)
    async with app.run_test(size=shot.size) as pilot:
        if shot.train:
            await pilot.press("t", *["backspace"] * 4, *str(shot.train), "enter")
            while app.training:
                await pilot.pause(0.05)
            await pilot.pause(0.2)
        await pilot.press(*shot.keys)
        await pilot.pause(0.2)
        if not shot.toasts:
            app.clear_notifications()
        await pilot.pause()
        svg = HERE / f"{shot.name}.svg"
        app.save_screenshot(filename=svg.name, path=str(HERE))
    return svg_to_png(svg)


async def main(names: list[str]) -> None:
    unknown = set(names) - {shot.name for shot in SHOTS}
    if unknown:
        raise SystemExit(f"no such picture: {', '.join(sorted(unknown))}")
    for shot in SHOTS:
        if not names or shot.name in names:
            print(await take(shot))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
