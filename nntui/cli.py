"""The command line (SPEC §2): the debugger, `export`, `train`, `presets`, `new`, `gradcheck`,
`serve`.

Every error is one line on stderr, `nntui: error: ...`, with exit status 2 and nothing on
stdout; never a traceback, never a NumPy warning. Textual is only imported when the debugger
starts. Nothing from outside reaches the terminal raw: every line written goes through
`printable` (a network's name, a path, an unknown key or argument echoed back), error lines
are cut at `LINE_LIMIT` characters, and the JSON documents escape every control and format
character (`\u001b`, `\u202e`) so they parse to the same strings. A file is written only
through `write_text_atomic`: all or nothing, never over an existing file without `--force`,
never over the network file being read (`export -o`, `train -o`, `new -o`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import stat
import sys
import textwrap
import time
from collections.abc import Sequence
from typing import Any, NoReturn

from nntui import __version__
from nntui.engine.spec import PARAMETER_STEPS_UP_TO, TRACE_SAMPLES
from nntui.engine.text import LINE_LIMIT, printable

COMMANDS = ("export", "train", "presets", "new", "gradcheck", "serve")
GRADCHECK_FORMATS = ("text", "json")
TOLERANCE_TEXT = "1e-6"  # gradcheck's tolerance as people write it (engine.gradcheck.TOLERANCE)
EXPORT_FORMATS = ("json", "markdown", "latex")
TRAIN_FORMATS = ("json", "text")
GRANULARITIES = ("parameter", "neuron", "layer")
MAX_PRECISION = 15

EXIT_OK = 0
EXIT_STOPPED = 1  # train: diverged; export: the step is not finite; gradcheck: disagreement
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
       export: the step overflows (one of its numbers is not finite: the message names
       it); nothing is written; gradcheck: the largest relative error exceeds 1e-6
  2    bad input: a malformed network file, an unknown preset, bad arguments, an
       output file that exists (without --force) or is the network itself,
       no terminal for the debugger, serve without its extra or on a port in use;
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
        usage=(
            "nntui [-h] [--version] [--record FILE [--force]] [--replay FILE] [NET]\n"
            "       nntui {export,train,presets,new,gradcheck,serve} [-h] ..."
        ),
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
            "  nntui new SHAPE        write a new network file, e.g. SHAPE 2-3-1\n"
            "  nntui gradcheck [NET]  check backpropagation against finite differences\n"
            "  nntui serve [NET]      the debugger in a web browser\n"
            "\n"
            "'nntui COMMAND --help' describes a command. A network file named like a command\n"
            "can be opened as ./export.\n\n" + EXIT_STATUS_TEXT
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("net", nargs="?", metavar="NET", help=NET_HELP)
    parser.add_argument("--version", action="version", version=f"nntui {__version__}")
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="write the session's keys to FILE when it ends (for --replay)",
    )
    parser.add_argument(
        "--replay",
        metavar="FILE",
        help="play the keys of a recording first, on the network it was made on",
    )
    parser.add_argument(
        "--force", action="store_true", help="with --record: replace FILE if it exists"
    )
    # `nntui serve` runs the debugger with this: only presets and files under DIR (SPEC §8).
    parser.add_argument("--root", metavar="DIR", help=argparse.SUPPRESS)
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
        default=None,
        help=(
            "one step per number (parameter, the document's way), per neuron, or per layer "
            "in matrix form; default: what the debugger would choose for NET, parameter for "
            "small networks and layer when parameters × samples traced (at most "
            f"{TRACE_SAMPLES}) exceed {PARAMETER_STEPS_UP_TO} (a note on stderr says so)"
        ),
    )
    parser.add_argument(
        "--samples",
        metavar="WHICH",
        type=_samples,
        default=None,
        help=(
            "the samples whose own steps are traced: 'all', or indices and ranges from 0 "
            f"like '0-15' or '3,7,20-29'; default: all, or the first {TRACE_SAMPLES} of a "
            "bigger data set (a note on stderr says so). The batch's steps always use every "
            "sample."
        ),
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=(
            "write to FILE instead of standard output, atomically (all or nothing); "
            "an existing FILE is replaced only with --force, and never when it is NET itself"
        ),
    )
    parser.add_argument(
        "--force", action="store_true", help="with -o: replace FILE if it already exists"
    )
    return parser


def _train_parser() -> _Parser:
    parser = _Parser(
        prog="nntui train",
        description=_wrap(
            "Run N full-batch gradient descent steps on NET as fast as the machine allows. "
            "text (the default) shows a progress bar on stderr and a summary on stdout; json "
            "prints the nntui-train/1 document (loss history of N+1 values, the network after). "
            "A network whose file names its data ([data]) also gets the loss on the samples it "
            "holds out (test_fraction) and, for classes, the share of samples classified "
            "right, before and after. Training stops early at the first step whose loss or "
            "gradient is not finite and keeps the last finite parameters; the summary (text) or "
            "the 'stopped' key (json) says why, and the exit status is 1."
        ),
        epilog=EXIT_STATUS_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("net", nargs="?", metavar="NET", help=NET_HELP)
    parser.add_argument(
        "--steps", type=_steps, required=True, metavar="N", help="how many steps (>= 0)"
    )
    parser.add_argument("--format", choices=TRAIN_FORMATS, default="text", help="default: text")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=(
            "also write the trained network to FILE (.json: JSON, else TOML), atomically; "
            "an existing FILE is replaced only with --force, and never when it is NET itself"
        ),
    )
    parser.add_argument(
        "--force", action="store_true", help="with -o: replace FILE if it already exists"
    )
    return parser


def _seed(text: str) -> int:
    from nntui.engine.new import MAX_SEED

    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to 2**64 - 1, got {text[:40]!r}"
        )
    return value


def _new_parser() -> _Parser:
    from nntui.engine.data import GENERATORS
    from nntui.engine.edit import MAX_LAYERS, MAX_NEURONS, MAX_PARAMETERS
    from nntui.engine.init import INITIALISATIONS

    parser = _Parser(
        prog="nntui new",
        description=_wrap(
            "Write a new network file: SHAPE like 2-3-1 (inputs, then each layer's neurons), "
            "weights drawn from an initialisation with a seed, biases 0, one sample (or the "
            "data of a generator). Without -o the TOML file is printed on standard output."
        ),
        epilog=(
            f"SHAPE: up to {MAX_LAYERS} layers, {MAX_NEURONS:,} neurons a column and "
            f"{MAX_PARAMETERS:,} parameters.\n\n" + EXIT_STATUS_TEXT
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shape", metavar="SHAPE", help="inputs and layers, e.g. 2-3-1")
    parser.add_argument(
        "--activations",
        metavar="A,B,...",
        help=(
            "one activation per layer, input side first (e.g. relu,sigmoid); default: relu "
            "for the hidden layers, and the output the loss needs (sigmoid for one output, "
            "softmax for several without --loss)"
        ),
    )
    parser.add_argument(
        "--loss",
        metavar="L",
        help=(
            "half_sse, sse, mse, bce or cross_entropy; default: the one the output needs "
            "(bce for sigmoid, cross_entropy for softmax, else half_sse)"
        ),
    )
    parser.add_argument(
        "--init",
        choices=tuple(INITIALISATIONS),
        help=(
            "the weights' initialisation; default: he when the hidden layers are relu, else xavier"
        ),
    )
    parser.add_argument(
        "--seed", type=_seed, default=0, metavar="N", help="the generator's seed; default: 0"
    )
    parser.add_argument(
        "--data",
        metavar="GEN",
        help=(
            f"name a generated data set ({', '.join(GENERATORS)}: 200 points in the plane, "
            "noise 0.1, a fifth held out, the same seed) instead of the one sample; SHAPE "
            "must then start with 2"
        ),
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=(
            "write to FILE (.json: JSON, else TOML) instead of standard output, atomically; "
            "an existing FILE is replaced only with --force"
        ),
    )
    parser.add_argument(
        "--force", action="store_true", help="with -o: replace FILE if it already exists"
    )
    return parser


def _presets_parser() -> _Parser:
    return _Parser(
        prog="nntui presets",
        description="List the built-in networks, one per line: name, shape, description.",
    )


def _gradcheck_parser() -> _Parser:
    parser = _Parser(
        prog="nntui gradcheck",
        description=_wrap(
            "Check backpropagation against calculus: every parameter's gradient of the batch "
            "loss as backprop computes it, beside its central finite difference and their "
            "relative error, one line each; the last line names the largest relative error. "
            "The exit status is 1 when it exceeds 1e-6."
        ),
        epilog=EXIT_STATUS_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("net", nargs="?", metavar="NET", help=NET_HELP)
    parser.add_argument(
        "--format",
        choices=GRADCHECK_FORMATS,
        default="text",
        help="a table (text), or the nntui-gradcheck/1 JSON document; default: text",
    )
    return parser


def _serve_parser() -> _Parser:
    from nntui.serve import DEFAULT_HOST, DEFAULT_PORT

    parser = _Parser(
        prog="nntui serve",
        description=_wrap(
            "Serve the debugger on NET to web browsers (Textual's textual-serve, an optional "
            "extra: pip install 'nntui[serve]'). Each browser tab runs its own debugger; its "
            "user can open only presets and files under the directory nntui serve was started "
            "in. ctrl+c stops the server."
        ),
        epilog=EXIT_STATUS_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("net", nargs="?", metavar="NET", help=NET_HELP)
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        metavar="H",
        help=f"the address to listen on; default: {DEFAULT_HOST} (this machine only)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar="P",
        help=f"the port to listen on, 1 to 65535; default: {DEFAULT_PORT}",
    )
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 65535, got {text!r}")
    return value


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
    """One error line on stderr; returns EXIT_ERROR."""
    _stderr_line(f"nntui: error: {printable(message, LINE_LIMIT)}")
    return EXIT_ERROR


def _note(message: str) -> None:
    """One line on stderr that is not an error (stdout carries the document)."""
    _stderr_line(f"nntui: note: {printable(message, LINE_LIMIT)}")


def _stderr_line(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, AttributeError, ValueError):
        pass


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
    if command == "new":
        return _new(_new_parser().parse_args(args[1:]))
    if command == "gradcheck":
        return _gradcheck(_gradcheck_parser().parse_args(args[1:]))
    if command == "serve":
        return _serve(_serve_parser().parse_args(args[1:]))
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
    # Every error exits here, before the terminal is taken.
    replay = None if args.replay is None else _replay(args.replay, args.net)
    net_arg = args.net if replay is None else replay.net
    if args.force and args.record is None:
        raise UsageError("--force: goes with --record FILE (it says FILE may be replaced)")
    try:
        net = _resolve(net_arg, build=False)
    except UsageError as err:
        if replay is None:
            raise
        raise UsageError(f"{args.replay}: the recorded network: {err}") from None
    source = net_arg or "worked-example"
    if args.root is not None:
        if args.record is not None or replay is not None:
            raise UsageError("--record and --replay are for the terminal, not nntui serve")
        from nntui.serve import run_confined

        return run_confined(net, source=source, root=_root(args.root))
    recording = None
    if args.record is not None:
        if (
            args.replay is not None
            and _files_read(args.record).keys() & _files_read(args.replay).keys()
        ):
            raise UsageError(
                f"--record: {args.record} is the recording being replayed; record to another "
                "file (--force never replaces it)"
            )
        _check_output(args.record, force=args.force, read=_files_read(net_arg), reading="read")
        _check_directory(args.record)
        from nntui.recording import for_net

        recording = for_net(net_arg)
        if replay is not None:  # the new recording opens the same network the same way
            recording.preset, recording.file = replay.preset, replay.file
    from nntui.app.main import run_app

    return run_app(
        net,
        source=source,
        recording=recording,
        record_to=args.record,
        force=args.force,
        replay=replay,
    )


def _check_directory(path: str) -> None:
    """The directory a file is to be written in exists and takes files: said before the
    debugger starts, not after a whole session whose keys could not be kept."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"{path}: no such directory: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{path}: cannot write in {directory}: permission denied")


def _replay(path: str, net_arg: str | None) -> Any:
    """`--replay FILE`: the recording, checked; it names its own network, so no NET."""
    from nntui.engine.presets import PRESETS
    from nntui.recording import RecordingError, read_recording

    if net_arg is not None:
        raise UsageError(
            f"--replay {path}: give no NET (a recording plays on the network it was made on)"
        )
    try:
        replay = read_recording(path)
    except RecordingError as err:
        raise UsageError(str(err)) from None
    if replay.preset is not None and replay.preset not in PRESETS:
        shown = printable(replay.preset, 60)
        raise UsageError(f"{path}: preset: no preset {shown!r} (presets: {', '.join(PRESETS)})")
    return replay


def _root(text: str) -> str:
    """`--root DIR`: an existing directory, absolute."""
    if not os.path.isdir(text):
        raise UsageError(f"--root: {text}: not a directory")
    return os.path.abspath(text)


def _samples(text: str) -> tuple[int, ...] | str:
    """`--samples`: 'all', or indices and inclusive ranges like '0-15' or '3,7,20-29'."""
    if text.strip() == "all":
        return "all"
    chosen: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low, high = int(first), int(last) if dash else int(first)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected 'all' or indices and ranges like 0-15,20, got {text!r}"
            ) from None
        if low < 0 or high < low or high - low > 10_000_000:
            raise argparse.ArgumentTypeError(f"not a range of sample indices: {part.strip()!r}")
        chosen.update(range(low, high + 1))
    return tuple(sorted(chosen))


def _export(args: argparse.Namespace) -> int:
    from nntui.engine.trace import (
        build_trace,
        default_granularity,
        default_samples,
        estimated_steps,
    )
    from nntui.export import render_json, render_latex, render_markdown

    read = _files_read(args.net)
    net = _resolve(args.net)
    name = args.net or "worked-example"
    # Before any work: an output that would destroy a file is refused now, not after tracing.
    if args.output is not None:
        _check_output(args.output, force=args.force, read=read)
    else:
        _check_stdout(read)
    granularity = args.granularity or default_granularity(net)
    render = {"json": render_json, "markdown": render_markdown, "latex": render_latex}
    chosen = _chosen_samples(args, net, default_samples(net))
    steps = estimated_steps(net, granularity, len(chosen))
    if steps > 5_000 and _stderr_is_terminal():
        # Long work shows that it is working (on stderr: stdout carries the document).
        from rich.console import Console

        note = f"tracing ~{steps:,} steps and writing them as {args.format}…"
        with Console(stderr=True).status(note):
            trace = build_trace(net, granularity, chosen)
            text = "" if trace.problem else render[args.format](trace, args.precision)
    else:
        trace = build_trace(net, granularity, chosen)
        text = "" if trace.problem else render[args.format](trace, args.precision)
    if trace.problem:
        # Not an exact step: inf and NaN have no place in the handout or the JSON contract.
        _fail(f"{name}: this training step overflows: {trace.problem}")
        return EXIT_STOPPED
    if args.granularity is None and granularity != "parameter":
        every = estimated_steps(net, "parameter")
        _note(
            f"{name} is big ({net.n_params:,} parameters × {_count(net.n_samples, 'sample')}): "
            f"one step per {granularity}, {len(trace.steps):,} steps; "
            f"--granularity parameter writes every number (~{every:,} steps)"
        )
    if args.samples is None and not trace.all_samples:
        _note(
            f"{name} has {net.n_samples:,} samples: the steps of samples {chosen[0]}–{chosen[-1]} "
            "are traced, the batch's steps use every sample; --samples all traces each one"
        )
    text = _visible_document(text, args.format)
    if not text.endswith("\n"):
        text += "\n"
    if args.output is None:
        _emit(text)
        return EXIT_OK
    _write(args.output, text, force=args.force)
    return EXIT_OK


def _chosen_samples(
    args: argparse.Namespace, net: Any, default: tuple[int, ...]
) -> tuple[int, ...]:
    """The samples `--samples` names, checked against NET; its default when not given."""
    given = args.samples
    if given is None:
        return default
    if given == "all":
        return tuple(range(net.n_samples))
    if given[-1] >= net.n_samples:
        count = _count(net.n_samples, "sample")
        raise UsageError(
            f"--samples: sample {given[-1]} does not exist (NET has {count}, numbered from 0)"
        )
    return given


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


# -- files ------------------------------------------------------------------------------------

#: A file as the system knows it: (device, inode). Two paths name the same file, through a
#: symbolic link, a hard link or another spelling (`./net.toml`, `dir/../net.toml`), exactly
#: when their identities are equal.
FileId = tuple[int, int]


def _identity(status: os.stat_result) -> FileId:
    return status.st_dev, status.st_ino


def _files_read(net_arg: str | None) -> dict[FileId, str]:
    """The network file NET names (none for a preset), by identity, with the path as typed.
    NET names a file exactly when it exists (`resolve_source`)."""
    if net_arg is None:
        return {}
    try:
        return {_identity(os.stat(net_arg)): net_arg}
    except (OSError, ValueError):
        return {}


def _check_output(
    output: str, *, force: bool, read: dict[FileId, str], reading: str = "exported"
) -> None:
    """Refuse an output path that would destroy something (SPEC §8): a network file being
    read (even with --force, whatever the path's spelling or links), any existing file
    without --force, and anything that is not a regular file."""
    try:
        status = os.stat(output)
    except FileNotFoundError:
        if os.path.islink(output) and not force:  # a dangling link is still a name in use
            raise UsageError(f"{output}: already exists (a symbolic link); add --force") from None
        return
    except (OSError, ValueError):
        return  # the write names the problem (a path too long, a NUL, no permission)
    source = read.get(_identity(status))
    if source is not None:
        same = "" if source == output else f" ({source})"
        raise UsageError(
            f"{output}: is the network file being {reading}{same}; "
            "write to another file (--force never replaces it)"
        )
    if stat.S_ISDIR(status.st_mode):
        raise UsageError(f"{output}: is a directory")
    if not stat.S_ISREG(status.st_mode):
        from nntui.files import file_kind

        raise UsageError(
            f"{output}: not a regular file ({file_kind(status.st_mode)}); "
            "leave out -o to write to standard output"
        )
    if not force:
        raise UsageError(f"{output}: already exists; add --force to replace it")


def _check_stdout(read: dict[FileId, str]) -> None:
    """`nntui export net.toml >> net.toml` would append the handout to the network."""
    try:
        status = os.fstat(sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        return
    source = read.get(_identity(status))
    if source is not None and stat.S_ISREG(status.st_mode):
        raise UsageError(f"{source}: standard output is this network file; write elsewhere")


def _write(output: str, text: str, *, force: bool) -> None:
    """`text` into `output`, atomically; one error line for anything that goes wrong."""
    from nntui.files import write_text_atomic

    try:
        write_text_atomic(output, text, overwrite=force)
    except FileExistsError:
        raise UsageError(f"{output}: already exists; add --force to replace it") from None
    except OSError as err:
        raise UsageError(f"{output}: cannot write: {err.strerror or err}") from None
    except ValueError:  # a NUL character in the path
        raise UsageError(f"{output}: not a usable file name") from None


# -- what reaches the terminal ----------------------------------------------------------------


def _visible_document(text: str, fmt: str) -> str:
    """A document with no character a terminal would act on, whatever its strings hold.

    JSON: each control or format character is written as its `\\u` escape (json.dumps with
    ensure_ascii=False escapes only U+0000-U+001F; it leaves DEL, the C1 controls such as
    U+009B, a CSI to some terminals, the direction overrides U+202A-U+202E and U+2066-U+2069,
    and the line separators U+2028/U+2029 raw); the document parses to the same strings.
    Markdown and LaTeX: each is written visibly, as `printable` does (a handout already shows
    outside text that way; this is the last line of defence). Line breaks stay.
    """
    lines = text.split("\n")
    if all(line.isprintable() for line in lines):
        return text
    visible = _json_escape if fmt == "json" else printable
    return "\n".join(visible(line) for line in lines)


def _json_escape(line: str) -> str:
    if line.isprintable():
        return line
    out = []
    for char in line:
        if printable(char) == char:
            out.append(char)
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:  # a UTF-16 surrogate pair, as JSON writes a character beyond the BMP
            code = ord(char) - 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
    return "".join(out)


def _presets() -> int:
    from nntui.engine.presets import presets_listing

    _emit("".join(printable(line) + "\n" for line in presets_listing()))
    return EXIT_OK


def _train(args: argparse.Namespace) -> int:
    import numpy as np

    from nntui.engine.compute import forward
    from nntui.engine.evaluation import scores
    from nntui.engine.presets import shape_text
    from nntui.engine.training import train
    from nntui.export import json_safe

    read = _files_read(args.net)
    net = _resolve(args.net)
    if args.output is not None:  # refused now, not after training
        _check_output(args.output, force=args.force, read=read, reading="trained")
    steps = args.steps
    start = time.perf_counter()
    if args.format == "text" and _stderr_is_terminal() and steps > 0:
        result = _train_with_progress(net, steps)
    else:
        result = train(net, steps)
    seconds = time.perf_counter() - start
    if args.output is not None:
        _save(result.network, args.output, force=args.force)
    # Scored only for a network that names its data: the summary of every other stays as it was.
    scored = None if net.data is None else (scores(net), scores(result.network))
    if args.format == "json":
        with np.errstate(all="ignore"):  # a hidden layer may overflow; `stopped` says so
            after = forward(result.network)
        document: dict[str, Any] = {
            "format": "nntui-train/1",
            "steps": result.steps_done,
            "loss_history": [float(loss) for loss in result.loss_history],
            "network_after": result.network.to_dict(),
            "per_sample_after": [
                {"output": after.output[sample].tolist(), "loss": float(after.losses[sample])}
                for sample in range(result.network.n_samples)
            ],
            "loss_after": after.loss,
        }
        if scored is not None:
            document.update(_score_fields(*scored))
        if result.message is not None:
            document["stopped"] = result.message
        text = json.dumps(json_safe(document), indent=2, ensure_ascii=False, allow_nan=False)
        _emit(_visible_document(text, "json") + "\n")
    else:
        name = printable(net.name or (args.net or "worked-example"), LINE_LIMIT)
        rate = result.steps_done / seconds if seconds > 0 else float("inf")
        lines = [
            f"network: {name} ({shape_text(net)})",
            *([] if net.data is None else [f"data:    {net.data.description}"]),
            f"steps:   {result.steps_done:,} of {steps:,}",
            f"loss:    {_loss(result.loss_before)} → {_loss(result.loss_after)}",
            *([] if scored is None else _score_lines(net, *scored)),
            f"speed:   {rate:,.0f} steps/s ({seconds:.2f} s)"
            if math.isfinite(rate)
            else f"speed:   ({seconds:.2f} s)",
        ]
        if result.message is not None:
            lines.append(f"stopped: {result.message}")
        if args.output is not None:
            lines.append(f"written: {args.output}")
        _emit("".join(printable(line) + "\n" for line in lines))
    return EXIT_STOPPED if result.diverged else EXIT_OK


def _loss(value: float) -> str:
    return f"{value:.6g}" if math.isfinite(value) else str(value)


def _score_fields(before: Any, after: Any) -> dict[str, float]:
    """train --format json's additions for a network that names its data (`Scores` before and
    after training): the test loss with a test set, the accuracy for classes, both for both."""
    fields: dict[str, float] = {}
    for score in ("test_loss", "accuracy", "test_accuracy"):
        if getattr(before, score) is not None:
            fields[f"{score}_before"] = getattr(before, score)
            fields[f"{score}_after"] = getattr(after, score)
    return fields


def _score_lines(net: Any, before: Any, after: Any) -> list[str]:
    """The text summary's lines on the held-out samples and the accuracy (`Scores` before and
    after training)."""
    lines = []
    if before.test_loss is not None:
        held_out = _count(net.n_test_samples, "held-out sample")
        lines.append(
            f"test:    {_loss(before.test_loss)} → {_loss(after.test_loss)} "
            f"(the loss on the {held_out})"
        )
    if before.accuracy is not None:
        parts = [
            f"{before.accuracy:.1%} → {after.accuracy:.1%} of the "
            f"{_count(net.n_samples, 'training sample')}"
        ]
        if before.test_accuracy is not None:
            parts.append(
                f"{before.test_accuracy:.1%} → {after.test_accuracy:.1%} of the "
                f"{_count(net.n_test_samples, 'test sample')}"
            )
        lines.append(f"correct: {', '.join(parts)}")
    return lines


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


# -- gradcheck and serve --------------------------------------------------------------------------


def _gradcheck(args: argparse.Namespace) -> int:
    from nntui.engine.gradcheck import check_gradients

    net = _resolve(args.net)
    name = net.name or (args.net or "worked-example")
    if _stderr_is_terminal() and net.n_params * net.n_samples > 200_000:
        result = _gradcheck_with_progress(net)
    else:
        result = check_gradients(net)
    if not math.isfinite(result.loss):  # as export: one line, nothing on stdout
        _fail(
            f"{args.net or 'worked-example'}: the loss is not finite ({result.loss}): "
            "no gradient can be checked"
        )
        return EXIT_STOPPED
    if args.format == "json":
        _emit(_visible_document(_gradcheck_json(net, name, result), "json") + "\n")
    else:
        shown = printable(name, LINE_LIMIT)
        _emit("".join(printable(line) + "\n" for line in _gradcheck_lines(net, shown, result)))
    return EXIT_OK if result.passed else EXIT_STOPPED


def _gradcheck_with_progress(net: Any) -> Any:
    """`check_gradients` with a transient Rich progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from nntui.engine.gradcheck import check_gradients

    progress = Progress(
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        task = progress.add_task("gradcheck", total=net.n_params)
        return check_gradients(
            net, on_progress=lambda done, total: progress.update(task, completed=done)
        )


def _gradcheck_lines(net: Any, name: str, result: Any) -> list[str]:
    """The table: a header, one line per parameter, then the verdict on the largest error."""
    from nntui.engine.presets import shape_text

    width = max(len("parameter"), *(len(check.name) for check in result.parameters))
    lines = [
        f"network: {name} ({shape_text(net)}), {_count(net.n_params, 'parameter')}, "
        f"the loss of {net.batch.describe()}: {_loss(result.loss)}",
        f"{'parameter':<{width}}  {'backprop':>22}  {'finite difference':>22}  relative error",
    ]
    for check in result.parameters:
        difference = "—" if check.finite_difference is None else f"{check.finite_difference:.15g}"
        error = "at a corner" if check.relative_error is None else f"{check.relative_error:.1e}"
        lines.append(
            f"{check.name:<{width}}  {check.backprop:>22.15g}  {difference:>22}  {error:>14}"
        )
    lines.append(_gradcheck_verdict(result))
    return lines


def _gradcheck_verdict(result: Any) -> str:
    largest = result.largest
    if largest is None:
        return "no parameter could be checked: every one sits on a corner of relu"
    if math.isnan(largest.relative_error):
        return (
            f"the finite difference or the gradient of {largest.name} is not a number "
            "(a value overflows): the check fails"
        )
    where = f"largest relative error: {largest.relative_error:.1e} ({largest.name})"
    if result.passed:
        return f"{where}, within {TOLERANCE_TEXT}: backprop agrees with the finite differences"
    return f"{where}, above {TOLERANCE_TEXT}: backprop disagrees with the finite differences"


def _gradcheck_json(net: Any, name: str, result: Any) -> str:
    from nntui.engine.gradcheck import FLOOR, RELATIVE_STEPS, TOLERANCE
    from nntui.export import json_safe

    largest = result.largest
    document = {
        "format": "nntui-gradcheck/1",
        "network": name,
        "loss": result.loss,
        "tolerance": TOLERANCE,
        "relative_step": RELATIVE_STEPS[0],
        "floor": FLOOR * result.scale,
        "parameters": [
            {
                "name": check.name,
                "backprop": check.backprop,
                "finite_difference": check.finite_difference,
                "relative_error": check.relative_error,
            }
            for check in result.parameters
        ],
        "largest": None
        if largest is None
        else {"name": largest.name, "relative_error": largest.relative_error},
        "passed": result.passed,
    }
    return json.dumps(json_safe(document), indent=2, ensure_ascii=False, allow_nan=False)


def _serve(args: argparse.Namespace) -> int:
    _resolve(args.net, build=False)  # a bad NET is refused before anything is served
    from nntui.serve import ServeError, serve

    try:
        return serve(args.net, host=args.host, port=args.port, root=os.getcwd())
    except ServeError as err:
        raise UsageError(str(err)) from None


# -- new ------------------------------------------------------------------------------------------

#: How `nntui new` names each argument in an error line (an `EditError`'s field, its index cut).
_NEW_ARGUMENTS = {
    "shape": "SHAPE",
    "activations": "--activations",
    "loss": "--loss",
    "init": "--init",
    "seed": "--seed",
    "data": "--data",
}


def _new(args: argparse.Namespace) -> int:
    from nntui.engine.edit import EditError
    from nntui.engine.loader import dumps_toml
    from nntui.engine.new import new_network, parse_activations, parse_shape

    if args.output is not None:  # refused before anything is drawn
        _check_output(args.output, force=args.force, read={})
    try:
        shape = parse_shape(args.shape)
        activations = None if args.activations is None else parse_activations(args.activations)
        net = new_network(shape, activations, args.loss, args.init, args.seed, args.data)
    except EditError as err:
        raise UsageError(_new_error(err)) from None
    if args.output is None:
        _emit(dumps_toml(net))
    else:
        _save(net, args.output, force=args.force)
    return EXIT_OK


def _new_error(err: Any) -> str:
    """`argument --activations: layer 1: unknown activation 'sigmod'; did you mean 'sigmoid'?`"""
    name, _, index = err.field.partition("[")
    argument = _NEW_ARGUMENTS.get(name)
    if argument is None:
        return str(err)
    where = f"layer {index.rstrip(']')}: " if index else ""
    return f"argument {argument}: {where}{err.message}"


def _save(net: Any, output: str, *, force: bool) -> None:
    """`net` into the network file `output` (SPEC §8); one error line if that cannot be."""
    from nntui.engine.loader import NetworkFileError, save_network

    try:
        save_network(net, output, overwrite=force)
    except NetworkFileError as err:
        if err.message.startswith("already exists"):
            raise UsageError(f"{output}: already exists; add --force to replace it") from None
        raise UsageError(str(err)) from None
