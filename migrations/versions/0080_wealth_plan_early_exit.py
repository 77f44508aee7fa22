"""Lending plans' early exits through the secondary market: one row per exit, its holder,
state, what it has brought and the fee taken.

Revision ID: 0080_wealth_plan_early_exit
Revises: 0075_open_source_versions
Create Date: 2026-12-07 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0080_wealth_plan_early_exit"
down_revision: str | None = "0075_open_source_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def _minor(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "wealth_plan_exit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("stake_id", sa.Uuid(), nullable=False),
        sa.Column("investor_id", sa.Uuid(), nullable=False),
        sa.Column("holder_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("fee_rate", sa.Numeric(12, 8), nullable=False),
        _minor("cash"),
        _minor("notes"),
        sa.Column("note_count", sa.Integer(), nullable=False),
        _minor("claims"),
        _minor("received"),
        _minor("fee"),
        sa.Column("deadline", MOMENT, nullable=False),
        sa.Column("done_at", MOMENT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.CheckConstraint("0 <= fee AND fee <= received", name="fee_within_received"),
        sa.ForeignKeyConstraint(["plan_id"], ["wealth_plan.id"]),
        sa.ForeignKeyConstraint(["stake_id"], ["wealth_plan_stake.id"]),
        sa.ForeignKeyConstraint(["investor_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["holder_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stake_id", name="wealth_plan_exit_one_per_stake"),
    )
    op.create_index("ix_wealth_plan_exit_plan_id", "wealth_plan_exit", ["plan_id"])
    op.create_index("ix_wealth_plan_exit_state", "wealth_plan_exit", ["state", "deadline"])


def downgrade() -> None:
    op.drop_table("wealth_plan_exit")
