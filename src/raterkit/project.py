"""The raterkit project a notebook runs in: found from its working folder, with its data loaded.

A notebook runs from ``notebooks/`` in Jupyter, in VS Code and under ``nbclient``;
:func:`find_project` walks up from the working folder to the first folder holding
``frameworks/``, and :func:`open_project` loads its frameworks and quizzes, or stops with every
problem named by file and line.
"""

from __future__ import annotations

from pathlib import Path

from .catalog import Catalog
from .errors import DataError
from .load import load_catalog

__all__ = ["find_project", "open_project"]


def find_project(start: Path | str | None = None) -> Path:
    """The nearest folder, from ``start`` (default: the working folder) upwards, that holds frameworks/."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "frameworks").is_dir():
            return folder
    raise FileNotFoundError(
        f"No frameworks/ folder in {here} or in any folder above it. Open this notebook from the "
        "raterkit project (its notebooks/ folder), or name the project folder: open_project('/path/to/project')."
    )


def open_project(start: Path | str | None = None) -> tuple[Path, Catalog]:
    """(the project folder, its frameworks and quizzes); a DataError lists every problem in the data.

    The same problems are listed by ``raterkit validate``.
    """
    project = find_project(start)
    folders = [project / "frameworks"]
    if (project / "quiz").is_dir():
        folders.append(project / "quiz")
    catalog, problems = load_catalog(folders)
    if problems:
        raise DataError(problems)
    return project, catalog
