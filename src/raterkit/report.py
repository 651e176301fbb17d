"""The trainer's workshop report: one self-contained, accessible HTML file from exported responses.

``build_report(responses, before=None)`` turns one round of ratings (a
:class:`raterkit.responses.ResponseSet`), and optionally the round before the discussion, into
a single HTML page a trainer can open offline, print or mail: a plain-language summary first,
then charts, the rater table, the items to discuss first and the rows that could not be used.

Every number comes from :mod:`raterkit.agreement` and :mod:`raterkit.scoring`; this module only
arranges and words them. The page makes no request of its own (inline CSS, charts as inline SVG
drawn here, no scripts, no fonts) and is built for WCAG 2.2 AA: every chart is an
``<svg role="img">`` with a title, a visible caption and a table with the same numbers;
colour never carries meaning alone (cells print their level, markers differ in shape) and
text colour is chosen per cell for contrast. Output is deterministic: the same input gives
the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import agreement
from .scoring import score_matrix

if TYPE_CHECKING:  # the report reads a ResponseSet; it never loads files itself
    from .load import Catalog
    from .model import QuizItem
    from .responses import ResponseSet

__all__ = [
    "ALPHA_RELIABLE",
    "ALPHA_TENTATIVE",
    "Analysis",
    "alpha_reading",
    "analyse",
    "build_report",
    "summary_sentences",
]

#: Krippendorff's (2004) customary thresholds: reliable, and good enough for tentative conclusions.
ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667

INK = "#1a1a1a"  # body text; 16.1:1 on white
MUTED = "#4d4d4d"  # secondary text; 8.4:1 on white
WHITE = "#ffffff"

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


# --------------------------------------------------------------------------------------------
# The numbers


def alpha_reading(alpha: float) -> str:
    """Krippendorff's verbal reading of alpha: 'reliable', 'tentative', 'low' or 'not defined'."""
    if alpha is None or math.isnan(alpha):
        return "not defined"
    if alpha >= ALPHA_RELIABLE:
        return "reliable"
    if alpha >= ALPHA_TENTATIVE:
        return "tentative"
    return "low"


@dataclass
class Round:
    """One round of ratings as arrays: float positions with nan for 'no rating'."""

    raters: list[str]
    items: list[str]
    ratings: np.ndarray  # (raters, items) float, nan = no rating
    key: np.ndarray | None  # (items,) int positions, or None without a reference key
    level_ids: list[str]
    level_labels: list[str]

    @classmethod
    def of(cls, responses: ResponseSet) -> Round:
        raters, items, matrix = responses.matrix()
        ratings = np.where(matrix < 0, np.nan, matrix).astype(float)
        key = np.asarray(responses.key_positions(), dtype=int) if responses.key else None
        return cls(list(raters), list(items), ratings, key, list(responses.level_ids), list(responses.level_labels))

    @property
    def n_levels(self) -> int:
        return len(self.level_ids)

    def aligned(self, items: Sequence[str]) -> np.ndarray:
        """This round's ratings with the columns of ``items`` (nan where it lacks an item)."""
        out = np.full((len(self.raters), len(items)), np.nan)
        where = {item: j for j, item in enumerate(self.items)}
        for j, item in enumerate(items):
            if item in where:
                out[:, j] = self.ratings[:, where[item]]
        return out


@dataclass
class Analysis:
    """Everything the report shows, computed once."""

    now: Round
    alpha: dict[str, float]
    fleiss: float
    icc: dict[str, float]
    items: pd.DataFrame  # agreement.item_table
    counts: pd.DataFrame  # agreement.level_counts, one column per level id
    discuss: list[str]  # agreement.discuss_first
    raters: pd.DataFrame | None  # agreement.rater_table (None without a key)
    confusion: np.ndarray | None  # (levels, levels): [reference, rating], all raters
    problems: list = field(default_factory=list)
    read: int = 0
    kept: int = 0
    skipped: int = 0
    before: Round | None = None
    before_alpha: float | None = None
    compare: dict | None = None  # agreement.compare_rounds
    before_raters: pd.DataFrame | None = None  # agreement.rater_table of the round before
    before_problems: list = field(default_factory=list)
    before_read: int = 0
    before_kept: int = 0
    before_skipped: int = 0

    def count(self, item: str, position: int) -> int:
        """How many raters gave ``item`` the level at ``position``."""
        return int(self.counts.iloc[self.counts.index.get_loc(item), position])

    def level_id(self, label: str | None) -> str | None:
        """A level id from the item table's wording ('mode' with ' / ' for ties)."""
        return None if label is None else str(label)

    @property
    def agreed_well(self) -> int:
        """Items rated by someone and not on the discussion list (``discuss`` false)."""
        rated = self.items["n"].to_numpy() > 0
        return int((rated & ~self.items["discuss"].to_numpy(dtype=bool)).sum())

    @property
    def n_rated_items(self) -> int:
        return int((self.items["n"].to_numpy() > 0).sum())


def analyse(responses: ResponseSet, before: ResponseSet | None = None) -> Analysis:
    """Agreement, item and rater tables of ``responses`` (and the comparison with ``before``)."""
    now = Round.of(responses)
    if not now.raters or not now.items:
        raise ValueError(
            "the responses hold no usable ratings; check the problems listed by read_responses "
            "(responses.problems) and that the files belong to this quiz."
        )
    n_levels = now.n_levels
    data = now.ratings
    items = agreement.item_table(data, now.key, now.level_ids, now.items)
    raters = confusion = None
    if now.key is not None:
        raters = agreement.rater_table(data, now.key, n_levels, now.raters)
        positions = np.where(np.isnan(data), -1, data).astype(int)
        confusion = score_matrix(positions, now.key, n_levels).confusion.sum(axis=0)
    analysis = Analysis(
        now=now,
        alpha={
            level: agreement.krippendorff_alpha(data, level, n_levels) for level in ("nominal", "ordinal", "interval")
        },
        fleiss=agreement.fleiss_kappa(data, n_levels),
        icc=agreement.icc(data),
        items=items,
        counts=agreement.level_counts(data, now.level_ids, now.items),
        discuss=agreement.discuss_first(items),
        raters=raters,
        confusion=confusion,
        problems=list(responses.problems),
        read=responses.read,
        kept=responses.kept,
        skipped=responses.skipped,
    )
    if before is not None:
        then = Round.of(before)
        if then.level_ids != now.level_ids:
            raise ValueError(
                f"before: its scale ({', '.join(then.level_ids)}) differs from this round's "
                f"({', '.join(now.level_ids)}); compare two rounds of the same quiz."
            )
        analysis.before = then
        analysis.before_problems = list(before.problems)
        analysis.before_read, analysis.before_kept, analysis.before_skipped = before.read, before.kept, before.skipped
        earlier = then.aligned(now.items)
        analysis.before_alpha = agreement.krippendorff_alpha(earlier, "ordinal", n_levels)
        if now.key is not None and then.raters:
            analysis.compare = agreement.compare_rounds(
                earlier, data, now.key, n_levels, rater_ids=(then.raters, now.raters)
            )
            analysis.before_raters = agreement.rater_table(earlier, now.key, n_levels, then.raters)
    return analysis


# --------------------------------------------------------------------------------------------
# Words


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _alpha_text(alpha: float) -> str:
    """Two decimals, or three where two would blur a threshold (0.7996 is not 'at least 0.80')."""
    if alpha is None or math.isnan(alpha):
        return "not defined"
    for digits in (2, 3, 4, 5, 6):
        text = f"{alpha:.{digits}f}"
        if alpha_reading(float(text)) == alpha_reading(alpha):
            return text
    return f"{alpha:.6f}"


def _signed(value: float, digits: int = 2) -> str:
    if value is None or math.isnan(value):
        return "–"
    text = f"{abs(value):.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return ("+" if value > 0 else "−") + text


def _percent(share: float) -> str:
    return "–" if share is None or math.isnan(share) else f"{round(share * 100):d}%"


READING_WORDS = {
    "reliable": "reliable (at least 0.800)",
    "tentative": "good enough for tentative conclusions only (0.667 to 0.800; reliable is 0.800 or more)",
    "low": "low (below 0.667): the group does not yet rate alike",
    "not defined": "not defined (too few paired ratings, or no variation)",
}


def summary_sentences(analysis: Analysis) -> list[str]:
    """The plain-language summary, one sentence a string, in reading order."""
    now = analysis.now
    n_items = len(now.items)
    out = [f"{_plural(len(now.raters), 'rater')} rated {_plural(n_items, 'behaviour')}."]
    if analysis.discuss:
        out.append(
            f"The group agreed well on {analysis.agreed_well} of {n_items} behaviours; "
            f"discuss {_join(analysis.discuss)} first."
        )
    else:
        out.append(f"The group agreed well on all {n_items} behaviours; none needs discussion.")
    alpha = analysis.alpha["ordinal"]
    reading = alpha_reading(alpha)
    if reading == "not defined":
        out.append(f"Krippendorff's alpha (ordinal) is {READING_WORDS[reading]}.")
    else:
        out.append(f"Krippendorff's alpha (ordinal) is {_alpha_text(alpha)}: {READING_WORDS[reading]}.")
    if analysis.before_alpha is not None and not math.isnan(analysis.before_alpha) and not math.isnan(alpha):
        old, new = _alpha_text(analysis.before_alpha), _alpha_text(alpha)
        if old == new:
            out.append(f"Agreement stayed at {new} after discussion.")
        else:
            verb = "rose" if alpha > analysis.before_alpha else "fell"
            out.append(f"Agreement {verb} from {old} to {new} after discussion.")
    if analysis.raters is not None:
        flagged = [r for r, effects in analysis.raters["effects"].items() if effects and effects != ["too few ratings"]]
        if flagged:
            out.append(
                f"{len(flagged)} of {_plural(len(now.raters), 'rater')} show a rater effect; see the rater table."
            )
        else:
            out.append("No rater shows a lenient, severe, central or inconsistent pattern.")
    skipped = analysis.skipped + analysis.before_skipped
    if skipped:
        out.append(f"{'1 row' if skipped == 1 else f'{skipped} rows'} could not be used; see the list at the end.")
    return out


EFFECT_WORDS = {
    "lenient": "Lenient: rates higher than the reference",
    "severe": "Severe: rates lower than the reference",
    "central tendency": "Central tendency: avoids the lowest and highest levels",
    "inconsistent": "Inconsistent: misses the reference in both directions",
    "too few ratings": "Too few ratings to judge",
}


def _bias_words(bias: float) -> str:
    if bias is None or math.isnan(bias):
        return "no ratings"
    size = abs(bias)
    if size < 0.25:
        return "close to the reference"
    side = "higher" if bias > 0 else "lower"
    return f"{size:.2f} {'level' if f'{size:.2f}' == '1.00' else 'levels'} {side} on average"


def _shorten(text: str, limit: int = 170) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


# --------------------------------------------------------------------------------------------
# Colour and contrast (WCAG 2.2 relative luminance)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, 1 to 21."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(fill: str) -> str:
    """Dark or white text, whichever reads better on ``fill``."""
    return INK if contrast(fill, INK) >= contrast(fill, WHITE) else WHITE


def _blend(low: str, high: str, share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b))


def _deviation_fill(d: int) -> str:
    return DEVIATION_FILL[max(-3, min(3, d))]


# --------------------------------------------------------------------------------------------
# SVG pieces


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Svg:
    """A small inline SVG under construction; ``text`` escapes, coordinates are rounded."""

    def __init__(self, ident: str, title: str, desc: str, width: float, height: float):
        self.ident, self.title, self.desc = ident, title, desc
        self.width, self.height = width, height
        self.parts: list[str] = []

    def rect(self, x, y, w, h, fill, stroke=None, stroke_width=1, dash=None, rx=0):
        extra = f' stroke="{stroke}" stroke-width="{_num(stroke_width)}"' if stroke else ""
        extra += f' stroke-dasharray="{dash}"' if dash else ""
        extra += f' rx="{_num(rx)}"' if rx else ""
        self.parts.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{_num(h)}" fill="{fill}"{extra}/>'
        )

    def line(self, x1, y1, x2, y2, stroke=MUTED, width=1, dash=None):
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{stroke}" stroke-width="{_num(width)}"{extra}/>'
        )

    def circle(self, x, y, r, fill, stroke):
        self.parts.append(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        )

    def text(self, x, y, words, anchor="start", size=12, fill=INK, weight=None):
        extra = f' font-weight="{weight}"' if weight else ""
        self.parts.append(
            f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{extra}>{escape(str(words))}</text>'
        )

    def render(self) -> str:
        return (
            f'<svg role="img" aria-labelledby="{self.ident}-title" aria-describedby="{self.ident}-desc" '
            f'viewBox="0 0 {_num(self.width)} {_num(self.height)}" width="{_num(self.width)}" '
            f'height="{_num(self.height)}" class="chart">'
            f'<title id="{self.ident}-title">{escape(self.title)}</title>'
            f'<desc id="{self.ident}-desc">{escape(self.desc)}</desc>' + "".join(self.parts) + "</svg>"
        )


def _table(
    caption: str,
    head: Sequence[str],
    rows: Iterable[Sequence[Any]],
    row_headers: bool = True,
    numeric: Sequence[int] = (),
) -> str:
    """An HTML table; the first cell of each row is a row header when ``row_headers``."""
    out = [f"<table><caption>{escape(caption)}</caption><thead><tr>"]
    out += [f'<th scope="col">{escape(str(h))}</th>' for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for j, cell in enumerate(row):
            cls = ' class="num"' if j in numeric else ""
            if j == 0 and row_headers:
                out.append(f'<th scope="row">{escape(str(cell))}</th>')
            else:
                out.append(f"<td{cls}>{escape(str(cell))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _figure(ident: str, heading: str, svg: str, caption: str, table: str) -> str:
    return (
        f'<section class="figure" aria-labelledby="{ident}-h"><h3 id="{ident}-h">{escape(heading)}</h3>'
        f'<figure><div class="chart-box">{svg}</div><figcaption>{escape(caption)}</figcaption></figure>'
        f"<details><summary>The numbers in this chart, as a table</summary>"
        f'<div class="scroll" tabindex="0" role="region" aria-label="{escape(heading)}: table">{table}</div></details></section>'
    )


# --------------------------------------------------------------------------------------------
# Charts (each returns the figure HTML: heading, svg, caption, table)


def _heatmap(a: Analysis) -> str:
    now = a.now
    n_raters, n_items = now.ratings.shape
    cell_w, cell_h, left, top = 46, 24, 110, 46
    has_key = now.key is not None
    rows = (["Reference"] if has_key else []) + now.raters
    width = left + cell_w * n_items + 10
    height = top + cell_h * len(rows) + (34 if has_key else 10)
    svg = _Svg(
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
            if has_key and r == 0:
                level = now.key[j]
                fill, label = WHITE, now.level_ids[level]
                svg.rect(x + 1, y + 1, cell_w - 2, cell_h - 2, fill, stroke=INK, stroke_width=1.5)
                svg.text(x + cell_w / 2, y + cell_h / 2 + 4, label, "middle", 11, INK, "bold")
                continue
            value = now.ratings[r - (1 if has_key else 0), j]
            if math.isnan(value):
                svg.rect(x + 1, y + 1, cell_w - 2, cell_h - 2, WHITE, stroke="#999999", dash="3 2")
                svg.text(x + cell_w / 2, y + cell_h / 2 + 4, "–", "middle", 11, MUTED)
                continue
            level = int(value)
            if has_key:
                fill = _deviation_fill(level - int(now.key[j]))
            else:
                fill = _blend("#f2f2f2", "#08306b", level / max(now.n_levels - 1, 1))
            svg.rect(x + 1, y + 1, cell_w - 2, cell_h - 2, fill)
            svg.text(x + cell_w / 2, y + cell_h / 2 + 4, now.level_ids[level], "middle", 11, text_on(fill))
    if has_key:
        y = top + cell_h * len(rows) + 10
        x = left
        for d, words in ((-1, "below the reference"), (0, "on the reference"), (1, "above the reference")):
            fill = _deviation_fill(d)
            svg.rect(x, y, 16, 14, fill, stroke="#999999")
            svg.text(x + 22, y + 11, words, "start", 11)
            x += 190
    caption = (
        "Every rater's level for every behaviour. The top row is the reference level; a cell's colour "
        "shows how far the rating is from it (grey: on it; orange: higher; blue: lower; darker: further), "
        "and each cell also prints the level."
        if has_key
        else "Every rater's level for every behaviour; each cell prints the level."
    )
    head = ["Rater", *now.items]
    body = []
    if has_key:
        body.append(["Reference", *(now.level_ids[k] for k in now.key)])
    for r, name in enumerate(now.raters):
        cells = []
        for j in range(n_items):
            value = now.ratings[r, j]
            if math.isnan(value):
                cells.append("no rating")
                continue
            label = now.level_ids[int(value)]
            if has_key:
                d = int(value) - int(now.key[j])
                label += "" if d == 0 else f" ({_signed(d, 0)})"
            cells.append(label)
        body.append([name, *cells])
    table = _table(
        "Level given by each rater to each behaviour"
        + (" (in brackets: levels above + or below − the reference)" if has_key else ""),
        head,
        body,
    )
    return _figure("heatmap", "Who rated what", svg.render(), caption, table)


def _distributions(a: Analysis) -> str:
    now = a.now
    items = a.items
    n_levels = now.n_levels
    left, col_w, row_h, top = 150, 130, 24, 40
    bar_max = col_w - 56  # room for the count and 'ref' after the longest bar
    width = left + col_w * n_levels + 10
    height = top + row_h * len(now.items) + 10
    has_key = now.key is not None
    svg = _Svg(
        "distributions",
        "How many raters chose each level, per behaviour",
        "One row per behaviour, one column per level; bar length and the printed number give the count of raters."
        + (" The reference level's bar is green and marked 'ref'." if has_key else ""),
        width,
        height,
    )
    for k in range(len(now.level_ids)):
        svg.text(left + col_w * k + 4, top - 14, now.level_labels[k], "start", 11, weight="bold")
    most = max(int(a.counts.to_numpy().max()), 1)
    for i, item in enumerate(now.items):
        y = top + row_h * i
        ref = a.level_id(items.loc[item, "reference"]) if has_key else None
        label = f"{item} (ref {ref})" if has_key else item
        svg.text(left - 8, y + row_h / 2 + 4, label, "end", 11)
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
        row = [item, *(a.count(item, k) for k in range(n_levels))]
        if has_key:
            row.append(a.level_id(items.loc[item, "reference"]))
        row.append(a.level_id(items.loc[item, "mode"]) or "–")
        body.append(row)
    table = _table("Number of raters choosing each level, per behaviour", head, body, numeric=range(1, n_levels + 1))
    return _figure("distributions", "How the room rated each behaviour", svg.render(), caption, table)


def _bias_chart(a: Analysis) -> str:
    table_r = a.raters
    names = list(table_r.index)
    biases = table_r["bias"].to_numpy(dtype=float)
    span = max(1.0, math.ceil(np.nanmax(np.abs(biases)) * 2) / 2 if np.isfinite(biases).any() else 1.0)
    left, half, row_h, top = 110, 200, 24, 44
    zero = left + half
    width = left + 2 * half + 70
    height = top + row_h * len(names) + 30
    svg = _Svg(
        "bias",
        "Bias per rater: average distance from the reference",
        "Bars to the right: the rater rates higher than the reference on average (lenient); to the left: "
        f"lower (severe). Dashed lines mark ±{agreement.BIAS_THRESHOLD} levels, where the effect counts as substantive.",
        width,
        height,
    )
    scale = half / span
    svg.text(zero - 6, top - 22, "◀ lower (severe)", "end", 11)
    svg.text(zero + 6, top - 22, "higher (lenient) ▶", "start", 11)
    bottom = top + row_h * len(names)
    for mark in (-agreement.BIAS_THRESHOLD, agreement.BIAS_THRESHOLD):
        svg.line(zero + mark * scale, top - 6, zero + mark * scale, bottom, MUTED, 1, "4 3")
    for r, name in enumerate(names):
        y = top + row_h * r
        svg.text(left - 8, y + row_h / 2 + 4, name, "end", 11)
        b = biases[r]
        if math.isnan(b):
            svg.text(zero + 6, y + row_h / 2 + 4, "no ratings", "start", 11, MUTED)
            continue
        length = abs(b) * scale
        x = zero if b >= 0 else zero - length
        svg.rect(x, y + 5, length, row_h - 10, HIGHER if b > 0 else LOWER)
        end = zero + b * scale
        svg.text(end + (6 if b >= 0 else -6), y + row_h / 2 + 4, _signed(b), "start" if b >= 0 else "end", 11)
    svg.line(zero, top - 6, zero, bottom, INK, 1.5)
    for tick in np.arange(-span, span + 0.01, 0.5):
        svg.text(zero + tick * scale, bottom + 16, _signed(float(tick), 1) if tick else "0", "middle", 10, MUTED)
    caption = (
        "Average of (rating − reference) per rater, in levels. Right of the centre line: lenient; left: "
        f"severe. Beyond the dashed lines (±{agreement.BIAS_THRESHOLD}) the effect is substantive. "
        "A bias near 0 can still hide misses in both directions: read it with exact agreement."
    )
    body = [[name, _signed(b), _bias_words(b)] for name, b in zip(names, biases)]
    table = _table(
        "Bias per rater (levels, + higher / − lower than the reference)",
        ["Rater", "Bias", "In words"],
        body,
        numeric=(1,),
    )
    return _figure("bias", "Bias per rater", svg.render(), caption, table)


def _confusion_chart(a: Analysis) -> str:
    now = a.now
    counts = a.confusion
    n = now.n_levels
    cell, left, top = 78, 130, 64
    row_h = cell // 2 + 8
    width = left + cell * n + 20
    height = top + row_h * n + 20
    svg = _Svg(
        "confusion",
        "Reference level against the level given, all raters",
        "Rows: the reference level; columns: the level raters gave. Each cell prints the count; shading shows the "
        "share of its row. Cells on the diagonal (outlined) are exact agreement.",
        width,
        height,
    )
    svg.text(left + cell * n / 2, 16, "Level given", "middle", 12, weight="bold")
    svg.text(8, top - 12, "Reference", "start", 12, weight="bold")
    for k, level in enumerate(now.level_ids):
        svg.text(left + cell * k + cell / 2, top - 12, level, "middle", 11, weight="bold")
        svg.text(left - 10, top + row_h * k + row_h / 2 + 4, level, "end", 11, weight="bold")
    totals = counts.sum(axis=1)
    for t in range(n):
        for k in range(n):
            share = counts[t, k] / totals[t] if totals[t] else 0.0
            fill = _blend("#f7fbff", "#08306b", share)
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
    table = _table(
        "Count of ratings by reference level (rows) and level given (columns)", head, body, numeric=range(1, n + 2)
    )
    return _figure("confusion", "Reference against rating", svg.render(), caption, table)


def _dumbbell(
    ident: str,
    heading: str,
    names: list[str],
    before: np.ndarray,
    after: np.ndarray,
    lo: float,
    hi: float,
    fmt,
    axis_words: tuple[str, str],
    caption: str,
    marks=(),
) -> tuple[str, str]:
    left, span_w, row_h, top = 110, 400, 24, 50
    width = left + span_w + 120
    height = top + row_h * len(names) + 30
    svg = _Svg(
        ident,
        heading,
        "One row per rater: a hollow circle for the round before the discussion, a filled circle for the round "
        "after, joined by a line.",
        width,
        height,
    )

    def x_of(v):
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
        b, c = before[r], after[r]
        if not math.isnan(b) and not math.isnan(c):
            svg.line(x_of(b), y, x_of(c), y, MUTED, 2)
        if not math.isnan(b):
            svg.circle(x_of(b), y, 5, WHITE, INK)
        if not math.isnan(c):
            svg.circle(x_of(c), y, 5, INK, INK)
        svg.text(left + span_w + 8, y + 4, f"{fmt(b)} → {fmt(c)}", "start", 10, MUTED)
    for tick in np.linspace(lo, hi, 5):
        svg.text(x_of(tick), bottom + 16, fmt(float(tick)), "middle", 10, MUTED)
    return svg.render(), caption


def _before_after(a: Analysis) -> str:
    out = []
    alpha_before, alpha_after = a.before_alpha, a.alpha["ordinal"]
    # Group alpha: two bars with the customary thresholds.
    width, left, top, bar_w = 460, 150, 30, 260
    svg = _Svg(
        "alpha-change",
        "Krippendorff's alpha before and after the discussion",
        f"Two bars: before {_alpha_text(alpha_before)}, after {_alpha_text(alpha_after)}. "
        "Dashed lines mark 0.667 (tentative) and 0.800 (reliable).",
        width,
        top + 2 * 34 + 30,
    )

    def x_of(v):
        return left + max(v, 0.0) * bar_w

    for i, (label, value) in enumerate((("Before", alpha_before), ("After", alpha_after))):
        y = top + 34 * i
        svg.text(left - 8, y + 17, label, "end", 12)
        if value is not None and not math.isnan(value):
            svg.rect(left, y + 4, x_of(value) - left, 22, NEUTRAL_BAR if i == 0 else INK)
            svg.text(x_of(value) + 6, y + 20, _alpha_text(value), "start", 12)
    for mark, words in ((ALPHA_TENTATIVE, "0.667"), (ALPHA_RELIABLE, "0.800")):
        svg.line(x_of(mark), top - 6, x_of(mark), top + 68, MUTED, 1, "4 3")
        svg.text(x_of(mark), top + 84, words, "middle", 10, MUTED)
    table = _table(
        "Krippendorff's alpha (ordinal) of each round",
        ["Round", "Alpha", "Reading"],
        [
            ["Before", _alpha_text(alpha_before), alpha_reading(alpha_before)],
            ["After", _alpha_text(alpha_after), alpha_reading(alpha_after)],
        ],
        numeric=(1,),
    )
    out.append(
        _figure(
            "alpha-change",
            "Group agreement before and after",
            svg.render(),
            "Krippendorff's alpha (ordinal) of the whole group in each round, with the customary thresholds: "
            "0.667 for tentative conclusions, 0.800 for reliable ratings.",
            table,
        )
    )
    if a.compare is None:
        return "".join(out)
    per = a.compare["per_rater"]
    names = [str(n) for n in per.index]
    bias_b = per["bias_before"].to_numpy(dtype=float)
    bias_a = per["bias_after"].to_numpy(dtype=float)
    both = np.concatenate([bias_b, bias_a])
    span = max(1.0, math.ceil(np.nanmax(np.abs(both)) * 2) / 2) if np.isfinite(both).any() else 1.0
    svg_text, caption = _dumbbell(
        "bias-change",
        "Bias per rater before and after the discussion",
        names,
        bias_b,
        bias_a,
        -span,
        span,
        lambda v: _signed(v),
        ("◀ lower (severe)", "higher (lenient) ▶"),
        "Each rater's bias before (hollow circle) and after (filled circle) the discussion. The solid line is 0 "
        f"(no bias); dashed lines mark ±{agreement.BIAS_THRESHOLD} levels.",
        marks=((0.0, None), (-agreement.BIAS_THRESHOLD, "4 3"), (agreement.BIAS_THRESHOLD, "4 3")),
    )
    exact_b = per["exact_before"].to_numpy(dtype=float)
    exact_a = per["exact_after"].to_numpy(dtype=float)
    changes = ["–" if math.isnan(v) else int(v) for v in per["changes"].to_numpy(dtype=float)]
    table = _table(
        "Bias of each rater before and after the discussion (levels, + higher / − lower than the reference)",
        ["Rater", "Bias before", "Bias after", "Ratings changed"],
        [[name, _signed(bias_b[i]), _signed(bias_a[i]), changes[i]] for i, name in enumerate(names)],
        numeric=(1, 2, 3),
    )
    out.append(_figure("bias-change", "Bias per rater, before and after", svg_text, caption, table))
    svg_text, caption = _dumbbell(
        "exact-change",
        "Exact agreement per rater before and after the discussion",
        names,
        exact_b,
        exact_a,
        0.0,
        1.0,
        _percent,
        ("0%", "100% exact"),
        "Each rater's share of ratings exactly on the reference, before (hollow circle) and after (filled circle).",
    )
    table = _table(
        "Exact agreement of each rater before and after the discussion",
        ["Rater", "Exact before", "Exact after"],
        [[name, _percent(exact_b[i]), _percent(exact_a[i])] for i, name in enumerate(names)],
        numeric=(1, 2),
    )
    out.append(_figure("exact-change", "Exact agreement per rater, before and after", svg_text, caption, table))
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Sections


def _item_index(catalog: Catalog | None) -> dict[str, QuizItem]:
    if catalog is None:
        return {}
    return {item.id: item for quiz in catalog.quizzes.values() for item in quiz.items}


def _rater_section(a: Analysis) -> str:
    if a.raters is None:
        return (
            '<section aria-labelledby="raters"><h2 id="raters">Raters</h2>'
            "<p>These responses carry no reference key, so rater accuracy and effects cannot be shown.</p></section>"
        )

    def words(effects: list[str]) -> str:
        return "; ".join(EFFECT_WORDS.get(e, e) for e in effects) if effects else "No clear effect"

    earlier = a.before_raters
    rows = []
    for name, row in a.raters.iterrows():
        cells = [
            name,
            int(row["n"]),
            _percent(row["exact"]),
            _percent(row["within_one"]),
            f"{_signed(row['bias'])} ({_bias_words(row['bias'])})",
            words(list(row["effects"])),
        ]
        if earlier is not None:
            before = earlier.loc[name] if name in earlier.index else None
            cells.append(
                "Not in the earlier round" if before is None or before["n"] == 0 else words(list(before["effects"]))
            )
        rows.append(cells)
    head = ["Rater", "Rated", "Exact", "Within one level", "Bias (levels)", "Rater effects"]
    if earlier is not None:
        head = head[:-1] + ["Rater effects now", "Before the discussion"]
    table = _table("Each rater against the reference", head, rows, numeric=(1, 2, 3))
    note = (
        "<p>Exact: share of ratings on the reference level. Within one level: share no more than one level away. "
        "Bias: average of (rating − reference), + higher, − lower. Effects: lenient or severe from about half a level "
        "of bias; central tendency when a rater's ratings spread much less than the reference's and gather on the "
        "middle levels; inconsistent when misses scatter both ways. Fewer effects are not the same as more accuracy: "
        "read the effects together with exact agreement.</p>"
    )
    return (
        f'<section aria-labelledby="raters"><h2 id="raters">Raters</h2>{note}'
        f'<div class="scroll" tabindex="0" role="region" aria-label="Rater table">{table}</div></section>'
    )


def _discuss_section(a: Analysis, catalog: Catalog | None) -> str:
    now = a.now
    index = _item_index(catalog)
    head = '<section aria-labelledby="discuss"><h2 id="discuss">Discuss first</h2>'
    if not a.discuss:
        return head + "<p>No behaviour split the room or drifted from the reference.</p></section>"
    labels = dict(zip(now.level_ids, now.level_labels))
    out = [
        head,
        '<p>The behaviours where the room split or settled away from the reference, most urgent first.</p><ol class="discuss">',
    ]
    for item_id in a.discuss:
        row = a.items.loc[item_id]
        item = index.get(item_id)
        counts = ", ".join(
            f"{level}: {a.count(item_id, k)}" for k, level in enumerate(now.level_ids) if a.count(item_id, k)
        )
        reference = a.level_id(row["reference"])
        reasons = []
        if reference is not None and bool(row["off_key"]):
            reasons.append(f"most raters chose {a.level_id(row['mode'])}, the reference is {reference}")
        if row["disagreement"] >= agreement.DISCUSS_DISAGREEMENT:
            used = sum(1 for k in range(len(now.level_ids)) if a.count(item_id, k))
            reasons.append(f"ratings spread over {used} levels")
        distance = row["mean_distance_from_key"]
        if distance is not None and not math.isnan(distance) and abs(distance) >= agreement.DISCUSS_DISTANCE:
            reasons.append(
                f"the room rated {abs(distance):.1f} levels {'above' if distance > 0 else 'below'} the reference on average"
            )
        parts = [f'<li><p class="item-head"><strong>{escape(item_id)}</strong>']
        if reference is not None:
            parts.append(f" — reference: {escape(labels.get(reference, reference))}")
        parts.append("</p>")
        if item is not None:
            parts.append(f'<p class="behaviour">{escape(_shorten(item.behaviour))}</p>')
        parts.append(f"<p>Ratings — {escape(counts)}. Why: {escape('; '.join(reasons) or 'ratings spread')}.</p>")
        if item is not None:
            parts.append(f'<p class="why">Reference reasoning: {escape(_shorten(item.rationale, 220))}</p>')
        parts.append("</li>")
        out.append("".join(parts))
    out.append("</ol></section>")
    return "".join(out)


def _statistics_section(a: Analysis) -> str:
    def value(v: float) -> str:
        return "not defined" if v is None or math.isnan(v) else f"{v:.3f}"

    rows = [
        [f"Krippendorff's alpha ({level})", value(a.alpha[level]), alpha_reading(a.alpha[level])]
        for level in ("ordinal", "interval", "nominal")
    ]
    rows.append(["Fleiss' kappa (nominal)", value(a.fleiss), "agreement on the exact level, beyond chance"])
    meaning = {
        "ICC1": "one rater, raters differ per behaviour",
        "ICC2": "one rater, same raters, absolute agreement",
        "ICC3": "one rater, same raters, consistency",
        "ICC1k": "average of the raters, one-way",
        "ICC2k": "average of the raters, absolute agreement",
        "ICC3k": "average of the raters, consistency",
    }
    rows += [[f"Intraclass correlation {name}", value(a.icc[name]), meaning[name]] for name in meaning]
    table = _table("Agreement among the raters", ["Statistic", "Value", "Meaning"], rows, numeric=(1,))
    note = (
        "<p>Krippendorff's alpha: 0.800 or more is reliable, 0.667 to 0.800 allows tentative conclusions "
        "(Krippendorff 2004). Ordinal alpha treats the levels as ordered; it is the figure in the summary. "
        "Intraclass correlations follow Shrout &amp; Fleiss (1979) and use only behaviours every rater rated.</p>"
    )
    return f'<section aria-labelledby="statistics"><h2 id="statistics">Agreement statistics</h2>{note}{table}</section>'


def _problems_section(a: Analysis) -> str:
    out = ['<section aria-labelledby="problems"><h2 id="problems">Rows that could not be used</h2>']
    rounds = [("", a.problems, a.read, a.kept, a.skipped)]
    if a.before is not None:
        rounds = [
            ("After the discussion: ", a.problems, a.read, a.kept, a.skipped),
            ("Before the discussion: ", a.before_problems, a.before_read, a.before_kept, a.before_skipped),
        ]
    for prefix, problems, read, kept, skipped in rounds:
        out.append(f"<p>{escape(prefix)}Read {read} rows: {kept} kept, {skipped} skipped.</p>")
        if problems:
            out.append('<ul class="problems">')
            for p in problems:
                hint = f'<br><span class="hint">{escape(p.hint)}</span>' if p.hint else ""
                out.append(f"<li><code>{escape(p.headline())}</code>{hint}</li>")
            out.append("</ul>")
    if not (a.problems or a.before_problems):
        out.append("<p>Every row could be used.</p>")
    out.append("</section>")
    return "".join(out)


CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1a1a1a;
background:#fff;line-height:1.5;margin:0}
main{max-width:72rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.9rem;margin:.2rem 0 .4rem}h2{font-size:1.4rem;margin-top:2.2rem;border-bottom:2px solid #1a1a1a}
h3{font-size:1.1rem;margin:1.6rem 0 .4rem}
.lede{color:#4d4d4d;margin-top:0}
.summary{font-size:1.1rem;border-left:6px solid #1b6e3a;padding:.2rem 0 .2rem 1rem;background:#f4f8f5}
.summary p{margin:.4rem 0}
a{color:#0b57d0;text-decoration:underline}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}
caption{text-align:left;font-weight:600;padding:.3rem 0;color:#1a1a1a}
th,td{border:1px solid #b3b3b3;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#ececec}
tbody th{font-weight:600;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.chart-box{overflow-x:auto}
svg.chart{max-width:100%;height:auto;font-family:inherit}
figure{margin:.4rem 0}
figcaption{color:#4d4d4d;max-width:48rem;font-size:.95rem}
details{margin:.4rem 0 1rem}
summary{cursor:pointer;color:#0b57d0;text-decoration:underline}
.scroll{overflow-x:auto}
.scroll:focus{outline:2px solid #0b57d0;outline-offset:2px}
ol.discuss>li{margin-bottom:1rem}
ol.discuss p{margin:.15rem 0}
.behaviour{font-style:italic}
.why{color:#4d4d4d}
.hint{color:#4d4d4d}
.problems code{white-space:pre-wrap;word-break:break-word}
@media print{details{display:block}summary{display:none}main{max-width:none}}
"""


def build_report(
    responses: ResponseSet,
    before: ResponseSet | None = None,
    title: str | None = None,
    *,
    catalog: Catalog | None = None,
) -> str:
    """The workshop report as one self-contained HTML page (UTF-8 text).

    ``before``: the same quiz rated before the discussion, for the before/after charts.
    ``catalog``: where the behaviour texts and reasoning of the discussion list come from;
    without it the list shows item ids only. ``title`` defaults to the quiz's title.
    """
    analysis = analyse(responses, before)
    index = _item_index(catalog)
    quiz_title = None
    if catalog is not None:
        quiz = catalog.quizzes.get(getattr(responses, "quiz", None) or "")
        if quiz is None and analysis.now.items[0] in index:
            first = analysis.now.items[0]
            quiz = next((q for q in catalog.quizzes.values() if any(i.id == first for i in q.items)), None)
        quiz_title = quiz.title if quiz is not None else None
    title = title or (f"Workshop report: {quiz_title}" if quiz_title else "Workshop report")
    summary = "".join(f"<p>{escape(sentence)}</p>" for sentence in summary_sentences(analysis))
    summary = summary.replace("see the list at the end.", 'see <a href="#problems">the list at the end</a>.')
    charts = [_heatmap(analysis), _distributions(analysis)]
    if analysis.raters is not None:
        charts.append(_bias_chart(analysis))
        charts.append(_confusion_chart(analysis))
    if analysis.before is not None:
        charts.append(_before_after(analysis))
    rounds = "two rounds, before and after the discussion" if before is not None else "one round"
    body = (
        f"<main><h1>{escape(title)}</h1>"
        f'<p class="lede">Calibration workshop report: {escape(rounds)}. Charts are followed by tables with the same numbers.</p>'
        f'<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2><div class="summary">{summary}</div></section>'
        f'<section aria-labelledby="charts"><h2 id="charts">How the room rated</h2>{"".join(charts)}</section>'
        f"{_rater_section(analysis)}{_discuss_section(analysis, catalog)}{_statistics_section(analysis)}"
        f"{_problems_section(analysis)}</main>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
