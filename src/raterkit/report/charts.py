"""The report's five charts (heatmap, distributions, bias, confusion, before/after), each an SVG with its table.

A large room (more than :data:`.analysis.MOST_RATERS_DRAWN` raters) gets the charts of
:mod:`.crowd` instead of the heatmap, the bias chart and the before/after dumbbells.

Each chart returns one figure as Markup, rendered from ``templates/figure.html``: a heading,
the inline SVG (``role="img"`` with a title and a description), a visible caption, and the
same numbers as a table in ``<details>``. Colour never carries meaning alone: cells print
their level or count, markers differ in shape, and text colour is chosen per cell for contrast.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from markupsafe import Markup

from ..rules import ALPHA_RELIABLE, ALPHA_TENTATIVE, BIAS_THRESHOLD, alpha_reading
from ..words import MISSING, alpha_text, bias_words, percent, signed
from .analysis import Analysis
from .colour import HIGHER, INK, LOWER, MUTED, NEUTRAL_BAR, REFERENCE_BAR, WHITE, blend, deviation_fill, text_on
from .crowd import bias_change_histogram, bias_histogram_chart, share_map
from .render import Table, figure
from .svg import Svg

__all__ = ["before_after", "bias_chart", "charts", "confusion_chart", "distributions", "heatmap"]


def charts(a: Analysis) -> list[Markup]:
    """Every chart the analysis allows, in reading order; a large room's do not draw each rater."""
    if a.large:
        out = [share_map(a), distributions(a)]
        if a.raters is not None:
            out += [bias_histogram_chart(a), confusion_chart(a)]
        if a.before is not None:
            out += before_after(a)
        return out
    out = [heatmap(a), distributions(a)]
    if a.raters is not None:
        out += [bias_chart(a), confusion_chart(a)]
    if a.before is not None:
        out += before_after(a)
    return out


def heatmap(a: Analysis) -> Markup:
    """Who rated what: one cell per rater and behaviour, coloured by distance from the reference."""
    now = a.now
    n_raters, n_items = now.ratings.shape
    cell_w, cell_h, left, top = 46, 24, 110, 46
    key = now.key
    has_key = key is not None
    rows = (["Reference"] if has_key else []) + now.raters
    width = left + cell_w * n_items + 10
    height = top + cell_h * len(rows) + (34 if has_key else 10)
    svg = Svg(
        "heatmap",
        "Ratings by rater and behaviour",
        "Each cell prints the level a rater gave a behaviour. "
        + (
            "Cell colour shows the distance from the reference: grey on the reference, orange above it, blue below it; darker is further."
            if has_key
            else "Cell colour shows the level: darker is higher."
        ),
        width,
        height,
    )
    for j, item in enumerate(now.items):
        svg.text(left + cell_w * j + cell_w / 2, top - 10, item, "middle", 10)
    for r, name in enumerate(rows):
        y = top + cell_h * r
        svg.text(left - 8, y + cell_h / 2 + 4, name, "end", 11, weight="bold" if has_key and r == 0 else None)
        for j in range(n_items):
            x = left + cell_w * j
            if key is not None and r == 0:
                svg.rect(x + 1, y + 1, cell_w - 2, cell_h - 2, WHITE, stroke=INK, stroke_width=1.5)
                svg.text(x + cell_w / 2, y + cell_h / 2 + 4, now.level_ids[key[j]], "middle", 11, INK, "bold")
                continue
            value = now.ratings[r - (1 if has_key else 0), j]
            if math.isnan(value):
                svg.rect(x + 1, y + 1, cell_w - 2, cell_h - 2, WHITE, stroke="#999999", dash="3 2")
                svg.text(x + cell_w / 2, y + cell_h / 2 + 4, MISSING, "middle", 11, MUTED)
                continue
            level = int(value)
            if key is not None:
                fill = deviation_fill(level - int(key[j]))
            else:
                fill = blend("#f2f2f2", "#08306b", level / max(now.n_levels - 1, 1))
            svg.rect(x + 1, y + 1, cell_w - 2, cell_h - 2, fill)
            svg.text(x + cell_w / 2, y + cell_h / 2 + 4, now.level_ids[level], "middle", 11, text_on(fill))
    if has_key:
        y = top + cell_h * len(rows) + 10
        x = left
        for d, words in ((-1, "below the reference"), (0, "on the reference"), (1, "above the reference")):
            svg.rect(x, y, 16, 14, deviation_fill(d), stroke="#999999")
            svg.text(x + 22, y + 11, words, "start", 11)
            x += 190
    caption = (
        "Every rater's level for every behaviour. The top row is the reference level; a cell's colour "
        "shows how far the rating is from it (grey: on it; orange: higher; blue: lower; darker: further), "
        "and each cell also prints the level."
        if has_key
        else "Every rater's level for every behaviour; each cell prints the level."
    )
    body: list[list[str]] = []
    if key is not None:
        body.append(["Reference", *(now.level_ids[k] for k in key)])
    for r, name in enumerate(now.raters):
        cells = []
        for j in range(n_items):
            value = now.ratings[r, j]
            if math.isnan(value):
                cells.append("no rating")
                continue
            label = now.level_ids[int(value)]
            if key is not None:
                d = int(value) - int(key[j])
                label += "" if d == 0 else f" ({signed(d, 0)})"
            cells.append(label)
        body.append([name, *cells])
    table = Table(
        "Level given by each rater to each behaviour"
        + (" (in brackets: levels above + or below − the reference)" if has_key else ""),
        ["Rater", *now.items],
        body,
    )
    return figure("heatmap", "Who rated what", svg.render(), caption, table)


def distributions(a: Analysis) -> Markup:
    """How the room rated each behaviour: a count of raters per level, the reference's bar marked."""
    now = a.now
    items = a.items
    n_levels = now.n_levels
    left, row_h, top, bar_max = 150, 24, 40, 74
    # Room for the count and 'ref' after the longest bar: 56 up to three digits, wider for a large room.
    col_w = bar_max + max(56, 8 * len(f"{int(a.counts.to_numpy().max())} ref"))
    width = left + col_w * n_levels + 10
    height = top + row_h * len(now.items) + 10
    has_key = now.key is not None
    svg = Svg(
        "distributions",
        "How many raters chose each level, per behaviour",
        "One row per behaviour, one column per level; bar length and the printed number give the count of raters."
        + (" The reference level's bar is green and marked 'ref'." if has_key else ""),
        width,
        height,
    )
    for k in range(n_levels):
        svg.text(left + col_w * k + 4, top - 14, now.level_labels[k], "start", 11, weight="bold")
    most = max(int(a.counts.to_numpy().max()), 1)
    for i, item in enumerate(now.items):
        y = top + row_h * i
        ref = a.level_id(items.loc[item, "reference"]) if has_key else None
        svg.text(left - 8, y + row_h / 2 + 4, f"{item} (ref {ref})" if has_key else item, "end", 11)
        for k, level in enumerate(now.level_ids):
            count = a.count(item, k)
            x = left + col_w * k + 4
            is_ref = has_key and level == ref
            length = bar_max * count / most
            svg.rect(x, y + 4, length, row_h - 8, REFERENCE_BAR if is_ref else NEUTRAL_BAR)
            svg.text(
                x + length + 4,
                y + row_h / 2 + 4,
                f"{count}{' ref' if is_ref else ''}",
                "start",
                11,
                weight="bold" if is_ref else None,
            )
    caption = (
        "For each behaviour, how many raters chose each level. The reference level's bar is green and "
        "its count is followed by 'ref'; most of the room on another level means the group settled "
        "away from the reference."
    )
    head = ["Behaviour", *now.level_labels] + (["Reference", "Most chosen"] if has_key else ["Most chosen"])
    body = []
    for item in now.items:
        row: list[object] = [item, *(a.count(item, k) for k in range(n_levels))]
        if has_key:
            row.append(a.level_id(items.loc[item, "reference"]))
        row.append(a.level_id(items.loc[item, "mode"]) or MISSING)
        body.append(row)
    table = Table("Number of raters choosing each level, per behaviour", head, body, numeric=range(1, n_levels + 1))
    return figure("distributions", "How the room rated each behaviour", svg.render(), caption, table)


def bias_chart(a: Analysis) -> Markup:
    """Bias per rater: a bar left (severe) or right (lenient) of the reference, thresholds dashed."""
    assert a.raters is not None, "the bias chart needs a reference key"
    names = [str(name) for name in a.raters.index]
    biases = a.raters["bias"].to_numpy(dtype=float)
    span = max(1.0, math.ceil(np.nanmax(np.abs(biases)) * 2) / 2 if np.isfinite(biases).any() else 1.0)
    left, half, row_h, top = 110, 200, 24, 44
    zero = left + half
    svg = Svg(
        "bias",
        "Bias per rater: average distance from the reference",
        "Bars to the right: the rater rates higher than the reference on average (lenient); to the left: "
        f"lower (severe). Dashed lines mark ±{BIAS_THRESHOLD} levels, where the effect counts as substantive.",
        left + 2 * half + 70,
        top + row_h * len(names) + 30,
    )
    scale = half / span
    svg.text(zero - 6, top - 22, "◀ lower (severe)", "end", 11)
    svg.text(zero + 6, top - 22, "higher (lenient) ▶", "start", 11)
    bottom = top + row_h * len(names)
    for mark in (-BIAS_THRESHOLD, BIAS_THRESHOLD):
        svg.line(zero + mark * scale, top - 6, zero + mark * scale, bottom, MUTED, 1, "4 3")
    for r, name in enumerate(names):
        y = top + row_h * r
        svg.text(left - 8, y + row_h / 2 + 4, name, "end", 11)
        b = float(biases[r])
        if math.isnan(b):
            svg.text(zero + 6, y + row_h / 2 + 4, "no ratings", "start", 11, MUTED)
            continue
        length = abs(b) * scale
        svg.rect(zero if b >= 0 else zero - length, y + 5, length, row_h - 10, HIGHER if b > 0 else LOWER)
        end = zero + b * scale
        svg.text(end + (6 if b >= 0 else -6), y + row_h / 2 + 4, signed(b), "start" if b >= 0 else "end", 11)
    svg.line(zero, top - 6, zero, bottom, INK, 1.5)
    for tick in np.arange(-span, span + 0.01, 0.5):
        svg.text(zero + tick * scale, bottom + 16, signed(float(tick), 1) if tick else "0", "middle", 10, MUTED)
    caption = (
        "Average of (rating − reference) per rater, in levels. Right of the centre line: lenient; left: "
        f"severe. Beyond the dashed lines (±{BIAS_THRESHOLD}) the effect is substantive. "
        "A bias near 0 can still hide misses in both directions: read it with exact agreement."
    )
    table = Table(
        "Bias per rater (levels, + higher / − lower than the reference)",
        ["Rater", "Bias", "In words"],
        [[name, signed(b), bias_words(b)] for name, b in zip(names, biases.tolist(), strict=True)],
        numeric=(1,),
    )
    return figure("bias", "Bias per rater", svg.render(), caption, table)


def confusion_chart(a: Analysis) -> Markup:
    """Reference against rating: how often each reference level was given as each level, all raters."""
    assert a.confusion is not None, "the confusion chart needs a reference key"
    now = a.now
    counts = a.confusion
    n = now.n_levels
    cell, left, top = 78, 130, 64
    row_h = cell // 2 + 8
    svg = Svg(
        "confusion",
        "Reference level against the level given, all raters",
        "Rows: the reference level; columns: the level raters gave. Each cell prints the count; shading shows the "
        "share of its row. Cells on the diagonal (outlined) are exact agreement.",
        left + cell * n + 20,
        top + row_h * n + 20,
    )
    svg.text(left + cell * n / 2, 16, "Level given", "middle", 12, weight="bold")
    svg.text(8, top - 12, "Reference", "start", 12, weight="bold")
    for k, level in enumerate(now.level_ids):
        svg.text(left + cell * k + cell / 2, top - 12, level, "middle", 11, weight="bold")
        svg.text(left - 10, top + row_h * k + row_h / 2 + 4, level, "end", 11, weight="bold")
    totals = counts.sum(axis=1)
    for t in range(n):
        for k in range(n):
            fill = blend("#f7fbff", "#08306b", counts[t, k] / totals[t] if totals[t] else 0.0)
            x, y = left + cell * k, top + row_h * t
            if t == k:
                svg.rect(x + 1, y + 1, cell - 2, row_h - 2, fill, stroke=INK, stroke_width=2.5)
            else:
                svg.rect(x + 1, y + 1, cell - 2, row_h - 2, fill)
            svg.text(
                x + cell / 2,
                y + row_h / 2 + 4,
                str(int(counts[t, k])),
                "middle",
                12,
                text_on(fill),
                "bold" if t == k else None,
            )
    caption = (
        "How often each reference level was rated as each level, over all raters. The outlined diagonal is "
        "exact agreement; counts right of it are ratings above the reference, left of it below."
    )
    head = ["Reference \\ given", *(f"Given {level}" for level in now.level_ids), "Total"]
    body = [[f"Reference {now.level_ids[t]}", *(int(c) for c in counts[t]), int(totals[t])] for t in range(n)]
    table = Table(
        "Count of ratings by reference level (rows) and level given (columns)", head, body, numeric=range(1, n + 2)
    )
    return figure("confusion", "Reference against rating", svg.render(), caption, table)


def _dumbbell(
    ident: str,
    heading: str,
    names: Sequence[str],
    before: np.ndarray,
    after: np.ndarray,
    span: tuple[float, float],
    fmt: Callable[[float], str],
    axis_words: tuple[str, str],
    marks: Sequence[tuple[float, str | None]] = (),
) -> Markup:
    """One row per rater: a hollow circle before the discussion, a filled one after, joined by a line."""
    lo, hi = span
    left, span_w, row_h, top = 110, 400, 24, 50
    svg = Svg(
        ident,
        heading,
        "One row per rater: a hollow circle for the round before the discussion, a filled circle for the round "
        "after, joined by a line.",
        left + span_w + 120,
        top + row_h * len(names) + 30,
    )

    def x_of(v: float) -> float:
        return left + (v - lo) / (hi - lo) * span_w

    svg.circle(left + 6, 14, 5, WHITE, INK)
    svg.text(left + 16, 18, "before", "start", 11)
    svg.circle(left + 86, 14, 5, INK, INK)
    svg.text(left + 96, 18, "after", "start", 11)
    svg.text(left, top - 12, axis_words[0], "start", 11, MUTED)
    svg.text(left + span_w, top - 12, axis_words[1], "end", 11, MUTED)
    bottom = top + row_h * len(names)
    for mark, dash in marks:
        svg.line(x_of(mark), top - 4, x_of(mark), bottom, MUTED, 1, dash)
    for r, name in enumerate(names):
        y = top + row_h * r + row_h / 2
        svg.text(left - 8, y + 4, name, "end", 11)
        b, c = float(before[r]), float(after[r])
        if not math.isnan(b) and not math.isnan(c):
            svg.line(x_of(b), y, x_of(c), y, MUTED, 2)
        if not math.isnan(b):
            svg.circle(x_of(b), y, 5, WHITE, INK)
        if not math.isnan(c):
            svg.circle(x_of(c), y, 5, INK, INK)
        svg.text(left + span_w + 8, y + 4, f"{fmt(b)} → {fmt(c)}", "start", 10, MUTED)
    for tick in np.linspace(lo, hi, 5):
        svg.text(x_of(tick), bottom + 16, fmt(float(tick)), "middle", 10, MUTED)
    return svg.render()


def _alpha_change(a: Analysis) -> Markup:
    alpha_before, alpha_after = a.before_alpha, a.alpha["ordinal"]
    width, left, top, bar_w = 460, 150, 30, 260
    svg = Svg(
        "alpha-change",
        "Krippendorff's alpha before and after the discussion",
        f"Two bars: before {alpha_text(alpha_before)}, after {alpha_text(alpha_after)}. "
        "Dashed lines mark 0.667 (tentative) and 0.800 (reliable).",
        width,
        top + 2 * 34 + 30,
    )

    def x_of(v: float) -> float:
        return left + max(v, 0.0) * bar_w

    for i, (label, value) in enumerate((("Before", alpha_before), ("After", alpha_after))):
        y = top + 34 * i
        svg.text(left - 8, y + 17, label, "end", 12)
        if value is not None and not math.isnan(value):
            svg.rect(left, y + 4, x_of(value) - left, 22, NEUTRAL_BAR if i == 0 else INK)
            svg.text(x_of(value) + 6, y + 20, alpha_text(value), "start", 12)
    for mark, words in ((ALPHA_TENTATIVE, "0.667"), (ALPHA_RELIABLE, "0.800")):
        svg.line(x_of(mark), top - 6, x_of(mark), top + 68, MUTED, 1, "4 3")
        svg.text(x_of(mark), top + 84, words, "middle", 10, MUTED)
    table = Table(
        "Krippendorff's alpha (ordinal) of each round",
        ["Round", "Alpha", "Reading"],
        [
            ["Before", alpha_text(alpha_before), alpha_reading(alpha_before)],
            ["After", alpha_text(alpha_after), alpha_reading(alpha_after)],
        ],
        numeric=(1,),
    )
    return figure(
        "alpha-change",
        "Group agreement before and after",
        svg.render(),
        "Krippendorff's alpha (ordinal) of the whole group in each round, with the customary thresholds: "
        "0.667 for tentative conclusions, 0.800 for reliable ratings.",
        table,
    )


def before_after(a: Analysis) -> list[Markup]:
    """Group alpha in both rounds; with a key, each rater's bias and exact agreement before and after."""
    out = [_alpha_change(a)]
    if a.compare is None:
        return out
    if a.large:
        out.append(bias_change_histogram(a))
        return out
    per = a.compare["per_rater"]
    names = [str(n) for n in per.index]
    bias_b = per["bias_before"].to_numpy(dtype=float)
    bias_a = per["bias_after"].to_numpy(dtype=float)
    both = np.concatenate([bias_b, bias_a])
    span = max(1.0, math.ceil(np.nanmax(np.abs(both)) * 2) / 2) if np.isfinite(both).any() else 1.0
    svg = _dumbbell(
        "bias-change",
        "Bias per rater before and after the discussion",
        names,
        bias_b,
        bias_a,
        (-span, span),
        signed,
        ("◀ lower (severe)", "higher (lenient) ▶"),
        marks=((0.0, None), (-BIAS_THRESHOLD, "4 3"), (BIAS_THRESHOLD, "4 3")),
    )
    caption = (
        "Each rater's bias before (hollow circle) and after (filled circle) the discussion. The solid line is 0 "
        f"(no bias); dashed lines mark ±{BIAS_THRESHOLD} levels."
    )
    changes = [MISSING if math.isnan(v) else int(v) for v in per["changes"].to_numpy(dtype=float)]
    table = Table(
        "Bias of each rater before and after the discussion (levels, + higher / − lower than the reference)",
        ["Rater", "Bias before", "Bias after", "Ratings changed"],
        [[name, signed(bias_b[i]), signed(bias_a[i]), changes[i]] for i, name in enumerate(names)],
        numeric=(1, 2, 3),
    )
    out.append(figure("bias-change", "Bias per rater, before and after", svg, caption, table))
    exact_b = per["exact_before"].to_numpy(dtype=float)
    exact_a = per["exact_after"].to_numpy(dtype=float)
    svg = _dumbbell(
        "exact-change",
        "Exact agreement per rater before and after the discussion",
        names,
        exact_b,
        exact_a,
        (0.0, 1.0),
        percent,
        ("0%", "100% exact"),
    )
    caption = (
        "Each rater's share of ratings exactly on the reference, before (hollow circle) and after (filled circle)."
    )
    table = Table(
        "Exact agreement of each rater before and after the discussion",
        ["Rater", "Exact before", "Exact after"],
        [[name, percent(exact_b[i]), percent(exact_a[i])] for i, name in enumerate(names)],
        numeric=(1, 2),
    )
    out.append(figure("exact-change", "Exact agreement per rater, before and after", svg, caption, table))
    return out
