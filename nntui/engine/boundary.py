"""The decision boundary in numbers: a 2-input network's output over a grid of the input plane.

The boundary pane colours each cell of a grid over the plane by what the network outputs there
and draws the samples over it. This module computes everything in that picture that is a
number, and nothing that is a colour or a character:

- `Plane`: the rectangle of the plane the grid covers — every training and test sample plus a
  margin, with the same scale on both axes, so that circles stay round — and where each sample
  falls in the grid.
- `outputs_over(network, points)`: the network's output at every point, by the engine's own
  forward arithmetic (the same matrix products and activation records as `compute.forward`,
  so the numbers are identical to the bit; the tests check it).
- `Boundary`: the grid's outputs read as *tones*: which colour family each cell takes (its
  `hue`) and how strongly (its `level`, 0 … LEVELS − 1), by the kind of output (`OutputKind`):
  a sigmoid's probability, softmax classes, or a regression's value on a diverging scale.
  The samples get tones too (their targets'), in `Marks`.
- `BoundaryCache`: the pane redraws at every key press and, during live training, ten times a
  second; the grid is computed again only when the parameters, the samples or the grid's size
  change. Stepping through the forward pass costs a dictionary look-up.

What it costs (`python -m nntui.engine.boundary` measures it): a 120×36 pane is a grid of
114×68 cells, 7,752 points. On the 2-core machine nntui is developed on, one grid takes about
1.2 ms for circles (2-8-8-1) and 3 to 9 ms for the spiral (2-16-16-3), most of it fresh memory
for its 7,752×16 arrays; a grid found in the cache 0.005 ms. Drawing the pane from it costs the
widget another 3 to 6 ms (the spiral's arms make more runs of colour).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from nntui.engine.functions import activate
from nntui.engine.network import Layer, Network
from nntui.engine.ops.activations import activation

__all__ = [
    "LEVELS",
    "MARGIN",
    "NOT_FINITE",
    "Boundary",
    "BoundaryCache",
    "Marks",
    "OutputKind",
    "Plane",
    "boundary_of",
    "output_kind",
    "outputs_over",
    "plane_of",
    "tone_of",
    "with_updated",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: How many strengths a colour has: level 0 is the plane's neutral ground, LEVELS − 1 the
#: strongest. Few enough that a pane needs few styles; enough for a smooth shading.
LEVELS = 9
#: The margin around the samples, as a fraction of their larger extent.
MARGIN = 0.08
#: The hue of a cell whose output is not a finite number (a diverged network).
NOT_FINITE = -1

#: `probability`: one sigmoid output, p(class 1); `classes`: two or more outputs, one class
#: each (softmax, or one-hot targets under another activation); `regression`: one output of
#: any other activation, a number on a diverging scale around the middle of the targets.
OutputKind = Literal["probability", "classes", "regression"]


def output_kind(network: Network) -> OutputKind:
    """How the pane reads `network`'s output (see `OutputKind`)."""
    last = network.layers[-1]
    if last.size >= 2:
        return "classes"
    return "probability" if activation(last.activation).probability else "regression"


# -- the plane -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plane:
    """A `columns` × `rows` grid over the rectangle [x_min, x_max] × [y_min, y_max] of the
    input plane (x0 across, x1 up). Cells are squares of side `cell`; row 0 is the top row
    (the largest x1), as the screen draws it."""

    x_min: float
    y_min: float
    cell: float
    columns: int
    rows: int

    @property
    def x_max(self) -> float:
        return self.x_min + self.cell * self.columns

    @property
    def y_max(self) -> float:
        return self.y_min + self.cell * self.rows

    @classmethod
    def around(cls, points: FloatArray, columns: int, rows: int) -> Plane:
        """The plane of a `columns` × `rows` grid that holds every one of `points` (an
        `(n, 2)` array) with a margin, centred on them, its cells square. Without points (or
        with points that are not finite) it shows [−1, 1]²; about a single point, a unit
        square."""
        if columns < 1 or rows < 1:
            raise ValueError(f"a grid needs a cell, got {columns}×{rows}")
        finite = points[np.all(np.isfinite(points), axis=1)] if len(points) else points
        if len(finite):
            low, high = finite.min(axis=0), finite.max(axis=0)
        else:
            low, high = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
        span = float(np.max(high - low))
        if not span > 0:  # one point (or every sample at one place): a unit square about it
            low, high, span = low - 0.5, high + 0.5, 1.0
        low, high = low - MARGIN * span, high + MARGIN * span
        # The cell that fits both spans; the other axis is widened about its centre.
        cell = max(float(high[0] - low[0]) / columns, float(high[1] - low[1]) / rows)
        centre = (low + high) / 2
        return cls(
            x_min=float(centre[0]) - cell * columns / 2,
            y_min=float(centre[1]) - cell * rows / 2,
            cell=cell,
            columns=columns,
            rows=rows,
        )

    def centres(self) -> FloatArray:
        """The centre of every cell, `(rows·columns, 2)`, row by row from the top row."""
        xs = self.x_min + (np.arange(self.columns) + 0.5) * self.cell
        ys = self.y_max - (np.arange(self.rows) + 0.5) * self.cell
        grid_x, grid_y = np.meshgrid(xs, ys)
        return np.column_stack([grid_x.ravel(), grid_y.ravel()])

    def cells_of(self, points: FloatArray) -> tuple[IntArray, IntArray]:
        """The (row, column) of the cell each of `points` falls in; a point outside the plane
        (or not finite) gets row and column −1."""
        if len(points) == 0:
            empty = np.empty(0, dtype=np.intp)
            return empty, empty
        with np.errstate(invalid="ignore"):
            column = np.floor((points[:, 0] - self.x_min) / self.cell)
            row = np.floor((self.y_max - points[:, 1]) / self.cell)
            inside = (column >= 0) & (column < self.columns) & (row >= 0) & (row < self.rows)
        return (
            np.where(inside, row, -1).astype(np.intp),
            np.where(inside, column, -1).astype(np.intp),
        )


# -- the outputs ---------------------------------------------------------------------------------
def outputs_over(network: Network, points: FloatArray) -> FloatArray:
    """`network`'s output at each of `points` (`(n, 2)`): `(n, outputs)`.

    The arithmetic of `compute.forward` — `a @ W.T + b`, then the layer's activation record —
    on the points as samples, without the loss (they have no targets): the numbers are the
    ones the engine would compute for samples at those points, to the bit.
    """
    post = points
    with np.errstate(all="ignore"):  # a diverged network's inf and nan are drawn, not warned
        for layer in network.layers:
            pre = post @ layer.weights.T
            pre += layer.biases  # the same sums as `+`, without a second grid-sized array
            post = activate(layer.activation, pre)
    return np.asarray(post, dtype=np.float64)


def with_updated(
    before: Network, after: Network, updated: list[tuple[BoolArray, BoolArray]]
) -> Network:
    """`before` with the parameters that `updated` marks taken from `after`: per layer, a mask
    of its weights' shape and one of its biases'. The network as the class knows it while an
    update is revealed one parameter (or one neuron, or one layer) at a time."""
    layers = tuple(
        Layer(
            old.activation,
            np.where(weight_mask, new.weights, old.weights),
            np.where(bias_mask, new.biases, old.biases),
        )
        for old, new, (weight_mask, bias_mask) in zip(
            before.layers, after.layers, updated, strict=True
        )
    )
    return before.with_parameters(
        [layer.weights for layer in layers], [layer.biases for layer in layers]
    )


# -- tones -----------------------------------------------------------------------------------------
def tone_of(hue: IntArray, level: IntArray) -> IntArray:
    """Tones as one number each: 0 for the neutral ground (level 0 of any hue),
    `hue·LEVELS + level` otherwise, `NOT_FINITE` for a hue of `NOT_FINITE`. A view keeps one
    colour per tone; `divmod(tone, LEVELS)` gives the hue and level back."""
    tone = np.where(level == 0, 0, hue * LEVELS + level)
    return np.where(hue == NOT_FINITE, NOT_FINITE, tone).astype(np.intp)


@dataclass(frozen=True, eq=False)
class Marks:
    """Samples placed on the grid: the (row, column) cell of each (−1 outside the plane) and
    its tone (`tone_of`), from its target."""

    rows: IntArray
    columns: IntArray
    tone: IntArray

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, eq=False)
class Boundary:
    """The picture's numbers for one network on one grid.

    `outputs` is `(rows, columns, outputs)`, each cell's output at its centre; `tone`
    (`(rows, columns)`) how the cell is coloured (`tone_of`): the colour family — the class
    the cell leans to (for a regression 0 below the middle of the scale, 1 above) — and the
    strength, from 0 (undecided: the neutral ground) to LEVELS − 1 (certain, or at an end of
    the scale); `NOT_FINITE` for an output that is not a number. `hues` is how many colour
    families there are; `scale` the regression's values at the ends of its scale (None for
    classes). `training` and `test` place the samples (by their index in the network's
    `inputs` and `test_inputs`).
    """

    kind: OutputKind
    plane: Plane
    outputs: FloatArray
    tone: IntArray
    hues: int
    scale: tuple[float, float] | None
    training: Marks
    test: Marks


def _levels(strength: FloatArray) -> IntArray:
    """Strengths in [0, 1] as levels 0 … LEVELS − 1: the nearest to √strength·(LEVELS − 1).
    The square root lets a slight lean show (an untrained network's p = 0.55 is level 3, not
    level 1, which no projector shows) and keeps certainty at the top level."""
    clipped: FloatArray = np.clip(np.nan_to_num(strength, nan=0.0), 0.0, 1.0)
    levels: IntArray = np.rint(np.sqrt(clipped) * (LEVELS - 1)).astype(np.intp)
    return levels


def _probability_tones(values: FloatArray) -> tuple[IntArray, IntArray]:
    """p = σ(o): the class it leans to (p ≥ ½ is class 1) and how far p is from ½."""
    p = values[..., 0]
    hue = (p >= 0.5).astype(np.intp)
    return hue, _levels(np.abs(2.0 * p - 1.0))


def _class_tones(values: FloatArray, softmax: bool) -> tuple[IntArray, IntArray]:
    """The class of the largest output, and its strength: for softmax how far its probability
    is above a coin toss among K classes ((p − 1/K)/(1 − 1/K)); for other activations its lead
    over the runner-up."""
    count = values.shape[-1]
    safe = np.nan_to_num(values, nan=-np.inf)
    hue = np.argmax(safe, axis=-1).astype(np.intp)
    top = np.take_along_axis(safe, hue[..., None], axis=-1)[..., 0]
    if softmax:
        strength = (top - 1.0 / count) / (1.0 - 1.0 / count)
    else:
        second = np.sort(safe, axis=-1)[..., -2]
        with np.errstate(invalid="ignore"):
            strength = top - second
    return hue, _levels(strength)


def _regression_tones(values: FloatArray, scale: tuple[float, float]) -> tuple[IntArray, IntArray]:
    """A diverging scale: hue 0 below the middle of `scale`, 1 above; level by the distance
    from the middle, LEVELS − 1 at either end (and beyond)."""
    low, high = scale
    middle, half = (low + high) / 2, (high - low) / 2
    with np.errstate(invalid="ignore", over="ignore"):
        position = (values[..., 0] - middle) / half
    hue = (position >= 0).astype(np.intp)
    return hue, _levels(np.abs(position))


def _regression_scale(network: Network) -> tuple[float, float]:
    """The ends of a regression's scale: the range of the targets (training and test), or
    one unit about them when they are all one number."""
    targets = np.concatenate([network.targets[:, 0], network.test_targets[:, 0]])
    targets = targets[np.isfinite(targets)]
    if len(targets) == 0:
        return -1.0, 1.0
    low, high = float(targets.min()), float(targets.max())
    if not high > low:
        return low - 1.0, high + 1.0
    return low, high


def _tones(
    kind: OutputKind, values: FloatArray, softmax: bool, scale: tuple[float, float] | None
) -> tuple[IntArray, IntArray]:
    """The tone of each row of `values` (outputs, or targets), `NOT_FINITE` where a value is
    not a number."""
    if kind == "probability":
        hue, level = _probability_tones(values)
    elif kind == "classes":
        hue, level = _class_tones(values, softmax)
    else:
        assert scale is not None
        hue, level = _regression_tones(values, scale)
    finite = np.all(np.isfinite(values), axis=-1)
    return np.where(finite, hue, NOT_FINITE), np.where(finite, level, 0)


def _marks(
    plane: Plane,
    points: FloatArray,
    targets: FloatArray,
    kind: OutputKind,
    scale: tuple[float, float] | None,
) -> Marks:
    """The samples at `points` placed on `plane`, toned by their targets: a class target at
    full strength (a 0/1 target is certain), a regression's by its value on the scale."""
    rows, columns = plane.cells_of(points)
    hue, level = _tones(kind, targets, False, scale)
    if kind != "regression":  # a one-hot or 0/1 target is its class, at full strength
        level = np.full(len(targets), LEVELS - 1, dtype=np.intp)
    return Marks(rows, columns, tone_of(hue, level))


def plane_of(network: Network, columns: int, rows: int) -> Plane:
    """The plane of a `columns` × `rows` grid around `network`'s training and test samples."""
    return Plane.around(np.concatenate([network.inputs, network.test_inputs]), columns, rows)


def boundary_of(network: Network, columns: int, rows: int) -> Boundary:
    """The picture's numbers for `network` on a `columns` × `rows` grid around its samples."""
    plane = plane_of(network, columns, rows)
    kind = output_kind(network)
    softmax = activation(network.layers[-1].activation).distribution
    scale = _regression_scale(network) if kind == "regression" else None
    outputs = outputs_over(network, plane.centres())
    hue, level = _tones(kind, outputs, softmax, scale)
    return Boundary(
        kind=kind,
        plane=plane,
        outputs=outputs.reshape(rows, columns, -1),
        tone=tone_of(hue, level).reshape(rows, columns),
        hues=2 if kind != "classes" else network.layers[-1].size,
        scale=scale,
        training=_marks(plane, network.inputs, network.targets, kind, scale),
        test=_marks(plane, network.test_inputs, network.test_targets, kind, scale),
    )


# -- the cache -----------------------------------------------------------------------------------
class BoundaryCache:
    """The last few boundaries, by what they are computed from: every parameter's value (to
    the bit), the activations, the samples and the grid's size. `computed` counts the grids
    actually computed (the tests read it). A handful is kept so that stepping back over an
    update (`←`) and forward again finds both networks."""

    def __init__(self, capacity: int = 4) -> None:
        self.capacity = capacity
        self.computed = 0
        self._boundaries: OrderedDict[tuple[object, ...], Boundary] = OrderedDict()

    def boundary(self, network: Network, columns: int, rows: int) -> Boundary:
        """`boundary_of(network, columns, rows)`, computed only if not kept."""
        key = _key(network, columns, rows)
        kept = self._boundaries.get(key)
        if kept is not None:
            self._boundaries.move_to_end(key)
            return kept
        boundary = boundary_of(network, columns, rows)
        self.computed += 1
        self._boundaries[key] = boundary
        while len(self._boundaries) > self.capacity:
            self._boundaries.popitem(last=False)
        return boundary


def _key(network: Network, columns: int, rows: int) -> tuple[object, ...]:
    """What a boundary depends on, as a hashable value: bytes compare every number exactly
    (−0.0 and 0.0 apart, which is harmless: a new grid)."""
    return (
        columns,
        rows,
        tuple(layer.activation for layer in network.layers),
        network.flat().tobytes(),
        network.inputs.tobytes(),
        network.targets.tobytes(),
        network.test_inputs.tobytes(),
        network.test_targets.tobytes(),
    )


def _measure() -> None:  # pragma: no cover - run by hand: `python -m nntui.engine.boundary`
    """Time one grid for a 120×36 pane on circles and the spiral."""
    import timeit

    from nntui.engine.presets import resolve_network

    for preset in ("circles", "spiral"):
        network = resolve_network(preset)
        runs = 200
        seconds = timeit.timeit(lambda: boundary_of(network, 114, 68), number=runs)  # noqa: B023
        cache = BoundaryCache()
        cache.boundary(network, 114, 68)
        kept = timeit.timeit(lambda: cache.boundary(network, 114, 68), number=runs)  # noqa: B023
        print(
            f"{preset}: {math.prod((114, 68)):,} points, one grid {seconds / runs * 1e3:.2f} ms, "
            f"found in the cache {kept / runs * 1e3:.3f} ms"
        )


if __name__ == "__main__":  # pragma: no cover
    _measure()
