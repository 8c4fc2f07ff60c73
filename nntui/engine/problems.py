"""What went wrong in a training step: the first number that is not finite, named.

The debugger, `nntui export` and `nntui train` all say why a step cannot be taken the same way:
`step_problem` names the first non-finite number in the order the step is taught, and
`diagnose_step` names the parameter that broke a step the fast path saw fail. This module is
on the traced path (`compute` only); the fast path (`training`) imports it, never the reverse.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from nntui.engine.compute import Backward, Forward, backward, forward, update
from nntui.engine.network import Network


class ParamNames:
    """The names of a network's parameters by their position in its flat listing
    (`Network.layout`), in the network's one naming style; nothing is listed until a name is
    asked for (a healthy step never asks)."""

    def __init__(self, net: Network) -> None:
        self._net = net

    def __getitem__(self, index: int) -> str:
        return self._net.param_name(self._net.layout.ref_at(index))


def diagnose_step(net: Network, loss: float | None) -> str:
    """Why the step from `net` (the last finite state) failed, naming a parameter: the first
    whose gradient (or new value) is not finite; or, when it is the loss after the step that
    is not finite (`loss`), the parameter that step moved the most."""
    names = ParamNames(net)
    batch = net.batch
    with np.errstate(all="ignore"):
        grads = backward(net, forward(net, batch=batch), batch)
        after = update(net, grads)
    gradient = net.layout.flatten(grads.weights, grads.biases)
    new = after.flat()
    bad = _first_not_finite(gradient)
    if bad is not None:
        return f"the gradient of {names[bad]} is not finite ({float(gradient[bad])!r})"
    bad = _first_not_finite(new)
    if bad is not None:
        return f"the update of {names[bad]} is not finite ({float(new[bad])!r})"
    if loss is None:
        return "the parameters are no longer finite"
    moves = new - net.flat()
    most = int(np.argmax(np.abs(moves)))
    return (
        f"the loss after the step is not finite ({loss!r}); the step moved {names[most]} "
        f"the most, by {float(moves[most]):.3g}"
    )


#: Names a neuron's value in messages: (kind "pre" or "post", layer, neuron) → e.g. "h_pre0".
Symbol = Callable[[str, int, int], str]


def _target_symbol(kind: str, layer: int, neuron: int) -> str:
    """The JSON trace's `target` naming (SPEC §4): `pre[0][1]`, `post[1][0]`."""
    return f"{kind}[{layer}][{neuron}]"


def step_arrays(net: Network) -> tuple[Forward, Backward, Network, Forward]:
    """One step of the engine from `net`: forward, backward, the update, forward again (the
    losses those of the step's batch)."""
    batch = net.batch
    with np.errstate(all="ignore"):
        fwd = forward(net, batch=batch)
        bwd = backward(net, fwd, batch)
        after = update(net, bwd)
        return fwd, bwd, after, forward(after, batch=batch)


def step_problem(
    net: Network,
    fwd: Forward,
    bwd: Backward,
    after: Network,
    fwd_after: Forward,
    symbol: Symbol | None = None,
) -> str | None:
    """Why one training step from `net` is not exact arithmetic, or None when every number of
    it is finite: every layer's pre-activation and activation, each sample's loss and the
    batch loss, every gradient (each sample's and the batch's, ∂E/∂a, ∂E/∂z, f′(z)), every
    new parameter and the forward pass after the step.

    The message names the first number that is not finite in the order the step is taught
    (forward, loss, backward, update, check), e.g. "the pre-activation h_pre0 is not finite
    (inf)"; a loss that is not finite is named before the values that made it. `symbol`
    names a neuron's value (default: the JSON trace's `pre[0][1]`). The check costs one
    `np.isfinite` per array; only a step that fails is searched number by number.
    """
    with np.errstate(all="ignore"):  # how far a parameter moved may itself overflow
        return _step_problem(net, fwd, bwd, after, fwd_after, symbol or _target_symbol)


def _step_problem(
    net: Network, fwd: Forward, bwd: Backward, after: Network, fwd_after: Forward, name: Symbol
) -> str | None:
    several = net.n_samples > 1
    names = ParamNames(net)
    if not math.isfinite(fwd.loss):
        return f"the loss is not finite ({fwd.loss!r})"
    found = _forward_problem(fwd, name, several, "")
    if found is not None:
        return found
    found = _backward_problem(net, bwd, names, name, several)
    if found is not None:
        return found
    new = after.flat()
    bad = _first_not_finite(new)
    if bad is not None:
        return f"the update of {names[bad]} is not finite ({float(new[bad])!r})"
    moves = new - net.flat()
    most = int(np.argmax(np.abs(moves))) if moves.size else 0
    moved = f"the step moved {names[most]} the most, by {float(moves[most]):.3g}"
    if not math.isfinite(fwd_after.loss):
        return f"the loss after the step is not finite ({fwd_after.loss!r}); {moved}"
    found = _forward_problem(fwd_after, name, several, "*")
    if found is not None:
        return f"after the step, {found}; {moved}"
    return None


def _all_finite(arrays: Sequence[np.ndarray | None]) -> bool:
    return all(array is None or bool(np.isfinite(array).all()) for array in arrays)


def _first_not_finite(vector: np.ndarray) -> int | None:
    """The position of the first number of `vector` that is not finite, or None."""
    bad = np.flatnonzero(~np.isfinite(vector))
    return int(bad[0]) if bad.size else None


def _first_bad(array: np.ndarray) -> tuple[tuple[int, ...], float] | None:
    bad = np.argwhere(~np.isfinite(array))
    if not len(bad):
        return None
    index = tuple(int(axis) for axis in bad[0])
    return index, float(array[index])


def _forward_problem(fwd: Forward, name: Symbol, several: bool, star: str) -> str | None:
    """The first pre-activation, activation or sample loss that is not finite."""
    if _all_finite((*fwd.pre, *fwd.post, fwd.losses)):
        return None
    for sample in range(fwd.losses.shape[0]):
        of_sample = f" for sample {sample}" if several else ""
        for layer, (pre, post) in enumerate(zip(fwd.pre, fwd.post, strict=True)):
            for what, kind, array in (("pre-activation", "pre", pre), ("activation", "post", post)):
                bad = _first_bad(array[sample])
                if bad is not None:
                    (neuron,), value = bad
                    symbol = name(kind, layer, neuron) + star
                    return f"the {what} {symbol} is not finite ({value!r}){of_sample}"
        if not math.isfinite(fwd.losses[sample]):
            return f"the loss of sample {sample} is not finite ({float(fwd.losses[sample])!r})"
    return None


def _backward_problem(
    net: Network, bwd: Backward, names: ParamNames, name: Symbol, several: bool
) -> str | None:
    """The first gradient that is not finite: each sample's, output layer first, then the
    batch's."""
    per_sample = (*bwd.grad_post, *bwd.grad_pre, *bwd.local, *bwd.sample_weights)
    if _all_finite((*per_sample, *bwd.sample_biases, *bwd.weights, *bwd.biases)):
        return None
    layers = len(bwd.grad_pre)
    for sample in range(bwd.grad_pre[0].shape[0]):
        of_sample = f" for sample {sample}" if several else ""
        for layer in reversed(range(layers)):
            checks = (
                ("∂E/∂{post}", bwd.grad_post[layer]),
                ("∂{post}/∂{pre}", bwd.local[layer]),
                ("∂E/∂{pre}", bwd.grad_pre[layer]),
            )
            for template, array in checks:
                bad = None if array is None else _first_bad(array[sample])
                if bad is not None:
                    (neuron,), value = bad
                    what = template.format(
                        post=name("post", layer, neuron), pre=name("pre", layer, neuron)
                    )
                    return f"{what} is not finite ({value!r}){of_sample}"
        own = net.layout.flatten(
            [grad[sample] for grad in bwd.sample_weights],
            [grad[sample] for grad in bwd.sample_biases],
        )
        bad_at = _first_not_finite(own)
        if bad_at is not None:
            return (
                f"the gradient of {names[bad_at]} is not finite ({float(own[bad_at])!r}){of_sample}"
            )
    gradient = net.layout.flatten(bwd.weights, bwd.biases)
    bad_at = _first_not_finite(gradient)
    if bad_at is not None:
        return f"the gradient of {names[bad_at]} is not finite ({float(gradient[bad_at])!r})"
    return None
