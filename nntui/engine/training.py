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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nntui.engine.compute import forward, reduce_factor
from nntui.engine.functions import loss_per_sample, output_delta
from nntui.engine.network import Network, ParamLayout
from nntui.engine.ops.activations import activation
from nntui.engine.ops.losses import loss as loss_record
from nntui.engine.problems import diagnose_step, step_arrays, step_problem

#: How often `should_stop` is polled when no `progress_every` is given.
DEFAULT_POLL_EVERY = 1024


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
    Training also stops at the first step whose gradient, new parameters, new loss or any
    pre-activation is not finite (an overflow that a saturating activation hides from the
    loss: σ(inf) = 1); the result then keeps the last state that was all finite and says why,
    naming the number (`step_problem`), as the debugger and `nntui export` do for that step.
    A start that is not finite does not train at all ("training cannot start: ...").
    No NumPy warning is ever emitted.
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    steps = int(steps)
    progress_every = max(int(progress_every), 0)
    engine = _Engine(net)
    with np.errstate(all="ignore"):
        first = engine.start()
        hidden = math.isfinite(first) and not engine.forward_finite()
    if not math.isfinite(first) or hidden:
        why = (
            step_problem(net, *step_arrays(net))
            if hidden
            else f"the loss of the starting parameters is not finite ({first!r})"
        )
        return TrainResult(
            net,
            np.array([first]),
            0,
            f"training cannot start: {why}",
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


#: One layer's forward step: P = [W | b], its input (with the row of ones), z, and the kernel
#: writing a = f(z) (None when the matmul wrote a itself).
_ForwardStep = tuple[np.ndarray, np.ndarray, np.ndarray, Callable[[], Any] | None]
#: Passing δ down a layer: Wᵀ, ∂E/∂a of the layer below, and the kernel turning that into the
#: layer below's δ (None where f′ = 1).
_PassDown = tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], Any] | None]
#: One layer's backward step: δ, inputᵀ, its gradient block, and how δ passes down (None for
#: the first layer).
_BackwardStep = tuple[np.ndarray, np.ndarray, np.ndarray, _PassDown | None]
#: A parameter vector with the programs that read it.
_Program = tuple[np.ndarray, list[_ForwardStep], list[_BackwardStep]]


class _Engine:
    """Buffers and pre-bound NumPy calls for one network; `run(n)` does n steps."""

    def __init__(self, net: Network) -> None:
        layers = net.layers
        samples = net.n_samples
        count = len(layers)
        layout = net.layout
        self.layout = layout
        # Two parameter vectors taking turns, one gradient vector; P = [W | b] per layer.
        flats = (np.empty(len(layout)), np.empty(len(layout)))
        views = [_blocks(flat, layout) for flat in flats]
        for block, layer in zip(views[0], layers, strict=True):
            block[:, :-1] = layer.weights
            block[:, -1] = layer.biases
        flats[1][:] = flats[0]
        grad_flat = np.zeros(len(layout))
        grads = _blocks(grad_flat, layout)
        self.grad_flat = grad_flat
        # θ* = θ − µ·(reduction factor)·Σ_samples ∂E_i/∂θ; a fixed bias gets a rate of 0.
        rate = float(net.learning_rate) * reduce_factor(net)
        self.rate: float | np.ndarray = rate
        if not net.update_biases:
            rates = np.full(len(layout), rate)
            for block in _blocks(rates, layout):
                block[:, -1] = 0.0
            self.rate = rates

        # Inputs of each layer, transposed, with a trailing row of ones.
        inputs: list[np.ndarray] = []
        x_aug = np.ones((layers[0].fan_in + 1, samples))
        x_aug[:-1] = net.inputs.T
        inputs.append(x_aug)
        for layer in layers[:-1]:
            inputs.append(np.ones((layer.size + 1, samples)))
        posts = [inputs[index + 1][:-1] for index in range(count - 1)]
        posts.append(np.empty((layers[-1].size, samples)))
        pres: list[np.ndarray] = []
        forward_fns: list[Callable[[], Any] | None] = []
        records = [activation(layer.activation) for layer in layers]
        for index, record in enumerate(records):
            if record.forward_kernel is None:
                pres.append(posts[index])  # z is a: the matmul writes the activation directly
                forward_fns.append(None)
            else:
                z = np.empty((layers[index].size, samples))
                pres.append(z)
                forward_fns.append(record.forward_kernel(z, posts[index]))
        # Every layer's z, checked after each forward pass: a saturating activation
        # (σ(±inf) = 1 or 0, tanh(±inf) = ±1, relu(−inf) = 0) would hide an overflow from the loss.
        self.pre_checks = [(z, np.ones_like(z)) for z in pres]
        deltas = [np.empty((layer.size, samples)) for layer in layers]
        derivs = [
            None
            if record.backward_kernel is None
            else record.backward_kernel(pres[index], posts[index])
            for index, record in enumerate(records)
        ]

        self.loss_fn = _loss_fn(
            net, pres[-1], posts[-1], deltas[-1], derivs[-1], forward_fns[-1], reduce_factor(net)
        )

        # Per parameter vector: the forward program and the backward program (`_Program`).
        self.programs: list[_Program] = []
        for flat, blocks in zip(flats, views, strict=True):
            forward_program = [
                (blocks[index], inputs[index], pres[index], forward_fns[index])
                for index in range(count)
            ]
            backward_program: list[_BackwardStep] = []
            for index in reversed(range(count)):
                down = (
                    (blocks[index][:, :-1].T, deltas[index - 1], derivs[index - 1])
                    if index > 0
                    else None
                )
                backward_program.append((deltas[index], inputs[index].T, grads[index], down))
            self.programs.append((flat, forward_program, backward_program))
        self.current = 0  # which parameter vector holds the current state
        self.done = 0
        self.history: list[float] = []
        #: (iteration, the non-finite loss after it or None) once a step fails
        self.failure: tuple[int, float | None] | None = None

    def start(self) -> float:
        """Forward pass of the starting parameters: their loss, and the output δ ready."""
        _, forward_program, _ = self.programs[0]
        matmul = np.matmul
        for block, inp, z, activate in forward_program:
            matmul(block, inp, z)
            if activate is not None:
                activate()
        loss = float(self.loss_fn())
        self.history.append(loss)
        return loss

    def forward_finite(self) -> bool:
        """True when every pre-activation of the last forward pass is finite (hence every
        activation: each activation function maps finite numbers to finite numbers)."""
        vdot = np.vdot
        for z, ones in self.pre_checks:
            # One dot product per layer; a sum that overflows from finite numbers is checked
            # element by element.
            if not math.isfinite(vdot(z, ones)) and not np.isfinite(z).all():
                return False
        return True

    def run(self, count: int) -> bool:
        """`count` more steps; False (and `failure` set) at the first non-finite number."""
        matmul = np.matmul
        subtract = np.subtract
        multiply = np.multiply
        vdot = np.vdot
        isfinite = math.isfinite
        loss_fn = self.loss_fn
        pre_checks = self.pre_checks
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
            flat_c, _, backward_program = cur
            flat_n, forward_program, _ = nxt
            # Backward, all from the parameters before the step.
            for delta, inp_t, layer_grad, down in backward_program:
                matmul(delta, inp_t, layer_grad)
                if down is not None:
                    w_t, below, deriv = down
                    matmul(w_t, delta, below)
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
            for block, inp, z, activate in forward_program:
                matmul(block, inp, z)
                if activate is not None:
                    activate()
            loss = loss_fn()
            if not isfinite(loss):
                self.failure = (done + 1, float(loss))
                ok = False
                break
            for z, ones_z in pre_checks:
                if not isfinite(vdot(z, ones_z)) and not np.isfinite(z).all():
                    self.failure = (done + 1, float(loss))
                    ok = False
                    break
            if not ok:
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
        blocks = _blocks(self.programs[self.current][0], self.layout)
        return net.with_parameters(
            [block[:, :-1] for block in blocks], [block[:, -1] for block in blocks]
        )

    def failure_message(self, net: Network) -> str:
        assert self.failure is not None
        iteration, loss = self.failure
        kept = (
            "kept the starting parameters"
            if iteration == 1
            else f"kept the parameters of iteration {iteration - 1}"
        )
        last = self.network(net)
        # The engine's own arithmetic, run again on the last finite state, names the number;
        # should it (rounded a little differently) find every number finite, say what failed.
        why = step_problem(last, *step_arrays(last)) or diagnose_step(last, loss)
        return f"training diverged at iteration {iteration}: {why}; {kept}"


def _blocks(flat: np.ndarray, layout: ParamLayout) -> list[np.ndarray]:
    """Each layer's P = [W | b] (one row per neuron: its weights, then its bias) as a view of
    `flat`, input side first.

    A layer's block sits where `layout` puts that layer's parameters; inside it the fast path
    keeps each neuron's bias beside its weights, so one matmul gives z = W·a + b and one the
    gradients of both. The vector never leaves this module: the trained network is built from
    the blocks (`_Engine.network`), and names come from the network's own `params()` order."""
    blocks = []
    for layer, (size, fan_in) in enumerate(layout.shapes):
        start, stop = layout.layer_span(layer)
        blocks.append(flat[start:stop].reshape(size, fan_in + 1))
    return blocks


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
    output = net.layers[-1].activation
    kernel = loss_record(net.loss).kernel
    y = np.ascontiguousarray(net.targets.T)
    fast = None if kernel is None else kernel(y, z, o, delta, deriv, activate, scale, output)
    if fast is not None:
        return fast

    # Any other pairing: the engine's own functions, samples as rows.
    def general() -> float:
        zt, ot = z.T, o.T
        loss = scale * float(np.sum(loss_per_sample(net.loss, zt, ot, net.targets)))
        np.copyto(delta, output_delta(net.loss, output, zt, ot, net.targets).T)
        return loss

    return general
