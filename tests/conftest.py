"""Shared fixtures: the real data loaded once, the real site built once, a served site, Chromium,
and the live server's database on each back-end (SQLite, and a throwaway PostgreSQL cluster).

Paths and helpers live in support.py; tests import them from there, never from this file."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from filelock import FileLock

from support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FRAMEWORKS,
    QUIZ,
    RESPONSE_DATA,
    ROOT,
    Postgres,
    copy_project,
    mkdocs_build,
    postgres_database,
    serve,
)


@pytest.fixture(scope="session")
def catalog():
    from raterkit.load import load_catalog

    cat, problems = load_catalog([FRAMEWORKS, QUIZ] if QUIZ.exists() else [FRAMEWORKS])
    assert problems == [], "\n".join(map(str, problems))
    return cat


@pytest.fixture(scope="session")
def demo():
    """The catalog of the response tests' own small framework and quiz."""
    from raterkit.load import load_catalog

    cat, problems = load_catalog([RESPONSE_DATA / "frameworks", RESPONSE_DATA / "quiz"])
    assert problems == []
    return cat


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh folder the test runs in (relative paths land there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Path]) -> Path:
    """``build(folder)`` run once per test run: ``make test`` runs the tests in two processes
    (pytest-xdist), and the second waits for the first's build and uses it."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above each process's own
    folder, done = shared / name, shared / f"{name}.built"
    with FileLock(shared / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            done.write_text(str(build(folder)), encoding="utf-8")
    return Path(done.read_text(encoding="utf-8"))


def _seed_site(folder: Path) -> Path:
    result = mkdocs_build(ROOT, folder)
    assert result.returncode == 0, result.stderr
    return folder


def _odd_site(folder: Path) -> Path:
    project = copy_project(folder)
    shutil.copy2(ROOT / "tests" / "fixtures" / "odd-shape.yaml", project / "frameworks" / "odd-shape.yaml")
    out = project / "site-out"
    result = mkdocs_build(project, out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory):
    """The real site, built once from the project's own files."""
    return built_once(tmp_path_factory, "seed-site", _seed_site)


@pytest.fixture(scope="session")
def odd_site(tmp_path_factory):
    """The site with one more framework of a shape no seed has, dropped into a copy of frameworks/."""
    return built_once(tmp_path_factory, "odd-project", _odd_site)


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


# --------------------------------------------------------------------------------------------
# The live server's database, on both back-ends. The PostgreSQL variants are slow (a cluster is
# started once per run, a database made per test): `make check` deselects them, `make test` runs them.

#: The back-ends every live test runs on.
LIVE_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL cluster of the run's own (initdb in a temporary folder, a free loopback port),
    removed at the end. Fails, never skips, when PostgreSQL is not installed."""
    try:
        server = Postgres().start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.remove()


@contextmanager
def _live_database(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{folder / 'live.sqlite'}"
    else:
        with postgres_database(request.getfixturevalue("postgres")) as url:
            yield url


@pytest.fixture(params=LIVE_BACKENDS)
def live_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for one test, on each back-end: a SQLite file in tmp_path, or a new
    PostgreSQL database (so no test sees another's rows)."""
    with _live_database(request, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=LIVE_BACKENDS)
def live_db_module(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """As :func:`live_db`, shared by the tests of a module (one server per module and back-end)."""
    with _live_database(request, tmp_path_factory.mktemp("live-db")) as url:
        yield url
