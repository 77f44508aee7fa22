"""Partner revenue share: referral codes, referrals, versioned agreements, monthly statements.

Revision ID: 0037_partner_share
Revises: 0036_liquidity
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0037_partner_share'
down_revision: str | None = '0036_liquidity'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partner_referral_code',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('code'),
    sa.UniqueConstraint('partner_id')
    )
    op.create_table('partner_referral',
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('participant_id')
    )
    op.create_index(op.f('ix_partner_referral_partner_id'), 'partner_referral', ['partner_id'], unique=False)
    op.create_table('partner_agreement',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('streams', postgresql.ARRAY(sa.String(length=64)), nullable=False),
    sa.Column('share_bps', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('share_bps BETWEEN 0 AND 10000', name='share_within_whole'),
    sa.ForeignKeyConstraint(['created_by'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partner_id', 'currency', 'version', name='partner_agreement_version')
    )
    op.create_index(op.f('ix_partner_agreement_partner_id'), 'partner_agreement', ['partner_id'], unique=False)
    op.create_table('partner_statement',
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('agreement_id', sa.Uuid(), nullable=False),
    sa.Column('agreement_version', sa.Integer(), nullable=False),
    sa.Column('share_bps', sa.Integer(), nullable=False),
    sa.Column('lines', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('revenue', sa.BigInteger(), nullable=False),
    sa.Column('share', sa.BigInteger(), nullable=False),
    sa.Column('journal_id', sa.Uuid(), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['partner_agreement.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('partner_id', 'currency', 'month')
    )


def downgrade() -> None:
    op.drop_table('partner_statement')
    op.drop_index(op.f('ix_partner_agreement_partner_id'), table_name='partner_agreement')
    op.drop_table('partner_agreement')
    op.drop_index(op.f('ix_partner_referral_partner_id'), table_name='partner_referral')
    op.drop_table('partner_referral')
    op.drop_table('partner_referral_code')
