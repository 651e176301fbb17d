"""Agreement among many raters on the same items: alpha, kappa, ICC, item and rater tables.

One cohesive job: the many-raters statistics engine. Each function follows one published
definition, and they share the input checks at the top; split, they would only import each other.

Input convention for every function: ``ratings`` is a float array of shape (raters, items)
holding level positions ``0 .. n_levels - 1`` (0 = lowest level) and ``np.nan`` where a rater
did not rate an item; ``key`` is an int array of shape (items,) with the reference level of
each item. Definitions follow docs/rating-science.md ("Many raters on the same items"):

- Krippendorff's alpha: K. Krippendorff (2004), *Content Analysis*, 2nd ed., ch. 11, and
  K. Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" (coincidence-matrix form).
- Fleiss' kappa: J. L. Fleiss (1971), "Measuring nominal scale agreement among many raters",
  Psychological Bulletin 76(5), 378-382 (computed by statsmodels).
- ICC: P. E. Shrout & J. L. Fleiss (1979), "Intraclass correlations: uses in assessing rater
  reliability", Psychological Bulletin 86(2), 420-428.

Pure numpy/pandas (+ statsmodels). The GPL packages ``krippendorff`` and ``pingouin`` serve
as test oracles only and are never imported here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .rules import (
    BIAS_THRESHOLD,
    CENTRAL_SD_RATIO,
    DISCUSS_DISAGREEMENT,
    DISCUSS_DISTANCE,
    HALO_SD_RATIO,
    INCONSISTENT_SD,
    MIN_ITEMS_FOR_EFFECTS,
)
from .rules import check_n_levels as _check_n_levels

__all__ = [
    "compare_rounds",
    "discuss_first",
    "fleiss_items",
    "fleiss_kappa",
    "halo",
    "icc",
    "item_table",
    "krippendorff_alpha",
    "level_counts",
    "plain",
    "rater_table",
    "summarize",
]

Level = Literal["nominal", "ordinal", "interval"]


# --------------------------------------------------------------------------------------------
# Input checks: misuse raises ValueError naming the fix.


def _ratings_array(ratings: Any, n_levels: int | None = None, name: str = "ratings") -> np.ndarray:
    try:
        array = np.array(ratings, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name}: could not read as numbers ({exc})\n"
            "    Pass level positions 0..n_levels-1 as numbers and np.nan for a missing rating."
        ) from None
    if array.ndim != 2:
        raise ValueError(
            f"{name}: expected a 2-D array of shape (raters, items), got shape {array.shape}\n"
            "    Pass one row per rater and one column per item, e.g. [[0, 1, 2], [0, 2, 2]]."
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"{name}: shape {array.shape} has no raters or no items\n"
            "    Pass at least one rater (row) and one item (column)."
        )
    missing = np.isnan(array)
    if not missing.all():
        # fmin/fmax skip nan without the warnings of nanmin/nanmax; one pass each.
        low, high = np.fmin.reduce(array, axis=None), np.fmax.reduce(array, axis=None)
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError(f"{name}: contains infinite values\n    Use np.nan for a missing rating, never inf.")
        fractional = (np.floor(array) != array) & ~missing
        if fractional.any():
            raise ValueError(
                f"{name}: {array[fractional][0]!r} is not a level position\n"
                "    Ratings are whole positions on the scale: 0 for the lowest level, 1 for the next..."
            )
        if low < 0:
            raise ValueError(
                f"{name}: {low:g} is below the lowest level position 0\n"
                "    Convert levels to positions counted from 0 (lowest level) before calling."
            )
        if n_levels is not None and high >= n_levels:
            raise ValueError(
                f"{name}: {high:g} is out of range for a scale of {n_levels} levels "
                f"(positions 0..{n_levels - 1})\n"
                "    Check n_levels, or convert levels to positions counted from 0."
            )
    return array


def _key_array(key: Any, n_items: int, n_levels: int | None) -> np.ndarray:
    try:
        array = np.array(key, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"key: could not read as numbers ({exc})\n    Pass one reference level position (0 = lowest) per item."
        ) from None
    if array.ndim != 1 or array.shape[0] != n_items:
        raise ValueError(
            f"key: expected shape ({n_items},), one reference per item, got shape {array.shape}\n"
            "    Pass the reference level of every item, in the same order as the rating columns."
        )
    if np.isnan(array).any() or (array != np.floor(array)).any() or (array < 0).any():
        raise ValueError(
            "key: every item needs a whole reference position >= 0, got "
            f"{array[np.isnan(array) | (array != np.floor(array)) | (array < 0)][0]!r}\n"
            "    Give each item its reference level as a position counted from 0."
        )
    if n_levels is not None and (array >= n_levels).any():
        raise ValueError(
            f"key: {array.max():g} is out of range for a scale of {n_levels} levels "
            f"(positions 0..{n_levels - 1})\n"
            "    Check n_levels, or convert reference levels to positions counted from 0."
        )
    return array.astype(np.intp)


def _ids(ids: Any, count: int, name: str) -> list[Any]:
    if ids is None:
        return list(range(count))
    ids = list(ids)
    if len(ids) != count:
        raise ValueError(
            f"{name}: got {len(ids)} ids for {count} {name.removesuffix('_ids')}s\n"
            f"    Pass one id per {name.removesuffix('_ids')}, in the order of the ratings."
        )
    if len(set(map(str, ids))) != len(ids):
        raise ValueError(f"{name}: ids repeat\n    Give each {name.removesuffix('_ids')} its own id.")
    return ids


def _divide(numerator: float, denominator: float) -> float:
    """numerator / denominator, nan when the denominator is 0 (no variation: undefined)."""
    if denominator == 0 or not np.isfinite(denominator):
        return math.nan
    return float(numerator / denominator)


def _value_counts(ratings: np.ndarray, n_values: int) -> np.ndarray:
    """(items, n_values) matrix: how many raters gave each value to each item."""
    n_items = ratings.shape[1]
    with np.errstate(invalid="ignore"):  # nan casts to garbage, overwritten just below
        codes = ratings.astype(np.intp)
    # A missing rating becomes the sentinel value n_values, counted and then dropped.
    np.putmask(codes, np.isnan(ratings), n_values)
    codes += np.arange(n_items, dtype=np.intp) * (n_values + 1)
    counts = np.bincount(codes.ravel(), minlength=n_items * (n_values + 1))
    return counts.reshape(n_items, n_values + 1)[:, :n_values]


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha


def krippendorff_alpha(ratings: Any, level: Level = "ordinal", n_levels: int | None = None) -> float:
    """Krippendorff's alpha, alpha = 1 - D_o / D_e, in the coincidence-matrix form.

    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", sections C-E, and
    Krippendorff (2004), ch. 11. With n_uc the number of raters giving value c to unit
    (item) u and m_u = sum_c n_uc the unit's number of ratings:

    - coincidences o_ck = sum_u n_uc (n_uk - [c = k]) / (m_u - 1), over units with
      m_u >= 2 only (a unit rated once is not pairable and drops out);
    - marginals n_c = sum_k o_ck, n = sum_c n_c (the number of pairable values);
    - alpha = 1 - (n - 1) sum_ck o_ck delta_ck / sum_ck n_c n_k delta_ck.

    Difference functions delta on positions c, k: nominal [c != k]; interval (c - k)^2;
    ordinal (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2, with the marginals n_g of every domain
    value (a value nobody used has n_g = 0).

    ``n_levels`` sets the value domain 0..n_levels-1; None uses max observed + 1. Perfect
    agreement gives 1.0. No pairable value gives nan; so do data with a single value
    throughout (D_e = 0, Krippendorff's alpha is undefined without variation).
    Cost: O(raters * items) to count, O(items * values^2) for the coincidences.
    """
    if level not in ("nominal", "ordinal", "interval"):
        raise ValueError(
            f"level: {level!r} is not one of 'nominal', 'ordinal', 'interval'\n"
            "    Use 'ordinal' for ordered levels (the usual case), 'nominal' for categories."
        )
    if n_levels is not None:
        n_levels = _check_n_levels(n_levels)
    data = _ratings_array(ratings, n_levels)
    if n_levels is None:
        if np.isnan(data).all():
            return math.nan
        n_levels = int(np.fmax.reduce(data, axis=None)) + 1

    counts = _value_counts(data, n_levels).astype(float)
    m_u = counts.sum(axis=1)
    pairable = m_u >= 2
    if not pairable.any():
        return math.nan
    counts, m_u = counts[pairable], m_u[pairable]

    weighted = counts / (m_u - 1)[:, None]
    coincidences = weighted.T @ counts
    coincidences[np.diag_indices(n_levels)] -= weighted.sum(axis=0)
    n_c = coincidences.sum(axis=0)
    n = n_c.sum()

    delta = _difference(level, n_c)
    observed_disagreement = float((coincidences * delta).sum())
    expected_disagreement = float((np.outer(n_c, n_c) * delta).sum())
    if expected_disagreement == 0:
        return math.nan
    return float(1.0 - (n - 1) * observed_disagreement / expected_disagreement)


def _difference(level: Level, n_c: np.ndarray) -> np.ndarray:
    """The squared difference function delta_ck of Krippendorff (2011), section E."""
    positions = np.arange(n_c.size)
    c, k = positions[:, None], positions[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return ((c - k) ** 2).astype(float)
    low, high = np.minimum(c, k), np.maximum(c, k)
    cumulative = np.concatenate(([0.0], np.cumsum(n_c)))
    between = cumulative[high + 1] - cumulative[low]  # sum of n_g for g = low..high
    return (between - (n_c[c] + n_c[k]) / 2) ** 2


# --------------------------------------------------------------------------------------------
# Fleiss' kappa


def fleiss_items(ratings: Any) -> np.ndarray:
    """Which items enter Fleiss' kappa: a boolean mask of shape (items,).

    Fleiss (1971) assumes the same number m of ratings per item. raterkit uses the items
    whose number of ratings is the most common one among items with at least two ratings
    (the modal m; a tie goes to the larger m, which carries more information per item).
    The other items are left out rather than padded or imputed.
    """
    data = _ratings_array(ratings)
    per_item = (~np.isnan(data)).sum(axis=0)
    candidates = per_item[per_item >= 2]
    if candidates.size == 0:
        return np.zeros(data.shape[1], dtype=bool)
    frequency = np.bincount(candidates)
    modal = int(np.flatnonzero(frequency == frequency.max()).max())
    return per_item == modal


def fleiss_kappa(ratings: Any, n_levels: int) -> float:
    """Fleiss' (1971) kappa for nominal agreement, on the items chosen by `fleiss_items`.

    kappa = (P_bar - P_e) / (1 - P_e), with P_i = (sum_j n_ij^2 - m) / (m (m - 1)) the
    agreement on item i, P_bar their mean and P_e = sum_j p_j^2 from the category shares p_j
    (Fleiss 1971, eqs. 1-5); computed by ``statsmodels.stats.inter_rater.fleiss_kappa`` on the
    (items, n_levels) count table. Items without the modal number of ratings are left out
    (see `fleiss_items`). nan when no item qualifies or every rating is the same level
    (P_e = 1: kappa undefined).
    """
    n_levels = _check_n_levels(n_levels)
    data = _ratings_array(ratings, n_levels)
    used = fleiss_items(data)
    if not used.any():
        return math.nan
    table = _value_counts(data[:, used], n_levels)
    shares = table.sum(axis=0) / table.sum()
    if np.isclose((shares**2).sum(), 1.0):
        return math.nan
    # statsmodels (and the SciPy it brings, 60 MB) is imported when a kappa is asked for: scoring
    # a million ratings never needs it.
    from statsmodels.stats.inter_rater import fleiss_kappa

    return float(fleiss_kappa(table, method="fleiss"))


# --------------------------------------------------------------------------------------------
# Intraclass correlations


def icc(ratings: Any) -> dict[str, float]:
    """The six intraclass correlations of Shrout & Fleiss (1979), Table 1 / eqs. 2-4.

    From the targets (items) x judges (raters) table with n targets and k judges: the
    two-way ANOVA mean squares BMS (between targets), JMS (between judges), EMS (residual)
    and the one-way within-target WMS:

    - ICC1 = (BMS - WMS) / (BMS + (k-1) WMS);   ICC1k = (BMS - WMS) / BMS
    - ICC2 = (BMS - EMS) / (BMS + (k-1) EMS + k (JMS - EMS) / n);
      ICC2k = (BMS - EMS) / (BMS + (JMS - EMS) / n)
    - ICC3 = (BMS - EMS) / (BMS + (k-1) EMS);   ICC3k = (BMS - EMS) / BMS

    The ANOVA needs a complete table: raters who rated nothing are left out first, then
    every item with a missing rating (listwise deletion, as pingouin's nan_policy='omit').
    All six are nan with fewer than 2 complete items or 2 raters, or with no variance.
    """
    data = _ratings_array(ratings)
    data = data[~np.isnan(data).all(axis=1)]
    table = data[:, ~np.isnan(data).any(axis=0)].T  # targets x judges
    n, k = table.shape
    keys = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
    if n < 2 or k < 2:
        return dict.fromkeys(keys, math.nan)

    grand = table.mean()
    ss_total = float(((table - grand) ** 2).sum())
    ss_targets = k * float(((table.mean(axis=1) - grand) ** 2).sum())
    ss_judges = n * float(((table.mean(axis=0) - grand) ** 2).sum())
    ss_error = ss_total - ss_targets - ss_judges
    bms = ss_targets / (n - 1)
    jms = ss_judges / (k - 1)
    ems = ss_error / ((n - 1) * (k - 1))
    wms = (ss_total - ss_targets) / (n * (k - 1))
    return {
        "ICC1": _divide(bms - wms, bms + (k - 1) * wms),
        "ICC2": _divide(bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n),
        "ICC3": _divide(bms - ems, bms + (k - 1) * ems),
        "ICC1k": _divide(bms - wms, bms),
        "ICC2k": _divide(bms - ems, bms + (jms - ems) / n),
        "ICC3k": _divide(bms - ems, bms),
    }


# --------------------------------------------------------------------------------------------
# Items: where the room splits, and where it leaves the key


def level_counts(ratings: Any, labels: Sequence[str], item_ids: Any = None) -> pd.DataFrame:
    """How many raters chose each level for each item: one row per item (index ``item``), one
    column per level, named by ``labels`` (lowest first). Kept apart from `item_table`, so that a
    level may be called anything, 'n' or 'mode' included."""
    labels = [str(label) for label in labels]
    if len(labels) < 2 or len(set(labels)) != len(labels):
        raise ValueError(
            f"labels: expected at least two distinct level labels, got {labels!r}\n"
            "    Pass the scale's level labels, lowest first, each once."
        )
    data = _ratings_array(ratings, len(labels))
    ids = _ids(item_ids, data.shape[1], "item_ids")
    return pd.DataFrame(_value_counts(data, len(labels)), index=pd.Index(ids, name="item"), columns=labels)


def item_table(
    ratings: Any,
    key: Any = None,
    labels: Sequence[str] | None = None,
    item_ids: Any = None,
) -> pd.DataFrame:
    """One row per item: how the room rated it, against the key, and its discussion rank.

    The number of levels is ``len(labels)``; without labels it is the highest position in
    the ratings or the key, plus one (and the level names are the positions as text).

    Columns (index: the item ids, named ``item``):

    - ``n``: number of ratings (how many chose each level: `level_counts`);
    - ``mode``: the most frequent level; a tie shows every tied label joined by " / ";
    - ``reference``: the key's label; ``exact_with_key``: share of ratings equal to the key;
      ``mean_distance_from_key``: mean rating - key in level steps (+ above the key);
    - ``disagreement``: normalised entropy -sum p log p / log(n_levels) of the rating
      distribution, 0 when every rating is the same level, 1 when spread evenly over all
      levels (docs/rating-science.md, "Items to discuss first");
    - ``off_key``: the key is not among the modal levels (the group settled elsewhere);
    - ``rank``: 1 = discuss first; ``discuss``: the item belongs on the discussion list.

    Ordering rule for ``rank``: items with ``off_key`` first; then by
    ``disagreement + |mean_distance_from_key| / (n_levels - 1)`` (both on a 0..1 scale),
    highest first; then in input order. Unrated items come last.
    ``discuss`` is true when ``off_key``, or disagreement >= DISCUSS_DISAGREEMENT, or
    |mean_distance_from_key| >= DISCUSS_DISTANCE. Without a key the key columns are empty
    (nan / None) and items are ranked by disagreement alone.
    """
    data = _ratings_array(ratings)
    n_items = data.shape[1]
    observed = data[~np.isnan(data)]
    if labels is not None:
        labels = [str(label) for label in labels]
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ValueError(
                f"labels: expected at least two distinct level labels, got {labels!r}\n"
                "    Pass the scale's level labels, lowest first, each once."
            )
        n_levels = len(labels)
        _ratings_array(data, n_levels)
    else:
        highest = int(observed.max()) if observed.size else 0
        if key is not None:
            highest = max(highest, int(_key_array(key, n_items, None).max()))
        n_levels = max(highest + 1, 2)
        labels = [str(position) for position in range(n_levels)]
    ids = _ids(item_ids, n_items, "item_ids")
    keys = _key_array(key, n_items, n_levels) if key is not None else None

    counts = _value_counts(data, n_levels)
    n = counts.sum(axis=1)
    rated = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(rated[:, None], counts / np.maximum(n, 1)[:, None], 0.0)
        logs = np.log(np.where(shares > 0, shares, 1.0))
    entropy = -(shares * logs).sum(axis=1) / math.log(n_levels)
    disagreement = np.where(rated, np.clip(entropy, 0.0, 1.0), np.nan)

    top = counts.max(axis=1, keepdims=True)
    is_modal = (counts == top) & rated[:, None]
    mode = [" / ".join(labels[j] for j in np.flatnonzero(row)) if row.any() else None for row in is_modal]

    table = pd.DataFrame({"n": n}, index=pd.Index(ids, name="item"))
    table["mode"] = mode
    sums = np.nansum(data, axis=0)
    mean = np.divide(sums, n, out=np.full(n_items, np.nan), where=rated)
    if keys is not None:
        exact = counts[np.arange(n_items), keys]
        table["reference"] = [labels[j] for j in keys]
        table["exact_with_key"] = np.divide(exact, n, out=np.full(n_items, np.nan), where=rated)
        table["mean_distance_from_key"] = mean - keys
        off_key = rated & ~is_modal[np.arange(n_items), keys]
        distance = np.abs(mean - keys) / (n_levels - 1)
    else:
        table["reference"] = None
        table["exact_with_key"] = np.nan
        table["mean_distance_from_key"] = np.nan
        off_key = np.zeros(n_items, dtype=bool)
        distance = np.zeros(n_items)
    table["disagreement"] = disagreement
    table["off_key"] = off_key

    score = np.where(rated, np.nan_to_num(disagreement) + np.nan_to_num(distance), -np.inf)
    order = np.lexsort((np.arange(n_items), -score, ~off_key))
    rank = np.empty(n_items, dtype=np.int64)
    rank[order] = np.arange(1, n_items + 1)
    table["rank"] = rank
    with np.errstate(invalid="ignore"):
        far = np.abs(table["mean_distance_from_key"].to_numpy(dtype=float)) >= DISCUSS_DISTANCE
        split = disagreement >= DISCUSS_DISAGREEMENT
    table["discuss"] = rated & (off_key | split | far)
    return table


def discuss_first(table: pd.DataFrame, top: int = 5) -> list[str]:
    """The ids (as text) of at most ``top`` items marked ``discuss``, in ``rank`` order.

    ``table`` is the output of `item_table`. An empty list means no item needs discussion.
    """
    if not {"rank", "discuss"}.issubset(table.columns):
        raise ValueError(
            "table: missing the 'rank' and 'discuss' columns\n"
            "    Pass the table returned by item_table(ratings, key, ...)."
        )
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 0:
        raise ValueError(f"top: expected a whole number >= 0, got {top!r}\n    E.g. top=5.")
    flagged = table[table["discuss"].astype(bool)].sort_values("rank", kind="stable")
    return [str(item) for item in flagged.index[: int(top)]]


# --------------------------------------------------------------------------------------------
# Raters: accuracy against the key and rater effects


def rater_table(ratings: Any, key: Any, n_levels: int, rater_ids: Any = None) -> pd.DataFrame:
    """One row per rater: agreement with the key and plain-language rater effects.

    With d_i = rating - key over the items the rater rated (docs/rating-science.md, "One
    trainee against the reference" and "Rater effects"):

    - ``n``; ``exact`` = share d_i = 0; ``within_one`` = share |d_i| <= 1;
    - ``bias`` = mean d_i (+ lenient, - severe); ``mad`` = mean |d_i|; ``error_sd`` = SD of d_i;
    - ``sd_ratio`` = SD of the rater's ratings / SD of the key on the same items (population
      SDs; < 1 a compressed range); ``middle_share`` = share of ratings on inner levels (not
      the lowest or highest), ``key_middle_share`` the key's share on the same items;
    - ``effects``: ``"lenient"`` / ``"severe"`` when |bias| >= BIAS_THRESHOLD;
      ``"central tendency"`` when sd_ratio < CENTRAL_SD_RATIO and middle_share >
      key_middle_share; ``"inconsistent"`` when error_sd >= INCONSISTENT_SD and central
      tendency does not explain it; ``"too few ratings"`` below MIN_ITEMS_FOR_EFFECTS rated
      items; ``[]`` for a rater with none of these (accurate).

    Fewer effects are not the same as more accuracy (Wexley & Youtz 1985): read ``effects``
    together with ``exact`` and ``mad``.
    """
    n_levels = _check_n_levels(n_levels)
    data = _ratings_array(ratings, n_levels)
    n_raters, n_items = data.shape
    keys = _key_array(key, n_items, n_levels).astype(float)
    ids = _ids(rater_ids, n_raters, "rater_ids")

    rated = ~np.isnan(data)
    n = rated.sum(axis=1)
    some = n > 0

    def mean_over_rated(values: np.ndarray) -> np.ndarray:
        total = np.where(rated, values, 0.0).sum(axis=1)
        return np.divide(total, n, out=np.full(n_raters, np.nan), where=some)

    key_grid = np.broadcast_to(keys, data.shape)
    diff = data - key_grid
    with np.errstate(invalid="ignore"):
        exact = mean_over_rated((diff == 0).astype(float))
        within_one = mean_over_rated((np.abs(diff) <= 1).astype(float))
    bias = mean_over_rated(np.nan_to_num(diff))
    mad = mean_over_rated(np.abs(np.nan_to_num(diff)))
    error_sd = np.sqrt(np.maximum(mean_over_rated(np.nan_to_num(diff) ** 2) - bias**2, 0.0))

    rating_mean = mean_over_rated(np.nan_to_num(data))
    rating_sd = np.sqrt(np.maximum(mean_over_rated(np.nan_to_num(data) ** 2) - rating_mean**2, 0.0))
    key_mean = mean_over_rated(key_grid)
    key_sd = np.sqrt(np.maximum(mean_over_rated(key_grid**2) - key_mean**2, 0.0))
    sd_ratio = np.divide(rating_sd, key_sd, out=np.full(n_raters, np.nan), where=some & (key_sd > 1e-12))

    def inner(grid: np.ndarray) -> np.ndarray:
        return ((grid > 0) & (grid < n_levels - 1)).astype(float)

    with np.errstate(invalid="ignore"):
        middle_share = mean_over_rated(inner(data))
    key_middle_share = mean_over_rated(inner(key_grid))

    # The effects as flags over all raters at once (a comparison with nan is false, as it was per rater).
    with np.errstate(invalid="ignore"):
        lenient = bias >= BIAS_THRESHOLD
        severe = ~lenient & (bias <= -BIAS_THRESHOLD)
        central = (sd_ratio < CENTRAL_SD_RATIO) & (middle_share > key_middle_share)
        inconsistent = (error_sd >= INCONSISTENT_SD) & ~central
    few = n < MIN_ITEMS_FOR_EFFECTS
    flags = (lenient, severe, central, inconsistent)
    code = np.where(few, 1 << len(flags), sum(flag.astype(np.int64) << bit for bit, flag in enumerate(flags)))
    words = ("lenient", "severe", "central tendency", "inconsistent")
    named = {c: [w for bit, w in enumerate(words) if c >> bit & 1] for c in range(1 << len(flags))}
    named[1 << len(flags)] = ["too few ratings"]
    effects = [list(named[c]) for c in code.tolist()]

    return pd.DataFrame(
        {
            "n": n,
            "exact": exact,
            "within_one": within_one,
            "bias": bias,
            "mad": mad,
            "error_sd": error_sd,
            "sd_ratio": sd_ratio,
            "middle_share": middle_share,
            "key_middle_share": key_middle_share,
            "effects": effects,
        },
        index=pd.Index(ids, name="rater"),
    )


def halo(ratings: Any, groups: Sequence[str], key: Any = None) -> pd.DataFrame:
    """Halo per rater: the same behaviour rated alike on every criterion.

    Items sharing a group id are one behaviour rated on several criteria. For each rater and
    each behaviour with at least two rated criteria, the population SD of the ratings across
    the criteria; ``within_sd`` is their mean. ``reference_sd`` is the same figure for the key
    over the same behaviours; without a key, the median ``within_sd`` of the room.
    ``halo`` is true when within_sd < HALO_SD_RATIO * reference_sd, a small spread across
    the criteria (docs/rating-science.md, "Rater effects"); false when the reference itself has no
    spread (halo cannot be told apart from a behaviour that really is even).
    Columns: n_behaviours, within_sd, reference_sd, ratio, halo; index: rater positions.
    """
    data = _ratings_array(ratings)
    n_raters, n_items = data.shape
    groups = [str(group) for group in groups]
    if len(groups) != n_items:
        raise ValueError(
            f"groups: got {len(groups)} group ids for {n_items} items\n"
            "    Pass one behaviour id per item; items rating the same behaviour share it."
        )
    keys = _key_array(key, n_items, None).astype(float) if key is not None else None
    codes, _ = pd.factorize(pd.Series(groups))
    n_groups = int(codes.max()) + 1

    def spread(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row and group: population SD across the rated items, and whether >= 2 rated."""
        present = ~np.isnan(values)
        count = np.zeros((values.shape[0], n_groups))
        total = np.zeros_like(count)
        squares = np.zeros_like(count)
        filled = np.nan_to_num(values)
        for g in range(n_groups):
            cols = codes == g
            count[:, g] = present[:, cols].sum(axis=1)
            total[:, g] = filled[:, cols].sum(axis=1)
            squares[:, g] = (filled[:, cols] ** 2).sum(axis=1)
        usable = count >= 2
        safe = np.maximum(count, 1)
        variance = np.maximum(squares / safe - (total / safe) ** 2, 0.0)
        return np.where(usable, np.sqrt(variance), np.nan), usable

    rater_sd, usable = spread(data)
    n_behaviours = usable.sum(axis=1)

    def mean_usable(values: np.ndarray) -> np.ndarray:
        total = np.where(usable, values, 0.0).sum(axis=1)
        return np.divide(total, n_behaviours, out=np.full(n_raters, np.nan), where=n_behaviours > 0)

    within_sd = mean_usable(rater_sd)
    if keys is not None:
        # The key's spread over exactly the criteria this rater rated, behaviour by behaviour.
        masked_key = np.where(np.isnan(data), np.nan, np.broadcast_to(keys, data.shape))
        key_sd, _ = spread(masked_key)
        reference_sd = mean_usable(key_sd)
    else:
        valid = within_sd[~np.isnan(within_sd)]
        room = float(np.median(valid)) if valid.size else math.nan
        reference_sd = np.full(n_raters, room)
    with np.errstate(invalid="ignore"):
        ratio = np.divide(
            within_sd,
            reference_sd,
            out=np.full(n_raters, np.nan),
            where=~np.isnan(reference_sd) & (reference_sd > 1e-12),
        )
        flag = ratio < HALO_SD_RATIO
    return pd.DataFrame(
        {
            "n_behaviours": n_behaviours,
            "within_sd": within_sd,
            "reference_sd": reference_sd,
            "ratio": ratio,
            "halo": flag,
        },
        index=pd.Index(range(n_raters), name="rater"),
    )


# --------------------------------------------------------------------------------------------
# Two rounds: did calibration help?


def compare_rounds(before: Any, after: Any, key: Any, n_levels: int, rater_ids: Any = None) -> dict[str, Any]:
    """The same items rated in two rounds (e.g. before and after a calibration discussion).

    Returns ``{"alpha": {"before", "after", "change"}, "per_rater": DataFrame}``: ordinal
    Krippendorff's alpha of each round over the domain 0..n_levels-1 and after - before;
    per rater ``n_before``, ``n_after``, ``bias_before``, ``bias_after``, ``exact_before``,
    ``exact_after`` (against ``key``) and ``changes``, the number of items the rater rated
    in both rounds with a different level the second time.

    ``rater_ids``: None (raters matched by row position), one sequence (both rounds list the
    same raters in the same order), or a pair ``(before_ids, after_ids)``. A rater present
    in one round only (or with no rating in it) is kept, with nan for the other round.
    """
    n_levels = _check_n_levels(n_levels)
    first = _ratings_array(before, n_levels, name="before")
    second = _ratings_array(after, n_levels, name="after")
    if first.shape[1] != second.shape[1]:
        raise ValueError(
            f"after: {second.shape[1]} items, but before has {first.shape[1]}\n"
            "    Both rounds must hold the same items in the same column order."
        )
    if isinstance(rater_ids, tuple) and len(rater_ids) == 2 and not isinstance(rater_ids[0], (str, int, np.integer)):
        ids_before = _ids(rater_ids[0], first.shape[0], "rater_ids")
        ids_after = _ids(rater_ids[1], second.shape[0], "rater_ids")
    elif rater_ids is None:
        ids_before, ids_after = list(range(first.shape[0])), list(range(second.shape[0]))
    else:
        if first.shape[0] != second.shape[0]:
            raise ValueError(
                f"rater_ids: one list cannot name {first.shape[0]} raters before and "
                f"{second.shape[0]} after\n"
                "    Pass a pair (before_ids, after_ids) when the rounds have different raters."
            )
        ids_before = ids_after = _ids(rater_ids, first.shape[0], "rater_ids")

    table_before = rater_table(first, key, n_levels, ids_before)
    table_after = rater_table(second, key, n_levels, ids_after)
    order = list(dict.fromkeys([*ids_before, *ids_after]))
    per_rater = pd.DataFrame(index=pd.Index(order, name="rater"))
    for suffix, table in (("before", table_before), ("after", table_after)):
        present = table[table["n"] > 0]
        per_rater[f"n_{suffix}"] = table["n"].reindex(order).fillna(0).astype(int)
        per_rater[f"bias_{suffix}"] = present["bias"].reindex(order)
        per_rater[f"exact_{suffix}"] = present["exact"].reindex(order)

    # Rows of each round for every rater of `order` (-1: not in that round), all raters at once.
    row_before = pd.Index(ids_before).get_indexer(order)
    row_after = pd.Index(ids_after).get_indexer(order)
    in_both = (row_before >= 0) & (row_after >= 0)
    a, b = first[row_before[in_both]], second[row_after[in_both]]
    both = ~np.isnan(a) & ~np.isnan(b)
    changed = np.where(both.any(axis=1), ((a != b) & both).sum(axis=1).astype(float), math.nan)
    changes = np.full(len(order), math.nan)
    changes[in_both] = changed
    per_rater["changes"] = changes

    alpha_before = krippendorff_alpha(first, "ordinal", n_levels)
    alpha_after = krippendorff_alpha(second, "ordinal", n_levels)
    return {
        "alpha": {"before": alpha_before, "after": alpha_after, "change": alpha_after - alpha_before},
        "per_rater": per_rater,
    }


# --------------------------------------------------------------------------------------------
# One JSON-ready summary for reports, notebooks and the site


def plain(value: Any) -> Any:
    """A JSON-ready python value: numpy scalars to python, nan to None."""
    kind = type(value)  # the common plain types first: a summary of 100,000 raters has a million values
    if kind is str or kind is int:
        return value
    if kind is float:
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if value is None or value is pd.NA:
        return None
    return value


def summarize(
    ratings: Any,
    key: Any,
    n_levels: int,
    labels: Sequence[str] | None = None,
    item_ids: Any = None,
    rater_ids: Any = None,
) -> dict[str, Any]:
    """Every many-raters statistic of one round as JSON-ready data (python types, nan -> None).

    Keys: ``raters`` and ``items`` (counts), ``alpha`` {nominal, ordinal, interval},
    ``fleiss_kappa``, ``icc`` (the six Shrout & Fleiss forms), ``per_item`` (one dict per item,
    level counts under ``counts``), ``per_rater`` (one dict per rater; empty without a key)
    and ``discuss_first`` (item ids as text).
    """
    n_levels = _check_n_levels(n_levels)
    data = _ratings_array(ratings, n_levels)
    if labels is None:
        labels = [str(position) for position in range(n_levels)]
    labels = [str(label) for label in labels]
    if len(labels) != n_levels:
        raise ValueError(
            f"labels: {len(labels)} labels for a scale of {n_levels} levels\n"
            "    Pass one label per level, lowest first."
        )
    items = item_table(data, key, labels, item_ids)
    counts = level_counts(data, labels, item_ids)
    per_item = []
    for (item, row), (_, levels) in zip(items.iterrows(), counts.iterrows()):
        record = {"item": item, "n": row["n"], "counts": levels.to_dict()}
        record.update({column: row[column] for column in items.columns if column != "n"})
        per_item.append(record)
    per_rater = []
    if key is not None:
        raters = rater_table(data, key, n_levels, rater_ids)
        # to_dict("index"), not iterrows(): the same values (the table has a column of lists, so
        # no row is cast to one type) without a Series per rater.
        per_rater = [{"rater": rater, **row} for rater, row in raters.to_dict("index").items()]
    elif rater_ids is not None:
        _ids(rater_ids, data.shape[0], "rater_ids")
    return plain(
        {
            "raters": data.shape[0],
            "items": data.shape[1],
            "alpha": {level: krippendorff_alpha(data, level, n_levels) for level in ("nominal", "ordinal", "interval")},
            "fleiss_kappa": fleiss_kappa(data, n_levels),
            "icc": icc(data),
            "per_item": per_item,
            "per_rater": per_rater,
            "discuss_first": discuss_first(items),
        }
    )
