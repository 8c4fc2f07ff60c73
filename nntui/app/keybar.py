"""The footer: the keys that can act now, on one line, in the look of Textual's compact footer.

One widget draws the whole line. Textual's `Footer` makes a widget per key and re-makes them
whenever the keys change; that cost the first frame ~40 ms and every step key that changed
the footer more than the rest of its redraw. Clicking a key does what pressing it does.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.events import Click
from textual.widget import Widget


class Key(NamedTuple):
    key: str  # the key to simulate when clicked (Textual's name for it)
    display: str  # how the key is written
    description: str
    action: str


class KeyBar(Widget, can_focus=False):
    """The keys that can act now, most important first; a narrow terminal cuts the end."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--description"}
    """
    | Class | Description |
    | :- | :- |
    | `keybar--key` | The key. |
    | `keybar--description` | What it does. |
    """

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .keybar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .keybar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys: tuple[Key, ...] = ()
        self._spans: list[tuple[int, int, Key]] = []  # [start, end) cells of each key shown

    @property
    def actions(self) -> set[str]:
        """The actions of the keys shown."""
        return {key.action for key in self.keys}

    def show(self, keys: tuple[Key, ...]) -> None:
        if keys != self.keys:
            self.keys = keys
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        text = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for key in self.keys:
            start = text.cell_len
            text.append(key.display, key_style)
            text.append(f" {key.description}", description_style)
            self._spans.append((start, text.cell_len, key))
            text.append(" ", Style())
        return text

    def on_click(self, event: Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key.key)
                return
