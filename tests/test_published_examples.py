"""Independently published worked examples, reproduced by the engine.

Matt Mazur, "A Step by Step Backpropagation Example" (2015): a 2-2-2 sigmoid network, half
squared error summed over the outputs, learning rate 0.5, biases not updated. The numbers
below are the ones the article prints.
"""

from __future__ import annotations

import pytest

from nntui.engine.network import Layer, Network
from nntui.engine.trace import build_trace


def mazur() -> Network:
    return Network(
        layers=(
            Layer("sigmoid", [[0.15, 0.20], [0.25, 0.30]], [0.35, 0.35]),
            Layer("sigmoid", [[0.40, 0.45], [0.50, 0.55]], [0.60, 0.60]),
        ),
        inputs=[[0.05, 0.10]],
        targets=[[0.01, 0.99]],
        loss="half_sse",
        learning_rate=0.5,
        update_biases=False,
    )


def test_forward_pass_and_total_error() -> None:
    trace = build_trace(mazur())
    fwd = trace.forward
    assert fwd.pre[0][0].tolist() == pytest.approx([0.3775, 0.3925], abs=1e-9)
    assert fwd.post[0][0].tolist() == pytest.approx([0.593269992, 0.596884378], abs=1e-9)
    assert fwd.post[1][0].tolist() == pytest.approx([0.75136507, 0.772928465], abs=1e-8)
    assert trace.loss == pytest.approx(0.298371109, abs=1e-9)


def test_backward_pass_and_updated_weights() -> None:
    trace = build_trace(mazur())
    grads = trace.backward.weights
    assert grads[1][0, 0] == pytest.approx(0.082167041, abs=1e-9)  # ∂E/∂w5
    assert grads[0][0, 0] == pytest.approx(0.000438568, abs=1e-9)  # ∂E/∂w1
    after = trace.network_after.layers
    # w5..w8 and w1..w4 after one step, as printed in the article.
    assert after[1].weights.ravel().tolist() == pytest.approx(
        [0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=1e-9
    )
    assert after[0].weights.ravel().tolist() == pytest.approx(
        [0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=1e-8
    )
    # Biases stay put (update_biases = false), and the error falls.
    assert after[0].biases.tolist() == [0.35, 0.35]
    assert after[1].biases.tolist() == [0.60, 0.60]
    assert trace.loss_after < trace.loss


def test_ten_thousand_iterations_reach_the_articles_error() -> None:
    """'After repeating this process 10,000 times … the error plummets to 0.0000351085.'"""
    from nntui.engine.training import train

    result = train(mazur(), 10_000)
    assert result.message is None
    # The article reports the error its 10,000th pass measures before that pass's update,
    # i.e. after 9,999 updates: loss_history[9_999]. (After the 10,000th: 3.51019e-05.)
    assert round(float(result.loss_history[9_999]), 10) == 0.0000351085  # as printed
    assert result.loss_history[-1] < result.loss_history[9_999]
