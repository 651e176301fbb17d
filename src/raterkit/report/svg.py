"""A small inline-SVG builder for the report's charts: shapes on rounded coordinates, text escaped, the result as Markup.

Every element is written with :meth:`markupsafe.Markup.format`, which escapes each value it is
given; words (labels, the title, the description) pass through :func:`.render.escape` first.
So a rater named ``<script>`` is drawn as those characters, never run.
"""

from __future__ import annotations

from markupsafe import Markup

from .colour import INK, MUTED
from .render import escape

__all__ = ["Svg", "num"]


def num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing zeros: 12, 12.5."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


class Svg:
    """A small inline SVG under construction: ``role="img"`` with a title and a description."""

    def __init__(self, ident: str, title: str, desc: str, width: float, height: float):
        self.ident, self.title, self.desc = ident, title, desc
        self.width, self.height = width, height
        self.parts: list[Markup] = []

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        stroke: str | None = None,
        stroke_width: float = 1,
        dash: str | None = None,
        rx: float = 0,
    ) -> None:
        extra = Markup("")
        if stroke:
            extra += Markup(' stroke="{}" stroke-width="{}"').format(stroke, num(stroke_width))
        if dash:
            extra += Markup(' stroke-dasharray="{}"').format(dash)
        if rx:
            extra += Markup(' rx="{}"').format(num(rx))
        self.parts.append(
            Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}/>').format(
                num(x), num(y), num(max(w, 0)), num(h), fill, extra
            )
        )

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str = MUTED,
        width: float = 1,
        dash: str | None = None,
    ) -> None:
        extra = Markup(' stroke-dasharray="{}"').format(dash) if dash else Markup("")
        self.parts.append(
            Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"{}/>').format(
                num(x1), num(y1), num(x2), num(y2), stroke, num(width), extra
            )
        )

    def circle(self, x: float, y: float, r: float, fill: str, stroke: str) -> None:
        self.parts.append(
            Markup('<circle cx="{}" cy="{}" r="{}" fill="{}" stroke="{}" stroke-width="2"/>').format(
                num(x), num(y), num(r), fill, stroke
            )
        )

    def text(
        self,
        x: float,
        y: float,
        words: object,
        anchor: str = "start",
        size: int = 12,
        fill: str = INK,
        weight: str | None = None,
    ) -> None:
        extra = Markup(' font-weight="{}"').format(weight) if weight else Markup("")
        self.parts.append(
            Markup('<text x="{}" y="{}" text-anchor="{}" font-size="{}" fill="{}"{}>{}</text>').format(
                num(x), num(y), anchor, size, fill, extra, escape(words)
            )
        )

    def render(self) -> Markup:
        """The finished ``<svg>`` element."""
        head = Markup(
            '<svg role="img" aria-labelledby="{0}-title" aria-describedby="{0}-desc" '
            'viewBox="0 0 {1} {2}" width="{1}" height="{2}" class="chart">'
            '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>'
        ).format(self.ident, num(self.width), num(self.height), escape(self.title), escape(self.desc))
        return head + Markup("").join(self.parts) + Markup("</svg>")
