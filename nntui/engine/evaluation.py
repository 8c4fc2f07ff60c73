"""How well a network does: its loss and, for classes, its accuracy, on the training samples
and on the samples held out from training (SPEC §7).

The test loss is the network's own batch loss (its `loss` and `reduction`) over the held-out
samples, computed by the same forward pass as the training loss, so the two compare directly
under the default `mean` reduction.

**Accuracy** is the share of samples whose predicted class is their target's:

- K ≥ 2 output neurons (one-hot targets): the class of the largest output against the class
  of the largest target entry (the first, on a tie);
- one output neuron (targets 0 and 1): the side of 0.5 the output is on, 0.5 itself counting
  as class 1, against the target's.

It is reported only for classification targets: a network whose `[data]` has classes (a
generator, or a CSV file's labels). A CSV's numeric targets are a regression, and a network
that lists its `[[samples]]` says nothing about what its targets mean, so neither gets one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from nntui.engine.compute import forward
from nntui.engine.network import Network

FloatArray = npt.NDArray[np.float64]

#: Where one output neuron's prediction turns from class 0 to class 1.
THRESHOLD = 0.5


@dataclass(frozen=True)
class Scores:
    """A network's loss and accuracy on its training samples and its held-out samples; None
    where there is nothing to score (no test set; targets that are not classes)."""

    loss: float
    accuracy: float | None
    test_loss: float | None
    test_accuracy: float | None


def scores(net: Network) -> Scores:
    """`net`'s loss and accuracy on its training samples, and on its test samples if any."""
    classes = net.data is not None and net.data.is_classification
    loss, accuracy_ = _scored(net, classes)
    test_loss: float | None = None
    test_accuracy: float | None = None
    test = held_out(net)
    if test is not None:
        test_loss, test_accuracy = _scored(test, classes)
    return Scores(loss, accuracy_, test_loss, test_accuracy)


def held_out(net: Network) -> Network | None:
    """`net` with its held-out samples as its samples (None without a test set): what the
    engine's forward pass computes the test loss of."""
    if net.n_test_samples == 0:
        return None
    return replace(net, inputs=net.test_inputs, targets=net.test_targets)


def accuracy(outputs: FloatArray, targets: FloatArray) -> float:
    """The share of rows whose predicted class is the target's (see the module docstring);
    `outputs` and `targets` have one row per sample, at least one."""
    if outputs.shape[1] == 1:
        predicted = outputs[:, 0] >= THRESHOLD
        actual = targets[:, 0] >= THRESHOLD
    else:
        predicted = np.argmax(outputs, axis=1)
        actual = np.argmax(targets, axis=1)
    return float(np.mean(predicted == actual))


def _scored(net: Network, classes: bool) -> tuple[float, float | None]:
    with np.errstate(all="ignore"):  # a diverged network's loss may be inf; it is reported
        result = forward(net)
    return result.loss, accuracy(result.output, net.targets) if classes else None
