"""SVG snapshots of the classroom (pytest-textual-snapshot): quiz mode with a result hidden and
after a guess, the run-until dialog and where a run stops, the gradient check beside the
ledger — on the worked example at 120×36, as a lecture shows them.

Generate with `pytest tests/test_snapshots_classroom.py --snapshot-update`, then look at every
snapshot (`python screenshots/svg_to_png.py FILE.svg`) before accepting it. Everything is
deterministic: the worked example's numbers are fixed.
"""

from __future__ import annotations

from nntui.app.app import NntuiApp
from nntui.engine.presets import worked_example

WIDE = (120, 36)


def app_for() -> NntuiApp:
    return NntuiApp(worked_example(), source="worked-example")


class TestQuiz:
    def test_a_hidden_result(self, snap_compare) -> None:
        """You should see quiz mode on the first step (z, then space): the step panel's
        h_pre0 = w000·x0 + w001·x1 + w002·x2 + b00 with its numbers
        0.2·0.9 + (−1.2)·0.2 + 0.9·0.5 + (−0.1), then "= ?" where 0.290 would be, and "Your
        guess? i types it · space shows it"; h0 highlighted with its "pre" line empty (no
        0.290 anywhere on screen), the edges x → h0 lit, the title reading "FORWARD 1/6 ·
        step 1/42 · loss — · quiz 0/0 right", and a toast "Quiz mode: space hides each result
        until the next key; i types a guess."."""
        assert snap_compare(app_for(), press=["z", "space"], terminal_size=WIDE)

    def test_a_right_guess(self, snap_compare) -> None:
        """You should see the same step after the guess 0.29 was typed (i, 0.29, enter): the
        result revealed, "= 0.290" underlined, the panel's last line "✓ right: h_pre0 =
        0.290" (also in a toast), h0's "pre" showing 0.290, and the title's score "quiz 1/1
        right"."""
        keys = ["z", "space", "i", "0", "full_stop", "2", "9", "enter"]
        assert snap_compare(app_for(), press=keys, terminal_size=WIDE)

    def test_the_guess_dialog(self, snap_compare) -> None:
        """You should see the guess dialog over the quiz's hidden step: "Your guess: h_pre0 =
        ?", a field holding 0.3 as typed, and the hint "a number, to 3 decimals · enter marks
        it · esc cancels"; behind it the step panel's "= ?"."""
        keys = ["z", "space", "i", "0", "full_stop", "3"]
        assert snap_compare(app_for(), press=keys, terminal_size=WIDE)


class TestRunUntil:
    def test_the_dialog(self, snap_compare) -> None:
        """You should see the run-until dialog (u): "Run forward, across iterations, until…",
        then one line per condition — relu (a ReLU switches off), loss (the loss goes up),
        zero (a gradient is exactly zero), grad > SIZE, nan, NAME (w101, b10) — the field
        holding "relu", and the hint "enter runs (← returns step by step) · esc cancels"."""
        assert snap_compare(app_for(), press=["u"], terminal_size=WIDE)

    def test_where_a_relu_switches_off(self, snap_compare) -> None:
        """You should see the run stopped at h1 = relu(h_pre1) = relu(−0.34) = 0.000 (FORWARD
        4/6 · step 4/42): h1 drawn dashed and marked "off" with pre −0.340 and act 0.000, and
        a toast "Stopped after 4 steps at step 4 of 42, iteration 1: a ReLU switches off."."""
        assert snap_compare(app_for(), press=["u", "enter"], terminal_size=WIDE)


class TestGradientCheck:
    def test_beside_the_ledger(self, snap_compare) -> None:
        """You should see the gradient check (c) in the loss history's place under the ledger:
        each parameter's backprop gradient beside its central finite difference and their
        relative error (w100 0.038, b10 0.131, the dead h1's w010–w012 and b01 exactly 0), and
        the largest relative error well under 1e-6, said to agree."""
        assert snap_compare(app_for(), press=["c"], terminal_size=WIDE)
