"""Holding samples out: the deterministic train/test split of `test_fraction` (SPEC §7).

`round(test_fraction · n)` samples (at least one, and never all) are chosen at random and held
out; the rest are trained on. Each sample is in exactly one of the two sets, and both keep the
order the samples came in (a CSV's row order; a generator's samples are already shuffled).

The choice is seeded by the table's `seed` through its own stream (the second child of
`numpy.random.SeedSequence(seed)`), not the stream a generator draws its points from: changing
`test_fraction` never changes the points, only which of them are held out.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from nntui.engine.data.errors import DataError

IndexArray = npt.NDArray[np.intp]


def held_out_count(n: int, test_fraction: float) -> int:
    """How many of `n` samples `test_fraction` holds out: rounded half up, and, for any
    fraction above 0, at least one and at most n − 1. Raises `DataError` (at
    `data.test_fraction`) when a fraction above 0 meets fewer than 2 samples."""
    if test_fraction <= 0.0:
        return 0
    if n < 2:
        raise DataError(
            f"a test set needs at least 2 samples (one to train on, one to hold out), "
            f"but the data has {n}",
            field="data.test_fraction",
        )
    return min(max(math.floor(test_fraction * n + 0.5), 1), n - 1)


def split_indices(n: int, test_fraction: float, seed: int) -> tuple[IndexArray, IndexArray]:
    """The indices of the training samples and of the test samples, each in increasing order."""
    held_out = held_out_count(n, test_fraction)
    if held_out == 0:
        return np.arange(n, dtype=np.intp), np.empty(0, dtype=np.intp)
    split_stream = np.random.SeedSequence(seed).spawn(2)[1]
    chosen = np.random.default_rng(split_stream).permutation(n)[:held_out]
    is_test = np.zeros(n, dtype=bool)
    is_test[chosen] = True
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)
