"""Renders the report's HTML from Jinja2 templates: one autoescaped, strict environment, one escape for all text.

Data text (rater names, item ids, behaviours, problem messages) reaches the page only through
a template, where autoescaping turns it into text; trusted fragments (an SVG the chart code
built, a rendered table) cross between templates only as :class:`markupsafe.Markup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import markupsafe
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

__all__ = ["Table", "css", "escape", "figure", "render"]


def escape(value: Any) -> Markup:
    """``value`` as HTML text: markupsafe's escape; Markup passes through unchanged.

    Quotes are spelled ``&#x27;`` and ``&quot;`` (as the report always spelled them) rather
    than markupsafe's ``&#39;`` and ``&#34;``: the same characters, and the same bytes as before.
    The replacement is safe because markupsafe escapes ``&`` first, so ``&#39;`` in its output
    can only stand for a quote.
    """
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    text = str(markupsafe.escape(value))
    return Markup(text.replace("&#39;", "&#x27;").replace("&#34;", "&quot;"))


_ENV = Environment(
    loader=PackageLoader("raterkit.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    finalize=escape,  # every {{ value }} goes through escape() before autoescaping, which then keeps it
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template: str, **context: Any) -> Markup:
    """The named template of ``templates/`` rendered with ``context``, as trusted HTML."""
    return Markup(_ENV.get_template(template).render(**context))


def css() -> Markup:
    """The report's style sheet (``report.css``), to inline in the page: the page makes no request of its own."""
    return Markup(resources.files("raterkit.report").joinpath("report.css").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Table:
    """A data table for the template ``table.html``: a caption, column heads and rows of cells.

    The first cell of each row is a row header when ``row_headers``; columns in ``numeric`` are
    right-aligned. Cells are text (or numbers), escaped when rendered.
    """

    caption: str
    head: Sequence[Any]
    rows: Sequence[Sequence[Any]]
    numeric: Sequence[int] | range = ()
    row_headers: bool = True


def figure(ident: str, heading: str, svg: Markup, caption: str, table: Table) -> Markup:
    """One chart's section (``templates/figure.html``): heading, SVG, caption and table."""
    return render("figure.html", ident=ident, heading=heading, svg=svg, caption=caption, table=table)
