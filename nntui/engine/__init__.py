"""The NumPy engine: networks, activations, losses, the step trace and training.

Nothing in this package imports Textual; a class of students can import it on its own.
"""

from nntui.engine.network import Layer, Network, ParamRef

__all__ = ["Layer", "Network", "ParamRef"]
