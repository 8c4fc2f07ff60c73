"""The pieces a sentence of a handout is made of: plain words, mathematics, numbers and
settings of the network file.

A sentence is written once, as a `Prose` tuple, and each handout writes its pieces in its own
way: Markdown the Unicode of every piece, escaped; LaTeX words as text, mathematics in `$…$`,
a setting in typewriter type. Since every piece says what it is, nothing has to guess which
words of a sentence are mathematics.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Math:
    r"""Mathematics inside a sentence, in both notations: `θ* = θ + Δ` for the screen and
    Markdown, `\theta^{*} = \theta + \Delta` (math mode, without the dollars) for LaTeX."""

    unicode: str
    latex: str


@dataclass(frozen=True)
class Number:
    """A number inside a sentence, as `nntui.engine.numbers` writes it: 0.134, −0.003, 4e−7."""

    text: str


@dataclass(frozen=True)
class Setting:
    """A setting as the network file writes it, `update_biases = false`: code, not words."""

    text: str


#: A piece of a sentence: plain words (a `str`), or one of the kinds above.
Piece = str | Math | Number | Setting
#: A sentence or a paragraph, piece by piece.
Prose = tuple[Piece, ...]


def unicode(prose: Prose) -> str:
    """The sentence as the screen and Markdown write it."""
    return "".join(_unicode(piece) for piece in prose)


def _unicode(piece: Piece) -> str:
    match piece:
        case Math():
            return piece.unicode
        case Number() | Setting():
            return piece.text
        case _:
            return piece
