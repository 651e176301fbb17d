"""Tables as an Excel workbook (.xlsx) and back: formula-safe, the same bytes every time.

Writing: every cell is text (``t="s"``), never a formula; text that a spreadsheet could take for
a formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) also gets Excel's
quote-prefix style, so editing the cell keeps it text. The zip's dates and the document's
created/modified times are fixed, so export -> import -> export gives identical files.

Reading: openpyxl in read-only mode (defusedxml installed, so XML entity tricks are refused),
values only; a cell holding a formula is a problem named by its cell: raterkit never evaluates.
(The formula's text stands in for the cell's value, so the layout's checks still find every other problem.)
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from ..csvcells import FORMULA_START
from ..errors import Problem
from .intake import check_workbook
from .sheets import NOTES, ReadTable, Table

__all__ = ["read", "write"]

ZIP_TIME = (2000, 1, 1, 0, 0, 0)
#: The most of a sheet raterkit reads: a framework of 10,000 statements uses 10,001 rows and 4 columns.
MAX_ROWS = 100_000
MAX_COLUMNS = 50
FIXED_TIME = "2000-01-01T00:00:00Z"
_WIDTHS = {"statement": 90, "value": 80, "behaviour": 70, "rationale": 70, "definition": 50, "expectations": 50}


# ECMA-376 escapes a character XML cannot hold as _xHHHH_ (ESC as _x001B_), and an underscore that
# would start such a sequence as _x005F_. A carriage return is escaped too: XML turns it into a newline.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def ooxml_escape(text: str) -> str:
    """Text as a workbook cell holds it (what Excel itself writes)."""
    return _UNWRITABLE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def ooxml_unescape(text: str) -> str:
    """The text a workbook cell stands for: _x001B_ is ESC, _x005F_ an underscore."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def write(tables: list[Table], kind: str) -> bytes:
    """The workbook of ``tables`` (plus a Notes sheet on the layout of ``kind``), as bytes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)  # streams rows: three times faster than the ordinary mode
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def text_cell(sheet: Any, text: str, **style: Any) -> Any:
        if text == "":
            return None
        cell = WriteOnlyCell(sheet, ooxml_escape(text))
        cell.data_type = "s"  # openpyxl takes text beginning with '=' for a formula
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
            sheet.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(name, 18)
        sheet.append([text_cell(sheet, name, font=bold) for name in table.header])
        for row in table.rows:
            sheet.append([text_cell(sheet, text) for text in row])
    book.properties.creator = "raterkit"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed(buffer.getvalue())


def _fixed(data: bytes) -> bytes:
    """The zip rewritten with fixed entry dates and fixed created/modified times: the same bytes every run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_TIME.encode() + rb"\3",
                    content,
                )
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


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


def read(path: Path, shown: str) -> tuple[list[ReadTable], list[Problem]]:
    """Every sheet of the workbook at ``path`` as text tables, and the problems (formulas, unreadable file)."""
    problems = check_workbook(path, shown=shown)  # zip bombs, entity bombs: before anything parses it
    if problems:
        return [], problems
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [_unreadable(shown, exc)]
    try:
        return _tables(book, shown, problems), problems
    except Exception as exc:  # read-only mode parses each sheet as it is read
        return [], [_unreadable(shown, exc)]
    finally:
        book.close()


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
                if kind == "f":
                    where, _ = locate(number, column)
                    problems.append(
                        Problem(
                            where,
                            None,
                            header[column] if number > 1 and column < len(header) else "",
                            "this cell holds a formula; raterkit reads values and never runs formulas",
                            "Type the text itself, or copy the cells and paste them back as values only.",
                        )
                    )
                    values.append(_text(getattr(cell.value, "text", cell.value)))  # the formula's text
                    continue
                if kind == "e":
                    where, _ = locate(number, column)
                    problems.append(
                        Problem(
                            where,
                            None,
                            header[column] if number > 1 and column < len(header) else "",
                            f"this cell holds an error value ({cell.value})",
                            "Type the text itself.",
                        )
                    )
                    values.append(_text(cell.value))
                    continue
                values.append(_text(cell.value))
            if number == 1:
                header = values
            else:
                rows.append((number, values))
        tables.append(ReadTable(name, header, rows, locate))
    return tables
