"""Ledger accounts (with cached balances) and transfers (append-only: a trigger forbids edits).

The database itself refuses what must never happen, whatever the code does: an overdrawn
wallet (CHECK on the limits), a hold resolved twice (UNIQUE pending_id), an edited journal.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def _money(**kwargs: Any) -> Any:
    return Field(
        default=0,
        sa_column=sa.Column(sa.BigInteger, nullable=False, server_default=sa.text("0"), **kwargs),
    )


class LedgerAccount(SQLModel, table=True):
    __tablename__ = "ledger_account"
    __table_args__ = (
        sa.UniqueConstraint(
            "kind",
            "owner_id",
            "currency",
            "label",
            name="ledger_account_identity",
            postgresql_nulls_not_distinct=True,
        ),
        sa.CheckConstraint(
            "debits_pending >= 0 AND debits_posted >= 0"
            " AND credits_pending >= 0 AND credits_posted >= 0",
            name="balances_not_negative",
        ),
        sa.CheckConstraint(
            "NOT debits_must_not_exceed_credits"
            " OR debits_pending + debits_posted <= credits_posted",
            name="debits_within_credits",
        ),
        sa.CheckConstraint(
            "NOT credits_must_not_exceed_debits"
            " OR credits_pending + credits_posted <= debits_posted",
            name="credits_within_debits",
        ),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    currency: str = Field(max_length=3)
    kind: str = Field(max_length=24)
    owner_id: UUID | None = Field(default=None, foreign_key="participant.id", index=True)
    label: str = Field(default="", max_length=64)  # e.g. the revenue stream
    debits_pending: int = _money()
    debits_posted: int = _money()
    credits_pending: int = _money()
    credits_posted: int = _money()
    debits_must_not_exceed_credits: bool = Field(default=False)
    credits_must_not_exceed_debits: bool = Field(default=False)
    frozen: bool = Field(default=False)
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class LedgerTransfer(SQLModel, table=True):
    __tablename__ = "ledger_transfer"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
    )

    id: UUID = Field(primary_key=True)
    journal_id: UUID = Field(index=True)  # the legs of one business operation
    kind: str = Field(max_length=16)  # TransferKind
    debit_account_id: int = Field(
        sa_column=sa.Column(
            sa.BigInteger, sa.ForeignKey("ledger_account.id"), nullable=False, index=True
        )
    )
    credit_account_id: int = Field(
        sa_column=sa.Column(
            sa.BigInteger, sa.ForeignKey("ledger_account.id"), nullable=False, index=True
        )
    )
    amount: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    reason: str = Field(max_length=48)
    # A post or void names the hold it resolves; UNIQUE: a hold resolves at most once.
    pending_id: UUID | None = Field(default=None, unique=True)
    expires_at: datetime | None = Field(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True, index=True)
    )
    created_at: datetime = Field(
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, index=True)
    )
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB, nullable=False)
    )


class DailyOutflow(SQLModel, table=True):
    """What left a wallet for one reason on one day (UTC): the daily limits read this one row
    instead of summing the day's journal. Kept by the ledger under the wallet's lock."""

    __tablename__ = "ledger_daily_outflow"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="outflow_not_negative"),)

    account_id: int = Field(
        sa_column=sa.Column(
            sa.BigInteger, sa.ForeignKey("ledger_account.id"), primary_key=True, nullable=False
        )
    )
    day: date = Field(sa_column=sa.Column(sa.Date, primary_key=True, nullable=False))
    reason: str = Field(max_length=48, primary_key=True)
    amount: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


class DailyRevenue(SQLModel, table=True):
    """What one revenue account (a stream, in a currency) earned and gave back on one day
    (UTC), posted only: the revenue reports read these rows instead of the journal. Kept by
    the ledger under the account's lock, recomputed by `agora ledger verify`."""

    __tablename__ = "ledger_daily_revenue"
    __table_args__ = (
        sa.CheckConstraint("credited >= 0 AND debited >= 0", name="revenue_not_negative"),
    )

    account_id: int = Field(
        sa_column=sa.Column(
            sa.BigInteger, sa.ForeignKey("ledger_account.id"), primary_key=True, nullable=False
        )
    )
    day: date = Field(sa_column=sa.Column(sa.Date, primary_key=True, nullable=False))
    credited: int = _money()
    debited: int = _money()
