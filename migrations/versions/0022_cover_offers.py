"""Cover offers: insurers and guarantors agree to what they cover; a product names the
provider by id and the offer it attached; a cover's payout names its kind and its shortfall.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cover_offer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("share", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column("max_loan_amount", sa.BigInteger(), nullable=True),
        sa.Column("terms", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("share > 0 AND share <= 1", name="share_within_one"),
        sa.CheckConstraint("max_loan_amount IS NULL OR max_loan_amount > 0", name="max_positive"),
        sa.CheckConstraint(
            "(status = 'WITHDRAWN') = (withdrawn_at IS NOT NULL)", name="withdrawn_whole"
        ),
        sa.ForeignKeyConstraint(["provider_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_cover_offer_provider_id"), "cover_offer", ["provider_id"], unique=False
    )
    # A provider named by anything but a participant's id meant the platform's fund.
    op.execute(
        "UPDATE loan_product SET cover_provider = NULL WHERE cover_provider !~* "
        "'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"
    )
    op.execute(
        "UPDATE loan_product SET cover_provider = NULL WHERE cover_provider IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM participant p WHERE p.id::text = lower(cover_provider))"
    )
    op.alter_column(
        "loan_product",
        "cover_provider",
        existing_type=sa.String(length=64),
        type_=sa.Uuid(),
        postgresql_using="cover_provider::uuid",
        existing_nullable=True,
    )
    op.create_foreign_key(None, "loan_product", "participant", ["cover_provider"], ["id"])
    op.add_column("loan_product", sa.Column("cover_offer_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(None, "loan_product", "cover_offer", ["cover_offer_id"], ["id"])
    op.add_column(
        "repayment",
        sa.Column("shortfall", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    # A cover's payout says who paid: an insurer, a guarantor or the platform's fund.
    op.execute(
        "UPDATE repayment r SET kind = CASE WHEN p.cover_kind = 'INSURANCE' THEN 'INSURANCE' "
        "WHEN r.payer_id IS NULL THEN 'GUARANTEE_FUND' ELSE 'GUARANTEE' END "
        "FROM loan l JOIN loan_product p ON p.id = l.product_id "
        "WHERE r.loan_id = l.id AND r.kind = 'GUARANTEE'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE repayment SET kind = 'GUARANTEE' WHERE kind IN ('INSURANCE', 'GUARANTEE_FUND')"
    )
    op.drop_column("repayment", "shortfall")
    op.drop_constraint("loan_product_cover_offer_id_fkey", "loan_product", type_="foreignkey")
    op.drop_column("loan_product", "cover_offer_id")
    op.drop_constraint("loan_product_cover_provider_fkey", "loan_product", type_="foreignkey")
    op.alter_column(
        "loan_product",
        "cover_provider",
        existing_type=sa.Uuid(),
        type_=sa.String(length=64),
        existing_nullable=True,
    )
    op.drop_index(op.f("ix_cover_offer_provider_id"), table_name="cover_offer")
    op.drop_table("cover_offer")
