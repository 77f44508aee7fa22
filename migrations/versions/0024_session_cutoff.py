"""A participant's session cutoff is recorded in PostgreSQL too, so a revocation check can
read it when Redis cannot answer.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('participant', sa.Column('sessions_revoked_before', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('participant', 'sessions_revoked_before')
