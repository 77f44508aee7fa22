"""Credit decisions name the fraud rules that screened them, as they name the scorecard.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every decision made before this revision was screened by the first published rules.
FIRST_RULES = sa.text("'2026-11-f1'")


def upgrade() -> None:
    for table in ('loan_application', 'bnpl_credit_decision'):
        op.add_column(table, sa.Column('fraud_rules_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default=FIRST_RULES))
        op.alter_column(table, 'fraud_rules_version', server_default=None)


def downgrade() -> None:
    for table in ('bnpl_credit_decision', 'loan_application'):
        op.drop_column(table, 'fraud_rules_version')
