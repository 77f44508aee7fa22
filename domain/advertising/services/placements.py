"""Advertisers' use cases: place a promotion of one's own item (its budget held on one's
wallet), and cancel it (the last batch charged, the rest given back)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.advertising.charging import Pricing
from domain.advertising.errors import BidBelowReserve, ItemNotPromotable, PlacementExists
from domain.advertising.items import ItemKind
from domain.advertising.services.budget import hold_budget
from domain.advertising.services.charging import lock, placement_event, settle_placement
from domain.advertising.services.items import promotable_owner
from domain.advertising.slots import CURRENT_SLOTS
from domain.advertising.states import PlacementState
from domain.advertising.tables import AdPlacement
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.events.services.outbox import emit
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.money import Money


@dataclass(frozen=True)
class PlacementChanged(StoredAnswer):
    placement_id: UUID
    state: str


def _check_terms(
    pricing: Pricing, bid: Money, budget: Money, ends_at: datetime, now: datetime
) -> None:
    if bid.currency != budget.currency:
        raise InvalidInput("must be in the budget's currency", field="bid")
    if bid.minor < CURRENT_SLOTS.reserve(pricing):
        least = Money(CURRENT_SLOTS.reserve(pricing), bid.currency).text()
        raise BidBelowReserve(f"must be at least {least} per {_unit(pricing)}", field="bid")
    if budget.minor <= 0:
        raise InvalidInput("must be greater than zero", field="budget")
    if ends_at.tzinfo is None:
        raise InvalidInput("must include a time zone", field="ends_at")
    if ends_at <= now:
        raise InvalidInput("must be in the future", field="ends_at")


def _unit(pricing: Pricing) -> str:
    return "thousand impressions" if pricing is Pricing.CPM else "click"


async def create_placement(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    item_kind: ItemKind,
    item_id: UUID,
    pricing: Pricing,
    bid: Money,
    budget: Money,
    ends_at: datetime,
    idempotency_key: str,
) -> PlacementChanged:
    """Promote one's own item in its browsing list until `ends_at`, holding `budget` of one's
    wallet; each impression (CPM) or click (CPC) is charged from it at its second price."""
    advertiser = actor.require_participant()
    _check_terms(pricing, bid, budget, ends_at, clock.now())

    async def execute() -> PlacementChanged:
        now = clock.now()
        if await promotable_owner(session, item_kind, item_id) != advertiser:
            raise ItemNotPromotable("not an item of yours that its list shows", field="item_id")
        p = AdPlacement(
            advertiser_id=advertiser,
            item_kind=item_kind.value,
            item_id=item_id,
            pricing=pricing.value,
            bid=bid.minor,
            currency=bid.currency,
            budget=budget.minor,
            state=PlacementState.ACTIVE.value,
            ends_at=ends_at,
            created_at=now,
        )
        p.hold_id = await hold_budget(session, p, budget.minor, now)
        try:
            async with session.begin_nested():
                session.add(p)
        except IntegrityError:
            raise PlacementExists("the item is promoted already", field="item_id") from None
        event = placement_event(p, "CREATED", charge=0, returned=0)
        await emit(session, event, aggregate_id=p.id, audience=[advertiser], occurred_at=now)
        details = {"item": str(item_id), "budget": budget.minor, "currency": budget.currency}
        record(
            session,
            actor=actor,
            action="placement.create",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="Placement",
            target_id=p.id,
            details=details,
        )
        return PlacementChanged(placement_id=p.id, state=p.state)

    return await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="placement.create",
        request={
            "item_kind": item_kind.value,
            "item": str(item_id),
            "pricing": pricing.value,
            "bid": bid.minor,
            "budget": budget.minor,
            "currency": budget.currency,
            "ends_at": ends_at.isoformat(),
        },
        execute=execute,
        answer=PlacementChanged,
    )


async def cancel_placement(
    *, session: AsyncSession, clock: Clock, actor: Actor, placement_id: UUID, idempotency_key: str
) -> PlacementChanged:
    """Stop one's placement now: what it owes is charged, the rest of its budget returned."""
    advertiser = actor.require_participant()

    async def execute() -> PlacementChanged:
        query = lock(select(AdPlacement).where(col(AdPlacement.id) == placement_id))
        p = (await session.exec(query)).first()
        if p is None or (p.advertiser_id != advertiser and not actor.is_operator):
            raise NotFound("no such placement", field="placement_id")
        now = clock.now()
        await settle_placement(session, p, now=now, end=PlacementState.CANCELLED)
        record(
            session,
            actor=actor,
            action="placement.cancel",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="Placement",
            target_id=p.id,
            details={"charged": p.charged},
        )
        return PlacementChanged(placement_id=p.id, state=p.state)

    return await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="placement.cancel",
        request={"placement": str(placement_id)},
        execute=execute,
        answer=PlacementChanged,
    )
