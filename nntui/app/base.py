"""What every view of the session shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from nntui.opening import Opening
    from nntui.session import Session

    #: What a view draws: the session, or before it is built, the opening (the ready state of
    #: the first iteration, without NumPy).
    Shown: TypeAlias = Session | Opening


class SessionView:
    """Mixin for a widget that draws from the debugger session.

    Put it before the Textual base class (`class Ledger(SessionView, ScrollView)`); the app
    calls `refresh_view()` after every change to the session, and hands the view the session
    in place of the opening once it is built.
    """

    def __init__(
        self,
        session: Shown,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)  # type: ignore[call-arg]
        self.session = session

    def refresh_view(self) -> None:
        """Draw the session as it is now."""
        raise NotImplementedError
