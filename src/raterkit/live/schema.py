"""The live server's database tables: the one place the schema is written.

Alembic moves an existing database to this schema (``migrations/versions/``, one file a step);
a test checks that upgrading an empty database from the first step gives exactly these tables.

Portable SQL only (SQLite in a room, PostgreSQL for an agency): plain types, text timestamps
(ISO 8601, UTC), composite keys where a row is identified by several columns.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

__all__ = ["CHANNEL", "consensus", "failed_joins", "items", "metadata", "participants", "ratings", "sessions"]

metadata = MetaData()

#: The PostgreSQL channel the worker processes announce changes on (LISTEN/NOTIFY).
CHANNEL = "raterkit_live"

#: One workshop session: a quiz (or part of it) rated by a room, round after round.
sessions = Table(
    "live_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(12), nullable=False, unique=True),
    Column("quiz", String(200), nullable=False),
    Column("mode", String(16), nullable=False),  # reference | consensus
    Column("pace", String(16), nullable=False),  # facilitator | self
    Column("round", Integer, nullable=False),
    #: Bumped by every change participants can see (an item opened, closed or revealed, a new round).
    Column("revision", Integer, nullable=False),
    Column("created", String(40), nullable=False),
)

#: Each item of each round: its place in the round's order and where it stands.
items = Table(
    "live_items",
    metadata,
    Column("session_id", Integer, ForeignKey("live_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("item", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("state", String(10), nullable=False),  # waiting | open | closed | revealed
    PrimaryKeyConstraint("session_id", "round", "item"),
)

#: The level a trainer recorded for an item after the discussion (consensus mode).
consensus = Table(
    "live_consensus",
    metadata,
    Column("session_id", Integer, ForeignKey("live_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("item", String(200), nullable=False),
    Column("level", String(100), nullable=False),
    PrimaryKeyConstraint("session_id", "item"),
)

#: A trainee in a session: a display name (unique in the session, case and spacing ignored) and
#: the hash of the token that identifies them (the token itself is never stored).
participants = Table(
    "live_participants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("live_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(80), nullable=False),
    Column("name_key", String(80), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("joined", String(40), nullable=False),
    UniqueConstraint("session_id", "name_key"),
)

#: A trainee's level for an item in a round; changed freely until the item is closed.
ratings = Table(
    "live_ratings",
    metadata,
    Column("session_id", Integer, ForeignKey("live_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("item", String(200), nullable=False),
    Column("participant_id", Integer, ForeignKey("live_participants.id", ondelete="CASCADE"), nullable=False),
    Column("level", String(100), nullable=False),
    Column("updated", String(40), nullable=False),
    PrimaryKeyConstraint("session_id", "round", "item", "participant_id"),
)

#: Wrong join codes by client (an address), so that every worker process applies one limit.
failed_joins = Table(
    "live_failed_joins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client", String(100), nullable=False),
    Column("at", Float, nullable=False),  # seconds since the epoch
    Index("ix_live_failed_joins_client_at", "client", "at"),
)
