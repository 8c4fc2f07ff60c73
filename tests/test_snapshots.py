"""SVG snapshots of the debugger (pytest-textual-snapshot): what the class sees at the steps the
worked example is about, on the screens and at the terminal sizes a lecture meets.

Generate with `pytest tests/test_snapshots.py --snapshot-update`, then look at every snapshot
(`python screenshots/svg_to_png.py FILE.svg`) before accepting it. Everything is deterministic:
the presets have fixed or seeded weights, and training runs through `engine.training.train`
on the test's own thread instead of the app's worker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from nntui.app.app import DARK_THEME, NntuiApp
from nntui.app.ledger import Ledger
from nntui.app.loss_history import LossHistory
from nntui.engine.network import Network
from nntui.engine.presets import PRESETS, mnist_784, worked_example
from nntui.engine.spec import ParamRef
from nntui.engine.training import train
from nntui.session import Session

WIDE = (120, 36)
NARROW = (80, 24)
LAST = 41  # the last step of a worked-example iteration: E* = 0.135

RunBefore = Callable[[Pilot], Awaitable[None]]


def app_for(network: Network | None = None, source: str = "worked-example") -> NntuiApp:
    return NntuiApp(network if network is not None else worked_example(), source=source)


def at_step(cursor: int) -> RunBefore:
    """Put the cursor on step `cursor` through the session (a key press per step is slow)."""

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, NntuiApp)
        while app.session.cursor < cursor:
            app.session.next()
        app.refresh_views()
        await pilot.pause()

    return run_before


def trained(iterations: int) -> RunBefore:
    """Apply a real training run of the worked example, as the `t` key does once it is done."""

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, NntuiApp)
        result = train(app.session.training_start, iterations)
        app.session.apply_training(
            result.network, result.loss_history, result.steps_done, result.message
        )
        app.refresh_views()
        await pilot.pause()

    return run_before


class TestForwardPass:
    def test_start(self, snap_compare) -> None:
        """You should see the worked example 3-2-1 before any number is computed: inputs x0 0.900,
        x1 0.200, x2 0.500, the weights on the edges (0.2, −1.2, 0.9 into h0; −0.5, −1.2, 0.3
        into h1; 0.7 and −1.1 into o), empty pre/act/∂E/f′ slots in h0, h1 and o, the E box
        with only its target y 0,
        the ledger with every value and dots for grad, Δ and new, "no completed iteration yet"
        in the loss history, and "Iteration 1 is ready" in the step panel. Title: iteration 1 ·
        READY · loss —."""
        assert snap_compare(app_for(), terminal_size=WIDE)

    def test_h1_switched_off(self, snap_compare) -> None:
        """You should see step 4/42 (FORWARD 4/6), h1 = relu(h_pre1) = relu(−0.34) = 0.000:
        h0 shows pre 0.290 and act 0.290; h1 shows pre −0.340 and act 0.000, "off" in its
        title and a dashed frame, and is the one highlighted box (an activation reads no
        edge, so every edge is dimmed); o and E are still empty, the ledger all dots."""
        assert snap_compare(app_for(), press=["space"] * 4, terminal_size=WIDE)

    def test_loss(self, snap_compare) -> None:
        """You should see the loss step after two presses of ]: E = ½(y − o)² = ½(0 − 0.526)²
        = 0.138 in the step panel, E 0.138 in the highlighted loss box, the dotted edge o → E
        lit, o highlighted with pre 0.103 and act 0.526, and "LOSS 1/1 · step 7/42 · loss
        0.138" in the title."""
        assert snap_compare(app_for(), press=["right_square_bracket"] * 2, terminal_size=WIDE)


class TestBackwardPass:
    def test_chain_rule_product(self, snap_compare) -> None:
        """You should see ∂E/∂w100 = ∂E/∂o · ∂o/∂o_pre · ∂o_pre/∂w100 = 0.526 · 0.249 · 0.29 =
        0.038 in the step panel, the edge h0 → o (0.7) highlighted, o showing ∂E 0.526, and
        the ledger row w100 highlighted with its gradient 0.038 (Δ and new still dots).
        Title: BACKWARD 3/17 · step 10/42."""
        assert snap_compare(app_for(), terminal_size=WIDE, run_before=at_step(9))

    def test_zero_gradient_through_inactive_relu(self, snap_compare) -> None:
        """You should see ∂E/∂w010 = ∂E/∂h1 · ∂h1/∂h_pre1 · ∂h_pre1/∂w010 = −0.144 · 0 · 0.9 =
        0.000 and "Zero: h1 is an inactive ReLU": the gradient is zero because relu′ = 0.
        x0 and h1 (dashed, "off", ∂E −0.144) are highlighted with the red edge x0 → h1
        (−0.5); the ledger row w010 is highlighted, grad 0.000; the rows above it have their
        gradients (w101's 0.000 in the warning colour), the rows below still dots."""
        assert snap_compare(app_for(), terminal_size=WIDE, run_before=at_step(19))


class TestUpdate:
    def test_update_step(self, snap_compare) -> None:
        """You should see w000* = w000 − μ·∂E/∂w000 = 0.2 − 0.1·0.083 = 0.192 in the step
        panel (UPDATE 4/11); the ledger shows every gradient, and Δ and new for w100, w101,
        b10 and w000 (w000: 0.200, 0.083, −0.008, 0.192, highlighted), dots for the rest;
        h0 is highlighted and the edge x0 → h0 carries its new weight 0.192, the edge
        h0 → o its new 0.696."""
        assert snap_compare(app_for(), terminal_size=WIDE, run_before=at_step(27))

    def test_after_one_iteration(self, snap_compare) -> None:
        """You should see the end of iteration 1 after enter: E* = ½(0 − 0.519)² = 0.135 in
        the step panel, the graph with the new weights (0.192, −1.202, 0.895, 0.696) and the
        check pass values (h0 0.271, o 0.075/0.519, E* 0.135), every ledger row filled in,
        the loss history "· 1 iteration" with two bars (0.138, 0.135) on axes labelled 0.138
        and 0, iterations 0 and 1, and 0.138 → 0.135 below, the title CHECK 7/7 · step 42/42 ·
        loss 0.135, and no finish or ] in the footer."""
        assert snap_compare(app_for(), press=["enter"], terminal_size=WIDE)

    def test_after_training_100_iterations(self, snap_compare) -> None:
        """You should see iteration 101 ready after training 100 iterations (loss 0.039 in the
        title): the loss history "· 100 iterations" as bars falling from 0.138 to 0.039, with
        0.138 → … → 0.040 → 0.040 → 0.040 → 0.039 below; the ledger and the edge labels show
        the trained weights (w100 0.669, b10 −0.944, w000 0.071), the boxes are empty again,
        and the step panel says "Iteration 101 is ready"."""
        assert snap_compare(app_for(), terminal_size=WIDE, run_before=trained(100))


class TestScreens:
    def test_help(self, snap_compare) -> None:
        """You should see the help box over the dimmed debugger, all of it without scrolling:
        "nntui keys", every key (space, →; ←; ]; [; enter; 1, 2, 3; t; ?; q; g; +, =, -; r;
        tab, shift+tab; e; a; A, X; n; s; p; b; c; u, esc; >, <; d; z, i; k; ctrl+p — with 1, 2, 3
        and +, =, - on one row each) with what it does, one line each (none wraps), and the
        mouse hint (click a weight, a box or a ledger row to select it)."""
        assert snap_compare(app_for(), press=["question_mark"], terminal_size=WIDE)

    def test_light_theme(self, snap_compare) -> None:
        """You should see the chain-rule step ∂E/∂w100 = 0.038 in the light theme (press d):
        dark text on a light grey background, the current edge h0 → o in blue with its label
        0.7, h0 and o framed in the accent orange, the other edges and boxes grey, and the
        ledger row w100 on an orange background."""
        assert snap_compare(app_for(), press=["d"], terminal_size=WIDE, run_before=at_step(9))


class TestLayouts:
    @pytest.mark.parametrize(
        "size", [(80, 24), (120, 36), (200, 60)], ids=["80x24", "120x36", "200x60"]
    )
    def test_hidden_gradient_step_at_size(self, snap_compare, size: tuple[int, int]) -> None:
        """You should see ∂E/∂h1 = ∂E/∂o · ∂o/∂o_pre · w101 = 0.526 · 0.249 · (−1.1) = −0.144
        (BACKWARD 7/17 · step 14/42) laid out for the terminal size: h1 (dashed, "off",
        ∂E −0.144) and o highlighted, joined by the red edge h1 → o labelled −1.1 at o, each
        box's bias in its bottom border. At 80×24 only the graph and the step panel, the title
        ending "Worked…" (whole parts, the name shortened at a word) and a footer that pairs
        "]/[ phase", shows "2 ledger 3 loss" and keeps "? help q quit"; at 120×36 and
        200×60 the graph, the ledger (w100, w101, b10 with gradients 0.038, 0.000, 0.131)
        and the loss history side by side, the graph spread wider at 200×60."""
        assert snap_compare(app_for(), terminal_size=size, run_before=at_step(13))

    def test_narrow_ledger_pane(self, snap_compare) -> None:
        """You should see at 80×24, after pressing 2, the ledger alone above the step panel at
        the update step w000* = 0.192: rows w100…b01 with value, grad, Δ and new filled for
        the first four, w000 highlighted."""
        assert snap_compare(app_for(), press=["2"], terminal_size=NARROW, run_before=at_step(27))

    def test_narrow_loss_pane(self, snap_compare) -> None:
        """You should see at 80×24, after pressing 3, the loss history alone at the end of
        iteration 1: two bars of nearly equal height on a y axis from 0 to 0.138, an x axis
        labelled 0 and 1, and 0.138 → 0.135 below."""
        assert snap_compare(app_for(), press=["3"], terminal_size=NARROW, run_before=at_step(LAST))

    def test_too_small(self, snap_compare) -> None:
        """You should see, in a 50×14 terminal, only the message that nntui needs at least
        60×16 and this one is 50×14, and the footer."""
        assert snap_compare(app_for(), terminal_size=(50, 14))


class TestBigNetworks:
    def test_mnist_784_collapsed(self, snap_compare) -> None:
        """You should see the 784-32-10 network after its first two layer-granularity steps
        (FORWARD 2/8 · step 2/46 · layer): the step panel "sample 0 · h = relu(h_pre)" with
        long vectors written by their largest entries ("[h20 = 0.675, h4 = 0.620, h30 =
        0.601, … 15 of 32 non-zero]"); the input column as a picture of the real handwritten
        0 ("28×28 pixels" under it); the hidden layer collapsed to h0, h1, "⋮ 29 more", h31 —
        highlighted, h0 and h31 off (dashed), h1 active (0.160) — each box's bias in its
        bottom border; the outputs o0, o1, "⋮ 7 more", o9 still empty, each hidden → output
        label at the receiving box; the ledger's first rows w1_0_0… (one naming style for the
        whole network, never cut) of the 25,450 parameters with a scrollbar."""
        app = app_for(mnist_784(), source="mnist-784")
        assert snap_compare(app, terminal_size=WIDE, run_before=at_step(1))


# -- the optimizer and the test set in their own panels -----------------------------------------
# These show one panel alone, drawn from a `Session`'s answer, so they picture that panel
# whatever the rest of the layout becomes.


class PanelApp(App[None]):
    """The ledger or the loss history alone, in the debugger's dark theme, showing `session`
    at its cursor."""

    def __init__(self, session: Session, panel: type[Ledger] | type[LossHistory]) -> None:
        super().__init__()
        self.session = session
        self.panel = panel
        self.register_theme(DARK_THEME)
        self.theme = DARK_THEME.name

    def compose(self) -> ComposeResult:
        panel = self.panel(self.session.view())
        panel.styles.height = "1fr"
        yield panel


def adam_at(kind: str) -> Session:
    """xor-adam with the cursor on the `kind` step of w100 (the first parameter updated)."""
    session = Session(PRESETS["xor-adam"].build())
    w100 = ParamRef(1, "weight", 0, 0)
    session.cursor = next(s.index for s in session.steps if s.kind == kind and s.param == w100)
    return session


def circles_stepped(iterations: int) -> Session:
    """circles after `iterations` full iterations, the last one complete on screen."""
    session = Session(PRESETS["circles"].build())
    for _ in range(iterations - 1):
        session.finish()
        session.next()
    session.finish()
    return session


class TestOptimizerAndTestSet:
    def test_adam_ledger_side_panel(self, snap_compare) -> None:
        """You should see the xor-adam ledger 62 cells wide (the side panel's width at 120
        columns) at the v̂ step of w100: the header "param value grad m v Δ new" (m̂ and v̂
        left out for lack of room), w100 highlighted with value 0.800, grad 0.017, m 0.002,
        v 3e−7 and dots for Δ and new; every other row with value and grad only, dots
        after."""
        assert snap_compare(PanelApp(adam_at("v_hat"), Ledger), terminal_size=(62, 10))

    def test_adam_ledger_full_width(self, snap_compare) -> None:
        """You should see the xor-adam ledger 80 cells wide (the narrow layout's ledger pane) at
        the update of w100: the header "param value grad m v m̂ v̂ Δ new", w100 highlighted
        with every column filled — m 0.002, v 3e−7, m̂ 0.017 (the gradient itself at t = 1),
        v̂ 0.0003, Δ −0.100 (Adam's first step is −µ) and new 0.700 — and dots in the
        optimizer's columns of every other row."""
        assert snap_compare(PanelApp(adam_at("new"), Ledger), terminal_size=(80, 10))

    def test_momentum_ledger(self, snap_compare) -> None:
        """You should see the xor-momentum ledger 62 cells wide at w100's velocity step: the
        header "param value grad v Δ new", w100 highlighted with its v equal to its
        gradient (v starts at 0), Δ and new still dots."""
        session = Session(PRESETS["xor-momentum"].build())
        w100 = ParamRef(1, "weight", 0, 0)
        session.cursor = next(
            s.index for s in session.steps if s.kind == "velocity" and s.param == w100
        )
        assert snap_compare(PanelApp(session, Ledger), terminal_size=(62, 10))

    def test_loss_history_with_a_test_set(self, snap_compare) -> None:
        """You should see circles' loss history after 3 iterations, 60×12: "loss history · 3
        iterations", the legend "█ training 0.691 · ● test 0.690" (the bar in white, the dot
        in magenta), four wide bars of nearly equal height on a y axis from 0 to 0.695,
        magenta dots along the top of all four bars (the test loss the session recorded
        beside every point: the start and each completed iteration), the x axis
        "0 iteration 3", and "accuracy: training 52.5% · test 42.5%" on the last line."""
        session = circles_stepped(3)
        assert snap_compare(PanelApp(session, LossHistory), terminal_size=(60, 12))


def edited(*changes: tuple[ParamRef, float], select: ParamRef | None = None) -> RunBefore:
    """Edit weights and biases of the network on screen as the `e` dialog does, then select
    `select` (as a click or tab would)."""

    async def run_before(pilot: Pilot) -> None:
        from nntui.engine.edit import set_parameter

        app = pilot.app
        assert isinstance(app, NntuiApp)
        for ref, value in changes:
            app.session.edit(set_parameter(app.session.network, ref, value), ref)
        app.selected = select
        app.refresh_views()
        await pilot.pause()

    return run_before


class TestWhatIf:
    def test_edit_dialog_open(self, snap_compare) -> None:
        """You should see the worked example with w101's label (−1.1, at o) and its ledger
        row's name and value selected — in reverse accent — and over the dimmed debugger a box
        "New value of w101:" with -1.1 in its field, no error yet, and the hint "a finite
        number · enter sets it (← undoes) · esc cancels"."""
        select = edited(select=ParamRef(1, "weight", 0, 1))
        assert snap_compare(app_for(), press=["e"], terminal_size=WIDE, run_before=select)

    def test_marked_edited_values(self, snap_compare) -> None:
        """You should see the worked example ready again after two edits: w101 set to 1.5
        (its label at o now blue, positive, and marked — bold, underlined, warning yellow) and
        b00 set to 0.25 (h0's bias in its bottom border marked the same way), while w100 (0.7)
        is selected (reverse accent); the ledger shows w101 = 1.5 and b00 = 0.25 with their
        values marked the same way, and w100's name and value in reverse accent."""
        run_before = edited(
            (ParamRef(1, "weight", 0, 1), 1.5),
            (ParamRef(0, "bias", 0), 0.25),
            select=ParamRef(1, "weight", 0, 0),
        )
        assert snap_compare(app_for(), terminal_size=WIDE, run_before=run_before)

    def test_predictions_view(self, snap_compare) -> None:
        """You should see the 3-class softmax preset after training 200 iterations with the
        predictions pane (press p) in place of the loss history: a heading "N samples ·
        accuracy …% (k/N) · iteration 201", then one row per sample — its number, inputs,
        the three outputs and the one-hot target — each with ✓ or ✗."""
        app = app_for(PRESETS["softmax-3class"].build(), source="softmax-3class")
        assert snap_compare(app, press=["p"], terminal_size=WIDE, run_before=trained(200))
