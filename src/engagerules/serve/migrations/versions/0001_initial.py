"""The first store: feed tokens, API keys, events, idempotent batches, reports, feeds.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("force", sa.String(200), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("created", when, nullable=False),
        sa.Column("revoked", when),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("force", sa.String(200), nullable=False),
        sa.Column("rights", sa.String(100), nullable=False),
        sa.Column("created", when, nullable=False),
        sa.Column("revoked", when),
    )
    op.create_table(
        "events",
        sa.Column("force", sa.String(200), primary_key=True),
        sa.Column("id", sa.String(500), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("batch", sa.String(64), nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("force", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("body", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("response", sa.Text),
        sa.Column("started", when, nullable=False),
    )
    op.create_table(
        "event_sets",
        sa.Column("force", sa.String(200), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("force", sa.String(200), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("created", when, nullable=False),
    )
    op.create_table(
        "feeds",
        sa.Column("key", sa.String(700), primary_key=True),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("modified", when, nullable=False),
    )


def downgrade() -> None:
    for table in ("feeds", "reports", "event_sets", "batches", "events", "api_keys", "feed_tokens"):
        op.drop_table(table)
