"""The report's palette and WCAG 2.2 contrast maths: which text colour reads on which fill.

Colour never carries meaning alone in the report (cells print their level, markers differ in
shape); these helpers only make sure text stays readable, at 4.5:1 or more, on any fill.
"""

from __future__ import annotations

__all__ = [
    "AA_TEXT",
    "BLACK",
    "DEVIATION_FILL",
    "HIGHER",
    "INK",
    "LOWER",
    "MUTED",
    "NEUTRAL_BAR",
    "REFERENCE_BAR",
    "WHITE",
    "blend",
    "contrast",
    "deviation_fill",
    "luminance",
    "text_on",
]

INK = "#1a1a1a"  # body text; 16.1:1 on white
BLACK = "#000000"  # text on mid-tone fills, where neither INK nor white reaches AA
MUTED = "#4d4d4d"  # secondary text; 8.4:1 on white
WHITE = "#ffffff"

#: WCAG 2.2 AA: the least contrast of normal-size text with its background.
AA_TEXT = 4.5

#: Heatmap colour by distance from the reference (rating - key, in level steps), a diverging
#: blue (lower) / orange (higher) scheme (ColorBrewer RdBu/Oranges tones).
DEVIATION_FILL = {
    -3: "#08306b",
    -2: "#2171b5",
    -1: "#9ecae1",
    0: "#f2f2f2",
    1: "#fdae6b",
    2: "#e6550d",
    3: "#7f2704",
}
LOWER = "#2171b5"  # bars and markers for "lower than the reference"
HIGHER = "#b94a06"  # bars for "higher than the reference" (4.8:1 on white)
NEUTRAL_BAR = "#5b7fa6"
REFERENCE_BAR = "#1b6e3a"


def _channels(colour: str) -> list[int]:
    return [int(colour[i : i + 2], 16) for i in (1, 3, 5)]


def luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of a #rrggbb colour: 0 for black, 1 for white."""
    channels = [c / 255 for c in _channels(colour)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(fill: str) -> str:
    """Dark or white text, whichever reads better on ``fill``, at 4.5:1 (AA) or more.

    On a mid-tone fill (relative luminance about 0.17 to 0.19, e.g. a shade halfway along the
    confusion chart's scale) neither INK nor white reaches 4.5:1; pure black always does there.
    """
    best = INK if contrast(fill, INK) >= contrast(fill, WHITE) else WHITE
    return best if contrast(fill, best) >= AA_TEXT else BLACK


def blend(low: str, high: str, share: float) -> str:
    """The colour ``share`` (0..1, clipped) of the way from ``low`` to ``high``."""
    share = min(max(share, 0.0), 1.0)
    return "#" + "".join(
        f"{round(x + (y - x) * share):02x}" for x, y in zip(_channels(low), _channels(high), strict=True)
    )


def deviation_fill(steps: int) -> str:
    """The heatmap fill for a rating ``steps`` levels from the reference (beyond ±3 as ±3)."""
    return DEVIATION_FILL[max(-3, min(3, steps))]
