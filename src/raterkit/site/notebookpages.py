"""Site pages for the committed notebooks: each rendered (text and code) with a download link.

Pure: reads the .ipynb files as JSON (no Jupyter import) and returns pages plus the notebook
files to publish beside them. Notebooks are committed without outputs, so the pages show what
a trainee will run, not results; running them is the point.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .html import esc, md, yaml_str
from .page import GeneratedPage, SiteSettings

NOTEBOOKS_DIR = "notebooks"
INDEX_PATH = f"{NOTEBOOKS_DIR}/index.md"


@dataclass(frozen=True)
class NotebookFile:
    path: str  # in the site, e.g. notebooks/trainer-workshop.ipynb
    content: bytes
    title: str
    summary: str


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _title_and_summary(cells: list[dict], fallback: str) -> tuple[str, str]:
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            text = _source(cell)
            m = re.match(r"#\s+(.+)", text.strip())
            if m:
                rest = [
                    p.strip()
                    for p in text.strip().split("\n\n")[1:]
                    if p.strip() and not p.lstrip().startswith(("*", "#", "-"))
                ]
                return m.group(1).strip(), " ".join(rest[0].split()) if rest else ""
    return fallback, ""


def _fence(code: str) -> str:
    ticks = max([len(t) for t in re.findall(r"`+", code)] + [2]) + 1
    return "`" * ticks


#: A notebook's file name: it becomes a page address and a link, so letters, digits, ``-``, ``_``
#: and ``.`` only (the same characters as an id).
NOTEBOOK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.ipynb")


def notebook_paths(folder: Path) -> list[Path]:
    """The notebooks a build reads: the ``.ipynb`` files directly in ``folder``, sorted."""
    return sorted(folder.glob("*.ipynb")) if folder.is_dir() else []


def notebook_problem(raw: bytes) -> tuple[int | None, str] | None:
    """Why these bytes are not a notebook the site can show, as (line or None, plain words), or None."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw[: exc.start].count(b"\n") + 1, "the notebook is not UTF-8 text"
    try:
        nb = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        return line, "the notebook is not a readable Jupyter notebook (its JSON is damaged)"
    cells = nb.get("cells", []) if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return None, "the notebook has no list of cells"
    for cell in cells:
        src = cell.get("source", "") if isinstance(cell, dict) else None
        if not isinstance(src, str) and not (isinstance(src, list) and all(isinstance(x, str) for x in src)):
            return None, "a cell of the notebook is damaged (its text is not text)"
    return None


def read_notebooks(folder: Path) -> list[NotebookFile]:
    """Every notebook in ``folder`` (checked first with :func:`notebook_problem`)."""
    files = []
    for path in notebook_paths(folder):
        raw = path.read_bytes()
        nb = json.loads(raw.decode("utf-8"))
        title, summary = _title_and_summary(nb.get("cells", []), path.stem.replace("-", " ").capitalize())
        files.append(NotebookFile(f"{NOTEBOOKS_DIR}/{path.name}", raw, title, summary))
    return files


def page_path(site_path: str) -> str:
    """The page that shows the notebook at ``site_path`` (``notebooks/<name>.ipynb``)."""
    return site_path[: -len(".ipynb")] + ".md"


def pages(notebooks: list[NotebookFile], settings: SiteSettings) -> list[GeneratedPage]:
    """An index of the notebooks and one page per notebook."""
    out = []
    for nb in notebooks:
        cells = json.loads(nb.content.decode("utf-8")).get("cells", [])
        name = nb.path.rsplit("/", 1)[1]
        # Mostly code: kept out of search, so that searching a statement finds the frameworks.
        parts = ["---", f"title: {yaml_str(esc(nb.title))}", "search:", "  exclude: true", "---", ""]
        first_heading_done = False
        for cell in cells:
            text = _source(cell).strip("\n")
            if not text.strip():
                continue
            if cell.get("cell_type") == "markdown":
                parts += [text, ""]
                if not first_heading_done and text.lstrip().startswith("# "):
                    first_heading_done = True
                    parts += [
                        f'[Download this notebook ({name})]({name}){{ .md-button .md-button--primary download="{esc(name)}" }}',
                        "",
                        "Open it in JupyterLab or VS Code from the project's `notebooks/` folder and run the cells "
                        "from top to bottom. The cells below show its text and code.",
                        "",
                    ]
            elif cell.get("cell_type") == "code":
                fence = _fence(text)
                parts += [f"{fence}python", text, fence, ""]
        out.append(GeneratedPage(page_path(nb.path), nb.title, "\n".join(parts)))
    index = [
        "---",
        'title: "Notebooks"',
        "---",
        "",
        "# Notebooks",
        "",
        "Jupyter notebooks for practising at your own pace and for running a calibration workshop. "
        "Each one loads the frameworks and quizzes of this project, so open it from the project's "
        "`notebooks/` folder (in JupyterLab or VS Code) and run the cells from top to bottom.",
        "",
    ]
    if not notebooks:
        index += [
            "There are no notebooks in this build of the site."
            + (
                " This is an assessment build: practice material that shows reference ratings is left out."
                if settings.assessment
                else ""
            ),
            "",
        ]
    for nb in notebooks:
        name = nb.path.rsplit("/", 1)[1]
        stem = name[: -len(".ipynb")]
        index += [f"## {md(nb.title)}", ""]
        if nb.summary:
            index += [esc(nb.summary), ""]
        index += [f"[Read it]({stem}.md) · [Download {esc(name)}]({name})", ""]
    out.insert(0, GeneratedPage(INDEX_PATH, "Notebooks", "\n".join(index)))
    return out


def nav(notebooks: list[NotebookFile]) -> dict[str, list | str]:
    """The notebooks' navigation section, keyed by the marker that mkdocs.yml uses."""
    entries = [{"All notebooks": f"{NOTEBOOKS_DIR}/index.md"}] + [
        {esc(nb.title): page_path(nb.path)} for nb in notebooks
    ]
    return {"raterkit:notebooks": entries}
