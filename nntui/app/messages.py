"""What the views tell the app: the user picked a parameter or a node.

The graph and the ledger post these when clicked and decide nothing more; the app (today: a
notification with what is known of it so far) decides what picking does. Each message
carries what was picked, as the engine names it, and the sentence its view can say of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.widget import Widget

    from nntui.engine.spec import ParamRef
    from nntui.engine.trace import Node


class ParameterSelected(Message):
    """A parameter was picked: a ledger row, or a weight's label on the graph."""

    def __init__(self, view: Widget, param: ParamRef, summary: str) -> None:
        super().__init__()
        self.view = view
        """The widget that was clicked."""
        self.param = param
        """The parameter (always a single one: `w100`, never a row or a layer)."""
        self.summary = summary
        """What is known of it at the cursor, in one line (`w101 = −1.100 · ∂E/∂w101 = 0.000`)."""

    @property
    def control(self) -> Widget:
        """The widget that was clicked (for `@on(ParameterSelected, "#ledger")`)."""
        return self.view


class NodeSelected(Message):
    """A node of the graph was picked: an input, a neuron, the loss, or a pixel of a picture."""

    def __init__(self, view: Widget, node: Node, summary: str) -> None:
        super().__init__()
        self.view = view
        """The widget that was clicked."""
        self.node = node
        """(column, neuron) as the trace names nodes: column 0 the inputs (a pixel's index for
        a picture), column l + 1 layer l, the last column the loss (neuron None)."""
        self.summary = summary
        """What is known of it at the cursor, in one line."""

    @property
    def control(self) -> Widget:
        """The widget that was clicked."""
        return self.view
