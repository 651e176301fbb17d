"""Live updates: a change bumps a counter, and every open event stream waiting on it sends the
new view. A burst of changes (a room rating at once) is sent as one update. With several worker
processes (PostgreSQL), a change is also announced with ``NOTIFY`` and every worker's
:class:`Fanout` listens, so a stream connected to any worker hears of it.

A stream sends the view on connect and after every change; a browser's EventSource reconnects
by itself (after ``RETRY_MS``) when the server restarts, and the view it then receives catches
it up. The counters live in this process; the view itself always comes from the database, built
once per change for all the streams of a topic (a room of 300 woken by a reveal asks once) and
encoded to JSON once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from typing import Any

import psycopg
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError
from sse_starlette import ServerSentEvent
from starlette.concurrency import run_in_threadpool

from .schema import CHANNEL

__all__ = ["RETRY_MS", "Fanout", "Hub"]

log = logging.getLogger("raterkit.live")

#: The console's topics (a room rating) are announced to the other workers at most this often.
CONSOLE_NOTIFY_SECONDS = 0.5

RETRY_MS = 1000
#: How long a stream waits before it checks the database anyway (a change made by another worker).
IDLE_SECONDS = 5.0
#: How long the listener waits for an announcement before it looks whether it is to stop: the most a
#: stop (the end of a worker, or of a test's server) waits for it.
LISTEN_WAIT_SECONDS = 0.2


class Hub:
    """Change counters by topic (``p:CODE`` for what participants see, ``f:CODE`` for the console)."""

    def __init__(self) -> None:
        self._versions: defaultdict[str, int] = defaultdict(int)
        #: Who waits for the next change of a topic: an asyncio.Event and the event loop it belongs to
        #: (one loop under uvicorn; the test client runs each request in a loop of its own).
        self._events: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
        #: The last view sent on each topic and its JSON text: a view cached per revision (the
        #: participants' view) is the same object for every stream, so a room of streams encodes it once.
        self._encoded: dict[str, tuple[dict[str, Any], str]] = {}
        #: The latest build of each topic's view: (its event loop, version, when started, the build).
        self._builds: dict[str, tuple[asyncio.AbstractEventLoop, int, float, asyncio.Future[dict[str, Any]]]] = {}
        self._announced: dict[str, float] = {}
        self._pending: dict[str, asyncio.TimerHandle] = {}  # announcements waiting for their time
        self._tasks: set[asyncio.Future[None]] = set()  # announcements under way

    #: Announces a change to the other worker processes (set by :class:`Fanout`); None with one process.
    publish: Callable[[str], None] | None = None

    async def changed(self, *topics: str) -> None:
        """A change committed by this worker: wake its own streams, and announce it to the others
        (the console's topics at most every ``CONSOLE_NOTIFY_SECONDS``: a room rating at once
        would otherwise be thousands of notifications)."""
        self.bump(*topics)
        if self.publish is None:
            return
        now = time.monotonic()
        for topic in topics:
            if topic.startswith("f:"):
                due = self._announced.get(topic, 0.0) + CONSOLE_NOTIFY_SECONDS
                if now < due:
                    if topic not in self._pending:
                        self._pending[topic] = asyncio.get_running_loop().call_later(
                            due - now, self._announce_later, topic
                        )
                    continue
                self._announced[topic] = now
            await run_in_threadpool(self._publish, topic)

    def _announce_later(self, topic: str) -> None:
        self._pending.pop(topic, None)
        self._announced[topic] = time.monotonic()
        task = asyncio.ensure_future(run_in_threadpool(self._publish, topic))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Send the announcements still waiting and let those under way finish: the app's last step
        before its database closes (no thread is then left holding a connection)."""
        waiting = list(self._pending)
        for topic in waiting:
            self._pending.pop(topic).cancel()
        for topic in waiting:
            await run_in_threadpool(self._publish, topic)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _publish(self, topic: str) -> None:
        """Announce a change to the other workers, in a worker thread. The change is committed and
        this worker's streams are woken already: when the database cannot be reached, the failure is
        logged and the request that made the change still succeeds (the other workers catch up when
        their listener connects again, or at their streams' next idle check)."""
        publish = self.publish
        if publish is None:
            return
        try:
            publish(topic)
        except SQLAlchemyError as exc:
            log.warning("a change (%s) could not be announced to the other workers: %s", topic, type(exc).__name__)

    def topics(self) -> list[str]:
        return list(self._versions)

    def bump(self, *topics: str) -> None:
        """Wake the streams of ``topics`` in this process (safe from any thread)."""
        for topic in topics:
            self._versions[topic] += 1
            waiting = self._events.pop(topic, None)
            if waiting is not None:
                _wake(*waiting)

    def version(self, topic: str) -> int:
        return self._versions[topic]

    async def wait(self, topic: str, seen: int, timeout: float) -> None:
        """Return once ``topic`` has moved past ``seen``, or after ``timeout`` seconds."""
        if self._versions[topic] != seen:
            return
        loop = asyncio.get_running_loop()
        waiting = self._events.get(topic)
        if waiting is None or waiting[0] is not loop:
            waiting = self._events[topic] = (loop, asyncio.Event())
        with suppress(TimeoutError):
            await asyncio.wait_for(waiting[1].wait(), timeout)

    async def view(self, topic: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The topic's view at its current version, built once in a worker thread however many
        streams ask for it. A build older than half ``IDLE_SECONDS`` (or a failed one) is not reused,
        so the streams' idle checks still reach the database."""
        loop = asyncio.get_running_loop()
        version = self._versions[topic]
        entry = self._builds.get(topic)
        if (
            entry is None
            or entry[0] is not loop
            or entry[1] != version
            or loop.time() - entry[2] >= IDLE_SECONDS / 2
            or _failed(entry[3])
        ):
            future = asyncio.ensure_future(run_in_threadpool(build))
            future.add_done_callback(_failed)  # an error no stream waited for is still retrieved
            entry = (loop, version, loop.time(), future)
            self._builds[topic] = entry
        return await asyncio.shield(entry[3])

    def encode(self, topic: str, view: dict[str, Any]) -> str:
        """The view as JSON text, encoded once for every stream that is given the same view object."""
        last = self._encoded.get(topic)
        if last is not None and last[0] is view:
            return last[1]
        data = json.dumps(view, separators=(",", ":"), ensure_ascii=False)
        self._encoded[topic] = (view, data)
        return data

    async def stream(
        self, topic: str, view: Callable[[], dict[str, Any]], settle: float = 0.0
    ) -> AsyncIterator[ServerSentEvent]:
        """The view on connect and after each change of ``topic`` (``settle``: wait that long to
        gather a burst of changes into one update); unchanged views are not sent again. When the
        database cannot be reached the stream ends: the browser reconnects after ``RETRY_MS``
        (answered 503 until the database is back) and the view it then receives catches it up."""
        sent = None
        while True:
            seen = self.version(topic)
            try:
                current = await self.view(topic, view)
            except SQLAlchemyError as exc:
                log.warning(
                    "an event stream (%s) ended: the database cannot be reached (%s)", topic, type(exc).__name__
                )
                return
            data = self.encode(topic, current)
            if data != sent:
                yield ServerSentEvent(data=data, event="state", retry=RETRY_MS)
                sent = data
            await self.wait(topic, seen, IDLE_SECONDS)
            if settle:
                await asyncio.sleep(settle)


def _failed(build: asyncio.Future[Any]) -> bool:
    return build.done() and (build.cancelled() or build.exception() is not None)


def _wake(loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
    """Set ``event`` in its own loop (an asyncio.Event is not to be set from another loop's thread)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is running:
        event.set()
    elif not loop.is_closed():
        with suppress(RuntimeError):  # the loop closed meanwhile: nobody is left waiting
            loop.call_soon_threadsafe(event.set)


class Fanout:
    """Changes made by other worker processes, heard through PostgreSQL's LISTEN/NOTIFY.

    A thread of its own holds one connection that listens on :data:`CHANNEL` and wakes this
    process's streams for every topic announced. When the connection is lost (the database
    restarts), it connects again every second; once back, it wakes every stream, since
    announcements made meanwhile were lost, and each stream then reads the database.
    """

    def __init__(self, url: str, hub: Hub, notify: Callable[[str], None]):
        self.conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.hub = hub
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._users = 0
        self._lock = threading.Lock()
        self.listening = threading.Event()
        hub.publish = notify

    def start(self) -> None:
        """Listen until the matching :meth:`stop`. The app's lifespan may run more than once (a test
        client opened again, or inside another): the thread runs while any of them does."""
        with self._lock:
            self._users += 1
            if self._users > 1:
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._listen, args=(self._stop,), name="raterkit-live-fanout", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users > 0 or self._thread is None:
                return
            self._stop.set()
            thread = self._thread
        thread.join(5)

    def _listen(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self.hub.bump(*self.hub.topics())  # catch up on what was announced while away
                    while not stop.is_set():
                        for note in conn.notifies(timeout=LISTEN_WAIT_SECONDS):
                            self.hub.bump(note.payload)
            except psycopg.Error:
                self.listening.clear()
                stop.wait(1.0)
