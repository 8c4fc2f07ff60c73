"""Throughput of `nntui.engine.training.train` against a minimal hand-written NumPy loop.

Run from the project root:  python benchmarks/bench_train.py  [--repeats N]

Each case runs the same full-batch SGD arithmetic twice in one process, interleaved: once as
a few lines of NumPy written for that one network (what you would type yourself, loss recorded
every step), once through `training.train`. Each timing is the best of several repeats
(time.perf_counter). Both must end with the same parameters and losses (np.allclose), so the
comparison is honest. The target is nntui ≥ 0.8 × the hand loop's steps per second.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nntui.engine.network import Layer, Network
from nntui.engine.presets import worked_example
from nntui.engine.training import train

TARGET = 0.8
Params = list[np.ndarray]


def hand_relu_sigmoid(net: Network, steps: int) -> tuple[Params, np.ndarray]:
    """ReLU hidden layer, sigmoid output, half squared error, mean over samples."""
    (w0, b0), (w1, b1) = ((layer.weights.copy(), layer.biases.copy()) for layer in net.layers)
    x, y, lr = net.inputs, net.targets, net.learning_rate
    count = x.shape[0]
    losses = np.empty(steps + 1)
    for step in range(steps + 1):
        z0 = x @ w0.T + b0
        h = np.maximum(z0, 0.0)
        o = 1.0 / (1.0 + np.exp(-(h @ w1.T + b1)))
        diff = o - y
        losses[step] = 0.5 * np.sum(diff * diff) / count
        if step == steps:
            break
        d1 = diff * o * (1.0 - o) / count
        d0 = (d1 @ w1) * (z0 > 0)
        w1 -= lr * (d1.T @ h)
        b1 -= lr * d1.sum(axis=0)
        w0 -= lr * (d0.T @ x)
        b0 -= lr * d0.sum(axis=0)
    return [w0, b0, w1, b1], losses


def hand_tanh_sigmoid(net: Network, steps: int) -> tuple[Params, np.ndarray]:
    """tanh hidden layer, sigmoid output, half squared error, mean over samples."""
    (w0, b0), (w1, b1) = ((layer.weights.copy(), layer.biases.copy()) for layer in net.layers)
    x, y, lr = net.inputs, net.targets, net.learning_rate
    count = x.shape[0]
    losses = np.empty(steps + 1)
    for step in range(steps + 1):
        h = np.tanh(x @ w0.T + b0)
        o = 1.0 / (1.0 + np.exp(-(h @ w1.T + b1)))
        diff = o - y
        losses[step] = 0.5 * np.sum(diff * diff) / count
        if step == steps:
            break
        d1 = diff * o * (1.0 - o) / count
        d0 = (d1 @ w1) * (1.0 - h * h)
        w1 -= lr * (d1.T @ h)
        b1 -= lr * d1.sum(axis=0)
        w0 -= lr * (d0.T @ x)
        b0 -= lr * d0.sum(axis=0)
    return [w0, b0, w1, b1], losses


def moons_2_16_1(samples: int = 500, seed: int = 7) -> Network:
    """A 2-16-1 net (tanh, sigmoid, half_sse) on two noisy interleaved half-moons."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, np.pi, samples)
    label = rng.integers(0, 2, samples).astype(np.float64)
    x = np.stack([np.cos(angle) + label, np.sin(angle) * (1 - 2 * label) + 0.5 * label], axis=1)
    x += rng.normal(0.0, 0.1, x.shape)
    return Network(
        layers=(
            Layer("tanh", rng.normal(0.0, 1.0, (16, 2)), np.zeros(16)),
            Layer("sigmoid", rng.normal(0.0, 0.25, (1, 16)), np.zeros(1)),
        ),
        inputs=x,
        targets=label[:, None],
        loss="half_sse",
        learning_rate=0.5,
        name="2-16-1 tanh/sigmoid, 500 samples",
    )


@dataclass
class Case:
    name: str
    net: Network
    steps: int
    hand: Callable[[Network, int], tuple[Params, np.ndarray]]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_case(case: Case, repeats: int) -> tuple[float, float]:
    """Best steps per second of the hand loop and of nntui, after checking they agree."""
    params, hand_losses = case.hand(case.net, case.steps)
    result = train(case.net, case.steps)
    ours = [array for layer in result.network.layers for array in (layer.weights, layer.biases)]
    if result.steps_done != case.steps or not all(
        np.allclose(hand, mine, rtol=1e-9, atol=1e-12)
        for hand, mine in zip(params, ours, strict=True)
    ):
        raise SystemExit(f"{case.name}: the two loops end with different parameters")
    if not np.allclose(hand_losses, result.loss_history, rtol=1e-9, atol=1e-12):
        raise SystemExit(f"{case.name}: the two loops record different losses")
    hand_best = ours_best = float("inf")
    for _ in range(repeats):  # interleaved, so both see the same machine state
        hand_best = min(hand_best, timed(lambda: case.hand(case.net, case.steps)))
        ours_best = min(ours_best, timed(lambda: train(case.net, case.steps)))
    return case.steps / hand_best, case.steps / ours_best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per loop (best kept)")
    args = parser.parse_args()
    cases = [
        Case("worked example 3-2-1, 1 sample", worked_example(), 10_000, hand_relu_sigmoid),
        Case("2-16-1 tanh/sigmoid, 500 samples", moons_2_16_1(), 2_000, hand_tanh_sigmoid),
    ]
    rows = []
    for case in cases:
        hand, ours = run_case(case, args.repeats)
        rows.append((f"{case.name} ({case.steps:,} steps)", hand, ours, ours / hand))
    width = max(len(row[0]) for row in rows)
    print(f"{'case':<{width}}  {'hand steps/s':>12}  {'nntui steps/s':>13}  {'ratio':>5}  target")
    failed = False
    for name, hand, ours, ratio in rows:
        verdict = "pass" if ratio >= TARGET else "FAIL"
        failed |= ratio < TARGET
        numbers = f"{hand:>12,.0f}  {ours:>13,.0f}  {ratio:>5.2f}"
        print(f"{name:<{width}}  {numbers}  {verdict} (≥ {TARGET})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
