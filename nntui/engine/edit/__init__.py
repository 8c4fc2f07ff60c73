"""Editing a network: "what if w101 were positive?", "what if h1 had three neurons?".

Every edit is a function that takes a `Network` and returns a new one; the network it was given
is never touched, so the debugger keeps both, one after the other, in its undo history. An edit
that would make a network nntui cannot use raises `EditError` (a `ValueError`) whose text is one
line saying why: `w100: must be a finite number, got inf`, `layers[1]: cannot add a neuron to
the output layer (it has one neuron per target); add neurons to a hidden layer`.

- **Numbers** (`values`): `set_parameter` (a weight or a bias, by `ParamRef`), `set_input`
  (x[sample][i]), `set_target` and `set_target_row` (y), `set_learning_rate`; and
  `number_from_text`, what a user typed, with the same one-line refusals.
- **Activations and the loss** (`choices`): what a layer or the loss may become with
  everything else as it is (`activation_choices`, `loss_choices`; `output_choices` for the
  output activation and the loss together), and applying it (`set_activation`, `set_loss`,
  `set_output`).
- **Architecture** (`architecture`): `add_neuron`, `remove_neuron` in a hidden layer,
  `add_layer`, `remove_layer` (a hidden one), new weights from a seeded initialisation; the
  training run (the optimizer's state) starts over, while the other edits keep it.

A new network from nothing is `nntui.engine.new.new_network`.
"""

from __future__ import annotations

from nntui.engine.edit.architecture import (
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_PARAMETERS,
    add_layer,
    add_neuron,
    remove_layer,
    remove_neuron,
    size_problem,
)
from nntui.engine.edit.choices import (
    activation_choices,
    activation_name,
    hidden_problem,
    loss_choices,
    loss_name,
    output_choices,
    pairing_problem,
    set_activation,
    set_loss,
    set_output,
)
from nntui.engine.edit.errors import EditError
from nntui.engine.edit.values import (
    number_from_text,
    set_input,
    set_learning_rate,
    set_parameter,
    set_target,
    set_target_row,
)

__all__ = [
    "MAX_LAYERS",
    "MAX_NEURONS",
    "MAX_PARAMETERS",
    "EditError",
    "activation_choices",
    "activation_name",
    "add_layer",
    "add_neuron",
    "hidden_problem",
    "loss_choices",
    "loss_name",
    "number_from_text",
    "output_choices",
    "pairing_problem",
    "remove_layer",
    "remove_neuron",
    "set_activation",
    "set_input",
    "set_learning_rate",
    "set_loss",
    "set_output",
    "set_parameter",
    "set_target",
    "set_target_row",
    "size_problem",
]
