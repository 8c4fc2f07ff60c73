"""What is known at the cursor (`Session.view()`), asked in plain pytest: the one answer the
graph, the ledger, the step panel and the title draw.

Expected numbers come from the engine's own trace (its forward and backward arrays, the
updated network), never from decimals written here.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import nntui.app
from nntui.engine.presets import PRESETS, worked_example
from nntui.engine.spec import NetworkSpec, ParamRef
from nntui.opening import Opening
from nntui.session import Session
from nntui.view_state import Known, known_at

W100 = ParamRef(1, "weight", 0, 0)
W101 = ParamRef(1, "weight", 0, 1)


def at(session: Session, symbol: str) -> Known:
    """The answer with the cursor on the step named `symbol`."""
    session.cursor = next(step.index for step in session.steps if step.symbol == symbol)
    return session.view()


def neuron_values(known: Known, layer: int, neuron: int) -> tuple[float | None, ...]:
    answer = known.neuron(layer, neuron)
    return (answer.pre, answer.post, answer.grad_post, answer.slope, answer.delta)


# -- the answer at chosen cursors of the worked example -----------------------------------------


def test_ready_knows_only_the_file() -> None:
    session = Session(worked_example())
    known = session.view()
    net = session.network
    assert (known.cursor, known.phase, known.step, known.sample) == (-1, "ready", None, 0)
    assert (known.loss, known.phase_position, known.current_rows) == (None, None, None)
    for layer, size in enumerate(layer.size for layer in net.layers):
        for j in range(size):
            assert neuron_values(known, layer, j) == (None,) * 5
            assert known.neuron(layer, j).bias == net.layers[layer].biases[j]
    for row in range(len(known.rows)):
        param = known.param(row)
        assert (param.grad, param.delta, param.new, param.current) == (None, None, None, False)
        assert param.value == net.value_of(param.ref)
    assert known.loss_shown().value is None
    assert not known.node_lit(1, 0) and not known.edge_lit(0, 0, 0)


def test_forward_values_appear_one_step_at_a_time() -> None:
    session = Session(worked_example())
    forward = session.trace.forward
    known = at(session, "h_pre0")
    pre, post = forward.pre[0][0, 0], forward.post[0][0, 0]
    assert neuron_values(known, 0, 0) == (pre, None, None, None, None)
    assert known.node_lit(1, 0) and known.node_lit(0, 2)  # h0 and every input it reads
    assert known.edge_lit(0, 0, 1) and not known.edge_lit(0, 1, 1)
    assert (known.phase, known.phase_position, known.phase_steps) == ("forward", 1, 6)
    known = at(session, "h0")
    assert neuron_values(known, 0, 0) == (pre, post, None, None, None)
    assert neuron_values(known, 0, 1) == (None,) * 5


def test_the_switched_off_relu_is_known_once_its_activation_is_shown() -> None:
    """h1's z is negative in the worked example: it is inactive once h1 = 0 is shown."""
    session = Session(worked_example())
    assert session.trace.forward.pre[0][0, 1] < 0
    assert not at(session, "h_pre1").neuron(0, 1).inactive
    assert at(session, "h1").neuron(0, 1).inactive
    assert not at(session, "h1").neuron(0, 0).inactive


def test_the_gradient_step_of_w100_reveals_its_gradient_only() -> None:
    session = Session(worked_example())
    backward = session.trace.backward
    known = at(session, "∂E/∂w100")
    row = known.rows.row_of(W100)
    w100, w101 = known.param(row), known.param(known.rows.row_of(W101))
    assert w100.grad == backward.weights[1][0, 0]
    assert (w100.delta, w100.new, w100.current) == (None, None, True)
    assert (w101.grad, w101.current) == (None, False)
    assert known.current_rows == (row, row + 1)
    assert known.param_lit(W100) and not known.param_lit(W101)
    assert known.edge_lit(1, 0, 0) and not known.edge_lit(1, 0, 1)
    # The output's backward values are known by now; h0's are not yet.
    output = known.neuron(1, 0)
    assert output.grad_post == backward.grad_post[1][0, 0]
    assert output.slope == backward.local[1][0, 0]
    assert known.neuron(0, 0).grad_post is None


def test_the_update_of_w100_knows_delta_from_the_engine() -> None:
    """Δw100 = −η·∂E/∂w100, the engine's learning rate times its gradient; the new value is
    the updated network's, and the weight the graph shows is the new one from then on."""
    session = Session(worked_example())
    net, trace = session.network, session.trace
    gradient = trace.backward.weights[1][0, 0]
    assert gradient != 0
    before = at(session, "∂E/∂w100")
    known = at(session, "w100*")
    w100 = known.param(known.rows.row_of(W100))
    assert w100.delta == -net.learning_rate * gradient
    assert w100.new == trace.network_after.layers[1].weights[0, 0]
    assert w100.value + w100.delta == pytest.approx(w100.new, abs=1e-15)
    assert known.param(known.rows.row_of(W101)).new is None  # its update is the next step
    assert before.weight(1, 0, 0) == net.layers[1].weights[0, 0]
    assert known.weight(1, 0, 0) == w100.new
    assert known.weight(1, 0, 1) == net.layers[1].weights[0, 1]


def test_a_bias_that_is_not_updated_has_no_delta() -> None:
    import dataclasses

    session = Session(dataclasses.replace(worked_example(), update_biases=False))
    known = at(session, "b10*")
    b10 = known.param(known.rows.row_of(ParamRef(1, "bias", 0)))
    assert b10.grad is not None and b10.grad != 0
    assert b10.delta == 0.0 and b10.new == b10.value


@pytest.mark.parametrize("name", ["xor-momentum", "xor-adam"])
def test_with_another_optimizer_delta_is_the_step_it_took(name: str) -> None:
    """Δ is what the update did, θ* − θ from the engine's updated network, not −µ·∂E/∂θ."""
    session = Session(PRESETS[name].build())
    assert not session.network.optimizer.is_plain_sgd
    for _ in range(2):  # the second iteration: momentum and Adam have a history by then
        session.finish()
        known = session.view()
        after = session.trace.network_after
        for row in range(len(known.rows)):
            param = known.param(row)
            assert param.new == after.value_of(param.ref)
            assert param.delta == param.new - param.value
        session.next()
    moved = [known.param(row) for row in range(len(known.rows))]
    rate = session.network.learning_rate
    assert any(p.grad and p.delta != -rate * p.grad for p in moved)


def test_the_check_shows_the_updated_forward_pass_and_no_backward_values() -> None:
    session = Session(worked_example())
    trace = session.trace
    session.finish()
    known = session.view()
    assert known.check and known.phase == "check"
    assert known.neuron(0, 0).pre == trace.forward_after.pre[0][0, 0]
    assert known.neuron(0, 0).post == trace.forward_after.post[0][0, 0]
    assert (known.neuron(0, 0).grad_post, known.neuron(1, 0).slope) == (None, None)
    assert known.loss_shown().symbol == "E*"
    assert known.loss_shown().value == trace.loss_after == known.loss
    assert known.loss_edge_lit(0)
    assert known.neuron(0, 0).bias == trace.network_after.layers[0].biases[0]


def test_a_sample_loss_is_named_for_its_sample_until_the_batch_loss() -> None:
    session = Session(PRESETS["xor"].build())
    first = next(s for s in session.steps if s.kind == "loss")
    session.cursor = first.index
    loss = session.view().loss_shown()
    assert (loss.symbol, loss.of_sample) == (first.symbol, True)
    assert loss.value == session.trace.forward.losses[first.sample]
    batch = next(s for s in session.steps if s.kind == "batch_loss")
    session.cursor = batch.index
    loss = session.view().loss_shown()
    assert (loss.symbol, loss.value, loss.of_sample) == ("E", session.trace.loss, False)


def test_the_title_facts_follow_the_index() -> None:
    session = Session(PRESETS["xor"].build())
    for step in session.steps[:: max(1, len(session.steps) // 7)]:
        session.cursor = step.index
        known = session.view()
        assert known.phase == step.phase
        assert known.phase_position == session.index.phase_position[step.index]
        assert known.phase_steps == session.index.phase_total[step.phase]
        assert known.total_steps == len(session.steps)
        assert known.loss == session.shown_loss
        assert known.sample == session.index.display_sample[step.index]


# -- asked once per state ------------------------------------------------------------------------


def test_the_answer_is_kept_until_the_session_changes() -> None:
    session = Session(worked_example())
    ready = session.view()
    assert session.view() is ready
    session.next()
    first = session.view()
    assert first is not ready and first.cursor == 0
    assert session.view() is first
    session.more_precision()
    assert session.view() is not first and session.view().precision == first.precision + 1
    session.cursor = 0  # set directly, as tests do: the same state, the same answer
    assert session.view() is session.view()
    session.back()
    assert session.view().cursor == -1


def test_the_next_iteration_and_its_message_are_new_answers() -> None:
    session = Session(worked_example())
    session.finish()
    end = session.view()
    session.next()
    assert session.view() is not end
    assert (session.view().iteration, session.view().cursor) == (2, -1)
    assert session.view().loss_history == session.loss_history and len(end.loss_history) == 2


# -- the opening answers as the session does at the ready state ----------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_the_opening_answers_like_the_ready_session(name: str) -> None:
    net = PRESETS[name].build()
    opening, ready = known_at(Opening(NetworkSpec.of(net))), Session(net).view()
    for fact in ("cursor", "iteration", "sample", "phase", "loss", "loss_history", "warning"):
        assert getattr(opening, fact) == getattr(ready, fact), fact
    assert opening.granularity == ready.granularity
    for row in range(0, len(ready.rows), max(1, len(ready.rows) // 50)):
        assert opening.param(row) == ready.param(row)
    for layer, spec in enumerate(net.layers):
        for j in range(min(spec.size, 8)):
            assert opening.neuron(layer, j) == ready.neuron(layer, j)


# -- the views decide nothing about the trace -----------------------------------------------------

VIEWS = ("graph.py", "ledger.py", "step_panel.py", "loss_history.py", "app.py")
#: What only the session's answer may look at: the index's lookups and the trace's arrays.
TRACE_LOGIC = ("new_at", "grad_at", "revealed", "rows_of_step", "phase_starts", "display_sample")


@pytest.mark.parametrize("module", VIEWS)
def test_no_view_reads_the_trace_index(module: str) -> None:
    source = (Path(inspect.getfile(nntui.app)).parent / module).read_text(encoding="utf-8")
    names = {node.attr for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute)}
    assert not names & set(TRACE_LOGIC), names & set(TRACE_LOGIC)
    assert "backward" not in names and "forward_after" not in names
