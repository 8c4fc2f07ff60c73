"""Entry point used by the command line: run the debugger on a network."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from nntui.app.app import NntuiApp

if TYPE_CHECKING:
    from nntui.engine.network import Network
    from nntui.engine.spec import NetworkSpec


def run_app(network: Network | NetworkSpec, *, source: str = "worked-example") -> int:
    """Run the debugger until the user quits; returns the exit status."""
    app = NntuiApp(network, source=source)
    app.run()
    if app.failure:
        sys.stderr.write(f"nntui: error: {' '.join(app.failure.split())}\n")
    return app.return_code or 0
