"""Tables as an Excel workbook (.xlsx) and back: formula-safe, the same bytes every time.

Writing: XlsxWriter (BSD). Every cell is text (``t="s"``, written with ``write_string``), never a
formula; text that a spreadsheet could take for a formula (it begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) also gets Excel's quote-prefix style, so editing the cell keeps it text.
XlsxWriter escapes control characters as ``_xHHHH_`` itself (exactly as :func:`ooxml_escape` does),
dates every zip entry 1980-01-01 and writes the document's created/modified times we give it, so
export -> import -> export gives identical files with no re-zipping.

Why XlsxWriter and not openpyxl (which wrote these until 2026-12; it stays the reader), measured on
this machine: the site build writes every framework's workbook, and openpyxl cost 0.16-0.25 s to
import plus 0.12-0.18 s for the five shipped frameworks (write-only mode, then a re-zip to fix the
dates); XlsxWriter imports in about 27 ms inside a build and writes the five in about 12 ms, its
bytes already the same every run. benchmarks/site_build.py went from 1.32-1.37x to 1.17-1.19x
(README's speed table). Writing the XML parts by hand would save only that import.

Two XlsxWriter behaviours are guarded here: a text beginning ``<r>`` and ending ``</r>`` would be
taken for a rich string's raw XML, so it is written as a rich string of three plain pieces instead;
and a text longer than Excel's cell limit (32,767 characters) would be cut short, so it is refused.

Reading: openpyxl in read-only mode (defusedxml installed, so XML entity tricks are refused),
values only, shared strings read as the file holds them (``_load``); a cell holding a formula is a
problem named by its cell: raterkit never evaluates.
(The formula's text stands in for the cell's value, so the layout's checks still find every other problem.)
"""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path
from typing import Any

from ..csvcells import FORMULA_START
from ..errors import Problem
from .intake import check_workbook
from .sheets import NOTES, ReadTable, Table

__all__ = ["read", "write"]

#: The date of every zip entry (XlsxWriter's, Excel's own epoch).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: The most of a sheet raterkit reads: a framework of 10,000 statements uses 10,001 rows and 4 columns.
MAX_ROWS = 100_000
MAX_COLUMNS = 50
#: The most characters (UTF-16 units) an Excel cell holds.
MAX_CELL = 32_767
FIXED_TIME = "2000-01-01T00:00:00Z"
_CREATED = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_WIDTHS = {"statement": 90, "value": 80, "behaviour": 70, "rationale": 70, "definition": 50, "expectations": 50}


# ECMA-376 escapes a character XML cannot hold as _xHHHH_ (ESC as _x001B_), and an underscore that
# would start such a sequence as _x005F_. A carriage return is escaped too: XML turns it into a newline.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def ooxml_escape(text: str) -> str:
    """Text as a workbook cell holds it (what Excel itself writes, and XlsxWriter)."""
    return _UNWRITABLE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def ooxml_unescape(text: str) -> str:
    """The text a workbook cell stands for: _x001B_ is ESC, _x005F_ an underscore."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def write(tables: list[Table], kind: str) -> bytes:
    """The workbook of ``tables`` (plus a Notes sheet on the layout of ``kind``), as bytes.

    Raises ValueError (in words, naming the sheet and cell) for a text longer than an Excel cell holds.
    """
    import xlsxwriter
    from xlsxwriter.utility import xl_rowcol_to_cell

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"author": "raterkit", "created": _CREATED})
    formats: dict[tuple[bool, bool, bool], Any] = {}

    def text_cell(sheet: Any, row: int, column: int, text: str, bold: bool = False, wrap: bool = False) -> None:
        if text == "":
            return
        if len(text) > MAX_CELL // 2 and len(text.encode("utf-16-le")) // 2 > MAX_CELL:
            raise ValueError(
                f"the text of {sheet.name}!{xl_rowcol_to_cell(row, column)} is longer than the "
                f"{MAX_CELL:,} characters an Excel cell holds"
            )
        key = (bold, wrap, text.startswith(FORMULA_START))
        if key not in formats:
            options: dict[str, Any] = {"bold": True} if bold else {}
            if wrap:
                options.update(text_wrap=True, valign="top")
            if key[2]:
                options["quote_prefix"] = True  # openpyxl and Excel keep the cell text when edited
            formats[key] = book.add_format(options) if options else None
        if text.startswith("<r>") and text.endswith("</r>"):  # else XlsxWriter writes it as raw XML
            sheet.write_rich_string(
                row, column, text[0], text[1], text[2:], *[f for f in [formats[key]] if f is not None]
            )
        else:
            sheet.write_string(row, column, text, formats[key])

    notes = book.add_worksheet("Notes")
    notes.set_column(0, 0, 120)
    for n, line in enumerate(NOTES[kind]):
        text_cell(notes, n, 0, line, bold=n == 0, wrap=True)
    for table in tables:
        sheet = book.add_worksheet(table.name)
        sheet.freeze_panes(1, 0)
        for i, name in enumerate(table.header):
            sheet.set_column(i, i, _WIDTHS.get(name, 18))
            text_cell(sheet, 0, i, name, bold=True)
        for r, row in enumerate(table.rows, start=1):
            for c, text in enumerate(row):
                text_cell(sheet, r, c, text)
    book.close()
    return buffer.getvalue()


def _text(value: Any) -> str:
    """A cell's value as the text a person typed: whole numbers without '.0', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return ooxml_unescape(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        return value.isoformat() if not isinstance(value, datetime.timedelta) else str(value)
    return str(value)


#: Cells raterkit does not take as typed text, by openpyxl's data type: what is said, and the hint.
_REFUSED_CELLS = {
    "f": (
        "this cell holds a formula; raterkit reads values and never runs formulas",
        "Type the text itself, or copy the cells and paste them back as values only.",
    ),
    "e": ("this cell holds an error value ({value})", "Type the text itself."),
}


def read(path: Path, shown: str) -> tuple[list[ReadTable], list[Problem]]:
    """Every sheet of the workbook at ``path`` as text tables, and the problems (formulas, unreadable file)."""
    problems = check_workbook(path, shown=shown)  # zip bombs, entity bombs: before anything parses it
    if problems:
        return [], problems
    try:
        book = _load(path)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [_unreadable(shown, exc)]
    try:
        return _tables(book, shown, problems), problems
    except Exception as exc:  # read-only mode parses each sheet as it is read
        return [], [_unreadable(shown, exc)]
    finally:
        book.close()


def _load(path: Path) -> Any:
    """The workbook at ``path`` as openpyxl's ``load_workbook(read_only=True)`` opens it, but with its
    shared strings as the file holds them.

    openpyxl deletes every ``x005F_`` from shared strings (a shortcut for the escaped underscore), so
    a cell typed ``_x0041_`` (stored ``_x005F_x0041_``) came back as ``A`` and one typed
    ``ax005F_b`` as ``ab``; :func:`ooxml_unescape` undoes the escapes properly instead, as it does
    for inline strings.
    """
    from openpyxl.cell.text import Text
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse  # defusedxml's when installed

    class Reader(ExcelReader):
        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            if part is None:
                return
            strings: list[str] = []
            with self.archive.open(part.PartName[1:]) as source:
                for _, node in iterparse(source):
                    if node.tag == f"{{{SHEET_MAIN_NS}}}si":
                        text = Text.from_tree(node)
                        strings.append(text.content if text is not None else "")
                        node.clear()
            self.shared_strings = strings

    reader = Reader(path, read_only=True, data_only=False, keep_links=False)
    reader.read()
    return reader.wb


def _unreadable(shown: str, exc: BaseException) -> Problem:
    """Why a workbook cannot be read, in words: XML entity tricks (refused by defusedxml), or not a workbook."""
    cause: BaseException | None = exc
    while cause is not None:
        if type(cause).__module__.startswith("defusedxml"):
            return Problem(
                shown,
                None,
                "",
                "this workbook declares XML entities, which raterkit refuses (they can make a small file "
                "expand to gigabytes)",
                "Open it in Excel or LibreOffice and save it again as an Excel workbook (.xlsx); "
                "a spreadsheet program never writes them.",
            )
        cause = cause.__cause__ or cause.__context__
    return Problem(
        shown,
        None,
        "",
        f"not an Excel workbook raterkit can read ({type(exc).__name__})",
        "Save the file from Excel or LibreOffice as an Excel workbook (.xlsx).",
    )


def _tables(book: Any, shown: str, problems: list[Problem]) -> list[ReadTable]:
    """Every sheet as a text table; formula and error cells are added to ``problems``."""
    from openpyxl.utils import get_column_letter

    tables: list[ReadTable] = []
    for sheet in book.worksheets:
        name = sheet.title

        def locate(row: int, column: int, name: str = name) -> tuple[str, int | None]:
            return f"{shown}:{name}!{get_column_letter(column + 1)}{row}", None

        if (sheet.max_row or 0) > MAX_ROWS or (sheet.max_column or 0) > MAX_COLUMNS:
            far, _ = locate(sheet.max_row, sheet.max_column - 1)
            problems.append(
                Problem(
                    far,
                    None,
                    "",
                    f"this sheet reaches this far; raterkit reads at most {MAX_ROWS:,} rows and "
                    f"{MAX_COLUMNS} columns of a sheet",
                    "Delete the rows and columns beyond your table (select them, right-click, Delete), save, "
                    "and import again.",
                )
            )
        rows: list[tuple[int, list[str]]] = []
        header: list[str] = []
        # Bounds given, so a cell far away (one at XFD1048576) cannot make openpyxl fill in a million rows.
        for number, cells in enumerate(sheet.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS), start=1):
            if all(getattr(cell, "value", None) is None for cell in cells):
                continue  # an empty row: the layout skips it anyway
            values: list[str] = []
            for column, cell in enumerate(cells):
                kind = getattr(cell, "data_type", "n")
                refused = _REFUSED_CELLS.get(kind)
                if refused is not None:
                    where, _ = locate(number, column)
                    message, hint = refused
                    problems.append(
                        Problem(
                            where,
                            None,
                            header[column] if number > 1 and column < len(header) else "",
                            message.format(value=cell.value),
                            hint,
                        )
                    )
                values.append(_text(getattr(cell.value, "text", cell.value) if kind == "f" else cell.value))
            if number == 1:
                header = values
            else:
                rows.append((number, values))
        tables.append(ReadTable(name, header, rows, locate))
    return tables
