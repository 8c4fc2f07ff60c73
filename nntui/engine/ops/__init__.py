"""Operations as records: one place per activation, per loss and per optimizer.

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
- `optimizers.py`: `OPTIMIZERS`, name → `Optimizer` (SPEC §6: sgd with momentum and nesterov,
  adam, adamw, rmsprop). A record lists its hyper-parameters with defaults and rules (and checks
  an `[optimizer]` table into frozen `OptimizerSettings`), and writes one parameter's update as
  ordered `UpdatePart`s (Adam: m, v, m̂, v̂, the new θ), each a documented `Op` of the numbers it
  reads, with its formula, template and "why". The same parts give `step` (flat vectors, an
  immutable `OptimizerState` in and out, for the traced path and the session's history) and the
  trace's steps; `OptimizerKernel` is the `train` fast path's in-place form, equal to the bit.

This package imports no NumPy at import time (`spec` and the loader read the names before the
first frame is drawn); a record's functions import it when they are called.
"""
