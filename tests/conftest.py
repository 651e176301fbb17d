"""Shared fixtures: the real data loaded once, the real site built once, a served site, Chromium.

Paths and helpers live in support.py; tests import them from there, never from this file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support import CHROMIUM, CHROMIUM_ARGS, FRAMEWORKS, QUIZ, ROOT, copy_project, mkdocs_build, serve


@pytest.fixture(scope="session")
def catalog():
    from raterkit.load import load_catalog

    cat, problems = load_catalog([FRAMEWORKS, QUIZ] if QUIZ.exists() else [FRAMEWORKS])
    assert problems == [], "\n".join(map(str, problems))
    return cat


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory):
    """The real site, built once from the project's own files."""
    out = tmp_path_factory.mktemp("seed-site")
    result = mkdocs_build(ROOT, out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def odd_site(tmp_path_factory):
    """The site with one more framework of a shape no seed has, dropped into a copy of frameworks/."""
    project = copy_project(tmp_path_factory.mktemp("odd-project"))
    shutil.copy2(ROOT / "tests" / "fixtures" / "odd-shape.yaml", project / "frameworks" / "odd-shape.yaml")
    out = project / "site-out"
    result = mkdocs_build(project, out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def seed_url(seed_site):
    url, server = serve(seed_site)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def odd_url(odd_site):
    url, server = serve(odd_site)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Browser tests need Debian's chromium at {CHROMIUM}: run 'make test' (it installs it) or 'apt-get install chromium'."
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


#: Fixtures that build a site: every test using one is slow, whether or not its module says so.
SITE_FIXTURES = {"seed_site", "odd_site", "seed_url", "odd_url"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SITE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
