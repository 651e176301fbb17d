"""`raterkit validate` on broken files: every case's exact output, one folder a case.

Each folder under tests/cases/validate holds the files of one case and `expected.txt`:
the exit code on the first line, then exactly what the command prints. To re-record after an
intended change of wording: `UPDATE_GOLDEN=1 pytest tests/test_validate_golden.py`, then read
the diff before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from raterkit.cli import main
from support import update_golden

CASES = sorted(p for p in (Path(__file__).parent / "cases" / "validate").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate_output_matches_golden_file(case: Path, capsys, monkeypatch):
    monkeypatch.chdir(case)
    code = main(["validate", "."])
    out = capsys.readouterr().out
    actual = f"exit {code}\n{out}"
    expected_file = case / "expected.txt"
    if update_golden():
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")


def test_there_are_at_least_twenty_broken_cases():
    broken = [c for c in CASES if _broken(c)]
    assert len(broken) >= 20


def _broken(case: Path) -> bool:
    expected = case / "expected.txt"
    return expected.exists() and expected.read_text(encoding="utf-8").startswith("exit 1")


@pytest.mark.parametrize("case", [c for c in CASES if _broken(c)], ids=lambda c: c.name)
def test_every_problem_line_names_file_and_line(case: Path):
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()[1:]
    headlines = [ln for ln in lines if ln and not ln.startswith("    ") and "problem" not in ln]
    assert headlines
    for ln in headlines:
        path, line, _rest = ln.split(":", 2)
        assert path.endswith((".yaml", ".yml")), ln
        assert line.isdigit(), ln
    hints = [ln for ln in lines if ln.startswith("    ")]
    assert len(hints) == len(headlines), "every problem carries a plain-language hint"
