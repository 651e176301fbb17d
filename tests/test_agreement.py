"""Many raters on the same items: what a workshop facilitator learns from raterkit.agreement.

Statistics are checked against their library oracles (the GPL packages ``krippendorff`` and
``pingouin``, used here only, and ``statsmodels``) and against published worked examples.
"""

from __future__ import annotations

import ast
import json
import math
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

import raterkit.agreement as agreement
import raterkit.rules as rules
from raterkit.agreement import (
    compare_rounds,
    discuss_first,
    fleiss_items,
    fleiss_kappa,
    halo,
    icc,
    item_table,
    krippendorff_alpha,
    level_counts,
    rater_table,
    summarize,
)

NAN = np.nan
LEVELS = ("nominal", "ordinal", "interval")

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x
# 12 units, values 1..5, with missing data. Reproduced in the krippendorff package's docstring
# and tests (ordinal 0.815; nominal 0.743 on the same data as strings). Here as positions 0..4.
KRIPPENDORFF_2011 = (
    np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
            [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
        ]
    )
    - 1
)

# Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges (rows = targets), as reproduced in the
# help page of R psych::ICC. Here transposed to raterkit's (raters, items).
SHROUT_FLEISS_1979 = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float
).T

# Fleiss (1971): 30 patients x 6 psychiatrists, 5 diagnoses; the rater-by-rater layout of R
# irr's `diagnoses`, as in statsmodels' test suite (statsmodels/stats/tests/test_inter_rater.py).
FLEISS_1971_DIAGNOSES = np.array(
    [
        [4, 4, 4, 4, 4, 4],
        [2, 2, 2, 5, 5, 5],
        [2, 3, 3, 3, 3, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4],
        [1, 1, 3, 3, 3, 3],
        [3, 3, 3, 3, 5, 5],
        [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4],
        [5, 5, 5, 5, 5, 5],
        [1, 4, 4, 4, 4, 4],
        [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3],
        [1, 4, 4, 4, 4, 4],
        [2, 2, 4, 4, 4, 5],
        [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5],
        [1, 1, 1, 1, 1, 2],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 4, 4, 4, 4, 4],
        [2, 2, 4, 5, 5, 5],
        [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5],
        [2, 2, 2, 2, 2, 4],
        [1, 1, 1, 1, 5, 5],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3],
        [5, 5, 5, 5, 5, 5],
    ]
)


def oracle_alpha(ratings: np.ndarray, level: str, n_levels: int) -> float:
    """The krippendorff package over the same value domain; nan where it has no answer."""
    try:
        with np.errstate(all="ignore"):
            return float(
                krippendorff.alpha(
                    reliability_data=ratings,
                    level_of_measurement=level,
                    value_domain=list(range(n_levels)),
                )
            )
    except ValueError:  # "no unit with values assigned by at least two coders"
        return math.nan


def oracle_icc(ratings: np.ndarray) -> list[float]:
    """pingouin's six ICCs in its row order: ICC(1,1), (A,1), (C,1), (1,k), (A,k), (C,k)."""
    raters, items = ratings.shape
    long = pd.DataFrame(
        [(i, r, ratings[r, i]) for i in range(items) for r in range(raters)],
        columns=["target", "rater", "score"],
    )
    with warnings.catch_warnings():
        # pingouin 0.7 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1.
        warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
        table = pingouin.intraclass_corr(long, targets="target", raters="rater", ratings="score")
    return table["ICC"].tolist()


@st.composite
def reliability_data(draw, max_raters: int = 6, max_items: int = 12):
    n_levels = draw(st.integers(2, 7))
    raters = draw(st.integers(1, max_raters))
    items = draw(st.integers(1, max_items))
    cells = draw(
        st.lists(
            st.one_of(st.none(), st.integers(0, n_levels - 1)),
            min_size=raters * items,
            max_size=raters * items,
        )
    )
    values = [NAN if cell is None else float(cell) for cell in cells]
    return np.array(values).reshape(raters, items), n_levels


# ---------------------------------------------------------------- Krippendorff's alpha


@settings(max_examples=50, deadline=None)
@given(reliability_data())
def test_alpha_matches_krippendorff_package_on_any_data_with_missing_ratings(case):
    ratings, n_levels = case
    for level in LEVELS:
        ours = krippendorff_alpha(ratings, level, n_levels)
        theirs = oracle_alpha(ratings, level, n_levels)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9, equal_nan=True, err_msg=level)


def test_alpha_reproduces_krippendorffs_published_example():
    published = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849}
    for level, value in published.items():
        ours = krippendorff_alpha(KRIPPENDORFF_2011, level, n_levels=5)
        assert round(ours, 3) == value, level
        assert ours == pytest.approx(oracle_alpha(KRIPPENDORFF_2011, level, 5), abs=1e-12)


def test_alpha_reproduces_krippendorff_package_own_test_values():
    # The krippendorff package's tests: 3 coders x 15 units, values 1..4.
    ratings = (
        np.array(
            [
                [NAN, NAN, NAN, NAN, NAN, 3, 4, 1, 2, 1, 1, 3, 3, NAN, 3],
                [1, NAN, 2, 1, 3, 3, 4, 3, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
                [NAN, NAN, 2, 1, 3, 4, 4, NAN, 2, 1, 1, 3, 3, NAN, 4],
            ]
        )
        - 1
    )
    assert round(krippendorff_alpha(ratings, "nominal"), 6) == 0.691358
    assert round(krippendorff_alpha(ratings, "interval"), 6) == 0.810845


def test_unused_levels_do_not_change_nominal_or_ordinal_alpha():
    # Ordinal distances only count marginals n_g, and an unused level has n_g = 0.
    ratings = np.array([[0, 1, 2, 2], [0, 2, 2, 1], [1, 1, 2, NAN]])
    for level in ("nominal", "ordinal"):
        assert krippendorff_alpha(ratings, level, 3) == pytest.approx(krippendorff_alpha(ratings, level, 9), abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(reliability_data(), st.randoms(use_true_random=False))
def test_alpha_does_not_depend_on_the_order_of_raters_or_items(case, random):
    ratings, n_levels = case
    raters = list(range(ratings.shape[0]))
    items = list(range(ratings.shape[1]))
    random.shuffle(raters)
    random.shuffle(items)
    shuffled = ratings[raters][:, items]
    for level in LEVELS:
        np.testing.assert_allclose(
            krippendorff_alpha(shuffled, level, n_levels),
            krippendorff_alpha(ratings, level, n_levels),
            rtol=0,
            atol=1e-12,
            equal_nan=True,
        )


def test_perfect_agreement_gives_alpha_of_one():
    ratings = np.array([[0, 1, 2, 3, NAN], [0, 1, 2, 3, 3], [0, NAN, 2, 3, 3]])
    for level in LEVELS:
        assert krippendorff_alpha(ratings, level, 4) == 1.0


def test_an_item_rated_by_one_rater_changes_nothing():
    with_single = np.column_stack([KRIPPENDORFF_2011, [NAN, NAN, 4, NAN]])
    for level in LEVELS:
        assert krippendorff_alpha(with_single, level, 5) == pytest.approx(
            krippendorff_alpha(KRIPPENDORFF_2011, level, 5), abs=1e-12
        )


def test_alpha_is_nan_without_pairable_ratings_or_without_variation():
    assert math.isnan(krippendorff_alpha([[0, NAN], [NAN, 1]], "ordinal", 2))
    assert math.isnan(krippendorff_alpha([[NAN, NAN], [NAN, NAN]]))
    assert math.isnan(krippendorff_alpha([[1, 1], [1, 1]], "nominal", 3))


def test_alpha_is_fast_on_a_large_workshop():
    rng = np.random.default_rng(7)
    ratings = rng.integers(0, 5, (300, 400)).astype(float)
    ratings[rng.random(ratings.shape) < 0.2] = NAN
    assert krippendorff_alpha(ratings, "ordinal", 5) == pytest.approx(oracle_alpha(ratings, "ordinal", 5), abs=1e-9)


# ---------------------------------------------------------------- Fleiss' kappa


def test_fleiss_kappa_reproduces_fleiss_1971_diagnoses_example():
    ratings = (FLEISS_1971_DIAGNOSES - 1).T.astype(float)  # (raters, items), positions 0..4
    kappa = fleiss_kappa(ratings, n_levels=5)
    assert round(kappa, 3) == 0.430  # Fleiss (1971)
    assert kappa == pytest.approx(0.4302445, abs=1e-7)  # R irr::kappam.fleiss, via statsmodels


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 8), st.integers(1, 15), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_fleiss_kappa_matches_statsmodels_on_complete_data(raters, items, n_levels, seed):
    ratings = np.random.default_rng(seed).integers(0, n_levels, (raters, items))
    table, _ = aggregate_raters(ratings.T, n_cat=n_levels)
    with np.errstate(all="ignore"):
        expected = float(sm_fleiss_kappa(table))
    np.testing.assert_allclose(fleiss_kappa(ratings.astype(float), n_levels), expected, atol=1e-12, equal_nan=True)


def test_fleiss_kappa_uses_the_items_with_the_modal_number_of_ratings():
    complete = (FLEISS_1971_DIAGNOSES[:10] - 1).T.astype(float)
    # Two extra items with only 4 of 6 ratings: left out, because 6 ratings is the modal count.
    partial = np.array([[0, 1], [0, 1], [2, 3], [4, 4], [NAN, NAN], [NAN, NAN]])
    ratings = np.column_stack([complete, partial])
    assert fleiss_items(ratings).tolist() == [True] * 10 + [False, False]
    assert fleiss_kappa(ratings, 5) == pytest.approx(fleiss_kappa(complete, 5), abs=1e-12)


# ---------------------------------------------------------------- ICC


def test_icc_reproduces_shrout_and_fleiss_1979_example():
    published = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71, "ICC1k": 0.44, "ICC2k": 0.62, "ICC3k": 0.91}
    ours = icc(SHROUT_FLEISS_1979)
    assert {name: round(value, 2) for name, value in ours.items()} == published
    assert list(ours.values()) == pytest.approx(oracle_icc(SHROUT_FLEISS_1979), abs=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 6), st.integers(3, 12), st.integers(0, 2**32 - 1))
def test_all_six_iccs_match_pingouin_on_complete_data(raters, items, seed):
    # Level positions 0..9: targets differ, raters differ in severity, plus noise.
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=items) + 0.5 * rng.normal(size=(raters, 1)) + rng.normal(size=(raters, items))
    ratings = np.clip(np.round(2 * latent + 5), 0, 9)
    assume(np.ptp(ratings.mean(axis=0)) > 0)  # targets must differ, else every ICC is 0/0
    with np.errstate(all="ignore"):
        expected = oracle_icc(ratings)
    np.testing.assert_allclose(list(icc(ratings).values()), expected, rtol=0, atol=1e-9)


def test_icc_drops_items_with_a_missing_rating_and_raters_who_rated_nothing():
    with_gaps = np.column_stack([SHROUT_FLEISS_1979, [1, NAN, 3, 4]])
    with_gaps = np.vstack([with_gaps, np.full(with_gaps.shape[1], NAN)])
    assert icc(with_gaps) == pytest.approx(icc(SHROUT_FLEISS_1979), abs=1e-12)
    assert all(math.isnan(v) for v in icc([[1, NAN, 2], [NAN, 3, 4]]).values())


# ---------------------------------------------------------------- items to discuss


def test_an_evenly_split_room_ranks_above_a_unanimous_correct_item():
    # 6 raters; item "split": half say level 1, half level 3 (key 1); item "easy": all at key.
    ratings = np.array([[1, 2]] * 3 + [[3, 2]] * 3, float)
    table = item_table(ratings, key=[1, 2], labels=["I", "II", "III", "IV"], item_ids=["split", "easy"])
    assert table.loc["split", "rank"] < table.loc["easy", "rank"]
    assert table.loc["easy", "disagreement"] == 0.0
    assert table.loc["easy", "exact_with_key"] == 1.0
    assert table.loc["split", "mode"] == "II / IV"
    assert table.loc["split", "exact_with_key"] == 0.5
    assert table.loc["split", "mean_distance_from_key"] == 1.0
    assert bool(table.loc["split", "discuss"]) and not bool(table.loc["easy", "discuss"])
    assert discuss_first(table) == ["split"]


def test_a_room_agreeing_on_a_level_that_is_not_the_key_is_flagged_first():
    ratings = np.array([[2, 0, 1], [2, 3, 1], [2, 1, 1], [2, 2, 1]], float)
    table = item_table(ratings, key=[0, 1, 1], labels=["A", "B", "C", "D"], item_ids=["wrong", "spread", "fine"])
    assert table.loc["wrong", "disagreement"] == 0.0
    assert table.loc["wrong", "mode"] == "C" and table.loc["wrong", "reference"] == "A"
    assert bool(table.loc["wrong", "off_key"]) and bool(table.loc["wrong", "discuss"])
    assert discuss_first(table) == ["wrong", "spread"]
    assert table["rank"].tolist() == [1, 2, 3]


def test_item_table_counts_levels_and_scales_disagreement_from_zero_to_one():
    ratings = np.array([[0, 1], [1, 1], [2, 1], [3, NAN]], float)
    table = item_table(ratings, labels=["I", "II", "III", "IV"])
    counts = level_counts(ratings, labels=["I", "II", "III", "IV"])  # level counts are kept apart
    assert pd.concat([table[["n"]], counts], axis=1).to_numpy().tolist() == [[4, 1, 1, 1, 1], [3, 0, 3, 0, 0]]
    assert table["disagreement"].tolist() == pytest.approx([1.0, 0.0])
    assert table["reference"].isna().all()  # no key given
    assert discuss_first(table, top=1) == ["0"]


# ---------------------------------------------------------------- rater effects


def synthetic_workshop() -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(20240601)
    key = np.repeat(np.arange(5), 8)
    rng.shuffle(key)
    accurate = key.copy()
    accurate[np.flatnonzero(key == 2)[:3]] += [1, -1, 1]  # three slips of one level
    lenient = np.minimum(key + 1, 4)
    severe = np.maximum(key - 1, 0)
    central = np.clip(key, 1, 3)  # the extremes pulled to the next level inwards
    random = rng.integers(0, 5, key.size)
    ratings = np.vstack([accurate, lenient, severe, central, random]).astype(float)
    ratings[4, 0] = NAN  # missing ratings are fine
    return ratings, key, ["ana", "ben", "cho", "dev", "eli"]


def test_rater_table_names_each_known_rater_effect():
    ratings, key, ids = synthetic_workshop()
    table = rater_table(ratings, key, n_levels=5, rater_ids=ids)
    assert table["effects"].to_dict() == {
        "ana": [],
        "ben": ["lenient"],
        "cho": ["severe"],
        "dev": ["central tendency"],
        "eli": ["inconsistent"],
    }
    assert table.loc["ana", "exact"] == pytest.approx(37 / 40)
    assert table.loc["ben", "bias"] == pytest.approx(0.8)
    assert table.loc["cho", "bias"] == pytest.approx(-0.8)
    assert table.loc["dev", "sd_ratio"] < rules.CENTRAL_SD_RATIO
    assert table.loc["dev", "middle_share"] == 1.0 > table.loc["dev", "key_middle_share"]
    assert table.loc["eli", "n"] == 39


def test_rater_statistics_follow_the_definitions():
    ratings = np.array([[0, 2, 3, NAN]], float)
    key = [1, 2, 1, 0]
    row = rater_table(ratings, key, 4).iloc[0]
    d = np.array([-1, 0, 2])
    assert row["n"] == 3
    assert row["exact"] == pytest.approx(1 / 3)
    assert row["within_one"] == pytest.approx(2 / 3)
    assert row["bias"] == pytest.approx(d.mean())
    assert row["mad"] == pytest.approx(np.abs(d).mean())
    assert row["sd_ratio"] == pytest.approx(np.std([0, 2, 3]) / np.std([1, 2, 1]))
    assert row["middle_share"] == pytest.approx(1 / 3)


def test_a_rater_with_too_few_ratings_gets_no_verdict():
    table = rater_table([[0, NAN, NAN], [0, 1, 2]], [0, 1, 2], 3)
    assert table["effects"].tolist() == [["too few ratings"], []]


def test_halo_flags_a_rater_who_rates_every_criterion_of_a_behaviour_alike():
    groups = ["talk", "talk", "talk", "email", "email", "email"]
    key = [0, 2, 3, 1, 3, 2]
    ratings = np.array([key, [2, 2, 2, 3, 3, 3], [0, 1, 3, 1, 3, 3]], float)
    table = halo(ratings, groups, key)
    assert table["halo"].tolist() == [False, True, False]
    assert table.loc[1, "within_sd"] == 0.0
    assert table.loc[0, "ratio"] == pytest.approx(1.0)


# ---------------------------------------------------------------- two rounds


def test_a_round_after_calibration_with_better_agreement_shows_positive_change():
    ratings, key, ids = synthetic_workshop()
    after = np.vstack([ratings[:4], np.tile(key, (2, 1))]).astype(float)
    after[1] = key  # the lenient rater has recalibrated
    result = compare_rounds(ratings, after, key, 5, rater_ids=(ids, [*ids[:4], "eli", "fay"]))
    assert result["alpha"]["after"] > result["alpha"]["before"]
    assert result["alpha"]["change"] == pytest.approx(result["alpha"]["after"] - result["alpha"]["before"])
    per_rater = result["per_rater"]
    assert list(per_rater.columns) == [
        "n_before",
        "bias_before",
        "exact_before",
        "n_after",
        "bias_after",
        "exact_after",
        "changes",
    ]
    assert per_rater.loc["ben", "bias_before"] == pytest.approx(0.8)
    assert per_rater.loc["ben", "bias_after"] == 0.0 and per_rater.loc["ben", "exact_after"] == 1.0
    assert per_rater.loc["ben", "changes"] == 32
    assert math.isnan(per_rater.loc["fay", "bias_before"]) and per_rater.loc["fay", "exact_after"] == 1.0


# ---------------------------------------------------------------- summary and misuse


def test_summary_is_json_ready():
    ratings, key, ids = synthetic_workshop()
    labels = ["I", "II", "III", "IV", "V"]
    summary = summarize(ratings, key, 5, labels, [f"item-{i}" for i in range(40)], ids)
    text = json.dumps(summary, allow_nan=False)
    assert set(json.loads(text)) == {
        "raters",
        "items",
        "alpha",
        "fleiss_kappa",
        "icc",
        "per_item",
        "per_rater",
        "discuss_first",
    }
    assert summary["raters"] == 5 and summary["items"] == 40
    assert summary["alpha"]["ordinal"] == pytest.approx(krippendorff_alpha(ratings, "ordinal", 5))
    assert set(summary["icc"]) == {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"}
    assert summary["per_item"][0]["counts"].keys() == set(labels)
    assert summary["per_rater"][1]["effects"] == ["lenient"]
    assert all(isinstance(item, str) for item in summary["discuss_first"])
    lonely = summarize([[0, NAN], [NAN, 1]], None, 2, None, None, None)
    assert lonely["alpha"]["ordinal"] is None and lonely["per_rater"] == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: krippendorff_alpha([0, 1, 2]), "expected a 2-D array"),
        (lambda: krippendorff_alpha([[0, 5]], n_levels=4), "out of range for a scale of 4 levels"),
        (lambda: krippendorff_alpha([[0, 1.5]]), "not a level position"),
        (lambda: krippendorff_alpha([[0, -1]]), "below the lowest level"),
        (lambda: krippendorff_alpha([[0, np.inf]]), "infinite"),
        (lambda: krippendorff_alpha([[0, 1]], level="ratio"), "not one of"),
        (lambda: fleiss_kappa([[0, 1]], n_levels=1), "at least 2"),
        (lambda: rater_table([[0, 1]], [0, 1, 2], 3), r"key: expected shape \(2,\)"),
        (lambda: rater_table([[0, 1]], [0, 3], 3), "key: 3 is out of range"),
        (lambda: item_table([[0, 1]], item_ids=["a"]), "item_ids: got 1 ids for 2 items"),
        (lambda: halo([[0, 1]], ["a"]), "groups: got 1 group ids for 2 items"),
        (lambda: compare_rounds([[0, 1]], [[0]], [0, 1], 2), "Both rounds must hold the same items"),
        (lambda: summarize([[0, 1]], [0, 1], 2, ["a"], None, None), "labels: 1 labels"),
    ],
)
def test_misuse_raises_a_value_error_naming_the_fix(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_engine_never_imports_gpl_or_presentation_packages():
    source = Path(agreement.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    # "rules" is raterkit.rules (plain Python): the thresholds the engine judges by.
    assert imported <= {"__future__", "math", "collections", "typing", "numpy", "pandas", "statsmodels", "rules"}


def test_rater_effects_and_round_changes_over_all_raters_follow_the_rules_rater_by_rater():
    """rater_table and compare_rounds judge every rater at once (numpy, for rooms of thousands);
    the same rules applied one rater at a time in plain Python give the same words and counts."""
    rng = np.random.default_rng(14)
    n_raters, n_items, n_levels = 400, 9, 5
    key = rng.integers(0, n_levels, n_items)
    drift = rng.choice([-2, -1, 0, 0, 1, 2], size=(n_raters, 1))
    first = np.clip(key + drift + rng.integers(-1, 2, (n_raters, n_items)), 0, n_levels - 1).astype(float)
    first[rng.random(first.shape) < 0.2] = np.nan
    first[:5] = np.nan  # raters who rated nothing in the first round
    second = np.where(rng.random(first.shape) < 0.5, key, first)
    table = agreement.rater_table(first, key, n_levels)
    for r, row in table.iterrows():
        expected: list[str] = []
        if row["n"] < rules.MIN_ITEMS_FOR_EFFECTS:
            expected = ["too few ratings"]
        else:
            if row["bias"] >= rules.BIAS_THRESHOLD:
                expected.append("lenient")
            elif row["bias"] <= -rules.BIAS_THRESHOLD:
                expected.append("severe")
            central = bool(row["sd_ratio"] < rules.CENTRAL_SD_RATIO and row["middle_share"] > row["key_middle_share"])
            if central:
                expected.append("central tendency")
            if row["error_sd"] >= rules.INCONSISTENT_SD and not central:
                expected.append("inconsistent")
        assert row["effects"] == expected, r
    assert {tuple(e) for e in table["effects"]} >= {
        ("lenient",),
        ("severe", "inconsistent"),
        ("lenient", "central tendency"),
        ("central tendency",),
        ("too few ratings",),
        (),
    }, "every rule is exercised"

    ids_before = [f"r{i}" for i in range(n_raters)]
    ids_after = ids_before[10:] + ["newcomer"]  # ten left, one joined
    later = np.vstack([second[10:], key[None, :].astype(float)])
    per = agreement.compare_rounds(first, later, key, n_levels, rater_ids=(ids_before, ids_after))["per_rater"]
    for rater in per.index:
        if rater in ids_before and rater in ids_after:
            a, b = first[ids_before.index(rater)], later[ids_after.index(rater)]
            both = ~np.isnan(a) & ~np.isnan(b)
            expected_changes = float((a[both] != b[both]).sum()) if both.any() else math.nan
        else:
            expected_changes = math.nan
        got = per.loc[rater, "changes"]
        assert (math.isnan(got) and math.isnan(expected_changes)) or got == expected_changes, rater
