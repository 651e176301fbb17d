"""Paths and helpers the tests share: the project's folders, a site build as a user runs it,
a local web server, Debian's Chromium, and the one switch that rewrites golden files.

Tests import these from here (``from support import ROOT``); conftest.py holds only fixtures.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ROOT / "frameworks"
QUIZ = ROOT / "quiz"
TESTS = ROOT / "tests"


def update_golden() -> bool:
    """True when golden files are to be rewritten instead of compared: ``UPDATE_GOLDEN=1 pytest``.

    One switch for every golden suite (validation messages, response problems, page snapshots);
    after using it, read the diff before committing.
    """
    return bool(os.environ.get("UPDATE_GOLDEN"))


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
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(project / "mkdocs.yml"),
            "-d",
            str(out),
            *extra,
        ],
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
