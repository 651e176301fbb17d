"""Shared fixtures: paths of the project and a loaded catalog of the real data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ROOT / "frameworks"
QUIZ = ROOT / "quiz"


@pytest.fixture(scope="session")
def catalog():
    from raterkit.load import load_catalog

    cat, problems = load_catalog([FRAMEWORKS, QUIZ] if QUIZ.exists() else [FRAMEWORKS])
    assert problems == [], "\n".join(map(str, problems))
    return cat


# ----------------------------------------------------------------------------- site builds

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading

PROJECT_FILES = ["mkdocs.yml", "docs", "overrides", "frameworks", "quiz", "notebooks"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def copy_project(dest: Path) -> Path:
    """A copy of what a site build reads, to change freely in a test."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("sources"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def mkdocs_build(project: Path, out: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` as a user runs it, in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(out), *extra],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        timeout=300,
    )


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


def serve(folder: Path):
    """Serve a built site on 127.0.0.1 (a free port) from a thread; returns (base_url, server)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


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
    shutil.copy2(Path(__file__).parent / "fixtures" / "odd-shape.yaml", project / "frameworks" / "odd-shape.yaml")
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
        pytest.fail(f"Browser tests need Debian's chromium at {CHROMIUM}: run 'make test' (it installs it) or 'apt-get install chromium'.")
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
