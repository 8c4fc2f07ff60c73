"""Write `tests/data/torch_optim_reference.json`: PyTorch's optimizers on fixed gradients.

Run with a Python that has torch (torch is not a dependency of nntui; a throwaway venv is enough):

    python -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    /tmp/torchvenv/bin/python benchmarks/make_torch_reference.py

Each case is one `[optimizer]` table (SPEC §6, non-default hyper-parameters), a learning rate, a
start vector, five steps' gradients and, for some, a movable mask (False: a bias under
`update_biases = false`). torch.optim runs it in float64 (dampening 0, amsgrad, centered and
maximize off, RMSprop momentum 0) and the parameters and state after every step are recorded.
Frozen entries are kept out of the optimizer, the way a parameter PyTorch does not train is.
`tests/test_optimizers.py` replays every case through `nntui.engine.ops.optimizers.step`.

The gradients are fixed numbers (not recomputed from the parameters), so the file checks the
update rule alone; they include a zero, a tiny and a large gradient, and sign changes between
steps, so momentum and the running averages have something to remember.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_optim_reference.json"
SIZE = 6
STEPS = 5

#: (optimizer table, learning rate, movable mask or None).
CASES: list[tuple[dict[str, Any], float, list[bool] | None]] = [
    ({"name": "sgd"}, 0.1, None),
    ({"name": "sgd", "momentum": 0.9}, 0.1, None),
    ({"name": "sgd", "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}, 0.05, None),
    ({"name": "sgd", "weight_decay": 0.1}, 0.3, None),
    ({"name": "sgd", "momentum": 0.5, "weight_decay": 0.2}, 0.2, [True] * 4 + [False] * 2),
    ({"name": "rmsprop", "alpha": 0.9, "eps": 1e-6}, 0.01, None),
    ({"name": "rmsprop", "alpha": 0.99, "weight_decay": 0.05}, 0.02, None),
    ({"name": "adam"}, 0.1, None),
    ({"name": "adam", "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.02}, 0.05, None),
    ({"name": "adam", "beta1": 0.0, "beta2": 0.5}, 0.1, [True, False] * 3),
    ({"name": "adamw"}, 0.1, None),
    (
        {"name": "adamw", "beta1": 0.85, "beta2": 0.995, "eps": 1e-7, "weight_decay": 0.1},
        0.05,
        None,
    ),
    ({"name": "adamw", "weight_decay": 0.5}, 0.3, [True] * 3 + [False] * 3),
]


def _torch_optimizer(torch: Any, table: dict[str, Any], params: list[Any], lr: float) -> Any:
    """The torch.optim optimizer SPEC §6 names, with its arguments spelled PyTorch's way."""
    name = table["name"]
    if name == "sgd":
        return torch.optim.SGD(
            params,
            lr=lr,
            momentum=table.get("momentum", 0.0),
            nesterov=table.get("nesterov", False),
            weight_decay=table.get("weight_decay", 0.0),
            dampening=0.0,
            foreach=False,
        )
    if name == "rmsprop":
        return torch.optim.RMSprop(
            params,
            lr=lr,
            alpha=table.get("alpha", 0.99),
            eps=table.get("eps", 1e-8),
            weight_decay=table.get("weight_decay", 0.0),
            momentum=0.0,
            centered=False,
            foreach=False,
        )
    betas = (table.get("beta1", 0.9), table.get("beta2", 0.999))
    kind = torch.optim.Adam if name == "adam" else torch.optim.AdamW
    default_decay = 0.0 if name == "adam" else 0.01
    return kind(
        params,
        lr=lr,
        betas=betas,
        eps=table.get("eps", 1e-8),
        weight_decay=table.get("weight_decay", default_decay),
        amsgrad=False,
        foreach=False,
    )


def _gradients(rng: random.Random) -> list[list[float]]:
    """STEPS gradients: mixed scales and signs, one entry always 0, one tiny, one large."""
    steps = []
    for _ in range(STEPS):
        grad = [rng.uniform(-1.0, 1.0) for _ in range(SIZE)]
        grad[1] = 0.0
        grad[2] *= 1e-9
        grad[3] *= 50.0
        steps.append(grad)
    return steps


def run_case(
    torch: Any, table: dict[str, Any], lr: float, movable: list[bool] | None, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    start = [rng.uniform(-2.0, 2.0) for _ in range(SIZE)]
    grads = _gradients(rng)
    mask = movable or [True] * SIZE
    moving = [index for index in range(SIZE) if mask[index]]
    param = torch.tensor([start[index] for index in moving], dtype=torch.float64)
    param.requires_grad_(True)
    optimizer = _torch_optimizer(torch, table, [param], lr)
    params_after, states_after = [], []
    for grad in grads:
        param.grad = torch.tensor([grad[index] for index in moving], dtype=torch.float64)
        optimizer.step()
        full = list(start)
        for slot, index in enumerate(moving):
            full[index] = float(param.detach()[slot])
        params_after.append(full)
        states_after.append(_state(optimizer.state[param], moving))
    return {
        "optimizer": table,
        "learning_rate": lr,
        "movable": movable,
        "params": start,
        "grads": grads,
        "params_after": params_after,
        "state_after": states_after,
    }


def _state(state: dict[str, Any], moving: list[int]) -> dict[str, list[float]]:
    """torch's state as SPEC §6 names it (b, m, v), 0 for entries the optimizer does not hold."""
    names = {"momentum_buffer": "b", "exp_avg": "m", "exp_avg_sq": "v", "square_avg": "v"}
    recorded = {}
    for key, name in names.items():
        if state.get(key) is not None:
            full = [0.0] * SIZE
            for slot, index in enumerate(moving):
                full[index] = float(state[key][slot])
            recorded[name] = full
    return recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    import torch

    torch.set_default_dtype(torch.float64)
    cases = [run_case(torch, *case, seed=index) for index, case in enumerate(CASES)]
    document = {
        "about": "torch.optim in float64 on fixed gradients; written by "
        "benchmarks/make_torch_reference.py, replayed by tests/test_optimizers.py",
        "torch": torch.__version__,
        "cases": cases,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps({key: document[key] for key in ("about", "torch")}, ensure_ascii=False)
    lines = ",\n  ".join(json.dumps(case) for case in cases)  # one case per line
    text = f'{head[:-1]},\n "cases": [\n  {lines}\n ]\n}}\n'
    args.output.write_text(text, encoding="utf-8")
    print(f"{len(cases)} cases, {STEPS} steps each, torch {torch.__version__} → {args.output}")


if __name__ == "__main__":
    main()
