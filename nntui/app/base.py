"""What every view of the session shares."""

from __future__ import annotations

from nntui.session import Session


class SessionView:
    """Mixin for a widget that draws from the debugger session.

    Put it before the Textual base class (`class Ledger(SessionView, ScrollView)`); the app
    calls `refresh_view()` after every change to the session.
    """

    def __init__(
        self,
        session: Session,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)  # type: ignore[call-arg]
        self.session = session
