"""A large room's charts: the share of the room at each level, and histograms of bias, in place of a row or bar per rater.

For a room of more than :data:`.analysis.MOST_RATERS_DRAWN` raters, :func:`.charts.charts` draws
these instead of the heatmap, the bias chart and the before/after dumbbells: their size depends
on the behaviours and levels, never on the number of raters. Same visual language as
:mod:`.charts`: each is an SVG with a title and description, a caption and a table of the same
numbers; cells print their share and text colour is chosen per cell for contrast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from markupsafe import Markup

from ..rules import BIAS_THRESHOLD
from ..words import MISSING, percent_of, signed
from ..words import count as counted
from .analysis import BIAS_BIN, Analysis, bias_histogram
from .colour import HIGHER, INK, LOWER, MUTED, NEUTRAL_BAR, blend, text_on
from .render import Table, figure
from .svg import Svg

__all__ = ["bias_change_histogram", "bias_histogram_chart", "share_map"]


def share_map(a: Analysis) -> Markup:
    """A large room's heatmap: one row per behaviour, one cell per level, shaded by the share of raters there."""
    now = a.now
    items = a.items
    n_levels = now.n_levels
    has_key = now.key is not None
    cell_w, cell_h, left, top = 96, 26, 150, 46
    svg = Svg(
        "share-map",
        "Share of the room at each level, per behaviour",
        "One row per behaviour, one column per level; each cell prints the share of raters who chose that level, "
        "and darker shading is a larger share."
        + (" The reference level's cell is outlined, bold and marked 'ref'." if has_key else ""),
        left + cell_w * n_levels + 10,
        top + cell_h * len(now.items) + 10,
    )
    for k in range(n_levels):
        svg.text(left + cell_w * k + cell_w / 2, top - 12, now.level_labels[k], "middle", 11, weight="bold")
    counts = a.counts.to_numpy()
    totals = counts.sum(axis=1)
    shares = np.divide(counts, totals[:, None], out=np.zeros(counts.shape), where=totals[:, None] > 0)
    for i, item in enumerate(now.items):
        y = top + cell_h * i
        ref = a.level_id(items.loc[item, "reference"]) if has_key else None
        svg.text(left - 8, y + cell_h / 2 + 4, f"{item} (ref {ref})" if has_key else item, "end", 11)
        for k, level in enumerate(now.level_ids):
            fill = blend("#f7fbff", "#08306b", float(shares[i, k]))
            x = left + cell_w * k
            is_ref = has_key and level == ref
            if is_ref:
                svg.rect(x + 1, y + 1, cell_w - 2, cell_h - 2, fill, stroke=INK, stroke_width=2.5)
            else:
                svg.rect(x + 1, y + 1, cell_w - 2, cell_h - 2, fill)
            words = percent_of(int(counts[i, k]), int(totals[i]))
            svg.text(
                x + cell_w / 2,
                y + cell_h / 2 + 4,
                f"{words} ref" if is_ref else words,
                "middle",
                11,
                text_on(fill),
                "bold" if is_ref else None,
            )
    caption = (
        "The share of the room that chose each level, per behaviour (in place of one row per rater: "
        f"{len(now.raters)} raters are too many to draw one by one). Darker cells hold more of the room"
        + ("; the reference level's cell is outlined and marked 'ref'." if has_key else ".")
        + " Spread in the table runs from 0 (everyone chose one level) to 1 (evenly over all levels)."
    )
    head = ["Behaviour", *now.level_labels] + (["Reference"] if has_key else []) + ["Most chosen", "Spread"]
    body = []
    for i, item in enumerate(now.items):
        row: list[object] = [
            item,
            *(percent_of(int(c), int(totals[i])) for c in counts[i]),
        ]
        if has_key:
            row.append(a.level_id(items.loc[item, "reference"]))
        spread = float(items.loc[item, "disagreement"])
        row += [a.level_id(items.loc[item, "mode"]) or MISSING, MISSING if math.isnan(spread) else f"{spread:.2f}"]
        body.append(row)
    table = Table(
        "Share of raters choosing each level, per behaviour",
        head,
        body,
        numeric=(*range(1, n_levels + 1), len(head) - 1),
    )
    return figure("share-map", "Who rated what, as shares of the room", svg.render(), caption, table)


def _bias_range(centre: float) -> str:
    """The bias range of the histogram bin at ``centre``: '+0.50 to +0.70', '−0.10 to +0.10'."""
    low, high = centre - BIAS_BIN / 2, centre + BIAS_BIN / 2
    return f"{signed(low)} to {signed(high)}"


def _histogram_svg(
    ident: str, title: str, centres: np.ndarray, panels: Sequence[tuple[str | None, np.ndarray]]
) -> Markup:
    """Bias histograms on one axis, one panel a round: a bar per bin with its count printed above it."""
    bin_w, left, top, panel_h, bar_max = 40, 24, 30, 210, 120
    n_bins = len(centres)
    most = max(max(int(counts.max()) for _, counts in panels), 1)
    svg = Svg(
        ident,
        title,
        f"Bars: how many raters have each bias, in bins {BIAS_BIN:.1f} of a level wide. Left of 0: rates lower than "
        "the reference (severe); right: higher (lenient). The bars beyond the dashed lines, at "
        f"±{BIAS_THRESHOLD} levels, are the raters whose bias counts as substantive; they are blue (lower) or "
        "orange (higher). Each bar prints its count.",
        left + bin_w * n_bins + 24,
        top + panel_h * len(panels),
    )

    def x_of(bias: float) -> float:
        return left + (bias / BIAS_BIN + (n_bins - 1) / 2 + 0.5) * bin_w

    for p, (label, counts) in enumerate(panels):
        base = top + panel_h * p + bar_max + 24  # the bars' baseline
        if label:
            svg.text(left, top + panel_h * p - 8, label, "start", 12, weight="bold")
        for mark in (-BIAS_THRESHOLD, BIAS_THRESHOLD):
            svg.line(x_of(mark), base - bar_max - 20, x_of(mark), base + 4, MUTED, 1, "4 3")
        for centre, raters in zip(centres.tolist(), counts.tolist(), strict=True):
            x = x_of(centre) - bin_w / 2
            height_of = bar_max * raters / most
            beyond = abs(centre) > BIAS_THRESHOLD
            fill = (LOWER if centre < 0 else HIGHER) if beyond else NEUTRAL_BAR
            if raters:
                svg.rect(x + 3, base - height_of, bin_w - 6, height_of, fill)
                svg.text(x + bin_w / 2, base - height_of - 4, raters, "middle", 10)
            svg.text(x + bin_w / 2, base + 16, signed(centre, 1) if round(centre, 9) else "0", "middle", 10, MUTED)
        svg.line(left, base, left + bin_w * n_bins, base, MUTED, 1)
        svg.text(x_of(0) - 10, base + 34, "◀ lower (severe)", "end", 11)
        svg.text(x_of(0) + 10, base + 34, "higher (lenient) ▶", "start", 11)
    return svg.render()


def bias_histogram_chart(a: Analysis) -> Markup:
    """A large room's bias chart: how many raters have each bias, in quarter levels."""
    assert a.raters is not None, "the bias histogram needs a reference key"
    centres, counts = bias_histogram(a.raters["bias"].to_numpy(dtype=float))
    svg = _histogram_svg(
        "bias-histogram",
        "Bias across the room: raters per average distance from the reference",
        centres,
        [(None, counts)],
    )
    bias = a.raters["bias"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        lenient, severe = int((bias >= BIAS_THRESHOLD).sum()), int((bias <= -BIAS_THRESHOLD).sum())
    caption = (
        "How many raters rate higher or lower than the reference on average, in bins of "
        f"{BIAS_BIN:.1f} levels (in place of one bar per rater). {lenient} rate at least {BIAS_THRESHOLD} levels "
        f"higher (lenient) and {severe} at least {BIAS_THRESHOLD} levels lower (severe): the bars beyond the "
        "dashed lines. "
        "A bias near 0 can still hide misses in both directions: read it with exact agreement."
    )
    table = Table(
        "Raters per bias (levels, + higher / − lower than the reference; a bias on a bin's edge counts in the bin "
        "further from 0)",
        ["Bias (levels)", "Raters"],
        [[_bias_range(float(c)), int(n)] for c, n in zip(centres, counts, strict=True)],
        numeric=(1,),
    )
    return figure("bias-histogram", "Bias across the room", svg, caption, table)


def bias_change_histogram(a: Analysis) -> Markup:
    """A large room's before/after: the bias histogram of each round, on one axis."""
    assert a.compare is not None
    per = a.compare["per_rater"]
    bias_b = per["bias_before"].to_numpy(dtype=float)
    bias_a = per["bias_after"].to_numpy(dtype=float)
    centres, _ = bias_histogram(np.concatenate([bias_b, bias_a]))
    reach = (len(centres) - 1) // 2

    def counts_of(bias: np.ndarray) -> np.ndarray:
        c, n = bias_histogram(bias)
        pad = reach - (len(c) - 1) // 2
        return np.pad(n, pad)

    before, after = counts_of(bias_b), counts_of(bias_a)
    svg = _histogram_svg(
        "bias-change",
        "Bias across the room before and after the discussion",
        centres,
        [("Before the discussion", before), ("After the discussion", after)],
    )
    changed = per["changes"].to_numpy(dtype=float)
    moved = int((changed > 0).sum())
    caption = (
        f"How many raters have each bias, in bins of {BIAS_BIN:.1f} levels, before the discussion (top) and "
        f"after (bottom). Bars gathering at 0 mean the room moved toward the reference; {moved} of "
        f"{counted(len(per), 'rater')} changed at least one rating."
    )
    table = Table(
        "Raters per bias before and after the discussion (levels, + higher / − lower than the reference)",
        ["Bias (levels)", "Raters before", "Raters after"],
        [[_bias_range(float(c)), int(b), int(n)] for c, b, n in zip(centres, before, after, strict=True)],
        numeric=(1, 2),
    )
    return figure("bias-change", "Bias across the room, before and after", svg, caption, table)
