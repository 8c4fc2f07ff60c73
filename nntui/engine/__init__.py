"""The NumPy engine: networks, activations, losses, the step trace and training.

Nothing in this package imports Textual; a class of students can import it on its own.
`nntui.engine.spec` (a network as plain numbers) and `nntui.engine.numbers` (how numbers are
written) do not import NumPy either, so the debugger can draw its first frame without it.
"""
