"""The webhook delivery log's pruning: finished deliveries by age, and copies by original.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_webhook_delivery_finished', 'webhook_delivery', ['completed_at'], unique=False, postgresql_where=sa.text("status <> 'PENDING'"))
    op.create_index('ix_webhook_delivery_redelivery_of', 'webhook_delivery', ['redelivery_of'], unique=False, postgresql_where=sa.text('redelivery_of IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_webhook_delivery_redelivery_of', table_name='webhook_delivery', postgresql_where=sa.text('redelivery_of IS NOT NULL'))
    op.drop_index('ix_webhook_delivery_finished', table_name='webhook_delivery', postgresql_where=sa.text("status <> 'PENDING'"))
