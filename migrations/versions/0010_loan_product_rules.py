"""Loan products hold what the pure LoanProduct says: one repayment method, fee rules,
a daily penalty rate, default days, the cover and the resale rules.

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-29 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ('repayment_methods', 'fee_kind', 'fee_rate', 'fee_fixed', 'fee_timing', 'penalty_rate',
        'default_after_days', 'guarantee_cover', 'details')


def upgrade() -> None:
    # No product has been sold under the first layout: its columns go.
    for column in _OLD:
        op.drop_column('loan_product', column)
    op.add_column('loan_product', sa.Column('repayment_method', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False))
    op.add_column('loan_product', sa.Column('fees', postgresql.JSONB(astext_type=sa.Text()), nullable=False))
    op.add_column('loan_product', sa.Column('penalty_daily_rate', sa.Numeric(precision=12, scale=8), nullable=False))
    op.add_column('loan_product', sa.Column('default_days', sa.Integer(), nullable=False))
    op.add_column('loan_product', sa.Column('cover_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False))
    op.add_column('loan_product', sa.Column('cover_share', sa.Numeric(precision=12, scale=8), nullable=False))
    op.add_column('loan_product', sa.Column('cover_provider', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column('loan_product', sa.Column('early_repayment', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False))
    op.add_column('loan_product', sa.Column('transfer_rules', postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade() -> None:
    for column in ('repayment_method', 'fees', 'penalty_daily_rate', 'default_days', 'cover_kind',
                   'cover_share', 'cover_provider', 'early_repayment', 'transfer_rules'):
        op.drop_column('loan_product', column)
    op.add_column('loan_product', sa.Column('repayment_methods', postgresql.ARRAY(sa.String(length=24)), server_default='{}', nullable=False))
    op.add_column('loan_product', sa.Column('fee_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False))
    op.add_column('loan_product', sa.Column('fee_rate', sa.Numeric(precision=12, scale=8), nullable=False))
    op.add_column('loan_product', sa.Column('fee_fixed', sa.BigInteger(), server_default=sa.text('0'), nullable=False))
    op.add_column('loan_product', sa.Column('fee_timing', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False))
    op.add_column('loan_product', sa.Column('penalty_rate', sa.Numeric(precision=12, scale=8), nullable=False))
    op.add_column('loan_product', sa.Column('default_after_days', sa.Integer(), nullable=False))
    op.add_column('loan_product', sa.Column('guarantee_cover', sa.Numeric(precision=12, scale=8), nullable=False))
    op.add_column('loan_product', sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=False))
