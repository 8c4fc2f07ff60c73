"""`nntui export --format json`: the `nntui-trace/1` document of SPEC §4.

Named `json_doc` so that it never stands in for the standard library's `json`."""

from __future__ import annotations

import json
import math

from nntui.engine.trace import Trace


def render_json(trace: Trace, precision: int = 3) -> str:
    """The `nntui-trace/1` document (SPEC §4), indented; never NaN or Infinity tokens."""
    return json.dumps(
        json_safe(trace.to_json(precision)), indent=2, ensure_ascii=False, allow_nan=False
    )


def json_safe(value: object) -> object:
    """`value` with every non-finite float replaced by None, so it dumps as valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
