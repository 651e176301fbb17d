"""Paths and helpers the tests share: the project's folders, a site build as a user runs it,
a local web server, Debian's Chromium, and the one switch that rewrites golden files.

Tests import these from here (``from support import ROOT``); conftest.py holds only fixtures.
"""

from __future__ import annotations

import functools
import http.server
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parent.parent
#: The small framework and quiz the response-reading tests and golden cases read against.
RESPONSE_DATA = ROOT / "tests" / "cases" / "responses" / "_data"
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


# --------------------------------------------------------------------------------------------
# The live workshop server

#: The facilitator key the tests start the live server with.
LIVE_KEY = "trainer-key-for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers (the live server imports pandas and loads the data first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the live server stopped with exit code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def start_live(db: Path, port: int | None = None, key: str = LIVE_KEY, *extra: str) -> tuple[str, subprocess.Popen]:
    """`raterkit live` as a trainer runs it, in its own process, on the project's data: (base url, process).

    Stop it with ``process.terminate()`` (or ``process.kill()``, as a crash would) and ``process.wait()``.
    """
    port = port or free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "raterkit.cli",
            "live",
            "--db",
            str(db),
            "--port",
            str(port),
            "--facilitator-key",
            key,
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/openapi.json", process=process)
    except (RuntimeError, TimeoutError):
        process.kill()
        out, err = process.communicate()
        raise RuntimeError(f"raterkit live did not start:\n{out}\n{err}") from None
    return url, process


def serve_live(app) -> tuple[str, object, threading.Thread]:
    """Serve an ASGI app (``raterkit.live.app.create_app(...)``) with uvicorn from a thread: (base url,
    server, thread). Stop it with :func:`stop_live`."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/openapi.json")
    return url, server, thread


def watched(context, trouble: list[str], who: str = ""):
    """A new page of the browser ``context`` that records dialogs, script errors and refused content
    (CSP) in ``trouble`` as they happen (each line starting with ``who``)."""
    said = f"{who}: " if who else ""
    page = context.new_page()
    page.on("dialog", lambda dialog: (trouble.append(f"{said}dialog: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: trouble.append(f"{said}page error: {error}"))
    page.on(
        "console",
        lambda message: (
            trouble.append(f"{said}console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def stop_live(server, thread: threading.Thread) -> None:
    """Stop a server started by :func:`serve_live`, open event streams included.

    uvicorn in a thread installs no signal handler, so sse-starlette does not learn of the stop
    by itself: its process-wide flag ends the streams, and is reset for the next server."""
    from sse_starlette.sse import AppStatus

    AppStatus.should_exit = True
    server.should_exit = True
    thread.join(30)
    AppStatus.should_exit = False
    if thread.is_alive():
        raise RuntimeError("the live server did not stop")


# --------------------------------------------------------------------------------------------
# A throwaway PostgreSQL cluster (Debian's postgresql): initdb in a temporary folder, a free
# loopback port, removed afterwards. initdb refuses to run as root: as root, the cluster belongs
# to the unprivileged `postgres` user.


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (initdb, pg_ctl), newest version first."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name), reverse=True
    )
    return found[0].parent if found else None


class Postgres:
    """A PostgreSQL server of the tests' own: ``Postgres().start()``, ``.url``, ``.stop()``,
    ``.restart()``, ``.remove()``; ``fsync`` off (the tests kill processes, never the machine).

    Its folder is made directly in the system's temporary folder: pytest's own are private to
    root, and the unprivileged server could not reach a cluster inside them."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError(
                "The live server's tests need PostgreSQL's server programs (initdb, pg_ctl), which are not "
                "installed: run 'make test' as root to install them, or 'sudo apt-get install postgresql'."
            )
        self.bin = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="raterkit-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.url = f"postgresql+psycopg://raterkit@127.0.0.1:{self.port}/raterkit"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> Postgres:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.folder, self.user)
            self.folder.chmod(0o700)
        if not self.data.exists():
            self._run(
                str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "raterkit", "-N", "-E", "UTF8"
            )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D", str(self.data),
            "-l", str(self.folder / "server.log"),
            "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            "-w",
            "start",
        )  # fmt: skip
        created = self.folder / ".created"
        if not created.exists():
            self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "raterkit", "raterkit")
            created.touch()
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop the server (if it runs) and delete its folder."""
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def postgres_database(server: Postgres) -> Iterator[str]:
    """A new, empty database on ``server`` (its URL), dropped afterwards with every connection to it."""
    name = f"t_{secrets.token_hex(6)}"
    admin = make_url(server.url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield make_url(server.url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
