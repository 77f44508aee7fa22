"""Economics: daily revenue counters per revenue account (filled from the journal); the
public disclosure's live figures and immutable monthly snapshots.

Revision ID: 0035_economics
Revises: 0025
Create Date: 2026-12-07 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString
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
    op.create_table('disclosure_live',
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('currency')
    )
    op.create_table('disclosure_snapshot',
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('currency', 'month')
    )
    # A month's published figures never change: history is not rewritten.
    op.execute(
        """
        CREATE FUNCTION disclosure_snapshot_immutable() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'a disclosure snapshot is never changed or removed';
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        """
        CREATE TRIGGER disclosure_snapshot_immutable
        BEFORE UPDATE OR DELETE ON disclosure_snapshot
        FOR EACH ROW EXECUTE FUNCTION disclosure_snapshot_immutable()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER disclosure_snapshot_immutable ON disclosure_snapshot")
    op.execute("DROP FUNCTION disclosure_snapshot_immutable()")
    op.drop_table('disclosure_snapshot')
    op.drop_table('disclosure_live')
    op.drop_table('ledger_daily_revenue')
