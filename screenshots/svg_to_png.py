"""Turn Textual SVG screenshots into PNGs that keep the terminal grid.

Textual writes each run of text once, with `textLength` stretching it to its cells. cairosvg
ignores `textLength`, so a glyph the font lacks (braille, for the graph's edges) falls back to
a proportional font and shifts the rest of its run. Writing each character at its own cell
fixes that. Usage: python screenshots/svg_to_png.py FILE.svg [...] (writes FILE.png beside it).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

_TEXT = re.compile(
    r'<text([^>]*?) x="([\d.]+)"([^>]*?) textLength="([\d.]+)"([^>]*)>([^<]*)</text>'
)


def _per_cell(match: re.Match[str]) -> str:
    before, x, middle, length, after, content = match.groups()
    chars = html.unescape(content)
    if len(chars) <= 1:
        return match.group(0)
    width = float(length) / len(chars)
    out = []
    for k, char in enumerate(chars):
        if char in " \u00a0":
            continue
        cx = float(x) + k * width
        out.append(
            f'<text{before} x="{cx:.1f}"{middle} textLength="{width:.1f}"{after}>'
            f"{html.escape(char)}</text>"
        )
    return "".join(out)


def svg_to_png(svg: Path, png: Path | None = None) -> Path:
    """Write `svg` as a PNG (default: same name, .png) and return its path."""
    import cairosvg

    png = png or svg.with_suffix(".png")
    text = _TEXT.sub(_per_cell, svg.read_text(encoding="utf-8"))
    cairosvg.svg2png(bytestring=text.encode("utf-8"), write_to=str(png))
    return png


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(svg_to_png(Path(name)))
