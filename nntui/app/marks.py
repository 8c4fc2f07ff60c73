"""What the views mark over the numbers they draw: the selection, edited numbers, and the
parameters the last update changed.

The app publishes one `Marks` in its reactive `marks` after every change (`refresh_views`,
a new selection); a view binds to it (`data_bind(NntuiApp.marks)`) beside `known`. The graph
draws them; the ledger can draw the same (`Marks.style_of` says which mark a number gets, the
strongest first). They come from the app and the session, not from the trace, so they are not
part of `Known`.
"""

from __future__ import annotations

from dataclasses import dataclass

from nntui.editable import Editable
from nntui.engine.spec import ParamRef

__all__ = ["MARK_CHANGED", "MARK_EDITED", "MARK_SELECTED", "NO_MARKS", "Marks"]

#: The marks, weakest first (also the graph's style keys for them).
MARK_CHANGED, MARK_EDITED, MARK_SELECTED = 19, 20, 21


@dataclass(frozen=True)
class Marks:
    """What the graph marks over the numbers it draws, from the app (not the trace): the
    number selected for editing, the numbers edited so far and the parameters the last
    update changed. Compared by value: the same marks draw nothing again."""

    selected: Editable | None = None
    edited: frozenset[Editable] = frozenset()
    changed: frozenset[ParamRef] = frozenset()

    def style_of(self, what: Editable) -> int | None:
        """The mark `what` gets, the strongest first; None when it is not marked."""
        if what == self.selected:
            return MARK_SELECTED
        if what in self.edited:
            return MARK_EDITED
        if what in self.changed:
            return MARK_CHANGED
        return None


NO_MARKS = Marks()
