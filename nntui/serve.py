"""`nntui serve` (SPEC §2, §8): the debugger in a web browser, through Textual's textual-serve.

textual-serve is an optional extra (`pip install 'nntui[serve]'`), imported only here and only
when serving. It is a small web server: each browser tab that connects starts its own
`nntui --root DIR [NET]` process under Textual's web driver and relays the screen and the keys
over a websocket. `--root` (hidden from `nntui --help`) confines that debugger to the directory
`nntui serve` was started in: its open-file dialog accepts presets and files under DIR only
(`nntui.files.within`), so a browser's user can read nothing else of the serving machine.

The server listens on 127.0.0.1 unless `--host` says otherwise: serving a class on a network is
a deliberate choice.
"""

from __future__ import annotations

import inspect
import os
import shlex
import sys
from typing import TYPE_CHECKING, Any

from nntui.engine.text import LINE_LIMIT, printable

if TYPE_CHECKING:
    from nntui.engine.network import Network
    from nntui.engine.spec import NetworkSpec

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
INSTALL_HINT = "nntui serve needs the serve extra: pip install 'nntui[serve]'"


class ServeError(Exception):
    """Serving cannot start (the extra is missing, the port is taken): one error line."""


def served_command(net: str | None, root: str) -> str:
    """The shell command textual-serve runs for each browser tab: this Python, this nntui,
    confined to `root` (every part quoted; NET after `--`, so a NET like `-x` stays a NET)."""
    words = [sys.executable, "-m", "nntui", "--root", root]
    if net is not None:
        words += ["--", net]
    return shlex.join(words)


def url(host: str, port: int) -> str:
    """The address a browser opens: `http://127.0.0.1:8000`, `http://[::1]:8000`."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def serve(net: str | None, *, host: str, port: int, root: str) -> int:
    """Serve the debugger on NET until ctrl+c; returns the exit status. Raises `ServeError`
    when textual-serve is not installed or the address cannot be listened on."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ServeError(INSTALL_HINT) from None

    address = url(host, port)

    class NntuiServer(Server):  # type: ignore[misc]
        """textual-serve's server, announcing itself in one line instead of its logo."""

        async def on_startup(self, app: Any) -> None:
            shown = printable(net or "worked-example", LINE_LIMIT)
            self.console.print(
                f"nntui: serving {shown} on {address} (files under {printable(root)}); "
                "ctrl+c stops",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )

    server = NntuiServer(
        served_command(net, root), host=host, port=port, title="nntui", public_url=address
    )
    try:
        server.serve()
    except OSError as err:
        raise ServeError(f"cannot listen on {address}: {err.strerror or err}") from None
    return 0


def run_confined(network: Network | NetworkSpec, *, source: str, root: str) -> int:
    """The debugger confined to `root` (`nntui --root DIR`, what `serve` runs per tab).

    Under textual-serve's web driver (TEXTUAL_DRIVER is set) the screen is a websocket, not
    a terminal, so the terminal check of `run_app` is skipped there."""
    from nntui.app.main import EXIT_NO_TERMINAL, terminal_missing

    if not os.environ.get("TEXTUAL_DRIVER"):
        missing = terminal_missing()
        if missing is not None:
            sys.stderr.write(
                f"nntui: error: the debugger needs a terminal, but {missing} is not one\n"
            )
            return EXIT_NO_TERMINAL
    app = confined_app(network, source=source, root=root)
    app.run()
    if app.failure:
        sys.stderr.write(f"nntui: error: {printable(' '.join(app.failure.split()), LINE_LIMIT)}\n")
    return app.return_code or 0


def confined_app(network: Network | NetworkSpec, *, source: str, root: str) -> Any:
    """An `NntuiApp` whose dialogs read and write only under `root` (its `root` attribute)."""
    from nntui.app.app import NntuiApp

    if "root" in inspect.signature(NntuiApp.__init__).parameters:
        return NntuiApp(network, source=source, root=root)
    app = NntuiApp(network, source=source)
    app.root = root  # before NntuiApp takes `root` itself: the attribute the dialogs read
    return app
