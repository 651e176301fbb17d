"""A million ratings through the commands a trainer runs: every row counted, every figure right.

Slow tests on generated files (no time is asserted: benchmarks/responses.py measures it). The
ratings are drawn at random, so the figures are checked against the scoring engine run directly
on the matrix the file was written from, and the same ratings as Parquet and as a folder of
one-trainee files (as the quiz page's "Download my answers" writes them) must give the same.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from raterkit.cli import main
from raterkit.rules import PassRule
from raterkit.scoring import score_matrix

pytestmark = pytest.mark.slow

QUIZ_ID = "cp1-customer-relations"
LEVELS = ["I", "II", "III", "IV"]


def _matrix(catalog, raters: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    quiz = catalog.quizzes[QUIZ_ID]
    items = [item.id for item in quiz.items]
    key = np.array([LEVELS.index(item.reference) for item in quiz.items])
    rng = np.random.default_rng(seed)
    ratings = np.clip(key + rng.integers(-2, 3, size=(raters, len(items))), 0, len(LEVELS) - 1)
    names = [f"trainee-{r:06d}" for r in range(raters)]
    return ratings, key, items, names


def _rows(ratings: np.ndarray, items: list[str], names: list[str]) -> list[str]:
    return [
        f"{names[r]},{items[i]},{LEVELS[ratings[r, i]]},{QUIZ_ID}"
        for r in range(ratings.shape[0])
        for i in range(ratings.shape[1])
    ]


def _score(capsys, *paths: Path) -> tuple[list[dict], str]:
    code = main(["score", *map(str, paths), "--quiz", QUIZ_ID, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out), err


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_a_million_ratings_with_three_bad_rows_are_counted_and_scored_right(catalog, tmp_path, capsys):
    ratings, key, items, names = _matrix(catalog, 62_500, seed=14)
    rows = _rows(ratings, items, names)
    # Three bad rows among the million, at known lines (the header is line 1).
    rows.insert(10, f"trainee-000000,cp1-99,II,{QUIZ_ID}")  # line 12: no such item
    rows.insert(500_000, f"trainee-031000,cp1-03,VII,{QUIZ_ID}")  # line 500,002: not on the scale
    rows.append(f"trainee-000001,cp1-01,IV,{QUIZ_ID}")  # line 1,000,004: a second rating, skipped
    csv = tmp_path / "ratings.csv"
    csv.write_text("rater,item,rating,quiz\n" + "\n".join(rows) + "\n", encoding="utf-8")

    scores, said = _score(capsys, csv)
    assert "Read 1000003 rows: 1000000 kept, 3 skipped." in said
    for line in (12, 500_002, 1_000_004):
        assert f"{csv}:{line}:" in said, said
    expected = score_matrix(ratings, key, len(LEVELS), PassRule.default_for(len(LEVELS)))
    assert [s["rater"] for s in scores] == names
    got = {name: np.array([s[name] for s in scores], dtype=float) for name in ("n", "exact", "bias", "mad", "qwk")}
    assert np.array_equal(got["n"], expected.n)
    for name in ("exact", "bias", "mad", "qwk"):
        want = getattr(expected, name)
        assert all(_same(a, b) for a, b in zip(got[name].tolist(), want.tolist(), strict=True)), name
    assert [s["passed"] for s in scores] == expected.passed.tolist()
    assert 0 < sum(expected.passed) < len(names)  # the rule is exercised both ways


def test_parquet_and_a_folder_of_trainee_files_give_what_one_csv_gives(catalog, tmp_path, capsys):
    ratings, _, items, names = _matrix(catalog, 10_000, seed=15)
    csv = tmp_path / "ratings.csv"
    csv.write_text("rater,item,rating,quiz\n" + "\n".join(_rows(ratings, items, names)) + "\n", encoding="utf-8")
    table = pa.table(
        {
            "rater": np.repeat(names, len(items)),
            "item": np.tile(items, len(names)),
            "rating": np.array(LEVELS)[ratings.ravel()],
            "quiz": [QUIZ_ID] * ratings.size,
        }
    )
    parquet = tmp_path / "ratings.parquet"
    pq.write_table(table, parquet)
    folder = tmp_path / "trainees"
    folder.mkdir()
    for r, name in enumerate(names):
        answers = {
            "rater": name,
            "quiz": QUIZ_ID,
            "responses": [{"item": item, "rating": LEVELS[ratings[r, i]]} for i, item in enumerate(items)],
        }
        (folder / f"{name}.json").write_text(json.dumps(answers, indent=2), encoding="utf-8")

    from_csv, said = _score(capsys, csv)
    assert "Read 160000 rows: 160000 kept, 0 skipped." in said
    from_parquet, said = _score(capsys, parquet)
    assert "Read 160000 rows: 160000 kept, 0 skipped." in said
    from_folder, said = _score(capsys, folder)
    assert "Read 160000 rows: 160000 kept, 0 skipped." in said
    assert from_parquet == from_csv
    assert from_folder == from_csv
    assert len(from_csv) == 10_000
