"""Placements as their advertiser sees them: terms, budget, spend and each day's counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from datetime import date, datetime
from uuid import UUID

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.advertising import charging, items, states
from domain.advertising.items import ITEM_TYPE_NAMES
from domain.advertising.services.reads import placement_days
from domain.advertising.tables import AdDay, AdPlacement
from domain.money import Money as DomainMoney
from graph.context import Info
from graph.errors import UserError
from graph.idempotency import IdempotentPayload
from graph.loaders import loader
from graph.money import Money
from graph.relay import Node, to_global_id

# Enums as the domain spells them (registered once, here).
strawberry.enum(charging.Pricing, description="CPM: per thousand impressions; CPC: per click.")
strawberry.enum(states.PlacementState)
strawberry.enum(items.ItemKind)


def _money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


@strawberry.type(description="One UTC day of a placement: what counted and what it cost.")
class PlacementDay:
    day: date
    impressions: int = strawberry.field(description="Counted: once per viewer per hour.")
    clicks: int = strawberry.field(description="Counted: once per impression shown.")
    ctr: str = strawberry.field(description='Clicks / impressions, e.g. "0.0125"; "0" if none.')
    spend: Money = strawberry.field(description="Charged by the worker's batches that day.")

    @classmethod
    def of(cls, row: AdDay, currency: str) -> PlacementDay:
        ctr = f"{row.clicks / row.impressions:.4f}" if row.impressions else "0"
        return cls(
            day=row.day,
            impressions=row.impressions,
            clicks=row.clicks,
            ctr=ctr,
            spend=_money(row.spend, currency),
        )


@strawberry.type(description="A paid promotion of one's own item in its browsing list.")
class Placement(Node):
    row: strawberry.Private[AdPlacement]
    id: strawberry.ID
    item_kind: items.ItemKind
    item_id: strawberry.ID = strawberry.field(description="The promoted Loan, Campaign, ...")
    pricing: charging.Pricing
    bid: Money = strawberry.field(description="Most paid per thousand impressions or click.")
    budget: Money = strawberry.field(description="Prepaid: held on your wallet.")
    charged: Money = strawberry.field(description="Charged so far (never beyond the budget).")
    state: states.PlacementState
    ends_at: datetime
    created_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, row: AdPlacement) -> Placement:
        c = row.currency
        kind = items.ItemKind(row.item_kind)
        return cls(
            row=row,
            id=to_global_id("Placement", row.id),
            item_kind=kind,
            item_id=to_global_id(ITEM_TYPE_NAMES[kind], row.item_id),
            pricing=charging.Pricing(row.pricing),
            bid=_money(row.bid, c),
            budget=_money(row.budget, c),
            charged=_money(row.charged, c),
            state=states.PlacementState(row.state),
            ends_at=row.ends_at,
            created_at=row.created_at,
            ended_at=row.ended_at,
        )

    @strawberry.field(description="Impressions, clicks, CTR and spend per UTC day, oldest first.")
    async def days(self, info: Info) -> list[PlacementDay]:
        rows = await loader(info, "placement_days", _days).load(self.row.id)
        return [PlacementDay.of(row, self.row.currency) for row in rows or []]


async def _days(session: AsyncSession, ids: Sequence[UUID]) -> list[list[AdDay]]:
    found = await placement_days(session, ids)
    return [found.get(i, []) for i in ids]


@strawberry.type
class PlacementPayload(IdempotentPayload):
    placement: Placement | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class ClickPromotionPayload:
    counted: bool = strawberry.field(
        default=False,
        description="Whether the click counted (shown to you in the hour before, first click).",
    )
    item_id: strawberry.ID | None = strawberry.field(
        default=None, description="The promoted item to open."
    )
    errors: list[UserError] = field(default_factory=list)
