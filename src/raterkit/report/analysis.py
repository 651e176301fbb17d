"""The report's numbers: one round of ratings as arrays, and every statistic the report shows, computed once.

Every number comes from :mod:`raterkit.agreement` and :mod:`raterkit.scoring`; this module only
gathers them, and for a large room (more than :data:`MOST_RATERS_DRAWN` raters) sums the rater
table up: a histogram of bias, the count of each rater effect, the raters furthest from the
reference. Everything is computed over all raters at once (numpy), so a room of 62,500 raters
takes seconds. Nothing here writes HTML.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .. import agreement
from ..rules import BIAS_THRESHOLD
from ..scoring import score_matrix

if TYPE_CHECKING:  # the report reads a ResponseSet; it never loads files itself
    from collections.abc import Sequence

    from ..responses import ResponseSet

__all__ = [
    "BIAS_BIN",
    "FURTHEST_SHOWN",
    "MOST_RATERS_DRAWN",
    "Analysis",
    "Round",
    "analyse",
    "bias_histogram",
    "effect_counts",
    "furthest_raters",
]

#: Up to this many raters the report draws and lists every rater (the heatmap, the bias chart,
#: the rater table). A larger room gets distributions and lists instead (the share of raters at
#: each level per behaviour, a histogram of bias, the raters furthest from the reference), and
#: its per-rater table goes to a CSV file beside the report: one row per rater of 62,500 made a
#: 209 MB page no browser opens comfortably.
MOST_RATERS_DRAWN = 40

#: A large room's bias histogram counts raters in bins this wide (in levels), centred on 0. The
#: rater-effect threshold (BIAS_THRESHOLD, 0.5) falls on a bin edge, 2.5 bins from 0, so the bars
#: beyond it are exactly the lenient and severe raters.
BIAS_BIN = 2 * BIAS_THRESHOLD / 5

#: How many of the raters furthest from the reference a large room's report lists.
FURTHEST_SHOWN = 15


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
    problems: list[Any] = field(default_factory=list)
    read: int = 0
    kept: int = 0
    skipped: int = 0
    before: Round | None = None
    before_alpha: float | None = None
    compare: dict[str, Any] | None = None  # agreement.compare_rounds
    before_raters: pd.DataFrame | None = None  # agreement.rater_table of the round before
    before_problems: list[Any] = field(default_factory=list)
    before_read: int = 0
    before_kept: int = 0
    before_skipped: int = 0

    def count(self, item: str, position: int) -> int:
        """How many raters gave ``item`` the level at ``position``."""
        return int(self.counts.to_numpy()[cast(int, self.counts.index.get_loc(item)), position])

    def level_id(self, label: Any) -> str | None:
        """A level id from the item table's wording ('mode' with ' / ' for ties)."""
        return None if label is None else str(label)

    @property
    def large(self) -> bool:
        """More raters than the page draws one by one (:data:`MOST_RATERS_DRAWN`), in either round."""
        counts = [len(self.now.raters)] + ([len(self.before.raters)] if self.before is not None else [])
        return max(counts) > MOST_RATERS_DRAWN

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


def bias_histogram(bias: np.ndarray, width: float = BIAS_BIN) -> tuple[np.ndarray, np.ndarray]:
    """(centres, counts): how many raters have each bias, in bins ``width`` wide centred on 0.

    A bias exactly on a bin edge counts in the bin further from 0, on either side alike: with the
    default width, a bias of +0.5 (lenient from BIAS_THRESHOLD on) falls in the bin from +0.5 to
    +0.7, and -0.5 in the one from -0.7 to -0.5. Raters without a bias (nan: no rating) are not
    counted. The centres run symmetrically to the furthest bias on either side, and always one bin
    past BIAS_THRESHOLD, so that the threshold falls on the chart.
    """
    values = np.asarray(bias, dtype=float)
    values = values[np.isfinite(values)]
    # The tiny slack puts a bias that is on an edge in exact arithmetic (8/16 = 0.5) on the far side
    # of it however the division rounds; a bias not on an edge is far more than 1e-9 bins from one.
    steps = (np.sign(values) * np.floor(np.abs(values) / width + 0.5 + 1e-9)).astype(np.int64)
    reach = max(int(np.abs(steps).max()) if steps.size else 0, int(math.ceil(BIAS_THRESHOLD / width)) + 1)
    counts = np.bincount(steps + reach, minlength=2 * reach + 1)
    return np.arange(-reach, reach + 1) * width, counts


def effect_counts(raters: pd.DataFrame) -> list[tuple[str, int]]:
    """How many raters show each rater effect, in agreement.rater_table's words, then 'no effect'.

    A rater may show two effects (lenient and central tendency, say), so the counts can add up
    to more than the room; 'no effect' counts the raters with none.
    """
    effects = raters["effects"].tolist()
    out = [
        (effect, sum(effect in found for found in effects))
        for effect in ("lenient", "severe", "central tendency", "inconsistent", "too few ratings")
    ]
    return [*out, ("no effect", sum(not found for found in effects))]


def furthest_raters(raters: pd.DataFrame, top: int = FURTHEST_SHOWN) -> pd.DataFrame:
    """The ``top`` raters furthest from the reference: by average distance (``mad``, which counts
    misses both ways), then by |bias|, then in the room's order. Raters with no rating are left out."""
    rated = raters[raters["n"].to_numpy() > 0]
    mad = rated["mad"].to_numpy(dtype=float)
    bias = np.abs(rated["bias"].to_numpy(dtype=float))
    order = np.lexsort((np.arange(len(rated)), -bias, -mad))
    return rated.iloc[order[:top]]
