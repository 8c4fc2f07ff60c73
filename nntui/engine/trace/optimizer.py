"""The update by an optimizer other than plain SGD as steps: each parameter's update is its
parts (SPEC §6; `nntui.engine.ops.optimizers`), one step each — for Adam m, v, m̂, v̂, then
`w100* = w100 − µ·m̂ / (√v̂ + ε)` — each with its numbers substituted, its `op` and its
sentence of why, parameter after parameter (a row or a layer at coarser granularities, its
values then arrays, the op element-wise).

Every number was computed once, on the whole flat vectors, by the same parts
(`compute.optimizer_update`); a step shows its parameter's entries of them, so its value
follows from its factors by its op exactly, and the last part's value is the new parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nntui.engine.network import ParamRef
from nntui.engine.notation import Name, Token
from nntui.engine.ops.optimizers import UpdatePart, substituted_prose, written
from nntui.engine.ops.optimizers.parts import GRAD, THETA, THETA_PRIME, THETA_STAR
from nntui.engine.trace.model import Number, Operand
from nntui.engine.trace.notation import LOSS
from nntui.engine.trace.update import UpdateSteps
from nntui.engine.trace.writer import param_target


class OptimizerSteps(UpdateSteps):
    """Steps of an optimizer's update, parameter by parameter, part by part."""

    def optimizer_layer(self, li: int) -> None:
        """The update of layer `li`'s parameters (as `params_of` steps through them): a fixed
        bias keeps its value in one step, as with plain SGD; every other parameter takes its
        optimizer's parts."""
        optimizer = self.net.optimizer
        parts = optimizer.record.parts(optimizer)
        layout_values = self._layer_values(li)
        for ref in self.params_of(li):
            if ref.kind == "bias" and not self.net.update_biases:
                self.update_one(li, ref)
                continue
            values = self._values_of(ref, layout_values)
            names = self._names_of(ref)
            for part in parts:
                self._part_step(li, ref, part, values, names)

    def _layer_values(self, li: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every vector among the update's values as layer `li`'s (weights, biases) views."""
        layout = self.net.layout
        arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for key, value in self.update_values.items():
            if isinstance(value, np.ndarray) and value.ndim == 1 and value.size == len(layout):
                weights, biases = layout.unflatten(value)
                arrays[key] = (weights[li], biases[li])
        return arrays

    def _values_of(
        self, ref: ParamRef, layer_values: Mapping[str, tuple[np.ndarray, np.ndarray]]
    ) -> dict[str, Any]:
        """The values `ref`'s parts read and show: the scalars as they are, each vector's
        entries of `ref` (a float, or a row's or a layer's array)."""
        values: dict[str, Any] = {}
        for key, value in self.update_values.items():
            if key in layer_values:
                weights, biases = layer_values[key]
                values[key] = self.select(weights if ref.kind == "weight" else biases, ref)
            else:
                values[key] = value
        return values

    def _names_of(self, ref: ParamRef) -> dict[Token, Token]:
        """The parameter's names in place of θ's stand-ins: `w100`, `w100*`, `w100′`, ∂E/∂w100."""
        name = self.names.param(ref)
        return {
            THETA: name,
            THETA_STAR: name.starred(),
            THETA_PRIME: name.primed(),
            GRAD: self.partial(LOSS, name),
        }

    def _part_step(
        self,
        li: int,
        ref: ParamRef,
        part: UpdatePart,
        values: Mapping[str, Any],
        names: Mapping[Token, Token],
    ) -> None:
        new = part.kind == "new"
        label = self.label_of(ref)
        symbol = names.get(part.symbol, part.symbol)
        operands = tuple(
            Operand(names.get(token, token), _number(value))
            for token, value in part.factors(values)
        )
        self.add(
            phase="update",
            sample=None,
            kind=part.kind,
            layer=li,
            neuron=ref.neuron,
            target=param_target("layers" if new else f"optimizer.{part.state or part.kind}", ref),
            symbol_expr=symbol,
            formula_expr=written(part.formula, names),
            op=part.op,
            operands=operands,
            value=_number(values[part.key]),
            why_prose=substituted_prose(part.why(values), names),
            template=part.template,
            numbers=tuple(_number(value) for value in part.numbers(values)),
            value_label=label.starred() if new and isinstance(label, Name) else None,
            param=ref,
            nodes=frozenset({(li + 1, ref.neuron)}),
            edges=self.edges_of(ref),
        )


def _number(value: Any) -> Number:
    """A float for a scalar (an int, a NumPy 0-d value), else the array as it is."""
    if isinstance(value, np.ndarray) and value.ndim:
        return value
    return float(value)
