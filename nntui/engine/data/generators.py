"""The 2-D data sets a class knows from TensorFlow Playground and scikit-learn, one record each.

Every generator draws `n` points in the plane and gives each a class, `0 … classes − 1`:

- `xor`: points in the four quadrants, class 1 where exactly one coordinate is positive
  (x·y < 0, the XOR of the two signs); no point nearer an axis than 0.05.
- `circles`: class 0 on the circle of radius 1, class 1 on the circle of radius 0.5
  (scikit-learn's `make_circles` with `factor=0.5`).
- `gauss`: round Gaussian blobs (standard deviation 0.2) around centres on the circle of
  radius √½; with two classes, class 0 around (−0.5, −0.5) and class 1 around (0.5, 0.5).
- `spiral`: interleaved arms of 1.75 turns from the centre to radius 1 (Playground's spiral),
  one arm per class.
- `moons`: scikit-learn's `make_moons`, scaled by 1/1.5 and centred, so x spans [−1, 1] and
  y [−0.5, 0.5]: class 0 the upper moon, class 1 the lower.

`xor`, `circles` and `moons` have two classes; `gauss` and `spiral` as many as asked.

**Scale.** The points lie in about [−1, 1]², scikit-learn's unit scale rather than Playground's
[−6, 6]: the initialisations nntui draws weights from (He, Xavier) assume inputs of about unit
size, so a freshly made network starts in the working range of tanh and sigmoid, and the numbers
a class reads in the trace stay short (0.42, not 4.2).

**Noise** is Gaussian, with standard deviation `noise` in the same units as the points, added to
each coordinate after the clean shape is drawn (as in scikit-learn). It is drawn whatever
`noise` is, so one seed gives the same points at every noise level, only jittered more: with
noise 0 the shapes are exact (the circles' radii are 1 and 0.5 to the last bit).

**Balance and order.** Class k gets `n // classes` points, one more for the first
`n % classes` classes, so the counts differ by at most one. The points are then shuffled, so
mini-batches in file order (SPEC §6) mix the classes. All randomness comes from
`numpy.random.default_rng(seed)`: the same seed gives the same points on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
ClassArray = npt.NDArray[np.intp]

#: Draws `count` clean points of class `class_index` out of `classes`: `(count, 2)`.
Shape = Callable[[np.random.Generator, int, int, int], FloatArray]

XOR_MARGIN = 0.05
CIRCLE_RADII = (1.0, 0.5)
GAUSS_CENTRE_RADIUS = math.sqrt(0.5)
GAUSS_SPREAD = 0.2
SPIRAL_TURNS = 1.75
MOONS_SCALE = 1.5


@dataclass(frozen=True)
class Generator:
    """One data-set shape: its name in `[data] generator`, how many classes it can make
    (None: any number, one per output neuron), a one-line description, and its clean points."""

    name: str
    max_classes: int | None
    description: str
    shape: Shape


def _xor(rng: np.random.Generator, class_index: int, classes: int, count: int) -> FloatArray:
    magnitudes = rng.uniform(XOR_MARGIN, 1.0, size=(count, 2))
    first_sign = 2.0 * rng.integers(0, 2, size=count) - 1.0
    # Class 0: both coordinates share the sign; class 1: they differ.
    second_sign = first_sign if class_index == 0 else -first_sign
    return magnitudes * np.column_stack([first_sign, second_sign])


def _circles(rng: np.random.Generator, class_index: int, classes: int, count: int) -> FloatArray:
    angle = rng.uniform(0.0, 2 * math.pi, size=count)
    radius = CIRCLE_RADII[class_index]
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _gauss(rng: np.random.Generator, class_index: int, classes: int, count: int) -> FloatArray:
    # From 225°, so that with two classes class 1 is the (+, +) blob, as in Playground.
    angle = 1.25 * math.pi + 2 * math.pi * class_index / classes
    centre = GAUSS_CENTRE_RADIUS * np.array([math.cos(angle), math.sin(angle)])
    return centre + rng.normal(0.0, GAUSS_SPREAD, size=(count, 2))


def _spiral(rng: np.random.Generator, class_index: int, classes: int, count: int) -> FloatArray:
    radius = rng.uniform(0.0, 1.0, size=count)
    angle = 2 * math.pi * (SPIRAL_TURNS * radius + class_index / classes)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _moons(rng: np.random.Generator, class_index: int, classes: int, count: int) -> FloatArray:
    angle = rng.uniform(0.0, math.pi, size=count)
    if class_index == 0:
        x, y = np.cos(angle), np.sin(angle)
    else:
        x, y = 1.0 - np.cos(angle), 0.5 - np.sin(angle)
    return np.column_stack([(x - 0.5) / MOONS_SCALE, (y - 0.25) / MOONS_SCALE])


GENERATORS: dict[str, Generator] = {
    generator.name: generator
    for generator in (
        Generator("xor", 2, "the four quadrants, class 1 where the signs differ", _xor),
        Generator("circles", 2, "a circle of radius 0.5 inside one of radius 1", _circles),
        Generator("gauss", None, "round Gaussian blobs, one per class", _gauss),
        Generator("spiral", None, "interleaved spiral arms, one per class", _spiral),
        Generator("moons", 2, "two interleaving half circles", _moons),
    )
}


def class_counts(n: int, classes: int) -> list[int]:
    """How many of `n` points each class gets: as even as `n` allows, the first classes one
    more when it does not divide."""
    return [
        n // classes + (1 if class_index < n % classes else 0) for class_index in range(classes)
    ]


def generate(
    name: str, n: int, *, classes: int = 2, noise: float = 0.0, seed: int = 0
) -> tuple[FloatArray, ClassArray]:
    """`n` shuffled points `(n, 2)` of the generator `name` and their classes `(n,)`.

    Raises `ValueError` for an unknown name, or more classes than the generator has; `[data]`
    tables are checked before they get here (`nntui.engine.data.settings`).
    """
    generator = GENERATORS[name]
    if classes < 2 or (generator.max_classes is not None and classes > generator.max_classes):
        raise ValueError(f"{name} cannot make {classes} classes")
    rng = np.random.default_rng(seed)
    counts = class_counts(n, classes)
    clean = np.concatenate(
        [
            generator.shape(rng, class_index, classes, count)
            for class_index, count in enumerate(counts)
        ]
    )
    classes_of = np.repeat(np.arange(classes, dtype=np.intp), counts)
    points = clean + noise * rng.standard_normal(clean.shape)
    order = rng.permutation(n)
    return points[order], classes_of[order]
