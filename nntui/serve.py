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

import asyncio
import contextlib
import inspect
import os
import shlex
import signal
import socket
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
    when textual-serve is not installed or the address cannot be listened on.

    The socket is bound and listening before the address is announced, so whoever reads the
    line (a person, a test) can connect at once; a port in use is an error line, not a
    traceback from inside the server."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ServeError(INSTALL_HINT) from None

    address = url(host, port)
    try:
        listening = _listen(host, port)
    except OSError as err:
        raise ServeError(f"cannot listen on {address}: {err.strerror or err}") from None

    class NntuiServer(Server):  # type: ignore[misc]
        """textual-serve's server, without its logo (the line below says where it is)."""

        async def on_startup(self, app: Any) -> None:
            pass

    server = NntuiServer(
        served_command(net, root), host=host, port=port, title="nntui", public_url=address
    )
    shown = printable(net or "worked-example", LINE_LIMIT)
    print(f"nntui: serving {shown} on {address} (files under {printable(root)}); ctrl+c stops")
    sys.stdout.flush()
    with listening:
        _run(server, listening)
    return 0


def _run(server: Any, listening: socket.socket) -> None:
    """textual-serve's `Server.serve`, on the socket already listening: until ctrl+c or
    SIGTERM."""
    from aiohttp import web

    server.initialize_logging()
    loop = asyncio.new_event_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGINT, server.request_exit)
        loop.add_signal_handler(signal.SIGTERM, server.request_exit)
    web.run_app(
        server._make_app(),
        sock=listening,
        handle_signals=False,
        loop=loop,
        print=lambda *args: None,
    )


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on `host`:`port` (the first address the name gives)."""
    family, kind, proto, _, where = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(where)
        listening.listen(128)
    except OSError:
        listening.close()
        raise
    listening.setblocking(False)
    return listening


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
