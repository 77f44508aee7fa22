"""Deleted bank offers and auto-invest rules, recorded by a trigger, so every API process's
index of open sources (domain/lending/services/open_sources.py) learns they are gone: a
deleted row carries no stamp (migration 0075), and the index counts every source, read or
not, for a match's explanation.

Revision ID: 0085_open_source_deletions
Revises: 0080_wealth_plan_early_exit
Create Date: 2026-12-07 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0085_open_source_deletions"
down_revision: str | None = "0080_wealth_plan_early_exit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("bank_funding_offer", "auto_invest_rule")


def upgrade() -> None:
    op.create_table(
        "open_source_deletion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_xid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_open_source_deletion_source_xid", "open_source_deletion", ["source_xid"]
    )
    op.execute(
        """
        CREATE FUNCTION open_source_forget() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO open_source_deletion (id, source_xid) VALUES (OLD.id, txid_current())
            ON CONFLICT (id) DO UPDATE SET source_xid = EXCLUDED.source_xid;
            RETURN OLD;
        END;
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_source_forget AFTER DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION open_source_forget()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_source_forget ON {table}")
    op.execute("DROP FUNCTION open_source_forget()")
    op.drop_index("ix_open_source_deletion_source_xid", table_name="open_source_deletion")
    op.drop_table("open_source_deletion")
