"""One home for wording: numbers beside their readings never contradict them, missing is one dash."""

from __future__ import annotations

import math

import pytest

from raterkit.rules import ALPHA_RELIABLE, ALPHA_TENTATIVE, BIAS_THRESHOLD, alpha_reading
from raterkit.words import (
    MISSING,
    alpha_text,
    alpha_words,
    bias_words,
    count,
    decimal,
    join,
    leaning,
    percent,
    percent_of,
    signed,
)


@pytest.mark.parametrize("alpha", [0.7996, 0.79999, 0.6669, 0.66651, 0.8, 0.667, 0.81, 0.1, -0.2])
def test_alpha_prints_with_enough_digits_never_to_cross_its_reading(alpha):
    text = alpha_text(alpha)
    assert alpha_reading(float(text)) == alpha_reading(alpha)
    assert alpha_text(0.7996) == "0.7996" and alpha_text(0.72) == "0.72"


def test_the_terminal_and_the_report_read_alpha_alike():
    assert alpha_words(0.7996) == "0.7996: tentative agreement"  # not "0.80: tentative"
    assert alpha_words(ALPHA_RELIABLE) == "0.80: reliable agreement"
    assert alpha_words(ALPHA_TENTATIVE - 1e-4).endswith("unreliable agreement")
    assert alpha_words(None).startswith("cannot be computed") and alpha_text(math.nan) == "not defined"


def test_bias_is_called_lenient_or_severe_only_from_the_rater_effect_threshold():
    assert bias_words(0.004) == "on average the same as the reference"
    assert bias_words(-0.06) == "on average 0.06 levels lower than the reference"
    assert bias_words(BIAS_THRESHOLD) == "on average 0.50 levels higher than the reference: lenient"
    assert bias_words(-1.0) == "on average 1.00 level lower than the reference: severe"
    assert bias_words(None) == bias_words(math.nan) == "no ratings"
    assert (leaning(0.49), leaning(0.5), leaning(-0.5)) == (MISSING, "lenient", "severe")


def test_missing_numbers_are_one_dash_everywhere():
    assert percent(None) == percent(math.nan) == decimal(None) == decimal(math.nan) == signed(None) == MISSING == "—"


def test_numbers_never_print_as_minus_zero():
    assert decimal(-0.001) == "0.00" and decimal(-0.001, signed=True) == "0.00"
    assert decimal(0.6, signed=True) == "+0.60" and decimal(-0.8, signed=True) == "-0.80"
    assert signed(-0.25) == "−0.25" and signed(0.0) == "0.00"
    assert percent(0.755) == "76%" and percent(1) == "100%"


def test_counts_and_lists_read_as_sentences():
    assert (count(1, "rater"), count(3, "rater"), count(2, "quiz", "quizzes")) == ("1 rater", "3 raters", "2 quizzes")
    assert (join([]), join(["a"]), join(["a", "b"]), join(["a", "b", "c"])) == ("", "a", "a and b", "a, b and c")


@pytest.mark.parametrize(
    "part, whole, words",
    [
        (274, 62_500, "<1%"),
        (1, 62_500, "<1%"),
        (0, 62_500, "0%"),
        (313, 62_500, "1%"),
        (2766, 62_500, "4%"),
        (3, 12, "25%"),
        (0, 0, MISSING),
    ],
)
def test_a_few_of_a_large_room_read_as_under_one_percent_not_none(part, whole, words):
    assert percent_of(part, whole) == words
