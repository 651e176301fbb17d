"""Wrong join codes counted in the database, so every worker process applies one limit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_failed_joins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_live_failed_joins_client_at", "live_failed_joins", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_live_failed_joins_client_at", "live_failed_joins")
    op.drop_table("live_failed_joins")
