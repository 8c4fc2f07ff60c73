"""The fast path for `nntui train`: training steps, vectorised, without the step trace.

The arithmetic is that of `compute.forward`, `compute.backward` and `compute.update` (every
gradient from the parameters before the step, mean or sum reduction, `update_biases`, the fused
output delta of sigmoid+bce and softmax+cross_entropy, the network's optimizer and mini-batches,
SPEC §6), rearranged so that a step of a tiny network costs as few NumPy calls as possible:

- each layer's weights and biases live side by side in one matrix P = [W | b], and every layer's
  input carries a constant row of ones, so one matmul gives z = W·a + b and one gives both
  ∂E/∂W and ∂E/∂b;
- activations are stored transposed (neurons × samples), so a layer's activations are a
  contiguous block of the next layer's input;
- all parameters live in one flat vector and all gradients in another, so the update is one
  subtraction (plain SGD) or one call of the optimizer's in-place kernel; two parameter vectors
  take turns, so the state before a step survives it;
- plain SGD's learning rate and reduction factor are one multiplication of the gradient vector
  (not folded into δ: intermediate numbers overflow exactly where the engine's would); another
  optimizer gets the reduced gradient and the learning rate, as `compute.update` does;
- mini-batches each have their own buffers, and one more set holds every sample for the loss
  after each step (SPEC §6's loss history is over all training samples): that extra forward
  pass is made only when the batch is not every sample;
- every buffer is allocated once, before the loop.

Results agree with repeated `compute.update` to rounding (about 1e-15 relative per step). The
run starts from the network's state (t and the optimizer's vectors) and the result carries the
state it ends in, so `train` continues the debugger's run and the debugger continues `train`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from nntui.engine.batches import batch_at, batch_count
from nntui.engine.compute import forward, reduce_factor
from nntui.engine.fast_pass import BackwardStep, ForwardStep, SamplePass, blocks_of, engine_order
from nntui.engine.network import Network
from nntui.engine.ops.optimizers import OptimizerKernel, OptimizerState, make_kernel
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
    on_snapshot: Callable[[int, Callable[[], Network], Sequence[float]], None] | None = None,
) -> TrainResult:
    """Run `steps` training steps of `net` — its optimizer, its mini-batches, from its run's
    state — and return the trained network (carrying the state it ends in).

    `on_progress(done)` is called after every `progress_every` steps (0: never) and after the
    last one; `should_stop()` is polled at the same cadence (every `DEFAULT_POLL_EVERY` steps
    when `progress_every` is 0) and, when it returns True, training stops there (cancelled).
    Training also stops at the first step whose gradient, new parameters, new loss or any
    pre-activation is not finite (an overflow that a saturating activation hides from the
    loss: σ(inf) = 1); the result then keeps the last state that was all finite and says why,
    naming the number (`step_problem`), as the debugger and `nntui export` do for that step.
    A start that is not finite does not train at all ("training cannot start: ...").
    No NumPy warning is ever emitted.

    `on_snapshot(done, network, history)`, for a live view of the run, is called in the
    training thread at the progress cadence: `network()` builds the network as it is after
    `done` steps (a copy of the parameters: call it only when a frame is due), and `history`
    is the loss history so far, to be read during the call only (it grows). The steps are the
    same with or without it.
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
    failed = False
    while engine.done < steps:
        count = min(chunk, steps - engine.done)
        with np.errstate(all="ignore"):
            ok = engine.run(count)
        if not ok:
            message, failed = engine.failure_message(), True
            break
        if on_progress is not None and progress_every:
            on_progress(engine.done)
        if on_snapshot is not None:
            on_snapshot(engine.done, engine.network, engine.history)
        if should_stop is not None and engine.done < steps and should_stop():
            cancelled = True
            message = f"cancelled after {engine.done:,} of {steps:,} iterations"
            break
    result_net = net
    if engine.done:
        result_net = engine.last_finite() if failed else engine.network()
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

#: A parameter vector with its programs: the forward and backward steps of each sample pass,
#: and the forward steps over every sample (None without mini-batches).
_Program = tuple[
    np.ndarray, list[tuple[list[ForwardStep], list[BackwardStep]]], list[ForwardStep] | None
]


class _Engine:
    """Buffers and pre-bound NumPy calls for one network; `run(n)` does n steps.

    Two parameter vectors take turns; for each, a program per sample pass (`SamplePass`): the
    forward steps and the backward steps over that pass's buffers. Without mini-batches there
    is one pass, every sample; with them, one per batch, and `full`, every sample, for the
    loss after each step."""

    def __init__(self, net: Network) -> None:
        self.net = net
        layers = net.layers
        layout = net.layout
        self.layout = layout
        flats = (np.empty(len(layout)), np.empty(len(layout)))
        views = [blocks_of(flat, layout) for flat in flats]
        for block, layer in zip(views[0], layers, strict=True):
            block[:, :-1] = layer.weights
            block[:, -1] = layer.biases
        flats[1][:] = flats[0]
        self.grad_flat = np.zeros(len(layout))
        grads = blocks_of(self.grad_flat, layout)
        #: Where each entry of the engine's vectors sits in the network's flat order.
        self.order = engine_order(layout)

        # The passes: every sample, or one per batch and one of every sample.
        count = batch_count(net.n_samples, net.batch_size)
        self.mini = count > 1
        batches = [batch_at(net.n_samples, net.batch_size, k) for k in range(count)]
        self.passes = [SamplePass(net, batch.rows, reduce_factor(net, batch)) for batch in batches]
        self.full = SamplePass(net, slice(None), reduce_factor(net)) if self.mini else None
        self.t0 = net.t

        # Per parameter vector: (flat, [(forward, backward) per pass], full forward or None).
        self.programs: list[
            tuple[
                np.ndarray,
                list[tuple[list[ForwardStep], list[BackwardStep]]],
                list[ForwardStep] | None,
            ]
        ] = []
        for flat, blocks in zip(flats, views, strict=True):
            per_pass = [
                (sample_pass.forward_program(blocks), sample_pass.backward_program(blocks, grads))
                for sample_pass in self.passes
            ]
            full = None if self.full is None else self.full.forward_program(blocks)
            self.programs.append((flat, per_pass, full))

        # The update: plain SGD's rate folded with each pass's reduction factor (0 for a fixed
        # bias), or the reduction factor and the optimizer's kernel.
        settings = net.optimizer
        self.plain = settings.is_plain_sgd
        movable = np.ones(len(layout), dtype=bool)
        if not net.update_biases:
            for block in blocks_of(movable, layout):
                block[:, -1] = False
        self.scales = [sample_pass.scale for sample_pass in self.passes]
        self.rates: list[float | np.ndarray] = []
        for scale in self.scales:
            rate = float(net.learning_rate) * scale
            self.rates.append(rate if net.update_biases else np.where(movable, rate, 0.0))
        self.kernel: OptimizerKernel | None = None
        if not self.plain:
            state = net.state
            start = OptimizerState(state.t, {name: state[name][self.order] for name in state.names})
            self.kernel = make_kernel(settings, len(layout), movable, start)
        self.current = 0  # which parameter vector holds the current state
        self.done = 0
        self.history: list[float] = []
        #: (iteration, the non-finite loss after it or None) once a step fails
        self.failure: tuple[int, float | None] | None = None
        self._last: Network | None = None

    @property
    def _checked(self) -> SamplePass:
        """The pass whose loss is the history's and whose numbers are checked: every sample."""
        return self.passes[0] if self.full is None else self.full

    def _batch(self, done: int) -> int:
        """Which pass the step after `done` steps trains on: batch t mod the number of batches."""
        return (self.t0 + done) % len(self.passes)

    def start(self) -> float:
        """Forward pass of the starting parameters: their loss, and the first batch's δ ready."""
        _, per_pass, full = self.programs[0]
        loss = _run_forward(full if full is not None else per_pass[0][0], self._checked)
        if self.mini:
            _run_forward(per_pass[self._batch(0)][0], self.passes[self._batch(0)])
        self.history.append(loss)
        return loss

    def forward_finite(self) -> bool:
        """True when every pre-activation of the last forward pass over every sample is finite
        (hence every activation: each activation function maps finite numbers to finite
        numbers)."""
        return self._checked.pre_finite()

    def run(self, count: int) -> bool:
        """`count` more steps; False (and `failure` set) at the first non-finite number."""
        matmul = np.matmul
        subtract = np.subtract
        multiply = np.multiply
        vdot = np.vdot
        isfinite = math.isfinite
        checked = self._checked
        loss_fn = checked.loss_fn
        pre_checks = checked.pre_checks
        passes = self.passes
        batches = len(passes)
        grad = self.grad_flat
        plain, rates, scales = self.plain, self.rates, self.scales
        update = None if self.kernel is None else self.kernel.update
        lr = float(self.net.learning_rate)
        ones = np.ones_like(grad)
        append = self.history.append
        current = self.current
        cur, nxt = self.programs[current], self.programs[1 - current]
        done = self.done
        t0 = self.t0
        ok = True
        for _ in range(count):
            flat_c, cur_passes, _ = cur
            flat_n, nxt_passes, full_forward = nxt
            batch = (t0 + done) % batches
            # Backward, all from the parameters before the step.
            for delta, inp_t, layer_grad, down in cur_passes[batch][1]:
                matmul(delta, inp_t, layer_grad)
                if down is not None:
                    w_t, below, deriv = down
                    matmul(w_t, delta, below)
                    if deriv is not None:
                        deriv(below)
            if plain:
                # θ* = θ − µ·∂E/∂θ into the other vector; the current one stays as it was.
                multiply(grad, rates[batch], grad)
                subtract(flat_c, grad, flat_n)
            else:
                multiply(grad, scales[batch], grad)  # the batch loss's gradient
                update(flat_c, grad, flat_n, lr)  # type: ignore[misc]
            if not isfinite(vdot(flat_n, ones)) and not np.isfinite(flat_n).all():
                self.failure = (done + 1, None)
                ok = False
                break
            # Forward with the new parameters: the loss after this step (over every sample),
            # and the next batch's δ.
            forward_program = nxt_passes[batch][0] if full_forward is None else full_forward
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
            if full_forward is not None:
                following = (t0 + done + 1) % batches
                _run_forward(nxt_passes[following][0], passes[following])
            append(loss)
            done += 1
            cur, nxt = nxt, cur
            current = 1 - current
        self.done = done
        self.current = current
        return ok

    def state(self) -> OptimizerState:
        """The run's state after the steps done, in the network's flat order."""
        t = self.t0 + self.done
        if self.kernel is None:
            return OptimizerState(t, {})
        kept = self.kernel.state()
        buffers = {}
        for name in kept.names:
            vector = np.empty(len(self.layout))
            vector[self.order] = kept[name]
            buffers[name] = vector
        return OptimizerState(t, buffers)

    def network(self) -> Network:
        """The network with the current parameters and the run's state."""
        blocks = blocks_of(self.programs[self.current][0], self.layout)
        trained = self.net.with_parameters(
            [block[:, :-1] for block in blocks], [block[:, -1] for block in blocks]
        )
        return replace(trained, optimizer_state=self.state())

    def failure_message(self) -> str:
        assert self.failure is not None
        iteration, loss = self.failure
        kept = (
            "kept the starting parameters"
            if iteration == 1
            else f"kept the parameters of iteration {iteration - 1}"
        )
        last = self.last_finite()
        # The engine's own arithmetic, run again on the last finite state, names the number;
        # should it (rounded a little differently) find every number finite, say what failed.
        why = step_problem(last, *step_arrays(last)) or diagnose_step(last, loss)
        return f"training diverged at iteration {iteration}: {why}; {kept}"

    def last_finite(self) -> Network:
        """The network after the steps done, its state that of those steps. An optimizer's
        kernel changed its vectors in the step that failed, so they are made again by running
        the steps done once more (the same arithmetic: the same numbers, bit for bit)."""
        if self.done == 0:
            return self.net
        if self._last is None:
            if self.kernel is None:
                self._last = self.network()
            else:
                again = _Engine(self.net)
                with np.errstate(all="ignore"):
                    again.start()
                    again.run(self.done)
                self._last = again.network()
        return self._last


def _run_forward(program: list[ForwardStep], sample_pass: SamplePass) -> float:
    """A forward pass over a pass's buffers: its loss, and its output δ ready."""
    matmul = np.matmul
    for block, inp, z, activate in program:
        matmul(block, inp, z)
        if activate is not None:
            activate()
    return float(sample_pass.loss_fn())
