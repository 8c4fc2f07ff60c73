"""SVG snapshots of the decision-boundary pane alone (pytest-textual-snapshot), on the `circles`
preset before and after training, at the terminal sizes a lecture meets.

Generate with `pytest tests/test_snapshots_boundary.py --snapshot-update`, then look at every
snapshot (`python screenshots/svg_to_png.py FILE.svg`) before accepting it. Everything is
deterministic: the preset's weights and data are seeded, and training runs through
`engine.training.train` on the test's own thread.
"""

from __future__ import annotations

import pytest
from test_boundary import BoundaryApp

from nntui.engine.presets import resolve_network
from nntui.engine.training import train
from nntui.session import Session

SIZES = {"80x24": (80, 24), "120x36": (120, 36), "200x60": (200, 60)}
#: Enough full-batch steps for the circles to be parted (the preset's comment says ~300).
TRAINING_STEPS = 300


def untrained() -> BoundaryApp:
    """Circles as opened, at the ready state."""
    return BoundaryApp(Session(resolve_network("circles")))


def trained() -> BoundaryApp:
    """Circles after a training run applied as the `t` key applies it, then one step into the
    next iteration (the first sample's first weighted sum), so its sample is highlighted."""
    session = Session(resolve_network("circles"))
    result = train(session.training_start, TRAINING_STEPS)
    session.apply_training(result.network, result.loss_history, result.steps_done, result.message)
    session.next()
    return BoundaryApp(session)


class TestBeforeTraining:
    @pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
    def test_circles_untrained(self, snap_compare, size: tuple[int, int]) -> None:
        """You should see "decision boundary" in bold, then the legend: an orange ■ 0 and a
        blue ■ 1, "◆ training", "◇ test". Below, the plane: two rings of points — orange ◆
        on the outer ring (class 0), blue ◆ on the inner one (class 1), hollow ◇ for the 40
        held-out points — over a faint shading that leans blue on the left and orange on the
        right with a dark undecided band between: the untrained network (p near ½ everywhere)
        separates nothing. The y axis reads 1.31 at the top, x1 halfway, −1.29 at the bottom;
        the x axis −2.11 … x0 … 2.28 at 80×24 (wider panes widen the x range, cells stay
        square so the rings stay round). No sample is highlighted (ready)."""
        assert snap_compare(untrained(), terminal_size=size)


class TestAfterTraining:
    @pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
    def test_circles_trained(self, snap_compare, size: tuple[int, int]) -> None:
        """You should see the same header with "◈ sample 0" added at its end, and the plane
        after 300 training steps: a solid blue region (p(1) near 1) covering the inner ring's
        blue points, surrounded by a dark ring where p ≈ ½ — the decision boundary — and solid
        orange everywhere outside, under the outer ring's orange points. Almost every point lies
        in the region of its own colour. Sample 0, on the outer ring at the lower left, is ◈ in
        orange on a light square (the step on screen is its first weighted sum), pointed at by
        a ▸ in the y axis' gutter and a ▴ on the x axis."""
        assert snap_compare(trained(), terminal_size=size)
