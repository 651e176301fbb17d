"""The first released schema (raterkit live, SQLite in a room): sessions, items by round, consensus
levels, participants and ratings.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(12), nullable=False, unique=True),
        sa.Column("quiz", sa.String(200), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("pace", sa.String(16), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created", sa.String(40), nullable=False),
    )
    op.create_table(
        "live_items",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("live_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "round", "item"),
    )
    op.create_table(
        "live_consensus",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("live_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column("level", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "item"),
    )
    op.create_table(
        "live_participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("live_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_key", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("joined", sa.String(40), nullable=False),
        sa.UniqueConstraint("session_id", "name_key"),
    )
    op.create_table(
        "live_ratings",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("live_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column(
            "participant_id", sa.Integer, sa.ForeignKey("live_participants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("level", sa.String(100), nullable=False),
        sa.Column("updated", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "round", "item", "participant_id"),
    )


def downgrade() -> None:
    for table in ("live_ratings", "live_participants", "live_consensus", "live_items", "live_sessions"):
        op.drop_table(table)
