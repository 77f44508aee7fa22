"""Open sources' change stamps, so every API process keeps its index of open bank offers
and auto-invest rules (domain/lending/services/open_sources.py) up to date.

Every insert or update of a bank offer or an auto-invest rule stamps the row with the
writing transaction's id (`source_xid`, to find what committed since a process last read:
the rows whose transaction its last snapshot did not see) and a number from one sequence
(`source_seq`, taken under the row's lock, so later writes of one row always carry a larger
one: a process never lets an older read of a row replace a newer one). A trigger, not the
services, stamps them: every writer (services, operators' SQL, fixtures) is seen.

Revision ID: 0075_open_source_versions
Revises: 0070_advertising
Create Date: 2026-12-07 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0075_open_source_versions"
down_revision: str | None = "0070_advertising"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("bank_funding_offer", "auto_invest_rule")


def upgrade() -> None:
    op.execute("CREATE SEQUENCE open_source_seq")
    op.execute(
        """
        CREATE FUNCTION open_source_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.source_xid := txid_current();
            NEW.source_seq := nextval('open_source_seq');
            RETURN NEW;
        END;
        $$
        """
    )
    for table in TABLES:
        op.add_column(table, sa.Column("source_xid", sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column("source_seq", sa.BigInteger(), nullable=True))
        op.create_index(f"ix_{table}_source_xid", table, ["source_xid"])
        op.execute(
            f"CREATE TRIGGER {table}_source_stamp BEFORE INSERT OR UPDATE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION open_source_stamp()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_source_stamp ON {table}")
        op.drop_index(f"ix_{table}_source_xid", table_name=table)
        op.drop_column(table, "source_seq")
        op.drop_column(table, "source_xid")
    op.execute("DROP FUNCTION open_source_stamp()")
    op.execute("DROP SEQUENCE open_source_seq")
