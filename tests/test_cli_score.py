"""`raterkit score` and `raterkit agreement`: a trainer's response files in, results out.

Golden cases live in tests/cases/responses, one folder a case: the response file(s), an
optional `args.txt` (extra arguments, e.g. `--quiz demo`) and `expected.txt` with the exit code
on the first line, then exactly what the command prints to stderr. Every case runs against
the small framework and quizzes in tests/cases/responses/_data. To re-record after an intended
change of wording: `UPDATE_GOLDEN=1 pytest tests/test_cli_score.py`, then read the diff.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from raterkit.agreement import krippendorff_alpha
from raterkit.cli import main
from raterkit.scoring import PassRule, score_matrix
from support import update_golden

CASES_DIR = Path(__file__).parent / "cases" / "responses"
DATA = CASES_DIR / "_data"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir() and not p.name.startswith("_"))
SUMMARY = re.compile(r"^Read (\d+) rows?: (\d+) kept, (\d+) skipped\.$")
LEVELS = ["I", "II", "III", "IV"]
KEY = {"q1": "I", "q2": "II", "q3": "III", "q4": "IV", "q5": "II"}  # tests/cases/responses/_data/quiz/demo.yaml
DEMO_RULE = PassRule(exact=0.6)  # demo.yaml sets exact: 0.6; the rest are the 4-level defaults


def _case_args(case: Path) -> list[str]:
    responses = sorted(p.name for p in case.iterdir() if p.name not in ("expected.txt", "args.txt"))
    extra = (case / "args.txt").read_text(encoding="utf-8").split() if (case / "args.txt").exists() else []
    return [*responses, *extra]


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --------------------------------------------------------------------------------------------
# Golden cases


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_score_reports_each_case_exactly_as_recorded(case: Path, capsys, monkeypatch):
    monkeypatch.chdir(case)
    code, out, err = _run(capsys, "score", *_case_args(case), "--format", "json", "--data", str(DATA))
    actual = f"exit {code}\n{err}"
    expected_file = case / "expected.txt"
    if update_golden():
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")
    if code == 0:
        assert isinstance(json.loads(out), list), "stdout holds only the JSON, even when rows were skipped"
    else:
        assert out == ""


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_last_line_counts_every_row_read_as_kept_or_skipped(case: Path):
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    match = SUMMARY.match(lines[-1])
    assert match, f"last stderr line is the summary, got {lines[-1]!r}"
    read, kept, skipped = map(int, match.groups())
    assert read == kept + skipped
    headlines = [ln for ln in lines[1:-1] if ln and not ln.startswith("    ")]
    problems = [ln for ln in headlines if not ln.startswith("raterkit ")]
    if not any("belong to 2 quizzes" in ln for ln in problems):  # then one problem says it all
        assert len(problems) >= skipped, "every skipped row is reported"
    for ln in problems:
        path, line, _rest = ln.split(":", 2)
        assert path.lower().endswith((".csv", ".json")), ln
        assert line.isdigit(), f"every problem names its line: {ln}"
    body = lines[1:-1]
    for n, ln in enumerate(body):
        if ln in headlines:
            assert n + 1 < len(body) and body[n + 1].startswith("    "), f"no plain-language hint under {ln}"


def test_there_are_golden_cases_for_every_kind_of_bad_file():
    names = {c.name for c in CASES}
    for needed in (
        "good-csv",
        "excel-csv",
        "json",
        "json-list",
        "unknown-item",
        "rating-not-on-scale",
        "duplicate-rater-item",
        "blank-cells",
        "wrong-cell-count",
        "not-utf8",
        "labels-and-ids-odd-case",
        "folder-of-mixed-files",
        "empty-file",
    ):
        assert any(name.split("-", 1)[1] == needed for name in names), needed


# --------------------------------------------------------------------------------------------
# score: numbers equal the scoring engine on the same data, computed here independently


def _matrix_by_hand(text: str) -> tuple[list[str], np.ndarray]:
    """Raters and a raters x items matrix of positions from a clean CSV, without raterkit."""
    rows = list(csv.DictReader(io.StringIO(text)))
    raters = list(dict.fromkeys(r["rater"] for r in rows))
    items = list(KEY)
    matrix = np.full((len(raters), len(items)), -1)
    for r in rows:
        matrix[raters.index(r["rater"]), items.index(r["item"])] = LEVELS.index(r["rating"])
    return raters, matrix


ROOM = """rater,item,rating
ana,q1,I
ana,q2,II
ana,q3,III
ana,q4,IV
ana,q5,II
bo,q1,II
bo,q2,II
bo,q3,IV
bo,q4,IV
bo,q5,III
cy,q1,I
cy,q2,I
cy,q3,II
cy,q4,II
cy,q5,II
di,q1,I
di,q2,II
di,q3,II
di,q4,III
"""


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_trainer_scores_a_room_and_json_matches_the_scoring_engine(tmp_path, capsys, monkeypatch):
    (tmp_path / "room.csv").write_text(ROOM + "di,q5,IV+\nzed,q9,I\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "score", "room.csv", "--format", "json", "--data", str(DATA))
    assert code == 0
    records = json.loads(out)  # stdout is only JSON, though two rows were skipped
    assert err.splitlines()[-1] == "Read 21 rows: 19 kept, 2 skipped."

    raters, matrix = _matrix_by_hand(ROOM)
    key = np.array([LEVELS.index(level) for level in KEY.values()])
    expected = score_matrix(matrix, key, 4, DEMO_RULE).records(raters)
    assert [r["rater"] for r in records] == raters == ["ana", "bo", "cy", "di"]
    for got, want in zip(records, expected):
        assert {"rater", "n", "exact", "within_one", "bias", "mad", "qwk", "passed", "off_two_plus", "quiz"} <= set(got)
        assert got["quiz"] == "demo"
        for name, value in want.items():
            assert _close(got[name], value) if isinstance(value, float) else got[name] == value, name
    di = records[3]
    assert di["n"] == 4 and di["exact"] == 0.5 and di["bias"] == -0.5


def test_nan_prints_as_null_in_json(tmp_path, capsys, monkeypatch):
    # One item only, rated at the key: kappa is 0/0, which JSON cannot hold as nan.
    (tmp_path / "one.csv").write_text("rater,item,rating\nana,q1,I\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "score", "one.csv", "--format", "json", "--data", str(DATA))
    assert code == 0
    assert json.loads(out)[0]["qwk"] is None
    assert "NaN" not in out


def test_table_shows_percentages_signed_bias_with_a_word_and_the_pass_rule(tmp_path, capsys, monkeypatch):
    (tmp_path / "room.csv").write_text(ROOM, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "score", "room.csv", "--data", str(DATA))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Quiz demo (Demo quiz): 5 items, scale I, II, III, IV (lowest first)."
    header = next(ln for ln in lines if ln.startswith("rater"))
    assert header.split() == [
        "rater",
        "rated",
        "exact",
        "within",
        "one",
        "off",
        "by",
        "2+",
        "bias",
        "MAD",
        "QWK",
        "result",
    ]
    rows = {ln.split()[0]: ln.split() for ln in lines if ln.split() and ln.split()[0] in ("ana", "bo", "cy", "di")}
    assert rows["ana"] == ["ana", "5/5", "100%", "100%", "0", "0.00", "—", "0.00", "1.00", "pass"]
    assert rows["bo"][5:7] == ["+0.60", "lenient"]
    assert rows["cy"][5:7] == ["-0.80", "severe"]
    assert rows["di"][1] == "4/5"
    # columns are aligned: every row's "rated" cell ends where the header's does
    table = [ln for ln in lines if ln.split() and ln.split()[0] in ("rater", "ana", "bo", "cy", "di")]
    assert len({ln.index("rated") + len("rated") for ln in table[:1]} | {ln.index("/5") + 2 for ln in table[1:]}) == 1
    assert f"Pass rule: {DEMO_RULE.describe()}." in lines
    assert lines[-1] == "1 of 4 raters passed."  # di: 2 of 4 exact, below the quiz's 60%
    assert err == "Read 19 rows: 19 kept, 0 skipped.\n"


def test_a_quiz_without_a_pass_rule_uses_the_default_for_its_scale(tmp_path, capsys, monkeypatch):
    (tmp_path / "desk.csv").write_text("rater,item,rating\nfay,m1,Target\nfay,m2,below\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "score", "desk.csv", "--data", str(DATA))
    assert code == 0
    assert f"Pass rule: {PassRule.default_for(3).describe()}." in out.splitlines()
    assert "Quiz mini (Mini quiz)" in out


def test_csv_format_prints_only_csv(tmp_path, capsys, monkeypatch):
    (tmp_path / "room.csv").write_text(ROOM + "bad row\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "score", "room.csv", "--format", "csv", "--data", str(DATA))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["rater"] for r in rows] == ["ana", "bo", "cy", "di"]
    assert list(rows[0]) == [
        "rater",
        "quiz",
        "n",
        "exact",
        "within_one",
        "off_two_plus",
        "bias",
        "mad",
        "qwk",
        "passed",
    ]
    assert rows[0]["passed"] == "true" and float(rows[1]["bias"]) == pytest.approx(0.6)
    assert "room.csv:21:" in err and err.splitlines()[-1] == "Read 20 rows: 19 kept, 1 skipped."


def test_data_folder_may_be_named_by_its_parent(tmp_path, capsys, monkeypatch):
    (tmp_path / "room.csv").write_text(ROOM, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, _ = _run(capsys, "score", "room.csv", "--data", str(DATA / "frameworks"), str(DATA / "quiz"))
    assert code == 0
    shutil.copytree(DATA, tmp_path / "project")
    monkeypatch.chdir(tmp_path / "project")
    (tmp_path / "project" / "room.csv").write_text(ROOM, encoding="utf-8")
    code, _, _ = _run(capsys, "score", "room.csv")  # defaults: frameworks/ and quiz/ here
    assert code == 0


def test_nothing_usable_exits_1_and_still_ends_with_the_count(tmp_path, capsys, monkeypatch):
    (tmp_path / "bad.csv").write_text("rater,item,rating\nana,q1,V\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "score", "bad.csv", "--format", "json", "--data", str(DATA))
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == "Read 1 row: 0 kept, 1 skipped."


def test_a_broken_data_folder_exits_1_before_reading_responses(tmp_path, capsys, monkeypatch):
    shutil.copytree(DATA, tmp_path / "data")
    quiz = tmp_path / "data" / "quiz" / "demo.yaml"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace('reference: "IV"', 'reference: "V"'), encoding="utf-8")
    (tmp_path / "room.csv").write_text(ROOM, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "score", "room.csv", "--data", "data")
    assert (code, out) == (1, "")
    assert "demo.yaml:" in err and "'V' is not a level of this scale" in err
    assert "no responses were read" in err


def test_rows_of_two_quizzes_need_a_quiz_named_exit_2(tmp_path, capsys, monkeypatch):
    (tmp_path / "mixed.csv").write_text("rater,item,rating\nana,q1,I\nana,m1,target\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "score", "mixed.csv", "--data", str(DATA))
    assert (code, out) == (2, "")
    assert "--quiz" in err and err.splitlines()[-1] == "Read 2 rows: 0 kept, 2 skipped."
    code, out, err = _run(capsys, "score", "mixed.csv", "--quiz", "mini", "--data", str(DATA))
    assert code == 0 and err.splitlines()[-1] == "Read 2 rows: 1 kept, 1 skipped."


@pytest.mark.parametrize(
    "argv",
    [
        ["score"],  # no RESPONSES
        ["score", "x.csv", "--no-such-option"],
        ["score", "x.csv", "--format", "xml"],
        ["agreement"],
        ["agreement", "x.csv", "--quiz", "demo", "--levels", "I,II"],
        ["agreement", "x.csv", "--levels", "I"],
        ["agreement", "x.csv", "--levels", "I,,II"],
        ["agreement", "x.csv", "--levels", "I,II,i"],
    ],
)
def test_usage_errors_exit_2_without_a_traceback(argv, capsys, tmp_path, monkeypatch):
    (tmp_path / "x.csv").write_text("rater,item,rating\nana,q1,I\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err and out == ""


def test_an_unknown_quiz_is_a_usage_error_that_suggests_the_nearest(tmp_path, capsys, monkeypatch):
    (tmp_path / "x.csv").write_text("rater,item,rating\nana,q1,I\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, "score", "x.csv", "--quiz", "dmeo", "--data", str(DATA))
    assert code == 2
    assert "no quiz 'dmeo'" in err and "Did you mean 'demo'?" in err


def test_no_data_folder_here_is_a_usage_error(tmp_path, capsys, monkeypatch):
    (tmp_path / "x.csv").write_text("rater,item,rating\nana,q1,I\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, "score", "x.csv")
    assert code == 2 and "--data" in err


# --------------------------------------------------------------------------------------------
# agreement


AGREEMENT_KEYS = {"raters", "items", "alpha", "fleiss_kappa", "icc", "per_item", "per_rater", "discuss_first"}


def test_agreement_json_has_every_statistic_and_alpha_matches_the_engine(tmp_path, capsys, monkeypatch):
    (tmp_path / "room.csv").write_text(ROOM + "di,q5,?\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "agreement", "room.csv", "--format", "json", "--data", str(DATA))
    assert code == 0
    summary = json.loads(out)
    assert set(summary) >= AGREEMENT_KEYS
    assert set(summary["alpha"]) == {"nominal", "ordinal", "interval"}
    assert set(summary["icc"]) == {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"}
    assert (summary["raters"], summary["items"], summary["quiz"]) == (4, 5, "demo")
    _, matrix = _matrix_by_hand(ROOM)
    ratings = np.where(matrix >= 0, matrix, np.nan)
    for level in ("nominal", "ordinal", "interval"):
        assert summary["alpha"][level] == pytest.approx(krippendorff_alpha(ratings, level, 4), abs=1e-12)
    assert [r["rater"] for r in summary["per_rater"]] == ["ana", "bo", "cy", "di"]
    assert summary["per_item"][0]["counts"] == {"I": 3, "II": 1, "III": 0, "IV": 0}
    assert err.splitlines()[-1] == "Read 20 rows: 19 kept, 1 skipped."


def test_agreement_table_opens_with_plain_words(tmp_path, capsys, monkeypatch):
    (tmp_path / "room.csv").write_text(ROOM, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "agreement", "room.csv", "--data", str(DATA))
    assert code == 0
    lines = out.splitlines()
    _, matrix = _matrix_by_hand(ROOM)
    alpha = krippendorff_alpha(np.where(matrix >= 0, matrix, np.nan), "ordinal", 4)
    verdict = "reliable" if alpha >= 0.8 else "tentative" if alpha >= 0.667 else "unreliable"
    assert lines[1] == f"4 raters, 5 behaviours. Krippendorff's alpha (ordinal) {alpha:.2f}: {verdict} agreement."
    assert "Discuss first:" in lines
    assert any(ln.strip().startswith("q3") and "most chose II" in ln for ln in lines)
    assert any(ln.strip().startswith("bo") and "lenient" in ln for ln in lines)
    assert any(ln.strip().startswith("ana") and "no rater effects" in ln for ln in lines)
    assert err == "Read 19 rows: 19 kept, 0 skipped.\n"


def test_alpha_thresholds_are_worded_as_krippendorff_does():
    from raterkit.words import alpha_words as _alpha_words

    assert _alpha_words(0.80).endswith("reliable agreement") and "un" not in _alpha_words(0.80)
    assert _alpha_words(0.7999).endswith("tentative agreement")
    assert _alpha_words(0.667).endswith("tentative agreement")
    assert _alpha_words(0.6669).endswith("unreliable agreement")
    assert _alpha_words(None).startswith("cannot be computed")


def test_agreement_with_levels_accepts_items_of_no_quiz(tmp_path, capsys, monkeypatch):
    (tmp_path / "practice.csv").write_text(
        "rater,item,rating\n"
        "ana,vignette-a,1\nana,vignette-b,2\nana,vignette-c,3\n"
        "bo,vignette-a,1\nbo,vignette-b,3\nbo,vignette-c,3\n"
        "cy,vignette-a,2\ncy,vignette-b,2\ncy,vignette-c,3\ncy,vignette-d,4\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # no frameworks/ or quiz/ here, and none needed
    code, out, err = _run(capsys, "agreement", "practice.csv", "--levels", "1,2,3,4", "--format", "json")
    assert code == 0
    summary = json.loads(out)
    assert set(summary) >= AGREEMENT_KEYS
    assert summary["quiz"] is None and summary["scale"] == ["1", "2", "3", "4"]
    assert summary["items"] == 4 and summary["per_rater"] == []
    assert [r["item"] for r in summary["per_item"]] == ["vignette-a", "vignette-b", "vignette-c", "vignette-d"]
    ratings = np.array([[0, 1, 2, np.nan], [0, 2, 2, np.nan], [1, 1, 2, 3]])
    assert summary["alpha"]["ordinal"] == pytest.approx(krippendorff_alpha(ratings, "ordinal", 4), abs=1e-12)
    assert err == "Read 10 rows: 10 kept, 0 skipped.\n"

    code, out, _ = _run(capsys, "agreement", "practice.csv", "--levels", "1,2,3,4")
    assert code == 0
    assert "no reference levels" in out


def test_agreement_reports_bad_rows_like_score(tmp_path, capsys, monkeypatch):
    (tmp_path / "room.csv").write_text(ROOM + "di,q5,IV+\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "agreement", "room.csv", "--format", "json", "--data", str(DATA))
    assert code == 0 and json.loads(out)
    assert err.splitlines() == [
        "room.csv:21: rating: 'IV+' is not a level of this scale (I, II, III, IV); row skipped",
        "    Write a level id or its label, e.g. IV or Level IV.",
        "Read 20 rows: 19 kept, 1 skipped.",
    ]


def test_a_single_rater_has_no_agreement_to_compute(tmp_path, capsys, monkeypatch):
    (tmp_path / "ana.csv").write_text("rater,item,rating\nana,q1,I\nana,q2,II\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "agreement", "ana.csv", "--data", str(DATA))
    assert code == 0
    assert "Krippendorff's alpha (ordinal) cannot be computed" in out
    code, out, _ = _run(capsys, "agreement", "ana.csv", "--format", "json", "--data", str(DATA))
    assert json.loads(out)["alpha"]["ordinal"] is None


def test_the_real_quizzes_score_a_perfect_rater_at_100_percent(tmp_path, capsys, monkeypatch):
    from raterkit.load import load_catalog
    from support import FRAMEWORKS, QUIZ

    catalog, problems = load_catalog([FRAMEWORKS, QUIZ])
    assert problems == [] and len(catalog.quizzes) == len(list(QUIZ.glob("*.yaml"))) >= 5
    monkeypatch.chdir(tmp_path)
    for quiz in catalog.quizzes.values():
        lines = ["rater,item,rating"] + [f"expert,{item.id},{item.reference}" for item in quiz.items]
        (tmp_path / "expert.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        code, out, _ = _run(capsys, "score", "expert.csv", "--format", "json", "--data", str(FRAMEWORKS), str(QUIZ))
        assert code == 0
        [record] = json.loads(out)
        assert (record["quiz"], record["n"], record["exact"], record["passed"]) == (quiz.id, len(quiz.items), 1.0, True)


# ----------------------------------------------------------------------------- vignettes


def _profile_answers(tmp_path, catalog):
    quiz = catalog.quizzes["cp1-profiles"]
    fw = catalog.frameworks[quiz.framework]
    impressions = {"vega": "III", "banks": "I", "osei": "IV"}  # one level per behaviour, whatever the criterion
    lines = ["rater,item,rating"]
    lines += [f"expert,{i.id},{i.reference}" for i in quiz.items]
    lines += [f"haloed,{i.id},{impressions[i.vignette]}" for i in quiz.items]
    (tmp_path / "profiles.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return quiz, fw


def test_score_decomposes_accuracy_when_behaviours_are_rated_on_several_criteria(
    tmp_path, capsys, monkeypatch, catalog
):
    from raterkit.scoring import cronbach_components
    from support import FRAMEWORKS, QUIZ

    quiz, fw = _profile_answers(tmp_path, catalog)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "score", "profiles.csv", "--format", "json", "--data", str(FRAMEWORKS), str(QUIZ))
    assert code == 0
    expert, haloed = json.loads(out)
    assert [expert["cronbach"][k] for k in ("D2", "E2", "DE2", "SA2", "DA2")] == [0, 0, 0, 0, 0]
    vignettes, criteria, grid = quiz.vignettes()
    position = {lv.id: n for n, lv in enumerate(fw.scale)}
    by_id = {i.id: i for i in quiz.items}
    truth = [[position[by_id[c].reference] for c in row] for row in grid]
    given = [[position[{"vega": "III", "banks": "I", "osei": "IV"}[v]] for _ in row] for v, row in zip(vignettes, grid)]
    expected = cronbach_components(np.array(given, float), np.array(truth, float))
    assert haloed["cronbach"] == pytest.approx({k: float(v) for k, v in expected.items()})
    code, out, _ = _run(capsys, "score", "profiles.csv", "--data", str(FRAMEWORKS), str(QUIZ))
    assert "Accuracy by component (Cronbach 1955) over the 3 behaviours each rated on 3 criteria" in out


def test_quizzes_without_vignettes_report_no_cronbach_components(tmp_path, capsys, monkeypatch):
    from support import FRAMEWORKS, QUIZ

    (tmp_path / "a.csv").write_text("rater,item,rating\nana,cp1-01,II\nana,cp1-02,III\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "score", "a.csv", "--format", "json", "--data", str(FRAMEWORKS), str(QUIZ))
    assert code == 0 and "cronbach" not in json.loads(out)[0]


def test_agreement_flags_a_rater_who_rates_each_behaviour_alike_on_every_criterion(
    tmp_path, capsys, monkeypatch, catalog
):
    from support import FRAMEWORKS, QUIZ

    _profile_answers(tmp_path, catalog)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "agreement", "profiles.csv", "--format", "json", "--data", str(FRAMEWORKS), str(QUIZ))
    assert code == 0
    halo = {h["rater"]: h for h in json.loads(out)["halo"]}
    assert halo["haloed"]["halo"] is True and halo["haloed"]["within_sd"] == 0
    assert halo["expert"]["halo"] is False
    code, out, _ = _run(capsys, "agreement", "profiles.csv", "--data", str(FRAMEWORKS), str(QUIZ))
    assert "Halo (the same behaviour rated alike on every criterion, where the reference differs): haloed." in out
