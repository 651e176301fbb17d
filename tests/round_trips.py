"""A framework through a spreadsheet and back, for the spreadsheet tests (tests import these)."""

from __future__ import annotations

from pathlib import Path

from raterkit.interchange import csvsheets, sheets, xlsx, yamlout
from raterkit.interchange.sheets import ReadTable
from raterkit.load import load_framework
from raterkit.model import Framework


def loaded(path: Path) -> Framework:
    """The framework file at ``path``, which must load without a problem."""
    framework, problems = load_framework(path)
    assert framework is not None and problems == [], problems
    return framework


def from_tables(tables: list[ReadTable], source: str, folder: Path) -> Framework:
    """The framework the sheets hold, written as YAML into ``folder`` and loaded again."""
    back, problems = sheets.framework_from_tables(tables, source)
    assert problems == [] and back is not None
    written = folder / "back.yaml"
    written.write_text(yamlout.framework_yaml(back), encoding="utf-8")
    return loaded(written)


def via_xlsx(framework: Framework, folder: Path) -> tuple[Framework, bytes]:
    """The framework written as a workbook, read back and written as YAML, loaded again; and the workbook."""
    data = xlsx.write(sheets.framework_tables(framework), "framework")
    book = folder / "fw.xlsx"
    book.write_bytes(data)
    tables, problems = xlsx.read(book, "fw.xlsx")
    assert problems == []
    return from_tables(tables, "fw.xlsx", folder), data


def via_csv(framework: Framework, folder: Path) -> tuple[Framework, dict[str, bytes]]:
    """The same through a folder of CSV files; and the files."""
    files = csvsheets.render(sheets.framework_tables(framework))
    out = folder / "csv"
    out.mkdir()
    for name, data in files.items():
        (out / name).write_bytes(data)
    tables, problems = csvsheets.read(out, "csv", list(sheets.FRAMEWORK_SHEETS))
    assert problems == []
    return from_tables(tables, "csv", folder), files
