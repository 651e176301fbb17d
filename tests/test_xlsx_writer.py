"""raterkit's workbook writer (XlsxWriter) against openpyxl as the oracle.

The oracle is the writer raterkit used before (openpyxl's write-only mode, kept here): for the
shipped frameworks, the templates and awkward text, openpyxl must see the same thing in both
workbooks, cell by cell: value, data type, quote prefix, bold, wrapping; and the same sheets,
frozen header and column widths.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from raterkit.csvcells import FORMULA_START
from raterkit.interchange import sheets, xlsx
from raterkit.interchange.sheets import NOTES, Table
from raterkit.load import load_catalog
from raterkit.model import Framework

ROOT = Path(__file__).resolve().parent.parent
CATALOG, _ = load_catalog([ROOT / "frameworks"])
SHIPPED = sorted(CATALOG.frameworks.values(), key=lambda fw: fw.id)


#: The column widths of the former writer.
ORACLE_WIDTHS = {"statement": 90, "value": 80, "behaviour": 70, "rationale": 70, "definition": 50, "expectations": 50}


def oracle_write(tables: list[Table], kind: str) -> bytes:
    """The workbook as openpyxl writes it (raterkit's writer until 2026-12, without the fixed dates)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = openpyxl.Workbook(write_only=True)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def text_cell(sheet: Any, text: str, **style: Any) -> Any:
        if text == "":
            return None
        cell = WriteOnlyCell(sheet, xlsx.ooxml_escape(text))
        cell.data_type = "s"
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
        for key, value in style.items():
            setattr(cell, key, value)
        return cell

    notes = book.create_sheet("Notes")
    notes.column_dimensions["A"].width = 120
    for n, line in enumerate(NOTES[kind]):
        notes.append([text_cell(notes, line, alignment=wrap, **({"font": bold} if n == 0 else {}))])
    for table in tables:
        sheet = book.create_sheet(table.name)
        sheet.freeze_panes = "A2"
        for i, name in enumerate(table.header, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = ORACLE_WIDTHS.get(name, 18)
        sheet.append([text_cell(sheet, name, font=bold) for name in table.header])
        for row in table.rows:
            sheet.append([text_cell(sheet, text) for text in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def seen(data: bytes) -> dict[str, Any]:
    """What openpyxl sees in a workbook: every sheet's cells (with their style), frozen pane and widths."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    view: dict[str, Any] = {}
    for sheet in book.worksheets:
        cells = {
            cell.coordinate: (
                # openpyxl drops every "x005F_" from shared strings (XlsxWriter's) but not from inline
                # strings (the oracle's); raterkit's reader reads both exactly (the last tests).
                xlsx.ooxml_unescape(cell.value.replace("x005F_", "")) if isinstance(cell.value, str) else cell.value,
                cell.data_type,
                bool(cell.quotePrefix),
                bool(cell.font.b),
                bool(cell.alignment.wrap_text),
                cell.alignment.vertical if cell.alignment.wrap_text else None,
            )
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        }
        # XlsxWriter stores the width Excel shows (what is asked plus its padding); openpyxl stores it bare.
        # XlsxWriter writes neighbouring columns of one width as one <col min max>.
        widths = {
            get_column_letter(n): round(dim.width)
            for dim in sheet.column_dimensions.values()
            if dim.customWidth
            for n in range(dim.min or 1, (dim.max or dim.min or 1) + 1)
        }
        view[sheet.title] = (cells, sheet.freeze_panes, widths)
    return view


def _same(tables: list[Table], kind: str) -> dict[str, Any]:
    ours, oracle = seen(xlsx.write(tables, kind)), seen(oracle_write(tables, kind))
    assert list(ours) == list(oracle)
    for name in oracle:
        cells, frozen, widths = ours[name]
        want_cells, want_frozen, want_widths = oracle[name]
        assert cells == want_cells, name
        assert frozen == want_frozen, name
        assert {k: pytest.approx(v, abs=1) for k, v in widths.items()} == want_widths, name
    return ours


@pytest.mark.parametrize("framework", SHIPPED, ids=[fw.id for fw in SHIPPED])
def test_a_shipped_framework_looks_the_same_to_openpyxl_as_the_oracle_writes_it(framework: Framework) -> None:
    view = _same(sheets.framework_tables(framework), "framework")
    cells, frozen, _ = view["Statements"]
    assert frozen == "A2" and cells["A1"][3] is True  # bold header
    assert len(cells) > 10  # a real framework, not an empty sheet


def test_the_shipped_frameworks_are_five() -> None:
    assert len(SHIPPED) == 5


@pytest.mark.parametrize("kind", ["framework", "quiz"])
def test_a_template_looks_the_same_to_openpyxl_as_the_oracle_writes_it(kind: str) -> None:
    view = _same(sheets.template_tables(kind), kind)
    notes, _, widths = view["Notes"]
    later = [cell for coordinate, cell in notes.items() if coordinate != "A1"]
    assert notes["A1"][3:] == (True, True, "top")  # a bold title, then wrapped notes in plain type
    assert later and all(cell[3:] == (False, True, "top") for cell in later)
    assert widths == {"A": pytest.approx(120, abs=1)}


AWKWARD = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\tindented",
    "\rreturn",
    "Clears \x1b[2J the screen",
    "a\x00b",
    "literal _x0041_ stays",
    "_x005F_",
    "ax005F_b",
    "<r><t>not XML</t></r>",
    "=<r></r>",
    "  spaces kept  ",
    "line\nbreak",
    "ünïcödé ✓ 😀",
]


def test_awkward_text_looks_the_same_to_openpyxl_and_reads_back() -> None:
    table = Table(
        "Statements", ["competency", "level", "descriptor", "statement"], [["c", "1", "d", t] for t in AWKWARD]
    )
    view = _same([table], "framework")
    cells, _, _ = view["Statements"]
    assert [cells[f"D{n}"][2] for n in range(2, len(AWKWARD) + 2)] == [t.startswith(FORMULA_START) for t in AWKWARD]


def test_awkward_text_survives_raterkits_own_reader(tmp_path: Path) -> None:
    table = Table("Statements", ["statement"], [[t] for t in AWKWARD])
    book = tmp_path / "a.xlsx"
    book.write_bytes(xlsx.write([table], "framework"))
    tables, problems = xlsx.read(book, "a.xlsx")
    assert not problems
    assert [values[0] for _, values in tables[1].rows] == AWKWARD


def test_a_text_longer_than_an_excel_cell_is_refused_in_words() -> None:
    table = Table("Statements", ["statement"], [["ok"], ["x" * (xlsx.MAX_CELL + 1)]])
    with pytest.raises(ValueError, match=r"Statements!A3 is longer than the 32,767 characters"):
        xlsx.write([table], "framework")
    xlsx.write([Table("Statements", ["statement"], [["x" * xlsx.MAX_CELL]])], "framework")  # the limit itself fits


def test_xlsxwriter_escapes_text_as_ooxml_escape_does() -> None:
    table = Table("Statements", ["statement"], [[t] for t in AWKWARD])
    with zipfile.ZipFile(io.BytesIO(xlsx.write([table], "framework"))) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode()
    for text in AWKWARD:
        if not (text.startswith("<r>") and text.endswith("</r>")):  # those are written as rich text
            assert f">{escape(xlsx.ooxml_escape(text))}</t>" in strings, text
