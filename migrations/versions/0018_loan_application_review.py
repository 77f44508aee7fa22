"""An operator decides a loan application the fraud rules referred: who, when and why.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 22:32:03.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('loan_application', sa.Column('reviewed_by', sa.Uuid(), nullable=True))
    op.add_column('loan_application', sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('loan_application', sa.Column('review_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.create_foreign_key('loan_application_reviewed_by_fkey', 'loan_application', 'participant', ['reviewed_by'], ['id'])
    op.create_check_constraint('offer_priced', 'loan_application', "status NOT IN ('APPROVED', 'REVIEW', 'ACCEPTED') OR annual_rate IS NOT NULL")
    op.create_check_constraint('review_whole', 'loan_application', '(reviewed_at IS NULL) = (review_reason IS NULL)')


def downgrade() -> None:
    op.drop_constraint('review_whole', 'loan_application', type_='check')
    op.drop_constraint('offer_priced', 'loan_application', type_='check')
    op.drop_constraint('loan_application_reviewed_by_fkey', 'loan_application', type_='foreignkey')
    op.drop_column('loan_application', 'review_reason')
    op.drop_column('loan_application', 'reviewed_at')
    op.drop_column('loan_application', 'reviewed_by')
