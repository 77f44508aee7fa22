"""A merchant's commercial terms (fee plan and payout schedule) and its split rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def _timestamp(*, nullable: bool = False) -> Any:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable)


class MerchantFeePlan(SQLModel, table=True):
    """What the platform charges a merchant per payment (MDR: percent + fixed), and when its
    released money is paid out to its bank. One plan per merchant and currency."""

    __tablename__ = "merchant_fee_plan"
    __table_args__ = (
        sa.UniqueConstraint("merchant_id", "currency", name="merchant_fee_plan_per_currency"),
        sa.CheckConstraint("percent_bps BETWEEN 0 AND 10000", name="percent_bps_range"),
        sa.CheckConstraint("fixed_minor >= 0 AND minimum_payout >= 0", name="amounts_not_negative"),
        sa.CheckConstraint(
            "delay_days >= 0 AND weekday BETWEEN 0 AND 6", name="payout_schedule_range"
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    merchant_id: UUID = Field(foreign_key="participant.id", index=True)
    currency: str = Field(max_length=3)
    percent_bps: int  # 60 = 0.60 %
    fixed_minor: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    payout_frequency: str = Field(default="DAILY", max_length=8)  # PayoutFrequency
    delay_days: int = Field(default=1)  # T+1
    weekday: int = Field(default=0)  # for WEEKLY payouts, Monday = 0
    minimum_payout: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class SplitRuleRow(SQLModel, table=True):
    """Who shares a payment: a merchant's rule (used by its payments unless they carry their
    own) or one payment's rule. `shares` is [{role, partyId, percent | amount}]."""

    __tablename__ = "split_rule"
    __table_args__ = (
        # At most one default rule per merchant and currency.
        sa.Index(
            "ix_split_rule_default",
            "merchant_id",
            "currency",
            unique=True,
            postgresql_where=sa.text("is_default AND archived_at IS NULL"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    merchant_id: UUID = Field(foreign_key="participant.id", index=True)
    currency: str = Field(max_length=3)
    name: str = Field(max_length=80)
    scope: str = Field(max_length=8)  # MERCHANT (reusable) or PAYMENT (one payment's own)
    is_default: bool = Field(default=False)
    shares: list[dict[str, Any]] = Field(sa_column=sa.Column(JSONB, nullable=False))
    remainder_role: str = Field(max_length=16)
    remainder_party_id: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_timestamp())
    archived_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
