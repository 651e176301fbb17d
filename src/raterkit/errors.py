"""Problems found in user data, as values a person (and a tool) can act on.

A problem prints as one parseable line, ``path:line: field: message``, then a plain-language
hint indented beneath it. Loaders collect every problem instead of stopping at the first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    field: str
    message: str
    hint: str = ""

    def headline(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
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
