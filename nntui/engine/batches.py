"""Mini-batches (SPEC §6): which samples a training step uses.

With `batch_size = B`, steps take the samples in file order, B at a time — samples 0…B−1,
then B…2B−1, … — and start again at sample 0 after the last batch of a pass, which may be
smaller. The step whose number is t (t steps done before it) uses batch k = t mod the number
of batches. Without a batch size (or with one at least the number of samples) every step uses
every sample: one batch, the whole training set. NumPy-free.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Batch:
    """Batch `index` of `count` (0-based) of a pass: samples `start` to `stop − 1`."""

    index: int
    count: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        """How many samples it holds (the last batch of a pass may hold fewer)."""
        return self.stop - self.start

    @property
    def samples(self) -> range:
        return range(self.start, self.stop)

    @property
    def rows(self) -> slice:
        """Its samples as a slice of the rows of a network's inputs and targets."""
        return slice(self.start, self.stop)

    @property
    def is_everything(self) -> bool:
        """Whether it is the only batch: every step uses every sample (full batch)."""
        return self.count == 1

    def covers(self, sample: int) -> bool:
        return self.start <= sample < self.stop

    def describe(self) -> str:
        """`batch 2 of 3 (samples 3–5)` — for the screen, numbered from 1 as people count
        batches; samples by their index, from 0, as everywhere else."""
        if self.is_everything:
            return f"every sample ({_samples(self.start, self.stop)})"
        return f"batch {self.index + 1} of {self.count} ({_samples(self.start, self.stop)})"

    def to_json(self) -> dict[str, int]:
        """The trace's `batch` field: index (from 0), how many batches, first and last sample."""
        return {
            "index": self.index,
            "count": self.count,
            "first": self.start,
            "last": self.stop - 1,
        }


def _samples(start: int, stop: int) -> str:
    return f"sample {start}" if stop - start == 1 else f"samples {start}–{stop - 1}"


def batch_count(n_samples: int, batch_size: int | None) -> int:
    """How many batches a pass over `n_samples` samples takes."""
    if batch_size is None or batch_size >= n_samples:
        return 1
    return -(-n_samples // batch_size)


def batch_at(n_samples: int, batch_size: int | None, t: int) -> Batch:
    """The batch of the step that follows `t` steps (SPEC §6): k = t mod the number of batches."""
    count = batch_count(n_samples, batch_size)
    if count == 1 or batch_size is None:
        return Batch(0, 1, 0, n_samples)
    index = t % count
    start = index * batch_size
    return Batch(index, count, start, min(start + batch_size, n_samples))
