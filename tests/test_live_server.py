"""`raterkit live` as a real process: a crash loses nothing the server acknowledged, the session
carries on after a restart, event streams catch up, and the command's refusals are plain; and the
store's shared writes (ratings arriving together are committed together) answer each rating as
if it had been written alone.

Every test here but the store's starts the server (or the command) in its own process: all slow.
Each runs on both back-ends (conftest's ``live_db``: a SQLite file, a new PostgreSQL database)
except the command's refusals and the SQLite group commit's batching, which say why.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, event, make_url, text

from raterkit.live.store import Store
from support import LIVE_KEY, ROOT, free_port, postgres_database, start_live, wait_until_up

pytestmark = pytest.mark.slow

QUIZ = "cp1-customer-relations"
ITEMS = [f"cp1-{n:02d}" for n in range(1, 17)]
LEVELS = ["I", "II", "III", "IV"]
NAMES = ["Ann", "Bo", "Cy", "Dee", "Ed"]
FACILITATOR = {"Authorization": f"Bearer {LIVE_KEY}"}
#: Items the rating threads change while the server is killed (open); the others have other states.
RATED = ITEMS[:8]


def raterkit_command() -> list[str]:
    """The command a trainer types: the venv's `raterkit` script (or the module when there is none)."""
    script = Path(sys.executable).with_name("raterkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "raterkit.cli"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api(url: str) -> httpx.Client:
    return httpx.Client(base_url=url + "/api/v1", timeout=30)


def csv_levels(text: str) -> dict[tuple[str, str], str]:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert all(r["round"] == "1" and r["quiz"] == QUIZ for r in rows)
    return {(r["rater"], r["item"]): r["rating"] for r in rows}


@dataclass
class Rater:
    """One rating thread: a participant rating some items over and over, keeping what was acknowledged."""

    name: str
    token: str
    url: str
    code: str
    items: list[str]
    acked: dict[str, str] = field(default_factory=dict)  # item -> last level answered 2xx
    pending: tuple[str, str] | None = None  # sent, never answered (in flight at the kill)
    refused: list[str] = field(default_factory=list)  # non-2xx answers: there must be none
    ended_by: BaseException | None = None

    def run(self, stop: threading.Event) -> None:
        rng = random.Random(self.name + self.items[0])
        with api(self.url) as client:
            while not stop.is_set():
                item, level = rng.choice(self.items), rng.choice(LEVELS)
                self.pending = (item, level)
                try:
                    answer = client.put(
                        f"/sessions/{self.code}/items/{item}/rating", json={"rating": level}, headers=bearer(self.token)
                    )
                except httpx.TransportError as exc:  # the server is gone
                    self.ended_by = exc
                    return
                if answer.is_success:
                    self.acked[item] = level
                    self.pending = None
                else:
                    self.refused.append(f"{answer.status_code} {answer.text}")
                    return

    def allowed(self, item: str) -> set[str | None]:
        """What the database may hold for ``item``: the last acknowledged level, or the one in flight."""
        levels: set[str | None] = {self.acked.get(item)}
        if self.pending is not None and self.pending[0] == item:
            levels.add(self.pending[1])
        return levels


class Stream:
    """A participant's event stream read in a thread: each `state` event's data, and how it ended."""

    def __init__(self, url: str, code: str, token: str):
        self.states: list[dict] = []
        self.ended_by: BaseException | str | None = None
        self.first = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url, code, token), daemon=True)
        self._thread.start()

    def _read(self, url: str, code: str, token: str) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10, read=60)) as client,
                client.stream("GET", f"{url}/api/v1/sessions/{code}/events", headers=bearer(token)) as response,
            ):
                assert response.status_code == 200
                kind = None
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        kind = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and kind == "state":
                        self.states.append(json.loads(line.split(":", 1)[1]))
                        self.first.set()
            self.ended_by = "closed"
        except (httpx.TransportError, AssertionError) as exc:
            self.ended_by = exc

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=30)


@pytest.fixture
def live(live_db):
    """Start `raterkit live` on the test's database (``--db`` its URL, on each back-end); every
    process started is stopped at the end."""
    started: list[subprocess.Popen] = []

    def start(port: int | None = None) -> tuple[str, subprocess.Popen]:
        url, process = start_live(live_db, port)
        started.append(process)
        return url, process

    yield start
    for process in started:
        stop(process)


def test_a_crash_loses_no_acknowledged_rating_and_the_session_carries_on(live):
    url, process = live()
    port = int(url.rsplit(":", 1)[1])
    with api(url) as trainer:
        made = trainer.post("/sessions", json={"quiz": QUIZ, "pace": "facilitator"}, headers=FACILITATOR)
        assert made.status_code == 201, made.text
        code = made.json()["code"]
        tokens = {}
        for name in NAMES:
            joined = trainer.post(f"/sessions/{code}/participants", json={"name": name})
            assert joined.status_code == 201, joined.text
            tokens[name] = joined.json()["token"]
        # Items in every state: cp1-09 rated by all and revealed, cp1-10 closed, cp1-11.. waiting.
        for item in [*RATED, "cp1-09", "cp1-10"]:
            assert trainer.post(f"/sessions/{code}/items/{item}/open", headers=FACILITATOR).status_code == 200
        for name in NAMES:
            put = trainer.put(
                f"/sessions/{code}/items/cp1-09/rating", json={"rating": "III"}, headers=bearer(tokens[name])
            )
            assert put.status_code == 200, put.text
        assert trainer.post(f"/sessions/{code}/items/cp1-09/reveal", headers=FACILITATOR).status_code == 200
        assert trainer.post(f"/sessions/{code}/items/cp1-10/close", headers=FACILITATOR).status_code == 200
        before = trainer.get(f"/sessions/{code}", headers=FACILITATOR).json()
    states = {i["id"]: i["state"] for i in before["items"]}
    assert states == {
        **{item: "open" for item in RATED},
        "cp1-09": "revealed",
        "cp1-10": "closed",
        **{item: "waiting" for item in ITEMS[10:]},
    }

    # A stream connected before the crash, and two rating threads per participant (odd and even items).
    old_stream = Stream(url, code, tokens["Ann"])
    assert old_stream.first.wait(30), "the event stream sent nothing on connect"
    raters = [Rater(name, tokens[name], url, code, RATED[half::2]) for name in NAMES for half in (0, 1)]
    halt = threading.Event()
    threads = [threading.Thread(target=r.run, args=(halt,), daemon=True) for r in raters]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and min(len(r.acked) for r in raters) < len(raters[0].items):
        time.sleep(0.1)
    time.sleep(1.0)  # rating at full speed
    process.kill()  # SIGKILL, mid-request: as a crash or a pulled plug of the process
    process.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=30)
    halt.set()
    assert not any(thread.is_alive() for thread in threads)
    assert [r.refused for r in raters] == [[] for _ in raters], "the server refused a rating before the crash"
    assert all(isinstance(r.ended_by, httpx.TransportError) for r in raters), "a thread did not see the crash"
    assert any(not isinstance(r.ended_by, httpx.ConnectError) for r in raters), "no rating was in flight at the kill"
    assert sum(len(r.acked) for r in raters) == len(NAMES) * len(RATED)
    assert old_stream.join(timeout=30), "the event stream stayed open after the server died"
    assert old_stream.ended_by is not None
    assert [s["revision"] for s in old_stream.states] == [before["revision"]]

    # The same database, the same address.
    url, _ = live(port)
    with api(url) as trainer:
        after = trainer.get(f"/sessions/{code}", headers=FACILITATOR).json()
        assert after["round"] == before["round"] == 1
        assert after["rounds"] == before["rounds"]
        assert {i["id"]: i["state"] for i in after["items"]} == states
        assert [p["name"] for p in after["participants"]] == NAMES
        assert after["revision"] == before["revision"]

        stored = csv_levels(trainer.get(f"/sessions/{code}/ratings.csv", headers=FACILITATOR).text)
        for rater in raters:
            for item in rater.items:
                assert stored.get((rater.name, item)) in rater.allowed(item), (rater.name, item, rater.acked)
        assert {item for (_, item) in stored} == {*RATED, "cp1-09"}
        assert all(stored[(name, "cp1-09")] == "III" for name in NAMES)

        # Each participant's token still works, and their own view shows the same levels.
        for name in NAMES:
            state = trainer.get(f"/sessions/{code}/state", headers=bearer(tokens[name]))
            assert state.status_code == 200, state.text
            view = state.json()
            assert view["name"] == name and view["round"] == 1
            assert view["mine"] == {item: level for (who, item), level in stored.items() if who == name}
            assert {i["id"]: i["state"] for i in view["items"]} == {k: v for k, v in states.items() if v != "waiting"}
            assert view["waiting"] == 6

        # Rating carries on; the item is then revealed with everyone's last level.
        for n, name in enumerate(NAMES):
            put = trainer.put(
                f"/sessions/{code}/items/cp1-01/rating", json={"rating": LEVELS[n % 4]}, headers=bearer(tokens[name])
            )
            assert put.status_code == 200, put.text
        closed = trainer.put(
            f"/sessions/{code}/items/cp1-10/rating", json={"rating": "II"}, headers=bearer(tokens["Ann"])
        )
        assert closed.status_code == 409
        revealed = trainer.post(f"/sessions/{code}/items/cp1-01/reveal", headers=FACILITATOR)
        assert revealed.status_code == 200, revealed.text
        assert revealed.json()["revision"] > before["revision"]

        # A stream opened after the restart catches up: its first event shows the reveal.
        new_stream = Stream(url, code, tokens["Bo"])
        assert new_stream.first.wait(30), "the event stream sent nothing on connect"
        first = {i["id"]: i for i in new_stream.states[0]["items"]}
        assert first["cp1-01"]["state"] == "revealed"
        assert first["cp1-01"]["spread"] == {"I": 2, "II": 1, "III": 1, "IV": 1}
        assert first["cp1-01"]["reference"] in LEVELS
        assert first["cp1-09"]["state"] == "revealed"
        assert first["cp1-02"]["state"] == "open" and "reference" not in first["cp1-02"]
        assert new_stream.states[0]["revision"] == revealed.json()["revision"]


def test_the_command_refuses_plainly(tmp_path):
    """A port in use, a database in a missing folder, a short key: a plain message, no traceback.

    SQLite only: a missing folder is a SQLite file's refusal, and the other two are checked before
    any database is opened, whichever it is."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    runs = {
        "port": ["--port", str(port), "--db", str(tmp_path / "a.sqlite"), "--facilitator-key", LIVE_KEY],
        "folder": ["--port", str(free_port()), "--db", "/no/such/folder/x.sqlite", "--facilitator-key", LIVE_KEY],
        "key": ["--port", str(free_port()), "--db", str(tmp_path / "b.sqlite"), "--facilitator-key", "abc"],
    }
    env = {k: v for k, v in os.environ.items() if k != "RATERKIT_FACILITATOR_KEY"}
    processes = {
        what: subprocess.Popen(
            [*raterkit_command(), "live", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for what, args in runs.items()
    }
    try:
        said = {what: (p.wait(timeout=90), *p.communicate(timeout=10)) for what, p in processes.items()}
    finally:
        taken.close()
        for p in processes.values():
            stop(p)
    for what, (_, out, err) in said.items():
        assert "Traceback" not in out + err, (what, err)
    status, out, err = said["port"]
    assert status == 1, err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err
    status, out, err = said["folder"]
    assert status == 1, err
    assert "/no/such/folder/x.sqlite" in err and "folder does not exist" in err
    assert not Path("/no/such/folder").exists()
    status, out, err = said["key"]
    assert status == 2, err
    assert "facilitator key is too short" in err and "8 characters" in err


def start_command(db: str, env: dict[str, str]) -> tuple[str, subprocess.Popen]:
    """`raterkit live` on the database ``db`` without --facilitator-key; (base url, process) once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [*raterkit_command(), "live", "--port", str(port), "--db", db],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/openapi.json", process=process)
    except (RuntimeError, TimeoutError):
        stop(process)
        raise
    return url, process


def printed(process: subprocess.Popen) -> list[str]:
    """The lines the command printed on starting (up to the one saying how to stop it)."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Stop it with Ctrl+C"):
            return lines
    raise AssertionError(f"the command stopped printing early: {lines}")


def test_a_generated_key_is_printed_once_and_works(live_db):
    env = {k: v for k, v in os.environ.items() if k != "RATERKIT_FACILITATOR_KEY"}
    url, process = start_command(live_db, env)
    try:
        lines = printed(process)
        assert f"    Facilitator console: {url}/console" in lines
        assert f"    Trainees join at:    {url}/" in lines
        [key_line] = [line for line in lines if "Facilitator key:" in line]
        key = key_line.split("Facilitator key:", 1)[1].split()[0]
        assert len(key) >= 8 and "shown only now" in key_line
        with api(url) as client:
            assert client.get("/sessions", headers=bearer(key)).status_code == 200
            assert client.get("/sessions", headers=FACILITATOR).status_code == 401
    finally:
        stop(process)


def test_the_key_from_the_environment_and_a_quick_stop_with_a_stream_open(live_db):
    """RATERKIT_FACILITATOR_KEY is used without --facilitator-key; SIGTERM (as Ctrl+C) stops the
    server within seconds even while an event stream is connected."""
    env_key = "key-from-the-environment"
    url, process = start_command(live_db, {**os.environ, "RATERKIT_FACILITATOR_KEY": env_key})
    try:
        lines = printed(process)
        assert "    Facilitator key:     the one you gave" in lines
        assert env_key not in "\n".join(lines)
        with api(url) as client:
            assert client.get("/sessions", headers=FACILITATOR).status_code == 401
            made = client.post("/sessions", json={"quiz": QUIZ, "pace": "self"}, headers=bearer(env_key))
            assert made.status_code == 201, made.text
            code = made.json()["code"]
            token = client.post(f"/sessions/{code}/participants", json={"name": "Ann"}).json()["token"]
        stream = Stream(url, code, token)
        assert stream.first.wait(30)
        assert len(stream.states[0]["items"]) == len(ITEMS)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        took = time.monotonic() - sent
        assert took < 5, f"the server took {took:.1f} s to stop"
        assert stream.join(timeout=10) and stream.ended_by is not None
        _, err = process.communicate(timeout=10)
        assert "Traceback" not in err, err
    finally:
        stop(process)


def test_ratings_written_together_answer_each_as_if_written_alone(live_db):
    """Threads rating at once (their ratings share transactions on SQLite): each open item's rating
    is answered None and its last level kept; a closed, waiting or unknown item is answered its state
    and nothing is written; everything is committed (read back by another connection)."""
    store = Store(live_db)
    session = store.create_session("ABCDEF", QUIZ, "reference", "self", ITEMS[:6], "open", "t")
    store.set_states(session.id, 1, {ITEMS[4]: "closed", ITEMS[5]: "waiting"})
    people = [store.join(session.id, f"P{k}", f"p{k}", f"hash{k}", "t") for k in range(12)]
    expected: dict[tuple[str, str], str] = {}
    wrong: list[tuple[str, str | None]] = []

    def rate(person) -> None:
        rng = random.Random(person.id)
        for _ in range(60):
            item, level = rng.choice([*ITEMS[:6], "cp1-99"]), rng.choice(LEVELS)
            answer, round_ = store.rate(session.id, item, person.id, level, "t")
            wanted = {ITEMS[4]: "closed", ITEMS[5]: "waiting", "cp1-99": "missing"}.get(item)
            if answer != wanted or round_ != (0 if wanted == "missing" else 1):
                wrong.append((item, answer))
            if wanted is None:
                expected[(person.name, item)] = level

    threads = [threading.Thread(target=rate, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    store.close()
    assert wrong == []
    check = create_engine(store.url)
    with check.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT p.name, r.item, r.level FROM live_ratings r JOIN live_participants p ON p.id = r.participant_id"
            )
        ).all()
    check.dispose()
    assert {(name, item): level for name, item, level in stored} == expected
    assert len(stored) == len(expected) > 0


def test_ratings_queued_together_are_one_batch_in_arrival_order(tmp_path):
    """While one write holds SQLite's turn, ratings queue; the next writer writes them all at once,
    in arrival order: the same participant's later level of an item wins, as if written in turn.

    SQLite only: the queue is SQLite's group commit (one writer per process); on PostgreSQL each
    rating is its own transaction, which the test above covers."""
    db = tmp_path / "store.sqlite"
    store = Store(f"sqlite:///{db}")
    session = store.create_session("ABCDEF", QUIZ, "reference", "self", ITEMS[:2], "open", "t")
    store.set_states(session.id, 1, {ITEMS[1]: "closed"})
    ann = store.join(session.id, "Ann", "ann", "hash", "t")
    answers: dict[str, str | None] = {}

    def rate(label: str, item: str, level: str) -> None:
        answers[label], _ = store.rate(session.id, item, ann.id, level, "t")

    queued = [("first", ITEMS[0], "I"), ("closed", ITEMS[1], "II"), ("second", ITEMS[0], "IV")]
    threads = []
    with store._writer:  # another write holding the turn
        for n, args in enumerate(queued, start=1):
            threads.append(threading.Thread(target=rate, args=args))
            threads[-1].start()
            deadline = time.monotonic() + 10
            while len(store._waiting) < n and time.monotonic() < deadline:
                time.sleep(0.01)
        assert len(store._waiting) == len(queued)
    for thread in threads:
        thread.join(timeout=30)
    store.close()
    assert answers == {"first": None, "closed": "closed", "second": None}
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT item, level FROM live_ratings").fetchall() == [(ITEMS[0], "IV")]


@pytest.mark.slow
def test_a_connection_the_database_closed_is_never_handed_out(postgres):
    """PostgreSQL: a pooled connection whose server process ended (as at a restart) is replaced at
    checkout, so the next request is answered, not failed; no "SELECT 1" precedes each use."""
    with postgres_database(postgres) as url:
        store = Store(url)
        session = store.create_session("ABCDEF", QUIZ, "reference", "self", ITEMS[:2], "open", "t")
        ann = store.join(session.id, "Ann", "ann", "hash", "t")
        with store.engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            pooled = conn.connection.dbapi_connection
        assert store.engine.pool.checkedin() >= 1
        statements: list[str] = []
        event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        with psycopg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(False), autocommit=True
        ) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
            deadline = time.monotonic() + 10
            while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                assert time.monotonic() < deadline, "the server process did not end"
                time.sleep(0.05)
        assert store.rate(session.id, ITEMS[0], ann.id, "II", "t") == (None, 1)
        assert pooled.closed, "the closed connection was handed out again"
        assert not any(s.strip().upper() == "SELECT 1" for s in statements), statements
        assert [(r.item, r.level) for r in store.ratings(session.id)] == [(ITEMS[0], "II")]
        store.close()
