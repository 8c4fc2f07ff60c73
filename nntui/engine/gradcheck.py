"""The gradient check (`nntui gradcheck`, SPEC §2): backpropagation against calculus.

For every parameter θ the engine's backprop gradient ∂E/∂θ (`compute.backward` of the loss of
the batch the next training step uses) is set beside a finite difference of that same loss, and
the two are compared by their relative error.

The finite difference is Richardson-extrapolated central differences,

    D(h) = (E(θ + h/2) − E(θ − h/2)) / h,     fd = (4·D(h) − D(2h)) / 3,

whose truncation error is O(h⁴): with the step h = 1e-4·max(1, |θ|) it is far below the
round-off, which is about 1e-16·scale/h, where `scale` is the size of the numbers the loss is
computed from (`_magnitude`). The relative error is

    |backprop − fd| / max(|backprop|, |fd|, FLOOR·scale)

so that 0/0 cannot happen, and a gradient of 0 beside a difference quotient of round-off size
(a neuron switched off) is not a failure: the floor is four orders of magnitude above the
round-off, and a wrong gradient of any size that matters still fails.

A relu, leaky_relu or elu has a corner at 0, where a difference quotient is not the
derivative. A parameter whose steps move any such pre-activation across 0 is tried again with
a step ten times smaller; if that still crosses, the parameter sits on a corner: it is listed
(`corner`) without a relative error and not counted in the largest.

Speed: the perturbed networks are evaluated in chunks, stacked as rows. Moving one parameter
of layer l changes only column i of that layer's pre-activation (by Δ·input j for the weight
w_lij, by Δ for the bias b_li); the layers before it are the unperturbed forward pass's, and
the layers after it run through the engine's own `activate` and `loss_per_sample` on every
stacked copy at once. The 784-32-10 network's 25,450 parameters take about a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from nntui.engine import compute
from nntui.engine.functions import activate, loss_per_sample
from nntui.engine.network import Network
from nntui.engine.ops.activations import activation as activation_record
from nntui.engine.schema import ParamRef

#: The largest relative error a correct backpropagation is allowed (SPEC §2).
TOLERANCE = 1e-6
#: The finite-difference step, relative to max(1, |θ|); then ten times smaller at a corner.
RELATIVE_STEPS = (1e-4, 1e-5)
#: The denominator's floor, relative to the scale of the loss's numbers (see the module text).
FLOOR = 1e-4
#: The offsets, in half steps, of Richardson's four evaluations: θ ± h/2 and θ ± h.
_HALF_STEPS = np.array([-2.0, -1.0, 1.0, 2.0])
#: How many stacked sample rows one chunk of perturbed networks may hold.
_CHUNK_ROWS = 1 << 16


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter's check: its name, backprop's gradient, the finite difference and their
    relative error (None, with `corner`, when every step crosses a corner)."""

    name: str
    backprop: float
    finite_difference: float | None
    relative_error: float | None

    @property
    def corner(self) -> bool:
        return self.relative_error is None


@dataclass(frozen=True)
class GradientCheck:
    """Every parameter's check, in `Network.params()` order, and the verdict."""

    parameters: tuple[ParameterCheck, ...]
    loss: float
    scale: float

    @property
    def largest(self) -> ParameterCheck | None:
        """The checked parameter with the largest relative error (a NaN counts as largest);
        None when no parameter could be checked."""
        checked = [check for check in self.parameters if check.relative_error is not None]
        if not checked:
            return None
        return max(checked, key=lambda check: _ordering_error(check.relative_error))

    @property
    def passed(self) -> bool:
        """True when the largest relative error is at most `TOLERANCE` (and the loss finite)."""
        largest = self.largest
        if not np.isfinite(self.loss):
            return False
        return largest is None or _ordering_error(largest.relative_error) <= TOLERANCE


def _ordering_error(error: float | None) -> float:
    """A relative error for comparisons: NaN (a non-finite number somewhere) is infinite."""
    if error is None:
        return 0.0
    return float("inf") if np.isnan(error) else error


def relative_error(backprop: float, finite_difference: float, scale: float) -> float:
    """|backprop − fd| / max(|backprop|, |fd|, FLOOR·scale); `scale` ≥ 1, so never 0/0."""
    denominator = max(abs(backprop), abs(finite_difference), FLOOR * scale)
    return abs(backprop - finite_difference) / denominator


def check_gradients(
    net: Network, on_progress: Callable[[int, int], None] | None = None
) -> GradientCheck:
    """Check every parameter of `net`; `on_progress(done, total)` is called after each chunk.
    A number that overflows is no warning: it makes a relative error NaN, which fails."""
    with np.errstate(all="ignore"):
        return _check(net, on_progress)


def _check(net: Network, on_progress: Callable[[int, int], None] | None) -> GradientCheck:
    batch = net.batch
    base = compute.forward(net, batch=batch)
    grads = compute.backward(net, base, batch)
    backprop = net.layout.flatten(grads.weights, grads.biases)
    scale = _magnitude(base)
    pattern = tuple(pre > 0 for pre in base.pre)  # the side of 0 of every pre-activation
    values = net.flat()
    refs = list(net.params())
    differences = np.full(len(refs), np.nan)
    at_corner = np.ones(len(refs), dtype=bool)
    done = 0
    for layer, indices in _parameters_by_layer(net):
        for chunk in _chunks(indices, _CHUNK_ROWS // (4 * net.n_samples)):
            pending = chunk
            for relative_step in RELATIVE_STEPS:
                if pending.size == 0:
                    break
                steps = relative_step * np.maximum(1.0, np.abs(values[pending]))
                quotients, crossed = _difference_quotients(
                    net, base, pattern, layer, [refs[index] for index in pending], steps
                )
                smooth = pending[~crossed]
                differences[smooth] = quotients[~crossed]
                at_corner[smooth] = False
                pending = pending[crossed]
            done += chunk.size
            if on_progress is not None:
                on_progress(done, len(refs))
    checks = tuple(
        ParameterCheck(
            name=net.param_name(ref),
            backprop=float(backprop[index]),
            finite_difference=None if at_corner[index] else float(differences[index]),
            relative_error=None
            if at_corner[index]
            else relative_error(float(backprop[index]), float(differences[index]), scale),
        )
        for index, ref in enumerate(refs)
    )
    return GradientCheck(checks, base.loss, scale)


def _parameters_by_layer(net: Network) -> Iterator[tuple[int, np.ndarray]]:
    """Each layer's index and the flat positions of its parameters."""
    positions: dict[int, list[int]] = {}
    for index, ref in enumerate(net.params()):
        positions.setdefault(ref.layer, []).append(index)
    for layer, indices in sorted(positions.items()):
        yield layer, np.array(indices, dtype=np.intp)


def _chunks(indices: np.ndarray, size: int) -> Iterator[np.ndarray]:
    size = max(1, size)
    for start in range(0, indices.size, size):
        yield indices[start : start + size]


def _difference_quotients(
    net: Network,
    base: compute.Forward,
    pattern: tuple[np.ndarray, ...],
    layer: int,
    refs: list[ParamRef],
    steps: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Richardson's difference quotient of the batch loss for each parameter of `refs` (all
    in `layer`) with its step, and whether any of its four evaluations crossed a corner."""
    count = len(refs)
    neurons = np.array([ref.neuron for ref in refs], dtype=np.intp)
    # What the moved parameter multiplies, per sample: input j for a weight, 1 for a bias.
    inputs = base.layer_input(layer)
    factors = np.stack(
        [inputs[:, ref.input] if ref.kind == "weight" else np.ones(net.n_samples) for ref in refs]
    )  # (parameters, samples)
    shifts = _HALF_STEPS[None, :] * steps[:, None] / 2  # (parameters, 4)
    copies = count * _HALF_STEPS.size
    pre = np.repeat(base.pre[layer][None, :, :], copies, axis=0)  # (copies, samples, neurons)
    moved = np.arange(copies)
    pre[moved, :, np.repeat(neurons, _HALF_STEPS.size)] += shifts.reshape(-1, 1) * np.repeat(
        factors, _HALF_STEPS.size, axis=0
    )
    losses, crossed_rows = _finish_forward(net, pattern, layer, pre)
    losses = losses.reshape(count, _HALF_STEPS.size)
    crossed: np.ndarray = np.any(crossed_rows.reshape(count, _HALF_STEPS.size), axis=1)
    wide = (losses[:, 3] - losses[:, 0]) / (2 * steps)
    narrow = (losses[:, 2] - losses[:, 1]) / steps
    return (4 * narrow - wide) / 3, crossed


def _finish_forward(
    net: Network, pattern: tuple[np.ndarray, ...], layer: int, pre: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The batch loss of each stacked copy whose pre-activations at `layer` are `pre`
    (copies, samples, neurons), and whether it moved a pre-activation across a corner."""
    copies, samples = pre.shape[0], pre.shape[1]
    crossed = np.zeros(copies, dtype=bool)
    post = pre  # replaced by the first layer's activation before it is read
    with np.errstate(all="ignore"):
        for index in range(layer, len(net.layers)):
            current = net.layers[index]
            if index > layer:
                pre = post @ current.weights.T + current.biases
            if not activation_record(current.activation).smooth:
                crossed |= np.any((pre > 0) != pattern[index][None], axis=(1, 2))
            post = activate(current.activation, pre.reshape(copies * samples, -1)).reshape(
                copies, samples, -1
            )
        targets = np.tile(net.targets, (copies, 1))
        flat_pre = pre.reshape(copies * samples, -1)
        flat_post = post.reshape(copies * samples, -1)
        losses = loss_per_sample(net.loss, flat_pre, flat_post, targets).reshape(copies, samples)
        batch = net.batch
        rows = np.arange(samples) if batch.is_everything else batch.rows
        batch_loss = np.sum(losses[:, rows], axis=1) * compute.reduce_factor(net, batch)
    return batch_loss, crossed


def _magnitude(fwd: compute.Forward) -> float:
    """The size of the numbers the loss is computed from (the scale of its round-off)."""
    sizes = [1.0, abs(fwd.loss), float(np.max(np.abs(fwd.losses)))]
    sizes.extend(float(np.max(np.abs(z))) for z in fwd.pre)
    finite = [size for size in sizes if np.isfinite(size)]
    return max(finite)
