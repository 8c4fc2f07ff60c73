"""Every optimizer as one record: its hyper-parameters, state, update rule and traced parts.

`OPTIMIZERS` maps the `[optimizer]` table's `name` (SPEC §6) to its `Optimizer`, in SPEC §6's
order. The numbers are PyTorch's `torch.optim` (SGD, Adam, AdamW, RMSprop with dampening 0,
amsgrad, centered and maximize off) in float64.

An optimizer's update of one parameter θ is written once, as its **parts**: an ordered list of
`UpdatePart`s (for Adam: m, v, m̂, v̂, then the new θ), each computing one number from the
numbers it reads by a documented operation (`OPS`), with its symbol, formula and sentence of
why as tokens (`nntui.engine.notation`). The same parts serve three readers:

- `step` runs them on whole flat vectors (every parameter at once) for the traced path;
- the trace builder shows each as a step, its formula with the numbers substituted and its
  sentence of why, for each parameter (or row, or layer) in turn;
- the `train` fast path uses `OptimizerKernel`, the same arithmetic in place on preallocated
  buffers, in the same order of operations, so it agrees with `step` to the last bit.

Plain SGD (momentum 0, weight_decay 0, the default) has a single part, `θ* = θ − µ·∂E/∂θ`,
computed exactly as the engine's update computes it.

The package, by job, each module importing only those before it: `fields` (the fields, their
rules, `OptimizerFieldError`), `state` (`OptimizerState`), `parts` (the symbols, the operations,
`UpdatePart`), `updates` (each optimizer's parts with their whys), `kernels` (the fast path's
in-place updates), `records` (the four records), `settings` (`OptimizerSettings`,
`settings_from_table`) and `run` (`step`, `trace_parameter`, `OptimizerKernel`). NumPy is
imported inside the functions, so the names and the checks run before NumPy is loaded.
"""

from nntui.engine.ops.optimizers.fields import OptimizerFieldError
from nntui.engine.ops.optimizers.parts import (
    OPS,
    SYMBOLS,
    Operation,
    UpdatePart,
    evaluate,
    scalar_values,
    substituted_prose,
    written,
)
from nntui.engine.ops.optimizers.records import OPTIMIZERS, Optimizer, optimizer
from nntui.engine.ops.optimizers.run import (
    OptimizerKernel,
    make_kernel,
    settle,
    step,
    step_values,
    trace_parameter,
)
from nntui.engine.ops.optimizers.settings import OptimizerSettings, settings_from_table
from nntui.engine.ops.optimizers.state import OptimizerState

__all__ = [
    "OPS",
    "OPTIMIZERS",
    "SYMBOLS",
    "Operation",
    "Optimizer",
    "OptimizerFieldError",
    "OptimizerKernel",
    "OptimizerSettings",
    "OptimizerState",
    "UpdatePart",
    "evaluate",
    "make_kernel",
    "optimizer",
    "scalar_values",
    "settings_from_table",
    "settle",
    "step",
    "step_values",
    "substituted_prose",
    "trace_parameter",
    "written",
]
