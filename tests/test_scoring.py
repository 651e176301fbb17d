"""Stories for the one-trainee-vs-key scoring engine, checked against scikit-learn and worked examples."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, mean_absolute_error

from raterkit.scoring import PassRule, Scores, cronbach_components, score_matrix

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- helpers


def sklearn_qwk(key: np.ndarray, rating: np.ndarray, n_levels: int) -> float:
    """The oracle, with every level of the scale passed as a label; nan where sklearn says undefined."""
    if key.size == 0:
        return float("nan")  # sklearn refuses empty input
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return float(cohen_kappa_score(key, rating, weights="quadratic", labels=list(range(n_levels))))


def assert_same(actual: float, expected: float, atol: float = 1e-12) -> None:
    if np.isnan(expected):
        assert np.isnan(actual), f"expected nan, got {actual}"
    else:
        assert actual == pytest.approx(expected, rel=0, abs=atol)


def assert_rater_matches_sklearn(scores: Scores, r: int, ratings: np.ndarray, key: np.ndarray) -> None:
    n_levels = scores.n_levels
    answered = ratings[r] >= 0
    rating, reference = ratings[r][answered], key[answered]
    assert scores.n[r] == answered.sum()
    assert_same(scores.qwk[r], sklearn_qwk(reference, rating, n_levels))
    labels = list(range(n_levels))
    if answered.any():
        np.testing.assert_array_equal(scores.confusion[r], confusion_matrix(reference, rating, labels=labels))
        d = rating - reference
        assert_same(scores.exact[r], accuracy_score(reference, rating))
        assert_same(scores.mad[r], mean_absolute_error(reference, rating))
        assert_same(scores.bias[r], float(np.mean(d)))
        assert_same(scores.within_one[r], float(np.mean(np.abs(d) <= 1)))
        assert scores.off_two_plus[r] == int(np.sum(np.abs(d) >= 2))
    else:
        assert not scores.confusion[r].any()
        for measure in (scores.exact, scores.within_one, scores.bias, scores.mad):
            assert np.isnan(measure[r])
        assert scores.off_two_plus[r] == 0
        assert not scores.passed[r]


@st.composite
def rated_items(draw, max_raters: int = 4, max_items: int = 25):
    """A scale, a key and a raters x items matrix with some unanswered (-1) cells."""
    n_levels = draw(st.integers(2, 7))
    n_items = draw(st.integers(1, max_items))
    n_raters = draw(st.integers(1, max_raters))
    # Draw from a random subset of levels, so some levels of the scale go unused.
    used = draw(st.lists(st.integers(0, n_levels - 1), min_size=1, max_size=n_levels, unique=True))
    key = np.array(draw(st.lists(st.sampled_from(used), min_size=n_items, max_size=n_items)))
    cells = st.sampled_from([-1, *used]) if draw(st.booleans()) else st.integers(-1, n_levels - 1)
    ratings = np.array(
        draw(
            st.lists(
                st.lists(cells, min_size=n_items, max_size=n_items),
                min_size=n_raters,
                max_size=n_raters,
            )
        )
    ).reshape(n_raters, n_items)
    return ratings, key, n_levels


# --------------------------------------------------------------------------- oracle: scikit-learn


@FAST
@given(rated_items())
def test_every_measure_matches_scikit_learn_on_any_answer_sheet(case):
    ratings, key, n_levels = case
    scores = score_matrix(ratings, key, n_levels)
    for r in range(ratings.shape[0]):
        assert_rater_matches_sklearn(scores, r, ratings, key)


@pytest.mark.slow  # 720 scikit-learn calls: in `make test`, not in the fast loop
def test_a_seeded_cohort_matches_scikit_learn_rater_by_rater():
    """120 raters per scale length, with gaps, unused levels and the degenerate kappa cases."""
    rng = np.random.default_rng(20240611)
    for n_levels in (2, 3, 4, 5, 6, 9):
        n_items = 40
        key = rng.integers(0, n_levels, n_items)
        key[: n_items // 2] = min(1, n_levels - 1)  # lean on one level, like real practice sets
        if n_levels >= 4:
            key[key == 2] = 3  # level 2 is on the scale but never the reference
        noise = rng.choice([-2, -1, 0, 0, 0, 1, 2], size=(120, n_items))
        ratings = np.clip(key + noise, 0, n_levels - 1)
        ratings[rng.random(ratings.shape) < 0.1] = -1
        ratings[0] = key  # perfect
        ratings[1] = -1  # answered nothing
        ratings[2] = n_levels - 1  # one level throughout
        ratings[3, :] = -1  # answered only items whose key is the same level ...
        same = np.flatnonzero(key == key[0])
        ratings[3, same] = key[0]  # ... and agreed: kappa 0/0, nan in sklearn too
        ratings[4, :] = -1
        ratings[4, same] = (key[0] + 1) % n_levels  # both constant, different: kappa 0
        scores = score_matrix(ratings, key, n_levels)
        assert np.isnan(scores.qwk[1]) and np.isnan(scores.qwk[3]) and scores.qwk[4] == 0.0
        for r in range(ratings.shape[0]):
            assert_rater_matches_sklearn(scores, r, ratings, key)


def test_kappa_counts_every_level_of_the_scale_even_when_nobody_used_one():
    """Level 2 of a 5-level scale is never used. Without ``labels`` scikit-learn would drop it,
    close the gap between levels 1 and 3 and report a different kappa; the engine, like
    sklearn with all labels, keeps the scale's real distances."""
    key = np.array([0, 1, 3, 4, 1, 3, 0, 4])
    rating = np.array([1, 1, 3, 3, 0, 4, 0, 4])
    scores = score_matrix(rating[None, :], key, 5)
    with_all_levels = cohen_kappa_score(key, rating, weights="quadratic", labels=list(range(5)))
    observed_levels_only = cohen_kappa_score(key, rating, weights="quadratic")
    assert scores.qwk[0] == pytest.approx(with_all_levels, abs=1e-12)
    assert with_all_levels != pytest.approx(observed_levels_only, abs=1e-3)


# --------------------------------------------------------------------------- published example


RADIOLOGISTS = np.array(
    [  # rows: radiologist A (reference), columns: radiologist B; normal, benign, suspect, cancer
        [21, 12, 0, 0],
        [4, 17, 1, 0],
        [3, 9, 15, 2],
        [0, 0, 0, 1],
    ]
)


def _table_to_vectors(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.indices(table.shape)
    counts = table.ravel()
    return np.repeat(rows.ravel(), counts), np.repeat(cols.ravel(), counts)


def test_published_radiologist_example_gives_the_published_weighted_kappa():
    """Two radiologists classify 85 xeromammograms as normal, benign, suspected cancer or
    cancer (Boyd et al. 1982, J Natl Cancer Inst 68:357-363; discussed as a kappa example in
    Altman 1991, Practical Statistics for Medical Research, pp. 403-405):

                    B: normal  benign  suspect  cancer   total
        A: normal        21      12       0        0      33
           benign         4      17       1        0      22
           suspect        3       9      15        2      29
           cancer         0       0       0        1       1
           total         28      38      16        3      85

    The Stata Base Reference Manual, [R] kappa, analyses this table (dataset rate2.dta,
    "Altman p. 403"): unweighted ``kap rada radb`` prints agreement 63.53 %, expected
    30.82 %, kappa 0.4728; ``kap rada radb, wgt(w2)`` (weights 1 - ((i - j)/(k - 1))^2, that
    is quadratic) prints agreement 94.77 %, expected 84.09 %, kappa 0.6714.

    Honesty note: these printed figures are quoted from memory of the manual; the page could
    not be re-read when this test was written. The unweighted ones are plain arithmetic on
    the table (54/85 and 2227/85^2), which confirms the table itself. The quadratic kappa is
    checked here to the manual's 4 decimals, and independently by the covariance identity
    (next test) and by scikit-learn (tests above), so the test does not rest on memory alone.
    """
    reference, rating = _table_to_vectors(RADIOLOGISTS)
    scores = score_matrix(rating[None, :], reference, 4)
    np.testing.assert_array_equal(scores.confusion[0], RADIOLOGISTS)
    assert round(float(scores.exact[0]) * 100, 2) == 63.53
    assert round(float(scores.qwk[0]), 4) == 0.6714
    # The weighted observed / expected agreement behind it, with Stata's w2 weights:
    n = RADIOLOGISTS.sum()
    levels = np.arange(4)
    weights = 1 - ((levels[:, None] - levels[None, :]) / 3) ** 2
    observed = (weights * RADIOLOGISTS).sum() / n
    expected = (weights * np.outer(RADIOLOGISTS.sum(1), RADIOLOGISTS.sum(0))).sum() / n**2
    assert (round(observed * 100, 2), round(expected * 100, 2)) == (94.77, 84.09)
    assert scores.qwk[0] == pytest.approx((observed - expected) / (1 - expected), abs=1e-12)


def test_kappa_equals_the_covariance_form_with_population_moments():
    """Second, independent check (docs/rating-science.md): QWK = 2 cov(x,t) / (var x + var t +
    (mean x - mean t)^2), population moments, computed here with plain numpy floats."""
    reference, rating = _table_to_vectors(RADIOLOGISTS)
    rng = np.random.default_rng(7)
    cases = [(reference, rating, 4)]
    for _ in range(50):
        n_levels = int(rng.integers(2, 8))
        t = rng.integers(0, n_levels, 30)
        x = np.clip(t + rng.integers(-2, 3, 30), 0, n_levels - 1)
        cases.append((t, x, n_levels))
    for t, x, n_levels in cases:
        cov = np.mean((x - x.mean()) * (t - t.mean()))
        expected = 2 * cov / (x.var() + t.var() + (x.mean() - t.mean()) ** 2)
        assert score_matrix(x[None, :], t, n_levels).qwk[0] == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- degenerate kappa


def test_kappa_is_undefined_when_trainee_and_key_use_one_same_level_throughout():
    """Both constant and equal: chance-expected disagreement is 0, kappa is 0/0. scikit-learn
    returns nan with an UndefinedMetricWarning; the engine returns nan quietly."""
    key = np.array([2, 2, 2, 2])
    scores = score_matrix(key[None, :], key, 5)
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(cohen_kappa_score(key, key, weights="quadratic", labels=list(range(5))))
    assert np.isnan(scores.qwk[0])
    assert scores.exact[0] == 1.0 and scores.passed[0]  # kappa is reported, not part of the rule


def test_kappa_is_zero_when_trainee_and_key_are_constant_at_different_levels():
    key = np.array([1, 1, 1])
    rating = np.array([3, 3, 3])
    scores = score_matrix(rating[None, :], key, 5)
    assert cohen_kappa_score(key, rating, weights="quadratic", labels=list(range(5))) == 0.0
    assert scores.qwk[0] == 0.0


def test_trainee_who_gives_one_level_to_a_varied_key_gets_kappa_zero():
    key = np.array([0, 1, 2, 3])
    scores = score_matrix(np.full((1, 4), 2), key, 4)
    assert scores.qwk[0] == 0.0


def test_trainee_who_answered_nothing_has_no_scores_and_does_not_pass():
    scores = score_matrix(np.full((1, 3), -1), np.array([0, 1, 2]), 3)
    (record,) = scores.records(["ana"])
    assert record == {
        "rater": "ana",
        "n": 0,
        "exact": None,
        "within_one": None,
        "off_two_plus": 0,
        "bias": None,
        "mad": None,
        "qwk": None,
        "passed": False,
    }


# --------------------------------------------------------------------------- properties


@FAST
@given(rated_items(max_raters=1))
def test_trainee_who_matches_the_key_agrees_perfectly(case):
    _, key, n_levels = case
    scores = score_matrix(key[None, :], key, n_levels)
    assert scores.exact[0] == 1.0 and scores.within_one[0] == 1.0
    assert scores.bias[0] == 0.0 and scores.mad[0] == 0.0 and scores.off_two_plus[0] == 0
    assert scores.passed[0]
    if np.unique(key).size > 1:
        assert scores.qwk[0] == pytest.approx(1.0, abs=1e-12)
    else:
        assert np.isnan(scores.qwk[0])  # undefined, as in scikit-learn


def test_trainee_who_is_always_one_level_high_is_told_they_are_lenient():
    key = np.array([0, 1, 2, 0, 1, 2, 1, 0])
    scores = score_matrix((key + 1)[None, :], key, 4)
    (record,) = scores.records(["lee"])
    assert record["bias"] == 1.0  # + = lenient, in level steps
    assert record["exact"] == 0.0 and record["within_one"] == 1.0
    assert record["passed"] is False


@FAST
@given(rated_items(max_raters=1))
def test_raising_every_rating_one_level_shows_a_bias_of_plus_one(case):
    _, key, n_levels = case
    top = n_levels - 1
    ratings = np.where(key < top, key + 1, -1)  # items already at the top cannot go higher
    if not (key < top).any():
        return
    assert score_matrix(ratings[None, :], key, n_levels).bias[0] == 1.0


@FAST
@given(rated_items(), st.randoms(use_true_random=False))
def test_item_order_never_changes_any_result(case, random):
    ratings, key, n_levels = case
    order = list(range(key.size))
    random.shuffle(order)
    before = score_matrix(ratings, key, n_levels)
    after = score_matrix(ratings[:, order], key[order], n_levels)
    for name in ("n", "exact", "within_one", "off_two_plus", "bias", "mad", "qwk", "passed", "confusion"):
        np.testing.assert_array_equal(getattr(before, name), getattr(after, name), err_msg=name)


@FAST
@given(rated_items())
def test_unanswered_items_are_ignored(case):
    ratings, key, n_levels = case
    full = score_matrix(ratings, key, n_levels)
    for r in range(ratings.shape[0]):
        answered = ratings[r] >= 0
        alone = score_matrix(ratings[r, answered][None, :], key[answered], n_levels)
        assert full.records(["x"] * ratings.shape[0])[r] == alone.records(["x"])[0]
        np.testing.assert_array_equal(full.confusion[r], alone.confusion[0])


def test_a_whole_cohort_is_scored_at_once():
    rng = np.random.default_rng(3)
    key = rng.integers(0, 5, 50)
    ratings = np.clip(key + rng.integers(-1, 2, (20_000, 50)), 0, 4)
    scores = score_matrix(ratings, key, 5)
    assert scores.n.shape == (20_000,) and scores.confusion.shape == (20_000, 5, 5)
    assert (scores.confusion.sum(axis=(1, 2)) == 50).all()
    with pytest.raises(ValueError):  # results are read-only
        scores.qwk[0] = 0.0


# --------------------------------------------------------------------------- pass rule


@pytest.mark.parametrize(("n_levels", "exact"), [(2, 0.90), (3, 0.80), (4, 0.70), (5, 0.70), (6, 0.70), (9, 0.70)])
def test_default_rule_follows_naep_practice(n_levels, exact):
    rule = PassRule.default_for(n_levels)
    assert (rule.exact, rule.within_one, rule.max_abs_bias) == (exact, 0.95, 0.5)


def test_trainer_reads_the_rule_in_plain_words():
    assert PassRule.default_for(5).describe() == (
        "at least 70% exact, 95% within one level, average bias within ±0.5 levels"
    )
    assert PassRule(exact=0.875, within_one=1.0, max_abs_bias=1).describe() == (
        "at least 87.5% exact, 100% within one level, average bias within ±1 level"
    )


def test_trainee_with_exactly_seventy_percent_exact_passes():
    key = np.array([1, 2, 3, 1, 2, 3, 1, 2, 3, 0])
    rating = key.copy()
    rating[[0, 1, 2]] += np.array([1, -1, -1])  # 7 of 10 exact, the rest one level off
    scores = score_matrix(rating[None, :], key, 4)
    assert scores.exact[0] == pytest.approx(0.7) and scores.passed[0]
    rating[3] += 1  # 6 of 10
    assert not score_matrix(rating[None, :], key, 4).passed[0]


def test_trainee_on_every_boundary_at_once_passes():
    """20 items on a 6-level scale: 14 exact (.70), 5 one level high, 1 five levels high:
    within-one 19/20 = .95 and bias (5 + 5)/20 = +.5 exactly."""
    key = np.zeros(20, dtype=int)
    rating = key.copy()
    rating[14:19] = 1
    rating[19] = 5
    scores = score_matrix(rating[None, :], key, 6)
    assert (scores.exact[0], scores.within_one[0], scores.bias[0]) == (0.7, 0.95, 0.5)
    assert scores.off_two_plus[0] == 1
    assert scores.passed[0]


def test_bias_of_exactly_half_a_level_passes():
    key = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    rating = key + np.array([1, 0, 1, 0, 1, 0, 1, 0])
    rule = PassRule(exact=0.5)
    scores = score_matrix(rating[None, :], key, 4, rule)
    assert scores.bias[0] == 0.5 and scores.passed[0]


def test_lenient_trainee_fails_on_bias_even_with_enough_exact_agreement():
    """14/20 exact and 19/20 within one meet the rule, but one rating six levels high lifts
    the average to +.55 level: the trainee is told to rate lower, not to agree more."""
    key = np.zeros(20, dtype=int)
    rating = key.copy()
    rating[14:19] = 1
    rating[19] = 6
    scores = score_matrix(rating[None, :], key, 7)
    assert scores.exact[0] >= 0.7 and scores.within_one[0] >= 0.95
    assert scores.bias[0] == pytest.approx(0.55)
    assert not scores.passed[0]


# --------------------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    ("ratings", "key", "n_levels", "message"),
    [
        ([0, 1, 2], [0, 1, 2], 3, r"2-D .*ratings\[np.newaxis, :\]"),
        ([[0, 1, 2]], [[0, 1, 2]], 3, "key must be a 1-D array"),
        ([[0, 1, 2]], [0, 1], 3, "ratings has 3 items .* key has 2"),
        ([[0, 1]], [0, 3], 3, r"key contains position 3, outside 0..2"),
        ([[0, 1]], [-1, 2], 3, r"key contains position -1, .* key has no 'not answered'"),
        ([[0, -2]], [0, 1], 3, r"ratings contains -2, outside -1..2 .* -1 for an unanswered"),
        ([[0, 3]], [0, 1], 3, r"ratings contains 3, outside -1..2"),
        ([[0, 1]], [0, 1], 1, "n_levels must be at least 2"),
        ([[0, 1]], [0, 1], 2.0, "n_levels must be a whole number"),
        ([[0.5, 1]], [0, 1], 3, "fractional"),
        ([[np.nan, 1]], [0, 1], 3, "mark an unanswered item with -1"),
        ([["I", "II"]], [0, 1], 3, "map level ids to positions"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_fix(ratings, key, n_levels, message):
    with pytest.raises(ValueError, match=message):
        score_matrix(ratings, key, n_levels)


def test_whole_number_floats_are_accepted_as_positions():
    scores = score_matrix(np.array([[0.0, 1.0, -1.0]]), np.array([0.0, 1.0, 2.0]), 3)
    assert scores.n[0] == 2 and scores.exact[0] == 1.0


@pytest.mark.parametrize("n_levels", [1, 0, -3])
def test_default_rule_needs_a_real_scale(n_levels):
    with pytest.raises(ValueError, match="at least 2.*number of levels"):
        PassRule.default_for(n_levels)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(exact=70), "write 70% as 0.70"),
        (dict(exact=0.7, within_one=-0.1), "within_one must be a share"),
        (dict(exact=0.7, max_abs_bias=-1), "max_abs_bias must be"),
        (dict(exact=0.7, max_abs_bias=float("nan")), "max_abs_bias must be"),
    ],
)
def test_a_pass_rule_out_of_range_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PassRule(**kwargs)


def test_records_need_one_name_per_rater():
    scores = score_matrix([[0, 1], [1, 1]], [0, 1], 2)
    with pytest.raises(ValueError, match="2 scored raters"):
        scores.records(["only-one"])


def test_rule_must_be_a_pass_rule():
    with pytest.raises(ValueError, match="PassRule"):
        score_matrix([[0, 1]], [0, 1], 2, rule=0.7)


# --------------------------------------------------------------------------- Cronbach / Borman

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@st.composite
def ratee_tables(draw):
    n, k = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    cells = st.lists(finite, min_size=n * k, max_size=n * k)
    return np.array(draw(cells)).reshape(n, k), np.array(draw(cells)).reshape(n, k)


@FAST
@given(ratee_tables())
def test_cronbach_components_add_up_to_the_overall_distance(tables):
    parts = cronbach_components(*tables)
    total = parts["E2"] + parts["DE2"] + parts["SA2"] + parts["DA2"]
    assert parts["D2"] == pytest.approx(total, rel=1e-9, abs=1e-9)
    assert min(parts["D2"], parts["E2"], parts["DE2"], parts["SA2"], parts["DA2"]) >= 0


@FAST
@given(st.integers(1, 10).flatmap(lambda n: st.tuples(*[st.lists(finite, min_size=n, max_size=n)] * 2)))
def test_with_one_dimension_there_is_no_stereotype_or_differential_accuracy(columns):
    x, t = (np.array(c)[:, None] for c in columns)
    parts = cronbach_components(x, t)
    assert parts["SA2"] == pytest.approx(0, abs=1e-12)
    assert parts["DA2"] == pytest.approx(0, abs=1e-12)


def test_cronbach_worked_example_by_hand():
    """Three ratees, two dimensions; true scores t and one rater's ratings x:

        t = [[3, 2],      x = [[4, 2],      d = x - t = [[1, 0],
             [3, 2],           [3, 3],                   [0, 1],
             [1, 1]]           [3, 2]]                   [2, 1]]

    Every component is a function of d (the t and x means enter only as differences):
      D2  = (1 + 0 + 0 + 1 + 4 + 1) / 6                         = 7/6
      E2  = d.. ^2 = (5/6)^2                                     = 25/36
      DE2 : row means d_i. = 1/2, 1/2, 3/2; minus 5/6 -> -1/3, -1/3, 2/3;
            mean of squares (1/9 + 1/9 + 4/9) / 3                = 2/9
      SA2 : column means d_.j = 1, 2/3; minus 5/6 -> 1/6, -1/6;
            mean of squares (1/36 + 1/36) / 2                    = 1/36
      DA2 : residuals d_ij - d_i. - d_.j + d.. =
            [[1/3, -1/3], [-2/3, 2/3], [1/3, -1/3]]; mean of squares (12/9) / 6 = 2/9
      check: 25/36 + 8/36 + 1/36 + 8/36 = 42/36 = 7/6 = D2.
    Borman: dimension 1, x = (4, 3, 3), t = (3, 3, 1): deviations (2/3, -1/3, -1/3) and
      (2/3, 2/3, -4/3); cross-product 2/3, sums of squares 2/3 and 8/3, r = (2/3)/(4/3) = 1/2.
      Dimension 2, x = (2, 3, 2), t = (2, 2, 1): cross-product 1/3, sums of squares 2/3 and
      2/3, r = 1/2. Mean over dimensions: 1/2.
    """
    t = np.array([[3, 2], [3, 2], [1, 1]], dtype=float)
    x = np.array([[4, 2], [3, 3], [3, 2]], dtype=float)
    parts = cronbach_components(x, t)
    expected = {"D2": 7 / 6, "E2": 25 / 36, "DE2": 2 / 9, "SA2": 1 / 36, "DA2": 2 / 9, "borman_da": 0.5}
    assert parts == pytest.approx(expected, abs=1e-12)


def test_perfect_ratings_have_no_inaccuracy_and_full_differential_accuracy():
    t = np.array([[1, 4, 2], [3, 3, 5], [2, 5, 1], [4, 1, 3]], dtype=float)
    parts = cronbach_components(t.copy(), t)
    assert {k: parts[k] for k in ("D2", "E2", "DE2", "SA2", "DA2")} == dict.fromkeys(
        ("D2", "E2", "DE2", "SA2", "DA2"), 0.0
    )
    assert parts["borman_da"] == pytest.approx(1.0)


def test_borman_accuracy_is_the_mean_per_dimension_correlation():
    rng = np.random.default_rng(11)
    t = rng.normal(size=(12, 4))
    x = t + rng.normal(scale=0.8, size=t.shape)
    per_dimension = [np.corrcoef(x[:, j], t[:, j])[0, 1] for j in range(4)]
    assert cronbach_components(x, t)["borman_da"] == pytest.approx(np.mean(per_dimension), abs=1e-12)


def test_borman_accuracy_is_undefined_when_a_rater_gives_everyone_the_same_score():
    t = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]])
    x = np.array([[0.1, 2.0], [0.1, 3.0], [0.1, 4.0]])  # flat on dimension 1
    parts = cronbach_components(x, t)
    assert np.isnan(parts["borman_da"])
    assert parts["D2"] == pytest.approx(parts["E2"] + parts["DE2"] + parts["SA2"] + parts["DA2"])


@pytest.mark.parametrize(
    ("x", "t", "message"),
    [
        (np.ones((3, 2)), np.ones((3, 3)), "same ratees and dimensions"),
        (np.ones(3), np.ones(3), r"2-D .*values\[:, np.newaxis\]"),
        (np.ones((0, 2)), np.ones((0, 2)), "non-empty"),
        (np.array([[1.0, np.nan]]), np.ones((1, 2)), "drop incomplete ratees"),
    ],
)
def test_cronbach_refuses_bad_tables(x, t, message):
    with pytest.raises(ValueError, match=message):
        cronbach_components(x, t)


# ----------------------------------------------------------------------------- Cronbach per rater


def test_cronbach_by_rater_decomposes_each_trainees_accuracy_over_the_vignettes_they_completed():
    from raterkit.scoring import cronbach_by_rater

    # 3 vignettes x 3 criteria; items 0..8 laid out vignette by vignette
    grid = np.arange(9).reshape(3, 3)
    key = np.array([1, 2, 1, 0, 1, 0, 3, 3, 2])
    accurate = key.copy()
    halo = np.array([2, 2, 2, 1, 1, 1, 3, 3, 3])  # one impression per behaviour, every criterion alike
    gap = key.copy()
    gap[[0, 3]] = -1  # skipped two vignettes' first criterion: only one complete vignette left
    results = cronbach_by_rater(np.vstack([accurate, halo, gap]), key, grid)
    assert results[0] == cronbach_components(key[grid].astype(float), key[grid].astype(float))
    assert [results[0][k] for k in ("D2", "E2", "DE2", "SA2", "DA2")] == pytest.approx([0, 0, 0, 0, 0])
    assert results[0]["borman_da"] == pytest.approx(1.0)  # a correlation: perfect accuracy is 1
    expected = cronbach_components(halo[grid].astype(float), key[grid].astype(float))
    assert results[1] == expected
    assert expected["DA2"] > 0 and expected["D2"] == pytest.approx(
        expected["E2"] + expected["DE2"] + expected["SA2"] + expected["DA2"]
    )
    assert results[2] is None


def test_cronbach_by_rater_rejects_a_grid_that_does_not_index_the_items():
    from raterkit.scoring import cronbach_by_rater

    with pytest.raises(ValueError, match="grid"):
        cronbach_by_rater(np.zeros((1, 4), dtype=int), np.zeros(4, dtype=int), np.array([[0, 9]]))
