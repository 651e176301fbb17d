"""The files a framework's overview page offers for download: its CASE 1.0 package and its spreadsheet.

Pure: a framework in, ``[Download]`` out (path in the site, link text, bytes). Generated at build
time from the same model as the pages, so the files always match what the site shows; the
plugin writes them into the site beside the overview page.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from ..interchange import case, sheets, xlsx
from ..model import Framework
from .html import url_of
from .page import FRAMEWORKS_DIR

__all__ = ["Download", "file_href", "framework_downloads", "size_text"]


@dataclass(frozen=True)
class Download:
    path: str  # in the site, e.g. frameworks/ID/ID.xlsx
    kind: str  # what the file is, in words
    content: bytes


def framework_downloads(fw: Framework) -> list[Download]:
    """The spreadsheet (the layout of docs/authoring.md) and the CASE 1.0 package of ``fw``.

    Raises ValueError, in words naming the framework and the cell, for a text longer than an Excel cell holds.
    """
    folder = f"{FRAMEWORKS_DIR}/{fw.id}"
    try:
        workbook = xlsx.write(sheets.framework_tables(fw), "framework")
    except ValueError as exc:
        raise ValueError(f"framework {fw.id}: its spreadsheet cannot be written: {exc}") from exc
    return [
        Download(f"{folder}/{fw.id}.xlsx", "Spreadsheet (Excel workbook, .xlsx)", workbook),
        Download(f"{folder}/{fw.id}.case.json", "CASE 1.0 package (JSON)", case.dumps(fw).encode("utf-8")),
    ]


def file_href(from_page: str, file_path: str, directory_urls: bool = True) -> str:
    """A relative link from a generated page to a file in the site."""
    here = url_of(from_page, directory_urls)
    base = posixpath.dirname(here) if here.endswith(".html") else here.rstrip("/")
    return posixpath.relpath(file_path, base or ".")


def size_text(size: int) -> str:
    """A file size as people read it: 812 bytes, 14 KB, 1.2 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"
