"""What a dispute's resolution gave back out of escrow counts in the payment's refunds.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('payment_intent', sa.Column('escrow_refunded_amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False))
    # Disputes resolved before this revision: their refunds out of escrow, as recorded.
    op.execute(
        "UPDATE payment_intent AS i SET escrow_refunded_amount = r.total "
        "FROM (SELECT payment_id, sum(amount) AS total FROM payment_refund "
        "WHERE source = 'ESCROW' GROUP BY payment_id) AS r WHERE r.payment_id = i.id"
    )
    op.create_check_constraint('escrow_refunds_within_amount', 'payment_intent', 'escrow_refunded_amount >= 0 AND captured_amount + escrow_refunded_amount <= amount')


def downgrade() -> None:
    op.drop_constraint('escrow_refunds_within_amount', 'payment_intent', type_='check')
    op.drop_column('payment_intent', 'escrow_refunded_amount')
