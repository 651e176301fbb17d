"""Benchmark the live workshop server with a room of simulated participants on loopback.

    .venv/bin/python benchmarks/live.py [--participants 50 300] [--items 16] [--seconds-limit S]
                                        [--think 2] [--reveals 3] [--no-console] [--seed 12345]
                                        [--db postgresql://... | --postgres] [--workers 4]

Starts ``raterkit live`` in its own process (the command a trainer types, on a SQLite database in
a temporary folder), then for each room size N: creates a self-paced session of the 16-item quiz
``cp1-customer-relations`` (every item open; ``--items`` takes the first K), and runs N
participants, each with its own ``aiohttp.ClientSession``: each joins, keeps its event stream
(``/events``) open and read in a task, then rates every item once, in a random order, at a
random level, after a random think time (0 to 2 x ``--think`` seconds; the default 2 s is still
brisker than a room whose trainees read each behaviour first, and a room of N then asks for up
to N / 2 ratings a second; ``--think 0.25`` is a stress test far beyond any room). The trainer's
console stream is open too, as in a real session (``--no-console`` leaves it closed). The
trainer then reveals ``--reveals`` items one after another.

With a PostgreSQL set-up (``--db postgresql://user@host:port/db``, a server that runs already, or
``--postgres``, a throwaway cluster started for the run and removed after it), the same room is
also run against ``raterkit live --db URL --workers N`` (``--workers``, default 4): each N first
on SQLite with one process, then on PostgreSQL with the workers, and the two are printed side by
side with their ratios (PostgreSQL / SQLite).

Printed for each N and set-up: the rating latency (PUT round trip: p50, p95, p99, max), the
throughput (ratings per second over the rating phase), the non-2xx count, and the reveal delivery
time: from just before the trainer's POST .../reveal until every participant's stream has
received a ``state`` event showing that item revealed (the slowest participant, and the median).
The goals are printed beside the figures and once more at the end: on SQLite with one process,
at N = 300, p95 rating latency < 100 ms and a reveal delivered to everyone within 1 s; on
PostgreSQL with workers, at N = 1000, p95 < 250 ms and a reveal to everyone within 2 s; no error
in either. The CPU seconds of the server (all its processes), of the database server (when it is
the throwaway cluster) and of this client during the rating phase are printed too: all of them
share the machine.

A request that the server closes unanswered on a kept-alive connection (uvicorn closes one idle for
5 s; under load the two clocks drift apart) is sent once more, as browsers do, and counted as
"sent again"; its latency runs from the first attempt. The machine's busy CPU seconds during the
rating phase are printed beside this run's own: what other programs took.

Each participant holds two connections (its stream and its requests), in this process and in the
server: the benchmark raises its limit of open files (which the server inherits) up to the hard
limit and says so when that is too low for the largest N. Each N has a hard time limit
(``--seconds-limit``, default 120 s, plus 0.2 s per participant above 300): past it the run is
stopped, its streams closed, and the report says so. N is at most 1000. Exit status 1 if any
request failed (a non-2xx answer or a broken connection), a stream broke, or a run hit its time
limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp  # the room's phones: a third of httpx's CPU per request, measured on this benchmark
import psycopg
import uvloop  # the client's event loop, as the server's: the room's phones cost this machine less

ROOT = Path(__file__).resolve().parent.parent
QUIZ = "cp1-customer-relations"
LEVELS = ["I", "II", "III", "IV"]
MAX_PARTICIPANTS = 1000
#: The server's pool of database connections in each worker (raterkit.live.store: 20 + 20 overflow).
POOL_PER_WORKER = 40


@dataclass(frozen=True)
class Goal:
    """A goal of the issues, for one set-up (SQLite with one process, or PostgreSQL with workers)."""

    postgres: bool
    n: int
    p95_ms: float
    reveal_s: float


GOALS = {False: Goal(False, 300, 100.0, 1.0), True: Goal(True, 1000, 250.0, 2.0)}


# --------------------------------------------------------------------------------------------
# The servers


def raterkit_command() -> list[str]:
    """The command a trainer types: the environment's `raterkit` script (or the module when there is none)."""
    script = Path(sys.executable).with_name("raterkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "raterkit.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One set-up: ``raterkit live`` on a database, in one process or with worker processes."""

    label: str
    db: str  # what --db is given
    workers: int
    folder: Path
    postgres: bool = False
    db_pid: Callable[[], int | None] = lambda: None  # the database server's main process, when known
    url: str = ""
    process: subprocess.Popen | None = None
    log: Path | None = None

    def start(self, key: str) -> None:
        """Start it and return once it answers."""
        port = free_port()
        self.log = self.folder / f"server-{port}.log"
        workers = ["--workers", str(self.workers)] if self.workers > 1 else []
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [*raterkit_command(), "live", "--db", self.db, "--port", str(port), *workers],
                cwd=ROOT,
                env={**os.environ, "RATERKIT_FACILITATOR_KEY": key},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"raterkit live ({self.label}) stopped (exit code {self.process.returncode}):\n{self.log.read_text()}"
                )
            try:
                with urllib.request.urlopen(self.url + "/openapi.json", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"raterkit live ({self.label}) did not answer within 90 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def exited(self) -> str | None:
        """What the server said when it has stopped by itself; None while it runs."""
        if self.process is None or self.process.poll() is None:
            return None
        return f"exit code {self.process.returncode}:\n{self.log.read_text() if self.log else ''}"

    def cpu(self) -> float | None:
        """CPU seconds of the server's processes (its workers included)."""
        return tree_cpu(self.process.pid) if self.process is not None else None

    def db_cpu(self) -> float | None:
        """CPU seconds of the database server's processes (the throwaway cluster only)."""
        pid = self.db_pid()
        return tree_cpu(pid) if pid is not None else None

    def problems(self) -> list[str]:
        """The server log's lines when it logged an error (a traceback or an ERROR line)."""
        lines = [line for line in self.log.read_text().splitlines() if line.strip()] if self.log else []
        return lines[-30:] if any("Traceback" in line or "ERROR" in line for line in lines) else []


def cpu_seconds(pid: int, ended_children: bool = False) -> float | None:
    """A process's user + system CPU time (Linux /proc), or None elsewhere; with ``ended_children``,
    plus that of its children that have ended (and been waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if ended_children else 0)
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_busy() -> float | None:
    """CPU seconds the whole machine has been busy (every core, every process: Linux /proc/stat), or None."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float | None:
    """User + system CPU time of a process and of every process below it (Linux /proc), or None.

    Processes that have ended count too, through their parent's share of its ended children
    (PostgreSQL's server starts and ends a process for each connection)."""
    own = cpu_seconds(pid)
    if own is None:
        return None
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += cpu_seconds(current, ended_children=True) or 0.0
        todo += children.get(current, [])
    return total


def open_files(largest: int) -> str:
    """Raise this process's limit of open files to the hard limit (the server inherits it); a line saying how it stands."""
    needed = 2 * largest + 300  # a stream and a request connection per participant, plus the rest
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            target = soft
    else:
        target = soft
    line = f"open files: limit {target} (about {needed} needed at N = {largest})"
    if target != resource.RLIM_INFINITY and target < needed:
        line += (
            f"; TOO LOW: connections will fail. Raise the hard limit (ulimit -Hn, or LimitNOFILE in a "
            f"systemd unit) to {needed} or more"
        )
    return line


def postgres_line(url: str, workers: int) -> str:
    """The PostgreSQL server's connection limit against what the server's workers may hold."""
    needed = workers * (POOL_PER_WORKER + 1) + 5  # each worker's pool, its listener, and this check
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=10) as conn:
            limit = int(conn.execute("SHOW max_connections").fetchone()[0])  # type: ignore[index]
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    except psycopg.Error as exc:
        raise SystemExit(f"cannot reach the PostgreSQL server at {url}: {exc}") from None
    line = f"PostgreSQL {version}, max_connections {limit} (the server's {workers} workers may hold up to {needed})"
    return line + ("; TOO LOW: raise max_connections" if limit < needed else "")


def throwaway_postgres() -> Any:
    """A PostgreSQL cluster of its own for the run (the tests' Postgres class), started."""
    # The tests' throwaway cluster (initdb in a temporary folder, a free loopback port, run as the
    # `postgres` user when this runs as root) lives in tests/support.py: reach it from there.
    sys.path.insert(0, str(ROOT / "tests"))
    from support import Postgres  # type: ignore[import-not-found]

    return Postgres().start()


def postmaster_pid(cluster: Any) -> int | None:
    try:
        return int((cluster.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------------------------
# The room


@dataclass
class Figures:
    """What one run measured."""

    n: int
    label: str = ""
    postgres: bool = False
    latencies: list[float] = field(default_factory=list)  # seconds, each rating's PUT round trip
    errors: list[str] = field(default_factory=list)  # non-2xx answers and broken connections
    stream_errors: list[str] = field(default_factory=list)
    join_seconds: float = 0.0
    connect_seconds: float = 0.0
    rating_seconds: float = 0.0
    server_cpu: float | None = None
    db_cpu: float | None = None
    machine_cpu: float | None = None  # every process on the machine, this run's and others'
    client_cpu: float = 0.0
    reveals: list[tuple[str, float, list[float]]] = field(default_factory=list)  # item, POST seconds, delivery
    retried: list[str] = field(default_factory=list)  # requests sent again after an idle connection was closed
    console_events: int = 0
    aborted: str | None = None


#: What a browser's HTTP stack meets when the server closes a kept-alive connection just as a request is
#: sent on it (uvicorn closes one idle for 5 s; under load its clock and this client's drift apart).
#: Browsers then send the request once more on a new connection, whatever its method: so does this client.
CLOSED_UNANSWERED = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)
#: A stream is read for as long as the run lasts; a request waits at most a minute.
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)
STREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=60, sock_connect=60)


@dataclass
class Answer:
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self, limit: int = 200) -> str:
        return self.body[:limit].decode("utf-8", "replace")


async def send(client: aiohttp.ClientSession, method: str, url: str, figures: Figures, **options: Any) -> Answer:
    """A request and its whole answer, sent once more (and counted) when the server closed the
    connection without answering."""
    for attempt in range(2):
        try:
            async with client.request(method, url, timeout=REQUEST_TIMEOUT, **options) as response:
                return Answer(response.status, await response.read())
        except CLOSED_UNANSWERED as exc:
            if attempt:
                raise
            figures.retried.append(f"{method} {url.rsplit('/', 1)[-1]}: {exc!r}")
    raise AssertionError("unreachable")


def new_client() -> aiohttp.ClientSession:
    """A client of its own, as each phone is (its own connections, kept alive between requests)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=4, force_close=False), auto_decompress=False)


class Participant:
    """One simulated trainee: a client of its own, a token, an event stream read in a task."""

    def __init__(self, n: int, url: str, code: str):
        self.name = f"Trainee {n:04d}"
        self.code = code
        self.api = url + "/api/v1"
        self.client = new_client()
        self.headers: dict[str, str] = {}
        self.connected = asyncio.Event()  # set by the first state event, or when the stream is lost
        self.gone = False  # the stream was lost (and counted as broken)
        self.revealed: dict[str, float] = {}  # item -> when a state event first showed it revealed
        self.seen = asyncio.Condition()
        self.stream_task: asyncio.Task | None = None

    async def join(self, figures: Figures) -> bool:
        try:
            answer = await send(
                self.client, "POST", f"{self.api}/sessions/{self.code}/participants", figures, json={"name": self.name}
            )
        except aiohttp.ClientError as exc:
            figures.errors.append(f"join: {exc!r}")
            return False
        if answer.status != 201:
            figures.errors.append(f"join: {answer.status} {answer.text()}")
            return False
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"}
        return True

    async def read_stream(self, figures: Figures) -> None:
        """Read the event stream until it is cancelled; a stream lost before that is counted as broken."""
        try:
            for attempt in range(2):
                started = False
                try:
                    async with self.client.get(
                        f"{self.api}/sessions/{self.code}/events", headers=self.headers, timeout=STREAM_TIMEOUT
                    ) as response:
                        started = True
                        if response.status != 200:
                            figures.stream_errors.append(f"{self.name}: {response.status}")
                            return
                        await self.read_events(response)
                    figures.stream_errors.append(f"{self.name}: the server closed the stream")
                    return
                except CLOSED_UNANSWERED as exc:
                    if started or attempt:
                        raise
                    figures.retried.append(f"GET events: {exc!r}")
        except (TimeoutError, aiohttp.ClientError) as exc:
            figures.stream_errors.append(f"{self.name}: {exc!r}")
        finally:
            self.gone = True
            self.connected.set()
            async with self.seen:
                self.seen.notify_all()

    async def read_events(self, response: aiohttp.ClientResponse) -> None:
        kind = None
        async for raw in response.content:
            line = raw.rstrip(b"\r\n")
            if not line:
                kind = None
            elif line.startswith(b"event:"):
                kind = line[6:].strip()
            elif line.startswith(b"data:") and kind == b"state":
                arrived = time.monotonic()
                view = json.loads(line[5:])
                fresh = [i["id"] for i in view["items"] if i["state"] == "revealed" and i["id"] not in self.revealed]
                for item in fresh:
                    self.revealed[item] = arrived
                self.connected.set()
                if fresh:
                    async with self.seen:
                        self.seen.notify_all()

    async def rate_all(self, items: Sequence[str], think: float, rng: random.Random, figures: Figures) -> None:
        order = list(items)
        rng.shuffle(order)
        answered = time.perf_counter()  # when the last answer arrived (the request connection idle since)
        for item in order:
            await asyncio.sleep(rng.uniform(0, 2 * think))
            level = rng.choice(LEVELS)
            start = time.perf_counter()
            try:
                answer = await send(
                    self.client,
                    "PUT",
                    f"{self.api}/sessions/{self.code}/items/{item}/rating",
                    figures,
                    json={"rating": level},
                    headers=self.headers,
                )
            except (TimeoutError, aiohttp.ClientError) as exc:
                figures.errors.append(f"rate: {exc!r} ({start - answered:.1f} s after the last answer)")
                continue
            answered = time.perf_counter()
            figures.latencies.append(answered - start)
            if not answer.ok:
                figures.errors.append(f"rate: {answer.status} {answer.text()}")

    async def wait_revealed(self, item: str) -> None:
        """Until the stream shows ``item`` revealed (or the stream is lost)."""
        async with self.seen:
            await self.seen.wait_for(lambda: item in self.revealed or self.gone)

    async def close(self) -> None:
        if self.stream_task is not None:
            self.stream_task.cancel()
            await asyncio.gather(self.stream_task, return_exceptions=True)
        await self.client.close()


async def read_console(
    client: aiohttp.ClientSession, api: str, code: str, headers: dict[str, str], figures: Figures
) -> None:
    """The trainer's console stream, read (and counted) as the console page would."""
    try:
        async with client.get(
            f"{api}/sessions/{code}/console-events", headers=headers, timeout=STREAM_TIMEOUT
        ) as response:
            async for line in response.content:
                if line.startswith(b"event: state"):
                    figures.console_events += 1
        figures.stream_errors.append("console: the server closed the stream")
    except (TimeoutError, aiohttp.ClientError) as exc:
        figures.stream_errors.append(f"console: {exc!r}")


async def run_room(url: str, key: str, n: int, args: argparse.Namespace, server: Server, figures: Figures) -> None:
    """One room of ``n`` participants; figures are filled in as the run goes (so a stopped run keeps them)."""
    trainer_headers = {"Authorization": f"Bearer {key}"}
    api = url + "/api/v1"
    rng = random.Random(args.seed + n)
    room: list[Participant] = []
    console: asyncio.Task | None = None
    async with new_client() as trainer:
        quizzes = (await send(trainer, "GET", f"{api}/quizzes", figures, headers=trainer_headers)).json()
        items = [i["id"] for q in quizzes if q["id"] == QUIZ for i in q["items"]][: args.items]
        made = await send(
            trainer,
            "POST",
            f"{api}/sessions",
            figures,
            json={"quiz": QUIZ, "items": items, "pace": "self"},
            headers=trainer_headers,
        )
        if made.status != 201:
            figures.errors.append(f"create: {made.status} {made.text()}")
            return
        code = made.json()["code"]
        try:
            if args.console:
                console = asyncio.create_task(read_console(trainer, api, code, trainer_headers, figures))
            room = [Participant(k, url, code) for k in range(n)]
            start = time.monotonic()
            joined = await asyncio.gather(*(p.join(figures) for p in room))
            figures.join_seconds = time.monotonic() - start
            room_in = [p for p, ok in zip(room, joined, strict=True) if ok]
            start = time.monotonic()
            for p in room_in:
                p.stream_task = asyncio.create_task(p.read_stream(figures))
            await asyncio.gather(*(p.connected.wait() for p in room_in))
            figures.connect_seconds = time.monotonic() - start

            cpu_before, db_before, client_before = server.cpu(), server.db_cpu(), time.process_time()
            machine_before = machine_busy()
            start = time.monotonic()
            await asyncio.gather(
                *(p.rate_all(items, args.think, random.Random(rng.random()), figures) for p in room_in)
            )
            figures.rating_seconds = time.monotonic() - start
            cpu_after, db_after, machine_after = server.cpu(), server.db_cpu(), machine_busy()
            if machine_before is not None and machine_after is not None:
                figures.machine_cpu = machine_after - machine_before
            if cpu_before is not None and cpu_after is not None:
                figures.server_cpu = cpu_after - cpu_before
            if db_before is not None and db_after is not None:
                figures.db_cpu = db_after - db_before
            figures.client_cpu = time.process_time() - client_before

            for item in items[: args.reveals]:
                t0 = time.monotonic()
                answer = await send(
                    trainer, "POST", f"{api}/sessions/{code}/items/{item}/reveal", figures, headers=trainer_headers
                )
                posted = time.monotonic() - t0
                if answer.status != 200:
                    figures.errors.append(f"reveal: {answer.status} {answer.text()}")
                    continue
                await asyncio.gather(*(p.wait_revealed(item) for p in room_in))
                delivery = [p.revealed[item] - t0 for p in room_in if item in p.revealed]
                if len(delivery) < len(room_in):
                    figures.errors.append(f"reveal of {item}: {len(room_in) - len(delivery)} streams lost before it")
                if delivery:
                    figures.reveals.append((item, posted, delivery))
        finally:
            if console is not None:
                console.cancel()
                await asyncio.gather(console, return_exceptions=True)
            await asyncio.gather(*(p.close() for p in room), return_exceptions=True)


def seconds_limit(n: int, args: argparse.Namespace) -> float:
    return args.seconds_limit if args.seconds_limit is not None else 120.0 + 0.2 * max(0, n - 300)


async def run_limited(key: str, n: int, args: argparse.Namespace, server: Server) -> Figures:
    figures = Figures(n, server.label, server.postgres)
    limit = seconds_limit(n, args)
    try:
        await asyncio.wait_for(run_room(server.url, key, n, args, server, figures), limit)
    except TimeoutError:
        figures.aborted = f"stopped at the time limit ({limit:g} s)"
    return figures


# --------------------------------------------------------------------------------------------
# The report


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def latency_ms(f: Figures, q: float) -> float | None:
    return quantile([x * 1000 for x in f.latencies], q) if f.latencies else None


def throughput(f: Figures) -> float | None:
    return len(f.latencies) / f.rating_seconds if f.rating_seconds else None


def slowest_reveal(f: Figures) -> float | None:
    """Seconds until the slowest stream showed the slowest of the reveals."""
    return max(max(delivery) for _, _, delivery in f.reveals) if f.reveals else None


def failed(f: Figures) -> bool:
    return bool(f.errors or f.stream_errors or f.aborted)


def goal(met: bool, f: Figures) -> str:
    aim = GOALS[f.postgres]
    where = "" if f.n == aim.n else f" (goal set for N = {aim.n})"
    return ("met" if met else "MISSED") + where


def report(f: Figures, args: argparse.Namespace, indent: str = "  ") -> None:
    aim = GOALS[f.postgres]
    if f.aborted:
        print(f"{indent}ABORTED: {f.aborted}; the figures below cover what finished before it")
    console = f"; the console stream had {f.console_events} updates" if args.console else ""
    print(
        f"{indent}joined in {f.join_seconds:.2f} s; every event stream sent its first state in "
        f"{f.connect_seconds:.2f} s{console}"
    )
    if f.latencies:
        ms = [x * 1000 for x in f.latencies]
        p95 = quantile(ms, 0.95)
        print(
            f"{indent}rating latency (PUT round trip): p50 {quantile(ms, 0.5):.1f} ms, p95 {p95:.1f} ms, "
            f"p99 {quantile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms"
            f"   goal p95 < {aim.p95_ms:.0f} ms: {goal(p95 < aim.p95_ms, f)}"
        )
    if f.rating_seconds:
        cpu = f"server {f.server_cpu:.1f} s, " if f.server_cpu is not None else ""
        cpu += f"database {f.db_cpu:.1f} s, " if f.db_cpu is not None else ""
        print(
            f"{indent}throughput: {len(f.latencies)} ratings in {f.rating_seconds:.2f} s = "
            f"{len(f.latencies) / f.rating_seconds:.0f} ratings/s   (CPU during the rating phase: {cpu}"
            f"client {f.client_cpu:.1f} s)"
        )
    if f.rating_seconds and f.machine_cpu is not None:
        ours = (f.server_cpu or 0.0) + (f.db_cpu or 0.0) + f.client_cpu
        print(
            f"{indent}the machine: {f.machine_cpu:.1f} CPU s busy of the {(os.cpu_count() or 1) * f.rating_seconds:.0f} "
            f"there were; other programs (and the kernel's own work) used about {max(0.0, f.machine_cpu - ours):.1f} s of it"
        )
    for item, posted, delivery in f.reveals:
        worst = max(delivery)
        print(
            f"{indent}reveal of {item}: POST answered in {posted * 1000:.0f} ms; in every stream after "
            f"{worst * 1000:.0f} ms (p50 {statistics.median(delivery) * 1000:.0f} ms)"
            f"   goal all < {aim.reveal_s:g} s: {goal(worst < aim.reveal_s, f)}"
        )
    print(f"{indent}errors: {len(f.errors)} failed requests (must be 0), {len(f.stream_errors)} broken streams")
    if f.retried:
        print(
            f"{indent}sent again: {len(f.retried)} requests the server closed unanswered on an idle kept-alive "
            f"connection (a browser sends those again too), e.g. {f.retried[0]}"
        )
    for line in (f.errors + f.stream_errors)[:5]:
        print(f"{indent}  {line}")


def ratio(pg: float | None, lite: float | None) -> str:
    return f"x{pg / lite:.2f}" if pg is not None and lite else "—"


def ratios(lite: Figures, pg: Figures) -> str:
    """PostgreSQL / SQLite for the latency quantiles, the throughput and the slowest reveal."""
    parts = [f"{name} {ratio(latency_ms(pg, q), latency_ms(lite, q))}" for name, q in (("p50", 0.5), ("p95", 0.95))]
    parts.append(f"p99 {ratio(latency_ms(pg, 0.99), latency_ms(lite, 0.99))}")
    parts.append(f"throughput {ratio(throughput(pg), throughput(lite))}")
    parts.append(f"reveal to all {ratio(slowest_reveal(pg), slowest_reveal(lite))}")
    return ", ".join(parts)


def goal_lines(runs: list[Figures], servers: list[Server]) -> list[str]:
    """Each set-up's goal against the run at its N (or a note that no run had that N)."""
    lines = []
    for server in servers:
        aim = GOALS[server.postgres]
        found = [f for f in runs if f.postgres == server.postgres and f.n == aim.n]
        head = f"  N = {aim.n} on {server.label}: "
        if not found:
            lines.append(head + f"not run (add {aim.n} to --participants)")
            continue
        f = found[-1]
        p95, reveal = latency_ms(f, 0.95), slowest_reveal(f)
        checks = [
            f"p95 < {aim.p95_ms:.0f} ms "
            + ("—" if p95 is None else f"{'met' if p95 < aim.p95_ms else 'MISSED'} ({p95:.0f} ms)"),
            f"reveal to all < {aim.reveal_s:g} s "
            + ("—" if reveal is None else f"{'met' if reveal < aim.reveal_s else 'MISSED'} ({reveal:.2f} s)"),
            "no error " + ("MISSED" if failed(f) else "met"),
        ]
        lines.append(head + "; ".join(checks))
    return lines


def load_line() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------------------------
# The run


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[50, 300], metavar="N")
    parser.add_argument("--items", type=int, default=16, help="the first K items of the quiz (at most 16)")
    parser.add_argument(
        "--seconds-limit",
        type=float,
        default=None,
        help="hard time limit for each N and set-up (default: 120 s, plus 0.2 s per participant above 300)",
    )
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean think time before each rating (s; 0.25 is a stress test)"
    )
    parser.add_argument("--reveals", type=int, default=3, help="items the trainer reveals, one after another")
    parser.add_argument(
        "--console",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep the trainer's console stream open, as in a real session (default: open)",
    )
    parser.add_argument("--seed", type=int, default=12345)
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--db",
        metavar="URL",
        help="also run on this PostgreSQL database (postgresql://user@host:port/db), with workers",
    )
    where.add_argument(
        "--postgres", action="store_true", help="also run on a throwaway PostgreSQL cluster, removed after the run"
    )
    parser.add_argument(
        "--workers", type=int, default=None, metavar="N", help="worker processes on PostgreSQL (default: 4)"
    )
    args = parser.parse_args(argv)
    if not all(1 <= n <= MAX_PARTICIPANTS for n in args.participants):
        parser.error(f"each N is between 1 and {MAX_PARTICIPANTS}")
    limit_ok = args.seconds_limit is None or args.seconds_limit > 0
    if not 1 <= args.items <= 16 or not limit_ok or args.think < 0 or not 0 <= args.reveals <= args.items:
        parser.error("need 1 <= --items <= 16, --seconds-limit > 0, --think >= 0, 0 <= --reveals <= --items")
    if args.db is not None and not args.db.startswith("postgresql"):
        parser.error("--db takes a PostgreSQL URL (postgresql://user@host:port/db); SQLite is always run")
    postgres = args.db is not None or args.postgres
    if args.workers is not None and not postgres:
        parser.error("--workers is for the PostgreSQL set-up: give --db postgresql://... or --postgres")
    if args.workers is None:
        args.workers = 4
    if not 1 <= args.workers <= 16:
        parser.error("--workers is between 1 and 16")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    key = secrets.token_urlsafe(16)
    runs: list[Figures] = []
    cluster = None
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="raterkit-live-bench-") as tmp:
        folder = Path(tmp)
        try:
            print(
                f"{os.cpu_count()} CPUs, {load_line()} before the runs; think time 0 to {2 * args.think:g} s; "
                f"{open_files(max(args.participants))}"
            )
            servers.append(Server("SQLite, one process", str(folder / "live.sqlite"), 1, folder))
            if args.postgres:
                cluster = throwaway_postgres()
                pg = Server(f"PostgreSQL, {args.workers} workers", cluster.url, args.workers, folder, postgres=True)
                pg.db_pid = lambda: postmaster_pid(cluster)
                servers.append(pg)
            elif args.db:
                servers.append(Server(f"PostgreSQL, {args.workers} workers", args.db, args.workers, folder, True))
            for server in servers:
                server.start(key)
                where = "a throwaway cluster" if server.postgres and cluster is not None else server.db
                if server.postgres:
                    where = f"{where}; {postgres_line(server.db, server.workers)}"
                elif len(servers) == 1:
                    where = "a temporary folder"
                print(
                    f"{server.label}: raterkit live on {server.url} (pid {server.process.pid if server.process else '?'}), database in {where}"
                )
            for n in args.participants:
                most = f" (at most {n / args.think:.0f} ratings/s asked)" if args.think > 0 else ""
                console = "; the trainer's console stream open" if args.console else ""
                print(f"\nN = {n}: {n} participants, {args.items} items each{most}{console}")
                done: dict[bool, Figures] = {}
                for server in servers:
                    before = load_line()
                    figures = uvloop.run(run_limited(key, n, args, server))
                    runs.append(figures)
                    done[server.postgres] = figures
                    print(f"  {server.label} ({before} before the run):")
                    report(figures, args, indent="    ")
                    stopped = server.exited()
                    if stopped is not None:
                        print(f"the server ({server.label}) stopped, {stopped}")
                        return 1
                if len(done) == 2:
                    print(f"  PostgreSQL / SQLite: {ratios(done[False], done[True])}")
        finally:
            for server in servers:
                server.stop()
            if cluster is not None:
                cluster.remove()
        logged = False
        for server in servers:
            problems = server.problems()
            if problems:
                print(f"the server ({server.label}) logged errors:\n" + "\n".join(problems))
                logged = True
    print("\nGoals:")
    print("\n".join(goal_lines(runs, servers)))
    return 1 if logged or any(failed(f) for f in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
