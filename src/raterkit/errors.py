"""Problems found in user data, as values a person (and a tool) can act on.

A problem prints as one parseable line, ``path:line: field: message``, then a plain-language
hint indented beneath it (``path: row 12: field: message`` in a file without lines, Parquet). Loaders collect every problem instead of stopping at the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    field: str
    message: str
    hint: str = ""
    #: What ``line`` counts: "line" in text files, "row" in files that have no lines (Parquet).
    unit: str = "line"

    def headline(self) -> str:
        if not self.line:
            where = self.path
        elif self.unit == "line":
            where = f"{self.path}:{self.line}"
        else:
            where = f"{self.path}: {self.unit} {self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def __str__(self) -> str:
        return self.headline() + (f"\n    {self.hint}" if self.hint else "")


class DataError(Exception):
    """Raised by faces (site plugin, notebooks) that cannot go on with broken data."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        summary = f"{count} problem{'s' if count != 1 else ''} in the data:"
        super().__init__("\n".join([summary, *map(str, self.problems)]))


def describe(value: Any, mapping: str = "a set of keys") -> str:
    """What a value is, in words, for messages such as "expected text, found a list".
    ``mapping`` names a dict in the file's own terms (YAML: a set of keys; JSON: an object)."""
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ('{value}')" if len(value) < 40 else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return mapping
    if value is None:
        return "nothing"
    return type(value).__name__
