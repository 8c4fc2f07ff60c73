"""Running the app headless for a Pilot test: one home for what every such test file did in
its own `drive`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from nntui.app.app import NntuiApp

WIDE = (120, 36)

Body = Callable[[NntuiApp, Pilot], Awaitable[None]]


def run_app(
    app: NntuiApp,
    body: Body,
    *,
    size: tuple[int, int] = WIDE,
    check: Callable[[NntuiApp], None] | None = None,
) -> NntuiApp:
    """Run `app` headless at `size`, let it settle, hand it and its pilot to `body` (then to
    `check`, while it still runs) and return it."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await body(app, pilot)
            if check is not None:
                check(app)

    asyncio.run(main())
    return app


def notes(app: NntuiApp) -> list[str]:
    """The messages of the notifications shown so far."""
    return [str(note.message) for note in app._notifications]
