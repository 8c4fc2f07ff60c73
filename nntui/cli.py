"""The command line (SPEC §2): the debugger, `export`, `train`, `presets`.

Every error is one line on stderr, `nntui: error: ...`, with exit status 2 and nothing on
stdout; never a traceback. Textual is only imported when the debugger starts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import textwrap
import time
from collections.abc import Sequence
from typing import Any, NoReturn

from nntui import __version__

COMMANDS = ("export", "train", "presets")
EXPORT_FORMATS = ("json", "markdown", "latex")
TRAIN_FORMATS = ("json", "text")
GRANULARITIES = ("parameter", "neuron", "layer")
MAX_PRECISION = 15

EXIT_OK = 0
EXIT_STOPPED = 1  # train: training diverged; export: the step is not finite
EXIT_ERROR = 2  # bad input or arguments
EXIT_INTERRUPTED = 130  # ctrl+c
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE)

NET_HELP = (
    "a network file (.toml or .json) or a preset name (see 'nntui presets'); "
    "default: the worked example"
)

EXIT_STATUS_TEXT = """exit status:
  0    success
  1    train: training stopped early because it diverged (the message says where);
       export: the step overflows (a loss, gradient or new parameter is not finite)
  2    bad input: a malformed network file, an unknown preset, bad arguments;
       one line on stderr, 'nntui: error: ...', and nothing on stdout
  130  interrupted (ctrl+c)"""


class UsageError(Exception):
    """Bad input: reported as one line `nntui: error: {message}`, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one error line, never the multi-line usage."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(" ".join(message.split()))


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=80)


def _precision(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_PRECISION:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to {MAX_PRECISION}, got {text!r}"
        )
    return value


def _steps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def _main_parser() -> _Parser:
    parser = _Parser(
        prog="nntui",
        usage="nntui [-h] [--version] [NET]\n       nntui {export,train,presets} [-h] ...",
        description=_wrap(
            "A terminal visual debugger for the arithmetic of a neural network: step through "
            "one training iteration number by number, export it as a worked example, or train."
        ),
        epilog=(
            "commands:\n"
            "  nntui [NET]            open the debugger on NET\n"
            "  nntui export [NET]     trace one full training step and print it "
            "(markdown, latex or json)\n"
            "  nntui train [NET]      run N full-batch training steps as fast as possible\n"
            "  nntui presets          list the built-in networks\n"
            "\n"
            "'nntui COMMAND --help' describes a command. A network file named like a command\n"
            "can be opened as ./export.\n\n" + EXIT_STATUS_TEXT
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("net", nargs="?", metavar="NET", help=NET_HELP)
    parser.add_argument("--version", action="version", version=f"nntui {__version__}")
    return parser


def _export_parser() -> _Parser:
    parser = _Parser(
        prog="nntui export",
        description=_wrap(
            "Trace one full training step of NET (forward pass, loss, backpropagation, "
            "parameter update, forward pass again) and print it: a Markdown or LaTeX handout "
            "with every step, or the nntui-trace/1 JSON document."
        ),
        epilog=EXIT_STATUS_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("net", nargs="?", metavar="NET", help=NET_HELP)
    parser.add_argument(
        "--format", choices=EXPORT_FORMATS, default="markdown", help="default: markdown"
    )
    parser.add_argument(
        "--precision",
        type=_precision,
        default=3,
        metavar="N",
        help=f"decimals of the numbers written, 0 to {MAX_PRECISION}; default: 3",
    )
    parser.add_argument(
        "--granularity",
        choices=GRANULARITIES,
        default="parameter",
        help="one step per number (parameter, the default), per neuron or per layer",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )
    return parser


def _train_parser() -> _Parser:
    parser = _Parser(
        prog="nntui train",
        description=_wrap(
            "Run N full-batch gradient descent steps on NET as fast as the machine allows. "
            "text (the default) shows a progress bar on stderr and a summary on stdout; json "
            "prints the nntui-train/1 document (loss history of N+1 values, the network after). "
            "Training stops early at the first step whose loss or gradient is not finite and "
            "keeps the last finite parameters; the summary (text) or the 'stopped' key (json) "
            "says why, and the exit status is 1."
        ),
        epilog=EXIT_STATUS_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("net", nargs="?", metavar="NET", help=NET_HELP)
    parser.add_argument(
        "--steps", type=_steps, required=True, metavar="N", help="how many steps (>= 0)"
    )
    parser.add_argument("--format", choices=TRAIN_FORMATS, default="text", help="default: text")
    return parser


def _presets_parser() -> _Parser:
    return _Parser(
        prog="nntui presets",
        description="List the built-in networks, one per line: name, shape, description.",
    )


# -- running ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (never raises, never a traceback)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args)
    except UsageError as err:
        return _fail(str(err))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except SystemExit as exit_:  # --help, --version
        return exit_.code if isinstance(exit_.code, int) else EXIT_OK
    except Exception as err:  # a bug: still one line, no traceback
        return _fail(f"unexpected {type(err).__name__}: {err}")


def _fail(message: str) -> int:
    try:
        sys.stderr.write(f"nntui: error: {' '.join(message.split())}\n")
        sys.stderr.flush()
    except (OSError, AttributeError, ValueError):
        pass
    return EXIT_ERROR


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the exit flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def _dispatch(args: list[str]) -> int:
    command = args[0] if args else None
    if command == "export":
        return _export(_export_parser().parse_args(args[1:]))
    if command == "train":
        return _train(_train_parser().parse_args(args[1:]))
    if command == "presets":
        _presets_parser().parse_args(args[1:])
        return _presets()
    return _debugger(_main_parser().parse_args(args))


def _resolve(net_arg: str | None, *, build: bool = True) -> Any:
    """The network NET names; without `build`, a file or hand-written preset stays a checked
    `NetworkSpec` (no NumPy yet: the debugger draws it first)."""
    from nntui.engine.loader import NetworkFileError
    from nntui.engine.presets import resolve_network, resolve_source

    try:
        return resolve_network(net_arg) if build else resolve_source(net_arg)
    except NetworkFileError as err:
        raise UsageError(str(err)) from None


def _emit(text: str) -> None:
    """Write to stdout as UTF-8, whatever the locale says."""
    stream = sys.stdout
    if stream is None:
        raise UsageError("cannot write the output: standard output is closed")
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    buffer = getattr(stream, "buffer", None)
    try:
        if encoding != "utf8" and buffer is not None:
            stream.flush()
            buffer.write(text.encode("utf-8"))
            buffer.flush()
        else:
            stream.write(text)
            stream.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        raise UsageError(f"cannot write the output: {err.strerror or err}") from None


def _debugger(args: argparse.Namespace) -> int:
    net = _resolve(args.net, build=False)  # errors exit here, before the terminal is taken
    from nntui.app.main import run_app

    return run_app(net, source=args.net or "worked-example")


def _export(args: argparse.Namespace) -> int:
    from nntui.engine.trace import build_trace, estimated_steps
    from nntui.export import render_json, render_latex, render_markdown

    net = _resolve(args.net)
    render = {"json": render_json, "markdown": render_markdown, "latex": render_latex}
    steps = estimated_steps(net, args.granularity)
    if steps > 5_000 and _stderr_is_terminal():
        # Long work shows that it is working (on stderr: stdout carries the document).
        from rich.console import Console

        note = f"tracing ~{steps:,} steps and writing them as {args.format}…"
        with Console(stderr=True).status(note):
            trace = build_trace(net, args.granularity)
            text = "" if trace.problem else render[args.format](trace, args.precision)
    else:
        trace = build_trace(net, args.granularity)
        text = "" if trace.problem else render[args.format](trace, args.precision)
    if trace.problem:
        # Not an exact step: inf and NaN have no place in the handout or the JSON contract.
        _fail(f"{args.net or 'worked-example'}: this training step overflows: {trace.problem}")
        return EXIT_STOPPED
    if not text.endswith("\n"):
        text += "\n"
    if args.output is None:
        _emit(text)
        return EXIT_OK
    try:
        with open(args.output, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
    except OSError as err:
        raise UsageError(f"{args.output}: cannot write: {err.strerror or err}") from None
    return EXIT_OK


def _presets() -> int:
    from nntui.engine.presets import presets_listing

    _emit("".join(line + "\n" for line in presets_listing()))
    return EXIT_OK


def _train(args: argparse.Namespace) -> int:
    from nntui.engine.compute import forward
    from nntui.engine.presets import shape_text
    from nntui.engine.training import train
    from nntui.export import json_safe

    net = _resolve(args.net)
    steps = args.steps
    start = time.perf_counter()
    if args.format == "text" and _stderr_is_terminal() and steps > 0:
        result = _train_with_progress(net, steps)
    else:
        result = train(net, steps)
    seconds = time.perf_counter() - start
    if args.format == "json":
        after = forward(result.network)
        document: dict[str, Any] = {
            "format": "nntui-train/1",
            "steps": result.steps_done,
            "loss_history": [float(v) for v in result.loss_history],
            "network_after": result.network.to_dict(),
            "per_sample_after": [
                {"output": after.output[s].tolist(), "loss": float(after.losses[s])}
                for s in range(result.network.n_samples)
            ],
            "loss_after": after.loss,
        }
        if result.message is not None:
            document["stopped"] = result.message
        text = json.dumps(json_safe(document), indent=2, ensure_ascii=False, allow_nan=False)
        _emit(text + "\n")
    else:
        name = net.name or (args.net or "worked-example")
        rate = result.steps_done / seconds if seconds > 0 else float("inf")
        lines = [
            f"network: {name} ({shape_text(net)})",
            f"steps:   {result.steps_done:,} of {steps:,}",
            f"loss:    {_loss(result.loss_before)} → {_loss(result.loss_after)}",
            f"speed:   {rate:,.0f} steps/s ({seconds:.2f} s)"
            if math.isfinite(rate)
            else f"speed:   ({seconds:.2f} s)",
        ]
        if result.message is not None:
            lines.append(f"stopped: {result.message}")
        _emit("".join(line + "\n" for line in lines))
    return EXIT_STOPPED if result.diverged else EXIT_OK


def _loss(value: float) -> str:
    return f"{value:.6g}" if math.isfinite(value) else str(value)


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _train_with_progress(net: Any, steps: int) -> Any:
    """Train with a transient Rich progress bar on stderr."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from nntui.engine.training import train

    progress = Progress(
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        task = progress.add_task("train", total=steps)
        return train(
            net,
            steps,
            on_progress=lambda done: progress.update(task, completed=done),
            progress_every=max(1, min(1000, steps // 100)),
        )
