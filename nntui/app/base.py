"""What every view of the session shares: it draws the session's answer at the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from textual.reactive import reactive

from nntui.view_state import Known

if TYPE_CHECKING:
    from nntui.opening import Opening
    from nntui.session import Session

    #: What the app shows: the session, or before it is built, the opening (the ready state of
    #: the first iteration, without NumPy).
    Shown: TypeAlias = Session | Opening


def _made_without_an_answer() -> Known:
    raise RuntimeError("a view is made with its first answer: KnownView(known, ...)")


class KnownView:
    """Mixin for a widget that draws `known`, what the class knows at the cursor.

    Put it before the Textual base class (`class Ledger(KnownView, ScrollView)`). The app binds
    `known` to its own (`data_bind(NntuiApp.known)`), so every new answer reaches the widget;
    each widget redraws what a new one changes in `watch_known`. A `Known` is compared by
    identity: a new one is a new state.
    """

    # No automatic repaint: most answers leave a view's part of the screen as it was (the
    # loss history during an iteration), and each view knows what a new one changes.
    known: reactive[Known] = reactive(_made_without_an_answer, init=False, repaint=False)
    """The answer the widget draws (the app's, through `data_bind`)."""

    def __init__(
        self,
        known: Known,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)  # type: ignore[call-arg]
        # The first answer without its watcher: the widget draws it when first painted.
        self.set_reactive(KnownView.known, known)  # type: ignore[attr-defined, type-var]
