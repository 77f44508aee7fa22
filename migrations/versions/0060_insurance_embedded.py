"""Embedded insurance by choice: cover offers that do not require their credit cover, the
borrower's purchase of it on the loan, and a merchant's return-shipping cover on a payment.

Revision ID: 0060_insurance_embedded
Revises: 0041_wealth_plans
Create Date: 2026-12-07 15:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0060_insurance_embedded"
down_revision: str | None = "0041_wealth_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Offers published before borrowers chose kept selling every loan its policy: they require it.
    op.add_column(
        "cover_offer",
        sa.Column("requires_cover", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column(
        "loan",
        sa.Column("buys_credit_cover", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "payment_intent", sa.Column("return_shipping_product_id", sa.Uuid(), nullable=True)
    )
    op.create_foreign_key(
        None, "payment_intent", "insurance_product", ["return_shipping_product_id"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint(
        "payment_intent_return_shipping_product_id_fkey", "payment_intent", type_="foreignkey"
    )
    op.drop_column("payment_intent", "return_shipping_product_id")
    op.drop_column("loan", "buys_credit_cover")
    op.drop_column("cover_offer", "requires_cover")
