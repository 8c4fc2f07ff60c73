"""How the debugger copes with big networks: time to open, and the cost of a step key.

Run from the project root:  python benchmarks/bench_big.py  [--repeats N] [--presses N]

Three networks:
  * mnist-784, the 784-32-10 preset (25,450 parameters, two samples);
  * a 12-layer network: 4 inputs, twelve tanh layers of 8 neurons, four samples (seeded);
  * 784-128-10, ReLU then softmax, two samples (seeded): 101,770 parameters, which must open
    at layer granularity (`default_granularity`).

Opening is building the `Session` (one training step and its trace at the default
granularity), best and median of several repeats. The step keys are measured as in
bench_ui.py (b): Pilot at 120×36, N presses each of an unbound key, "space" and "left",
interleaved over rounds; extra = step key minus the unbound key, on both clocks. Target: each
key answered in under 100 ms of extra CPU time (see bench_ui.py for why CPU and not wall).

For information, and because "g" cycles parameter → neuron → layer from wherever it is, the
last table is the time to re-cut each network's iteration at every granularity (what pressing
"g" costs before the next frame); the 784-128-10 network is skipped at parameter granularity
(over 200,000 steps), where it would take minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
from bench_ui import measure_keys, report_keys

from nntui.engine.network import Layer, Network
from nntui.engine.presets import PRESETS
from nntui.engine.trace import build_trace, default_granularity
from nntui.session import Session

TARGET = 100.0
MAX_STEPS_BIG = 100


def _dense(rng: np.random.Generator, activation: str, fan_in: int, size: int) -> Layer:
    weights = np.round(rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=(size, fan_in)), 4)
    return Layer(activation, weights, np.zeros(size))


def twelve_layers(seed: int = 12) -> Network:
    """4 inputs, twelve tanh layers of 8 neurons, four samples, half squared error."""
    rng = np.random.default_rng(seed)
    layers = tuple(_dense(rng, "tanh", 4 if index == 0 else 8, 8) for index in range(12))
    inputs = np.round(rng.uniform(-1.0, 1.0, size=(4, 4)), 2)
    targets = np.round(rng.uniform(-0.8, 0.8, size=(4, 8)), 2)
    return Network(layers, inputs, targets, "half_sse", 0.1, name="Twelve layers: 4-8×12, tanh")


def wide_784_128_10(seed: int = 784) -> Network:
    """784-128-10, ReLU then softmax, two samples: 101,770 parameters."""
    rng = np.random.default_rng(seed)
    layers = (_dense(rng, "relu", 784, 128), _dense(rng, "softmax", 128, 10))
    inputs = np.round(rng.uniform(0.0, 1.0, size=(2, 784)), 2)
    targets = np.eye(10)[[3, 7]]
    return Network(layers, inputs, targets, "cross_entropy", 0.1, name="Wide: 784-128-10")


NETWORKS: list[tuple[str, Callable[[], Network]]] = [
    ("mnist-784", PRESETS["mnist-784"].build),
    ("12-layer 4-8×12", twelve_layers),
    ("784-128-10", wide_784_128_10),
]


def time_open(build: Callable[[], Network], repeats: int) -> tuple[list[float], Session]:
    network = build()
    times = []
    session = None
    for _ in range(repeats):
        start = time.perf_counter()
        session = Session(network)
        times.append((time.perf_counter() - start) * 1000)
    assert session is not None
    return times, session


def report_open(repeats: int) -> bool:
    print("opening: building the Session (trace at the default granularity), ms")
    print(f"    {'network':<18} {'params':>8} {'samples':>7} {'granularity':<11} {'steps':>6} "
          f"{'best':>7} {'median':>7}  check")  # fmt: skip
    ok = True
    for name, build in NETWORKS:
        times, session = time_open(build, repeats)
        net = session.network
        check = ""
        if net.n_params > 100_000:
            passed = session.granularity == "layer" and len(session.steps) < MAX_STEPS_BIG
            ok = ok and passed and default_granularity(net) == "layer"
            check = f"{'PASS' if passed else 'FAIL'} (layer, < {MAX_STEPS_BIG} steps)"
        print(
            f"    {name:<18} {net.n_params:>8,} {net.n_samples:>7} {session.granularity:<11} "
            f"{len(session.steps):>6} {min(times):7.0f} {statistics.median(times):7.0f}  {check}"
        )
    return ok


def report_granularities() -> None:
    print("re-cutting an iteration (build_trace) at each granularity, ms, one run each")
    print(f"    {'network':<18} {'granularity':<11} {'steps':>7} {'ms':>8}")
    for name, build in NETWORKS:
        net = build()
        for granularity in ("layer", "neuron", "parameter"):
            if granularity == "parameter" and net.n_params > 100_000:
                print(f"    {name:<18} {granularity:<11} {'':>7} {'skipped':>8}")
                continue
            start = time.perf_counter()
            trace = build_trace(net, granularity)
            elapsed = (time.perf_counter() - start) * 1000
            print(f"    {name:<18} {granularity:<11} {len(trace.steps):>7,} {elapsed:8.0f}")
            del trace


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds per measurement")
    parser.add_argument("--presses", type=int, default=10, help="presses per key per round")
    parser.add_argument(
        "--skip-granularities", action="store_true", help="leave out the last (slow) table"
    )
    args = parser.parse_args()
    ok = report_open(max(3, args.repeats))
    print()
    cases = [
        asyncio.run(
            measure_keys(name, build, presses=args.presses, repeats=args.repeats, target=TARGET)
        )
        for name, build in NETWORKS
    ]
    ok = report_keys("step keys, Pilot at 120×36", cases, show_open=True) and ok
    if not args.skip_granularities:
        print()
        report_granularities()
    print()
    print("all targets met" if ok else "some targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
