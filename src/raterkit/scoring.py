"""Score trainees against the reference key: agreement, bias, weighted kappa and pass/fail.

One trainee is one row of a raters x items matrix; every measure is computed for all rows at
once with numpy (no loop over raters), so a whole cohort, or a simulation of 100,000 raters,
is scored in one pass. Ratings are *positions* on the ordered scale (0 = lowest level) and
``-1`` marks an item the trainee did not answer; unanswered items are left out of every
measure for that trainee.

For items i with key t_i and rating x_i, d_i = x_i - t_i (docs/rating-science.md, "One
trainee against the reference"):

* exact agreement = share of d_i = 0; within-one = share of |d_i| <= 1;
* off-two-plus = number of answered items with |d_i| >= 2 (a count, not a share);
* bias = mean d_i in level steps (+ = lenient, - = severe); MAD = mean |d_i|;
* quadratic weighted kappa (Cohen 1968, with the quadratic disagreement weights
  v_ij = (i - j)^2 of Fleiss & Cohen 1973) over ALL ``n_levels`` levels of the scale.

Cronbach's (1955) accuracy components and Borman's (1977) differential accuracy, for one
rater's ratings of several ratees on several dimensions against true scores, are in
:func:`cronbach_components`.

References
----------
Cohen, J. (1968). Weighted kappa: nominal scale agreement with provision for scaled
disagreement or partial credit. Psychological Bulletin, 70(4), 213-220.
Fleiss, J. L., & Cohen, J. (1973). The equivalence of weighted kappa and the intraclass
correlation coefficient as measures of reliability. Educational and Psychological
Measurement, 33, 613-619.
Lin, L. I.-K. (1989). A concordance correlation coefficient to evaluate reproducibility.
Biometrics, 45, 255-268.
Cronbach, L. J. (1955). Processes affecting scores on "understanding of others" and
"assumed similarity". Psychological Bulletin, 52(3), 177-193.
Borman, W. C. (1977). Consistency of rating accuracy and rating errors in the judgment of
human performance. Organizational Behavior and Human Performance, 20, 238-252.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["PassRule", "Scores", "cronbach_by_rater", "cronbach_components", "score_matrix"]

from .rules import TOLERANCE, PassRule
from .rules import check_n_levels as _check_n_levels

NOT_ANSWERED = -1


@dataclass(frozen=True, eq=False)
class Scores:
    """Per-rater results of :func:`score_matrix`; every array has one entry per rater.

    The arrays are read-only. ``eq=False``: two Scores compare by identity, since element-wise
    array equality has no single truth value.
    """

    n: np.ndarray  # items answered (int)
    exact: np.ndarray  # share 0..1 (nan when n == 0)
    within_one: np.ndarray  # share 0..1 (nan when n == 0)
    off_two_plus: np.ndarray  # COUNT of answered items off by >= 2 levels (int)
    bias: np.ndarray  # mean(rating - key) in level steps, + = lenient (nan when n == 0)
    mad: np.ndarray  # mean |rating - key| (nan when n == 0)
    qwk: np.ndarray  # quadratic weighted kappa over all levels (nan when undefined)
    passed: np.ndarray  # bool, under ``rule``; False when n == 0
    confusion: np.ndarray  # (n_raters, n_levels, n_levels): [rater, reference, rating] counts
    n_levels: int
    rule: PassRule

    @property
    def n_raters(self) -> int:
        return int(self.n.shape[0])

    def records(self, raters: Sequence[str]) -> list[dict[str, Any]]:
        """One plain dict per rater (JSON-ready: python numbers, nan -> None), in row order."""
        raters = list(raters)
        if len(raters) != self.n_raters:
            raise ValueError(
                f"records() got {len(raters)} rater names for {self.n_raters} scored raters; "
                "pass one name per row of the ratings matrix, in the same order."
            )

        def real(value: float) -> float | None:
            value = float(value)
            return None if math.isnan(value) else value

        return [
            {
                "rater": rater,
                "n": int(self.n[r]),
                "exact": real(self.exact[r]),
                "within_one": real(self.within_one[r]),
                "off_two_plus": int(self.off_two_plus[r]),
                "bias": real(self.bias[r]),
                "mad": real(self.mad[r]),
                "qwk": real(self.qwk[r]),
                "passed": bool(self.passed[r]),
            }
            for r, rater in enumerate(raters)
        ]


def _as_positions(name: str, value: Any, ndim: int, shape_hint: str) -> np.ndarray:
    """Level positions as an int64 array of ``ndim`` dimensions, or a ValueError naming the fix."""
    array = np.asarray(value)
    if array.ndim != ndim:
        extra = " For one trainee use ratings[np.newaxis, :]." if name == "ratings" and array.ndim == 1 else ""
        raise ValueError(
            f"{name} must be a {ndim}-D array ({shape_hint}), got {array.ndim}-D with shape {array.shape}.{extra}"
        )
    if array.dtype == bool or array.dtype.kind not in "iuf":
        raise ValueError(
            f"{name} must hold integer level positions (0 = lowest level), got dtype {array.dtype}; "
            "map level ids to positions first (e.g. {'I': 0, 'II': 1, ...})."
        )
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ValueError(
                f"{name} contains NaN or infinity; mark an unanswered item with -1 "
                "(e.g. np.nan_to_num(ratings, nan=-1).astype(int))."
            )
        if (array != np.round(array)).any():
            raise ValueError(f"{name} contains fractional values; pass whole level positions (0 = lowest level).")
    return array.astype(np.int64, copy=False)


def score_matrix(ratings: ArrayLike, key: ArrayLike, n_levels: int, rule: PassRule | None = None) -> Scores:
    """Score every rater (row of ``ratings``) against the reference ``key``.

    ratings: int array (raters x items) of level positions 0..n_levels-1, -1 = not answered.
    key: int array (items,) of reference positions. rule None -> PassRule.default_for(n_levels).

    Quadratic weighted kappa (Cohen 1968; weights (i - j)^2, Fleiss & Cohen 1973) is computed
    per rater over the answered items in its covariance form with population moments,

        QWK = 2 cov(x, t) / (var x + var t + (mean x - mean t)^2),

    which is algebraically equal to 1 - sum_ij v_ij o_ij / sum_ij v_ij e_ij over the full
    n_levels x n_levels table (and to Lin's 1989 concordance correlation), hence to
    ``sklearn.metrics.cohen_kappa_score(key, rating, weights="quadratic",
    labels=range(n_levels))``. Multiplying through by N^2 keeps it in exact integer sums:

        QWK = 2 (N Sxt - Sx St) / (N Sxx + N Stt - 2 Sx St).

    Where kappa is undefined this returns nan exactly where scikit-learn does:

    * trainee and key use one and the same level throughout (both constant and equal): the
      chance-expected disagreement is 0, so kappa is 0/0. scikit-learn returns nan (with an
      UndefinedMetricWarning); so do we, without a warning.
    * both constant but at different levels: expected disagreement (x - t)^2 > 0 and the
      covariance is 0, so QWK = 0.0, as in scikit-learn.
    * one side constant, the other not: covariance 0, QWK = 0.0, as in scikit-learn.
    * no answered items: nan (scikit-learn refuses empty input with a ValueError).

    A trainee passes when n > 0, exact >= rule.exact, within_one >= rule.within_one and
    |bias| <= rule.max_abs_bias, each compared with a 1e-12 tolerance.
    """
    n_levels = _check_n_levels(n_levels)
    if rule is None:
        rule = PassRule.default_for(n_levels)
    elif not isinstance(rule, PassRule):
        raise ValueError(
            f"rule must be a PassRule or None, got {type(rule).__name__}; "
            "e.g. PassRule(exact=0.8) or None for the default of the scale."
        )
    x = _as_positions("ratings", ratings, 2, "raters x items")
    t = _as_positions("key", key, 1, "one reference position per item")
    n_raters, n_items = x.shape
    if t.shape[0] != n_items:
        raise ValueError(
            f"ratings has {n_items} items (columns) but key has {t.shape[0]}; "
            "give the key one reference position per column of ratings, in the same item order."
        )
    top = n_levels - 1
    if t.size and (t.min() < 0 or t.max() > top):
        bad = int(t[(t < 0) | (t > top)][0])
        raise ValueError(
            f"key contains position {bad}, outside 0..{top} for a {n_levels}-level scale; "
            "every item needs a reference level (the key has no 'not answered')."
        )
    if x.size and (x.min() < NOT_ANSWERED or x.max() > top):
        bad = int(x[(x < NOT_ANSWERED) | (x > top)][0])
        raise ValueError(
            f"ratings contains {bad}, outside -1..{top} for a {n_levels}-level scale; "
            "use positions 0..n_levels-1 and -1 for an unanswered item."
        )

    answered = x >= 0
    x = np.where(answered, x, 0)  # unanswered cells drop out of every sum below
    t_cells = np.where(answered, t, 0)
    d = x - t_cells
    abs_d = np.abs(d)

    n = answered.sum(axis=1)
    exact_count = (answered & (d == 0)).sum(axis=1)
    within_count = (answered & (abs_d <= 1)).sum(axis=1)
    off_two_plus = (abs_d >= 2).sum(axis=1)
    sum_d = d.sum(axis=1)
    sum_abs_d = abs_d.sum(axis=1)

    # Integer moments; exact while 4 * (n_items * top)^2 fits in int64, float64 beyond.
    moment = np.int64 if n_items * top < 2**30 else np.float64
    sx = x.sum(axis=1, dtype=moment)
    st = t_cells.sum(axis=1, dtype=moment)
    sxx = (x * x).sum(axis=1, dtype=moment)
    stt = (t_cells * t_cells).sum(axis=1, dtype=moment)
    sxt = (x * t_cells).sum(axis=1, dtype=moment)
    n_m = n.astype(moment)
    numerator = 2 * (n_m * sxt - sx * st)
    denominator = n_m * sxx + n_m * stt - 2 * sx * st  # = N^2 (var x + var t + (x̄ - t̄)^2) >= 0

    has_items = n > 0
    exact = _share(exact_count, n, has_items)
    within_one = _share(within_count, n, has_items)
    bias = _share(sum_d, n, has_items)
    mad = _share(sum_abs_d, n, has_items)
    qwk = _share(numerator, denominator, denominator > 0)

    with np.errstate(invalid="ignore"):  # nan compares False, which is the answer we want
        passed = (
            has_items
            & (exact >= rule.exact - TOLERANCE)
            & (within_one >= rule.within_one - TOLERANCE)
            & (np.abs(bias) <= rule.max_abs_bias + TOLERANCE)
        )

    # Confusion: one bincount over flat indices [rater, reference, rating] of answered cells.
    rows = np.broadcast_to(np.arange(n_raters)[:, None], answered.shape)[answered]
    flat = (rows * n_levels + np.broadcast_to(t, answered.shape)[answered]) * n_levels + x[answered]
    confusion = np.bincount(flat, minlength=n_raters * n_levels * n_levels).reshape(n_raters, n_levels, n_levels)

    arrays = dict(
        n=n.astype(np.int64),
        exact=exact,
        within_one=within_one,
        off_two_plus=off_two_plus.astype(np.int64),
        bias=bias,
        mad=mad,
        qwk=qwk,
        passed=passed,
        confusion=confusion.astype(np.int64, copy=False),
    )
    for array in arrays.values():
        array.setflags(write=False)
    return Scores(**arrays, n_levels=n_levels, rule=rule)


def _share(numerator: np.ndarray, denominator: np.ndarray, defined: np.ndarray) -> np.ndarray:
    """numerator / denominator as float, nan where not ``defined`` (and no numpy warning)."""
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=defined)
    return out


def _as_scores(name: str, value: Any) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == bool or array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be numeric, got dtype {array.dtype}.")
    array = array.astype(np.float64)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 2-D array (ratees x dimensions), got shape {array.shape}; "
            "for a single dimension use values[:, np.newaxis]."
        )
    if not np.isfinite(array).all():
        raise ValueError(
            f"{name} has missing (NaN) or infinite values; Cronbach's components need every "
            "ratee rated on every dimension, so drop incomplete ratees first."
        )
    return array


def cronbach_components(ratings: ArrayLike, truth: ArrayLike) -> dict[str, float]:
    """Cronbach (1955) accuracy components for ratings x_ij and true scores t_ij of ratees i
    (rows) on dimensions j (columns), float 2-D arrays of equal shape, no missing values.

    With dots for means over that index (docs/rating-science.md, "Cronbach's accuracy components"):

    * D2  = mean_ij (x_ij - t_ij)^2                              overall squared distance
    * E2  = (x.. - t..)^2                                        elevation
    * DE2 = mean_i [(x_i. - x..) - (t_i. - t..)]^2               differential elevation
    * SA2 = mean_j [(x_.j - x..) - (t_.j - t..)]^2               stereotype accuracy
    * DA2 = mean_ij (r^x_ij - r^t_ij)^2, r_ij = v_ij - v_i. - v_.j + v..   differential accuracy

    and D2 == E2 + DE2 + SA2 + DA2 (the four parts are orthogonal). With one dimension SA2 and
    DA2 are 0. Lower is more accurate.

    'borman_da' is Borman's (1977) differential accuracy: the Pearson correlation, across
    ratees, between ratings and true scores on each dimension, averaged (plain mean) over
    dimensions. Higher is more accurate. A dimension on which the ratings or the true scores
    are constant has no correlation; borman_da is then nan rather than an average over the
    other dimensions, so a flat column is never silently dropped.
    """
    x = _as_scores("ratings", ratings)
    t = _as_scores("truth", truth)
    if x.shape != t.shape:
        raise ValueError(
            f"ratings has shape {x.shape} but truth has shape {t.shape}; both must be "
            "ratees x dimensions, with the same ratees and dimensions in the same order."
        )

    def centre(v: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        grand = v.mean()
        rows = v.mean(axis=1)
        cols = v.mean(axis=0)
        residual = v - rows[:, None] - cols[None, :] + grand
        return grand, rows - grand, cols - grand, residual

    x_grand, x_rows, x_cols, x_res = centre(x)
    t_grand, t_rows, t_cols, t_res = centre(t)

    components = {
        "D2": float(np.mean((x - t) ** 2)),
        "E2": float((x_grand - t_grand) ** 2),
        "DE2": float(np.mean((x_rows - t_rows) ** 2)),
        "SA2": float(np.mean((x_cols - t_cols) ** 2)),
        "DA2": float(np.mean((x_res - t_res) ** 2)),
    }

    # Exact test for a flat column (a float mean of equal values need not equal them).
    flat = (np.ptp(x, axis=0) == 0) | (np.ptp(t, axis=0) == 0)
    xc = x - x.mean(axis=0)
    tc = t - t.mean(axis=0)
    spread = np.sqrt((xc**2).sum(axis=0) * (tc**2).sum(axis=0))
    per_dimension = _share((xc * tc).sum(axis=0), spread, ~flat & (spread > 0))
    components["borman_da"] = float(np.mean(per_dimension))
    return components


def cronbach_by_rater(ratings: ArrayLike, key: ArrayLike, grid: ArrayLike) -> list[dict[str, float] | None]:
    """Cronbach's accuracy components for each rater, over the behaviours (vignettes) rated on
    several criteria.

    ``ratings``: int array (raters x items), -1 = not answered; ``key``: int array (items,);
    ``grid``: int array (vignettes x criteria) of item columns, so that ``ratings[r][grid]`` is
    rater r's ratees x dimensions table and ``key[grid]`` the true scores. A rater's components
    use the vignettes they rated on every criterion; with fewer than two such vignettes there is
    nothing to decompose and the entry is None. See :func:`cronbach_components`.
    """
    ratings = _as_positions("ratings", ratings, 2, "(raters, items)")
    key = _as_positions("key", key, 1, "(items,)")
    grid = np.asarray(grid)
    if grid.ndim != 2 or grid.size == 0 or not np.issubdtype(grid.dtype, np.integer):
        raise ValueError(
            "grid must be a 2-D array of item columns (vignettes x criteria); build it from Quiz.vignettes()."
        )
    if grid.min() < 0 or grid.max() >= key.shape[0]:
        raise ValueError(f"grid names item columns outside 0..{key.shape[0] - 1}; it must index the ratings' columns.")
    truth = key[grid].astype(float)
    out: list[dict[str, float] | None] = []
    for row in ratings:  # a handful of vignettes per rater: a loop over raters is cheap here
        table = row[grid]
        complete = (table >= 0).all(axis=1)
        if complete.sum() < 2:
            out.append(None)
            continue
        out.append(cronbach_components(table[complete].astype(float), truth[complete]))
    return out
