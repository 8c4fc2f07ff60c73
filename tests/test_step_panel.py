"""The step panel's ready line says which samples the iteration trains on."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from nntui.app.step_panel import StepPanel
from nntui.engine.presets import xor
from nntui.session import Session


def ready_line(batch_size: int | None, finished: int) -> str:
    network = replace(xor(), batch_size=batch_size) if batch_size else xor()
    session = Session(network)
    for _ in range(finished):
        session.finish()
        session.next()
    panel = SimpleNamespace(known=session.view())  # describe() reads only `known`
    return str(StepPanel.describe(panel)).splitlines()[0]  # type: ignore[arg-type]


def test_full_batch_names_the_sample_among_all() -> None:
    assert ready_line(None, 0).endswith("(sample 0 of samples 0–3).")


def test_a_mini_batch_names_its_batch_and_its_samples() -> None:
    assert ready_line(2, 0).endswith("(sample 0; batch 1/2 = samples 0–1).")
    assert ready_line(2, 1).endswith("(sample 2; batch 2/2 = samples 2–3).")
    assert ready_line(2, 2).endswith("(sample 0; batch 1/2 = samples 0–1).")


def test_a_batch_of_one_sample() -> None:
    assert ready_line(1, 3).endswith("(sample 3; batch 4/4 = sample 3).")
