"""Operations as records: one place per activation (and, next, per loss and optimizer).

Each operation is one frozen record registered by name, holding everything about it: its value,
its local derivative beside it (micrograd's habit), its in-place kernel for the `train` fast
path, its symbol on the screen, its formula texts for Markdown and LaTeX, and its "why"
sentences. `functions`, `training`, the trace builder and the exports look a record up by name;
none of them branches on an operation's name.

- `activations.py`: `ACTIVATIONS`, name → `Activation`. To add an activation, add one record
  there (plus its tests and a row in `docs/network-file.md`); the loader and the property tests
  take the name from the registry.
- `losses.py`: `LOSSES`, name → `Loss` (per-sample value, ∂E/∂o, texts, "why", the output
  activation it requires with its fused ∂E/∂z, and its `train` fast-path kernel).
- An optimizer's record goes in an `optimizers.py` here: its update rule (parameters and
  gradient in, new parameters out), the state it keeps between iterations (e.g. a velocity),
  and its traced parts (the steps the update phase shows, with their formulas and "why").

This package imports no NumPy at import time (`spec` and the loader read the names before the
first frame is drawn); a record's functions import it when they are called.
"""
