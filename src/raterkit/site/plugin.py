"""The MkDocs plugin: a thin adapter that hands the generated pages and assets to MkDocs.

Everything is loaded and validated in ``on_config``, which MkDocs runs before it empties the
output folder: a data error stops the build there and the last good site stays as it was.
This is the only module that imports MkDocs.
"""

from __future__ import annotations

import logging
import os
from importlib import resources
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from ..load import load_catalog
from .compose import GeneratedPage, NotebookFile, SiteSettings, build_site, insert_nav, site_notebooks, site_problems

log = logging.getLogger("mkdocs.plugins.raterkit")

ASSET_DIR = "assets/raterkit"
CSS = ["rk.css", "rk-quiz.css"]
JS = ["rk-compare.js", "rk-quiz.js"]


class RaterkitConfig(Config):
    frameworks = c.Type(str, default="frameworks")
    quiz = c.Type(str, default="quiz")
    notebooks = c.Type(str, default="notebooks")
    office = c.Type(str, default="")
    assessment = c.Type(bool, default=False)


class RaterkitPlugin(BasePlugin[RaterkitConfig]):
    def __init__(self) -> None:
        self.pages: list[GeneratedPage] = []
        self.notebooks: list[NotebookFile] = []

    def _paths(self, config) -> list[Path]:
        root = _root(config)
        paths = [root / self.config.frameworks]
        quiz = root / self.config.quiz
        if quiz.is_dir():
            paths.append(quiz)
        return paths

    def on_config(self, config):
        paths = self._paths(config)
        catalog, problems = load_catalog(paths)
        if problems:
            _stop(problems, "in the framework data")
        assessment = self.config.assessment or os.environ.get("RATERKIT_ASSESSMENT", "") not in ("", "0")
        settings = SiteSettings(
            office=self.config.office or None,
            directory_urls=config.use_directory_urls,
            assessment=assessment,
        )
        notebooks = _root(config) / self.config.notebooks
        problems = site_problems(catalog, settings, paths, Path(config.docs_dir), notebooks)
        if problems:
            _stop(problems, "for the site")
        # Every page is generated here, before MkDocs empties the output folder: nothing after this
        # point depends on the data in a way that can fail.
        self.notebooks = site_notebooks(notebooks, settings)
        self.pages, generated_nav = build_site(catalog, settings, self.notebooks)
        config.nav = insert_nav(config.nav, generated_nav)
        for name in CSS:
            config.extra_css.append(f"{ASSET_DIR}/{name}")
        for name in JS:
            config.extra_javascript.append(f"{ASSET_DIR}/{name}")
        return config

    def on_files(self, files: Files, config) -> Files:
        for page in self.pages:
            if files.get_file_from_path(page.path) is not None:
                raise PluginError(
                    f"raterkit: docs/{page.path} would be replaced by a generated page; move or rename it."
                )
            files.append(File.generated(config, page.path, content=page.markdown))
        for nb in self.notebooks:
            files.append(File.generated(config, nb.path, content=nb.content))
        assets = resources.files("raterkit.site") / "assets"
        for name in CSS + JS:
            files.append(File.generated(config, f"{ASSET_DIR}/{name}", content=(assets / name).read_bytes()))
        return files

    def on_serve(self, server, config, builder):
        for path in self._paths(config):
            server.watch(str(path))
        notebooks = _root(config) / self.config.notebooks
        if notebooks.is_dir():
            server.watch(str(notebooks))
        return server


def _stop(problems: list, where: str) -> None:
    """Log each problem and stop the build before MkDocs touches the output folder."""
    for p in problems:
        log.error(str(p))
    raise PluginError(
        f"raterkit: {len(problems)} problem{'s' if len(problems) != 1 else ''} {where} (listed above). "
        "The site was not built; the previous site is unchanged."
    )


def _root(config) -> Path:
    """The project folder: where mkdocs.yml is."""
    return Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
