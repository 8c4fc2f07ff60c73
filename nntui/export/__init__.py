"""`nntui export`: a trace as JSON (SPEC §4), or as a worked-example handout in Markdown or LaTeX.

The handouts follow the worked example's shape: the network, then every step of the trace
grouped by phase (forward pass, loss, backpropagation, parameter update, the forward pass again),
each with its formula in symbols, the numbers substituted, the result and one sentence of why,
and a summary of the loss before and after the step.

One module per job: `json_doc` writes the JSON document; `handout` holds what both handouts
say, its sentences made of `prose` pieces (words, mathematics, numbers, settings); `markdown`
and `latex` write it in their syntax (`latex_steps` the steps, `tex` the escaping and the
pieces' LaTeX that both LaTeX modules share).
"""

from __future__ import annotations

from nntui.export.handout import PHASE_TITLES
from nntui.export.json_doc import json_safe, render_json
from nntui.export.latex import render_latex
from nntui.export.markdown import render_markdown

FORMATS = ("markdown", "latex", "json")

__all__ = ["FORMATS", "PHASE_TITLES", "json_safe", "render_json", "render_latex", "render_markdown"]
