"""The whole generated site in one place: every page family's pages and navigation, composed.

Pure: catalog, settings and notebooks in; pages and navigation out. The MkDocs plugin
(``plugin.py``) hands the result to MkDocs; the benchmark and the tests call it directly.
"""

from __future__ import annotations

from pathlib import Path

from ..load import Catalog
from . import frameworkpages, notebookpages, quizpages
from .downloads import Download, framework_downloads
from .notebookpages import NotebookFile, read_notebooks
from .page import GeneratedPage, Glossary, SiteSettings
from .siteproblems import site_problems

__all__ = [
    "Download",
    "GeneratedPage",
    "NotebookFile",
    "SiteSettings",
    "build_site",
    "insert_nav",
    "site_downloads",
    "site_notebooks",
    "site_problems",
]

Nav = dict[str, list | str]


def site_notebooks(folder: Path, settings: SiteSettings) -> list[NotebookFile]:
    """The notebooks a build publishes: none in an assessment build, whose practice notebooks
    would give feedback against the key."""
    return [] if settings.assessment else read_notebooks(folder)


def site_downloads(catalog: Catalog) -> list[Download]:
    """The files the framework pages offer: each framework's spreadsheet and CASE 1.0 package."""
    return [d for fw in catalog.frameworks.values() for d in framework_downloads(fw)]


def build_site(
    catalog: Catalog,
    settings: SiteSettings | None = None,
    notebooks: list[NotebookFile] | None = None,
    downloads: list[Download] | None = None,
) -> tuple[list[GeneratedPage], Nav]:
    """Every generated page, and the navigation keyed by the markers mkdocs.yml uses.

    The notebooks index page always exists (it says so when there are none), so links to it hold.
    ``downloads`` (from :func:`site_downloads`) are linked from the framework pages; the caller writes them."""
    s = settings or SiteSettings()
    nbs = notebooks or []
    glossary = Glossary(catalog.glossary.forms() if catalog.glossary else {})
    by_framework: dict[str, list[Download]] = {}
    for d in downloads or []:
        by_framework.setdefault(d.path.split("/")[1], []).append(d)
    pages = (
        frameworkpages.pages(catalog, s, glossary, by_framework)
        + quizpages.pages(catalog, s, glossary)
        + notebookpages.pages(nbs, s)
    )
    nav: Nav = {**frameworkpages.nav(catalog), **quizpages.nav(catalog), **notebookpages.nav(nbs)}
    return pages, nav


#: Section titles when mkdocs.yml has no nav, in this order.
NAV_TITLES = {
    "raterkit:frameworks": "Frameworks",
    "raterkit:quizzes": "Quizzes",
    "raterkit:across": "Across frameworks",
    "raterkit:notebooks": "Notebooks",
    "raterkit:glossary": "Glossary",
}


def insert_nav(user_nav: list | None, generated: Nav) -> list:
    """Replace the markers ('raterkit:frameworks', ...) in mkdocs.yml's nav with generated entries;
    without a nav in mkdocs.yml, Home and every generated section under a plain title."""
    if not user_nav:
        out: list = [{"Home": "index.md"}]
        ordered = [k for k in NAV_TITLES if generated.get(k)] + [
            k for k in generated if k not in NAV_TITLES and generated[k]
        ]
        return out + [{NAV_TITLES.get(k, k): generated[k]} for k in ordered]

    def walk(node):
        if isinstance(node, dict) and len(node) == 1:
            ((title, value),) = node.items()
            if isinstance(value, str) and value.startswith("raterkit:") and not generated.get(value):
                return None  # a marker with nothing behind it (no notebooks, say)
        if isinstance(node, list):
            return [w for w in (walk(x) for x in node) if w is not None]
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, str) and node in generated:
            return generated[node]
        return node

    return walk(user_nav)
