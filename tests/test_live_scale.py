"""Several workers, one truth; faults survived, nothing lost: `raterkit live --workers 2` on a
PostgreSQL cluster of this module's own, driven as a room would, through real connections.

Which worker answers a request is told by its ``X-Raterkit-Worker`` header (the worker's pid).
uvicorn's workers share one listening socket, so a test opens fresh connections until one is
answered by the worker it wants, then keeps that connection (keep-alive) for the requests meant
for that worker, and checks every answer's header.

Covered (issue 11): a participant whose stream is on worker A sees within a second a reveal made
through worker B; the console's counts and names are right when ratings arrive through both
workers; two trainers revealing at once (one reveal, no error); one participant rating from two
tabs at once (one row, last write wins); a worker killed with SIGKILL mid-session (its streams end,
its clients go on through another worker and catch up, the supervisor starts a new one); PostgreSQL
restarted mid-session (503 with Retry-After meanwhile, then 2xx again from the same processes,
streams recover). Every acknowledged rating is checked against ratings.csv at the end of each test.

One cluster and one server for the module (the kill and the restart come last); all slow.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import pytest

from raterkit.live.events import IDLE_SECONDS
from support import LIVE_KEY, Postgres, start_live

pytestmark = pytest.mark.slow

QUIZ = "cp1-customer-relations"
ITEMS = [f"cp1-{n:02d}" for n in range(1, 17)]
LEVELS = ["I", "II", "III", "IV"]
API = "/api/v1"
FACILITATOR = {"Authorization": f"Bearer {LIVE_KEY}"}
#: Every request gives up after this long: a hang is a failure, never a wait.
TIMEOUT = httpx.Timeout(10.0)
#: One connection per client, so every request of a client goes to the worker that accepted it.
ONE = httpx.Limits(max_connections=1, max_keepalive_connections=1)
#: The issue's promise: a reveal reaches a participant on another worker within this many seconds.
FANOUT_SECONDS = 1.0


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def worker(response: httpx.Response) -> int:
    """The pid of the worker process that answered."""
    return int(response.headers["x-raterkit-worker"])


# --------------------------------------------------------------------------------------------
# The server, its workers and connections to a chosen one


class Server:
    """`raterkit live --workers 2` on the module's cluster."""

    def __init__(self, url: str, process: subprocess.Popen):
        self.url = url
        self.process = process
        #: What the server printed: read as it comes (a full pipe would stop the server mid-write).
        self.printed: list[str] = []
        self._readers = [
            threading.Thread(target=self._drain, args=(pipe,), daemon=True) for pipe in (process.stdout, process.stderr)
        ]
        for reader in self._readers:
            reader.start()

    def _drain(self, pipe: Any) -> None:
        for line in pipe:
            self.printed.append(line)

    def log(self) -> str:
        return "".join(self.printed)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        for reader in self._readers:
            reader.join(10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        """A new client with one connection of its own (it lands on whichever worker accepts it)."""
        return httpx.Client(base_url=self.url, timeout=TIMEOUT, limits=ONE, headers=headers or {})

    def workers(self, avoid: tuple[int, ...] = (), timeout: float = 90.0) -> tuple[int, int]:
        """The two workers answering now (fresh connections until both have answered); none in ``avoid``."""
        seen: set[int] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.client() as probe:
                try:
                    seen.add(worker(probe.get(f"{API}/which-worker")))
                except httpx.TransportError:
                    time.sleep(0.2)
                    continue
            seen -= set(avoid)
            if len(seen) == 2:
                a, b = sorted(seen)
                return a, b
        raise AssertionError(f"two workers did not answer within {timeout} s (seen: {seen}, avoided: {avoid})")


class On:
    """A client whose requests are answered by worker ``pid`` (a connection it accepted, renewed
    when the server closes an idle one). Only for requests that may be sent twice: a request
    answered by another worker (the connection was renewed meanwhile) is sent again."""

    def __init__(self, server: Server, pid: int, headers: dict[str, str] | None = None):
        self.server = server
        self.pid = pid
        self.headers = headers or {}
        self.client = self._connect()

    def _connect(self) -> httpx.Client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            client = self.server.client(self.headers)
            try:
                if worker(client.get(f"{API}/which-worker")) == self.pid:
                    return client
            except httpx.TransportError:
                time.sleep(0.2)
            client.close()
        raise AssertionError(f"no connection was accepted by worker {self.pid} within 60 s")

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for _ in range(5):
            answer = self.client.request(method, API + path, **kwargs)
            if worker(answer) == self.pid:
                return answer
            self.client.close()
            self.client = self._connect()
        raise AssertionError(f"{method} {path} never reached worker {self.pid}")

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> On:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Stream:
    """An event stream (a participant's or the console's) on a chosen worker, read in a thread:
    each ``state`` event with the moment it arrived, and how the stream ended."""

    def __init__(self, server: Server, path: str, headers: dict[str, str], want: int | None = None, avoid=()):
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.ended_by: BaseException | str | None = None
        self._changed = threading.Condition()
        self._closing = False
        deadline = time.monotonic() + 60
        while True:
            client = httpx.Client(base_url=server.url, timeout=httpx.Timeout(10.0, read=40.0))
            response = client.send(client.build_request("GET", API + path, headers=headers), stream=True)
            assert response.status_code == 200, (response.status_code, response.read())
            self.pid = worker(response)
            if (want is None or self.pid == want) and self.pid not in avoid:
                break
            response.close()
            client.close()
            assert time.monotonic() < deadline, f"no stream was accepted by the worker wanted ({want}, not {avoid})"
        self._client, self._response = client, response
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            kind = None
            for line in self._response.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind == "state":
                    with self._changed:
                        self.events.append((time.monotonic(), json.loads(line.split(":", 1)[1])))
                        self._changed.notify_all()
            self.ended_by = "closed"
        except Exception as exc:  # a lost connection, or close() from the test
            self.ended_by = "closed by the test" if self._closing else exc
        finally:
            self._response.close()
            self._client.close()
            with self._changed:
                self._changed.notify_all()

    def wait_for(self, test: Callable[[dict[str, Any]], bool], timeout: float) -> tuple[float, dict[str, Any]]:
        """The first event (already received or yet to come) that passes ``test``: (when it arrived, its data)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for arrived, data in self.events:
                    if test(data):
                        return arrived, data
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    last = self.events[-1][1] if self.events else None
                    raise AssertionError(f"no such event within {timeout} s (ended: {self.ended_by}; last: {last})")
                self._changed.wait(left)

    def first(self, timeout: float = 30.0) -> dict[str, Any]:
        return self.wait_for(lambda _: True, timeout)[1]

    def ended(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self) -> None:
        self._closing = True
        self._response.close()
        self._client.close()
        self._thread.join(10)


# --------------------------------------------------------------------------------------------
# A session, its raters and what the database must hold at the end


def create(trainer: On | httpx.Client, pace: str) -> str:
    made = trainer.post(("" if isinstance(trainer, On) else API) + "/sessions", json={"quiz": QUIZ, "pace": pace})
    assert made.status_code == 201, made.text
    return str(made.json()["code"])


def join(server: Server, code: str, names: list[str]) -> dict[str, str]:
    tokens = {}
    with server.client() as client:
        for name in names:
            joined = client.post(f"{API}/sessions/{code}/participants", json={"name": name})
            assert joined.status_code == 201, joined.text
            tokens[name] = joined.json()["token"]
    return tokens


def revealed(item: str) -> Callable[[dict[str, Any]], bool]:
    """An event (of either view) showing ``item`` revealed."""
    return lambda view: any(i["id"] == item and i["state"] == "revealed" for i in view["items"])


def stored_ratings(server: Server, code: str, round_: int = 1) -> dict[tuple[str, str], str]:
    """ratings.csv of one round as {(rater, item): level}; there is one row per rater and item."""
    with server.client(FACILITATOR) as client:
        answer = client.get(f"{API}/sessions/{code}/ratings.csv", params={"round": round_})
    assert answer.status_code == 200, answer.text
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert all(r["quiz"] == QUIZ and r["round"] == str(round_) for r in rows)
    stored = {(r["rater"], r["item"]): r["rating"] for r in rows}
    assert len(stored) == len(rows), "two rows for one rater and item"
    return stored


@dataclass
class Rater:
    """A participant rating items over and over in a thread, as a phone would: on a lost connection
    a new one (to whichever worker accepts it); a 503 is waited out and the rating sent later."""

    name: str
    token: str
    server: Server
    code: str
    items: list[str]
    pin: int | None = None  # the worker its first connection is accepted by
    acked: dict[str, str] = field(default_factory=dict)  # item -> the last level answered 2xx
    #: Levels sent after the item's last acknowledgement whose fate the client cannot know: no
    #: answer (the connection was lost) or a 503 (the server's word: nothing was saved).
    unsure: dict[str, set[str]] = field(default_factory=dict)
    refused: dict[str, set[str]] = field(default_factory=dict)  # levels answered 503, by item
    statuses: Counter = field(default_factory=Counter)
    unavailable: list[httpx.Response] = field(default_factory=list)
    lost: list[BaseException] = field(default_factory=list)
    answered_by: list[tuple[float, int]] = field(default_factory=list)  # (when, worker) of each 2xx
    slowest: float = 0.0
    wrong: list[str] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        rng = random.Random(self.name)
        client = On(self.server, self.pin, bearer(self.token)).client if self.pin else self.fresh()
        try:
            while not stop.is_set():
                item, level = rng.choice(self.items), rng.choice(LEVELS)
                sent = time.monotonic()
                try:
                    answer = client.put(f"{API}/sessions/{self.code}/items/{item}/rating", json={"rating": level})
                except httpx.TransportError as exc:  # the worker died mid-request: try another
                    self.lost.append(exc)
                    self.unsure.setdefault(item, set()).add(level)
                    client.close()
                    client = self.fresh()
                    continue
                finally:
                    self.slowest = max(self.slowest, time.monotonic() - sent)
                self.statuses[answer.status_code] += 1
                if answer.is_success:
                    self.acked[item] = level
                    self.unsure.pop(item, None)
                    self.answered_by.append((time.monotonic(), worker(answer)))
                elif answer.status_code == 503:
                    self.unavailable.append(answer)
                    self.unsure.setdefault(item, set()).add(level)
                    self.refused.setdefault(item, set()).add(level)
                    stop.wait(0.2)
                else:
                    self.wrong.append(f"{answer.status_code} {answer.text}")
                stop.wait(0.02)
        finally:
            client.close()

    def fresh(self) -> httpx.Client:
        return self.server.client(bearer(self.token))

    def acked_after(self, moment: float, by: int | None = None) -> bool:
        return any(when > moment and (by is None or pid == by) for when, pid in self.answered_by)


def run_raters(raters: list[Rater]) -> tuple[threading.Event, list[threading.Thread]]:
    stop = threading.Event()
    threads = [threading.Thread(target=r.run, args=(stop,), daemon=True) for r in raters]
    for thread in threads:
        thread.start()
    return stop, threads


def stop_raters(stop: threading.Event, threads: list[threading.Thread]) -> None:
    stop.set()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a rating request hung"


def at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """The requests sent at the same moment, each from a thread of its own (a barrier lets them go
    together): their answers, in order."""
    gate = threading.Barrier(len(calls))
    answers: list[httpx.Response | BaseException] = [RuntimeError("no answer")] * len(calls)

    def send(k: int) -> None:
        gate.wait(10)
        try:
            answers[k] = calls[k]()
        except Exception as exc:  # reported below
            answers[k] = exc

    threads = [threading.Thread(target=send, args=(k,)) for k in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(isinstance(x, httpx.Response) for x in answers), answers
    return answers  # type: ignore[return-value]


def wait_until(test: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``test`` until it holds; how long it took."""
    start = time.monotonic()
    while not test():
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.05)
    return time.monotonic() - start


def check_every_acknowledged_rating(server: Server, code: str, raters: list[Rater]) -> int:
    """Every rating answered 2xx is in ratings.csv (its last acknowledged level, or a later one sent
    without a certain answer); nothing else is. The number of acknowledged (rater, item) pairs."""
    stored = stored_ratings(server, code)
    for rater in raters:
        for item in rater.items:
            found = stored.get((rater.name, item))
            unsure = rater.unsure.get(item, set())
            if item in rater.acked:
                assert found in {rater.acked[item], *unsure}, (rater.name, item, found, rater.acked[item], unsure)
            else:
                assert found is None or found in unsure, (rater.name, item, found, unsure)
    assert set(stored) <= {(r.name, item) for r in raters for item in r.items}
    acked = {(r.name, item) for r in raters for item in r.acked}
    assert acked <= set(stored)
    return len(acked)


# --------------------------------------------------------------------------------------------
# Fixtures: one cluster, one server


@pytest.fixture(scope="module")
def pg() -> Iterator[Postgres]:
    try:
        cluster = Postgres().start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield cluster
    cluster.remove()


@pytest.fixture(scope="module")
def server(pg: Postgres) -> Iterator[Server]:
    url, process = start_live(pg.url, None, LIVE_KEY, "--workers", "2")  # type: ignore[arg-type]
    live = Server(url, process)
    yield live
    live.stop()
    assert "Traceback" not in live.log(), live.log()


# --------------------------------------------------------------------------------------------
# Several workers, one truth


def test_a_reveal_through_one_worker_reaches_a_stream_on_the_other_within_a_second(server):
    a, b = server.workers()
    trainers = {a: On(server, a, FACILITATOR), b: On(server, b, FACILITATOR)}
    code = create(trainers[a], "facilitator")
    tokens = join(server, code, ["Ann", "Bo"])
    tabs = {(name, pid): On(server, pid, bearer(token)) for name, token in tokens.items() for pid in (a, b)}
    streams = {pid: Stream(server, f"/sessions/{code}/events", bearer(tokens["Ann"]), want=pid) for pid in (a, b)}
    consoles = {pid: Stream(server, f"/sessions/{code}/console-events", FACILITATOR, want=pid) for pid in (a, b)}
    try:
        for stream in [*streams.values(), *consoles.values()]:
            assert stream.first()["code"] == code
        rated = 0
        for n, item in enumerate(ITEMS[:4]):
            through, watcher = (b, a) if n % 2 == 0 else (a, b)  # the reveal through one, the stream on the other
            assert trainers[watcher].post(f"/sessions/{code}/items/{item}/open").status_code == 200
            for name in tokens:
                put = tabs[name, through].put(f"/sessions/{code}/items/{item}/rating", json={"rating": LEVELS[n % 4]})
                assert put.status_code == 200, put.text
                rated += 1
            answer = trainers[through].post(f"/sessions/{code}/items/{item}/reveal")
            answered = time.monotonic()
            assert answer.status_code == 200 and worker(answer) == through, answer.text
            arrived, view = streams[watcher].wait_for(revealed(item), timeout=10)
            delay = arrived - answered
            assert delay <= FANOUT_SECONDS, f"the reveal reached the other worker after {delay:.2f} s"
            shown = {i["id"]: i for i in view["items"]}[item]
            assert shown["spread"][LEVELS[n % 4]] == len(tokens) and shown["reference"] in LEVELS
            # The console on the other worker too (it gathers a second of changes into one update).
            arrived, console = consoles[watcher].wait_for(revealed(item), timeout=10)
            assert arrived - answered <= FANOUT_SECONDS + 2.0, f"the console followed after {arrived - answered:.2f} s"
            assert {i["id"]: i for i in console["items"]}[item]["rated"] == len(tokens)
        assert rated == len(stored_ratings(server, code))
    finally:
        for stream in [*streams.values(), *consoles.values()]:
            stream.close()
        for client in [*trainers.values(), *tabs.values()]:
            client.close()


def test_the_console_counts_ratings_that_arrive_through_both_workers(server):
    a, b = server.workers()
    trainer = On(server, a, FACILITATOR)
    code = create(trainer, "self")
    names = ["Ann", "Bo", "Cy", "Dee", "Ed", "Flo"]
    tokens = join(server, code, names)
    consoles = {pid: Stream(server, f"/sessions/{code}/console-events", FACILITATOR, want=pid) for pid in (a, b)}
    # Who rates what: each participant most items, alternately through each worker, all at once.
    plan = {name: [item for k, item in enumerate(ITEMS) if (n + k) % 3 != 0] for n, name in enumerate(names)}
    answered_by: dict[str, Counter] = {name: Counter() for name in names}
    failures: list[str] = []

    def rate(n: int, name: str) -> None:
        tabs = [On(server, a, bearer(tokens[name])), On(server, b, bearer(tokens[name]))]
        for k, item in enumerate(plan[name]):
            tab = tabs[(n + k) % 2]
            answer = tab.put(f"/sessions/{code}/items/{item}/rating", json={"rating": LEVELS[(n + k) % 4]})
            if answer.status_code != 200:
                failures.append(f"{name} {item}: {answer.status_code} {answer.text}")
            answered_by[name][worker(answer)] += 1
        for tab in tabs:
            tab.close()

    threads = [threading.Thread(target=rate, args=(n, name)) for n, name in enumerate(names)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert failures == []
        assert all(set(by) == {a, b} for by in answered_by.values()), answered_by
        expected_raters = {item: [name for name in names if item in plan[name]] for item in ITEMS}

        def right(view: dict[str, Any]) -> bool:
            return {i["id"]: (i["rated"], i["raters"]) for i in view["items"]} == {
                item: (len(who), who) for item, who in expected_raters.items()
            } and {p["name"]: p["rated"] for p in view["participants"]} == {n: len(plan[n]) for n in names}

        for pid in (a, b):  # the console's view read through each worker
            with On(server, pid, FACILITATOR) as console:
                view = console.get(f"/sessions/{code}")
            assert view.status_code == 200 and right(view.json()), view.text
        for console in consoles.values():  # and its live updates on each worker, whoever took the ratings
            console.wait_for(right, timeout=10)
        stored = stored_ratings(server, code)
        assert stored == {
            (name, item): LEVELS[(n + k) % 4] for n, name in enumerate(names) for k, item in enumerate(plan[name])
        }
    finally:
        for console in consoles.values():
            console.close()
        trainer.close()


def test_two_trainers_revealing_at_once_reveal_once(server):
    a, b = server.workers()
    trainers = [On(server, a, FACILITATOR), On(server, b, FACILITATOR)]
    code = create(trainers[0], "facilitator")
    names = ["Ann", "Bo", "Cy"]
    tokens = join(server, code, names)
    tabs = {name: On(server, (a, b)[n % 2], bearer(tokens[name])) for n, name in enumerate(names)}
    watcher = Stream(server, f"/sessions/{code}/events", bearer(tokens["Ann"]))
    acked = 0

    def revision() -> int:
        return int(trainers[0].get(f"/sessions/{code}").json()["revision"])

    try:
        for n, item in enumerate(ITEMS):
            assert trainers[n % 2].post(f"/sessions/{code}/items/{item}/open").status_code == 200
            for k, name in enumerate(names):
                put = tabs[name].put(f"/sessions/{code}/items/{item}/rating", json={"rating": LEVELS[(n + k) % 4]})
                assert put.status_code == 200, put.text
                acked += 1
            before = revision()
            answers = at_once([partial(t.post, f"/sessions/{code}/items/{item}/reveal") for t in trainers])
            assert [x.status_code for x in answers] == [200, 200], [x.text for x in answers]
            assert [worker(x) for x in answers] == [a, b]
            for answer in answers:
                assert {i["id"]: i["state"] for i in answer.json()["items"]}[item] == "revealed"
            assert revision() == before + 1, "the item was revealed twice"
        _, end_of_round_1 = watcher.wait_for(
            lambda v: v["round"] == 1 and [i["state"] for i in v["items"]] == ["revealed"] * len(ITEMS), timeout=10
        )

        # Round 2: both press "Reveal all" at once.
        assert trainers[1].post(f"/sessions/{code}/rounds").status_code == 201
        for item in ITEMS[:5]:
            assert trainers[0].post(f"/sessions/{code}/items/{item}/open").status_code == 200
        before = revision()
        answers = at_once([partial(t.post, f"/sessions/{code}/reveal") for t in trainers])
        assert [x.status_code for x in answers] == [200, 200], [x.text for x in answers]
        assert revision() == before + 1, "the round was revealed twice"
        view = trainers[1].get(f"/sessions/{code}").json()
        assert view["round"] == 2 and all(i["state"] == "revealed" for i in view["items"])

        # The CSV and the views agree: round 1's spreads are what the CSV holds.
        stored = stored_ratings(server, code, 1)
        assert len(stored) == acked == len(names) * len(ITEMS)
        for shown in end_of_round_1["items"]:
            counted = Counter(level for (_, item), level in stored.items() if item == shown["id"])
            assert shown["spread"] == {level: counted.get(level, 0) for level in LEVELS}
    finally:
        watcher.close()
        for client in [*trainers, *tabs.values()]:
            client.close()


def test_one_participant_rating_from_two_tabs_at_once_keeps_one_row(server):
    a, b = server.workers()
    trainer = On(server, a, FACILITATOR)
    code = create(trainer, "self")
    token = join(server, code, ["Ann"])["Ann"]
    tabs = [On(server, a, bearer(token)), On(server, b, bearer(token))]
    last: dict[str, str] = {}
    try:
        for turn in range(2):
            for k, item in enumerate(ITEMS):
                levels = [LEVELS[(k + turn) % 4], LEVELS[(k + turn + 1) % 4]]
                path = f"/sessions/{code}/items/{item}/rating"
                answers = at_once(
                    [partial(t.put, path, json={"rating": lv}) for t, lv in zip(tabs, levels, strict=True)]
                )
                assert [x.status_code for x in answers] == [200, 200], [x.text for x in answers]
                assert [x.json()["rating"] for x in answers] == levels
                assert [worker(x) for x in answers] == [a, b]
                for tab in (0, 1):  # each read through the other tab's worker
                    mine = tabs[1 - tab].get(f"/sessions/{code}/state").json()["mine"]
                    assert mine[item] in levels, (item, mine[item], levels)
                # A later rating, sent alone, wins, whichever worker reads it.
                later = LEVELS[(k + turn + 2) % 4]
                assert tabs[turn].put(f"/sessions/{code}/items/{item}/rating", json={"rating": later}).is_success
                last[item] = later
                for tab in tabs:
                    assert tab.get(f"/sessions/{code}/state").json()["mine"][item] == later
        assert stored_ratings(server, code) == {("Ann", item): level for item, level in last.items()}
        assert len(last) == len(ITEMS)
    finally:
        for client in [trainer, *tabs]:
            client.close()


# --------------------------------------------------------------------------------------------
# Faults survived, nothing lost


def test_a_worker_killed_mid_session_loses_nothing_and_its_clients_catch_up(server):
    a, b = server.workers()
    victim, survivor = a, b
    trainer = On(server, survivor, FACILITATOR)
    code = create(trainer, "self")
    names = ["Ann", "Bo", "Cy", "Dee", "Ed", "Flo"]
    tokens = join(server, code, names)
    on_victim = Stream(server, f"/sessions/{code}/events", bearer(tokens["Ann"]), want=victim)
    console_on_victim = Stream(server, f"/sessions/{code}/console-events", FACILITATOR, want=victim)
    assert on_victim.first()["code"] == code and console_on_victim.first()["code"] == code
    raters = [
        Rater(name, tokens[name], server, code, ITEMS[:8], pin=(victim, survivor)[n % 2])
        for n, name in enumerate(names)
    ]
    stop, threads = run_raters(raters)
    try:
        wait_until(lambda: all(len(r.acked) >= 3 for r in raters), 60, "every rater acknowledged")
        time.sleep(0.5)
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)  # as a crash of one worker process, mid-request
        assert on_victim.ended(10), "a stream on the killed worker stayed open"
        assert console_on_victim.ended(10), "the console's stream on the killed worker stayed open"
        assert on_victim.ended_by not in (None, "closed by the test")
        # Its clients go on: each rater of the victim is answered again, by another worker.
        wait_until(lambda: all(r.acked_after(killed + 0.5, by=None) for r in raters), 60, "the raters answered again")
        time.sleep(1.0)
    finally:
        stop_raters(stop, threads)
    assert [r.wrong for r in raters] == [[] for _ in raters], "a rating was refused"
    assert all(r.statuses.keys() == {200} for r in raters), [r.statuses for r in raters]
    # The raters whose connection was on the killed worker were answered after the kill, by another.
    assert all(pid != victim for r in raters for when, pid in r.answered_by if when > killed + 0.5)
    assert all(r.acked_after(killed) for r in raters[0::2]), "a rater of the killed worker did not catch up"

    # A change after the kill, then a stream connected anew: its first event is the current state.
    answer = trainer.post(f"/sessions/{code}/items/{ITEMS[0]}/close")
    assert answer.status_code == 200, answer.text
    answer = trainer.post(f"/sessions/{code}/items/{ITEMS[0]}/reveal")
    assert answer.status_code == 200, answer.text
    now = answer.json()
    reconnected = Stream(server, f"/sessions/{code}/events", bearer(tokens["Ann"]), avoid=(victim,))
    try:
        first = reconnected.first()
        assert first["revision"] == now["revision"]
        assert {i["id"]: i["state"] for i in first["items"]} == {i["id"]: i["state"] for i in now["items"]}
        stored = stored_ratings(server, code)
        counted = Counter(level for (_, item), level in stored.items() if item == ITEMS[0])
        assert {i["id"]: i for i in first["items"]}[ITEMS[0]]["spread"] == {lv: counted.get(lv, 0) for lv in LEVELS}
    finally:
        reconnected.close()
    assert check_every_acknowledged_rating(server, code, raters) > 0

    # uvicorn's supervisor started a new worker in place of the killed one.
    replaced = server.workers(avoid=(victim,))
    assert survivor in replaced and server.process.poll() is None
    assert "Traceback" not in server.log(), server.log()
    trainer.close()


def test_postgresql_restarted_mid_session_503_meanwhile_then_recovery_without_a_restart(server, pg):
    a, b = server.workers()
    trainer = On(server, a, FACILITATOR)
    code = create(trainer, "self")
    names = ["Ann", "Bo", "Cy", "Dee"]
    tokens = join(server, code, names)
    before = Stream(server, f"/sessions/{code}/events", bearer(tokens["Ann"]))
    assert before.first()["code"] == code
    raters = [Rater(name, tokens[name], server, code, ITEMS[:8], pin=(a, b)[n % 2]) for n, name in enumerate(names)]
    stop, threads = run_raters(raters)
    outage: list[httpx.Response] = []
    try:
        wait_until(lambda: all(len(r.acked) >= 3 for r in raters), 60, "every rater acknowledged")
        pg.stop()  # the database goes away mid-session (fast shutdown: its connections are cut)
        down = time.monotonic()
        wait_until(lambda: all(r.unavailable for r in raters), 10, "every rater was told the database is away")
        with server.client(FACILITATOR) as client:  # the console, and a stream connecting meanwhile
            for _ in range(4):
                outage.append(client.get(f"{API}/sessions/{code}"))
                outage.append(client.get(f"{API}/sessions/{code}/events", headers=bearer(tokens["Bo"])))
        # Longer than a stream's idle check, so the stream open meanwhile reads the database and ends.
        time.sleep(max(0.0, IDLE_SECONDS + 1.0 - (time.monotonic() - down)))
        pg.start()
        up = time.monotonic()
        took = wait_until(lambda: all(r.acked_after(up) for r in raters), 30, "the ratings were answered again")
        time.sleep(1.0)
    finally:
        stop_raters(stop, threads)
        if not (pg.data / "postmaster.pid").exists():
            pg.start()

    # Meanwhile: only 200 or 503, each 503 a plain sentence with Retry-After; nothing hung.
    statuses = sum((r.statuses for r in raters), Counter())
    assert set(statuses) == {200, 503}, statuses
    assert [r.lost for r in raters] == [[] for _ in raters], "a request had no answer"
    assert max(r.slowest for r in raters) < 5.0, "a request hung while the database was away"
    for answer in [*outage, *(x for r in raters for x in r.unavailable)]:
        assert answer.status_code == 503, answer.text
        assert answer.json() == {
            "error": "The database cannot be reached just now, so nothing was saved. Try again in a moment."
        }
        assert answer.headers["retry-after"].isdigit()
    # The same processes answer again, without a restart of their own.
    assert server.process.poll() is None
    assert server.workers() == (a, b)
    assert took < 15

    # Streams recover: a stream on each worker sees a reveal made through the other.
    # The stream open during the outage was ended by the server, plainly (its page reconnects).
    assert before.ended(10) and before.ended_by == "closed", before.ended_by
    assert "Traceback" not in server.log(), server.log()
    streams = {pid: Stream(server, f"/sessions/{code}/events", bearer(tokens["Ann"]), want=pid) for pid in (a, b)}
    try:
        for n, (through, watcher) in enumerate([(a, b), (b, a)]):
            item = ITEMS[n]
            with On(server, through, FACILITATOR) as there:
                assert there.post(f"/sessions/{code}/items/{item}/close").status_code == 200
                answer = there.post(f"/sessions/{code}/items/{item}/reveal")
            answered = time.monotonic()
            assert answer.status_code == 200, answer.text
            arrived, _ = streams[watcher].wait_for(revealed(item), timeout=10)
            assert arrived - answered <= FANOUT_SECONDS, f"after the restart, a reveal took {arrived - answered:.2f} s"
    finally:
        for stream in streams.values():
            stream.close()
    assert check_every_acknowledged_rating(server, code, raters) > 0
    # Every request had an answer, and a 503 says nothing was saved: the database holds exactly
    # each rater's last acknowledged level (a rating refused since was not written).
    stored = stored_ratings(server, code)
    assert stored == {(r.name, item): level for r in raters for item, level in r.acked.items()}
    trainer.close()
