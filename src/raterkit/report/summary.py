"""The report's plain-language summary: what the numbers say, one sentence a string, in reading order.

Wording comes from :mod:`raterkit.words` and thresholds from :mod:`raterkit.rules`; the page
(and the workshop notebook) show these sentences as they are.
"""

from __future__ import annotations

import math

from ..rules import alpha_reading
from ..words import READING_WORDS, alpha_text, count, join
from .analysis import Analysis

__all__ = ["SEE_PROBLEMS", "summary_sentences"]

#: How the summary points to the list of unusable rows; the page turns these words into a link.
SEE_PROBLEMS = "see the list at the end."


def summary_sentences(analysis: Analysis) -> list[str]:
    """The plain-language summary, one sentence a string, in reading order."""
    now = analysis.now
    n_items = len(now.items)
    out = [f"{count(len(now.raters), 'rater')} rated {count(n_items, 'behaviour')}."]
    if analysis.discuss:
        out.append(
            f"The group agreed well on {analysis.agreed_well} of {n_items} behaviours; "
            f"discuss {join(analysis.discuss)} first."
        )
    else:
        out.append(f"The group agreed well on all {n_items} behaviours; none needs discussion.")
    alpha = analysis.alpha["ordinal"]
    reading = alpha_reading(alpha)
    if reading == "not defined":
        out.append(f"Krippendorff's alpha (ordinal) is {READING_WORDS[reading]}.")
    else:
        out.append(f"Krippendorff's alpha (ordinal) is {alpha_text(alpha)}: {READING_WORDS[reading]}.")
    if analysis.before_alpha is not None and not math.isnan(analysis.before_alpha) and not math.isnan(alpha):
        old, new = alpha_text(analysis.before_alpha), alpha_text(alpha)
        if old == new:
            out.append(f"Agreement stayed at {new} after discussion.")
        else:
            verb = "rose" if alpha > analysis.before_alpha else "fell"
            out.append(f"Agreement {verb} from {old} to {new} after discussion.")
    if analysis.raters is not None:
        flagged = [r for r, effects in analysis.raters["effects"].items() if effects and effects != ["too few ratings"]]
        if flagged:
            where = (
                "the raters section counts them and lists the furthest from the reference"
                if analysis.large
                else "see the rater table"
            )
            out.append(f"{len(flagged)} of {count(len(now.raters), 'rater')} show a rater effect; {where}.")
        else:
            out.append("No rater shows a lenient, severe, central or inconsistent pattern.")
    skipped = analysis.skipped + analysis.before_skipped
    if skipped:
        out.append(f"{'1 row' if skipped == 1 else f'{skipped} rows'} could not be used; {SEE_PROBLEMS}")
    return out
