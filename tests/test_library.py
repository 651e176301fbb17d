"""The library layer: what the CLI prints as JSON is the library's output serialised, nothing added."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import raterkit
from raterkit import agreement
from raterkit.cli import main
from raterkit.library import compare_responses, score_responses, summarize_responses
from raterkit.responses import read_responses
from raterkit.rules import resolve_pass_rule
from raterkit.scoring import score_matrix
from support import ROOT

ROUND1 = ROOT / "examples" / "workshop" / "round1"
ROUND2 = ROOT / "examples" / "workshop" / "round2"
DATA = [str(ROOT / "frameworks"), str(ROOT / "quiz")]


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_score_json_is_score_responses_serialised(capsys, catalog):
    responses = read_responses([ROUND2], catalog)
    result = score_responses(responses, catalog.quizzes[responses.quiz])
    code, out = _cli(capsys, "score", str(ROUND2), "--format", "json", "--data", *DATA)
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(result.records))


def test_scores_are_the_engines_numbers_under_the_quizs_rule(catalog):
    responses = read_responses([ROUND2], catalog)
    quiz = catalog.quizzes[responses.quiz]
    result = score_responses(responses, quiz)
    raters, _, ratings = responses.matrix()
    rule = resolve_pass_rule(quiz.pass_rule, len(responses.level_ids))
    expected = score_matrix(ratings, responses.key_positions(), len(responses.level_ids), rule).records(raters)
    assert [{k: r[k] for k in expected[0]} for r in result.records] == expected
    assert result.rule == rule and result.passed == sum(r["passed"] for r in expected)
    assert result.vignettes is None  # the CP1 quiz has no vignettes


def test_agreement_json_is_summarize_responses_serialised(capsys, catalog):
    responses = read_responses([ROUND1], catalog)
    summary = summarize_responses(responses, catalog.quizzes[responses.quiz])
    code, out = _cli(capsys, "agreement", str(ROUND1), "--format", "json", "--data", *DATA)
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(summary))
    assert summary["alpha"]["ordinal"] == pytest.approx(
        agreement.krippendorff_alpha(responses.ratings()[2], "ordinal", len(responses.level_ids))
    )


def test_level_ids_may_share_names_with_the_item_tables_columns(tmp_path, capsys):
    rows = ["rater,item,rating"] + [f"r{r},q{i},{lv}" for r, lv in enumerate(["n", "mode", "rank"]) for i in range(3)]
    (tmp_path / "odd.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    responses = read_responses([tmp_path / "odd.csv"], levels=["n", "mode", "rank"])
    summary = summarize_responses(responses)
    assert summary["per_item"][0]["counts"] == {"n": 1, "mode": 1, "rank": 1}
    assert summary["per_item"][0]["n"] == 3 and summary["per_item"][0]["mode"] == "n / mode / rank"
    code, out = _cli(capsys, "agreement", str(tmp_path / "odd.csv"), "--levels", "n,mode,rank", "--format", "json")
    assert code == 0 and json.loads(out)["per_item"][0]["counts"] == {"n": 1, "mode": 1, "rank": 1}


def test_compare_responses_gives_the_engines_round_comparison(catalog):
    before = read_responses([ROUND1], catalog)
    after = read_responses([ROUND2], catalog)
    result = compare_responses(before, after)
    n_levels = len(after.level_ids)
    alpha_before = agreement.krippendorff_alpha(before.ratings()[2], "ordinal", n_levels)
    alpha_after = agreement.krippendorff_alpha(after.ratings()[2], "ordinal", n_levels)
    assert result["alpha"]["before"] == pytest.approx(alpha_before)
    assert result["alpha"]["after"] == pytest.approx(alpha_after)
    assert result["alpha"]["after"] > result["alpha"]["before"]  # the sample's discussion helped
    assert [r["rater"] for r in result["per_rater"]] == before.raters()
    json.dumps(result, allow_nan=False)  # JSON-ready: no nan, no numpy types


def test_compare_responses_refuses_rounds_on_different_scales(catalog, tmp_path):
    (tmp_path / "a.csv").write_text("rater,item,rating\nA,x,1\nB,x,2\n", encoding="utf-8")
    other = read_responses([tmp_path / "a.csv"], levels=["1", "2"])
    with pytest.raises(ValueError, match="differs"):
        compare_responses(other, read_responses([ROUND2], catalog))


def test_ratings_are_positions_with_nan_where_none_was_given(catalog):
    responses = read_responses([ROUND2], catalog)
    raters, items, positions = responses.matrix()
    again, same_items, ratings = responses.ratings()
    assert (again, same_items) == (raters, items)
    assert np.array_equal(np.isnan(ratings), positions < 0)
    assert np.array_equal(ratings[positions >= 0], positions[positions >= 0])


def test_every_public_name_resolves_and_importing_raterkit_loads_no_numpy():
    assert sorted(raterkit.__all__) == sorted(raterkit._HOMES)
    for name in raterkit.__all__:
        assert getattr(raterkit, name) is not None
    with pytest.raises(AttributeError):
        raterkit.no_such_name  # noqa: B018
    code = "import sys, raterkit, raterkit.rules, raterkit.words; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
