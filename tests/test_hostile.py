"""Hostile and malformed input, tried as an attacker would: every case gives a clear message or
inert text, in bounded time, and never a traceback.

Each folder under tests/cases/hostile holds one case: its files and ``expected.txt`` (the exit
code on the first line, then exactly what ``raterkit validate`` prints). The folder's name starts
with the class of hostile input it belongs to (``yaml-``: YAML that parses but cannot be built
into data). Re-record after an intended change of wording with ``UPDATE_GOLDEN=1``, then read
the diff.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from raterkit.cli import main
from support import TESTS, update_golden

CASES = sorted(p for p in (TESTS / "cases" / "hostile").iterdir() if p.is_dir())
#: Far above what any case takes (they take milliseconds); a hang or an expansion shows here.
BOUND_SECONDS = 20


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case_gives_its_clear_message(case: Path, capsys, monkeypatch):
    monkeypatch.chdir(case)
    started = time.monotonic()
    code = main(["validate", "."])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    actual = f"exit {code}\n{captured.out}"
    expected_file = case / "expected.txt"
    if update_golden():
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")
    assert "Traceback" not in captured.out + captured.err and "went wrong" not in captured.err
    assert "<unicode string>" not in actual
    assert elapsed < BOUND_SECONDS, f"{case.name} took {elapsed:.1f} s"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_refusal_names_file_and_line_with_a_hint(case: Path):
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    if lines[0] != "exit 1":
        return  # inert input, read as text
    headlines = [ln for ln in lines[1:] if ln and not ln.startswith("    ") and "problem" not in ln]
    assert headlines
    for ln in headlines:
        path, line, _ = ln.split(":", 2)
        assert path.endswith(".yaml") and line.isdigit(), ln
    assert len([ln for ln in lines if ln.startswith("    ")]) == len(headlines)


def test_ids_that_yaml_would_change_keep_what_the_user_wrote(monkeypatch):
    from raterkit.load import load_framework

    for name, level in [("yaml-octal-looking-level-id", "010"), ("yaml-float-looking-level-id", "1.10")]:
        fw, problems = load_framework(TESTS / "cases" / "hostile" / name / "sample.yaml")
        assert problems == [] and fw is not None
        assert fw.scale[0].id == level
    fw, _ = load_framework(TESTS / "cases" / "hostile" / "yaml-hex-looking-criterion-id" / "sample.yaml")
    assert fw is not None and fw.competencies[0].criteria[0].id == "0x1F"


def test_there_are_hostile_cases_of_every_class_started():
    classes = {case.name.split("-")[0] for case in CASES}
    assert "yaml" in classes and len(CASES) >= 20
