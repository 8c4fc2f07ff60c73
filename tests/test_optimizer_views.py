"""The optimizer on screen: the ledger's columns follow the optimizer (velocity for momentum;
m, v, m̂, v̂ for Adam), each number shown from the step that computes it and not before, and the
title names the optimizer, its step number t and the mini-batch.

Expected numbers come from SPEC §6's formulas applied to the engine's own gradient (at t = 1
every state starts at 0), or from the trace's steps, never from decimals written here.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace

import pytest

from nntui.app.app import NntuiApp
from nntui.app.ledger import Ledger, describe_param, row_width, shown_columns
from nntui.app.title import fit_title, title_parts
from nntui.engine.presets import PRESETS
from nntui.engine.spec import NetworkSpec, ParamRef
from nntui.opening import Opening
from nntui.session import Session
from nntui.view_state import Known, known_at

W100 = ParamRef(1, "weight", 0, 0)
B10 = ParamRef(1, "bias", 0)
ADAM_PARTS = ("m", "v", "m̂", "v̂")


def adam() -> Session:
    return Session(PRESETS["xor-adam"].build())


def at_kind(session: Session, kind: str, ref: ParamRef) -> Known:
    """The answer with the cursor on the `kind` step of parameter `ref`."""
    session.cursor = next(
        step.index for step in session.steps if step.kind == kind and step.param == ref
    )
    return session.view()


# -- what is known at the cursor ------------------------------------------------------------------


def test_adam_columns_are_its_parts_the_state_first_in_priority() -> None:
    known = adam().view()
    columns = known.part_columns
    assert tuple(column.symbol for column in columns) == ADAM_PARTS
    assert tuple(column.kind for column in columns) == ("m", "v", "m_hat", "v_hat")
    assert tuple(column.carried for column in columns) == (True, True, False, False)


def test_each_adam_part_is_shown_from_its_step_and_not_before() -> None:
    session = adam()
    row = session.view().rows.row_of(W100)
    grad = float(session.trace.backward.weights[1][0, 0])
    settings = session.network.optimizer
    beta1, beta2 = settings.number("beta1"), settings.number("beta2")
    # SPEC §6 at t = 1, from m = v = 0.
    expected = (
        (1 - beta1) * grad,
        (1 - beta2) * grad**2,
        (1 - beta1) * grad / (1 - beta1),
        (1 - beta2) * grad**2 / (1 - beta2),
    )
    order = ("m", "v", "m_hat", "v_hat", "new")
    for shown, kind in enumerate(order):
        known = at_kind(session, kind, W100)
        param = known.param(row)
        assert param.current
        for k in range(4):
            if k <= shown:
                assert param.parts[k] == pytest.approx(expected[k], rel=1e-12, abs=1e-15)
            else:
                assert param.parts[k] is None, (kind, k)
        # One step before, this step's part is not known yet.
        session.cursor -= 1
        if shown < 4:
            assert session.view().param(row).parts[shown] is None
    final = at_kind(session, "new", W100).param(row)
    assert final.delta == pytest.approx(final.new - final.value, abs=1e-15)
    # Adam's first step is ±µ, whatever the gradient's size (SPEC §6).
    rate = session.network.learning_rate
    assert abs(final.delta) == pytest.approx(rate, rel=1e-5)


def test_parts_of_a_parameter_are_the_steps_values() -> None:
    """Every shown part is the value of the trace step that computed it, for every row."""
    session = adam()
    session.finish()
    known = session.view()
    by_kind = {column.kind: k for k, column in enumerate(known.part_columns)}
    for step in session.steps:
        if step.kind in by_kind and step.param is not None:
            param = known.param(known.rows.row_of(step.param))
            assert param.parts[by_kind[step.kind]] == float(step.value)


def test_momentum_shows_its_velocity() -> None:
    session = Session(PRESETS["xor-momentum"].build())
    known = session.view()
    assert [(column.symbol, column.carried) for column in known.part_columns] == [("v", True)]
    row = known.rows.row_of(W100)
    grad = float(session.trace.backward.weights[1][0, 0])
    assert at_kind(session, "grad", W100).param(row).parts == (None,)
    before_new = at_kind(session, "velocity", W100).param(row)
    assert before_new.parts == (pytest.approx(grad, rel=1e-12),)  # v = ρ·0 + ∂E/∂θ
    assert before_new.new is None and before_new.delta is None


def test_layer_steps_reveal_a_whole_layer_of_parts() -> None:
    session = adam()
    session.set_granularity("layer")
    known = at_kind(session, "m", ParamRef(1, "weight", None))
    rows = known.rows
    for ref in (W100, ParamRef(1, "weight", 0, 1)):
        assert known.param(rows.row_of(ref)).parts[0] is not None
        assert known.param(rows.row_of(ref)).parts[1] is None
    assert known.param(rows.row_of(B10)).parts[0] is None


def test_a_fixed_bias_keeps_its_state_and_has_no_other_part() -> None:
    net = replace(PRESETS["xor-adam"].build(), update_biases=False)
    session = Session(net)
    known = session.view()
    row = known.rows.row_of(B10)
    known = at_kind(session, "new", B10)
    param = known.param(row)
    m, v, m_hat, v_hat = param.parts
    assert (m, v) == (0.0, 0.0)  # the state as it was: zero at t = 1
    assert m_hat is not None and math.isnan(m_hat)
    assert v_hat is not None and math.isnan(v_hat)
    assert param.delta == 0.0 and param.new == param.value
    assert "m̂" not in describe_param(param, 3, known.part_columns)


def test_plain_sgd_has_no_part_columns() -> None:
    session = Session(PRESETS["worked-example"].build())
    session.finish()
    known = session.view()
    assert known.part_columns == ()
    assert all(known.param(row).parts == () for row in range(len(known.rows)))
    assert shown_columns(known, 200) == ("value", "grad", "delta", "new")
    assert known.optimizer is None


@pytest.mark.parametrize("name", ["xor-adam", "xor-momentum"])
def test_the_opening_has_the_same_columns_as_the_ready_session(name: str) -> None:
    net = PRESETS[name].build()
    opening, ready = known_at(Opening(NetworkSpec.of(net))), Session(net).view()
    assert opening.part_columns == ready.part_columns
    assert (opening.optimizer, opening.t, opening.batch) == (ready.optimizer, ready.t, ready.batch)
    assert row_width(opening) == row_width(ready)


# -- which columns fit ----------------------------------------------------------------------------


def test_columns_fit_the_room_the_carried_ones_first() -> None:
    known = adam().view()
    assert shown_columns(known) == ("value", "grad", 0, 1, "delta", "new")
    every = ("value", "grad", 0, 1, 2, 3, "delta", "new")
    assert shown_columns(known, 79) == every  # the narrow layout's full-width ledger
    assert shown_columns(known, 200) == every
    assert shown_columns(known, 70) == ("value", "grad", 0, 1, 2, "delta", "new")
    assert shown_columns(known, 10) == ("value", "grad", "delta", "new")
    # The side panel the app sizes by row_width holds value, grad, m, v, Δ, new.
    assert row_width(known) == 7 + 1 + 6 * 9


# -- the ledger on screen -------------------------------------------------------------------------


def ledger_lines(name: str, size: tuple[int, int], kind: str, narrow_pane: bool) -> list[str]:
    """The ledger's first lines for preset `name` at terminal `size`, the cursor on the `kind`
    step of w100."""
    app = NntuiApp(PRESETS[name].build(), source=name)
    lines: list[str] = []

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            if narrow_pane:
                await pilot.press("2")
            at_kind(app.session, kind, W100)
            app.refresh_views()
            await pilot.pause()
            ledger = app.query_one(Ledger)
            lines.extend(ledger.render_line(y).text.rstrip() for y in range(4))

    asyncio.run(main())
    return lines


def test_adam_ledger_at_120_columns_shows_m_and_v() -> None:
    header, w100, w101, _ = ledger_lines("xor-adam", (120, 36), "v", narrow_pane=False)
    assert header.split() == ["param", "value", "grad", "m", "v", "Δ", "new"]
    cells = w100.split()
    assert cells[0] == "w100" and cells[-2:] == ["·", "·"]  # Δ and new wait for the update
    assert "·" not in cells[3:5]  # m and v are shown
    assert w101.split()[3:] == ["·"] * 4


def test_adam_ledger_at_80_columns_shows_every_part() -> None:
    header, w100, _, _ = ledger_lines("xor-adam", (80, 24), "new", narrow_pane=True)
    assert header.split() == ["param", "value", "grad", "m", "v", "m̂", "v̂", "Δ", "new"]
    assert len(w100.split()) == 9 and "·" not in w100


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_momentum_ledger_shows_the_velocity(size: tuple[int, int]) -> None:
    header, w100, _, _ = ledger_lines("xor-momentum", size, "velocity", size[0] < 100)
    assert header.split() == ["param", "value", "grad", "v", "Δ", "new"]
    assert w100.split()[3] != "·" and w100.split()[4:] == ["·", "·"]


# -- the title ------------------------------------------------------------------------------------


def parts(session: Session) -> tuple[str, ...]:
    return title_parts(session.view(), "test")


def test_title_names_the_optimizer_and_t() -> None:
    session = adam()
    assert "adam t=1" in parts(session)
    session.finish()
    session.next()
    assert session.iteration == 2 and "adam t=2" in parts(session)
    momentum = Session(PRESETS["xor-momentum"].build())
    assert "sgd (ρ = 0.9) t=1" in parts(momentum)


def test_plain_sgd_title_is_as_before() -> None:
    session = Session(PRESETS["worked-example"].build())
    session.next()
    assert parts(session) == (
        "iteration 1",
        "FORWARD 1/6",
        "step 1/42",
        "loss —",
        "parameter",
        session.network.name,
    )


def test_title_says_which_mini_batch() -> None:
    net = replace(PRESETS["xor-adam"].build(), batch_size=3)
    session = Session(net)
    assert "batch 1/2" in parts(session)
    session.finish()
    session.next()
    assert "batch 2/2" in parts(session) and "adam t=2" in parts(session)
    session.finish()
    session.next()
    assert "batch 1/2" in parts(session)


def test_at_80_columns_the_name_and_granularity_drop_first() -> None:
    net = replace(PRESETS["xor-adam"].build(), batch_size=2)
    session = Session(net)
    session.cursor = len(session.steps) // 2
    line = fit_title(parts(session), 78)
    assert len(line) <= 78
    assert "adam t=1" in line and "batch 1/2" in line and "loss " in line
    assert "XOR" not in line


def test_the_title_bar_shows_it() -> None:
    app = NntuiApp(PRESETS["xor-adam"].build(), source="xor-adam")

    async def main() -> str:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("space")
            await pilot.pause()
            return str(app.query_one("#title").render())

    assert "adam t=1" in asyncio.run(main())


def test_pilot_stepping_reveals_m_in_the_ledger() -> None:
    """Through the keys: the m of w100 is a dot until the m step, then a number."""
    app = NntuiApp(PRESETS["xor-adam"].build(), source="xor-adam")

    async def main() -> tuple[str, str]:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            session = app.session
            m_step = next(s.index for s in session.steps if s.kind == "m" and s.param == W100)
            while session.cursor < m_step - 1:
                session.next()
            app.refresh_views()
            await pilot.pause()
            ledger = app.query_one(Ledger)
            before = ledger.render_line(1).text
            await pilot.press("space")
            await pilot.pause()
            return before, ledger.render_line(1).text

    before, after = asyncio.run(main())
    assert before.split()[3] == "·" and after.split()[3] != "·"
    assert after.split()[4] == "·"  # v is the next step's


def test_opening_title_matches() -> None:
    net = PRESETS["xor-adam"].build()
    opening = known_at(Opening(NetworkSpec.of(net)))
    assert title_parts(opening, "x") == title_parts(Session(net).view(), "x")
