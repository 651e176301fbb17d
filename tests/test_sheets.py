"""Spreadsheets in and out: frameworks and quiz banks as xlsx workbooks and CSV folders, and back."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from raterkit.cli import main
from raterkit.csvcells import FORMULA_START
from raterkit.interchange import csvsheets, sheets, xlsx, yamlout
from raterkit.load import load_catalog
from raterkit.model import Framework, Quiz
from round_trips import loaded, via_csv, via_xlsx

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "frameworks").glob("*.yaml") if p.name not in ("crosswalk.yaml", "glossary.yaml"))
QUIZZES = sorted((ROOT / "quiz").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_framework_survives_xlsx_unchanged(path: Path, tmp_path: Path) -> None:
    framework = loaded(path)
    again, data = via_xlsx(framework, tmp_path)
    assert again == framework
    assert [s.text for s in again.statements()] == [s.text for s in framework.statements()]
    assert xlsx.write(sheets.framework_tables(again), "framework") == data


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_framework_survives_csv_unchanged(path: Path, tmp_path: Path) -> None:
    framework = loaded(path)
    again, files = via_csv(framework, tmp_path)
    assert again == framework
    assert csvsheets.render(sheets.framework_tables(again)) == files


@pytest.fixture(scope="module")
def shipped_catalog():
    catalog, problems = load_catalog([ROOT / "frameworks", ROOT / "quiz"])
    assert problems == []
    return catalog


def _quiz_back(quiz_yaml: str, folder: Path) -> Quiz:
    bank = folder / "quiz" / "bank.yaml"
    bank.parent.mkdir(exist_ok=True)
    bank.write_text(quiz_yaml, encoding="utf-8")
    catalog, problems = load_catalog([ROOT / "frameworks", bank])
    assert problems == []
    (quiz,) = catalog.quizzes.values()
    return quiz


@pytest.mark.parametrize("path", QUIZZES, ids=lambda p: p.stem)
def test_shipped_quiz_bank_survives_xlsx_and_csv_unchanged(path: Path, tmp_path: Path, shipped_catalog) -> None:
    quiz = next(q for q in shipped_catalog.quizzes.values() if q.id == path.stem)
    data = xlsx.write(sheets.quiz_tables(quiz), "quiz")
    (tmp_path / "q.xlsx").write_bytes(data)
    tables, problems = xlsx.read(tmp_path / "q.xlsx", "q.xlsx")
    assert problems == []
    back, problems, _ = sheets.quiz_from_tables(tables, "q.xlsx")
    assert problems == [] and back is not None
    again = _quiz_back(yamlout.quiz_yaml(back), tmp_path)
    assert again == quiz
    assert xlsx.write(sheets.quiz_tables(again), "quiz") == data

    files = csvsheets.render(sheets.quiz_tables(quiz))
    (tmp_path / "csv").mkdir()
    for name, content in files.items():
        (tmp_path / "csv" / name).write_bytes(content)
    tables, problems = csvsheets.read(tmp_path / "csv", "csv", list(sheets.QUIZ_SHEETS))
    back, problems, _ = sheets.quiz_from_tables(tables, "csv")
    assert problems == [] and back == quiz


def _statement_framework(*texts: str) -> Framework:
    return Framework.model_validate(
        {
            "id": "f",
            "title": "F",
            "scale": [{"id": "1", "label": "One"}],
            "competencies": [{"id": "c", "title": "C", "descriptors": {"1": {"overall": list(texts)}}}],
        }
    )


FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "=1+1", "'=already quoted"]


def test_formula_like_text_is_written_as_text_and_reads_back(tmp_path: Path) -> None:
    framework = _statement_framework(*FORMULAS)
    data = xlsx.write(sheets.framework_tables(framework), "framework")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        sheet_xml = {n: archive.read(n).decode() for n in names if n.startswith("xl/worksheets/sheet")}
        styles = archive.read("xl/styles.xml").decode()
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert all("<f>" not in xml and "<f " not in xml for xml in sheet_xml.values())
    assert 'quotePrefix="1"' in styles
    statements_xml = sheet_xml["xl/worksheets/sheet5.xml"]  # Notes, Framework, Scale, Competencies, Statements
    cells = re.findall(r'<c r="D\d+"([^>]*)>', statements_xml)
    assert len(cells) == len(FORMULAS) + 1 and all('t="s"' in c for c in cells)  # shared strings: text
    assert "<t>=HYPERLINK(&quot;http://x&quot;" in strings or '<t>=HYPERLINK("http://x"' in strings
    again, _ = via_xlsx(framework, tmp_path)
    assert again.competencies[0].descriptors["1"]["overall"] == FORMULAS
    # and a spreadsheet program sees text: openpyxl reads the cells as strings, not formulas
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [c.data_type for c in book["Statements"]["D"][1:]] == ["s"] * len(FORMULAS)
    assert [c.quotePrefix for c in book["Statements"]["D"][1:]] == [t.startswith(FORMULA_START) for t in FORMULAS]


def test_formula_like_text_in_csv_is_protected_and_reads_back(tmp_path: Path) -> None:
    framework = _statement_framework(*FORMULAS)
    files = csvsheets.render(sheets.framework_tables(framework))
    text = files["statements.csv"].decode("utf-8-sig")
    for line in text.splitlines()[1:]:
        assert line.split(",", 3)[3].lstrip('"').startswith("'")
    again, _ = via_csv(framework, tmp_path)
    assert again.competencies[0].descriptors["1"]["overall"] == FORMULAS


def test_the_same_bytes_every_time_with_fixed_dates() -> None:
    framework = loaded(ROOT / "frameworks" / "customer-service-rubric.yaml")
    first = xlsx.write(sheets.framework_tables(framework), "framework")
    assert xlsx.write(sheets.framework_tables(framework), "framework") == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        core = archive.read("docProps/core.xml").decode()
        assert {i.date_time for i in archive.infolist()} == {xlsx.ZIP_TIME}
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == [xlsx.FIXED_TIME] * 2


def _workbook(path: Path, sheets_rows: dict[str, list[list]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets_rows.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


GOOD = {
    "Framework": [["field", "value"], ["id", "mine"], ["title", "My framework"]],
    "Scale": [["level", "label"], ["1", "Developing"], ["2", "Proficient"]],
    "Competencies": [
        ["competency", "title", "definition", "definition level", "expectations", "criterion", "criterion label"],
        ["service", "Service", None, None, None, "speed", "Speed"],
        ["service", None, None, None, None, "care", "Care"],
    ],
    "Statements": [
        ["competency", "criterion", "level", "statement"],
        ["service", "speed", 1, "Answers within a week."],
        ["service", "speed", 2, "Answers within a day."],
        ["service", "care", 2, "Checks the answer helped."],
    ],
    "Extras": [["competency", "field", "value"]],
}


def test_a_filled_template_imports_and_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    book = tmp_path / "mine.xlsx"
    _workbook(book, GOOD)
    out = tmp_path / "mine.yaml"
    assert main(["import", "xlsx", str(book), "-o", str(out)]) == 0
    framework = loaded(out)
    assert framework.competencies[0].statements("1", "speed") == ["Answers within a week."]
    assert [c.id for c in framework.competencies[0].criteria] == ["speed", "care"]
    assert main(["validate", str(out)]) == 0


def test_every_problem_is_named_by_its_cell_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = {name: [list(r) for r in rows] for name, rows in GOOD.items()}
    bad["Statements"] += [
        ["service", "speed", 3, "A level the scale lacks."],
        ["sales", "speed", 1, "A competency nobody defined."],
        ["service", "tone", 1, "A criterion the competency lacks."],
        ["service", "care", 1, "=1+1"],
    ]
    bad["Scale"].append(["bad id", "Spaces"])
    book = tmp_path / "bad.xlsx"
    _workbook(book, bad)
    out = tmp_path / "bad.yaml"
    assert main(["import", "xlsx", str(book), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    for expected in (
        "bad.xlsx:Statements!D8: statement: this cell holds a formula",
        "bad.xlsx:Scale!A4: level: 'bad id' is not a valid id",
        "bad.xlsx:Statements!C5: level: '3' is not a level of the scale (1, 2)",
        "bad.xlsx:Statements!A6: competency: 'sales' is not a competency of the Competencies sheet",
        "bad.xlsx:Statements!B7: criterion: 'tone' is not a criterion of competency 'service' (speed, care)",
    ):
        assert expected in err
    assert "raterkit import xlsx: 5 problems in bad.xlsx, so nothing was written" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_file_that_is_not_a_workbook_is_refused_plainly(tmp_path: Path, capsys) -> None:
    book = tmp_path / "x.xlsx"
    book.write_text("not a zip")
    assert main(["import", "xlsx", str(book), "-o", str(tmp_path / "x.yaml")]) == 1
    err = capsys.readouterr().err
    assert "not an Excel workbook raterkit can read" in err and not (tmp_path / "x.yaml").exists()


def test_cli_round_trips_and_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    first, back, second = tmp_path / "a.xlsx", tmp_path / "a.yaml", tmp_path / "b.xlsx"
    assert main(["export", "xlsx", "acqdemo-cp1-customer-relations", "-o", str(first)]) == 0
    assert main(["import", "xlsx", str(first), "-o", str(back)]) == 0
    assert main(["export", "xlsx", str(back), "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert main(["export", "csv", "quiz/cp1-profiles.yaml", "-o", str(tmp_path / "q")]) == 0
    assert sorted(p.name for p in (tmp_path / "q").iterdir()) == ["items.csv", "quiz.csv"]
    assert main(["import", "csv", str(tmp_path / "q"), "-o", str(tmp_path / "q.yaml")]) == 0
    assert "quiz cp1-profiles (9 items)" in capsys.readouterr().out
    template = tmp_path / "t.xlsx"
    assert main(["export", "xlsx", "--template", "-o", str(template)]) == 0
    book = openpyxl.load_workbook(template, read_only=True)
    assert book.sheetnames == ["Notes", *sheets.FRAMEWORK_SHEETS]
    assert [c.value for c in next(book["Statements"].iter_rows())] == sheets.FRAMEWORK_SHEETS["Statements"]
    book.close()
    assert main(["export", "xlsx", "--template", "quiz", "-o", str(template)]) == 0


def test_a_quiz_problem_points_at_its_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    book = tmp_path / "q.xlsx"
    _workbook(
        book,
        {
            "Quiz": [["field", "value"], ["id", "q"], ["title", "Q"]],
            "Items": [
                QUIZ_HEADER := sheets.QUIZ_SHEETS["Items"],
                ["q1", "customer-service-rubric", "customer-service", None, None, "Did it.", "nope", "Why.", "x/y"],
            ],
        },
    )
    assert QUIZ_HEADER[6] == "reference"
    assert main(["import", "xlsx", str(book), "-o", str(tmp_path / "q.yaml")]) == 1
    err = capsys.readouterr().err
    assert "q.xlsx:Items!G2: reference: 'nope' is not a level of this scale" in err
    assert "q.xlsx:Items!I2: cites" in err
    assert not (tmp_path / "q.yaml").exists()


def test_csv_problems_name_file_line_and_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    framework = loaded(ROOT / "frameworks" / "customer-service-rubric.yaml")
    folder = tmp_path / "fw"
    assert main(["export", "csv", str(ROOT / "frameworks" / "customer-service-rubric.yaml"), "-o", str(folder)]) == 0
    statements = (folder / "statements.csv").read_text(encoding="utf-8-sig").splitlines()
    # a statement over two lines first, so the next row starts on a later line than its number
    rows = [statements[0], 'customer-service,responsiveness,needs-improvement,"Two\nlines."', *statements[1:]]
    rows.append("customer-service,responsiveness,excellent,Not a level.")
    (folder / "statements.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "scale.csv").write_text("level,label,colour\nneeds-improvement,Needs Improvement,red\n", encoding="utf-8")
    out = tmp_path / "fw.yaml"
    assert main(["import", "csv", str(folder), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    last_line = len(rows) + 1  # the two-line statement takes two lines
    assert f"fw/statements.csv:{last_line}: level: 'excellent' is not a level of the scale" in err
    assert "fw/scale.csv:1: colour: 'colour' is not a column of sheet 'Scale'" in err
    assert not out.exists()
    assert framework.id == "customer-service-rubric"


def test_a_missing_sheet_and_a_cell_without_a_column_are_named(tmp_path: Path, capsys) -> None:
    book = tmp_path / "part.xlsx"
    rows = {name: [list(r) for r in GOOD[name]] for name in ("Framework", "Scale", "Statements")}
    rows["Scale"][1].append("stray")
    _workbook(book, rows)
    assert main(["import", "xlsx", str(book), "-o", str(tmp_path / "part.yaml")]) == 1
    err = capsys.readouterr().err
    assert "there is no sheet named 'Competencies'" in err and "there is no sheet named 'Extras'" in err
    _workbook(book, {**GOOD, "Scale": [*GOOD["Scale"], ["3", "Expert", "stray"]]})
    assert main(["import", "xlsx", str(book), "-o", str(tmp_path / "part.yaml")]) == 1
    err = capsys.readouterr().err
    assert "part.xlsx:Scale!C4: this cell is in a column without a name" in err


def test_a_quiz_bank_in_csv_re_exports_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["export", "csv", "quiz/ita-customer-service-element.yaml", "-o", str(first)]) == 0
    assert main(["import", "csv", str(first), "-o", str(tmp_path / "q.yaml")]) == 0
    assert main(["export", "csv", str(tmp_path / "q.yaml"), "-o", str(second)]) == 0
    for name in ("quiz.csv", "items.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_a_workbook_declaring_xml_entities_is_refused_in_plain_words(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    framework = loaded(ROOT / "frameworks" / "customer-service-rubric.yaml")
    data = xlsx.write(sheets.framework_tables(framework), "framework")
    bomb = tmp_path / "bomb.xlsx"
    entities = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(bomb, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet5.xml":
                content = content.replace(b"<worksheet", entities + b"<worksheet", 1).replace(b"<t>", b"<t>&b;", 1)
            target.writestr(info, content)
    assert main(["import", "xlsx", str(bomb), "-o", str(tmp_path / "bomb.yaml")]) == 1
    err = capsys.readouterr().err
    assert "bomb.xlsx: holds a part (xl/worksheets/sheet5.xml) that declares" in err  # intake, before opening
    assert "Traceback" not in err and not (tmp_path / "bomb.yaml").exists()
    # and should that check ever let one through, the reader (openpyxl with defusedxml) refuses it too
    monkeypatch.setattr(xlsx, "check_workbook", lambda path, shown: [])
    assert main(["import", "xlsx", str(bomb), "-o", str(tmp_path / "bomb.yaml")]) == 1
    err = capsys.readouterr().err
    assert "bomb.xlsx: this workbook declares XML entities, which raterkit refuses" in err
    assert "Traceback" not in err and not (tmp_path / "bomb.yaml").exists()


CONTROL = [
    "Clears \x1b[2J the screen",
    "a\x00b",
    "line\r\nbreak",
    "literal _x0041_ stays",
    "tab\there",
    "_x005F_",
    "ax005F_b",  # openpyxl's own shared-string reader would delete the x005F_
    "<r><t>not XML</t></r>",  # XlsxWriter would write this as a rich string's raw XML
]


def test_control_characters_and_carriage_returns_survive_csv(tmp_path: Path) -> None:
    framework = _statement_framework(*CONTROL, "0\r0")
    again, _ = via_csv(framework, tmp_path)
    assert again.competencies[0].descriptors["1"]["overall"] == [*CONTROL, "0\r0"]


def test_control_characters_and_escape_lookalikes_survive_a_workbook(tmp_path: Path) -> None:
    framework = _statement_framework(*CONTROL)
    again, data = via_xlsx(framework, tmp_path)
    assert again.competencies[0].descriptors["1"]["overall"] == CONTROL
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert "_x001B_[2J" in strings and "_x005F_x0041_" in strings and "\x1b" not in strings
    assert "<t>not XML</t>" not in strings and "&lt;t&gt;not XML&lt;/t&gt;&lt;/r&gt;" in strings  # escaped, not raw


def test_a_bad_framework_id_and_a_bad_pass_rule_point_at_their_value_cells(tmp_path: Path, capsys) -> None:
    book = tmp_path / "ids.xlsx"
    _workbook(book, {**GOOD, "Framework": [["field", "value"], ["title", "T"], ["id", "has spaces"]]})
    assert main(["import", "xlsx", str(book), "-o", str(tmp_path / "x.yaml")]) == 1
    assert "ids.xlsx:Framework!B3: value: id: 'has spaces' is not a valid id" in capsys.readouterr().err
    _workbook(
        book,
        {
            "Quiz": [["field", "value"], ["id", "q"], ["title", "Q"], ["pass rule exact", "most"]],
            "Items": [sheets.QUIZ_SHEETS["Items"]],
        },
    )
    assert main(["import", "xlsx", str(book), "-o", str(tmp_path / "x.yaml")]) == 1
    err = capsys.readouterr().err
    assert "ids.xlsx:Quiz!B4: value: pass rule exact: 'most' is not a number" in err
    assert "ids.xlsx:Items!A1: id: there are no items" in err


def test_a_cell_a_million_rows_away_is_named_not_read_for_minutes(tmp_path: Path, capsys) -> None:
    framework = loaded(ROOT / "frameworks" / "customer-service-rubric.yaml")
    data = xlsx.write(sheets.framework_tables(framework), "framework")
    far = tmp_path / "far.xlsx"
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(far, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet5.xml":
                far_row = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                content = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', content, count=1)
                content = content.replace(b"</sheetData>", far_row + b"</sheetData>", 1)
            target.writestr(info, content)
    assert main(["import", "xlsx", str(far), "-o", str(tmp_path / "far.yaml")]) == 1
    err = capsys.readouterr().err
    assert "far.xlsx:Statements!XFD1048576: this sheet reaches this far; raterkit reads at most 100,000 rows" in err
    assert not (tmp_path / "far.yaml").exists()


def test_a_csv_file_over_the_limit_is_refused_unread(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "fw"
    assert main(["export", "csv", str(ROOT / "frameworks" / "customer-service-rubric.yaml"), "-o", str(folder)]) == 0
    monkeypatch.setattr(csvsheets, "MAX_BYTES", 1000)  # statements.csv is larger than this
    assert main(["import", "csv", str(folder), "-o", str(tmp_path / "fw.yaml")]) == 1
    err = capsys.readouterr().err
    assert "fw/statements.csv: this file is larger than raterkit reads" in err
    assert not (tmp_path / "fw.yaml").exists()


def test_csv_files_are_written_all_or_none(tmp_path: Path) -> None:
    from raterkit.files import write_all

    (tmp_path / "scale.csv").write_bytes(b"old")
    with pytest.raises(OSError):
        write_all({tmp_path / "scale.csv": b"new", tmp_path / "missing" / "statements.csv": b"new"})
    assert (tmp_path / "scale.csv").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scale.csv"]  # no part-written file left
    write_all({tmp_path / "scale.csv": b"new", tmp_path / "statements.csv": b"new"})
    assert sorted(p.read_bytes() for p in tmp_path.iterdir()) == [b"new", b"new"]
