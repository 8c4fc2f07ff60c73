"""The footer: the keys that can act now, on one line, in the look of Textual's compact footer.

One widget draws the whole line. Textual's `Footer` makes a widget per key and re-makes them
whenever the keys change; that cost the first frame ~40 ms and every step key that changed
the footer more than the rest of its redraw. Like the `Footer`, it listens for Textual saying
that the bindings changed (`refresh_bindings()`, the screen's `bindings_updated_signal`) and
asks the app's `check_action` which of its bindings can act, in the order they are declared
(read once: the screen's `active_bindings` would resolve every binding's namespace again at
every key press). Clicking a key does what pressing it does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.actions import parse
from textual.binding import Binding
from textual.events import Click
from textual.screen import Screen
from textual.widget import Widget


class Key(NamedTuple):
    key: str  # the key to simulate when clicked (Textual's name for it)
    display: str  # how the key is written
    description: str
    action: str


#: Keys that stay on the line whatever its width: help lists every other key.
PINNED = frozenset({"help", "quit"})


def _width(key: Key) -> int:
    return len(key.display) + 1 + len(key.description) + 1


#: Pairs of keys written as one (`]/[ phase`) when the line is short of room.
PAIRS = {
    ("next_phase", "previous_phase"): "phase",
    ("more_precision", "less_precision"): "decimals",
}


def _paired(keys: Sequence[Key]) -> list[Key]:
    merged: list[Key] = []
    for key in keys:
        if merged and (merged[-1].action, key.action) in PAIRS:
            first = merged.pop()
            description = PAIRS[first.action, key.action]
            key = Key(first.key, f"{first.display}/{key.display}", description, first.action)
        merged.append(key)
    return merged


def fit_keys(keys: Sequence[Key], width: int) -> list[Key]:
    """The keys to show in `width` cells: all of them if they fit; else with pairs written as
    one (`+/- decimals`, a click acts as the first) and, if that is still too long, the most
    important (those first in `keys`) that fit beside the pinned ones (help, quit)."""
    if sum(map(_width, keys)) <= width + 1:  # the last key needs no space after it
        return list(keys)
    keys = _paired(keys)
    room = width + 1 - sum(_width(key) for key in keys if key.action in PINNED)
    kept = set()
    for key in keys:
        if key.action not in PINNED and _width(key) <= room:
            kept.add(key)
            room -= _width(key)
        elif key.action not in PINNED:
            break  # importance order: never a less important key in place of a more important one
    return [key for key in keys if key.action in PINNED or key in kept]


class KeyBar(Widget, can_focus=False):
    """The keys that can act now, most important first. When they do not all fit, the least
    important give way; help and quit always stay (help lists every key)."""

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
        #: The app's shown bindings, each as its footer entry and its parsed action.
        self._declared: list[tuple[Key, str, tuple[object, ...]]] | None = None

    @property
    def actions(self) -> set[str]:
        """The actions of the keys that can act now (those shown, and any that give way
        to the more important ones on a short line)."""
        return {key.action for key in self.keys}

    @property
    def shown_actions(self) -> set[str]:
        """The actions of the keys on the line at its present width."""
        shown = {key.action for key in fit_keys(self.keys, self.content_size.width)}
        # A pair written as one (`]/[ phase`) shows both of its keys.
        return shown | {
            second for first, second in PAIRS if first in shown and second in self.actions
        }

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """Show the keys that can act now, read from the screen's active bindings. Under a
        dialog the line stays as it was (it is dimmed, and the dialog's keys are its own);
        it is read again when the screen is back on top."""
        if screen.is_active:  # on top of the stack: no dialog over it
            self.show(self.keys_that_act(screen))

    def keys_that_act(self, screen: Screen) -> tuple[Key, ...]:
        """One entry per shown binding of the app whose action can act now, by its first key,
        in the order the bindings are declared (most important first)."""
        check = self.app.check_action
        return tuple(key for key, name, parameters in self._app_keys() if check(name, parameters))

    def _app_keys(self) -> list[tuple[Key, str, tuple[object, ...]]]:
        if self._declared is None:
            app = self.app
            self._declared = []
            for binding in app.BINDINGS:
                if isinstance(binding, Binding) and binding.show:
                    first = replace(binding, key=binding.key.split(",")[0])
                    key = Key(
                        first.key, app.get_key_display(first), binding.description, binding.action
                    )
                    _, name, parameters = parse(binding.action)
                    self._declared.append((key, name, parameters))
        return self._declared

    def show(self, keys: tuple[Key, ...]) -> None:
        if keys != self.keys:
            self.keys = keys
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        text = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for key in fit_keys(self.keys, self.content_size.width):
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
