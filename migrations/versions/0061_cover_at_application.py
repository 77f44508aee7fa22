"""Borrowers choose credit cover when applying: the choice is kept on the application.

Revision ID: 0061_cover_at_application
Revises: 0060_insurance_embedded
Create Date: 2026-12-07 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0061_cover_at_application"
down_revision: str | None = "0060_insurance_embedded"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Applications made before the choice existed chose nothing: acceptance may still buy it.
    op.add_column(
        "loan_application",
        sa.Column("buys_credit_cover", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("loan_application", "buys_credit_cover")
