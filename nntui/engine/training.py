"""The fast path for `nntui train`: full-batch plain SGD, vectorised, without the step trace.

The arithmetic is that of `compute.forward`, `compute.backward` and `compute.sgd_step` (every
gradient from the parameters before the step, mean or sum reduction, `update_biases`, the fused
output delta of sigmoid+bce and softmax+cross_entropy), rearranged so that a step of a tiny
network costs as few NumPy calls as possible:

- each layer's weights and biases live side by side in one matrix P = [W | b], and every layer's
  input carries a constant row of ones, so one matmul gives z = W·a + b and one gives both
  ∂E/∂W and ∂E/∂b;
- activations are stored transposed (neurons × samples), so a layer's activations are a
  contiguous block of the next layer's input;
- all parameters live in one flat vector and all gradients in another, so the update is one
  subtraction; two parameter vectors take turns, so the state before a step survives it;
- the learning rate and the reduction factor are one multiplication of the gradient vector
  (not folded into δ: intermediate numbers overflow exactly where the engine's would);
- every buffer is allocated once, before the loop.

Results agree with repeated `compute.sgd_step` to rounding (about 1e-15 relative per step).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nntui.engine.compute import backward, forward, reduce_factor, sgd_step
from nntui.engine.functions import LEAKY_SLOPE, loss_per_sample, output_delta
from nntui.engine.network import Network

#: How often `should_stop` is polled when no `progress_every` is given.
DEFAULT_POLL_EVERY = 1024

_SSE_LOSS = {"half_sse": 0.5, "sse": 1.0, "mse": None}  # None: 1/K
_SSE_GRAD = {"half_sse": 1.0, "sse": 2.0, "mse": None}  # None: 2/K


@dataclass(frozen=True, eq=False)
class TrainResult:
    """What `train` did."""

    network: Network  # the last state whose loss and gradients were all finite
    loss_history: np.ndarray  # loss before step 1, then after each completed step
    steps_done: int
    message: str | None  # why training stopped early, else None
    diverged: bool
    cancelled: bool

    @property
    def loss_before(self) -> float:
        return float(self.loss_history[0])

    @property
    def loss_after(self) -> float:
        return float(self.loss_history[-1])


def train(
    net: Network,
    steps: int,
    *,
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 0,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Run `steps` full-batch SGD steps of `net` and return the trained network.

    `on_progress(done)` is called after every `progress_every` steps (0: never) and after the
    last one; `should_stop()` is polled at the same cadence (every `DEFAULT_POLL_EVERY` steps
    when `progress_every` is 0) and, when it returns True, training stops there (cancelled).
    Training also stops at the first step whose gradient, new parameters or new loss is not
    finite; the result then keeps the last state that was all finite and says why.
    No NumPy warning is ever emitted.
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    steps = int(steps)
    progress_every = max(int(progress_every), 0)
    engine = _Engine(net)
    with np.errstate(all="ignore"):
        first = engine.start()
    if not math.isfinite(first):
        return TrainResult(
            net,
            np.array([first]),
            0,
            f"training cannot start: the loss of the starting parameters is not finite ({first!r})",
            diverged=True,
            cancelled=False,
        )
    chunk = progress_every or (DEFAULT_POLL_EVERY if should_stop is not None else steps)
    chunk = max(chunk, 1)
    message: str | None = None
    cancelled = False
    while engine.done < steps:
        count = min(chunk, steps - engine.done)
        with np.errstate(all="ignore"):
            ok = engine.run(count)
        if not ok:
            message = engine.failure_message(net)
            break
        if on_progress is not None and progress_every:
            on_progress(engine.done)
        if should_stop is not None and engine.done < steps and should_stop():
            cancelled = True
            message = f"cancelled after {engine.done:,} of {steps:,} iterations"
            break
    result_net = net if engine.done == 0 else engine.network(net)
    history = np.array(engine.history, dtype=np.float64)
    # The first and last losses as the engine's `forward` computes them, so they match the
    # step trace and `forward(result.network).loss` bit for bit (the rest differ by rounding).
    with np.errstate(all="ignore"):
        history[0] = forward(net).loss
        if engine.done:
            history[-1] = forward(result_net).loss
    return TrainResult(
        result_net,
        history,
        engine.done,
        message,
        diverged=message is not None and not cancelled,
        cancelled=cancelled,
    )


# -- the engine --------------------------------------------------------------------------------


class _Engine:
    """Buffers and pre-bound NumPy calls for one network; `run(n)` does n steps."""

    def __init__(self, net: Network) -> None:
        layers = net.layers
        n = net.n_samples
        count = len(layers)
        shapes = [(layer.size, layer.fan_in) for layer in layers]
        total = sum(s * (f + 1) for s, f in shapes)
        self.shapes = shapes
        # Two parameter vectors taking turns, one gradient vector; P = [W | b] per layer.
        flats = (np.empty(total), np.empty(total))
        views = [_views(flat, shapes) for flat in flats]
        for p, layer in zip(views[0], layers, strict=True):
            p[:, :-1] = layer.weights
            p[:, -1] = layer.biases
        flats[1][:] = flats[0]
        grad_flat = np.zeros(total)
        grads = _views(grad_flat, shapes)
        self.grad_flat = grad_flat
        # θ* = θ − µ·(reduction factor)·Σ_samples ∂E_i/∂θ; a fixed bias gets a rate of 0.
        rate = float(net.learning_rate) * reduce_factor(net)
        self.rate: float | np.ndarray = rate
        if not net.update_biases:
            rates = np.full(total, rate)
            for p in _views(rates, shapes):
                p[:, -1] = 0.0
            self.rate = rates

        # Inputs of each layer, transposed, with a trailing row of ones.
        inputs: list[np.ndarray] = []
        x_aug = np.ones((shapes[0][1] + 1, n))
        x_aug[:-1] = net.inputs.T
        inputs.append(x_aug)
        for s, _ in shapes[:-1]:
            a_aug = np.ones((s + 1, n))
            inputs.append(a_aug)
        k = shapes[-1][0]
        posts = [inputs[i + 1][:-1] for i in range(count - 1)]
        posts.append(np.empty((k, n)))
        pres: list[np.ndarray] = []
        forward_fns: list[Callable[[], Any] | None] = []
        for i, layer in enumerate(layers):
            if layer.activation == "linear":
                pres.append(posts[i])  # z is a: the matmul writes the activation directly
                forward_fns.append(None)
            else:
                z = np.empty((shapes[i][0], n))
                pres.append(z)
                forward_fns.append(_forward_fn(layer.activation, z, posts[i]))
        deltas = [np.empty((s, n)) for s, _ in shapes]
        derivs = [
            _derivative_fn(layer.activation, pres[i], posts[i]) for i, layer in enumerate(layers)
        ]

        self.loss_fn = _loss_fn(
            net, pres[-1], posts[-1], deltas[-1], derivs[-1], forward_fns[-1], reduce_factor(net)
        )

        # Per parameter vector: the forward program (P, input, z, activation) and the backward
        # program (δ, inputᵀ, gradient view, Wᵀ of this layer or None, ∂E/∂a below, f′ below).
        self.programs = []
        for v in views:
            fwd = [(v[i], inputs[i], pres[i], forward_fns[i]) for i in range(count)]
            back = []
            for i in reversed(range(count)):
                if i > 0:
                    w_t = v[i][:, :-1].T
                    back.append(
                        (deltas[i], inputs[i].T, grads[i], w_t, deltas[i - 1], derivs[i - 1])
                    )
                else:
                    back.append((deltas[i], inputs[i].T, grads[i], None, None, None))
            self.programs.append((flats[len(self.programs)], fwd, back))
        self.current = 0  # which parameter vector holds the current state
        self.done = 0
        self.history: list[float] = []
        #: (iteration, the non-finite loss after it or None) once a step fails
        self.failure: tuple[int, float | None] | None = None

    def start(self) -> float:
        """Forward pass of the starting parameters: their loss, and the output δ ready."""
        _, fwd, _ = self.programs[0]
        mm = np.matmul
        for p, inp, z, f in fwd:
            mm(p, inp, z)
            if f is not None:
                f()
        loss = float(self.loss_fn())
        self.history.append(loss)
        return loss

    def run(self, count: int) -> bool:
        """`count` more steps; False (and `failure` set) at the first non-finite number."""
        mm = np.matmul
        subtract = np.subtract
        multiply = np.multiply
        vdot = np.vdot
        isfinite = math.isfinite
        loss_fn = self.loss_fn
        grad = self.grad_flat
        rate = self.rate
        ones = np.ones_like(grad)
        history = self.history
        append = history.append
        current = self.current
        cur, nxt = self.programs[current], self.programs[1 - current]
        done = self.done
        ok = True
        for _ in range(count):
            flat_c, _, back = cur
            flat_n, fwd, _ = nxt
            # Backward, all from the parameters before the step.
            for delta, inp_t, g, w_t, below, deriv in back:
                mm(delta, inp_t, g)
                if w_t is not None:
                    mm(w_t, delta, below)
                    if deriv is not None:
                        deriv(below)
            multiply(grad, rate, grad)
            # θ* = θ − µ·∂E/∂θ into the other vector; the current one stays as it was.
            subtract(flat_c, grad, flat_n)
            if not isfinite(vdot(flat_n, ones)) and not np.isfinite(flat_n).all():
                self.failure = (done + 1, None)
                ok = False
                break
            # Forward with the new parameters: the loss after this step, and the next δ.
            for p, inp, z, f in fwd:
                mm(p, inp, z)
                if f is not None:
                    f()
            loss = loss_fn()
            if not isfinite(loss):
                self.failure = (done + 1, float(loss))
                ok = False
                break
            append(loss)
            done += 1
            cur, nxt = nxt, cur
            current = 1 - current
        self.done = done
        self.current = current
        return ok

    def network(self, net: Network) -> Network:
        """The network with the current parameters."""
        views = _views(self.programs[self.current][0], self.shapes)
        return net.with_parameters([p[:, :-1] for p in views], [p[:, -1] for p in views])

    def failure_message(self, net: Network) -> str:
        assert self.failure is not None
        iteration, loss = self.failure
        kept = (
            "kept the starting parameters"
            if iteration == 1
            else f"kept the parameters of iteration {iteration - 1}"
        )
        why = diagnose_step(self.network(net), loss)
        return f"training diverged at iteration {iteration}: {why}; {kept}"


def _views(flat: np.ndarray, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    out = []
    start = 0
    for s, f in shapes:
        end = start + s * (f + 1)
        out.append(flat[start:end].reshape(s, f + 1))
        start = end
    return out


def diagnose_step(net: Network, loss: float | None) -> str:
    """Why the step from `net` (the last finite state) failed, naming a parameter: the first
    whose gradient (or new value) is not finite; or, when it is the loss after the step that
    is not finite (`loss`), the parameter that step moved the most."""
    refs = list(net.params())
    with np.errstate(all="ignore"):
        grads = backward(net, forward(net))
        after = sgd_step(net, grads)
    gradient = _flat(grads.weights, grads.biases)
    new = _flat(*_parameters(after))
    bad = np.flatnonzero(~np.isfinite(gradient))
    if bad.size:
        k = int(bad[0])
        return f"the gradient of {refs[k].name} is not finite ({float(gradient[k])!r})"
    bad = np.flatnonzero(~np.isfinite(new))
    if bad.size:
        k = int(bad[0])
        return f"the update of {refs[k].name} is not finite ({float(new[k])!r})"
    if loss is None:
        return "the parameters are no longer finite"
    moves = new - _flat(*_parameters(net))
    k = int(np.argmax(np.abs(moves)))
    return (
        f"the loss after the step is not finite ({loss!r}); the step moved {refs[k].name} "
        f"the most, by {float(moves[k]):.3g}"
    )


def _parameters(net: Network) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return [layer.weights for layer in net.layers], [layer.biases for layer in net.layers]


def _flat(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> np.ndarray:
    """Every number in `Network.params()` order: each layer's weights row by row, its biases."""
    return np.concatenate([a.ravel() for w, b in zip(weights, biases, strict=True) for a in (w, b)])


# -- activations --------------------------------------------------------------------------------


def _forward_fn(name: str, z: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    """out = f(z), in place, for every activation but linear (rows are neurons)."""
    tmp = np.empty_like(z)
    if name == "relu":
        return lambda: np.maximum(z, 0.0, out=out)
    if name == "leaky_relu":

        def leaky() -> None:
            np.multiply(z, LEAKY_SLOPE, tmp)
            np.maximum(z, tmp, out=out)  # max(z, 0.01·z) is z for z > 0, else 0.01·z

        return leaky
    if name == "sigmoid":
        one = np.array(1.0)

        def sigmoid() -> None:
            # 1/(1 + e^−z); e^−z may overflow to inf for z < −709, giving exactly 0.
            np.negative(z, tmp)
            np.exp(tmp, tmp)
            np.add(tmp, one, tmp)
            np.divide(one, tmp, out)

        return sigmoid
    if name == "tanh":
        return lambda: np.tanh(z, out)
    if name == "softmax":
        peak = np.empty((1, z.shape[1]))
        total = np.empty((1, z.shape[1]))

        def softmax() -> None:
            np.maximum.reduce(z, axis=0, keepdims=True, out=peak)
            np.subtract(z, peak, tmp)  # shifted: kept for the cross-entropy
            np.exp(tmp, out)
            np.add.reduce(out, axis=0, keepdims=True, out=total)
            np.divide(out, total, out)

        softmax.shifted = tmp  # type: ignore[attr-defined]
        softmax.total = total  # type: ignore[attr-defined]
        return softmax
    raise ValueError(f"unknown activation {name!r}")


def _derivative_fn(name: str, z: np.ndarray, a: np.ndarray) -> Callable[[np.ndarray], Any] | None:
    """g ← ∂E/∂z from g = ∂E/∂a, in place: g ⊙ f′(z), or the softmax Jacobian product;
    None for linear (f′ = 1)."""
    tmp = np.empty_like(z)
    if name == "linear":
        return None
    if name == "relu":
        mask = np.empty(z.shape, dtype=bool)

        def relu(g: np.ndarray) -> None:
            np.greater(z, 0.0, mask)
            np.multiply(g, mask, g)

        return relu
    if name == "leaky_relu":

        def leaky(g: np.ndarray) -> None:
            np.multiply(g, np.where(z > 0, 1.0, LEAKY_SLOPE), g)

        return leaky
    if name == "sigmoid":
        one = np.array(1.0)

        def sigmoid(g: np.ndarray) -> None:
            np.subtract(one, a, tmp)
            np.multiply(tmp, a, tmp)
            np.multiply(g, tmp, g)

        return sigmoid
    if name == "tanh":
        one = np.array(1.0)

        def tanh(g: np.ndarray) -> None:
            np.multiply(a, a, tmp)
            np.subtract(one, tmp, tmp)
            np.multiply(g, tmp, g)

        return tanh
    if name == "softmax":
        dot = np.empty((1, z.shape[1]))

        def softmax(g: np.ndarray) -> None:
            np.multiply(g, a, tmp)
            np.add.reduce(tmp, axis=0, keepdims=True, out=dot)
            np.subtract(g, dot, g)
            np.multiply(g, a, g)

        return softmax
    raise ValueError(f"unknown activation {name!r}")


# -- losses -------------------------------------------------------------------------------------


def _loss_fn(
    net: Network,
    z: np.ndarray,
    o: np.ndarray,
    delta: np.ndarray,
    deriv: Callable[[np.ndarray], Any] | None,
    activate: Callable[[], Any] | None,
    scale: float,
) -> Callable[[], float]:
    """A function computing the batch loss from the output layer's z and o (neurons × samples)
    and writing δ = ∂E_i/∂z of the output layer (each sample's own, not reduced) into `delta`."""
    activation = net.layers[-1].activation
    y = np.ascontiguousarray(net.targets.T)
    k = y.shape[0]
    vdot = np.vdot
    subtract = np.subtract
    multiply = np.multiply
    if net.loss in _SSE_LOSS and activation != "softmax":
        k_loss = scale * (_SSE_LOSS[net.loss] or 1.0 / k)
        k_grad = _SSE_GRAD[net.loss] or 2.0 / k
        diff = delta if k_grad == 1.0 else np.empty_like(o)

        def sse() -> float:
            subtract(o, y, diff)  # ∂E/∂o = k_grad·(o − y)
            loss = k_loss * vdot(diff, diff)
            if diff is not delta:
                multiply(diff, k_grad, delta)
            if deriv is not None:
                deriv(delta)  # ∂E/∂z = ∂E/∂o ⊙ f′(z)
            return loss

        return sse
    if net.loss == "bce" and activation == "sigmoid":
        not_y = 1.0 - y
        soft_neg = np.empty_like(z)
        soft_pos = np.empty_like(z)
        logaddexp = np.logaddexp

        def bce() -> float:
            # −ln σ(z) = ln(1 + e^−z), −ln(1 − σ(z)) = ln(1 + e^z): finite for finite z.
            np.negative(z, soft_neg)
            logaddexp(0.0, soft_neg, soft_neg)
            logaddexp(0.0, z, soft_pos)
            loss = scale * (vdot(y, soft_neg) + vdot(not_y, soft_pos))
            subtract(o, y, delta)  # fused: ∂E/∂z = o − y
            return loss

        return bce
    if net.loss == "cross_entropy" and activation == "softmax":
        shifted = activate.shifted  # type: ignore[union-attr]
        total = activate.total  # type: ignore[union-attr]
        y_sum = np.sum(y, axis=0, keepdims=True)
        log_total = np.empty_like(total)

        def cross_entropy() -> float:
            # −Σ y·ln softmax(z) = Σ_i (Σ_k y_k)·ln Σ e^shifted − Σ y·shifted
            np.log(total, log_total)
            loss = scale * (vdot(y_sum, log_total) - vdot(y, shifted))
            multiply(o, y_sum, delta)  # fused: ∂E/∂z = o·Σy − y
            subtract(delta, y, delta)
            return loss

        return cross_entropy

    # Any other pairing: the engine's own functions, samples as rows.
    def general() -> float:
        zt, ot = z.T, o.T
        loss = scale * float(np.sum(loss_per_sample(net.loss, zt, ot, net.targets)))
        np.copyto(delta, output_delta(net.loss, activation, zt, ot, net.targets).T)
        return loss

    return general
