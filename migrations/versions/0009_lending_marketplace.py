"""Lending marketplace: products, applications, loans, installments, notes, bank offers,
auto-invest rules, matches, repayments and note sales.

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-29 17:00:12.258286
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('auto_invest_rule',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('investor_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('grades', postgresql.ARRAY(sa.String(length=24)), server_default='{}', nullable=False),
    sa.Column('min_term_months', sa.Integer(), nullable=False),
    sa.Column('max_term_months', sa.Integer(), nullable=False),
    sa.Column('min_rate', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('max_per_loan', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('daily_budget', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['investor_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_auto_invest_rule_investor_id'), 'auto_invest_rule', ['investor_id'], unique=False)
    op.create_table('bank_funding_offer',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('bank_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('capacity', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('committed', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('rate_floor', sa.Numeric(precision=12, scale=8), nullable=True),
    sa.Column('spread', sa.Numeric(precision=12, scale=8), nullable=True),
    sa.Column('grades', postgresql.ARRAY(sa.String(length=24)), server_default='{}', nullable=False),
    sa.Column('min_term_months', sa.Integer(), nullable=False),
    sa.Column('max_term_months', sa.Integer(), nullable=False),
    sa.Column('min_amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('max_amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('per_borrower_cap', sa.BigInteger(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('0 <= committed AND committed <= capacity', name='within_capacity'),
    sa.CheckConstraint('rate_floor IS NOT NULL OR spread IS NOT NULL', name='has_price'),
    sa.ForeignKeyConstraint(['bank_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_bank_funding_offer_bank_id'), 'bank_funding_offer', ['bank_id'], unique=False)
    op.create_table('loan_product',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('min_amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('max_amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('min_term_months', sa.Integer(), nullable=False),
    sa.Column('max_term_months', sa.Integer(), nullable=False),
    sa.Column('repayment_methods', postgresql.ARRAY(sa.String(length=24)), server_default='{}', nullable=False),
    sa.Column('rounding', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('min_rate', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('max_rate', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('fee_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('fee_rate', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('fee_fixed', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('fee_timing', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('penalty_rate', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('default_after_days', sa.Integer(), nullable=False),
    sa.Column('funding_channels', postgresql.ARRAY(sa.String(length=24)), server_default='{}', nullable=False),
    sa.Column('guarantee_cover', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('platform_spread', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('note_size', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('min_investment', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('max_investor_share', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('funding_days', sa.Integer(), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'version', name='loan_product_code_version')
    )
    op.create_index('loan_product_one_current', 'loan_product', ['code'], unique=True, postgresql_where=sa.text('superseded_at IS NULL'))
    op.create_table('loan_application',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('borrower_id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('repayment_method', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('declared_monthly_income', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('annual_rate', sa.Numeric(precision=12, scale=8), nullable=True),
    sa.Column('credit_limit', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('reason_codes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('points', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('scorecard_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('fraud_action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('fraud_reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['borrower_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['loan_product.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_loan_application_borrower_id'), 'loan_application', ['borrower_id'], unique=False)
    op.create_index(op.f('ix_loan_application_created_at'), 'loan_application', ['created_at'], unique=False)
    op.create_table('loan',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('borrower_id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('principal', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('committed', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('repayment_method', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('rounding', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('borrower_rate', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('funder_rate', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('upfront_fee', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('spread_fee', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('funding_deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('funded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disbursed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_due_date', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('0 <= committed AND committed <= principal', name='not_overfunded'),
    sa.ForeignKeyConstraint(['application_id'], ['loan_application.id'], ),
    sa.ForeignKeyConstraint(['borrower_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['loan_product.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id')
    )
    op.create_index(op.f('ix_loan_borrower_id'), 'loan', ['borrower_id'], unique=False)
    op.create_index('ix_loan_listed', 'loan', ['state', 'funding_deadline'], unique=False)
    op.create_index(op.f('ix_loan_listed_at'), 'loan', ['listed_at'], unique=False)
    op.create_table('loan_installment',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('principal_due', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('interest_due', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('fee_due', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('penalty_accrued', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('principal_paid', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('interest_paid', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('fee_paid', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('penalty_paid', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('bucket', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('aged_on', sa.Date(), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('principal_paid <= principal_due AND interest_paid <= interest_due AND fee_paid <= fee_due AND penalty_paid <= penalty_accrued', name='paid_within_due'),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('loan_id', 'number', name='loan_installment_number')
    )
    op.create_index('ix_installment_open_due', 'loan_installment', ['due_date'], unique=False, postgresql_where=sa.text('paid_at IS NULL'))
    op.create_index(op.f('ix_loan_installment_loan_id'), 'loan_installment', ['loan_id'], unique=False)
    op.create_table('loan_note',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('holder_id', sa.Uuid(), nullable=False),
    sa.Column('funder_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=True),
    sa.Column('principal', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('hold_id', sa.Uuid(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('principal_received', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('interest_received', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('principal > 0', name='principal_positive'),
    sa.ForeignKeyConstraint(['holder_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_loan_note_holder_id'), 'loan_note', ['holder_id'], unique=False)
    op.create_index(op.f('ix_loan_note_loan_id'), 'loan_note', ['loan_id'], unique=False)
    op.create_table('repayment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('payer_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('penalty', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('fees', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('interest', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('principal', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('allocation', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('distribution', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('journal_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
    sa.ForeignKeyConstraint(['payer_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_repayment_created_at'), 'repayment', ['created_at'], unique=False)
    op.create_index(op.f('ix_repayment_loan_id'), 'repayment', ['loan_id'], unique=False)
    op.create_table('loan_match',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('source_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('funder_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('note_id', sa.Uuid(), nullable=False),
    sa.Column('explanation', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['funder_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
    sa.ForeignKeyConstraint(['note_id'], ['loan_note.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_loan_match_funder_id'), 'loan_match', ['funder_id'], unique=False)
    op.create_index(op.f('ix_loan_match_loan_id'), 'loan_match', ['loan_id'], unique=False)
    op.create_table('note_sale',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('note_id', sa.Uuid(), nullable=False),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('price', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('transfer_fee', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('buyer_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sold_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['note_id'], ['loan_note.id'], ),
    sa.ForeignKeyConstraint(['seller_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_note_sale_note_id'), 'note_sale', ['note_id'], unique=False)
    op.create_index('note_sale_one_open', 'note_sale', ['note_id'], unique=True, postgresql_where=sa.text("status = 'OPEN'"))


def downgrade() -> None:
    op.drop_index('note_sale_one_open', table_name='note_sale', postgresql_where=sa.text("status = 'OPEN'"))
    op.drop_index(op.f('ix_note_sale_note_id'), table_name='note_sale')
    op.drop_table('note_sale')
    op.drop_index(op.f('ix_loan_match_loan_id'), table_name='loan_match')
    op.drop_index(op.f('ix_loan_match_funder_id'), table_name='loan_match')
    op.drop_table('loan_match')
    op.drop_index(op.f('ix_repayment_loan_id'), table_name='repayment')
    op.drop_index(op.f('ix_repayment_created_at'), table_name='repayment')
    op.drop_table('repayment')
    op.drop_index(op.f('ix_loan_note_loan_id'), table_name='loan_note')
    op.drop_index(op.f('ix_loan_note_holder_id'), table_name='loan_note')
    op.drop_table('loan_note')
    op.drop_index(op.f('ix_loan_installment_loan_id'), table_name='loan_installment')
    op.drop_index('ix_installment_open_due', table_name='loan_installment', postgresql_where=sa.text('paid_at IS NULL'))
    op.drop_table('loan_installment')
    op.drop_index(op.f('ix_loan_listed_at'), table_name='loan')
    op.drop_index('ix_loan_listed', table_name='loan')
    op.drop_index(op.f('ix_loan_borrower_id'), table_name='loan')
    op.drop_table('loan')
    op.drop_index(op.f('ix_loan_application_created_at'), table_name='loan_application')
    op.drop_index(op.f('ix_loan_application_borrower_id'), table_name='loan_application')
    op.drop_table('loan_application')
    op.drop_index('loan_product_one_current', table_name='loan_product', postgresql_where=sa.text('superseded_at IS NULL'))
    op.drop_table('loan_product')
    op.drop_index(op.f('ix_bank_funding_offer_bank_id'), table_name='bank_funding_offer')
    op.drop_table('bank_funding_offer')
    op.drop_index(op.f('ix_auto_invest_rule_investor_id'), table_name='auto_invest_rule')
    op.drop_table('auto_invest_rule')
