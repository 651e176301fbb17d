"""The MkDocs plugin: a thin adapter that hands the generated pages and assets to MkDocs.

Everything is loaded, checked and generated in ``on_config``, which MkDocs runs before it empties
the output folder: a data error stops the build there and the last good site stays as it was.
A ``mkdocs build`` is then written to a folder beside the output folder and put in its place only
when it succeeded, so a failure later in the build (a warning that ``--strict`` makes an error,
an error in another plugin) leaves the last site byte for byte too.
This is the only module that imports MkDocs.
"""

from __future__ import annotations

import logging
import os
import shutil
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils import CountHandler, clean_directory, get_relative_url

from ..errors import Problem
from ..load import load_catalog
from . import csp
from .compose import (
    Download,
    GeneratedPage,
    NotebookFile,
    SiteSettings,
    build_site,
    insert_nav,
    site_downloads,
    site_notebooks,
    site_problems,
)

log = logging.getLogger("mkdocs.plugins.raterkit")

ASSET_DIR = "assets/raterkit"
CSS = ["rk.css", "rk-quiz.css"]
JS = ["rk-start.js", "rk-tooltips.js", "rk-compare.js", "rk-quiz.js"]


class RaterkitConfig(Config):
    frameworks = c.Type(str, default="frameworks")
    quiz = c.Type(str, default="quiz")
    notebooks = c.Type(str, default="notebooks")
    office = c.Type(str, default="")
    assessment = c.Type(bool, default=False)
    downloads = c.Type(bool, default=True)  # each framework's spreadsheet and CASE package on its page


class RaterkitPlugin(BasePlugin[RaterkitConfig]):
    def __init__(self) -> None:
        self.pages: list[GeneratedPage] = []
        self.notebooks: list[NotebookFile] = []
        self.downloads: list[Download] = []
        self.stage_builds = False  # set by on_startup: a full `mkdocs build` or `gh-deploy`
        self.staged: _StagedOutput | None = None
        self.csp = csp.policy([])

    def on_startup(self, *, command, dirty: bool) -> None:
        self.stage_builds = command in ("build", "gh-deploy") and not dirty

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
        try:
            self.downloads = site_downloads(catalog) if self.config.downloads else []
        except ValueError as exc:  # a text longer than an Excel cell holds
            hint = "Shorten that text, or leave the downloads out: `downloads: false` under the raterkit plugin in mkdocs.yml."
            _stop([Problem(self.config.frameworks, None, "", str(exc), hint)], "for the site")
        self.pages, generated_nav = build_site(catalog, settings, self.notebooks, self.downloads)
        config.nav = insert_nav(config.nav, generated_nav)
        for name in CSS:
            config.extra_css.append(f"{ASSET_DIR}/{name}")
        for name in JS:
            config.extra_javascript.append(f"{ASSET_DIR}/{name}")
        if self.stage_builds:
            self.staged = _StagedOutput.begin(config)
        return config

    def on_env(self, env, *, config, files: Files):
        """The Content-Security-Policy, from the theme's own inline scripts at every page depth."""
        base_urls = {get_relative_url(".", f.url) for f in files.documentation_pages()}
        base_urls.add(urlsplit(config.site_url or "/").path)  # the 404 page's
        features = list(config.theme.get("features") or [])
        self.csp = csp.policy(csp.theme_script_hashes(env, config, base_urls, features))
        return env

    def on_post_page(self, output: str, *, page, config) -> str:
        return csp.with_policy(output, self.csp)

    def on_post_template(self, output_content: str, *, template_name: str, config) -> str:
        return csp.with_policy(output_content, self.csp) if template_name.endswith(".html") else output_content

    @event_priority(-100)  # after every other plugin's post_build (search writes its index there)
    def on_post_build(self, *, config) -> None:
        if self.staged is not None:
            staged, self.staged = self.staged, None
            staged.finish(config)

    def on_build_error(self, *, error: Exception) -> None:
        if self.staged is not None:
            staged, self.staged = self.staged, None
            staged.abandon()

    def on_files(self, files: Files, config) -> Files:
        for page in self.pages:
            if files.get_file_from_path(page.path) is not None:
                raise PluginError(
                    f"raterkit: docs/{page.path} would be replaced by a generated page; move or rename it."
                )
            files.append(File.generated(config, page.path, content=page.markdown))
        for nb in self.notebooks:
            files.append(File.generated(config, nb.path, content=nb.content))
        for download in self.downloads:
            files.append(File.generated(config, download.path, content=download.content))
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


class _StagedOutput:
    """The build written beside the output folder, moved into its place only when it succeeded."""

    def __init__(self, config, final: Path, staging: Path):
        self.config, self.final, self.staging = config, final, staging
        self.warnings = CountHandler()
        self.warnings.setLevel(logging.WARNING)
        logging.getLogger("mkdocs").addHandler(self.warnings)

    @classmethod
    def begin(cls, config) -> _StagedOutput | None:
        final = Path(config.site_dir)
        staging = final.parent / f".{final.name}.raterkit-build"
        try:
            shutil.rmtree(staging, ignore_errors=True)  # left by a build that was killed
            staging.mkdir(parents=True)
        except OSError:  # no room beside the output folder: build in place, as MkDocs does
            return None
        config.site_dir = str(staging)
        log.info(f"raterkit: building beside {final.name}/; it is replaced only when the build succeeds")
        return cls(config, final, staging)

    def finish(self, config) -> None:
        """Put the new site in place, unless ``--strict`` is about to stop the build for a warning."""
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        config.site_dir = str(self.final)
        if config.strict and self.warnings.get_counts():
            shutil.rmtree(self.staging, ignore_errors=True)
            log.error("raterkit: the build had warnings, so the previous site is left unchanged.")
            return
        old = self.final.parent / f".{self.final.name}.raterkit-old"
        shutil.rmtree(old, ignore_errors=True)
        try:
            if self.final.exists():
                self.final.rename(old)
            self.staging.rename(self.final)
        except OSError:  # the output folder cannot be moved (a mount point, say): copy into it
            self.final.mkdir(parents=True, exist_ok=True)
            clean_directory(str(self.final))
            shutil.copytree(self.staging, self.final, dirs_exist_ok=True)
            shutil.rmtree(self.staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)

    def abandon(self) -> None:
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        self.config.site_dir = str(self.final)
        shutil.rmtree(self.staging, ignore_errors=True)


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
