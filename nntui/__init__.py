"""nntui: a terminal visual debugger for the arithmetic of a neural network."""

__version__ = "0.1.0"
