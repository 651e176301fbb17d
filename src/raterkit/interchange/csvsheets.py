"""Tables as a folder of CSV files (one a sheet: ``statements.csv``, ``scale.csv``, ...) and back.

Cells go through ``raterkit.csvcells.protect`` on the way out and ``unprotect`` on the way in,
so a spreadsheet shows text that looks like a formula as text, and it reads back as written.
Files are UTF-8 with a byte-order mark, which Excel needs to show accents and dashes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..csvcells import protect, unprotect
from ..errors import Problem
from .sheets import ReadTable, Table

__all__ = ["MAX_BYTES", "file_name", "read", "render"]

#: The largest CSV file raterkit reads whole.
MAX_BYTES = 50 * 2**20


def file_name(sheet: str) -> str:
    """The CSV file of a sheet: 'Statements' -> 'statements.csv'."""
    return f"{sheet.casefold()}.csv"


def render(tables: list[Table]) -> dict[str, bytes]:
    """File name -> bytes, one CSV file a table."""
    out = {}
    for table in tables:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(table.header)
        writer.writerows([protect(cell) for cell in row] for row in table.rows)
        out[file_name(table.name)] = buffer.getvalue().encode("utf-8-sig")
    return out


def read(folder: Path, shown: str, sheets: list[str]) -> tuple[list[ReadTable], list[Problem]]:
    """The CSV files of ``sheets`` in ``folder`` as tables; a file that is missing is left out
    (the layout check names it)."""
    tables: list[ReadTable] = []
    problems: list[Problem] = []
    for sheet in sheets:
        path = folder / file_name(sheet)
        where = f"{shown.rstrip('/')}/{file_name(sheet)}"
        if not path.is_file():
            continue
        if path.stat().st_size > MAX_BYTES:
            problems.append(
                Problem(
                    where,
                    None,
                    "",
                    f"this file is larger than raterkit reads ({MAX_BYTES // 2**20} MB); nothing in it was read",
                    "A framework of 10,000 statements is a few MB: check that this is the right file.",
                )
            )
            continue
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:  # a CR inside a cell stays a CR
                text = handle.read()
        except UnicodeDecodeError:
            problems.append(
                Problem(where, None, "", "this file is not UTF-8 text", "Save it from your spreadsheet as 'CSV UTF-8'.")
            )
            continue
        except OSError as exc:
            problems.append(Problem(where, None, "", f"cannot read it: {exc.strerror or exc}", ""))
            continue

        def locate(row: int, column: int, where: str = where) -> tuple[str, int | None]:
            return where, row

        reader = csv.reader(io.StringIO(text, newline=""))
        header: list[str] = []
        rows: list[tuple[int, list[str]]] = []
        start = 1
        try:
            for cells in reader:
                cells = [unprotect(cell) for cell in cells]
                if not header and start == 1:
                    header = cells
                else:
                    rows.append((start, cells))
                start = reader.line_num + 1
        except csv.Error as exc:
            problems.append(Problem(where, reader.line_num, "", f"not CSV raterkit can read ({exc})", ""))
            continue
        tables.append(ReadTable(sheet, header, rows, locate))
    return tables, problems
