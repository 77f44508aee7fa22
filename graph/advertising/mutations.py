"""Advertisers place and cancel promotions; viewers' clicks on promoted items."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import NotFound
from domain.advertising import charging
from domain.advertising.errors import ItemNotPromotable
from domain.advertising.items import ID_TYPES, ITEM_TYPE_NAMES, ItemKind
from domain.advertising.services import placements, showing
from domain.advertising.tables import AdPlacement
from domain.money import currency_of, parse_money
from graph.advertising.types import ClickPromotionPayload, Placement, PlacementPayload
from graph.context import Info
from graph.idempotency import IdempotencyKey
from graph.money import MoneyInput
from graph.payloads import in_unit_of_work
from graph.permissions import SIGNED_IN, allow
from graph.relay import parse_global_id, to_global_id, uuid_of


@strawberry.input
class CreatePlacementInput:
    item_id: strawberry.ID = strawberry.field(
        description="Your Loan (listed), Campaign (live), Fund (open) or InsuranceProduct "
        "(on sale)."
    )
    pricing: charging.Pricing
    bid: MoneyInput = strawberry.field(
        description="The most you pay per thousand impressions (CPM) or per click (CPC); "
        "you pay the second price."
    )
    budget: MoneyInput = strawberry.field(description="Held on your wallet; unspent, returned.")
    ends_at: datetime


@strawberry.input
class PlacementIdInput:
    placement_id: strawberry.ID


def _item_of(global_id: str) -> tuple[ItemKind, UUID]:
    """The kind and id of a promotable item; anything else, as an item one may not promote
    (another's, a missing one and a malformed id all answer alike)."""
    try:
        type_name, _ = parse_global_id(global_id)
        kind = ID_TYPES[type_name]
    except (NotFound, KeyError):
        raise ItemNotPromotable(
            "not an item of yours that its list shows", field="item_id"
        ) from None
    return kind, uuid_of(global_id, type_name)


async def _answer(session: AsyncSession, placement_id: object) -> Placement:
    row = await session.get(AdPlacement, placement_id)
    if row is None:
        raise NotFound("no such placement", field="placement_id")
    return Placement.of(row)


@strawberry.type
class AdvertisingMutations:
    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Advertisers: promote one of your items at the top of its browsing list "
        "(labelled sponsored), its budget held on your wallet and charged per impression or "
        "click; promotion changes only the display order."
    )
    @in_unit_of_work
    async def create_placement(
        self,
        info: Info,
        session: AsyncSession,
        input: CreatePlacementInput,
        idempotency_key: IdempotencyKey,
    ) -> PlacementPayload:
        ctx = info.context
        kind, item_id = _item_of(input.item_id)
        currency = currency_of(input.budget.currency)
        created = await placements.create_placement(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            item_kind=kind,
            item_id=item_id,
            pricing=input.pricing,
            bid=parse_money(input.bid.amount, currency_of(input.bid.currency), field="bid"),
            budget=parse_money(input.budget.amount, currency, field="budget"),
            ends_at=input.ends_at,
            idempotency_key=idempotency_key,
        )
        return PlacementPayload(placement=await _answer(session, created.placement_id))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Advertisers: stop your placement now; what it owes is charged, the rest "
        "of its budget returned to your wallet."
    )
    @in_unit_of_work
    async def cancel_placement(
        self,
        info: Info,
        session: AsyncSession,
        input: PlacementIdInput,
        idempotency_key: IdempotencyKey,
    ) -> PlacementPayload:
        ctx = info.context
        cancelled = await placements.cancel_placement(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            placement_id=uuid_of(input.placement_id, "Placement"),
            idempotency_key=idempotency_key,
        )
        return PlacementPayload(placement=await _answer(session, cancelled.placement_id))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="A click on a promoted item (its promotion.placementId): counted once per "
        "impression shown to you in the hour before; never the advertiser's own."
    )
    @in_unit_of_work
    async def click_promotion(
        self, info: Info, session: AsyncSession, input: PlacementIdInput
    ) -> ClickPromotionPayload:
        ctx = info.context
        clicked = await showing.click_promotion(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            placement_id=uuid_of(input.placement_id, "Placement"),
        )
        return ClickPromotionPayload(
            counted=clicked.counted,
            item_id=to_global_id(ITEM_TYPE_NAMES[ItemKind(clicked.item_kind)], clicked.item_id),
        )
