"""A large room's per-rater table as a CSV file: every rater's figures, for the file beside the report.

A room of more than :data:`.analysis.MOST_RATERS_DRAWN` raters is too large to list in the page;
the page lists the raters furthest from the reference and links to this file, which holds one
row per rater with the figures of ``agreement.rater_table`` (and, with a round before the
discussion, that round's figures and how many ratings changed). Text cells pass through
:func:`raterkit.csvcells.protect`, so a rater named ``=cmd`` stays text in a spreadsheet;
numbers are written as numbers, shares and levels to four decimals, an empty cell where a
figure is not defined.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from ..csvcells import protect
from .analysis import Analysis

__all__ = ["COLUMNS", "rater_csv"]

#: The columns of the rater file, in order, and what each holds (docs/workshops.md repeats them).
COLUMNS = {
    "rater": "the rater's name, as in the response files",
    "rated": "how many behaviours the rater rated",
    "exact": "share of ratings on the reference level (0 to 1)",
    "within_one": "share of ratings at most one level from the reference",
    "bias": "average of (rating − reference), in levels: + higher (lenient), − lower (severe)",
    "average_distance": "average of |rating − reference|, in levels: misses both ways count",
    "error_sd": "spread of (rating − reference), in levels: large when misses scatter both ways",
    "effects": "rater effects, separated by '; ' (empty: none)",
}
#: Extra columns with a round before the discussion.
BEFORE_COLUMNS = {
    "rated_before": "behaviours rated before the discussion",
    "bias_before": "bias before the discussion",
    "exact_before": "exact agreement before the discussion",
    "effects_before": "rater effects before the discussion",
    "changed": "ratings changed after the discussion (behaviours rated in both rounds)",
}


def _number(value: Any) -> str:
    value = float(value)
    return "" if math.isnan(value) else f"{value:.4f}"


def rater_csv(a: Analysis) -> bytes:
    """The per-rater table as UTF-8 CSV text, one row per rater in the room's order (needs a key)."""
    if a.raters is None:
        raise ValueError(
            "rater_csv needs responses read against a reference key; without one there are no rater figures."
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    table = a.raters
    names = table.index.tolist()
    cells = [
        [protect(str(name)) for name in names],
        table["n"].astype(int).tolist(),
        *(
            [_number(v) for v in table[column].tolist()]
            for column in ("exact", "within_one", "bias", "mad", "error_sd")
        ),
        ["; ".join(found) for found in table["effects"].tolist()],
    ]
    head = list(COLUMNS)
    if a.compare is not None and a.before_raters is not None:
        head += list(BEFORE_COLUMNS)
        then = a.before_raters.reindex(table.index)  # each rater's row of the earlier round, nan when absent
        rated_then = then["n"].fillna(0).astype(int)
        absent = (rated_then == 0).tolist()
        changed = a.compare["per_rater"]["changes"].reindex(table.index).tolist()
        cells += [
            rated_then.tolist(),
            ["" if gone else _number(v) for gone, v in zip(absent, then["bias"].tolist(), strict=True)],
            ["" if gone else _number(v) for gone, v in zip(absent, then["exact"].tolist(), strict=True)],
            ["" if gone else "; ".join(v) for gone, v in zip(absent, then["effects"].tolist(), strict=True)],
            ["" if math.isnan(float(v)) else int(v) for v in changed],
        ]
    writer.writerow(head)
    writer.writerows(zip(*cells, strict=True))
    return out.getvalue().encode("utf-8")
