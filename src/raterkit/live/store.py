"""Every query of the live server: sessions, items by round, participants, ratings.

One cohesive job: the live server's SQL, in one place, so the rules of what is locked and
committed when can be read together (and no query is written twice for two databases).

Plain SQLAlchemy Core over the tables of :mod:`raterkit.live.schema`, portable between SQLite
and PostgreSQL. Each write is one transaction, committed before the method returns: the server
answers only after that. Writes that depend on what they read lock it first (``FOR UPDATE`` on
PostgreSQL; on SQLite every write transaction starts with ``BEGIN IMMEDIATE``, so writers queue
instead of failing). On SQLite the writers of this process also take turns on a lock before they
begin: SQLite's own wait for its write lock sleeps in growing steps (up to 100 ms), which a room
rating at once turned into seconds of waiting.
"""

from __future__ import annotations

import hashlib
import select as select_module
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, event, func, insert, make_url, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.sql.expression import bindparam

from .migrate import prepare
from .schema import CHANNEL, consensus, failed_joins, items, participants, ratings, sessions

__all__ = ["UNREACHABLE", "Duplicate", "ItemRow", "ParticipantRow", "RatingRow", "SessionRow", "Store", "engine_url"]

#: What the database driver raises when the database cannot be reached (down, restarting, every
#: connection busy): the server answers 503, never 500.
UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout)


def token_hash(token: str) -> str:
    """What is stored of a participant's token: its SHA-256, so the database cannot be used to impersonate."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Duplicate(Exception):
    """A row that must be unique already exists (a join code, a participant's name)."""


@dataclass(frozen=True)
class SessionRow:
    id: int
    code: str
    quiz: str
    mode: str
    pace: str
    round: int
    revision: int
    created: str


@dataclass(frozen=True)
class ItemRow:
    item: str
    position: int
    state: str


@dataclass(frozen=True)
class ParticipantRow:
    id: int
    session_id: int
    name: str


@dataclass(frozen=True)
class RatingRow:
    rater: str
    item: str
    level: str
    round: int
    updated: str


#: A rating as written: session id, item, participant id, level, when.
_Rating = tuple[int, str, int, str, str]


@dataclass
class _PendingRating:
    """A rating waiting to be written with the others that arrived with it (SQLite)."""

    rating: _Rating
    done: threading.Event = field(default_factory=threading.Event)
    answer: tuple[str | None, int] = ("missing", 0)
    error: BaseException | None = None


#: The statements of every rating, built once: SQLAlchemy keys its cache once per statement object, and
#: building and keying them anew took a tenth to a fifth of a PostgreSQL worker's CPU (benchmarks/live.py).
_BY_TOKEN = (
    select(participants.c.id.label("participant_id"), participants.c.name, sessions)
    .join(sessions, sessions.c.id == participants.c.session_id)
    .where(participants.c.token_hash == bindparam("token_hash"))
)
#: An item of the session's current round, and its state.
_CURRENT_ITEM = (
    select(items.c.state, items.c.round)
    .join(sessions, (sessions.c.id == items.c.session_id) & (sessions.c.round == items.c.round))
    .where(items.c.session_id == bindparam("session_id"), items.c.item == bindparam("item"))
)


def engine_url(url: str) -> str:
    """SQLAlchemy's URL for a database named as users write it: ``postgresql://`` (or ``postgres://``)
    is PostgreSQL through psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN: Store._transaction begins each write
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk before the server answers
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection the server has closed (a restart, an administrator):
    an idle connection has nothing to read unless the server said goodbye, so a look at its socket
    tells, where a "SELECT 1" before every use (SQLAlchemy's pre-ping) would cost a round trip."""
    readable, _, _ = select_module.select([dbapi_connection.fileno()], [], [], 0)
    if readable:
        raise DisconnectionError("The database closed this connection.")


def _session(row: Any) -> SessionRow:
    return SessionRow(
        id=row.id,
        code=row.code,
        quiz=row.quiz,
        mode=row.mode,
        pace=row.pace,
        round=row.round,
        revision=row.revision,
        created=row.created,
    )


#: Connections kept open to a SQLite file: one for each worker thread that may query at once
#: (anyio's default is 40), so a busy room never waits for a connection or opens a new one.
SQLITE_POOL = 64


class Store:
    """The live server's database (``url``: ``sqlite:///file.sqlite`` or a PostgreSQL URL)."""

    def __init__(self, url: str, *, check: bool = True):
        self.url = engine_url(url)
        if self.sqlite:
            self.engine: Engine = create_engine(
                self.url, connect_args={"check_same_thread": False}, pool_size=SQLITE_POOL, max_overflow=SQLITE_POOL
            )
            # Only a pool event: a connection event (such as "begin") would make SQLAlchemy check
            # for listeners around every statement.
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(self.url, pool_size=20, max_overflow=20)
            # A connection that died with a database restart is replaced, not handed out.
            event.listen(self.engine, "checkout", _closed_by_server)
        #: Single statements that need no transaction around them (a rating on PostgreSQL).
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._writer: AbstractContextManager[Any] = threading.Lock() if self.sqlite else nullcontext()
        self._waiting: list[_PendingRating] = []  # ratings waiting for the next write (SQLite)
        self._waiting_lock = threading.Lock()
        self._rating_upsert = self._upsert_rating()  # built once (see _BY_TOKEN)
        self._rating_into_open_item = self._rating_into_open_item_statement()
        if check:  # a new database is made by upgrading from empty; an older one is refused
            try:
                prepare(self.engine, self.shown)
            except BaseException:
                self.engine.dispose()  # no connection left open behind a refusal
                raise

    @property
    def shown(self) -> str:
        """The database as a message may name it: the file, or the URL without its password."""
        if self.sqlite:
            return self.url.removeprefix("sqlite:///")
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection for one SELECT: on SQLite no BEGIN, as SQLite runs a statement on one snapshot."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A write transaction, committed on leaving; on SQLite it takes the write lock at once
        (``BEGIN IMMEDIATE``), so it never has to give up half-way for another writer."""
        with self.engine.begin() as conn:
            if self.sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction (on SQLite, one writer of this process at a time)."""
        with self._writer, self._transaction() as conn:
            yield conn

    def _insert(self, table: Any) -> Any:
        return (sqlite.insert if self.sqlite else postgresql.insert)(table)

    # ----------------------------------------------------------------------------------------
    # Sessions and their items

    def create_session(
        self, code: str, quiz: str, mode: str, pace: str, item_ids: Sequence[str], state: str, now: str
    ) -> SessionRow:
        """A new session of ``item_ids`` (in that order), each in ``state``; Duplicate when ``code`` is taken."""
        try:
            with self._write() as conn:
                sid = conn.execute(
                    insert(sessions).values(
                        code=code, quiz=quiz, mode=mode, pace=pace, round=1, revision=0, created=now
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
                conn.execute(
                    insert(items),
                    [
                        {"session_id": sid, "round": 1, "item": item, "position": n, "state": state}
                        for n, item in enumerate(item_ids)
                    ],
                )
        except IntegrityError as exc:
            raise Duplicate(code) from exc
        return SessionRow(int(sid), code, quiz, mode, pace, 1, 0, now)

    def session(self, code: str) -> SessionRow | None:
        with self._read() as conn:
            row = conn.execute(select(sessions).where(sessions.c.code == code)).first()
        return _session(row) if row else None

    def sessions(self) -> list[SessionRow]:
        with self._read() as conn:
            return [_session(row) for row in conn.execute(select(sessions).order_by(sessions.c.id.desc()))]

    def items(self, session_id: int, round_: int) -> list[ItemRow]:
        with self._read() as conn:
            rows = conn.execute(
                select(items.c.item, items.c.position, items.c.state)
                .where(items.c.session_id == session_id, items.c.round == round_)
                .order_by(items.c.position)
            )
            return [ItemRow(r.item, r.position, r.state) for r in rows]

    def set_states(self, session_id: int, round_: int, changes: dict[str, str]) -> None:
        """Move items of the current round to new states and bump the session's revision, in one
        transaction. An item already in its new state is left alone, and the revision moves only
        when an item did: two trainers pressing the same button at once make one change."""
        with self._write() as conn:
            self._lock_session(conn, session_id)
            moved = 0
            for item, state in changes.items():
                moved += conn.execute(
                    update(items)
                    .where(
                        items.c.session_id == session_id,
                        items.c.round == round_,
                        items.c.item == item,
                        items.c.state != state,
                        # a revealed item stays revealed: a close pressed as another trainer reveals loses
                        items.c.state != "revealed",
                    )
                    .values(state=state)
                ).rowcount
            if moved:
                self._bump(conn, session_id)

    def new_round(self, session_id: int, order: Sequence[str], state: str) -> int:
        """Start the next round with the items in ``order``, each in ``state``; its number."""
        with self._write() as conn:
            current = self._lock_session(conn, session_id)
            number = current + 1
            # The last round's items stop taking ratings, so none sent as the round changes lands there.
            conn.execute(
                update(items)
                .where(
                    items.c.session_id == session_id, items.c.round == current, items.c.state.in_(("waiting", "open"))
                )
                .values(state="closed")
            )
            conn.execute(
                insert(items),
                [
                    {"session_id": session_id, "round": number, "item": item, "position": n, "state": state}
                    for n, item in enumerate(order)
                ],
            )
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(round=number))
            self._bump(conn, session_id)
        return number

    def _lock_session(self, conn: Connection, session_id: int) -> int:
        """Lock the session row for this transaction (PostgreSQL); its current round."""
        return int(
            conn.execute(select(sessions.c.round).where(sessions.c.id == session_id).with_for_update()).scalar_one()
        )

    def _bump(self, conn: Connection, session_id: int) -> None:
        conn.execute(update(sessions).where(sessions.c.id == session_id).values(revision=sessions.c.revision + 1))

    def consensus(self, session_id: int) -> dict[str, str]:
        with self._read() as conn:
            rows = conn.execute(select(consensus.c.item, consensus.c.level).where(consensus.c.session_id == session_id))
            return {r.item: r.level for r in rows}

    def set_consensus(self, session_id: int, item: str, level: str) -> None:
        with self._write() as conn:
            self._lock_session(conn, session_id)
            stmt = self._insert(consensus).values(session_id=session_id, item=item, level=level)
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["session_id", "item"], set_={"level": stmt.excluded.level})
            )
            self._bump(conn, session_id)

    # ----------------------------------------------------------------------------------------
    # Participants and ratings

    def join(self, session_id: int, name: str, name_key: str, token_hash: str, now: str) -> ParticipantRow:
        """A new participant; Duplicate when the name (by ``name_key``) is taken in the session."""
        try:
            with self._write() as conn:
                pid = conn.execute(
                    insert(participants).values(
                        session_id=session_id, name=name, name_key=name_key, token_hash=token_hash, joined=now
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
        except IntegrityError as exc:
            raise Duplicate(name) from exc
        return ParticipantRow(int(pid), session_id, name)

    def participant_and_session(self, token_hash: str) -> tuple[ParticipantRow, SessionRow] | None:
        """The participant with this token's hash and the session they joined, in one query."""
        with self._read() as conn:
            row = conn.execute(_BY_TOKEN, {"token_hash": token_hash}).first()
        return (ParticipantRow(row.participant_id, row.id, row.name), _session(row)) if row else None

    def participant_by_token(self, token: str) -> ParticipantRow | None:
        return self.participant(token_hash(token))

    def participant(self, token_hash: str) -> ParticipantRow | None:
        with self._read() as conn:
            row = conn.execute(
                select(participants.c.id, participants.c.session_id, participants.c.name).where(
                    participants.c.token_hash == token_hash
                )
            ).first()
        return ParticipantRow(row.id, row.session_id, row.name) if row else None

    def participants(self, session_id: int) -> list[ParticipantRow]:
        with self._read() as conn:
            rows = conn.execute(
                select(participants.c.id, participants.c.name)
                .where(participants.c.session_id == session_id)
                .order_by(participants.c.id)
            )
            return [ParticipantRow(r.id, session_id, r.name) for r in rows]

    def rate(self, session_id: int, item: str, participant_id: int, level: str, now: str) -> tuple[str | None, int]:
        """Record (or change) a rating of an item of the session's current round, read in the same
        transaction; answers (None, the round) when done, else (the item's state, the round), or
        ("missing", 0) for an item the round does not have.

        On SQLite, ratings that arrive together are written together: whichever of their threads
        gets the write lock first writes every rating waiting, in one transaction (one sync to disk),
        and each is answered only once that transaction is committed. A room rating at once then
        costs one commit per batch instead of one per rating.
        """
        rating = (session_id, item, participant_id, level, now)
        if not self.sqlite:
            return self._rate_one(rating)
        mine = _PendingRating(rating)
        with self._waiting_lock:
            self._waiting.append(mine)
        with self._writer:
            if not mine.done.is_set():
                with self._waiting_lock:
                    batch, self._waiting = self._waiting, []
                try:
                    with self._transaction() as conn:
                        answers = self._rate_batch(conn, [pending.rating for pending in batch])
                except BaseException as exc:
                    for pending in batch:
                        pending.error = exc
                        pending.done.set()
                    raise
                for pending, answer in zip(batch, answers, strict=True):
                    pending.answer = answer
                    pending.done.set()
        if mine.error is not None:
            raise mine.error
        return mine.answer

    def _rate_one(self, rating: _Rating) -> tuple[str | None, int]:
        """PostgreSQL: one statement, its own transaction, written only while the item is open (its row
        share-locked, so a close waits for it, and a rating after the close sees it closed); when
        nothing was written, the item's state says why. One round trip for a rating that lands."""
        session_id, item, participant_id, level, now = rating
        values = {"session_id": session_id, "item": item, "participant_id": participant_id, "level": level, "now": now}
        round_ = 0
        for _ in range(3):  # an item opened between the two statements is rated, not refused
            with self._autocommit.connect() as conn:
                written = conn.execute(self._rating_into_open_item, values).scalar_one_or_none()
                if written is not None:
                    return None, int(written)
                row = conn.execute(_CURRENT_ITEM, {"session_id": session_id, "item": item}).first()
            if row is None:
                return "missing", 0
            if row.state != "open":
                return row.state, row.round
            round_ = row.round
        return "closed", round_  # opened and closed again under its feet three times: as good as closed

    def _rate_batch(self, conn: Connection, batch: list[_Rating]) -> list[tuple[str | None, int]]:
        """Ratings in arrival order, in one transaction: the current round's item states read once
        per session, then one statement writing the last level of each participant and item (later
        ones win, as if each had been written in turn)."""
        states: dict[tuple[int, str], tuple[str, int]] = {}
        for session_id in {r[0] for r in batch}:
            rows = conn.execute(
                select(items.c.item, items.c.state, items.c.round)
                .join(sessions, (sessions.c.id == items.c.session_id) & (sessions.c.round == items.c.round))
                .where(items.c.session_id == session_id)
            )
            states.update({(session_id, row.item): (row.state, row.round) for row in rows})
        answers: list[tuple[str | None, int]] = []
        last: dict[tuple[int, int, str, int], dict[str, Any]] = {}
        for rating in batch:
            state, round_ = states.get(rating[:2], ("missing", 0))
            answers.append((None if state == "open" else state, round_))
            if state == "open":
                last[(rating[0], round_, rating[1], rating[2])] = self._rating_values(rating, round_)
        if last:
            conn.execute(self._rating_upsert, list(last.values()))
        return answers

    @staticmethod
    def _rating_values(rating: _Rating, round_: int) -> dict[str, Any]:
        session_id, item, participant_id, level, now = rating
        return {
            "session_id": session_id,
            "round": round_,
            "item": item,
            "participant_id": participant_id,
            "level": level,
            "updated": now,
        }

    def _rating_into_open_item_statement(self) -> Any:
        """INSERT ... SELECT: the rating, if the item is open in the session's current round (PostgreSQL)."""
        chosen = (
            select(
                items.c.session_id,
                items.c.round,
                items.c.item,
                bindparam("participant_id", type_=ratings.c.participant_id.type),
                bindparam("level", type_=ratings.c.level.type),
                bindparam("now", type_=ratings.c.updated.type),
            )
            .join(sessions, (sessions.c.id == items.c.session_id) & (sessions.c.round == items.c.round))
            .where(
                items.c.session_id == bindparam("session_id"),
                items.c.item == bindparam("item"),
                items.c.state == "open",
            )
            .with_for_update(read=True, of=items)
        )
        stmt = postgresql.insert(ratings).from_select(
            ["session_id", "round", "item", "participant_id", "level", "updated"], chosen
        )
        return stmt.on_conflict_do_update(
            index_elements=["session_id", "round", "item", "participant_id"],
            set_={"level": stmt.excluded.level, "updated": stmt.excluded.updated},
        ).returning(ratings.c.round)

    def _upsert_rating(self) -> Any:
        stmt = self._insert(ratings)
        return stmt.on_conflict_do_update(
            index_elements=["session_id", "round", "item", "participant_id"],
            set_={"level": stmt.excluded.level, "updated": stmt.excluded.updated},
        )

    def ratings(self, session_id: int, round_: int | None = None) -> list[RatingRow]:
        """Every rating of the session (or of one round), by round, rater (in joining order) and item."""
        query = (
            select(participants.c.name, ratings.c.item, ratings.c.level, ratings.c.round, ratings.c.updated)
            .join(participants, participants.c.id == ratings.c.participant_id)
            .where(ratings.c.session_id == session_id)
            .order_by(ratings.c.round, participants.c.id, ratings.c.item)
        )
        if round_ is not None:
            query = query.where(ratings.c.round == round_)
        with self._read() as conn:
            return [RatingRow(r.name, r.item, r.level, r.round, r.updated) for r in conn.execute(query)]

    def failures(self, client: str, since: float) -> int:
        """How many wrong join codes (or keys) ``client`` sent since ``since`` (seconds since the epoch)."""
        with self._read() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(failed_joins.c.client == client, failed_joins.c.at >= since)
                ).scalar_one()
            )

    def failed(self, client: str, at: float, forget_before: float) -> None:
        """Count a wrong join code from ``client``; forget everyone's older than ``forget_before``."""
        with self._write() as conn:
            conn.execute(delete(failed_joins).where(failed_joins.c.at < forget_before))
            conn.execute(insert(failed_joins).values(client=client, at=at))

    def notify(self, topic: str) -> None:
        """Announce a change to every worker process (PostgreSQL's NOTIFY on the live channel)."""
        with self.engine.connect() as conn:
            conn.execute(select(func.pg_notify(CHANNEL, topic)))
            conn.commit()

    def who_rated(self, session_id: int, round_: int) -> list[tuple[int, str]]:
        """(participant id, item) of every rating in a round: who has rated what, never at which level."""
        with self._read() as conn:
            rows = conn.execute(
                select(ratings.c.participant_id, ratings.c.item)
                .where(ratings.c.session_id == session_id, ratings.c.round == round_)
                .order_by(ratings.c.participant_id)
            )
            return [(int(r.participant_id), r.item) for r in rows]

    def mine(self, session_id: int, round_: int, participant_id: int) -> dict[str, str]:
        """One participant's levels in a round, by item."""
        with self._read() as conn:
            rows = conn.execute(
                select(ratings.c.item, ratings.c.level).where(
                    ratings.c.session_id == session_id,
                    ratings.c.round == round_,
                    ratings.c.participant_id == participant_id,
                )
            )
            return {r.item: r.level for r in rows}

    def spread(self, session_id: int, round_: int) -> dict[str, dict[str, int]]:
        """How many ratings each level has, by item, in a round."""
        with self._read() as conn:
            rows = conn.execute(
                select(ratings.c.item, ratings.c.level, func.count())
                .where(ratings.c.session_id == session_id, ratings.c.round == round_)
                .group_by(ratings.c.item, ratings.c.level)
            )
            out: dict[str, dict[str, int]] = {}
            for item, level, n in rows:
                out.setdefault(item, {})[level] = int(n)
            return out

    def counts(self, session_id: int, round_: int) -> dict[str, int]:
        """How many ratings each item has in a round."""
        with self._read() as conn:
            rows = conn.execute(
                select(ratings.c.item, func.count())
                .where(ratings.c.session_id == session_id, ratings.c.round == round_)
                .group_by(ratings.c.item)
            )
            return {item: int(n) for item, n in rows}
