"""The trace of one training step: every number, in the order a lecturer explains it.

`build_trace(net)` runs the engine once (forward, backward, SGD, forward again) and writes each
number it produced as a frozen `Step`: what it computes (`symbol`, `target`), how (`formula`,
`op`, `operands`), the numbers substituted (`substituted()`), the result (`value`, always the
engine's own number) and one sentence of why. The export and the debugger both read this one
object, so what the class sees on screen is what `nntui export` prints.

A step holds its formulas as structure (tokens, `nntui.engine.notation`), rendered as Unicode
for the screen, Markdown and JSON and as LaTeX for the handout. Texts stay one readable line
however big the network: a sum of more than SUM_TERMS terms is written as its largest terms
and what the others add up to, a long vector as its largest entries by name
(`numbers.fmt_value`); `operands` always keep every term, every number. A weighted sum's terms
are made only when read, so tracing a 784-input layer per neuron is cheap.

The package, by job:

- `model`: what a trace is — `Step`, `Operand`, `Trace`, the JSON of SPEC §4;
- `notation`: how the trace names things (`Names`: x0, h_pre0, w100) and writes long sums;
- `builder`: `build_trace` and the order of the steps; the families of steps it writes are
  `forward` (forward pass and loss), `backward` and `gradients` (backpropagation) and
  `update` (the reduction over samples and the update), on the shared `writer`.
"""

from nntui.engine.spec import GRANULARITIES, Granularity
from nntui.engine.trace.builder import (
    build_trace,
    default_granularity,
    default_samples,
    estimated_steps,
)
from nntui.engine.trace.model import PHASES, Edge, Node, Number, Operand, Phase, Step, Trace
from nntui.engine.trace.notation import SUM_TERMS

__all__ = [
    "GRANULARITIES",
    "PHASES",
    "SUM_TERMS",
    "Edge",
    "Granularity",
    "Node",
    "Number",
    "Operand",
    "Phase",
    "Step",
    "Trace",
    "build_trace",
    "default_granularity",
    "default_samples",
    "estimated_steps",
]
