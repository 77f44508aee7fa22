"""The worker's charges: each active placement's batch of accrued cost, posted from its held
budget to revenue (never beyond it), and its end when its budget is spent or its end passes;
an advertiser's cancellation ends it the same way. Unspent budget goes back to the wallet.

A batch locks the placement row (SKIP LOCKED in the worker: a placement another worker or a
cancellation holds is left for the next run), so two charges of one placement never overlap;
`charged` is cumulative and the pure rule charges only what the accrued total owes beyond it.
Placements are taken in id order, and so are their day rows (as impressions take theirs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.advertising.charging import Pricing, batch_charge
from domain.advertising.events import PlacementUpdated
from domain.advertising.items import ItemKind
from domain.advertising.services.budget import charge_budget
from domain.advertising.services.days import accrued_total, add_to_day
from domain.advertising.services.items import promotable_owner
from domain.advertising.states import PlacementState, next_state
from domain.advertising.tables import AdPlacement
from domain.clock import Clock
from domain.events.services.outbox import emit
from domain.unit_of_work import transaction

BATCH = 50


def placement_event(p: AdPlacement, change: str, *, charge: int, returned: int) -> PlacementUpdated:
    return PlacementUpdated(
        placement_id=str(p.id),
        change=change,
        state=p.state,
        item_kind=p.item_kind,
        item_id=str(p.item_id),
        pricing=p.pricing,
        currency=p.currency,
        bid=p.bid,
        budget=p.budget,
        charged=p.charged,
        charge=charge,
        returned=returned,
    )


async def settle_placement(
    session: AsyncSession, p: AdPlacement, *, now: datetime, end: PlacementState | None = None
) -> bool:
    """Charge what `p` owes since its last batch; end it if `end` says so or its budget is
    spent. Whether anything changed. `p` must be locked and ACTIVE."""
    # Accrued is the sum of counted units' prices: the rule's units at a price of one.
    owed = batch_charge(
        Pricing(p.pricing),
        units_now=await accrued_total(session, p.id),
        price=1,
        charged=p.charged,
        budget=p.budget,
    )
    ending = end or (PlacementState.EXHAUSTED if owed.exhausted else None)
    if owed.amount == 0 and ending is None:
        return False
    if ending is not None:
        next_state(PlacementState(p.state), ending)
    returned = await charge_budget(
        session, p, amount=owed.amount, final=ending is not None, now=now
    )
    if owed.amount:
        await add_to_day(session, p.id, now, spend=owed.amount)
    if ending is not None:
        p.state, p.ended_at = ending.value, now
    session.add(p)
    change = "CHARGED" if ending is None else ending.value
    event = placement_event(p, change, charge=owed.amount, returned=returned)
    await emit(session, event, aggregate_id=p.id, audience=[p.advertiser_id], occurred_at=now)
    return True


async def _batch(session: AsyncSession, after: UUID | None) -> list[AdPlacement]:
    query = select(AdPlacement).where(col(AdPlacement.state) == PlacementState.ACTIVE.value)
    if after is not None:
        query = query.where(col(AdPlacement.id) > after)
    query = query.order_by(col(AdPlacement.id)).limit(BATCH)
    return list((await session.exec(lock(query, skip_locked=True))).all())


def lock(query: Any, *, skip_locked: bool = False) -> Any:
    """FOR NO KEY UPDATE: counting an impression or click (its foreign key to the placement
    takes a KEY SHARE lock) never waits on a charge or a cancellation, nor they on it."""
    return query.with_for_update(key_share=True, skip_locked=skip_locked)


async def _over(session: AsyncSession, p: AdPlacement, now: datetime) -> bool:
    """Past its end, or its item no longer in its list (a funded loan, a closed campaign, a
    withdrawn product): its budget would otherwise stay held for nothing."""
    if p.ends_at <= now:
        return True
    return await promotable_owner(session, ItemKind(p.item_kind), p.item_id) != p.advertiser_id


async def charge_placements(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """One pass over the active placements, a batch per transaction: charge each what it owes,
    end those past their end, out of budget or whose item left its list. How many changed."""
    changed, after = 0, None
    while True:
        async with transaction(sessions) as session:
            placements = await _batch(session, after)
            now = clock.now()
            for p in placements:
                end = PlacementState.ENDED if await _over(session, p, now) else None
                changed += await settle_placement(session, p, now=now, end=end)
        if len(placements) < BATCH:
            return changed
        after = placements[-1].id
