"""`build_trace`: run one training step and write each number it produced as a step, in the
order a lecturer explains it (SPEC §4).

Per sample, forward (each neuron's sum, then its activation) and its loss; the batch loss;
per sample, backward a layer at a time from the output (∂E/∂a of each neuron, each
activation derivative, then each parameter's chain-rule product); the reduction over samples;
the update of every parameter (plain SGD's one step, or the optimizer's parts, parameter by
parameter); the check (forward again with the new parameters, new loss).

With mini-batches (SPEC §6) the step is that of the network's next batch: its samples' steps,
the batch loss and gradients over them, the update, and the check on the same batch.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence

import numpy as np

from nntui.engine.compute import Backward, Forward, backward, forward, optimizer_update
from nntui.engine.network import Network
from nntui.engine.problems import step_problem
from nntui.engine.spec import (
    GRANULARITIES,
    Granularity,
    default_granularity_for,
    traced_sample_count,
)
from nntui.engine.trace.backward import BackwardSteps
from nntui.engine.trace.model import Phase, Step, Trace
from nntui.engine.trace.notation import Names
from nntui.engine.trace.optimizer import OptimizerSteps


class _Builder(OptimizerSteps, BackwardSteps):
    """Writes the steps of one training step in the lecture's order; each family of steps
    (forward and loss, backward, gradients, reduction and update) adds its own kinds."""

    def build(self) -> list[Step]:
        net = self.net
        for sample in self.samples:
            self.forward_sample(sample, net, self.fwd, "forward", star=False)
            self.loss_step(sample, self.fwd, "loss", star=False)
        if net.n_samples > 1:
            self.batch_loss(self.fwd, "loss", star=False)
        for sample in self.samples:
            for layer in reversed(range(self.n_layers)):
                self.backward_layer(sample, layer)
        if net.n_samples > 1:
            for layer in reversed(range(self.n_layers)):
                self.reduce_layer(layer)
        plain = net.optimizer.is_plain_sgd
        for layer in reversed(range(self.n_layers)):
            if plain:
                self.update_layer(layer)
            else:
                self.optimizer_layer(layer)
        for sample in self.samples:
            self.forward_sample(sample, self.after, self.fwd_after, "check", star=True)
            self.loss_step(sample, self.fwd_after, "check", star=True)
        if net.n_samples > 1:
            self.batch_loss(self.fwd_after, "check", star=True)
        return self.steps


def default_samples(net: Network) -> tuple[int, ...]:
    """The samples a trace steps through unless told: all of the next step's batch (every
    sample without mini-batches), or the first `TRACE_SAMPLES` of a big one."""
    batch = net.batch
    return tuple(range(batch.start, batch.start + traced_sample_count(batch.size)))


def build_trace(
    net: Network, granularity: Granularity = "parameter", samples: Sequence[int] | None = None
) -> Trace:
    """Run one training step of `net` and trace it at `granularity`, with the own steps of
    `samples` (distinct sample indices, in increasing order; default `default_samples`).
    Batch steps (the batch loss, the reduced gradients) always cover every sample of the
    step's batch: the samples without steps of their own enter them as one term, their sum.

    With mini-batches the step trains on `net.batch`; of `samples`, those in it get their
    steps (a window chosen for another batch falls back on `default_samples`)."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    chosen = default_samples(net) if samples is None else tuple(int(k) for k in samples)
    if (
        not chosen
        or list(chosen) != sorted(set(chosen))
        or not 0 <= chosen[0] <= chosen[-1] < net.n_samples
    ):
        raise ValueError(f"samples must be distinct sample indices in order, got {samples!r}")
    batch = net.batch
    chosen = tuple(sample for sample in chosen if batch.covers(sample)) or default_samples(net)
    # A diverging network overflows on purpose: the numbers say inf, `problem` says why,
    # and NumPy stays quiet.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fwd = forward(net, batch=batch)
        bwd = backward(net, fwd, batch)
        update = optimizer_update(net, bwd)
        after = update.network
        fwd_after = forward(after, batch=batch)
        with _cycle_collector_paused():
            builder = _Builder(
                net, granularity, fwd, bwd, after, fwd_after, chosen, batch, update.values
            )
            steps = tuple(builder.build())
    starts: dict[Phase, int] = {}
    for step in steps:
        starts.setdefault(step.phase, step.index)
    problem = _problem(net, fwd, bwd, after, fwd_after)
    return Trace(
        net,
        granularity,
        fwd,
        bwd,
        after,
        fwd_after,
        steps,
        starts,
        problem,
        chosen,
        batch=batch,
        update_values=update.values,
    )


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause CPython's cycle collector while the steps are written. A trace is up to hundreds of
    thousands of small records and tokens, none in a reference cycle; as they pile up the
    collector would scan each of them again and again (half the time of tracing mnist-784 per
    parameter). Reference counting still frees every temporary at once; the collector resumes
    (if it ran before) as soon as the steps are written."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _problem(
    net: Network, fwd: Forward, bwd: Backward, after: Network, fwd_after: Forward
) -> str | None:
    """Why this training step cannot be taken, or None when every number of it is finite:
    the first number that is not (pre/post of every layer, every loss, every gradient, every
    new parameter, the check), named as the steps name it (`step_problem`)."""
    names = Names.of(net)

    def symbol(kind: str, layer: int, neuron: int) -> str:
        name = names.pre(layer, neuron) if kind == "pre" else names.post(layer, neuron)
        return name.text

    return step_problem(net, fwd, bwd, after, fwd_after, symbol)


def estimated_steps(net: Network, granularity: Granularity, samples: int | None = None) -> int:
    """About how many steps one iteration has at `granularity` stepping through `samples`
    samples (default: as many as `default_samples`), without building it."""
    n = traced_sample_count(net.batch.size) if samples is None else samples
    neurons = sum(layer.size for layer in net.layers)
    params = net.n_params
    layers = len(net.layers)
    # Each parameter's update is one step with plain SGD, one per part with an optimizer.
    parts = len(net.optimizer.record.parts(net.optimizer))
    if granularity == "parameter":
        return n * (5 * neurons + params) + (1 + parts) * params
    if granularity == "neuron":
        return n * 7 * neurons + (3 + parts) * neurons
    return n * 8 * layers + (3 + parts) * layers


def default_granularity(net: Network) -> Granularity:
    """One step per parameter for small networks (the document's way), per layer for big ones
    (counting the samples of the step's batch)."""
    return default_granularity_for(net.n_params, net.batch.size)
