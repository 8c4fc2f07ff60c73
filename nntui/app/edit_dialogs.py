"""Dialogs for asking "what if?": edit a number, pick an activation or a loss, build a new
network, save the network on screen (and confirm overwriting a file).

Each dialog does its own checking with the engine's functions and stays open, with what was
typed and one line saying why, until the input is valid or esc cancels: the app only ever
receives a result it can use (a new `Network`, a saved path). They close at most once
(`Dialog`), so a burst of enter keys cannot hand the app two results.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList

from nntui.app.screens import BOX_CSS, AskDialog, Asking, Dialog
from nntui.engine.text import LINE_LIMIT, printable

if TYPE_CHECKING:
    from nntui.engine.network import Network

#: An edit to try: the number typed → the edited network, or EditError/ValueError saying why.
Apply = Callable[[float], "Network"]


class NumberDialog(AskDialog["Network"]):
    """Asks for a new value of one number (`w101`, `x0 of sample 2`, the learning rate) and
    hands back the network with it. What is typed is checked by `apply` — the engine's edit —
    so the dialog refuses exactly what the engine refuses, with the engine's words."""

    DEFAULT_CSS = BOX_CSS.format(name="NumberDialog")

    def __init__(
        self,
        name: str,
        value: str,
        apply: Apply,
        *,
        on_result: Callable[[Network | None], None] | None = None,
    ) -> None:
        from nntui.engine.edit import number_from_text

        super().__init__(
            f"New value of {name}:",
            value,
            lambda text: apply(number_from_text(text)),
            "a finite number · enter sets it (← undoes) · esc cancels",
            on_result=on_result,
        )
        self.label = name
        self.apply = apply


class ChoiceDialog(Dialog[int]):
    """Offers a list (the activations a layer may take, the output-and-loss pairs that go
    together) and hands back the index of the one picked. Only valid choices are offered, so
    there is nothing to refuse."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = (
        BOX_CSS.format(name="ChoiceDialog")
        + "ChoiceDialog OptionList { height: auto; max-height: 16; }"
    )

    def __init__(
        self,
        question: str,
        choices: Sequence[str],
        current: int | None = None,
        *,
        on_result: Callable[[int | None], None] | None = None,
    ) -> None:
        super().__init__(on_result=on_result)
        self.question = question
        self.choices = tuple(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.question))
            options = OptionList(*self.choices, id="choices")
            if self.current is not None:
                options.highlighted = self.current
            yield options
            yield Label("↑/↓ choose · enter sets it (← undoes) · esc cancels", classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.close(event.option_index)

    def action_cancel(self) -> None:
        self.close(None)


#: The new-network dialog's fields: (id, label, default, placeholder).
NEW_FIELDS = (
    ("shape", "Shape (inputs-…-outputs)", "2-3-1", "2-3-1"),
    ("activations", "Activations (blank: defaults)", "", "relu,sigmoid"),
    ("loss", "Loss (blank: the output's)", "", "bce, cross_entropy, half_sse…"),
    ("init", "Initialisation (blank: he for relu, else xavier)", "", "he, xavier, uniform"),
    ("seed", "Seed", "0", "0"),
)


class NewNetworkDialog(Asking["Network"]):
    """Asks for a new network's shape (`2-3-1`), activations, loss, initialisation and seed,
    and builds it with `new_network`; a refusal names the field at fault and keeps the
    dialog open. Tab moves between the fields, enter in any of them builds."""

    DEFAULT_CSS = (
        BOX_CSS.format(name="NewNetworkDialog")
        + "NewNetworkDialog Input, NewNetworkDialog Input:focus "
        + "{ height: 1; border: none; padding: 0 1; }"
    )

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]New network[/b]")
            for field, label, default, placeholder in NEW_FIELDS:
                yield Label(label, classes="hint")
                # Ids of their own: the app's stylesheet styles `#loss` (the loss history).
                yield Input(default, placeholder=placeholder, id=f"new-{field}")
            yield Label("", id="error", markup=False)
            yield Label("tab next field · enter builds (← returns) · esc cancels", classes="hint")

    def answer(self) -> Network:
        """The network the fields describe; ValueError (EditError) with one line if none."""
        from nntui.engine.edit import EditError
        from nntui.engine.new import new_network, parse_activations, parse_shape

        def text(field: str) -> str:
            return self.query_one(f"#new-{field}", Input).value.strip()

        shape = parse_shape(text("shape"))
        activations = parse_activations(text("activations")) if text("activations") else None
        seed_text = text("seed") or "0"
        if not seed_text.isdigit():
            raise EditError("seed", f"a whole number from 0, got {printable(seed_text, 40)!r}")
        return new_network(
            shape, activations, text("loss") or None, text("init") or None, int(seed_text)
        )


class ConfirmDialog(Dialog[bool]):
    """A yes/no question (SPEC §8: an existing file is overwritten only after a yes); `y`
    answers yes, `n` or esc no. Nothing else answers, so a stray key cannot say yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "yes"),
        Binding("n,escape", "answer(False)", "no"),
    ]
    DEFAULT_CSS = BOX_CSS.format(name="ConfirmDialog")

    def __init__(
        self, question: str, *, on_result: Callable[[bool | None], None] | None = None
    ) -> None:
        super().__init__(on_result=on_result)
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.question))
            yield Label("y: yes · n or esc: no", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.close(yes)


class SaveDialog(Dialog[str]):
    """Asks where to save the network on screen — TOML, or JSON for a `.json` path — and
    saves it (atomically: `save_network`). An existing file is replaced only after a yes in
    a `ConfirmDialog`; a path that cannot be written (a missing directory, no permission,
    outside the directory nntui is confined to) keeps the dialog open with the reason. Hands
    back the path written."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = BOX_CSS.format(name="SaveDialog")

    def __init__(
        self,
        network: Network,
        suggestion: str,
        root: str | None = None,
        *,
        replaying: bool = False,
        on_result: Callable[[str | None], None] | None = None,
    ) -> None:
        super().__init__(on_result=on_result)
        self.network = network
        self.suggestion = suggestion
        self.root = root
        #: A replay (`nntui --replay`) goes through the dialog but writes nothing: the file
        #: was saved when the keys were recorded, and a replay neither asks again nor
        #: replaces it.
        self.replaying = replaying
        self._asking = False  # the overwrite question is open

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Save the network as it is now (after edits and training) to:")
            yield Input(self.suggestion, id="path")
            yield Label("", id="error", markup=False)
            yield Label(".toml or .json · enter saves · esc cancels", classes="hint")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#error", Label).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.closing or self._asking:
            return
        typed = event.value.strip()
        if not typed:
            self._refuse("type a file name, e.g. network.toml")
            return
        from nntui.files import within

        try:
            path = within(self.root, os.path.expanduser(typed) if self.root is None else typed)
        except PermissionError as why:
            self._refuse(why.strerror or str(why))
            return
        if self.replaying:
            self.close(path)
            return
        if os.path.lexists(path):
            self._asking = True
            shown = printable(typed, 60)
            self.app.push_screen(
                ConfirmDialog(
                    f"{shown} exists. Overwrite it?",
                    on_result=lambda yes: self._confirmed(path, bool(yes)),
                )
            )
            return
        self.save(path, overwrite=False)

    def _confirmed(self, path: str, yes: bool) -> None:
        self._asking = False
        if yes:
            self.save(path, overwrite=True)
        else:
            self._refuse("not overwritten: type another name, or esc")

    def save(self, path: str, *, overwrite: bool) -> None:
        """Write the network to `path`; close with it, or stay open saying why not."""
        from nntui.engine.loader import NetworkFileError, save_network

        try:
            save_network(self.network, path, overwrite=overwrite)
        except NetworkFileError as why:
            self._refuse(str(why))
            return
        self.close(path)

    def _refuse(self, line: str) -> None:
        self.query_one("#error", Label).update(Content(printable(line, LINE_LIMIT)))

    def action_cancel(self) -> None:
        if not self._asking:
            self.close(None)
