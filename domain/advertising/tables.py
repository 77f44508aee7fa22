"""Advertising's rows: placements, the impressions and clicks that counted, and each
placement's day (counts, accrued cost and spend) that the worker charges from and
advertisers read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def _moment(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=nullable))


def _money() -> Any:
    return Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))


class AdPlacement(SQLModel, table=True):
    """An item promoted by its owner: its bid, its prepaid budget (a ledger hold on the
    advertiser's wallet: `hold_id`, of `budget - charged` while ACTIVE) and what was charged."""

    __tablename__ = "ad_placement"
    __table_args__ = (
        sa.CheckConstraint("charged BETWEEN 0 AND budget", name="charged_within_budget"),
        sa.CheckConstraint("bid > 0 AND budget > 0", name="bid_and_budget_positive"),
        sa.CheckConstraint("(state = 'ACTIVE') = (hold_id IS NOT NULL)", name="held_while_active"),
        # One live placement per item: its owner would otherwise bid against itself.
        sa.Index(
            "ad_placement_live_item",
            "item_kind",
            "item_id",
            unique=True,
            postgresql_where=sa.text("state = 'ACTIVE'"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    advertiser_id: UUID = Field(foreign_key="participant.id", index=True)
    item_kind: str = Field(max_length=24)  # ItemKind
    item_id: UUID
    pricing: str = Field(max_length=3)  # Pricing: CPM or CPC
    bid: int = _money()  # per thousand impressions (CPM) or per click (CPC)
    currency: str = Field(max_length=3)
    budget: int = _money()
    charged: int = _money()
    hold_id: UUID | None = None
    state: str = Field(max_length=16)  # PlacementState
    ends_at: datetime = _moment()
    created_at: datetime = _moment()
    ended_at: datetime | None = _moment(nullable=True)


class AdImpression(SQLModel, table=True):
    """A counted impression: one per viewer, placement and UTC hour; `price` is the second
    price it was shown at, in the placement's unit."""

    __tablename__ = "ad_impression"
    __table_args__ = (
        sa.UniqueConstraint("placement_id", "viewer_id", "hour", name="ad_impression_once"),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    placement_id: UUID = Field(foreign_key="ad_placement.id")
    viewer_id: UUID = Field(foreign_key="participant.id")
    hour: datetime = _moment()
    shown_at: datetime = _moment()
    price: int = _money()


class AdClick(SQLModel, table=True):
    """A counted click: at most one per impression shown."""

    __tablename__ = "ad_click"

    impression_id: int = Field(
        sa_column=sa.Column(
            sa.BigInteger, sa.ForeignKey("ad_impression.id"), primary_key=True, autoincrement=False
        )
    )
    placement_id: UUID = Field(foreign_key="ad_placement.id", index=True)
    clicked_at: datetime = _moment()


class AdDay(SQLModel, table=True):
    """A placement's UTC day: what counted, what it accrued (the sum of its counted units'
    prices: impressions' for CPM, clicks' for CPC) and what the worker charged that day."""

    __tablename__ = "ad_day"

    placement_id: UUID = Field(foreign_key="ad_placement.id", primary_key=True)
    day: date = Field(sa_column=sa.Column(sa.Date, primary_key=True))
    impressions: int = _money()
    clicks: int = _money()
    accrued: int = _money()
    spend: int = _money()
