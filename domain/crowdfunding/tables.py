"""Crowdfunding's rows: campaigns, their reward tiers, and backers' pledges.

Money columns are BIGINT minor units of the campaign's currency. The database refuses what
must never happen whatever the code does: a tier sold beyond its stock, a backer with two
live pledges on one campaign, a pledge refunded beyond what was captured of it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

RATE = sa.Numeric(12, 8)


def _minor(*, nullable: bool = False) -> Any:
    column = sa.Column(
        sa.BigInteger, nullable=nullable, server_default=None if nullable else sa.text("0")
    )
    return Field(default=None if nullable else 0, sa_column=column)


def _moment(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=nullable, index=index),
    )


class Campaign(SQLModel, table=True):
    __tablename__ = "crowdfunding_campaign"
    __table_args__ = (
        sa.CheckConstraint("goal > 0 AND threshold > 0", name="goal_positive"),
        sa.CheckConstraint("pledged >= 0 AND backers >= 0 AND tips >= 0", name="progress"),
        sa.CheckConstraint(
            "captured >= 0 AND fee >= 0 AND fee <= captured AND refunded <= captured",
            name="captured_whole",
        ),
        # The deadline job, and browsing what is live by how soon it ends.
        sa.Index("ix_crowdfunding_campaign_state_deadline", "state", "deadline"),
        sa.Index("ix_crowdfunding_campaign_state_created", "state", "created_at", "id"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    creator_id: UUID = Field(foreign_key="participant.id", index=True)
    kind: str = Field(max_length=16)  # CampaignKind
    funding_model: str = Field(max_length=16)  # FundingModel
    state: str = Field(max_length=16)  # CampaignState
    title: str = Field(max_length=120)
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    category: str = Field(default="", max_length=40)
    currency: str = Field(max_length=3)
    goal: int = _minor()
    threshold: int = _minor()  # pledged at the deadline for an all-or-nothing success
    duration_days: int
    fee_version: str = Field(max_length=48)
    pledged: int = _minor()  # held by live pledges (tips apart)
    backers: int = 0  # live pledges
    tips: int = _minor()  # held by live pledges for the platform (donations)
    # Equity: the offering, and the shares allotted at success.
    price_per_share: int | None = _minor(nullable=True)
    shares_offered: int | None = _minor(nullable=True)
    minimum_raise: int | None = _minor(nullable=True)
    valuation: int | None = _minor(nullable=True)
    shares_allotted: int | None = _minor(nullable=True)
    # Debt: the lending product its loan is made under, the terms, and the loan at success.
    loan_product_id: UUID | None = Field(default=None, foreign_key="loan_product.id")
    annual_rate: Decimal | None = Field(default=None, sa_column=sa.Column(RATE, nullable=True))
    term_months: int | None = None
    loan_id: UUID | None = Field(default=None, foreign_key="loan.id")
    # A material change asks every investor to reconfirm by `reconfirm_by`.
    terms_version: int = 1
    reconfirm_by: datetime | None = _moment(nullable=True)
    # The outcome: what was captured, the platform's fee, and what the creator refunded.
    captured: int = _minor()
    fee: int = _minor()
    refunded: int = _minor()
    submitted_at: datetime | None = _moment(nullable=True)
    reviewed_by: UUID | None = Field(default=None, foreign_key="participant.id")
    reviewed_at: datetime | None = _moment(nullable=True)
    review_reason: str | None = Field(default=None, max_length=500)
    launched_at: datetime | None = _moment(nullable=True)
    deadline: datetime | None = _moment(nullable=True)
    ended_at: datetime | None = _moment(nullable=True)  # the outcome was decided
    settled_at: datetime | None = _moment(nullable=True)
    cancel_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class RewardTier(SQLModel, table=True):
    __tablename__ = "crowdfunding_tier"
    __table_args__ = (
        sa.CheckConstraint("minimum > 0", name="minimum_positive"),
        sa.CheckConstraint("taken >= 0 AND (quantity IS NULL OR taken <= quantity)", name="stock"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    campaign_id: UUID = Field(foreign_key="crowdfunding_campaign.id", index=True)
    position: int
    name: str = Field(max_length=120)
    minimum: int = _minor()
    quantity: int | None = None  # None: unlimited
    taken: int = 0  # units held by live pledges, then delivered
    estimated_delivery: date | None = None


class Pledge(SQLModel, table=True):
    __tablename__ = "crowdfunding_pledge"
    __table_args__ = (
        sa.CheckConstraint("amount > 0 AND tip >= 0", name="amount_positive"),
        sa.CheckConstraint(
            "captured >= 0 AND fee >= 0 AND fee <= captured AND refunded <= captured",
            name="captured_whole",
        ),
        sa.Index(
            "crowdfunding_pledge_one_live",
            "campaign_id",
            "backer_id",
            unique=True,
            postgresql_where=sa.text("state = 'ACTIVE'"),
        ),
        sa.Index("ix_crowdfunding_pledge_campaign_state", "campaign_id", "state", "created_at"),
        sa.Index("ix_crowdfunding_pledge_backer_created", "backer_id", "created_at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    campaign_id: UUID = Field(foreign_key="crowdfunding_campaign.id")
    backer_id: UUID = Field(foreign_key="participant.id")
    tier_id: UUID | None = Field(default=None, foreign_key="crowdfunding_tier.id")
    kind: str = Field(max_length=16)  # the campaign's kind: equity limits sum by it
    currency: str = Field(max_length=3)
    amount: int = _minor()
    tip: int = _minor()  # for the platform, on a donation
    hold_id: UUID | None = None  # the ledger hold on amount + tip while the pledge is live
    state: str = Field(max_length=16)  # PledgeState
    terms_version: int = 1  # the campaign's terms the backer last confirmed
    declared_income: int | None = _minor(nullable=True)  # equity: the investor's declaration
    declared_net_worth: int | None = _minor(nullable=True)
    captured: int = _minor()  # what the creator received of it at success (with the fee)
    fee: int = _minor()  # its share of the platform's fee
    shares: int | None = _minor(nullable=True)  # equity: allotted at success
    refunded: int = _minor()
    note_id: UUID | None = Field(default=None, foreign_key="loan_note.id")  # debt: its note
    fulfilled_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()
