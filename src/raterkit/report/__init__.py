"""The trainer's workshop report: one self-contained, accessible HTML file from exported responses.

``build_report(responses, before=None)`` turns one round of ratings (a
:class:`raterkit.responses.ResponseSet`), and optionally the round before the discussion, into
a single HTML page a trainer can open offline, print or mail: a plain-language summary first,
then charts, the rater table, the items to discuss first and the rows that could not be used.
A room of more than ``MOST_RATERS_DRAWN`` raters gets distributions and short lists instead of a
row per rater, and ``make_report`` returns its per-rater table as a CSV file to write beside the page.

Every number comes from :mod:`raterkit.agreement` and :mod:`raterkit.scoring`
(:mod:`.analysis`); wording from :mod:`raterkit.words` and thresholds from :mod:`raterkit.rules`.
The page makes no request of its own (CSS inlined from ``report.css``, charts as inline SVG
drawn by :mod:`.charts`, no scripts, no fonts) and is built for WCAG 2.2 AA: every chart is an
``<svg role="img">`` with a title, a visible caption and a table with the same numbers;
colour never carries meaning alone and text colour is chosen per cell for contrast
(:mod:`.colour`). HTML comes from the Jinja2 templates in ``templates/`` with autoescaping
(:mod:`.render`), so data text is always shown as text. Output is deterministic: the same input
gives the same bytes.

Modules: :mod:`.analysis` (the numbers), :mod:`.summary` (the summary sentences),
:mod:`.colour` (palette and contrast), :mod:`.svg` (the SVG builder), :mod:`.charts` (the
charts), :mod:`.render` (templates and escaping), :mod:`.page` (the sections and build_report),
:mod:`.crowd` (a large room's charts), :mod:`.rater_file` (a large room's per-rater CSV).
"""

from __future__ import annotations

from ..rules import ALPHA_RELIABLE, ALPHA_TENTATIVE, alpha_reading
from .analysis import MOST_RATERS_DRAWN, Analysis, Round, analyse
from .colour import DEVIATION_FILL, contrast, text_on
from .page import Report, build_report, make_report
from .summary import summary_sentences

__all__ = [
    "ALPHA_RELIABLE",
    "ALPHA_TENTATIVE",
    "DEVIATION_FILL",
    "MOST_RATERS_DRAWN",
    "Analysis",
    "Report",
    "Round",
    "alpha_reading",
    "analyse",
    "build_report",
    "contrast",
    "make_report",
    "summary_sentences",
    "text_on",
]
