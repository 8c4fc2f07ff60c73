"""How the debugger copes with many samples: time to open, time and memory per iteration.

Run from the project root:  python benchmarks/bench_samples.py  [--iterations N]

For a 1-1 linear network on 10³, 10⁴ and 10⁵ samples (written to a temporary JSON file), each
in a fresh process so that its peak memory is its own:

* open: reading the file and building the `Session` (what the debugger does before the first
  key can act);
* iteration: `finish` then `next` (the whole trace of the next iteration), the median of N;
* growth: the process's resident memory after N more iterations minus before them, once the
  history holds the traces it keeps (`KEEP_TRACES`): it must not grow with every iteration;
* export: `nntui export FILE --granularity layer --format json` as a subprocess, wall time and
  peak memory.

The baseline, measured in the same process, is one full-batch training step of the same
network (`nntui.engine.training.train(net, 1)`: the engine's vectorised arithmetic with no
trace); the ratio says what stepping an iteration costs over computing it. Targets: growth
under 50 MB over N iterations, and an iteration under 0.5 s at every size (a key press).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (1_000, 10_000, 100_000)
GROWTH_LIMIT_MB = 50.0
ITERATION_LIMIT_S = 0.5


def write_network(path: Path, count: int) -> None:
    import random

    rng = random.Random(0)
    xs = [round(rng.uniform(-1, 1), 3) for _ in range(count)]
    document = {
        "name": f"1-1 on {count} samples",
        "loss": "half_sse",
        "learning_rate": 0.1,
        "layers": [{"activation": "linear", "weights": [[0.5]], "biases": [0.1]}],
        "samples": [{"x": [x], "y": [2 * x + 1]} for x in xs],
    }
    path.write_text(json.dumps(document))


def rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    with open("/proc/self/statm") as file:
        pages = int(file.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def measure_in_process(path: str, iterations: int) -> dict[str, float]:
    """Run in a child process: open, iterate, and the training-step baseline."""
    from nntui.engine.loader import load_network
    from nntui.engine.training import train
    from nntui.session import Session

    start = time.perf_counter()
    net = load_network(path)
    session = Session(net)
    opened = time.perf_counter() - start
    baseline = min(_timed(lambda: train(net, 1)) for _ in range(5))
    from nntui.session import KEEP_TRACES

    times = []
    for _ in range(KEEP_TRACES + 2):  # the history fills up with the traces it keeps
        times.append(_timed(lambda: (session.finish(), session.next())))
    kept = rss_mb()
    for _ in range(iterations):
        times.append(_timed(lambda: (session.finish(), session.next())))
    growth = rss_mb() - kept
    return {
        "open": opened,
        "iteration": statistics.median(times),
        "baseline": baseline,
        "growth": growth,
        "steps": len(session.steps),
    }


def _timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def measure_export(path: str) -> tuple[float, float]:
    """Wall seconds and peak MB of `nntui export --granularity layer --format json`."""
    code = (
        "import resource, sys, time; from nntui.cli import main; t = time.perf_counter(); "
        "status = main(sys.argv[1:]); sys.stderr.write("
        "f'@@{time.perf_counter() - t} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n');"
        " sys.exit(status)"
    )
    target = f"{path}.trace.json"
    argv = ["export", path, "--granularity", "layer", "--format", "json", "-o", target]
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=False
    )
    Path(target).unlink(missing_ok=True)
    marker = [line for line in out.stderr.splitlines() if line.startswith("@@")]
    if out.returncode != 0 or not marker:
        raise SystemExit(f"export failed: {out.stderr.strip()}")
    seconds, kilobytes = marker[-1][2:].split()
    return float(seconds), int(kilobytes) / 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = measure_in_process(args.child[0], int(args.child[1]))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        print(json.dumps({**result, "peak": peak}))
        return 0
    rows = []
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for count in SIZES:
            path = Path(folder) / f"samples-{count}.json"
            write_network(path, count)
            child = subprocess.run(
                [sys.executable, __file__, "--child", str(path), str(args.iterations)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(child.stdout)
            export_s, export_mb = measure_export(str(path))
            ratio = result["iteration"] / result["baseline"]
            good = result["growth"] < GROWTH_LIMIT_MB and result["iteration"] < ITERATION_LIMIT_S
            ok &= good
            rows.append(
                f"| {count:>7,} | {result['open'] * 1e3:7.1f} ms | {result['steps']:5} "
                f"| {result['iteration'] * 1e3:7.2f} ms | {result['baseline'] * 1e3:7.2f} ms "
                f"| {ratio:6.1f}× | {result['growth']:+6.1f} MB | {result['peak']:6.0f} MB "
                f"| {export_s:6.2f} s | {export_mb:6.0f} MB | {'PASS' if good else 'FAIL'} |"
            )
    print(
        f"1-1 linear network; iteration = finish + next, median; growth = memory after "
        f"{args.iterations} more iterations once the history keeps its traces\n"
    )
    print(
        "| samples | open | steps | iteration | train step | ratio | growth | peak "
        "| export json | export peak | |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
