"""What would break a site build although the data is valid: two pages at one address, a
hand-written page where a generated page goes, a notebook the site cannot read.

Pure (no MkDocs): the plugin calls :func:`site_problems` in ``on_config``, before MkDocs empties
the output folder, so a build that would fail stops there and the last site stays as it was;
``raterkit validate`` calls it too. Every problem names the file (and line) to change.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from ..catalog import Catalog
from ..checks import shown_path
from ..errors import Problem
from ..load import CROSSWALK_NAME, GLOSSARY_NAME, expand
from ..yamlsource import YamlDoc, field_path, read_yaml
from . import frameworkpages as fwp
from . import notebookpages as nbp
from . import quizpages as qzp
from .html import url_of
from .page import SiteSettings, level_path, matrix_path, overview_path

#: Where an id comes from: ('framework', id) or ('quiz', id); the key in that file.
Source = tuple[str, str]

RENAME_ID = "Ids name the pages of the site: rename this id."
RENAME_LEVEL = (
    "Ids name the pages of the site, and a comparison page is named '<level>-vs-<level>': "
    "rename this level (an id without '-vs-' in it cannot collide)."
)
MOVE_DOCS = "The site generates a page there from the data: move or rename this file."


@dataclass(frozen=True)
class Owner:
    """Who puts a page at an address: the site itself, an id in a data file, or a file."""

    what: str  # in words: "the page of quiz 'index'"
    rank: int  # 0 the site's own page, 1 an id in the data, 2 a file in docs/ or notebooks/
    source: Source | None = None
    loc: tuple = ()
    hint: str = RENAME_ID
    file: Path | None = None  # rank 2: the file itself


def site_problems(
    catalog: Catalog,
    settings: SiteSettings,
    data_paths: Iterable[Path | str],
    docs_dir: Path | None,
    notebooks_dir: Path | None,
) -> list[Problem]:
    """Problems a site build from this (valid) catalog would run into, each naming its file.

    ``data_paths`` are the files and folders the catalog was loaded from (to point at the line of
    an id); ``docs_dir`` the hand-written pages; ``notebooks_dir`` the notebooks (read only when
    the build publishes them, not in an assessment build)."""
    problems: list[Problem] = []
    notebooks = [] if settings.assessment or notebooks_dir is None else nbp.notebook_paths(notebooks_dir)
    for path in notebooks:
        problems += _notebook_problems(path)
    places: dict[str, list[tuple[str, Owner]]] = {}
    for page, owner in generated(catalog, notebooks) + _hand_written(docs_dir):
        places.setdefault(_output(page, settings.directory_urls).lower(), []).append((page, owner))
    docs = _Docs(catalog, data_paths)
    for claims in places.values():
        if len(claims) < 2:
            continue
        claims.sort(key=lambda c: c[1].rank)  # stable: in the order the site builds its pages
        (first_page, holder), *others = claims
        address = url_of(first_page, settings.directory_urls) if first_page.endswith(".md") else first_page
        for _, owner in others:
            message = f"{owner.what} would be at the same address ({address or 'the home page'}) as {holder.what}"
            problems.append(docs.problem(owner, message))
    return problems


def _notebook_problems(path: Path) -> list[Problem]:
    shown = shown_path(path)
    out = []
    if not nbp.NOTEBOOK_NAME.fullmatch(path.name):
        out.append(
            Problem(
                shown,
                None,
                "",
                "the notebook's file name can only hold letters, digits, '-', '_' and '.' (it becomes a web address)",
                "Rename the file, e.g. practice-my-framework.ipynb.",
            )
        )
    try:
        found = nbp.notebook_problem(path.read_bytes())
    except OSError as exc:
        found = None, f"cannot read the notebook ({exc.strerror})"
    if found is not None:
        line, message = found
        out.append(
            Problem(
                shown, line, "", message, "Open and save it again in JupyterLab, or restore it from version control."
            )
        )
    return out


def generated(catalog: Catalog, notebooks: list[Path]) -> list[tuple[str, Owner]]:
    """Every page and file the site generates, with its owner (the same pages ``compose.build_site`` builds)."""
    out: list[tuple[str, Owner]] = [(fwp.INDEX_PATH, Owner("the list of frameworks", 0))]
    for fw in catalog.frameworks.values():
        src: Source = ("framework", fw.id)
        name = f"framework '{fw.id}'"
        out += [
            (overview_path(fw), Owner(f"the overview of {name}", 1, src, ("id",))),
            (matrix_path(fw), Owner(f"the matrix of {name}", 1, src, ("id",))),
            (fwp.compare_path(fw), Owner(f"the level comparisons of {name}", 1, src, ("id",))),
        ]
        out += [
            (level_path(fw, lv.id), Owner(f"the page of level '{lv.id}' of {name}", 1, src, ("scale", i, "id")))
            for i, lv in enumerate(fw.scale)
        ]
        for (_, a), (j, b) in combinations(enumerate(fw.scale), 2):
            what = f"the comparison of levels '{a.id}' and '{b.id}' of {name}"
            out.append((fwp.pair_path(fw, a.id, b.id), Owner(what, 1, src, ("scale", j, "id"), RENAME_LEVEL)))
    for comp_id, fws in fwp.shared_criteria_groups(catalog):
        i = next(n for n, c in enumerate(fws[0].competencies) if c.id == comp_id)
        what = f"the page of competency '{comp_id}' across frameworks"
        out.append((fwp.across_path(comp_id), Owner(what, 1, ("framework", fws[0].id), ("competencies", i, "id"))))
    if catalog.crosswalk is not None:
        out.append((fwp.CROSSWALK_PATH, Owner("the crosswalk", 0)))
    if catalog.glossary is not None:
        out.append((fwp.GLOSSARY_PATH, Owner("the glossary", 0)))
    out.append((qzp.QUIZ_INDEX_PATH, Owner("the list of quizzes", 0)))
    out += [
        (qzp.quiz_path(q), Owner(f"the page of quiz '{q.id}'", 1, ("quiz", q.id), ("id",)))
        for q in catalog.quizzes.values()
    ]
    out.append((nbp.INDEX_PATH, Owner("the list of notebooks", 0)))
    for path in notebooks:
        site_path = f"{nbp.NOTEBOOKS_DIR}/{path.name}"
        hint = "Rename the notebook file."
        out.append((site_path, Owner(f"the notebook {path.name}", 2, file=path, hint=hint)))
        out.append((nbp.page_path(site_path), Owner(f"the page of the notebook {path.name}", 2, file=path, hint=hint)))
    return out


def _hand_written(docs_dir: Path | None) -> list[tuple[str, Owner]]:
    """The files in docs/ as MkDocs reads them (hidden files left out; README.md is a folder's index
    when the folder has no index.md)."""
    if docs_dir is None or not docs_dir.is_dir():
        return []
    out = []
    for f in sorted(docs_dir.rglob("*")):
        rel = f.relative_to(docs_dir)
        if not f.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        page = rel.as_posix()
        if f.name.lower() == "readme.md" and not (f.parent / "index.md").exists():
            page = posixpath.join(posixpath.dirname(page), "index.md")
        out.append((page, Owner(f"the hand-written page docs/{rel.as_posix()}", 2, file=f, hint=MOVE_DOCS)))
    return out


def _output(page: str, directory_urls: bool) -> str:
    """The file MkDocs writes for ``page`` in the output folder."""
    if not page.endswith(".md"):
        return page
    stem = page[: -len(".md")]
    if posixpath.basename(stem) == "index" or not directory_urls:
        return stem + ".html"
    return stem + "/index.html"


class _Docs:
    """The data files, read again only to point a problem at the line of its id."""

    def __init__(self, catalog: Catalog, data_paths: Iterable[Path | str]):
        self.catalog = catalog
        self.paths = expand(data_paths)
        self._read: dict[Path, YamlDoc | None] = {}

    def _doc(self, path: Path) -> YamlDoc | None:
        if path not in self._read:
            self._read[path] = read_yaml(path, shown_path(path))[0]
        return self._read[path]

    def _file(self, source: Source) -> Path | None:
        kind, key = source
        if kind == "framework":
            shown = self.catalog.files.get(key)
            return next((p for p in self.paths if shown_path(p) == shown), None)
        framework_files = set(self.catalog.files.values())
        for p in self.paths:
            if p.name in (CROSSWALK_NAME, GLOSSARY_NAME) or shown_path(p) in framework_files:
                continue
            doc = self._doc(p)
            if doc is not None and isinstance(doc.data, dict) and str(doc.data.get("id", "")) == key:
                return p
        return None

    def problem(self, owner: Owner, message: str) -> Problem:
        if owner.file is not None:
            return Problem(shown_path(owner.file), None, "", message, owner.hint)
        assert owner.source is not None
        path = self._file(owner.source)
        doc = self._doc(path) if path is not None else None
        if doc is None:
            return Problem(f"{owner.source[0]} '{owner.source[1]}'", None, field_path(owner.loc), message, owner.hint)
        return Problem(doc.path, doc.line_of(owner.loc), field_path(owner.loc), message, owner.hint)
