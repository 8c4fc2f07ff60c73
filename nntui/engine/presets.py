"""The built-in networks, and turning a command-line NET argument into a network.

Every preset is built fresh by its `build()` and is the same, number for number, on every call:
fixed weights, or weights from a seeded generator. Hand-written presets are `NetworkSpec`s,
plain numbers, so the debugger draws them before NumPy is imported; generated ones need NumPy.

The presets that learn a data set — `circles`, `spiral`, `iris` — are network files in
`nntui/presets/`, beside the CSV file `iris` reads (a network file reads CSV files only in its
own directory). A network file has no initialisation keys, so their starting weights are
written in them: drawn once by `seeded_layers` (LeCun's N(0, 1/fan_in), which keeps tanh out
of saturation for inputs of about unit size), as each file's header says; the tests draw them
again and check that the files hold exactly those numbers.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from nntui.engine.loader import NetworkFileError, load_spec
from nntui.engine.spec import NetworkSpec, spec

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike

    from nntui.engine.network import Network


@dataclass(frozen=True)
class Preset:
    """A built-in network: its command-line name, a one-line description and its maker (a
    `NetworkSpec` for a hand-written network, a `Network` for a generated one)."""

    name: str
    description: str
    make: Callable[[], NetworkSpec | Network]

    def build(self) -> Network:
        return _built(self.make())


def _built(made: NetworkSpec | Network) -> Network:
    return made.build() if isinstance(made, NetworkSpec) else made


def _network(
    name: str,
    loss: str,
    learning_rate: float,
    layers: Sequence[tuple[str, ArrayLike, ArrayLike]],
    inputs: ArrayLike,
    targets: ArrayLike,
) -> Network:
    import numpy as np

    from nntui.engine.network import Layer, Network

    return Network(
        layers=tuple(
            Layer(activation, np.asarray(weights), np.asarray(biases))
            for activation, weights, biases in layers
        ),
        inputs=np.asarray(inputs, dtype=np.float64),
        targets=np.asarray(targets, dtype=np.float64),
        loss=loss,
        learning_rate=learning_rate,
        name=name,
    )


def worked_example() -> Network:
    """The document's network (shared/seed/worked-example.txt). Its matrix prints 0.8 for w100,
    but every equation after it uses 0.7, and only 0.7 reproduces its numbers."""
    return worked_example_spec().build()


def worked_example_spec() -> NetworkSpec:
    """`worked_example` as plain numbers (no NumPy): what `nntui` draws first."""
    return spec(
        "Worked example: 3-2-1, ReLU then sigmoid",
        "half_sse",
        0.1,
        [
            ("relu", [[0.2, -1.2, 0.9], [-0.5, -1.2, 0.3]], [-0.1, 0.2]),
            ("sigmoid", [[0.7, -1.1]], [-0.1]),
        ],
        [[0.9, 0.2, 0.5]],
        [[0.0]],
    )


def xor() -> Network:
    """XOR as a `Network` (see `xor_spec`)."""
    return xor_spec().build()


def xor_spec() -> NetworkSpec:
    """XOR, the classic problem no single layer solves; these starting weights solve it
    (every output within 0.1 of its target) in 1000 to 2000 steps."""
    return spec(
        "XOR: 2-2-1, sigmoid throughout",
        "half_sse",
        2.0,
        [
            ("sigmoid", [[0.5, -0.4], [-0.6, 0.7]], [0.1, -0.2]),
            ("sigmoid", [[0.8, 0.9]], [-0.3]),
        ],
        [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
        [[0.0], [1.0], [1.0], [0.0]],
    )


def xor_momentum_spec() -> NetworkSpec:
    """XOR's network and starting weights trained with momentum ρ = 0.9 at XOR's learning rate:
    the velocity carries it off the plateau where plain SGD lingers (loss about 0.124 for 200
    steps), under 0.005 by step 100 where plain SGD needs about 900."""
    from nntui.engine.ops.optimizers import settings_from_table

    return replace(
        xor_spec(),
        name="XOR with momentum: 2-2-1, sigmoid throughout, ρ = 0.9",
        optimizer=settings_from_table({"name": "sgd", "momentum": 0.9}),
    )


def xor_adam_spec() -> NetworkSpec:
    """XOR's network and starting weights trained with Adam at µ = 0.1: every parameter's first
    step is ±µ whatever its gradient, and the loss is under 0.005 by step 71."""
    from nntui.engine.ops.optimizers import settings_from_table

    return replace(
        xor_spec(),
        name="XOR with Adam: 2-2-1, sigmoid throughout, µ = 0.1",
        learning_rate=0.1,
        optimizer=settings_from_table({"name": "adam"}),
    )


def softmax_3class() -> Network:
    """The 3-class preset as a `Network` (see `softmax_3class_spec`)."""
    return softmax_3class_spec().build()


def softmax_3class_spec() -> NetworkSpec:
    """Three clusters of two points each in the plane, one-hot targets."""
    return spec(
        "Three classes: 2-4-3, tanh then softmax",
        "cross_entropy",
        0.5,
        [
            (
                "tanh",
                [[0.4, -0.3], [-0.5, 0.2], [0.3, 0.6], [-0.2, -0.4]],
                [0.0, 0.1, -0.1, 0.0],
            ),
            (
                "softmax",
                [[0.3, -0.2, 0.5, 0.1], [-0.4, 0.3, -0.1, 0.2], [0.2, 0.1, -0.3, -0.5]],
                [0.0, 0.0, 0.0],
            ),
        ],
        [[0.0, 1.0], [0.2, 0.8], [-1.0, -0.5], [-0.8, -0.8], [1.0, -0.5], [0.8, -0.8]],
        [[1.0, 0.0, 0.0]] * 2 + [[0.0, 1.0, 0.0]] * 2 + [[0.0, 0.0, 1.0]] * 2,
    )


def _seeded_layer(
    rng: np.random.Generator, activation: str, fan_in: int, size: int
) -> tuple[str, np.ndarray, np.ndarray]:
    """Weights ~ N(0, 1/fan_in), rounded to 4 decimals so files and screens stay readable."""
    import numpy as np

    weights = np.round(rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=(size, fan_in)), 4)
    return activation, weights, np.zeros(size)


def seeded_layers(
    seed: int, shape: Sequence[int], activations: Sequence[str]
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Starting layers for a network of `shape` (inputs first, `2-8-8-1` as (2, 8, 8, 1)):
    weights drawn from N(0, 1/fan_in) by `numpy.random.default_rng(seed)`, layer by layer from
    the input side, rounded to 4 decimals; biases 0. How the data presets' weights were made."""
    import numpy as np

    if len(activations) != len(shape) - 1:
        raise ValueError(f"{len(shape) - 1} layers need as many activations, not {activations}")
    rng = np.random.default_rng(seed)
    return [
        _seeded_layer(rng, activation, fan_in, size)
        for activation, fan_in, size in zip(activations, shape, shape[1:], strict=False)
    ]


#: Where the preset network files and the data they read live.
PRESET_FILES = Path(__file__).resolve().parent.parent / "presets"


def _preset_file(file_name: str) -> Callable[[], NetworkSpec]:
    """The maker of a preset that is a network file in `PRESET_FILES`."""

    def make() -> NetworkSpec:
        return load_spec(PRESET_FILES / file_name)

    return make


def mnist_digits() -> tuple[list[int], list[list[int]]]:
    """The handwritten MNIST digits shipped in `nntui/presets/mnist-digits.toml` (its header
    names the source and the licence): their labels, and 784 grey levels 0–255 each."""
    import tomllib
    from importlib.resources import files

    text = files("nntui").joinpath("presets", "mnist-digits.toml").read_text(encoding="utf-8")
    digits = tomllib.loads(text)["digits"]
    return [digit["label"] for digit in digits], [digit["pixels"] for digit in digits]


def mnist_784() -> Network:
    """An MNIST digit classifier's shape on two real handwritten digits (a 0 and a 1, grey
    levels scaled to [0, 1]), one-hot targets of their labels; seeded weights."""
    import numpy as np

    rng = np.random.default_rng(0)
    labels, pixels = mnist_digits()
    return _network(
        "MNIST: 784-32-10, ReLU then softmax",
        "cross_entropy",
        0.1,
        [_seeded_layer(rng, "relu", 784, 32), _seeded_layer(rng, "softmax", 32, 10)],
        np.asarray(pixels, dtype=np.float64) / 255.0,
        np.eye(10)[labels],
    )


def deep_4_16_16_3() -> Network:
    """Two hidden layers; eight 4-feature samples in three loose clusters."""
    import numpy as np

    rng = np.random.default_rng(1)
    layers = [
        _seeded_layer(rng, "tanh", 4, 16),
        _seeded_layer(rng, "tanh", 16, 16),
        _seeded_layer(rng, "softmax", 16, 3),
    ]
    centres = np.array([[0.8, 0.2, -0.5, -0.6], [-0.3, 0.7, 0.4, -0.2], [-0.6, -0.5, 0.3, 0.8]])
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    inputs = np.round(centres[labels] + rng.normal(0.0, 0.1, size=(8, 4)), 2)
    return _network(
        "Deep: 4-16-16-3, tanh, tanh, softmax",
        "cross_entropy",
        0.2,
        layers,
        inputs,
        np.eye(3)[labels],
    )


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "worked-example",
            "the document's network: one sample, half squared error",
            worked_example_spec,
        ),
        Preset("xor", "XOR's four samples; 2000 training steps solve it", xor_spec),
        Preset(
            "xor-momentum",
            "XOR with momentum 0.9: off the plateau in 100 steps, where SGD takes 900",
            xor_momentum_spec,
        ),
        Preset(
            "xor-adam",
            "XOR with Adam (µ = 0.1): each first step ±µ; solved in about 70 steps",
            xor_adam_spec,
        ),
        Preset(
            "softmax-3class",
            "a 3-class classifier, six samples, cross-entropy",
            softmax_3class_spec,
        ),
        Preset(
            "mnist-784", "two handwritten MNIST digits (a 0, a 1); a big net collapses", mnist_784
        ),
        Preset(
            "deep-4-16-16-3", "two tanh hidden layers, eight samples, 3 classes", deep_4_16_16_3
        ),
        Preset(
            "circles",
            "two rings, one inside the other: 200 noisy points, 40 held out",
            _preset_file("circles.toml"),
        ),
        Preset(
            "spiral",
            "three spiral arms, 300 points, 60 held out: about 3000 steps to learn",
            _preset_file("spiral.toml"),
        ),
        Preset(
            "iris",
            "Fisher's 150 iris flowers read from a CSV file, 30 held out",
            _preset_file("iris.toml"),
        ),
    )
}


def shape_text(net: Network | NetworkSpec) -> str:
    """Neurons per column, inputs first, joined by dashes: `3-2-1` for the worked example."""
    return "-".join(str(size) for size in net.shape)


def resolve_network(arg: str | None) -> Network:
    """The network a command-line NET argument names.

    None → the worked example; an existing path → that file (`load_network`); a preset name →
    that preset. Anything else raises `NetworkFileError`: `{arg}: no such file` when it looks
    like a path (has a `/` or a `.toml`/`.json` suffix), else `{arg}: no such file or preset`
    with the preset names.
    """
    return _built(resolve_source(arg))


def resolve_source(arg: str | None) -> NetworkSpec | Network:
    """`resolve_network`, without building what needs no NumPy yet: a file or a hand-written
    preset comes back checked, as a `NetworkSpec`; a generated preset as its `Network`."""
    if arg is None:
        return worked_example_spec()
    if os.path.exists(arg):
        return load_spec(arg)
    if arg in PRESETS:
        return PRESETS[arg].make()
    if "/" in arg or os.sep in arg or os.path.splitext(arg)[1].lower() in (".toml", ".json"):
        raise NetworkFileError(arg, "no such file")
    close = difflib.get_close_matches(arg, PRESETS, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise NetworkFileError(arg, f"no such file or preset{hint} (presets: {', '.join(PRESETS)})")


def presets_listing() -> list[str]:
    """One line per preset — name, shape, description — in aligned columns (`nntui presets`)."""
    rows = [
        (preset.name, shape_text(preset.build()), preset.description) for preset in PRESETS.values()
    ]
    name_width = max(len(name) for name, _, _ in rows)
    shape_width = max(len(shape) for _, shape, _ in rows)
    return [
        f"{name:<{name_width}}  {shape:<{shape_width}}  {description}"
        for name, shape, description in rows
    ]
