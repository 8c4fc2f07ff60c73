"""Quiz mode: the rules of marking a guess (`nntui.quiz`), the session that hides and reveals
results, and what the views are told while a result is hidden.

Expected numbers come from the engine's trace (a step's own value and `result(p)`), never
from decimals written here — except the marking rules' own examples, which are the rule.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from nntui.app.boundary import shown_network
from nntui.app.step_panel import StepPanel
from nntui.app.title import title_parts
from nntui.editable import LEARNING_RATE
from nntui.engine.network import Layer, Network
from nntui.engine.numbers import fmt_result
from nntui.engine.presets import PRESETS, worked_example, xor
from nntui.engine.spec import ParamRef
from nntui.quiz import (
    NOT_A_GUESS,
    Quiz,
    QuizShown,
    Score,
    Verdict,
    is_right,
    judge,
    parse_guess,
    result_numbers,
)
from nntui.session import Session
from nntui.view_state import Known

# -- marking a guess ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("guess", "value", "precision", "right"),
    [
        # The brief's example: 0.2900 at 3 decimals is written 0.290.
        ("0.29", 0.29, 3, True),
        (".290", 0.29, 3, True),
        ("0.2904", 0.29, 3, True),
        ("0.290", 0.2904, 3, True),
        ("0.3", 0.29, 3, False),
        ("0.2906", 0.29, 3, False),  # written 0.291
        # Fewer decimals forgive more; more forgive less.
        ("0.3", 0.29, 1, True),
        ("0.3", 0.29, 0, True),  # at 0 decimals 0.29 keeps one significant digit: 0.3
        ("0", 0.29, 0, False),
        ("0.29", 0.29001, 5, False),
        ("0.29001", 0.290014, 5, True),
        ("2", 1.6, 0, True),
        # Negative numbers, typed with either minus sign.
        ("-0.144", -0.1441, 3, True),
        ("−0.144", -0.1441, 3, True),
        ("0.144", -0.1441, 3, False),
        ("-1.2e0", -1.2, 3, True),
        # Zero: "−0.000" is never written, so a typed −0 is 0.
        ("-0.000", 0.0, 3, True),
        ("0", -0.0, 3, True),
        ("-0", 0.0, 2, True),
        # A non-zero smaller than the last decimal keeps one digit: it is not 0.
        ("0", 0.0004, 3, False),
        ("0.0004", 0.00041, 3, True),
        ("4e-4", 0.00041, 3, True),
        ("4e−4", 0.00041, 3, True),
        ("0.0005", 0.00041, 3, False),
    ],
)
def test_a_guess_is_right_when_written_as_the_result(
    guess: str, value: float, precision: int, right: bool
) -> None:
    numbers = parse_guess(guess)
    assert is_right(numbers, (value,), precision) is right
    # The rule is the screen's: the same text at this precision.
    same = fmt_result(numbers[0], precision) == fmt_result(value, precision)
    assert same is right


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e999",
        "0.29x",
        "1_000",
        "0..1",
        "0.2.9",
        "--1",
        ".",
        "e5",
        "[",
        "½",
    ],
)
def test_text_that_is_not_a_number_is_refused_with_one_line(text: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_guess(text)
    assert str(refused.value) == NOT_A_GUESS
    assert "\n" not in str(refused.value)


def test_a_decimal_comma_is_two_numbers_and_refused_for_a_result_of_one() -> None:
    with pytest.raises(ValueError, match="a guess is a number"):
        parse_guess("0,29")
    assert parse_guess("0,29", 2) == (0.0, 29.0)


def test_a_vector_takes_every_number_separated_by_commas_or_spaces() -> None:
    value = np.array([0.29, -0.5, 1.25])
    for text in ("0.29, -0.5, 1.25", "0.29 −0.5 1.25", "[0.290; -0.500; 1.250]", " .29,-.5 ,1.25 "):
        assert is_right(parse_guess(text, 3), result_numbers(value), 3), text
    assert not is_right(parse_guess("0.29, -0.5, 1.3", 3), result_numbers(value), 3)
    assert not is_right(parse_guess("-0.5, 0.29, 1.25", 3), result_numbers(value), 3)  # order
    with pytest.raises(ValueError, match="this result has 3 numbers"):
        parse_guess("0.29, -0.5", 3)
    with pytest.raises(ValueError, match="this result has 3 numbers"):
        parse_guess("0.29, x, 1", 3)


def test_a_matrix_result_is_guessed_row_by_row() -> None:
    value = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert result_numbers(value) == (1.0, 2.0, 3.0, 4.0)
    assert result_numbers([[1.0, 2.0], [3.0]]) == (1.0, 2.0, 3.0)
    assert result_numbers(np.float64(0.5)) == (0.5,)


def test_the_verdict_says_right_or_what_was_said_and_the_result() -> None:
    right = judge("0.29", 0.2900, "h_pre0", fmt_result(0.29, 3), 3)
    assert right == Verdict(True, "✓ right: h_pre0 = 0.290", (0.29,))
    wrong = judge("0.3", 0.2900, "h_pre0", fmt_result(0.29, 3), 3)
    assert wrong == Verdict(False, "✗ you said 0.300; h_pre0 = 0.290", (0.3,))
    vector = judge("1, -2", np.array([1.0, 2.0]), "h", "[1.000, 2.000]", 3)
    assert not vector.right
    assert vector.message == "✗ you said [1.000, −2.000]; h = [1.000, 2.000]"


def test_the_score_counts_right_out_of_guessed() -> None:
    score = Score()
    for right in (True, False, True, True):
        score = score.counted(right)
    assert (score.right, score.guessed, str(score)) == (3, 4, "3/4 right")


def test_a_step_is_marked_once_and_the_quiz_is_a_value() -> None:
    quiz = Quiz().turned(True)
    verdict = Verdict(True, "✓", (1.0,))
    marked = quiz.marked("step 1", verdict)
    assert quiz.score == Score() and not quiz.guessed("step 1")  # the old one is unchanged
    assert marked.guessed("step 1") and marked.score == Score(1, 1)
    with pytest.raises(ValueError):
        marked.marked("step 1", verdict)
    assert marked.shown("step 1", False) == QuizShown(False, Score(1, 1), verdict)
    assert marked.shown("step 2", True) == QuizShown(True, Score(1, 1), None)
    off = marked.turned(False)
    assert off.shown("step 1", False) is None and off.score == marked.score


# -- the session -------------------------------------------------------------------------------


def quiz_session(network: Network | None = None) -> Session:
    session = Session(network if network is not None else worked_example())
    session.set_quiz(True)
    return session


def test_next_hides_the_step_it_lands_on_and_the_next_next_reveals_it() -> None:
    session = quiz_session()
    assert session.quiz_on and not session.hidden  # the ready state has nothing to hide
    session.next()
    assert (session.cursor, session.hidden) == (0, True)
    session.next()
    assert (session.cursor, session.hidden) == (0, False)  # revealed, not moved
    session.next()
    assert (session.cursor, session.hidden) == (1, True)


def test_without_quiz_mode_next_never_hides() -> None:
    session = Session(worked_example())
    for _ in range(len(session.steps) + 3):  # across an iteration's end too
        session.next()
        assert not session.hidden and session.view().quiz is None


@pytest.mark.parametrize(
    "move",
    [
        lambda s: s.back(),
        lambda s: s.finish(),
        lambda s: s.next_phase(),
        lambda s: s.previous_phase(),
        lambda s: s.reset(),
        lambda s: s.set_granularity("neuron"),
        lambda s: s.cycle_granularity(),
        lambda s: s.edit(s.network, LEARNING_RATE),
        lambda s: s.open(xor()),
        lambda s: s.apply_training(s.training_start, [1.0, 0.5], 1),
        lambda s: s.advance(),
        lambda s: s.set_quiz(False),
    ],
)
def test_every_other_movement_lands_revealed(move: Any) -> None:
    session = quiz_session()
    for _ in range(3):
        session.next()
        session.next()
    session.next()
    assert session.hidden
    move(session)
    assert not session.hidden
    assert session.view().through == session.cursor


def test_back_from_a_hidden_step_shows_the_step_before_and_next_hides_it_again() -> None:
    session = quiz_session()
    for _ in range(5):
        session.next()
    assert (session.cursor, session.hidden) == (2, True)
    session.back()
    assert (session.cursor, session.hidden) == (1, False)
    session.next()
    assert (session.cursor, session.hidden) == (2, True)


def test_a_cursor_moved_from_outside_shows_its_step() -> None:
    session = quiz_session()
    session.next()
    assert session.hidden
    session.cursor = 5
    assert not session.hidden and session.view().through == 5
    session.cursor = 0  # back where it was hidden: moved, so shown
    assert not session.hidden
    session.next()
    session.cursor = session.cursor  # a move that lands where it was shows it too
    assert not session.hidden and session.view().through == 1


def test_a_guess_reveals_the_result_and_counts() -> None:
    session = quiz_session()
    session.next()
    step = session.step
    assert step is not None
    written = step.result(session.precision)
    verdict = session.guess(written)
    assert verdict.right and verdict.message == f"✓ right: {step.symbol} = {written}"
    assert not session.hidden and session.cursor == 0
    assert session.quiz.score == Score(1, 1)
    session.next()
    wrong = float(session.trace.steps[1].value) + 1.0
    verdict = session.guess(str(wrong))
    assert not verdict.right
    assert verdict.message.startswith(f"✗ you said {fmt_result(wrong, session.precision)}; ")
    assert session.quiz.score == Score(1, 2)
    assert session.view().quiz == QuizShown(False, Score(1, 2), verdict)


def test_a_refused_guess_changes_nothing() -> None:
    session = quiz_session()
    session.next()
    known = session.view()
    for text in ("", "zero", "nan", "0.1 0.2"):
        with pytest.raises(ValueError) as refused:
            session.guess(text)
        assert "\n" not in str(refused.value)
    assert session.hidden and session.quiz.score == Score()
    assert session.view() is known


def test_nothing_to_guess_when_nothing_is_hidden() -> None:
    session = quiz_session()
    with pytest.raises(ValueError, match="nothing to guess"):
        session.guess("0.29")  # ready
    session.next()
    session.next()
    with pytest.raises(ValueError, match="nothing to guess"):
        session.guess("0.29")  # revealed
    plain = Session(worked_example())
    plain.next()
    with pytest.raises(ValueError, match="nothing to guess"):
        plain.guess("0.29")


def test_a_step_guessed_before_comes_back_revealed_with_its_verdict() -> None:
    session = quiz_session()
    session.next()
    verdict = session.guess("12")
    session.next()
    assert (session.cursor, session.hidden) == (1, True)
    session.back()
    assert session.view().quiz == QuizShown(False, Score(0, 1), verdict)
    session.back()  # to ready, then space again: the guessed step is not hidden again
    session.next()
    assert (session.cursor, session.hidden) == (0, False)
    assert session.view().quiz == QuizShown(False, Score(0, 1), verdict)
    with pytest.raises(ValueError):
        session.guess("0.29")
    assert session.quiz.score == Score(0, 1)


def test_a_guessed_step_is_remembered_across_iterations_and_back() -> None:
    session = quiz_session()
    session.next()
    session.guess("0")
    session.finish()
    session.next()  # iteration 2, ready
    session.next()
    assert session.hidden  # iteration 2's first step is another step
    session.back()
    session.back()  # back to iteration 1's last step, then its first
    session.cursor = -1
    session.next()
    assert (session.iteration, session.cursor, session.hidden) == (1, 0, False)


def test_turning_the_quiz_off_reveals_and_keeps_the_score() -> None:
    session = quiz_session()
    session.next()
    session.guess("1")
    session.next()
    assert session.hidden
    session.set_quiz(False)
    assert not session.hidden and not session.quiz_on and session.view().quiz is None
    session.set_quiz(True)
    assert not session.hidden  # turning it on hides nothing until the next step
    assert session.quiz.score == Score(0, 1)


def test_the_view_is_cached_and_renewed_when_hidden_flips() -> None:
    session = quiz_session()
    session.next()
    hidden = session.view()
    assert hidden is session.view() and hidden.hidden
    session.next()  # reveals: the same cursor, a new answer
    revealed = session.view()
    assert revealed is not hidden and not revealed.hidden and revealed.cursor == hidden.cursor
    assert revealed is session.view()
    session.set_quiz(False)
    off = session.view()
    assert off is not revealed and off.quiz is None
    session.set_quiz(True)
    assert session.view() is not off


def test_a_diverged_last_step_is_hidden_then_says_why_it_cannot_go_on() -> None:
    diverging = Network((Layer("linear", [[2.0]], [0.0]),), [[3.0]], [[1.0]], "half_sse", 1e6)
    session = quiz_session(diverging)
    for _ in range(1000):
        if session.trace.problem is not None:
            break
        session.finish()
        session.next()
    assert session.trace.problem is not None
    session.cursor = len(session.steps) - 2
    session.next()
    assert session.hidden and session.blocked is None and session.can_next
    assert session.view().warning is None  # the warning would tell the result
    session.next()
    assert not session.hidden and session.blocked is not None
    assert session.view().warning == session.blocked
    session.next()  # blocked: stays, revealed
    assert not session.hidden and session.complete


def test_the_loss_history_gains_its_point_when_the_last_result_is_revealed() -> None:
    session = quiz_session()
    session.cursor = len(session.steps) - 2
    before = session.loss_history
    session.next()
    assert session.complete and session.hidden
    assert session.loss_history == before
    assert session.view().loss_history == before
    session.next()
    assert len(session.loss_history) == len(before) + 2  # the start and the first iteration
    session.next()  # on to iteration 2: the history is recorded
    plain = Session(worked_example())
    plain.finish()
    plain.next()
    assert session.loss_history == plain.loss_history
    assert session.iteration == plain.iteration == 2


@pytest.mark.parametrize("name", ["worked-example", "circles"])
def test_training_from_a_hidden_last_step_goes_on_from_the_iteration_done(name: str) -> None:
    """A run starts where the screen is (the iteration is complete): the history it leaves
    is the same whether the last result was hidden or not."""
    network = PRESETS[name].build()
    sessions = [Session(network), quiz_session(network)]
    for session in sessions:
        session.cursor = len(session.steps) - 2
        session.next()
    assert sessions[1].hidden and not sessions[0].hidden
    starts = [session.training_start for session in sessions]
    assert all(
        start is session.trace.network_after
        for start, session in zip(starts, sessions, strict=True)
    )
    history = [0.5, 0.4, 0.3]
    live = [
        session.live_view(start, history, 2)
        for session, start in zip(sessions, starts, strict=True)
    ]
    assert live[0].loss_history == live[1].loss_history
    assert len(live[0].loss_history) == 4  # the start, iteration 1, and the run's two
    assert live[0].test_history == live[1].test_history
    assert live[0].iteration == live[1].iteration
    for session, start in zip(sessions, starts, strict=True):
        session.apply_training(start, history, 2)
    assert sessions[0].loss_history == sessions[1].loss_history
    assert sessions[0].test_loss_history == sessions[1].test_loss_history
    assert sessions[0].iteration == sessions[1].iteration == 4


# -- what the views are told -------------------------------------------------------------------


def panel_text(known: Known) -> str:
    return str(StepPanel.describe(SimpleNamespace(known=known)))  # type: ignore[arg-type]


def test_the_first_step_hidden_shows_its_formula_and_a_question_mark() -> None:
    session = quiz_session()
    session.next()
    step = session.step
    assert step is not None and step.symbol == "h_pre0"
    known = session.view()
    assert known.neuron(0, 0).pre is None
    text = panel_text(known)
    written = step.result(session.precision)
    assert written == "0.290"  # the worked example's first number (SPEC §4)
    assert f"= {step.substituted(session.precision)}" in text
    assert "= ?" in text and written not in text
    assert step.reason(session.precision) not in text
    assert "i types it" in text and "space shows it" in text
    session.next()
    known = session.view()
    assert known.neuron(0, 0).pre == pytest.approx(float(step.value))
    text = panel_text(known)
    assert f"= {written}" in text and "= ?" not in text
    assert step.reason(session.precision) in text


def test_the_verdict_takes_the_place_of_why_and_the_title_keeps_score() -> None:
    session = quiz_session()
    assert "quiz 0/0 right" in title_parts(session.view(), "worked-example")
    session.next()
    verdict = session.guess("0.3")
    text = panel_text(session.view())
    assert verdict.message in text and len(text.splitlines()) <= 5
    assert "quiz 0/1 right" in title_parts(session.view(), "worked-example")
    session.set_quiz(False)
    assert not any("quiz" in part for part in title_parts(session.view(), "worked-example"))
    assert verdict.message not in panel_text(session.view())


def test_the_title_hides_the_loss_its_step_computes() -> None:
    session = quiz_session()
    loss_step = next(s.index for s in session.steps if s.kind in ("loss", "batch_loss"))
    session.cursor = loss_step - 1
    session.next()
    assert session.view().loss is None
    assert "loss —" in title_parts(session.view(), "worked-example")
    session.next()
    loss = session.view().loss
    assert loss is not None and loss == pytest.approx(float(session.trace.loss))


def neuron_facts(known: Known) -> list[Any]:
    facts: list[Any] = [known.loss_shown(), known.check]
    for layer_index, layer in enumerate(known.network.layers):
        for neuron in range(layer.size):
            answer = known.neuron(layer_index, neuron)
            facts.append(replace(answer, bias_current=False))  # highlighting is the cursor's
            facts.extend(
                known.weight(layer_index, neuron, source) for source in range(layer.fan_in)
            )
    return facts


def ledger_facts(known: Known) -> list[Any]:
    return [replace(known.param(row), current=False) for row in range(len(known.rows))]


def history_facts(known: Known) -> list[Any]:
    network = shown_network(known)
    assert network is not None
    flat = [float(v) for lay in network.layers for v in (*lay.weights.ravel(), *lay.biases)]
    return [known.loss, known.loss_history, known.test_history, known.warning, flat]


def highlight_facts(known: Known) -> list[Any]:
    layers = known.network.layers
    return [
        None if known.step is None else (known.step.index, known.step.symbol),
        known.current_rows,
        known.focus_column,
        known.sample,
        [known.node_lit(column, None) for column in range(len(layers) + 2)],
        [known.param_lit(known.rows[row]) for row in range(len(known.rows))],
        [known.loss_edge_lit(output) for output in range(layers[-1].size)],
    ]


@pytest.mark.parametrize("name", ["worked-example", "xor", "xor-adam", "iris"])
def test_hidden_at_every_step_shows_what_the_step_before_showed(name: str) -> None:
    """For every step k of an iteration: the values shown with k's result hidden are exactly
    those shown at step k − 1 (every neuron value, weight, ledger cell, the loss, its history
    and the boundary's parameters), and the highlighting is step k's own. A second iteration,
    so momentum and Adam have parts to hide."""
    session = quiz_session(PRESETS[name].build())
    if session.granularity != "parameter":
        session.set_granularity("parameter")
    session.finish()
    session.next()  # iteration 2
    plain = Session(session.initial)
    plain.set_granularity(session._granularity)
    plain.finish()
    plain.next()
    assert len(plain.steps) == len(session.steps)
    for k in range(len(session.steps)):
        plain.cursor = k - 1
        before = plain.view()
        plain.cursor = k
        at_k = plain.view()
        session.cursor = k - 1
        session.next()
        assert session.hidden and session.cursor == k
        hidden = session.view()
        assert hidden.through == k - 1
        same_sample = before.sample == hidden.sample
        if same_sample:
            assert neuron_facts(hidden) == neuron_facts(before), k
        assert ledger_facts(hidden) == ledger_facts(before), k
        assert history_facts(hidden) == history_facts(before), k
        assert highlight_facts(hidden) == highlight_facts(at_k), k
        session.next()  # revealed: what plain shows at k
        assert not session.hidden and session.cursor == k
        revealed = session.view()
        assert neuron_facts(revealed) == neuron_facts(at_k), k
        assert ledger_facts(revealed) == ledger_facts(at_k), k
        assert history_facts(revealed) == history_facts(at_k), k
    assert any(part is not None for row in ledger_facts(at_k) for part in row.parts) or (
        not at_k.part_columns
    )


def test_the_check_phase_and_the_loss_steps_are_hidden_too() -> None:
    """The first check step hidden still shows the pass before the update (its backward values
    too); its loss is the old one until the loss after the update is revealed."""
    session = quiz_session()
    first_check = next(s.index for s in session.steps if s.phase == "check")
    session.cursor = first_check - 1
    session.next()
    known = session.view()
    assert not known.check and known.step is not None and known.step.phase == "check"
    assert known.neuron(0, 0).grad_post is not None  # the backward values are still shown
    assert known.loss == pytest.approx(float(session.trace.loss))
    session.next()
    assert session.view().check and session.view().neuron(0, 0).grad_post is None
    session.cursor = len(session.steps) - 2
    session.next()
    hidden = session.view()
    assert hidden.loss_shown() == replace(hidden.loss_shown())  # a value, compared by value
    assert hidden.loss != pytest.approx(float(session.trace.loss_after))
    session.next()
    assert session.view().loss == pytest.approx(float(session.trace.loss_after))


def test_a_weight_update_hidden_keeps_the_old_value_on_the_graph_and_the_boundary() -> None:
    session = quiz_session(PRESETS["circles"].build())
    w = ParamRef(0, "weight", 0, 0)
    update = next(
        s.index
        for s in session.steps
        if s.kind == "new" and s.param is not None and s.param.covers(w)
    )
    session.cursor = update - 1
    session.next()
    known = session.view()
    old = session.network.value_of(w)
    assert known.weight(0, 0, 0) == old
    network = shown_network(known)
    assert network is not None and float(network.layers[0].weights[0, 0]) == old
    session.next()
    new = session.trace.network_after.value_of(w)
    assert new != old and session.view().weight(0, 0, 0) == new
    network = shown_network(session.view())
    assert network is not None and float(network.layers[0].weights[0, 0]) == new


@pytest.mark.parametrize("name", ["worked-example", "xor", "xor-adam"])
def test_the_graph_hidden_at_every_step_draws_the_step_before(name: str) -> None:
    """Character for character (the colours are the highlighting, the step's own), the graph
    with step k's result hidden is the graph at step k − 1 — where both show one sample."""
    from nntui.app.graph import _Drawing

    def drawn(known: Known) -> list[str]:
        drawing = _Drawing(known, 74, 28)
        drawing.draw()
        return ["".join(row) for row in drawing.grid.chars]

    session = quiz_session(PRESETS[name].build())
    plain = Session(PRESETS[name].build())
    compared = 0
    for k in range(len(session.steps)):
        plain.cursor = k - 1
        session.cursor = k - 1
        session.next()
        assert session.hidden
        if plain.view().sample != session.view().sample:
            continue
        assert drawn(session.view()) == drawn(plain.view()), k
        plain.cursor = k
        if drawn(plain.view()) != drawn(session.view()):
            compared += 1  # the step shows something: hiding it changed the picture
    assert compared > len(session.steps) // 3  # (an optimizer's parts are the ledger's)


def test_the_app_draws_a_hidden_step_and_its_reveal() -> None:
    """Driving the app's session directly (the keys are the app's): the step panel and the
    title on screen, hidden then revealed by a guess."""
    import asyncio

    from nntui.app.app import NntuiApp
    from nntui.app.title import TitleBar

    async def run() -> tuple[str, str, str, str]:
        app = NntuiApp(worked_example())
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.session.set_quiz(True)
            app.session.next()
            app.refresh_views()
            await pilot.pause()
            hidden = str(app.query_one(StepPanel).render())
            hidden_title = str(app.query_one(TitleBar).render())
            app.session.guess("0.29")
            app.refresh_views()
            await pilot.pause()
            shown = str(app.query_one(StepPanel).render())
            return hidden, hidden_title, shown, str(app.query_one(TitleBar).render())

    hidden, hidden_title, shown, shown_title = asyncio.run(run())
    assert "= ?" in hidden and "0.290" not in hidden and "Your guess?" in hidden
    assert "quiz 0/0 right" in hidden_title
    assert "= 0.290" in shown and "✓ right: h_pre0 = 0.290" in shown
    assert "quiz 1/1 right" in shown_title


def test_a_matrix_typed_as_the_screen_writes_it_is_read() -> None:
    """The screen writes a layer's weights as [[0.077, 0.066]]: typed so, it is a guess."""
    assert parse_guess("[[0.077, 0.066]]", 2) == (0.077, 0.066)
    assert parse_guess("[[1, 2], [3, 4]]", 4) == (1.0, 2.0, 3.0, 4.0)


@pytest.mark.parametrize("granularity", ["neuron", "layer"])
def test_a_coarser_granularity_does_not_show_the_hidden_result(granularity: str) -> None:
    """`g` while a result is hidden lands before it: the next space asks for it again,
    instead of showing it on a step it can no longer be guessed on."""
    session = quiz_session()
    for _ in range(3):  # h_pre0 hidden, shown; then h0 = relu(h_pre0) hidden
        session.next()
    assert session.hidden and session.step is not None and session.step.symbol == "h0"
    session.set_granularity(granularity)  # type: ignore[arg-type]
    assert session.view().neuron(0, 0).post is None  # h0 is still to come
