"""Lending plans exit: a lock-up and an early-exit fee per plan; the plan's maturity, exit,
what it realised and its fee; each stake's payout, early-exit fee and when it left.

Revision ID: 0065_wealth_plan_exit
Revises: 0060_insurance_embedded
Create Date: 2026-12-07 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0065_wealth_plan_exit"
down_revision: str | None = "0061_cover_at_application"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "wealth_plan", sa.Column("lockup_months", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "wealth_plan",
        sa.Column(
            "early_exit_fee_rate", sa.Numeric(12, 8), server_default="0", nullable=False
        ),
    )
    op.add_column("wealth_plan", sa.Column("matured_at", MOMENT, nullable=True))
    op.add_column("wealth_plan", sa.Column("exited_at", MOMENT, nullable=True))
    op.add_column("wealth_plan", sa.Column("realised", sa.BigInteger(), nullable=True))
    op.add_column("wealth_plan", sa.Column("fee", sa.BigInteger(), nullable=True))
    op.add_column("wealth_plan_stake", sa.Column("payout", sa.BigInteger(), nullable=True))
    op.add_column("wealth_plan_stake", sa.Column("exit_fee", sa.BigInteger(), nullable=True))
    op.add_column("wealth_plan_stake", sa.Column("exited_at", MOMENT, nullable=True))


def downgrade() -> None:
    for column in ("exited_at", "exit_fee", "payout"):
        op.drop_column("wealth_plan_stake", column)
    for column in (
        "fee",
        "realised",
        "exited_at",
        "matured_at",
        "early_exit_fee_rate",
        "lockup_months",
    ):
        op.drop_column("wealth_plan", column)
