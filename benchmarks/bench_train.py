"""Throughput of `nntui.engine.training.train` against a minimal hand-written NumPy loop.

Run from the project root:  python benchmarks/bench_train.py  [--repeats N]

Each case runs the same training arithmetic twice in one process, interleaved: once as a few
lines of NumPy written for that one network and that one optimizer (what you would type
yourself, the loss over every sample recorded every step), once through `training.train`. Each
timing is the best of several repeats (time.perf_counter). Both must end with the same
parameters and losses (np.allclose), so the comparison is honest. The target is nntui ≥ 0.8 ×
the hand loop's steps per second for full-batch SGD, and ≥ 1.0 × for every optimizer (SGD with
momentum, Nesterov, RMSprop, Adam, AdamW) and for mini-batches (batch 32 of 500 samples).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from nntui.engine.network import Layer, Network
from nntui.engine.ops.optimizers import settings_from_table
from nntui.engine.presets import worked_example
from nntui.engine.training import train

TARGET = 0.8
#: The target of the optimizer and mini-batch cases.
OPTIMIZER_TARGET = 1.0
Params = list[np.ndarray]
#: update(params, grads, t): one hand-written optimizer step, in place, t from 1.
HandUpdate = Callable[[Params, Params, int], None]


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


def hand_tanh_sigmoid_trained(
    net: Network, steps: int, update: HandUpdate, batch_size: int | None = None
) -> tuple[Params, np.ndarray]:
    """tanh hidden layer, sigmoid output, half squared error, mean over the batch; the update
    is `update`, the batches `batch_size` samples in order (None: every sample), and the loss
    recorded is over every sample."""
    (w0, b0), (w1, b1) = ((layer.weights.copy(), layer.biases.copy()) for layer in net.layers)
    params = [w0, b0, w1, b1]
    x, y = net.inputs, net.targets
    count = x.shape[0]
    size = batch_size or count
    starts = list(range(0, count, size))
    losses = np.empty(steps + 1)
    for step in range(steps + 1):
        h = np.tanh(x @ w0.T + b0)
        o = 1.0 / (1.0 + np.exp(-(h @ w1.T + b1)))
        diff = o - y
        losses[step] = 0.5 * np.sum(diff * diff) / count
        if step == steps:
            break
        xb, yb, hb, ob = x, y, h, o
        if size < count:
            start = starts[step % len(starts)]
            xb, yb = x[start : start + size], y[start : start + size]
            hb = np.tanh(xb @ w0.T + b0)
            ob = 1.0 / (1.0 + np.exp(-(hb @ w1.T + b1)))
        d1 = (ob - yb) * ob * (1.0 - ob) / xb.shape[0]
        d0 = (d1 @ w1) * (1.0 - hb * hb)
        update(params, [d0.T @ xb, d0.sum(axis=0), d1.T @ hb, d1.sum(axis=0)], step + 1)
    return params, losses


def sgd(lr: float) -> HandUpdate:
    def update(params: Params, grads: Params, t: int) -> None:
        for param, grad in zip(params, grads, strict=True):
            param -= lr * grad

    return update


def momentum(lr: float, rho: float, nesterov: bool = False) -> HandUpdate:
    velocities: Params = []

    def update(params: Params, grads: Params, t: int) -> None:
        if not velocities:
            velocities.extend(np.zeros_like(param) for param in params)
        for param, grad, velocity in zip(params, grads, velocities, strict=True):
            velocity *= rho
            velocity += grad
            param -= lr * (grad + rho * velocity if nesterov else velocity)

    return update


def rmsprop(lr: float, alpha: float = 0.99, eps: float = 1e-8) -> HandUpdate:
    squares: Params = []

    def update(params: Params, grads: Params, t: int) -> None:
        if not squares:
            squares.extend(np.zeros_like(param) for param in params)
        for param, grad, square in zip(params, grads, squares, strict=True):
            square *= alpha
            square += (1.0 - alpha) * grad * grad
            param -= lr * grad / (np.sqrt(square) + eps)

    return update


def adam(lr: float, decay: float = 0.0, decoupled: bool = False) -> HandUpdate:
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    moments: list[Params] = []

    def update(params: Params, grads: Params, t: int) -> None:
        if not moments:
            moments.extend([np.zeros_like(param) for param in params] for _ in range(2))
        for param, grad, m, v in zip(params, grads, *moments, strict=True):
            if decoupled:
                param *= 1.0 - lr * decay
            m *= beta1
            m += (1.0 - beta1) * grad
            v *= beta2
            v += (1.0 - beta2) * grad * grad
            m_hat = m / (1.0 - beta1**t)
            v_hat = v / (1.0 - beta2**t)
            param -= lr * m_hat / (np.sqrt(v_hat) + eps)

    return update


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
    target: float = TARGET
    #: How many steps the two loops are checked to agree over (default: all of them).
    checked: int | None = None


def trained_case(
    name: str, table: dict[str, object], update: Callable[[float], HandUpdate], batch: int | None
) -> Case:
    """A case of the 2-16-1 net trained by the optimizer `table`, against `update`'s hand loop."""
    net = moons_2_16_1()
    net = replace(net, optimizer=settings_from_table(table), batch_size=batch)
    if table.get("name") != "sgd":
        net = replace(net, learning_rate=0.01)
    rate = net.learning_rate

    def hand(net: Network, steps: int) -> tuple[Params, np.ndarray]:
        return hand_tanh_sigmoid_trained(net, steps, update(rate), batch)

    # RMSprop's and Adam's steps are about µ whatever the gradient's size, so where a gradient
    # is near 0 they turn the two loops' last-bit differences (their sums run in another order)
    # into visible ones after some thousand steps: the agreement is checked over 500.
    return Case(f"2-16-1, 500 samples, {name}", net, 2_000, hand, OPTIMIZER_TARGET, 500)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_case(case: Case, repeats: int) -> tuple[float, float]:
    """Best steps per second of the hand loop and of nntui, after checking they agree."""
    checked = case.checked or case.steps
    params, hand_losses = case.hand(case.net, checked)
    result = train(case.net, checked)
    ours = [array for layer in result.network.layers for array in (layer.weights, layer.biases)]
    if result.steps_done != checked or not all(
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
        trained_case("momentum 0.9", {"name": "sgd", "momentum": 0.9}, _momentum, None),
        trained_case(
            "Nesterov 0.9", {"name": "sgd", "momentum": 0.9, "nesterov": True}, _nesterov, None
        ),
        trained_case("RMSprop", {"name": "rmsprop"}, rmsprop, None),
        trained_case("Adam", {"name": "adam"}, adam, None),
        trained_case("AdamW", {"name": "adamw"}, _adamw, None),
        trained_case("SGD, batch 32", {"name": "sgd"}, sgd, 32),
        trained_case("Adam, batch 32", {"name": "adam"}, adam, 32),
    ]
    rows = []
    for case in cases:
        hand, ours = run_case(case, args.repeats)
        rows.append((f"{case.name} ({case.steps:,} steps)", hand, ours, ours / hand))
    width = max(len(row[0]) for row in rows)
    print(f"{'case':<{width}}  {'hand steps/s':>12}  {'nntui steps/s':>13}  {'ratio':>5}  target")
    failed = False
    for (name, hand, ours, ratio), case in zip(rows, cases, strict=True):
        verdict = "pass" if ratio >= case.target else "FAIL"
        failed |= ratio < case.target
        numbers = f"{hand:>12,.0f}  {ours:>13,.0f}  {ratio:>5.2f}"
        print(f"{name:<{width}}  {numbers}  {verdict} (≥ {case.target})")
    return 1 if failed else 0


def _momentum(lr: float) -> HandUpdate:
    return momentum(lr, 0.9)


def _nesterov(lr: float) -> HandUpdate:
    return momentum(lr, 0.9, nesterov=True)


def _adamw(lr: float) -> HandUpdate:
    return adam(lr, decay=0.01, decoupled=True)


if __name__ == "__main__":
    raise SystemExit(main())
