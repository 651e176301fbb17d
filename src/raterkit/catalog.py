"""The catalog: every framework, crosswalk, glossary and quiz loaded from a project, and the file each came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Crosswalk, Framework, Glossary, Quiz

__all__ = ["Catalog"]


@dataclass
class Catalog:
    """Everything loaded: frameworks by id, the crosswalk, quizzes, and the file each came from."""

    frameworks: dict[str, Framework] = field(default_factory=dict)
    crosswalk: Crosswalk | None = None
    glossary: Glossary | None = None
    quizzes: dict[str, Quiz] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def statement_texts(self) -> dict[str, str]:
        return {s.address: s.text for fw in self.frameworks.values() for s in fw.statements()}
