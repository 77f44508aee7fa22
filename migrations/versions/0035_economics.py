"""Economics: daily revenue counters per revenue account, filled from the journal.

Revision ID: 0035_economics
Revises: 0025
Create Date: 2026-12-07 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0035_economics'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ledger_daily_revenue',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('credited', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('debited', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.CheckConstraint('credited >= 0 AND debited >= 0', name='revenue_not_negative'),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_account.id'], ),
    sa.PrimaryKeyConstraint('account_id', 'day')
    )
    op.execute(
        """
        INSERT INTO ledger_daily_revenue (account_id, day, credited, debited)
        SELECT a.id, (t.created_at AT TIME ZONE 'UTC')::date,
               COALESCE(SUM(t.amount) FILTER (WHERE a.id = t.credit_account_id), 0),
               COALESCE(SUM(t.amount) FILTER (WHERE a.id = t.debit_account_id), 0)
        FROM ledger_transfer t
        JOIN ledger_account a
          ON a.id IN (t.debit_account_id, t.credit_account_id) AND a.kind = 'PLATFORM_REVENUE'
        WHERE t.kind IN ('POSTED', 'POST_PENDING')
        GROUP BY 1, 2
        """
    )


def downgrade() -> None:
    op.drop_table('ledger_daily_revenue')
