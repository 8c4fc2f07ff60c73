"""The NumPy engine: networks, activations, losses, the step trace and training.

Nothing in this package imports Textual; a class of students can import it on its own.
`nntui.engine.schema` (the names, the parameters and their one order), `spec` (a network as
plain numbers), `loader` (checking a network file) and `numbers` (writing numbers) work
without NumPy, so the debugger can draw its first frame before NumPy is imported; `Layer`,
`Network`, `ParamRef` and `ParamLayout` are still importable from here, loaded on first use.
No module of the package imports another that imports it back (tests/test_structure.py).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Layer", "Network", "ParamLayout", "ParamRef"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from nntui.engine import network

        return getattr(network, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
