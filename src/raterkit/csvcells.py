"""CSV cells that a spreadsheet shows as text, never runs as a formula, and that read back as written.

OWASP's CSV-injection rule: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return can be taken for a formula by Excel or LibreOffice (``=HYPERLINK(...)``, ``+cmd|...``).
Every CSV raterkit writes passes its text cells through :func:`protect`, which puts an apostrophe
in front (spreadsheets show the rest as text); the response reader passes every cell through
:func:`unprotect`, so a file raterkit wrote reads back with the original text. Numbers are
written as numbers: a negative bias stays -0.80.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_START", "protect", "unprotect"]

#: What a cell may not begin with, unprotected.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(text: str) -> bool:
    # Apostrophes first count too: a name typed as '=x must come back as '=x, not as =x.
    return text.lstrip("'").startswith(FORMULA_START)


def protect(cell: Any) -> Any:
    """``cell`` as a CSV writer should write it: text that could be read as a formula (after any
    apostrophes) gets a leading apostrophe; anything that is not text is returned as it is."""
    if isinstance(cell, str) and _formula_like(cell):
        return "'" + cell
    return cell


def unprotect(cell: str) -> str:
    """The text :func:`protect` was given: the one apostrophe it put in front is removed."""
    if cell.startswith("'") and _formula_like(cell):
        return cell[1:]
    return cell
