"""Benchmark the live workshop server with a room of simulated participants on loopback.

    .venv/bin/python benchmarks/live.py [--participants 50 300] [--items 16] [--seconds-limit 120]
                                        [--think 2] [--reveals 3] [--no-console] [--seed 12345]

Starts ``raterkit live`` in its own process (the command a trainer types, on a database in a
temporary folder), then for each room size N: creates a self-paced session of the 16-item quiz
``cp1-customer-relations`` (every item open; ``--items`` takes the first K), and runs N
participants, each with its own ``httpx.AsyncClient``: each joins, keeps its event stream
(``/events``) open and read in a task, then rates every item once, in a random order, at a
random level, after a random think time (0 to 2 x ``--think`` seconds; the default 2 s is still
brisker than a room whose trainees read each behaviour first, and a room of N then asks for up
to N / 2 ratings a second; ``--think 0.25`` is a stress test far beyond any room). The trainer's
console stream is open too, as in a real session (``--no-console`` leaves it closed). The
trainer then reveals ``--reveals`` items one after another.

Printed for each N: the rating latency (PUT round trip: p50, p95, p99, max), the throughput
(ratings per second over the rating phase), the non-2xx count, and the reveal delivery time:
from just before the trainer's POST .../reveal until every participant's stream has received a
``state`` event showing that item revealed (the slowest participant, and the median). The goals
are printed beside the figures: at N = 300, p95 rating latency < 100 ms and a reveal delivered to
everyone within 1 s. The server's and this client's CPU seconds during the rating phase are
printed too: the client shares the machine with the server.

Each N has a hard time limit (``--seconds-limit``): past it the run is stopped, its streams
closed, and the report says so. N is at most 1000. Exit status 1 if any request failed (a non-2xx
answer or a broken connection), a stream broke, or a run hit its time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUIZ = "cp1-customer-relations"
LEVELS = ["I", "II", "III", "IV"]
GOAL_N = 300
GOAL_P95_MS = 100.0
GOAL_REVEAL_S = 1.0
MAX_PARTICIPANTS = 1000


# --------------------------------------------------------------------------------------------
# The server


def raterkit_command() -> list[str]:
    """The command a trainer types: the environment's `raterkit` script (or the module when there is none)."""
    script = Path(sys.executable).with_name("raterkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "raterkit.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(folder: Path, key: str) -> tuple[str, subprocess.Popen, Path]:
    """`raterkit live` on a new database in ``folder``: (base url, process, log file) once it answers."""
    port = free_port()
    log = folder / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*raterkit_command(), "live", "--db", str(folder / "live.sqlite"), "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "RATERKIT_FACILITATOR_KEY": key},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"raterkit live stopped (exit code {process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(url + "/openapi.json", timeout=2).status_code == 200:
                return url, process, log
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    process.wait()
    raise RuntimeError(f"raterkit live did not answer within 90 s:\n{log.read_text()}")


def cpu_seconds(pid: int) -> float | None:
    """A process's user + system CPU time (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------------------------
# The room


@dataclass
class Figures:
    """What one run measured."""

    n: int
    latencies: list[float] = field(default_factory=list)  # seconds, each rating's PUT round trip
    errors: list[str] = field(default_factory=list)  # non-2xx answers and broken connections
    stream_errors: list[str] = field(default_factory=list)
    join_seconds: float = 0.0
    connect_seconds: float = 0.0
    rating_seconds: float = 0.0
    server_cpu: float | None = None
    client_cpu: float = 0.0
    reveals: list[tuple[str, float, list[float]]] = field(default_factory=list)  # item, POST seconds, delivery
    console_events: int = 0
    aborted: str | None = None


class Participant:
    """One simulated trainee: a client of its own, a token, an event stream read in a task."""

    def __init__(self, n: int, url: str, code: str, tls: ssl.SSLContext):
        self.name = f"Trainee {n:04d}"
        self.code = code
        # A client of its own (as each phone is); one TLS context for all, as none is used on http.
        self.client = httpx.AsyncClient(base_url=url + "/api/v1", timeout=60, verify=tls)
        self.headers: dict[str, str] = {}
        self.connected = asyncio.Event()
        self.revealed: dict[str, float] = {}  # item -> when a state event first showed it revealed
        self.seen = asyncio.Condition()
        self.stream_task: asyncio.Task | None = None

    async def join(self, figures: Figures) -> bool:
        try:
            answer = await self.client.post(f"/sessions/{self.code}/participants", json={"name": self.name})
        except httpx.TransportError as exc:
            figures.errors.append(f"join: {exc!r}")
            return False
        if answer.status_code != 201:
            figures.errors.append(f"join: {answer.status_code} {answer.text[:200]}")
            return False
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"}
        return True

    async def read_stream(self, figures: Figures) -> None:
        try:
            async with self.client.stream(
                "GET", f"/sessions/{self.code}/events", headers=self.headers, timeout=httpx.Timeout(60, read=None)
            ) as response:
                if response.status_code != 200:
                    figures.stream_errors.append(f"{self.name}: {response.status_code}")
                    return
                kind = None
                async for line in response.aiter_lines():
                    if not line:
                        kind = None
                    elif line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:") and kind == "state":
                        arrived = time.monotonic()
                        view = json.loads(line[5:])
                        fresh = [
                            i["id"] for i in view["items"] if i["state"] == "revealed" and i["id"] not in self.revealed
                        ]
                        for item in fresh:
                            self.revealed[item] = arrived
                        self.connected.set()
                        if fresh:
                            async with self.seen:
                                self.seen.notify_all()
            figures.stream_errors.append(f"{self.name}: the server closed the stream")
        except httpx.TransportError as exc:
            figures.stream_errors.append(f"{self.name}: {exc!r}")

    async def rate_all(self, items: Sequence[str], think: float, rng: random.Random, figures: Figures) -> None:
        order = list(items)
        rng.shuffle(order)
        for item in order:
            await asyncio.sleep(rng.uniform(0, 2 * think))
            level = rng.choice(LEVELS)
            start = time.perf_counter()
            try:
                answer = await self.client.put(
                    f"/sessions/{self.code}/items/{item}/rating", json={"rating": level}, headers=self.headers
                )
            except httpx.TransportError as exc:
                figures.errors.append(f"rate: {exc!r}")
                continue
            figures.latencies.append(time.perf_counter() - start)
            if not answer.is_success:
                figures.errors.append(f"rate: {answer.status_code} {answer.text[:200]}")

    async def wait_revealed(self, item: str) -> None:
        async with self.seen:
            await self.seen.wait_for(lambda: item in self.revealed)

    async def close(self) -> None:
        if self.stream_task is not None:
            self.stream_task.cancel()
            await asyncio.gather(self.stream_task, return_exceptions=True)
        await self.client.aclose()


async def read_console(client: httpx.AsyncClient, code: str, headers: dict[str, str], figures: Figures) -> None:
    """The trainer's console stream, read (and counted) as the console page would."""
    try:
        async with client.stream(
            "GET", f"/sessions/{code}/console-events", headers=headers, timeout=httpx.Timeout(60, read=None)
        ) as response:
            async for line in response.aiter_lines():
                if line.startswith("event: state"):
                    figures.console_events += 1
        figures.stream_errors.append("console: the server closed the stream")
    except httpx.TransportError as exc:
        figures.stream_errors.append(f"console: {exc!r}")


async def run_room(
    url: str,
    key: str,
    n: int,
    args: argparse.Namespace,
    server_pid: int,
    figures: Figures,
) -> None:
    """One room of ``n`` participants; figures are filled in as the run goes (so a stopped run keeps them)."""
    trainer_headers = {"Authorization": f"Bearer {key}"}
    tls = ssl.create_default_context()
    rng = random.Random(args.seed + n)
    room: list[Participant] = []
    console: asyncio.Task | None = None
    async with httpx.AsyncClient(base_url=url + "/api/v1", timeout=60, verify=tls) as trainer:
        quizzes = (await trainer.get("/quizzes", headers=trainer_headers)).json()
        items = [i["id"] for q in quizzes if q["id"] == QUIZ for i in q["items"]][: args.items]
        made = await trainer.post(
            "/sessions", json={"quiz": QUIZ, "items": items, "pace": "self"}, headers=trainer_headers
        )
        if made.status_code != 201:
            figures.errors.append(f"create: {made.status_code} {made.text[:200]}")
            return
        code = made.json()["code"]
        try:
            if args.console:
                console = asyncio.create_task(read_console(trainer, code, trainer_headers, figures))
            room = [Participant(k, url, code, tls) for k in range(n)]
            start = time.monotonic()
            joined = await asyncio.gather(*(p.join(figures) for p in room))
            figures.join_seconds = time.monotonic() - start
            room_in = [p for p, ok in zip(room, joined, strict=True) if ok]
            start = time.monotonic()
            for p in room_in:
                p.stream_task = asyncio.create_task(p.read_stream(figures))
            await asyncio.gather(*(p.connected.wait() for p in room_in))
            figures.connect_seconds = time.monotonic() - start

            cpu_before, client_before = cpu_seconds(server_pid), time.process_time()
            start = time.monotonic()
            await asyncio.gather(
                *(p.rate_all(items, args.think, random.Random(rng.random()), figures) for p in room_in)
            )
            figures.rating_seconds = time.monotonic() - start
            cpu_after = cpu_seconds(server_pid)
            if cpu_before is not None and cpu_after is not None:
                figures.server_cpu = cpu_after - cpu_before
            figures.client_cpu = time.process_time() - client_before

            for item in items[: args.reveals]:
                t0 = time.monotonic()
                answer = await trainer.post(f"/sessions/{code}/items/{item}/reveal", headers=trainer_headers)
                posted = time.monotonic() - t0
                if answer.status_code != 200:
                    figures.errors.append(f"reveal: {answer.status_code} {answer.text[:200]}")
                    continue
                await asyncio.gather(*(p.wait_revealed(item) for p in room_in))
                figures.reveals.append((item, posted, [p.revealed[item] - t0 for p in room_in]))
        finally:
            if console is not None:
                console.cancel()
                await asyncio.gather(console, return_exceptions=True)
            await asyncio.gather(*(p.close() for p in room), return_exceptions=True)


async def run_limited(url: str, key: str, n: int, args: argparse.Namespace, server_pid: int) -> Figures:
    figures = Figures(n)
    try:
        await asyncio.wait_for(run_room(url, key, n, args, server_pid, figures), args.seconds_limit)
    except TimeoutError:
        figures.aborted = f"stopped at the time limit ({args.seconds_limit:g} s)"
    return figures


# --------------------------------------------------------------------------------------------
# The report


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def goal(met: bool, n: int) -> str:
    where = "" if n == GOAL_N else f" (goal set for N = {GOAL_N})"
    return ("met" if met else "MISSED") + where


def report(f: Figures, args: argparse.Namespace) -> None:
    most = f" (at most {f.n / args.think:.0f} ratings/s asked)" if args.think > 0 else ""
    console = f"; the trainer's console stream open ({f.console_events} updates)" if args.console else ""
    print(f"N = {f.n}: {f.n} participants, {args.items} items each{most}{console}")
    if f.aborted:
        print(f"  ABORTED: {f.aborted}; the figures below cover what finished before it")
    print(f"  joined in {f.join_seconds:.2f} s; every event stream sent its first state in {f.connect_seconds:.2f} s")
    if f.latencies:
        ms = [x * 1000 for x in f.latencies]
        p95 = quantile(ms, 0.95)
        print(
            f"  rating latency (PUT round trip): p50 {quantile(ms, 0.5):.1f} ms, p95 {p95:.1f} ms, "
            f"p99 {quantile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms"
            f"   goal p95 < {GOAL_P95_MS:.0f} ms: {goal(p95 < GOAL_P95_MS, f.n)}"
        )
    if f.rating_seconds:
        cpu = f"server {f.server_cpu:.1f} s, " if f.server_cpu is not None else ""
        print(
            f"  throughput: {len(f.latencies)} ratings in {f.rating_seconds:.2f} s = "
            f"{len(f.latencies) / f.rating_seconds:.0f} ratings/s   (CPU during the rating phase: {cpu}"
            f"client {f.client_cpu:.1f} s)"
        )
    for item, posted, delivery in f.reveals:
        worst = max(delivery)
        print(
            f"  reveal of {item}: POST answered in {posted * 1000:.0f} ms; in every stream after "
            f"{worst * 1000:.0f} ms (p50 {statistics.median(delivery) * 1000:.0f} ms)"
            f"   goal all < {GOAL_REVEAL_S:g} s: {goal(worst < GOAL_REVEAL_S, f.n)}"
        )
    print(f"  errors: {len(f.errors)} failed requests (must be 0), {len(f.stream_errors)} broken streams")
    for line in (f.errors + f.stream_errors)[:5]:
        print(f"    {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[50, 300], metavar="N")
    parser.add_argument("--items", type=int, default=16, help="the first K items of the quiz (at most 16)")
    parser.add_argument("--seconds-limit", type=float, default=120.0, help="hard time limit for each N")
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
    args = parser.parse_args(argv)
    if not all(1 <= n <= MAX_PARTICIPANTS for n in args.participants):
        parser.error(f"each N is between 1 and {MAX_PARTICIPANTS}")
    if not 1 <= args.items <= 16 or args.seconds_limit <= 0 or args.think < 0 or not 0 <= args.reveals <= args.items:
        parser.error("need 1 <= --items <= 16, --seconds-limit > 0, --think >= 0, 0 <= --reveals <= --items")

    key = secrets.token_urlsafe(16)
    failed = False
    with tempfile.TemporaryDirectory(prefix="raterkit-live-bench-") as tmp:
        url, server, log = start_server(Path(tmp), key)
        try:
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"raterkit live on {url} (pid {server.pid}, SQLite in a temporary folder); "
                f"{os.cpu_count()} CPUs, load average {load} before the runs; "
                f"think time 0 to {2 * args.think:g} s"
            )
            for n in args.participants:
                figures = asyncio.run(run_limited(url, key, n, args, server.pid))
                report(figures, args)
                failed |= bool(figures.errors or figures.stream_errors or figures.aborted)
                if server.poll() is not None:
                    print(f"the server stopped (exit code {server.returncode}):\n{log.read_text()}")
                    return 1
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        problems = [line for line in log.read_text().splitlines() if line.strip()]
        if any("Traceback" in line or "ERROR" in line for line in problems):
            print("the server logged errors:\n" + "\n".join(problems[-30:]))
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
