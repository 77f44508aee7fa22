"""Outbox: an index by topic and position, for checking a resuming subscriber's cursor.

Revision ID: 0008
Revises: 0012
Create Date: 2026-11-29 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_outbox_event_topic_position', 'outbox_event', ['topic', 'position'],
                    unique=False, postgresql_where=sa.text('position IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_outbox_event_topic_position', table_name='outbox_event',
                  postgresql_where=sa.text('position IS NOT NULL'))
