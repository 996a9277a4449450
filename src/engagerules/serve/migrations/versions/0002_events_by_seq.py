"""Events found by their order: a posting asks for the force's last `seq`, and a report
reads the force's events in `seq` order; without an index both scan every stored event,
so posting slowed as the store grew.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_index("events_by_seq", "events", ["force", "seq"])


def downgrade() -> None:
    op.drop_index("events_by_seq", table_name="events")
